// SPDX-License-Identifier: GPL-2.0
/* Results of a mixnet-trafgen run (see report.h). */
#include <errno.h>
#include <string.h>

#include "report.h"

void tg_phase_summarize(uint32_t n, const uint64_t *want, const struct tg_xfer *recv,
			struct tg_phase_result *r)
{
	uint32_t i, j;

	r->bytes = 0;
	r->pairs = 0;
	r->max_pair_usec = 0;
	r->slow_src = r->slow_dst = 0;
	for (i = 0; i < n; i++) {
		for (j = 0; j < n; j++) {
			size_t k = (size_t)i * n + j;

			if (i == j || !want[k])
				continue;
			r->bytes += want[k];
			r->pairs++;
			/* ties: the first pair in row-major order */
			if (r->pairs == 1 || recv[k].usec > r->max_pair_usec) {
				r->max_pair_usec = recv[k].usec;
				r->slow_src = i;
				r->slow_dst = j;
			}
		}
	}
}

void tg_totals_add(struct tg_totals *t, const struct tg_phase_result *r)
{
	if (t->phases == 0 || r->usec < t->min_usec)
		t->min_usec = r->usec;
	if (r->usec > t->max_usec)
		t->max_usec = r->usec;
	t->phases++;
	t->bytes += r->bytes;
	t->usec += r->usec;
}

uint64_t tg_totals_mean_usec(const struct tg_totals *t)
{
	return t->phases ? (t->usec + t->phases / 2) / t->phases : 0;
}

double tg_gbps(uint64_t bytes, uint64_t usec)
{
	return usec ? (double)bytes * 8.0 / (double)usec / 1000.0 : 0.0;
}

static const char *hname(const struct tg_report *r, int i)
{
	return i >= 0 && (uint32_t)i < r->hosts->n ? r->hosts->h[i].name : "?";
}

int tg_report_init(struct tg_report *r, const struct tg_hosts *hosts, FILE *out,
		   bool json, bool verbose, json_t *config, const char *title)
{
	memset(r, 0, sizeof(*r));
	r->hosts = hosts;
	r->out = out;
	r->json = json;
	r->verbose = verbose;
	if (json) {
		r->root = json_object();
		r->phases = json_array();
		r->errors = json_array();
		if (!r->root || !r->phases || !r->errors) {
			json_decref(config);
			tg_report_free(r);
			return -ENOMEM;
		}
		json_object_set_new(r->root, "config", config ? config : json_object());
		return 0;
	}
	json_decref(config);
	if (title)
		fprintf(out, "%s\n", title);
	fprintf(out, "%5s %5s %4s %12s %10s %-24s %10s %8s\n", "phase", "layer", "rep", "bytes",
		"time_ms", "slowest_pair", "pair_ms", "Gbit/s");
	return 0;
}

static json_t *pairs_json(const struct tg_report *r, uint32_t n, const uint64_t *want,
			  const struct tg_xfer *recv)
{
	json_t *a = json_array();
	uint32_t i, j;

	for (i = 0; a && i < n; i++) {
		for (j = 0; j < n; j++) {
			size_t k = (size_t)i * n + j;

			if (i == j || !want[k])
				continue;
			json_array_append_new(a, json_pack("{sssssIsIsf}", "src", hname(r, (int)i),
				"dst", hname(r, (int)j), "bytes", (json_int_t)want[k],
				"usec", (json_int_t)recv[k].usec,
				"mbps", tg_gbps(want[k], recv[k].usec) * 1000.0));
		}
	}
	return a;
}

