// SPDX-License-Identifier: GPL-2.0
/* Building the peer index of the BPF program (see flows_index.h). */
#include <errno.h>
#include <string.h>

#include "flows_index.h"

#define MAX_BITS	20
#define SEED_TRIES	1000

uint32_t flows_index_bits(uint32_t peer_slots)
{
	uint32_t bits = 1;

	while (bits < MAX_BITS && (1u << bits) < 4ull * peer_slots)
		bits++;
	return bits;
}

/* xorshift64*: seeds only need to differ, not to be secret */
static uint32_t next_seed(uint64_t *s)
{
	uint64_t x = *s ? *s : 0x9e3779b97f4a7c15ull;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 32) | 1;	/* odd */
}

static int try_seed(const struct flows_index_entry *e, size_t n, uint32_t bits, uint32_t seed,
		    struct mixnet_peer_bucket *buckets, uint32_t *longest)
{
	uint32_t size = 1u << bits, mask = size - 1, i, p;
	size_t k;

	memset(buckets, 0, size * sizeof(*buckets));
	*longest = 0;
	for (k = 0; k < n; k++) {
		uint32_t h = mixnet_peer_hash(e[k].addr, seed, bits);

		for (p = 0; p < MIXNET_PEER_INDEX_PROBES; p++) {
			i = (h + p) & mask;
			if (!buckets[i].slot)
				break;
		}
		if (p == MIXNET_PEER_INDEX_PROBES)
			return -EAGAIN;
		memcpy(buckets[i].addr, e[k].addr, 16);
		buckets[i].slot = e[k].slot;
		if (p + 1 > *longest)
			*longest = p + 1;
	}
	return 0;
}

int flows_index_build(const struct flows_index_entry *e, size_t n, uint32_t bits,
		      uint64_t *rng, struct mixnet_peer_bucket *buckets, uint32_t *seed,
		      uint32_t *probes)
{
	int t;

	if (!bits || bits > MAX_BITS || n > (1u << bits) / 2)
		return -E2BIG;
	for (t = 0; t < SEED_TRIES; t++) {
		uint32_t s = next_seed(rng);

		if (!try_seed(e, n, bits, s, buckets, probes)) {
			*seed = s;
			return 0;
		}
	}
	return -EAGAIN;
}

uint32_t flows_index_lookup(const struct mixnet_peer_bucket *buckets, uint32_t bits,
			    uint32_t seed, const uint8_t *addr)
{
	uint32_t h = mixnet_peer_hash(addr, seed, bits), mask = (1u << bits) - 1, p;

	for (p = 0; p < MIXNET_PEER_INDEX_PROBES; p++) {
		const struct mixnet_peer_bucket *b = &buckets[(h + p) & mask];

		if (!b->slot)
			break;
		if (!memcmp(b->addr, addr, 16))
			return b->slot;
	}
	return MIXNET_PEER_SLOT_UNKNOWN;
}
