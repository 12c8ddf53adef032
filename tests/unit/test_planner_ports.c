// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: port assignment (planner_assign_ports): circuit counts ->
 * OCS cross-connects, keeping established circuits, spreading parallel
 * circuits over NIC groups, counting changed ports, rejecting bad input.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/check_run.h"
#include "planner.h"

#define MAXN 8
#define MAXA 6

static uint64_t rng_state;

static uint32_t rnd_below(uint32_t n)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 2685821657736338717ULL) % n);
}

struct region {
	uint32_t n;
	uint32_t alpha[MAXN];
	struct planner_nic nics[MAXN * MAXA];
	uint32_t circuits[MAXN * MAXN];
	struct mixnet_xconnect xc[MAXN * MAXA];
	struct planner_circuit pc[MAXN * MAXA / 2];
	struct planner_assignment out;
};

/* Host h's NIC k on duplex port base + h * stride + k, group k / per_group. */
static void region_init(struct region *r, uint32_t n, uint32_t alpha, uint32_t per_group)
{
	uint32_t h, k, x = 0;

	memset(r, 0, sizeof(*r));
	r->n = n;
	for (h = 0; h < n; h++) {
		r->alpha[h] = alpha;
		for (k = 0; k < alpha; k++, x++)
			r->nics[x] = (struct planner_nic){ .tx = x, .rx = x, .group = k / per_group };
	}
}

static void set_circuits(struct region *r, uint32_t a, uint32_t b, uint32_t c)
{
	r->circuits[a * r->n + b] = r->circuits[b * r->n + a] = c;
}

static int assign(struct planner *pl, struct region *r,
		  const struct mixnet_xconnect *cur, uint32_t ncur)
{
	struct planner_cabling cab = { .n = r->n, .alpha = r->alpha, .nics = r->nics };

	memset(&r->out, 0, sizeof(r->out));
	r->out.xconnects = r->xc;
	r->out.xconnects_cap = MAXN * MAXA;
	r->out.circuits = r->pc;
	r->out.circuits_cap = MAXN * MAXA / 2;
	return planner_assign_ports(pl, &cab, r->circuits, cur, ncur, &r->out);
}

/* The last assignment is now what the OCS holds: copied to @cur, its count returned. */
static uint32_t take_current(const struct region *r, struct mixnet_xconnect *cur)
{
	memcpy(cur, r->xc, r->out.nxconnects * sizeof(cur[0]));
	return r->out.nxconnects;
}

/* 3 hosts x 2 NICs (host0 ports 0,1; host1 2,3; host2 4,5), one circuit per pair. */
static void triangle(struct region *r)
{
	region_init(r, 3, 2, 1);
	set_circuits(r, 0, 1, 1);
	set_circuits(r, 0, 2, 1);
	set_circuits(r, 1, 2, 1);
}

static void assert_xc(const struct region *r, uint32_t k, uint32_t tx, uint32_t rx)
{
	ck_assert_msg(r->xc[k].tx == tx && r->xc[k].rx == rx,
		      "xconnect %u is %u->%u, expected %u->%u", k, r->xc[k].tx, r->xc[k].rx, tx, rx);
}

START_TEST(test_fresh_assignment)
{
	struct planner *pl = planner_new(MAXN, MAXA);
	struct region r;

	triangle(&r);
	ck_assert_int_eq(assign(pl, &r, NULL, 0), 0);
	/* (0,1): 0<->2, (0,2): 1<->4, (1,2): 3<->5; sorted by tx */
	ck_assert_uint_eq(r.out.nxconnects, 6);
	assert_xc(&r, 0, 0, 2);
	assert_xc(&r, 1, 1, 4);
	assert_xc(&r, 2, 2, 0);
	assert_xc(&r, 3, 3, 5);
	assert_xc(&r, 4, 4, 1);
	assert_xc(&r, 5, 5, 3);
	ck_assert_uint_eq(r.out.ncircuits, 3);
	ck_assert_uint_eq(r.out.added, 3);
	ck_assert_uint_eq(r.out.kept, 0);
	ck_assert_uint_eq(r.out.removed, 0);
	ck_assert_uint_eq(r.out.ports_changed, 6);
	/* circuits listed by (a, na) with their NICs */
	ck_assert_uint_eq(r.pc[0].a, 0);
	ck_assert_uint_eq(r.pc[0].na, 0);
	ck_assert_uint_eq(r.pc[0].b, 1);
	ck_assert_uint_eq(r.pc[0].nb, 0);
	ck_assert_uint_eq(r.pc[2].a, 1);
	ck_assert_uint_eq(r.pc[2].na, 1);
	ck_assert_uint_eq(r.pc[2].b, 2);
	ck_assert_uint_eq(r.pc[2].nb, 1);
	ck_assert(!r.pc[0].kept);
	planner_free(pl);
}
END_TEST

