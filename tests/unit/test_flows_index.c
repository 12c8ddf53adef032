// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: the peer index the BPF program looks peers up in
 * (agent/flows_index.c): every peer found in its slot within the probe
 * limit, absent addresses not found, sizes and failures.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/check_run.h"
#include "flows_index.h"

static void v4(uint8_t *a, uint32_t ip)
{
	memset(a, 0, 16);
	a[10] = a[11] = 0xff;
	a[12] = ip >> 24;
	a[13] = ip >> 16;
	a[14] = ip >> 8;
	a[15] = ip;
}

static void v6(uint8_t *a, uint32_t n)
{
	memset(a, 0, 16);
	a[0] = 0x20;
	a[1] = 0x01;
	a[2] = 0x0d;
	a[3] = 0xb8;
	a[12] = n >> 24;
	a[13] = n >> 16;
	a[14] = n >> 8;
	a[15] = n;
}

START_TEST(test_bits)
{
	ck_assert_uint_eq(flows_index_bits(1), 2);
	ck_assert_uint_eq(flows_index_bits(2), 3);
	ck_assert_uint_eq(flows_index_bits(1024), 12);
	ck_assert_uint_eq(flows_index_bits(1025), 13);
	ck_assert_uint_eq(flows_index_bits(65536), 18);
	ck_assert_uint_eq(flows_index_bits(UINT32_MAX), 20);
}
END_TEST

START_TEST(test_full_region)
{
	const uint32_t bits = flows_index_bits(1024), n = 1023;
	struct mixnet_peer_bucket *b = calloc(1u << bits, sizeof(*b));
	struct flows_index_entry *e = calloc(n, sizeof(*e));
	uint32_t seed = 0, probes = 0, used = 0, i;
	uint64_t rng = 42;
	uint8_t a[16];

	/* a region's addresses: consecutive, the worst case for weak hashes;
	 * every third peer IPv6 */
	for (i = 0; i < n; i++) {
		if (i % 3 == 2)
			v6(e[i].addr, i);
		else
			v4(e[i].addr, (198u << 24) | (18u << 16) | (i + 1));
		e[i].slot = i + 1;
	}
	ck_assert_int_eq(flows_index_build(e, n, bits, &rng, b, &seed, &probes), 0);
	ck_assert_uint_eq(seed & 1, 1);
	ck_assert_uint_ge(probes, 1);
	ck_assert_uint_le(probes, MIXNET_PEER_INDEX_PROBES);
	for (i = 0; i < n; i++)
		ck_assert_uint_eq(flows_index_lookup(b, bits, seed, e[i].addr), i + 1);
	/* absent: other IPv4 and IPv6 addresses, and the all-zero address */
	for (i = 0; i < 5000; i++) {
		v4(a, (198u << 24) | (19u << 16) | i);
		ck_assert_uint_eq(flows_index_lookup(b, bits, seed, a), 0);
		v6(a, 100000 + i);
		ck_assert_uint_eq(flows_index_lookup(b, bits, seed, a), 0);
	}
	memset(a, 0, sizeof(a));
	ck_assert_uint_eq(flows_index_lookup(b, bits, seed, a), 0);
	/* exactly n buckets used */
	for (i = 0; i < (1u << bits); i++)
		used += b[i].slot != 0;
	ck_assert_uint_eq(used, n);
	free(b);
	free(e);
}
END_TEST

START_TEST(test_deterministic_seed)
{
	struct mixnet_peer_bucket b1[64], b2[64];
	struct flows_index_entry e[3];
	uint32_t s1, s2, p1, p2, i;
	uint64_t r1 = 7, r2 = 7;

	for (i = 0; i < 3; i++) {
		v4(e[i].addr, 0xc6120001 + i);
		e[i].slot = 10 + i;
	}
	ck_assert_int_eq(flows_index_build(e, 3, 6, &r1, b1, &s1, &p1), 0);
	ck_assert_int_eq(flows_index_build(e, 3, 6, &r2, b2, &s2, &p2), 0);
	ck_assert_uint_eq(s1, s2);
	ck_assert_mem_eq(b1, b2, sizeof(b1));
}
END_TEST

START_TEST(test_empty_and_too_many)
{
	struct mixnet_peer_bucket b[16];
	struct flows_index_entry e[9];
	uint32_t seed = 0, probes = 9, i;
	uint64_t rng = 1;

	memset(b, 0xff, sizeof(b));
	ck_assert_int_eq(flows_index_build(NULL, 0, 4, &rng, b, &seed, &probes), 0);
	ck_assert_uint_eq(probes, 0);
	for (i = 0; i < 16; i++)
		ck_assert_uint_eq(b[i].slot, 0);
	for (i = 0; i < 9; i++) {
		v4(e[i].addr, 0xc6120001 + i);
		e[i].slot = i + 1;
	}
	/* more than half the buckets: refused */
	ck_assert_int_eq(flows_index_build(e, 9, 4, &rng, b, &seed, &probes), -E2BIG);
	ck_assert_int_eq(flows_index_build(e, 8, 4, &rng, b, &seed, &probes), 0);
	for (i = 0; i < 8; i++)
		ck_assert_uint_eq(flows_index_lookup(b, 4, seed, e[i].addr), i + 1);
	ck_assert_int_eq(flows_index_build(e, 1, 0, &rng, b, &seed, &probes), -E2BIG);
	ck_assert_int_eq(flows_index_build(e, 1, 21, &rng, b, &seed, &probes), -E2BIG);
}
END_TEST

static Suite *flows_index_suite(void)
{
	Suite *s = suite_create("flows_index");
	TCase *tc = tcase_create("index");

	tcase_add_test(tc, test_bits);
	tcase_add_test(tc, test_full_region);
	tcase_add_test(tc, test_deterministic_seed);
	tcase_add_test(tc, test_empty_and_too_many);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(flows_index_suite());
}
