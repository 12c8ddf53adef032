// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: what the agent computes from the sampler's maps
 * (agent/flows_stats.c): per-CPU sums in the kernel's layout, deltas and
 * rates across readings with counter restarts and keys that come and go,
 * the demand row, and the ranking of flows.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/check_run.h"
#include "flows_stats.h"

#define NCPU 4
#define SEC 1000000000ull

static void set_addr(uint8_t *a, uint8_t last)
{
	memset(a, 0, 16);
	a[10] = a[11] = 0xff;
	a[12] = 198;
	a[13] = 18;
	a[15] = last;
}

START_TEST(test_stride)
{
	ck_assert_uint_eq(flows_percpu_stride(8), 8);
	ck_assert_uint_eq(flows_percpu_stride(33), 40);
	ck_assert_uint_eq(flows_percpu_stride(sizeof(struct mixnet_peer_stats)), 40);
	ck_assert_uint_eq(flows_percpu_stride(sizeof(struct mixnet_flow_stats)), 32);
	ck_assert_uint_eq(flows_percpu_stride(sizeof(struct mixnet_sampler_errors)), 40);
}
END_TEST

START_TEST(test_peer_sum)
{
	struct mixnet_peer_stats v[NCPU];
	struct flows_peer p;
	int c;

	memset(v, 0, sizeof(v));
	for (c = 0; c < NCPU; c++) {
		v[c].bytes = 1000u * (c + 1);		/* 1000+2000+3000+4000 */
		v[c].packets = c + 1;			/* 1+2+3+4 */
		v[c].since_ns = 777;
		set_addr(v[c].addr, 2);
	}
	v[3].bytes = UINT64_MAX - 6000 - 10;		/* sums still fit */
	flows_peer_sum(v, NCPU, 5, &p);
	ck_assert_uint_eq(p.slot, 5);
	ck_assert_uint_eq(p.bytes, UINT64_MAX - 10);
	ck_assert_uint_eq(p.packets, 10);
	ck_assert_uint_eq(p.since_ns, 777);
	ck_assert_mem_eq(p.addr, v[0].addr, 16);

	/* one CPU only */
	flows_peer_sum(v, 1, 0, &p);
	ck_assert_uint_eq(p.bytes, 1000);
	ck_assert_uint_eq(p.packets, 1);
}
END_TEST

START_TEST(test_flow_sum_first_last)
{
	struct mixnet_flow_stats v[NCPU];
	struct mixnet_flow_key k;
	struct flows_flow f;

	memset(v, 0, sizeof(v));
	memset(&k, 0, sizeof(k));
	k.sport = 40000;
	k.dport = 5001;
	k.proto = 6;
	/* CPU 0 never saw the flow: its zero first_ns must not win */
	v[1] = (struct mixnet_flow_stats){ 1500, 1, 300, 900 };
	v[2] = (struct mixnet_flow_stats){ 3000, 2, 200, 500 };
	v[3] = (struct mixnet_flow_stats){ 60, 1, 700, 1200 };
	flows_flow_sum(v, NCPU, &k, &f);
	ck_assert_uint_eq(f.bytes, 4560);
	ck_assert_uint_eq(f.packets, 4);
	ck_assert_uint_eq(f.first_ns, 200);
	ck_assert_uint_eq(f.last_ns, 1200);
	ck_assert_mem_eq(&f.key, &k, sizeof(k));
}
END_TEST

START_TEST(test_errors_sum)
{
	struct mixnet_sampler_errors v[NCPU], s;
	int c;

	memset(v, 0, sizeof(v));
	for (c = 0; c < NCPU; c++) {
		v[c].not_ip = 1;
		v[c].bad_ip = 2;
		v[c].bad_l4 = 3;
		v[c].flows_full = 10 * c;
		v[c].flows_failed = c == 2;
	}
	flows_errors_sum(v, NCPU, &s);
	ck_assert_uint_eq(s.not_ip, 4);
	ck_assert_uint_eq(s.bad_ip, 8);
	ck_assert_uint_eq(s.bad_l4, 12);
	ck_assert_uint_eq(s.flows_full, 60);
	ck_assert_uint_eq(s.flows_failed, 1);
}
END_TEST

