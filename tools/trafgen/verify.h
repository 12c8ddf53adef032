/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Verification of a phase: what the driver asked for against what each
 * sender reports having sent and each receiver having received (bytes,
 * checksum, offset of the first byte that did not match the stream).
 */
#ifndef MIXNET_TRAFGEN_VERIFY_H
#define MIXNET_TRAFGEN_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "hosts.h"
#include "proto.h"

enum tg_fault_kind {
	TG_FAULT_CORRUPT,	/* a received byte differs from the stream */
	TG_FAULT_LOST,		/* fewer bytes received than sent for */
	TG_FAULT_EXCESS,	/* more bytes received than expected */
	TG_FAULT_SENDER,	/* the sender sent another amount than asked */
	TG_FAULT_CHECKSUM,	/* counts match but sender and receiver checksums differ */
};

struct tg_fault {
	enum tg_fault_kind kind;
	uint32_t src, dst;
	uint64_t want;		/* bytes the driver asked for */
	uint64_t sent;		/* bytes the sender reports */
	uint64_t got;		/* bytes the receiver reports */
	int64_t offset;		/* corrupt: first wrong byte */
	uint64_t sum_sent, sum_got;
};

const char *tg_fault_kind_name(enum tg_fault_kind k);

/*
 * Check every pair i != j of an n-host phase: @want[i * n + j] bytes
 * asked for, @sent[i * n + j] as host i reports sending to j,
 * @recv[i * n + j] as host j reports receiving from i.  At most one fault
 * per pair (the first of: corrupt, lost/excess, sender, checksum); up to
 * @max go to @out.  Returns the number of faulty pairs.
 */
size_t tg_verify_phase(uint32_t n, const uint64_t *want, const struct tg_xfer *sent,
		       const struct tg_xfer *recv, struct tg_fault *out, size_t max);

/* One line describing @f, naming both hosts. */
const char *tg_fault_str(const struct tg_fault *f, const struct tg_hosts *hs,
			 char *buf, size_t len);

#endif /* MIXNET_TRAFGEN_VERIFY_H */
