/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The peer index the BPF program looks peers up in (struct
 * mixnet_peer_bucket): an open-addressing table with a hash seed chosen
 * so that every peer sits within MIXNET_PEER_INDEX_PROBES buckets of its
 * hash.  Built here, in userspace; the lookup mirrors the program's.
 */
#ifndef MIXNET_FLOWS_INDEX_H
#define MIXNET_FLOWS_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "mixnet_sampler.h"

struct flows_index_entry {
	uint8_t addr[16];
	uint32_t slot;		/* >= 1 */
};

/* Buckets per half for @peer_slots slots: at least 4 per slot (load <= 1/4). */
uint32_t flows_index_bits(uint32_t peer_slots);

/*
 * Fill @buckets (1 << @bits of them) with @n entries (unique addresses).
 * Seeds are drawn from *@rng until one keeps every probe sequence within
 * MIXNET_PEER_INDEX_PROBES.  0 with *@seed and *@probes set; -E2BIG if
 * the table cannot hold @n; -EAGAIN if no seed was found.
 */
int flows_index_build(const struct flows_index_entry *e, size_t n, uint32_t bits,
		      uint64_t *rng, struct mixnet_peer_bucket *buckets, uint32_t *seed,
		      uint32_t *probes);

/* The program's lookup: the slot of @addr, 0 if it is not in the table. */
uint32_t flows_index_lookup(const struct mixnet_peer_bucket *buckets, uint32_t bits,
			    uint32_t seed, const uint8_t *addr);

#endif /* MIXNET_FLOWS_INDEX_H */