static struct flows_sample sample(uint8_t id, uint64_t inc, uint64_t bytes, uint64_t packets)
{
	struct flows_sample s;

	memset(&s, 0, sizeof(s));
	s.key[0] = id;
	s.incarnation = inc;
	s.bytes = bytes;
	s.packets = packets;
	return s;
}

START_TEST(test_tracker_first_reading_invalid)
{
	struct flows_tracker t;
	struct flows_sample s[2] = { sample(1, 1, 100, 1), sample(2, 1, 200, 2) };
	struct flows_delta d[2];

	flows_tracker_init(&t);
	ck_assert_int_eq(flows_tracker_update(&t, 7, 10 * SEC, s, 2, d), 0);
	ck_assert(!d[0].valid);
	ck_assert(!d[1].valid);
	ck_assert_uint_eq(d[0].bytes, 0);
	ck_assert(d[0].bytes_per_sec == 0);
	flows_tracker_free(&t);
}
END_TEST

START_TEST(test_tracker_delta_and_rate)
{
	struct flows_tracker t;
	struct flows_sample s[2] = { sample(1, 1, 100, 1), sample(2, 1, 200, 2) };
	struct flows_delta d[2];

	flows_tracker_init(&t);
	ck_assert_int_eq(flows_tracker_update(&t, 7, 10 * SEC, s, 2, d), 0);
	/* half a second later, in the other order */
	s[0] = sample(2, 1, 1200, 12);
	s[1] = sample(1, 1, 100, 1);
	ck_assert_int_eq(flows_tracker_update(&t, 7, 10 * SEC + SEC / 2, s, 2, d), 0);
	ck_assert(d[0].valid && !d[0].restarted);
	ck_assert_uint_eq(d[0].bytes, 1000);
	ck_assert_uint_eq(d[0].packets, 10);
	ck_assert_double_eq(d[0].bytes_per_sec, 2000.0);
	ck_assert_double_eq(d[0].packets_per_sec, 20.0);
	ck_assert(d[1].valid);
	ck_assert_uint_eq(d[1].bytes, 0);	/* idle peer: exactly zero */
	ck_assert_double_eq(d[1].bytes_per_sec, 0.0);
	flows_tracker_free(&t);
}
END_TEST

START_TEST(test_tracker_restarts)
{
	struct flows_tracker t;
	struct flows_sample s[3] = {
		sample(1, 1, 5000, 5), sample(2, 1, 5000, 5), sample(3, 1, 5000, 5),
	};
	struct flows_delta d[4];

	flows_tracker_init(&t);
	ck_assert_int_eq(flows_tracker_update(&t, 7, SEC, s, 3, d), 0);
	/* 1: slot reassigned (new incarnation) and already past its old value;
	 * 2: counters went down without a new incarnation;
	 * 3: gone; 4: new key */
	s[0] = sample(1, 2, 9000, 9);
	s[1] = sample(2, 1, 300, 3);
	s[2] = sample(4, 1, 700, 7);
	ck_assert_int_eq(flows_tracker_update(&t, 7, 2 * SEC, s, 3, d), 0);
	ck_assert(d[0].valid && d[0].restarted);
	ck_assert_uint_eq(d[0].bytes, 9000);
	ck_assert_uint_eq(d[0].packets, 9);
	ck_assert(d[1].valid && d[1].restarted);
	ck_assert_uint_eq(d[1].bytes, 300);
	ck_assert(d[2].valid && d[2].restarted);
	ck_assert_uint_eq(d[2].bytes, 700);
	ck_assert_double_eq(d[2].bytes_per_sec, 700.0);

	/* 3 comes back: forgotten, so counted as new from its current value */
	s[2] = sample(3, 1, 6000, 6);
	ck_assert_int_eq(flows_tracker_update(&t, 7, 3 * SEC, s, 3, d), 0);
	ck_assert_uint_eq(d[0].bytes, 0);
	ck_assert(!d[0].restarted);
	ck_assert(d[2].restarted);
	ck_assert_uint_eq(d[2].bytes, 6000);
	flows_tracker_free(&t);
}
END_TEST

