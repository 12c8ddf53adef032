// SPDX-License-Identifier: GPL-2.0
/* Verification of a phase's transfers (see verify.h). */
#include <stdio.h>

#include "verify.h"

const char *tg_fault_kind_name(enum tg_fault_kind k)
{
	switch (k) {
	case TG_FAULT_CORRUPT:
		return "corrupt";
	case TG_FAULT_LOST:
		return "lost";
	case TG_FAULT_EXCESS:
		return "excess";
	case TG_FAULT_SENDER:
		return "sender";
	case TG_FAULT_CHECKSUM:
		return "checksum";
	}
	return "?";
}

size_t tg_verify_phase(uint32_t n, const uint64_t *want, const struct tg_xfer *sent,
		       const struct tg_xfer *recv, struct tg_fault *out, size_t max)
{
	size_t nf = 0;
	uint32_t i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < n; j++) {
			size_t k = (size_t)i * n + j;
			struct tg_fault f = {
				.src = i, .dst = j, .want = want[k], .sent = sent[k].bytes,
				.got = recv[k].bytes, .offset = recv[k].bad,
				.sum_sent = sent[k].sum, .sum_got = recv[k].sum,
			};

			if (i == j)
				continue;
			if (recv[k].bad >= 0)
				f.kind = TG_FAULT_CORRUPT;
			else if (recv[k].bytes < want[k])
				f.kind = TG_FAULT_LOST;
			else if (recv[k].bytes > want[k])
				f.kind = TG_FAULT_EXCESS;
			else if (sent[k].bytes != want[k])
				f.kind = TG_FAULT_SENDER;
			else if (sent[k].sum != recv[k].sum)
				f.kind = TG_FAULT_CHECKSUM;
			else
				continue;
			if (nf < max)
				out[nf] = f;
			nf++;
		}
	}
	return nf;
}

const char *tg_fault_str(const struct tg_fault *f, const struct tg_hosts *hs,
			 char *buf, size_t len)
{
	const char *s = f->src < hs->n ? hs->h[f->src].name : "?";
	const char *d = f->dst < hs->n ? hs->h[f->dst].name : "?";
	unsigned long long want = f->want, got = f->got, sent = f->sent;

	switch (f->kind) {
	case TG_FAULT_CORRUPT:
		snprintf(buf, len, "%s->%s: corrupt data: byte %lld of %llu differs from what %s sent",
			 s, d, (long long)f->offset, want, s);
		break;
	case TG_FAULT_LOST:
		snprintf(buf, len, "%s->%s: lost data: %llu of %llu bytes received (%llu lost)",
			 s, d, got, want, want - got);
		break;
	case TG_FAULT_EXCESS:
		snprintf(buf, len, "%s->%s: %llu bytes received, %llu expected", s, d, got, want);
		break;
	case TG_FAULT_SENDER:
		snprintf(buf, len, "%s->%s: %s sent %llu bytes, %llu asked for", s, d, s, sent, want);
		break;
	case TG_FAULT_CHECKSUM:
		snprintf(buf, len, "%s->%s: checksum mismatch: sent %016llx, received %016llx",
			 s, d, (unsigned long long)f->sum_sent, (unsigned long long)f->sum_got);
		break;
	}
	return buf;
}