START_TEST(test_same_plan_changes_nothing)
{
	struct planner *pl = planner_new(MAXN, MAXA);
	struct mixnet_xconnect cur[MAXN * MAXA];
	struct region r;
	uint32_t ncur;

	region_init(&r, 4, 3, 1);
	set_circuits(&r, 0, 1, 2);
	set_circuits(&r, 2, 3, 2);
	set_circuits(&r, 0, 2, 1);
	ck_assert_int_eq(assign(pl, &r, NULL, 0), 0);
	ncur = take_current(&r, cur);
	ck_assert_int_eq(assign(pl, &r, cur, ncur), 0);
	ck_assert_uint_eq(r.out.nxconnects, ncur);
	ck_assert(!memcmp(cur, r.xc, ncur * sizeof(cur[0])));
	ck_assert_uint_eq(r.out.kept, 5);
	ck_assert_uint_eq(r.out.added, 0);
	ck_assert_uint_eq(r.out.removed, 0);
	ck_assert_uint_eq(r.out.ports_changed, 0);
	ck_assert(r.pc[0].kept);
	planner_free(pl);
}
END_TEST

START_TEST(test_change_keeps_what_it_can)
{
	struct planner *pl = planner_new(MAXN, MAXA);
	struct mixnet_xconnect cur[MAXN * MAXA];
	struct region r;
	uint32_t ncur;

	triangle(&r);
	ck_assert_int_eq(assign(pl, &r, NULL, 0), 0);	/* 0<->2, 1<->4, 3<->5 */
	ncur = take_current(&r, cur);

	/* now only (0,1) twice: 0<->2 stays, 1<->3 is new, 4 and 5 go dark */
	memset(r.circuits, 0, sizeof(r.circuits));
	set_circuits(&r, 0, 1, 2);
	ck_assert_int_eq(assign(pl, &r, cur, ncur), 0);
	ck_assert_uint_eq(r.out.nxconnects, 4);
	assert_xc(&r, 0, 0, 2);
	assert_xc(&r, 1, 1, 3);
	assert_xc(&r, 2, 2, 0);
	assert_xc(&r, 3, 3, 1);
	ck_assert_uint_eq(r.out.kept, 1);
	ck_assert_uint_eq(r.out.added, 1);
	ck_assert_uint_eq(r.out.removed, 2);
	ck_assert_uint_eq(r.out.ports_changed, 4);	/* 1, 3, 4, 5 */
	planner_free(pl);
}
END_TEST

/* A NIC whose circuit is dropped is reused before a dark one. */
START_TEST(test_prefers_changing_nic)
{
	struct planner *pl = planner_new(MAXN, MAXA);
	struct region r;
	struct mixnet_xconnect cur[2] = { { 1, 4 }, { 4, 1 } };	/* 0.nic1 <-> 2.nic0 */

	region_init(&r, 3, 2, 1);
	set_circuits(&r, 0, 1, 1);
	ck_assert_int_eq(assign(pl, &r, cur, 2), 0);
	/* host 0 takes nic1 (port 1, changing anyway), host 1 its nic0 */
	ck_assert_uint_eq(r.out.nxconnects, 2);
	assert_xc(&r, 0, 1, 2);
	assert_xc(&r, 1, 2, 1);
	ck_assert_uint_eq(r.out.removed, 1);
	/* ports 1 (re-pointed), 2 (lit), 4 (dark); 0 never touched */
	ck_assert_uint_eq(r.out.ports_changed, 3);
	planner_free(pl);
}
END_TEST