START_TEST(test_tracker_epoch_change)
{
	struct flows_tracker t;
	struct flows_sample s = sample(1, 1, 5000, 5);
	struct flows_delta d;

	flows_tracker_init(&t);
	ck_assert_int_eq(flows_tracker_update(&t, 7, SEC, &s, 1, &d), 0);
	/* re-attached: same key and incarnation by chance, counters higher */
	s.bytes = 8000;
	s.packets = 8;
	ck_assert_int_eq(flows_tracker_update(&t, 8, 2 * SEC, &s, 1, &d), 0);
	ck_assert(d.valid && d.restarted);
	ck_assert_uint_eq(d.bytes, 8000);
	ck_assert_uint_eq(d.packets, 8);
	flows_tracker_free(&t);
}
END_TEST

START_TEST(test_tracker_rejects_duplicates)
{
	struct flows_tracker t;
	struct flows_sample s[2] = { sample(1, 1, 100, 1), sample(1, 1, 200, 2) };
	struct flows_delta d[2];

	flows_tracker_init(&t);
	ck_assert_int_eq(flows_tracker_update(&t, 7, SEC, s, 1, d), 0);
	ck_assert_int_eq(flows_tracker_update(&t, 7, 2 * SEC, s, 2, d), -EINVAL);
	/* unchanged: the next reading still compares with the first one */
	s[0] = sample(1, 1, 400, 4);
	ck_assert_int_eq(flows_tracker_update(&t, 7, 3 * SEC, s, 1, d), 0);
	ck_assert_uint_eq(d[0].bytes, 300);
	ck_assert_double_eq(d[0].bytes_per_sec, 150.0);
	flows_tracker_free(&t);
}
END_TEST

START_TEST(test_tracker_same_time)
{
	struct flows_tracker t;
	struct flows_sample s = sample(1, 1, 100, 1);
	struct flows_delta d;

	flows_tracker_init(&t);
	ck_assert_int_eq(flows_tracker_update(&t, 1, SEC, &s, 1, &d), 0);
	s.bytes = 300;
	ck_assert_int_eq(flows_tracker_update(&t, 1, SEC, &s, 1, &d), 0);
	ck_assert_uint_eq(d.bytes, 200);
	ck_assert_double_eq(d.bytes_per_sec, 0.0);	/* no interval, no rate */
	ck_assert_int_eq(flows_tracker_update(&t, 1, 2 * SEC, NULL, 0, NULL), 0);
	ck_assert_uint_eq(t.n, 0);
	flows_tracker_free(&t);
}
END_TEST

static struct flows_peer peer(uint32_t slot, uint8_t last, uint64_t since, uint64_t bytes)
{
	struct flows_peer p;

	memset(&p, 0, sizeof(p));
	p.slot = slot;
	if (slot)
		set_addr(p.addr, last);
	p.since_ns = since;
	p.bytes = bytes;
	p.packets = bytes / 100;
	return p;
}

START_TEST(test_row)
{
	struct flows_tracker t;
	struct flows_row row;
	struct flows_peer p[3] = { peer(0, 0, 1, 100), peer(1, 9, 1, 1000), peer(2, 3, 1, 0) };

	flows_tracker_init(&t);
	flows_row_init(&row);
	ck_assert_int_eq(flows_row_update(&row, &t, 1, 5 * SEC, p, 3), 0);
	ck_assert_uint_eq(row.n, 2);
	ck_assert_uint_eq(row.interval_ns, 0);
	ck_assert(!row.peers[0].d.valid);
	/* sorted by address: .3 before .9; the unknown slot apart */
	ck_assert_uint_eq(row.peers[0].addr[15], 3);
	ck_assert_uint_eq(row.peers[1].addr[15], 9);
	ck_assert_uint_eq(row.unknown.slot, 0);
	ck_assert_uint_eq(row.unknown.bytes, 100);

	/* 2 s later; peer .3 was removed and peer .7 added in slot 2 */
	p[0] = peer(0, 0, 1, 300);
	p[1] = peer(1, 9, 1, 5000);
	p[2] = peer(2, 7, 6 * SEC, 400);
	ck_assert_int_eq(flows_row_update(&row, &t, 1, 7 * SEC, p, 3), 0);
	ck_assert_uint_eq(row.interval_ns, 2 * SEC);
	ck_assert_uint_eq(row.n, 2);
	ck_assert_uint_eq(row.peers[0].addr[15], 7);
	ck_assert_uint_eq(row.peers[0].slot, 2);
	ck_assert_uint_eq(row.peers[0].d.bytes, 400);
	ck_assert_double_eq(row.peers[0].d.bytes_per_sec, 200.0);
	ck_assert_uint_eq(row.peers[1].addr[15], 9);
	ck_assert_uint_eq(row.peers[1].bytes, 5000);
	ck_assert_uint_eq(row.peers[1].d.bytes, 4000);
	ck_assert_double_eq(row.peers[1].d.bytes_per_sec, 2000.0);
	ck_assert_uint_eq(row.unknown.d.bytes, 200);
	ck_assert_double_eq(row.unknown.d.bytes_per_sec, 100.0);

	/* all peers removed: only the unknown slot is left */
	ck_assert_int_eq(flows_row_update(&row, &t, 1, 8 * SEC, p, 1), 0);
	ck_assert_uint_eq(row.n, 0);
	ck_assert_uint_eq(row.unknown.d.bytes, 0);
	flows_row_free(&row);
	flows_tracker_free(&t);
}
END_TEST

