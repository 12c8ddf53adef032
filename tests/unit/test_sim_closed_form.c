// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: mixnet-sim's fabrics against closed forms:
 *   an all-to-all on a non-blocking fat-tree takes bytes per NIC / link
 *   speed; a ring all-reduce takes 2 (n - 1) / n x size / bandwidth; an
 *   oversubscribed ToR and circuits behave as their capacities say.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "../lib/check_run.h"
#include "sim_fabric.h"
#include "sim_net.h"

static double last_done;

static void on_done(void *user, uint32_t flow, uint64_t tag, double t)
{
	(void)user;
	(void)flow;
	(void)tag;
	last_done = t;
}

static double drain(struct net *net)
{
	double t;

	last_done = 0;
	while (!isinf(t = net_next_time(net)))
		net_advance(net, t);
	return last_done;
}

static void eps_flow(struct net *net, const struct fabric *f, uint32_t a, uint32_t b, double bytes)
{
	uint32_t path[NET_MAX_PATH], n = fabric_eps_path(f, a, b, path);

	ck_assert_uint_ne(net_add_flow(net, net_now(net), bytes, path, n, 0), UINT32_MAX);
}

/* Each of servers 0..n-1 sends @bytes to each of the others over the EPS. */
static void eps_all_to_all(struct net *net, const struct fabric *f, uint32_t n, double bytes)
{
	uint32_t a, b;

	for (a = 0; a < n; a++)
		for (b = 0; b < n; b++)
			if (a != b)
				eps_flow(net, f, a, b, bytes);
}

/* n servers, each sending X bytes spread evenly over the others. */
START_TEST(test_all_to_all_fat_tree)
{
	static const uint32_t sizes[] = { 2, 3, 8, 16 };
	const double gbps = 400, X = 8e9;	/* 1 GB per NIC */
	uint32_t k;

	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		uint32_t n = sizes[k];
		struct net *net = net_new(on_done, NULL);
		struct fabric f;
		double per_nic = X / 8, expect = per_nic / (gbps * 1e9 / 8);

		ck_assert_int_eq(fabric_build(&f, net, FABRIC_FAT_TREE, n, n, gbps, 0, 4, 3), 0);
		eps_all_to_all(net, &f, n, X / (n - 1));
		ck_assert_double_eq_tol(drain(net), expect, expect * 1e-9);
		fabric_free(&f);
		net_free(net);
	}
}
END_TEST

/* The rail fabric is as non-blocking at server granularity. */
START_TEST(test_all_to_all_rail_equals_fat_tree)
{
	struct net *net = net_new(on_done, NULL);
	struct fabric f;
	uint32_t n = 8;
	double expect = 1e9 / 50e9;

	ck_assert_int_eq(fabric_build(&f, net, FABRIC_RAIL, n, n, 400, 0, 4, 3), 0);
	eps_all_to_all(net, &f, n, 8e9 / (n - 1));
	ck_assert_double_eq_tol(drain(net), expect, expect * 1e-9);
	fabric_free(&f);
	net_free(net);
}
END_TEST

START_TEST(test_ring_all_reduce)
{
	static const uint32_t sizes[] = { 2, 4, 7, 16 };
	const double S = 3e9, gbps = 200, bw = 8 * gbps * 1e9 / 8;
	uint32_t k;

	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		uint32_t n = sizes[k], a;
		struct net *net = net_new(on_done, NULL);
		struct fabric f;
		double expect = 2.0 * (n - 1) / n * S / bw;

		ck_assert_int_eq(fabric_build(&f, net, FABRIC_FAT_TREE, n, 1, gbps, 0, 4, 3), 0);
		for (a = 0; a < n; a++)
			eps_flow(net, &f, a, (a + 1) % n, 2.0 * (n - 1) / n * S);
		ck_assert_double_eq_tol(drain(net), expect, expect * 1e-9);
		fabric_free(&f);
		net_free(net);
	}
}
END_TEST

/*
 * 3:1 at the ToR: 8 servers, 4 per ToR, every server of ToR 0 sends Y
 * to every server of ToR 1: the ToR uplink (32 x B / 3) carries 16 Y.
 */