/* Parallel circuits of a pair go to different NIC groups first. */
START_TEST(test_spreads_over_groups)
{
	struct planner *pl = planner_new(MAXN, MAXA);
	struct region r;

	/* 2 hosts x 4 NICs, groups 0,0,1,1 */
	region_init(&r, 2, 4, 2);
	set_circuits(&r, 0, 1, 2);
	ck_assert_int_eq(assign(pl, &r, NULL, 0), 0);
	ck_assert_uint_eq(r.out.ncircuits, 2);
	/* NICs 0 (group 0) and 2 (group 1) on both sides, not 0 and 1 */
	ck_assert_uint_eq(r.pc[0].na, 0);
	ck_assert_uint_eq(r.pc[0].nb, 0);
	ck_assert_uint_eq(r.pc[1].na, 2);
	ck_assert_uint_eq(r.pc[1].nb, 2);
	planner_free(pl);
}
END_TEST

/* Separate ingress and egress port numbers (a Polatis-style OCS). */
START_TEST(test_split_tx_rx_ports)
{
	struct planner *pl = planner_new(MAXN, MAXA);
	struct region r;
	uint32_t x;

	region_init(&r, 2, 1, 1);
	for (x = 0; x < 2; x++)
		r.nics[x] = (struct planner_nic){ .tx = 10 + x, .rx = 100 + x };
	set_circuits(&r, 0, 1, 1);
	ck_assert_int_eq(assign(pl, &r, NULL, 0), 0);
	ck_assert_uint_eq(r.out.nxconnects, 2);
	assert_xc(&r, 0, 10, 101);
	assert_xc(&r, 1, 11, 100);
	ck_assert_uint_eq(r.out.ports_changed, 4);	/* two ports per NIC */
	planner_free(pl);
}
END_TEST

START_TEST(test_stray_and_foreign)
{
	struct planner *pl = planner_new(MAXN, MAXA);
	struct region r;
	struct mixnet_xconnect cur[] = {
		{ 0, 2 }, { 2, 0 },	/* a circuit (0,1), kept */
		{ 1, 3 },		/* half circuit: stray */
		{ 4, 5 }, { 5, 4 },	/* host 2's own NICs looped: stray */
		{ 50, 60 }, { 60, 50 },	/* another region: foreign */
		{ 61, 1 },		/* foreign port into ours: stray */
	};

	region_init(&r, 3, 2, 1);
	set_circuits(&r, 0, 1, 1);
	ck_assert_int_eq(assign(pl, &r, cur, sizeof(cur) / sizeof(cur[0])), 0);
	ck_assert_uint_eq(r.out.kept, 1);
	ck_assert_uint_eq(r.out.added, 0);
	ck_assert_uint_eq(r.out.foreign, 2);
	ck_assert_uint_eq(r.out.stray, 4);
	ck_assert_uint_eq(r.out.nxconnects, 2);
	assert_xc(&r, 0, 0, 2);
	assert_xc(&r, 1, 2, 0);
	/* 1 (out and in), 3 (in), 4, 5 change; 0 and 2 keep their circuit */
	ck_assert_uint_eq(r.out.ports_changed, 4);
	planner_free(pl);
}
END_TEST

