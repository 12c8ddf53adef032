/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Payload of one transfer (one pair, one phase): a keyed pseudo-random
 * byte stream that the receiver can check at any offset without state,
 * so a corrupt, shifted, stale or misdirected byte is found with its
 * offset.  Both ends also keep a CRC-32 (zlib) of the payload; the driver
 * compares the sender's with the receiver's.
 *
 * Byte o of the stream is byte (o % 8) of the little-endian 64-bit word
 * mix64(key + (o / 8) * 0x9e3779b97f4a7c15) (splitmix64's finalizer).
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

/* CRC-32 (zlib's) of @buf continuing @crc (start with 0). */
uint32_t tg_crc(uint32_t crc, const void *buf, size_t len);

#endif /* MIXNET_TRAFGEN_PAYLOAD_H */
