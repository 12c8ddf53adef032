/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Payload of one transfer (one pair, one phase): a keyed pseudo-random
 * byte stream that the receiver can check at any offset without state,
 * so a corrupt, shifted, stale or misdirected byte is found with its
 * offset.  Both ends also keep a checksum of the payload (struct
 * tg_sum); the driver compares the sender's with the receiver's.  It is a
 * Fletcher-style sum over 64-bit words (a += w, b += a), position-
 * dependent and about ten times cheaper than CRC-32: the byte-exact
 * stream check above already catches what a CRC would, the checksum
 * cross-checks the two ends.  (zlib's CRC-32 cost 55% of the generator's
 * user time, which matters in the TCG test VM.)
 *
 * Byte o of the stream is byte (o % 8) of the little-endian 64-bit word
 * f(key + (o / 8) * 0x9e3779b97f4a7c15) with f(x) = (y * C) ^ (y * C >> 32),
 * y = x ^ (x >> 29), C = 0xbf58476d1ce4e5b9: a bijection, so no two
 * words of a transfer are equal, and the key differs per session, phase
 * and pair.
 */
#ifndef MIXNET_TRAFGEN_PAYLOAD_H
#define MIXNET_TRAFGEN_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

/* Key of the transfer @src -> @dst in phase @seq of session @session. */
uint64_t tg_payload_key(uint64_t session, uint32_t seq, uint32_t src, uint32_t dst);

/* Write stream bytes [@offset, @offset + @len) into @buf. */
void tg_payload_fill(uint64_t key, uint64_t offset, void *buf, size_t len);

/* Index in @buf of the first byte that differs from the stream at
 * @offset, or -1 when all @len bytes match. */
int64_t tg_payload_check(uint64_t key, uint64_t offset, const void *buf, size_t len);

struct tg_sum {
	uint64_t a, b;		/* sum of words, sum of the running sums */
	uint64_t len;		/* bytes so far */
	uint64_t part;		/* bytes of an unfinished word */
	unsigned int npart;
};

void tg_sum_init(struct tg_sum *s);
/* Add @len bytes; any split of a stream gives the same result. */
void tg_sum_update(struct tg_sum *s, const void *buf, size_t len);
/* The checksum of everything added (the state is left as is). */
uint64_t tg_sum_final(const struct tg_sum *s);

/*
 * A transfer travels in chunks over several connections, so they arrive
 * in any order: its checksum is the sum (mod 2^64) over its chunks of
 * tg_sum_chunk(offset, checksum state of the chunk's bytes), which binds
 * each chunk's checksum to its offset.
 */
uint64_t tg_sum_chunk(uint64_t offset, const struct tg_sum *s);

#endif /* MIXNET_TRAFGEN_PAYLOAD_H */
