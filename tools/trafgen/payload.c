// SPDX-License-Identifier: GPL-2.0
/* Transfer payloads: keyed stream and CRC (see payload.h). */
#include <endian.h>
#include <string.h>
#include <zlib.h>

#include "payload.h"

#define GOLDEN 0x9e3779b97f4a7c15ULL

static inline uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t word_at(uint64_t key, uint64_t w)
{
	return htole64(mix64(key + w * GOLDEN));
}

uint64_t tg_payload_key(uint64_t session, uint32_t seq, uint32_t src, uint32_t dst)
{
	return mix64(mix64(session ^ ((uint64_t)seq << 1)) ^ ((uint64_t)src << 32 | dst));
}

void tg_payload_fill(uint64_t key, uint64_t offset, void *buf, size_t len)
{
	unsigned char *p = buf;
	uint64_t w = offset / 8, v;
	size_t skip = offset % 8;

	if (skip && len) {	/* unaligned head */
		size_t k = 8 - skip < len ? 8 - skip : len;

		v = word_at(key, w++);
		memcpy(p, (unsigned char *)&v + skip, k);
		p += k;
		len -= k;
	}
	for (; len >= 8; p += 8, len -= 8) {
		v = word_at(key, w++);
		memcpy(p, &v, 8);
	}
	if (len) {
		v = word_at(key, w);
		memcpy(p, &v, len);
	}
}

int64_t tg_payload_check(uint64_t key, uint64_t offset, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	unsigned char expect[4096];
	size_t done = 0;

	while (done < len) {
		size_t k = len - done < sizeof(expect) ? len - done : sizeof(expect);

		tg_payload_fill(key, offset + done, expect, k);
		if (memcmp(expect, p + done, k)) {
			size_t i;

			for (i = 0; expect[i] == p[done + i]; i++)
				;
			return (int64_t)(done + i);
		}
		done += k;
	}
	return -1;
}

uint32_t tg_crc(uint32_t crc, const void *buf, size_t len)
{
	return (uint32_t)crc32_z(crc, buf, len);
}