int tg_report_phase(struct tg_report *r, const struct tg_phase_result *pr, uint32_t n,
		    const uint64_t *want, const struct tg_xfer *recv)
{
	char pair[2 * TG_NAME_MAX + 4];
	uint32_t i, j;

	tg_totals_add(&r->totals, pr);
	if (r->json) {
		json_t *o = json_pack("{sisisisbsIsIsfsisos{sssssI}}",
			"index", (int)pr->index, "layer", (int)pr->layer, "rep", (int)pr->rep,
			"announced", pr->announced, "bytes", (json_int_t)pr->bytes,
			"usec", (json_int_t)pr->usec, "gbps", tg_gbps(pr->bytes, pr->usec),
			"pairs", (int)pr->pairs, "pair_stats", pairs_json(r, n, want, recv),
			"slowest", "src", hname(r, (int)pr->slow_src),
			"dst", hname(r, (int)pr->slow_dst), "usec", (json_int_t)pr->max_pair_usec);

		if (!o || json_array_append_new(r->phases, o))
			return -ENOMEM;
		return 0;
	}
	snprintf(pair, sizeof(pair), "%s->%s", hname(r, (int)pr->slow_src),
		 hname(r, (int)pr->slow_dst));
	fprintf(r->out, "%5u %5u %4u %12llu %10.3f %-24s %10.3f %8.3f%s\n", pr->index, pr->layer,
		pr->rep, (unsigned long long)pr->bytes, (double)pr->usec / 1000.0,
		pr->pairs ? pair : "-", (double)pr->max_pair_usec / 1000.0,
		tg_gbps(pr->bytes, pr->usec), pr->announced ? "  (announced)" : "");
	if (!r->verbose)
		return fflush(r->out) ? -EIO : 0;	/* rows as they come, also into pipes */
	for (i = 0; i < n; i++) {
		for (j = 0; j < n; j++) {
			size_t k = (size_t)i * n + j;

			if (i == j || !want[k])
				continue;
			snprintf(pair, sizeof(pair), "%s->%s", hname(r, (int)i), hname(r, (int)j));
			fprintf(r->out, "%28s %12llu %10.3f %8.1f Mbit/s\n", pair,
				(unsigned long long)want[k], (double)recv[k].usec / 1000.0,
				tg_gbps(want[k], recv[k].usec) * 1000.0);
		}
	}
	return fflush(r->out) ? -EIO : 0;
}

void tg_report_error(struct tg_report *r, int64_t phase, const struct tg_phase_result *pr,
		     int src, int dst, const char *kind, const char *msg)
{
	r->nerrors++;
	if (phase >= 0 && pr)
		fprintf(stderr, "mixnet-trafgen: phase %lld (layer %u, rep %u): %s\n",
			(long long)phase, pr->layer, pr->rep, msg);
	else
		fprintf(stderr, "mixnet-trafgen: %s\n", msg);
	if (r->json) {
		json_t *o = json_pack("{sIssss}", "phase", (json_int_t)phase, "kind", kind,
				      "msg", msg);

		if (!o)
			return;
		if (phase >= 0 && pr) {
			json_object_set_new(o, "layer", json_integer(pr->layer));
			json_object_set_new(o, "rep", json_integer(pr->rep));
		}
		json_object_set_new(o, "src", src >= 0 ? json_string(hname(r, src)) : json_null());
		json_object_set_new(o, "dst", dst >= 0 ? json_string(hname(r, dst)) : json_null());
		json_array_append_new(r->errors, o);
	}
}

int tg_report_finish(struct tg_report *r, bool ok, uint64_t wall_usec)
{
	const struct tg_totals *t = &r->totals;
	int err = 0;

	if (r->json) {
		json_object_set(r->root, "phases", r->phases);
		json_object_set_new(r->root, "total", json_pack("{sisIsIsIsIsIsfsI}",
			"phases", (int)t->phases, "bytes", (json_int_t)t->bytes,
			"usec", (json_int_t)t->usec, "mean_usec", (json_int_t)tg_totals_mean_usec(t),
			"min_usec", (json_int_t)t->min_usec, "max_usec", (json_int_t)t->max_usec,
			"gbps", tg_gbps(t->bytes, t->usec), "wall_usec", (json_int_t)wall_usec));
		json_object_set_new(r->root, "ok", json_boolean(ok));
		json_object_set(r->root, "errors", r->errors);
		if (json_dumpf(r->root, r->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER))
			err = -EIO;
		fputc('\n', r->out);
	} else {
		fprintf(r->out, "total: %u phases, %llu bytes, all-to-all time %.3f ms "
			"(mean %.3f, min %.3f, max %.3f ms), %.3f Gbit/s, wall %.3f s: %s\n",
			t->phases, (unsigned long long)t->bytes, (double)t->usec / 1000.0,
			(double)tg_totals_mean_usec(t) / 1000.0, (double)t->min_usec / 1000.0,
			(double)t->max_usec / 1000.0, tg_gbps(t->bytes, t->usec),
			(double)wall_usec / 1e6,
			ok ? "every byte verified" : "FAILED");
	}
	if (fflush(r->out))
		err = -EIO;
	return err;
}

void tg_report_free(struct tg_report *r)
{
	json_decref(r->root);
	json_decref(r->phases);
	json_decref(r->errors);
	r->root = r->phases = r->errors = NULL;
}
