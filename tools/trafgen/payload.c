// SPDX-License-Identifier: GPL-2.0
/* Transfer payloads: keyed stream and checksum (see payload.h). */
#include <endian.h>
#include <string.h>

#include "payload.h"

#define GOLDEN 0x9e3779b97f4a7c15ULL

static inline uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * Word w of a stream: a cheap bijective mix of key + w x GOLDEN (one
 * multiply).  Scalar on purpose: in the TCG test VM SSE/AVX code (also
 * glibc's memcmp) is emulated through helpers and costs 10-100x more.
 */
static inline uint64_t word_of(uint64_t x)
{
	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ULL;
	return x ^ (x >> 32);
}

uint64_t tg_payload_key(uint64_t session, uint32_t seq, uint32_t src, uint32_t dst)
{
	return mix64(mix64(session ^ ((uint64_t)seq << 1)) ^ ((uint64_t)src << 32 | dst));
}

void tg_payload_fill(uint64_t key, uint64_t offset, void *buf, size_t len)
{
	unsigned char *p = buf;
	uint64_t x = key + (offset / 8) * GOLDEN, v;
	size_t skip = offset % 8;

	if (skip && len) {	/* unaligned head */
		size_t k = 8 - skip < len ? 8 - skip : len;

		v = htole64(word_of(x));
		x += GOLDEN;
		memcpy(p, (unsigned char *)&v + skip, k);
		p += k;
		len -= k;
	}
	for (; len >= 8; p += 8, len -= 8, x += GOLDEN) {
		v = htole64(word_of(x));
		memcpy(p, &v, 8);
	}
	if (len) {
		v = htole64(word_of(x));
		memcpy(p, &v, len);
	}
}

/* Index of the first of @len bytes at @p differing from @v's bytes from @skip. */
static int64_t diff_bytes(uint64_t v, size_t skip, const unsigned char *p, size_t len)
{
	const unsigned char *e = (const unsigned char *)&v + skip;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != e[i])
			return (int64_t)i;
	return -1;
}

int64_t tg_payload_check(uint64_t key, uint64_t offset, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint64_t x = key + (offset / 8) * GOLDEN, v, got;
	size_t skip = offset % 8, done = 0;
	int64_t d;

	if (skip && len) {
		size_t k = 8 - skip < len ? 8 - skip : len;

		d = diff_bytes(htole64(word_of(x)), skip, p, k);
		if (d >= 0)
			return d;
		x += GOLDEN;
		done = k;
	}
	for (; len - done >= 8; done += 8, x += GOLDEN) {
		v = htole64(word_of(x));
		memcpy(&got, p + done, 8);
		if (got != v)
			return (int64_t)done + diff_bytes(v, 0, p + done, 8);
	}
	if (len > done) {
		d = diff_bytes(htole64(word_of(x)), 0, p + done, len - done);
		if (d >= 0)
			return (int64_t)done + d;
	}
	return -1;
}

void tg_sum_init(struct tg_sum *s)
{
	*s = (struct tg_sum){ 0 };
}

static inline void sum_word(struct tg_sum *s, uint64_t w)
{
	s->a += w;
	s->b += s->a;
}

void tg_sum_update(struct tg_sum *s, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint64_t w;

	s->len += len;
	while (s->npart && len) {	/* finish a word begun by the last call */
		s->part |= (uint64_t)*p++ << (8 * s->npart);
		len--;
		if (++s->npart == 8) {
			sum_word(s, s->part);
			s->part = 0;
			s->npart = 0;
		}
	}
	if (len >= 8) {
		/* locals: a loop over s->a/s->b gets vectorized with stores */
		uint64_t a = s->a, b = s->b;

		for (; len >= 8; p += 8, len -= 8) {
			memcpy(&w, p, 8);
			a += le64toh(w);
			b += a;
		}
		s->a = a;
		s->b = b;
	}
	while (len--)
		s->part |= (uint64_t)*p++ << (8 * s->npart++);
}

uint64_t tg_sum_final(const struct tg_sum *s)
{
	uint64_t a = s->a, b = s->b;

	if (s->npart) {		/* the tail word, zero-padded */
		a += s->part;
		b += a;
	}
	return mix64(b ^ mix64(a ^ s->len));
}

uint64_t tg_sum_chunk(uint64_t offset, const struct tg_sum *s)
{
	return mix64(tg_sum_final(s) ^ mix64(offset + GOLDEN));
}