START_TEST(test_bad_input)
{
	struct planner *pl = planner_new(4, 2);
	struct mixnet_xconnect dup[] = { { 0, 2 }, { 0, 3 } };
	struct region r;

	region_init(&r, 3, 2, 1);
	set_circuits(&r, 0, 1, 1);
	ck_assert_int_eq(assign(pl, &r, NULL, 0), 0);

	r.nics[3].tx = r.nics[3].rx = 0;	/* port 0 twice */
	ck_assert_int_eq(assign(pl, &r, NULL, 0), -EINVAL);
	region_init(&r, 3, 2, 1);
	set_circuits(&r, 0, 1, 1);
	r.nics[1].tx = 2;			/* host 1's rx port as host 0's tx */
	r.nics[1].rx = 9;
	ck_assert_int_eq(assign(pl, &r, NULL, 0), -EINVAL);
	region_init(&r, 3, 2, 1);
	r.nics[0].tx = UINT32_MAX;
	ck_assert_int_eq(assign(pl, &r, NULL, 0), -EINVAL);

	region_init(&r, 3, 2, 1);
	r.circuits[0 * 3 + 1] = 1;		/* not symmetric */
	ck_assert_int_eq(assign(pl, &r, NULL, 0), -EINVAL);
	region_init(&r, 3, 2, 1);
	set_circuits(&r, 0, 1, 2);
	set_circuits(&r, 0, 2, 1);		/* host 0 needs 3 > alpha 2 */
	ck_assert_int_eq(assign(pl, &r, NULL, 0), -EINVAL);
	region_init(&r, 3, 2, 1);
	r.circuits[0] = 1;			/* a circuit to itself */
	ck_assert_int_eq(assign(pl, &r, NULL, 0), -EINVAL);

	region_init(&r, 3, 2, 1);
	set_circuits(&r, 0, 1, 1);
	ck_assert_int_eq(assign(pl, &r, dup, 2), -EINVAL);	/* tx 0 twice */
	ck_assert_int_eq(assign(pl, &r, NULL, 1), -EINVAL);

	region_init(&r, 5, 2, 1);
	ck_assert_int_eq(assign(pl, &r, NULL, 0), -E2BIG);	/* 5 hosts > 4 */
	region_init(&r, 3, 3, 1);
	ck_assert_int_eq(assign(pl, &r, NULL, 0), -E2BIG);	/* alpha 3 > 2 */

	/* output too small */
	region_init(&r, 3, 2, 1);
	set_circuits(&r, 0, 1, 2);
	{
		struct planner_cabling cab = { .n = 3, .alpha = r.alpha, .nics = r.nics };
		struct planner_assignment out = { .xconnects = r.xc, .xconnects_cap = 3 };

		ck_assert_int_eq(planner_assign_ports(pl, &cab, r.circuits, NULL, 0, &out), -ENOSPC);
		out.xconnects_cap = 4;
		out.circuits = r.pc;
		out.circuits_cap = 1;
		ck_assert_int_eq(planner_assign_ports(pl, &cab, r.circuits, NULL, 0, &out), -ENOSPC);
		out.circuits_cap = 2;
		ck_assert_int_eq(planner_assign_ports(pl, &cab, r.circuits, NULL, 0, &out), 0);
		ck_assert_uint_eq(out.nxconnects, 4);
	}
	planner_free(pl);
}
END_TEST

/* Host of the NIC with tx (or rx) port @p in region @r, or -1. */
static int host_of(const struct region *r, uint32_t p, bool tx)
{
	uint32_t h, k, x = 0;

	for (h = 0; h < r->n; h++)
		for (k = 0; k < r->alpha[h]; k++, x++)
			if ((tx ? r->nics[x].tx : r->nics[x].rx) == p)
				return (int)h;
	return -1;
}

/*
 * Random sequences of plans, each applied on the previous output:
 * the xconnects realise exactly the planned counts, every port is used
 * at most once each way, circuits are duplex, as many established
 * circuits as possible are kept, and ports_changed matches a direct diff.
 */