START_TEST(test_oversubscribed_tor)
{
	struct net *net = net_new(on_done, NULL);
	struct fabric f;
	uint32_t a, b;
	double Y = 1e9, B = 100e9 / 8, expect = 16 * Y / (32 * B / 3), t0;

	ck_assert_int_eq(fabric_build(&f, net, FABRIC_OVERSUB3, 8, 8, 100, 0, 4, 3), 0);
	for (a = 0; a < 4; a++)
		for (b = 4; b < 8; b++)
			eps_flow(net, &f, a, b, Y);
	ck_assert_double_eq_tol(drain(net), expect, expect * 1e-9);
	/* inside a ToR only the servers' links count: 3 Y over 8 B */
	t0 = net_now(net);
	eps_all_to_all(net, &f, 4, Y);
	expect = 3 * Y / (8 * B);
	ck_assert_double_eq_tol(drain(net) - t0, expect, expect * 1e-9);
	fabric_free(&f);
	net_free(net);
}
END_TEST

/* Circuits: c circuits carry c x B; the EPS keeps 8 - alpha NICs. */
START_TEST(test_circuits_and_eps_share)
{
	struct net *net = net_new(on_done, NULL);
	struct fabric f;
	double B = 400e9 / 8, bytes = 6e9, t0;
	uint32_t link;

	ck_assert_int_eq(fabric_build(&f, net, FABRIC_MIXNET, 8, 8, 400, 6, 4, 3), 0);
	ck_assert_double_eq_tol(net_capacity(net, f.up[0]), 2 * B, 1e-6);
	link = fabric_circuit(&f, 0, 1, 2);
	ck_assert_double_eq(net_capacity(net, link), 0);	/* no circuit yet */
	net_set_capacity(net, link, 3 * B);
	ck_assert_uint_ne(net_add_flow(net, 0, bytes, &link, 1, 0), UINT32_MAX);
	ck_assert_double_eq_tol(drain(net), bytes / (3 * B), 1e-12);
	/* electrical: 2 NICs */
	t0 = net_now(net);
	eps_flow(net, &f, 3, 4, bytes);
	ck_assert_double_eq_tol(drain(net) - t0, bytes / (2 * B), 1e-12);
	fabric_free(&f);
	net_free(net);
}
END_TEST

START_TEST(test_fabric_bad_input)
{
	struct net *net = net_new(NULL, NULL);
	struct fabric f;

	ck_assert_int_ne(fabric_build(&f, net, FABRIC_COUNT, 8, 8, 400, 0, 4, 3), 0);
	ck_assert_int_ne(fabric_build(&f, net, FABRIC_FAT_TREE, 0, 8, 400, 0, 4, 3), 0);
	ck_assert_int_ne(fabric_build(&f, net, FABRIC_FAT_TREE, 12, 8, 400, 0, 4, 3), 0);
	ck_assert_int_ne(fabric_build(&f, net, FABRIC_MIXNET, 8, 8, 400, 9, 4, 3), 0);
	ck_assert_int_ne(fabric_build(&f, net, FABRIC_OVERSUB3, 8, 8, 400, 0, 0, 3), 0);
	ck_assert_int_eq(fabric_parse("mixnet"), FABRIC_MIXNET);
	ck_assert_int_eq(fabric_parse("topoopt"), FABRIC_STATIC_OCS);
	ck_assert_int_eq(fabric_parse("torus"), -1);
	net_free(net);
}
END_TEST

static Suite *closed_suite(void)
{
	Suite *s = suite_create("sim_closed_form");
	TCase *tc = tcase_create("closed");

	tcase_add_test(tc, test_all_to_all_fat_tree);
	tcase_add_test(tc, test_all_to_all_rail_equals_fat_tree);
	tcase_add_test(tc, test_ring_all_reduce);
	tcase_add_test(tc, test_oversubscribed_tor);
	tcase_add_test(tc, test_circuits_and_eps_share);
	tcase_add_test(tc, test_fabric_bad_input);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(closed_suite());
}
