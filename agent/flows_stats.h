/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the agent computes from the sampler's maps, without touching the
 * kernel (so it is unit-tested on its own): per-CPU sums, deltas and rates
 * between two readings with counter restarts and keys that come and go,
 * this host's demand row, and the ranking of flows.
 */
#ifndef MIXNET_FLOWS_STATS_H
#define MIXNET_FLOWS_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mixnet_sampler.h"

/* Bytes between two CPUs' copies of a per-CPU value (the kernel's layout). */
static inline size_t flows_percpu_stride(size_t value_size)
{
	return (value_size + 7) & ~(size_t)7;
}

/* One peer slot, summed over CPUs. */
struct flows_peer {
	uint8_t addr[16];	/* all zero for the unknown-peer slot */
	uint32_t slot;
	uint64_t since_ns;	/* when the slot was assigned (its incarnation) */
	uint64_t bytes;
	uint64_t packets;
};

/* One flow, summed over CPUs. */
struct flows_flow {
	struct mixnet_flow_key key;
	uint64_t bytes;
	uint64_t packets;
	uint64_t first_ns;	/* earliest over CPUs */
	uint64_t last_ns;	/* latest over CPUs */
};

/*
 * Sum @ncpu copies of a per-CPU value as the kernel returns them
 * (flows_percpu_stride() apart).  Identity fields (address, since) are
 * taken from the first CPU: the agent writes the same on every CPU.
 */
void flows_peer_sum(const void *percpu, unsigned int ncpu, uint32_t slot,
		    struct flows_peer *out);
void flows_flow_sum(const void *percpu, unsigned int ncpu,
		    const struct mixnet_flow_key *key, struct flows_flow *out);
void flows_errors_sum(const void *percpu, unsigned int ncpu,
		      struct mixnet_sampler_errors *out);

/* ---- deltas between readings --------------------------------------------- */

#define FLOWS_KEY_MAX sizeof(struct mixnet_flow_key)

/* One pair of counters at one reading, as the tracker sees it. */
struct flows_sample {
	uint8_t key[FLOWS_KEY_MAX];	/* identity (peer address or 5-tuple), zero padded */
	uint64_t incarnation;		/* changes whenever the counters restart from 0 */
	uint64_t bytes;
	uint64_t packets;
};

/* What happened to one sample's counters since the previous reading. */
struct flows_delta {
	uint64_t bytes;
	uint64_t packets;
	double bytes_per_sec;
	double packets_per_sec;
	bool valid;		/* false: no earlier reading to compare with */
	bool restarted;		/* counters restarted (reassigned, re-attached, new) */
};

/*
 * Remembers the previous reading.  Rules, per key:
 *  - first reading ever: not valid (we cannot tell what is new);
 *  - same incarnation, counters not lower: the difference;
 *  - incarnation changed, counters went down, the epoch changed (the
 *    sampler was re-attached) or the key is new: everything counted since
 *    the restart happened after the previous reading, so the delta is the
 *    whole current value.
 * Keys that disappeared are forgotten.
 */
struct flows_tracker {
	struct flows_sample *prev;	/* sorted by key */
	size_t n;
	uint64_t epoch;
	uint64_t time_ns;
	bool primed;
};

void flows_tracker_init(struct flows_tracker *t);
void flows_tracker_free(struct flows_tracker *t);
/*
 * Compare @cur (@n samples with unique keys, any order) with the previous
 * reading taken in the same @epoch; out[i] describes cur[i].  @cur then
 * becomes the previous reading.  0, -EINVAL (duplicate key) or -ENOMEM;
 * on error the tracker is unchanged.
 */
int flows_tracker_update(struct flows_tracker *t, uint64_t epoch, uint64_t now_ns,
			 const struct flows_sample *cur, size_t n, struct flows_delta *out);

void flows_peer_sample(const struct flows_peer *p, struct flows_sample *s);
void flows_flow_sample(const struct flows_flow *f, struct flows_sample *s);

/* ---- this host's demand row ------------------------------------------------ */

struct flows_row_entry {
	uint8_t addr[16];
	uint32_t slot;
	uint64_t bytes;		/* totals since the slot was assigned */
	uint64_t packets;
	struct flows_delta d;	/* over the last interval */
};

/* Per peer, bytes and bytes/s; what fell outside the peer set separately. */
struct flows_row {
	struct flows_row_entry *peers;	/* sorted by address */
	size_t n;
	struct flows_row_entry unknown;	/* slot 0 */
	uint64_t interval_ns;		/* 0 on the first reading */
	/* internal buffers, reused between updates */
	struct flows_sample *samples;
	struct flows_delta *deltas;
	size_t cap;
};

void flows_row_init(struct flows_row *row);
void flows_row_free(struct flows_row *row);
/*
 * Build the row from one reading of the peers map (@peers, @n, slot 0
 * included) through @t.  0 or -errno (row unchanged).
 */
int flows_row_update(struct flows_row *row, struct flows_tracker *t, uint64_t epoch,
		     uint64_t now_ns, const struct flows_peer *peers, size_t n);

/* ---- flows ranking ---------------------------------------------------------- */

/*
 * Order @n flows for display: @order (room for @n indices) gets them by
 * rate when @d is given (flows without a valid rate last), then by total
 * bytes, then by key.  Returns how many to show: @top, or all if 0.
 */
size_t flows_rank(const struct flows_flow *f, const struct flows_delta *d, size_t n,
		  size_t top, size_t *order);

#endif /* MIXNET_FLOWS_STATS_H */