START_TEST(test_random_sequences)
{
	struct planner *pl = planner_new(MAXN, MAXA);
	uint32_t iter;

	rng_state = 31337;
	for (iter = 0; iter < 100; iter++) {
		struct region r;
		struct mixnet_xconnect cur[MAXN * MAXA];
		uint32_t ncur = 0, prev[MAXN * MAXN] = { 0 }, step, n = 2 + rnd_below(MAXN - 1);
		uint32_t alpha = 1 + rnd_below(MAXA), x, y;

		region_init(&r, n, alpha, 1 + rnd_below(3));
		/* shuffle port numbers (keeping tx == rx) */
		for (x = n * alpha; x > 1; x--) {
			struct planner_nic t;

			y = rnd_below(x);
			t = r.nics[x - 1];
			r.nics[x - 1] = r.nics[y];
			r.nics[y] = t;
		}
		for (x = 0; x < n * alpha; x++)
			r.nics[x].tx = r.nics[x].rx = 3 * r.nics[x].tx + 7;
		for (step = 0; step < 6; step++) {
			uint32_t freep[MAXN], a, b, count[MAXN * MAXN] = { 0 }, keepable = 0, changed = 0;
			uint32_t k, deg_tx[MAXN * MAXA * 3 + 8] = { 0 }, deg_rx[MAXN * MAXA * 3 + 8] = { 0 };

			/* a random plan within alpha */
			memset(r.circuits, 0, sizeof(r.circuits));
			for (a = 0; a < n; a++)
				freep[a] = alpha;
			for (k = 0; k < n * alpha; k++) {
				a = rnd_below(n);
				b = rnd_below(n);
				if (a != b && freep[a] && freep[b] && rnd_below(4)) {
					set_circuits(&r, a, b, r.circuits[a * n + b] + 1);
					freep[a]--;
					freep[b]--;
				}
			}
			ck_assert_int_eq(assign(pl, &r, cur, ncur), 0);
			/* realised counts and port usage */
			ck_assert_uint_eq(r.out.nxconnects % 2, 0);
			for (k = 0; k < r.out.nxconnects; k++) {
				int ha = host_of(&r, r.xc[k].tx, true), hb = host_of(&r, r.xc[k].rx, false);

				ck_assert_int_ge(ha, 0);
				ck_assert_int_ge(hb, 0);
				ck_assert_int_ne(ha, hb);
				count[ha * n + hb]++;
				ck_assert_uint_eq(++deg_tx[r.xc[k].tx], 1);
				ck_assert_uint_eq(++deg_rx[r.xc[k].rx], 1);
				if (k)
					ck_assert_uint_lt(r.xc[k - 1].tx, r.xc[k].tx);
			}
			for (a = 0; a < n; a++)
				for (b = 0; b < n; b++) {
					ck_assert_uint_eq(count[a * n + b], r.circuits[a * n + b]);
					if (a < b)
						keepable += prev[a * n + b] < r.circuits[a * n + b]
							    ? prev[a * n + b] : r.circuits[a * n + b];
				}
			ck_assert_uint_eq(r.out.kept, keepable);
			ck_assert_uint_eq(r.out.kept + r.out.added, r.out.ncircuits);
			ck_assert_uint_eq(r.out.stray, 0);
			/* ports_changed by direct diff of old and new maps (tx == rx) */
			for (x = 0; x < n * alpha; x++) {
				uint32_t p = r.nics[x].tx, old_out = UINT32_MAX, new_out = UINT32_MAX;
				uint32_t old_in = UINT32_MAX, new_in = UINT32_MAX;

				for (k = 0; k < ncur; k++) {
					if (cur[k].tx == p)
						old_out = cur[k].rx;
					if (cur[k].rx == p)
						old_in = cur[k].tx;
				}
				for (k = 0; k < r.out.nxconnects; k++) {
					if (r.xc[k].tx == p)
						new_out = r.xc[k].rx;
					if (r.xc[k].rx == p)
						new_in = r.xc[k].tx;
				}
				changed += old_out != new_out || old_in != new_in;
			}
			ck_assert_uint_eq(r.out.ports_changed, changed);
			ncur = take_current(&r, cur);
			memcpy(prev, r.circuits, sizeof(prev));
		}
	}
	planner_free(pl);
}
END_TEST

/* The planner's output feeds the port assignment directly. */
START_TEST(test_plan_then_assign)
{
	struct planner *pl = planner_new(MAXN, MAXA);
	struct region r;
	double d[16] = { 0 };
	uint32_t k;

	region_init(&r, 4, 3, 1);
	d[0 * 4 + 1] = 100;
	d[2 * 4 + 3] = 80;
	d[1 * 4 + 2] = 5;
	ck_assert_int_eq(planner_run(pl, 4, d, r.alpha, NULL, r.circuits, NULL), 0);
	ck_assert_int_eq(assign(pl, &r, NULL, 0), 0);
	/* (0,1) x2, (2,3) x2, (1,2) x1: servers 1 and 2 fill up first */
	ck_assert_uint_eq(r.circuits[0 * 4 + 1], 2);
	ck_assert_uint_eq(r.circuits[2 * 4 + 3], 2);
	ck_assert_uint_eq(r.circuits[1 * 4 + 2], 1);
	ck_assert_uint_eq(r.out.ncircuits, 5);
	ck_assert_uint_eq(r.out.nxconnects, 10);
	for (k = 0; k < r.out.ncircuits; k++)
		ck_assert_uint_ne(r.pc[k].a, r.pc[k].b);
	planner_free(pl);
}
END_TEST

static Suite *ports_suite(void)
{
	Suite *s = suite_create("planner_ports");
	TCase *tc = tcase_create("assign");

	tcase_add_test(tc, test_fresh_assignment);
	tcase_add_test(tc, test_same_plan_changes_nothing);
	tcase_add_test(tc, test_change_keeps_what_it_can);
	tcase_add_test(tc, test_prefers_changing_nic);
	tcase_add_test(tc, test_spreads_over_groups);
	tcase_add_test(tc, test_split_tx_rx_ports);
	tcase_add_test(tc, test_stray_and_foreign);
	tcase_add_test(tc, test_bad_input);
	tcase_add_test(tc, test_random_sequences);
	tcase_add_test(tc, test_plan_then_assign);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(ports_suite());
}