static struct flows_flow flow(uint16_t sport, uint64_t bytes)
{
	struct flows_flow f;

	memset(&f, 0, sizeof(f));
	f.key.sport = sport;
	f.key.proto = 17;
	f.bytes = bytes;
	return f;
}

START_TEST(test_rank)
{
	struct flows_flow f[4] = { flow(1, 500), flow(2, 900), flow(3, 500), flow(4, 100) };
	struct flows_delta d[4];
	size_t order[4];

	/* by bytes, ties by key */
	ck_assert_uint_eq(flows_rank(f, NULL, 4, 0, order), 4);
	ck_assert_uint_eq(order[0], 1);
	ck_assert_uint_eq(order[1], 0);
	ck_assert_uint_eq(order[2], 2);
	ck_assert_uint_eq(order[3], 3);

	/* by rate; a flow without a valid rate goes last */
	memset(d, 0, sizeof(d));
	d[0] = (struct flows_delta){ .bytes_per_sec = 10, .valid = true };
	d[1] = (struct flows_delta){ .bytes_per_sec = 5, .valid = true };
	d[2] = (struct flows_delta){ .bytes_per_sec = 0, .valid = false };
	d[3] = (struct flows_delta){ .bytes_per_sec = 50, .valid = true };
	ck_assert_uint_eq(flows_rank(f, d, 4, 2, order), 2);
	ck_assert_uint_eq(order[0], 3);
	ck_assert_uint_eq(order[1], 0);
	ck_assert_uint_eq(order[2], 1);
	ck_assert_uint_eq(order[3], 2);
	ck_assert_uint_eq(flows_rank(f, d, 4, 9, order), 4);
	ck_assert_uint_eq(flows_rank(f, d, 0, 3, order), 0);
}
END_TEST

static Suite *flows_stats_suite(void)
{
	Suite *s = suite_create("flows_stats");
	TCase *sums = tcase_create("sums");
	TCase *tracker = tcase_create("tracker");
	TCase *views = tcase_create("views");

	tcase_add_test(sums, test_stride);
	tcase_add_test(sums, test_peer_sum);
	tcase_add_test(sums, test_flow_sum_first_last);
	tcase_add_test(sums, test_errors_sum);
	tcase_add_test(tracker, test_tracker_first_reading_invalid);
	tcase_add_test(tracker, test_tracker_delta_and_rate);
	tcase_add_test(tracker, test_tracker_restarts);
	tcase_add_test(tracker, test_tracker_epoch_change);
	tcase_add_test(tracker, test_tracker_rejects_duplicates);
	tcase_add_test(tracker, test_tracker_same_time);
	tcase_add_test(views, test_row);
	tcase_add_test(views, test_rank);
	suite_add_tcase(s, sums);
	suite_add_tcase(s, tracker);
	suite_add_tcase(s, views);
	return s;
}

int main(void)
{
	return check_run(flows_stats_suite());
}
