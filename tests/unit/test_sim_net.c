// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: mixnet-sim's flow-level network (tools/sim/sim_net.c):
 * max-min rates against hand-computed cases, completion times, arrivals
 * mid-flight, capacity changes, and conservation on random workloads.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/check_run.h"
#include "sim_net.h"

struct done_log {
	uint32_t n;
	uint64_t tag[256];
	double t[256];
};

static void on_done(void *user, uint32_t flow, uint64_t tag, double t)
{
	struct done_log *log = user;

	(void)flow;
	if (log->n < 256) {
		log->tag[log->n] = tag;
		log->t[log->n] = t;
	}
	log->n++;
}

/* Run until no flow is left. */
static void drain(struct net *net)
{
	double t;

	while (!isinf(t = net_next_time(net)))
		net_advance(net, t);
}

#define RATE_EQ(net, f, v) ck_assert_double_eq_tol(net_flow_rate(net, f), v, 1e-9 * (v) + 1e-12)

START_TEST(test_maxmin_two_links)
{
	/* A = 10, B = 4; f1 on A, f2 on A+B, f3 on B: B fills first at 2 */
	struct net *net = net_new(NULL, NULL);
	uint32_t A = net_add_link(net, 10), B = net_add_link(net, 4);
	uint32_t p1[] = { A }, p2[] = { A, B }, p3[] = { B };
	uint32_t f1 = net_add_flow(net, 0, 1e6, p1, 1, 1);
	uint32_t f2 = net_add_flow(net, 0, 1e6, p2, 2, 2);
	uint32_t f3 = net_add_flow(net, 0, 1e6, p3, 1, 3);

	net_next_time(net);
	RATE_EQ(net, f1, 8);
	RATE_EQ(net, f2, 2);
	RATE_EQ(net, f3, 2);
	net_free(net);
}
END_TEST

START_TEST(test_maxmin_parking_lot)
{
	/* three unit links in a row: the long flow and each short one get 1/2 */
	struct net *net = net_new(NULL, NULL);
	uint32_t l[3], f[4], k;

	for (k = 0; k < 3; k++)
		l[k] = net_add_link(net, 1);
	f[0] = net_add_flow(net, 0, 10, l, 3, 0);
	for (k = 0; k < 3; k++)
		f[k + 1] = net_add_flow(net, 0, 10, &l[k], 1, k + 1);
	net_next_time(net);
	for (k = 0; k < 4; k++)
		RATE_EQ(net, f[k], 0.5);
	net_free(net);
}
END_TEST

START_TEST(test_maxmin_unequal)
{
	/* L1 = 1 {a, b}, L2 = 10 {b, c}: a = b = 0.5, c takes the rest 9.5;
	 * L3 = 3 {d, e, g} with g also on L4 = 0.6: g 0.6, d = e = 1.2 */
	struct net *net = net_new(NULL, NULL);
	uint32_t L1 = net_add_link(net, 1), L2 = net_add_link(net, 10);
	uint32_t L3 = net_add_link(net, 3), L4 = net_add_link(net, 0.6);
	uint32_t pa[] = { L1 }, pb[] = { L1, L2 }, pc[] = { L2 };
	uint32_t pd[] = { L3 }, pg[] = { L3, L4 };
	uint32_t a = net_add_flow(net, 0, 1, pa, 1, 0), b = net_add_flow(net, 0, 1, pb, 2, 0);
	uint32_t c = net_add_flow(net, 0, 1, pc, 1, 0), d = net_add_flow(net, 0, 1, pd, 1, 0);
	uint32_t e = net_add_flow(net, 0, 1, pd, 1, 0), g = net_add_flow(net, 0, 1, pg, 2, 0);

	net_next_time(net);
	RATE_EQ(net, a, 0.5);
	RATE_EQ(net, b, 0.5);
	RATE_EQ(net, c, 9.5);
	RATE_EQ(net, g, 0.6);
	RATE_EQ(net, d, 1.2);
	RATE_EQ(net, e, 1.2);
	net_free(net);
}
END_TEST

START_TEST(test_completion_times)
{
	/* sizes 50 and 100 on one link of 10: 5 each until t = 10, then the
	 * second alone at 10: 50 left -> t = 15 */
	struct done_log log = { 0 };
	struct net *net = net_new(on_done, &log);
	uint32_t L = net_add_link(net, 10);

	net_add_flow(net, 0, 50, &L, 1, 7);
	net_add_flow(net, 0, 100, &L, 1, 8);
	drain(net);
	ck_assert_uint_eq(log.n, 2);
	ck_assert_uint_eq(log.tag[0], 7);
	ck_assert_double_eq_tol(log.t[0], 10, 1e-9);
	ck_assert_uint_eq(log.tag[1], 8);
	ck_assert_double_eq_tol(log.t[1], 15, 1e-9);
	ck_assert_uint_eq(net_active_flows(net), 0);
	net_free(net);
}
END_TEST

START_TEST(test_arrival_midflight)
{
	/* A: 100 bytes at 10 from t = 0; at t = 5 B: 25 bytes arrives: both 5;
	 * B done at 10; A has 25 left, alone at 10: done at 12.5 */
	struct done_log log = { 0 };
	struct net *net = net_new(on_done, &log);
	uint32_t L = net_add_link(net, 10);

	net_add_flow(net, 0, 100, &L, 1, 1);
	ck_assert_double_eq_tol(net_next_time(net), 10, 1e-12);
	net_advance(net, 5);	/* nothing finishes */
	ck_assert_uint_eq(log.n, 0);
	net_add_flow(net, 5, 25, &L, 1, 2);
	drain(net);
	ck_assert_uint_eq(log.n, 2);
	ck_assert_uint_eq(log.tag[0], 2);
	ck_assert_double_eq_tol(log.t[0], 10, 1e-9);
	ck_assert_double_eq_tol(log.t[1], 12.5, 1e-9);
	net_free(net);
}
END_TEST

START_TEST(test_capacity_change_and_empty_flow)
{
	struct done_log log = { 0 };
	struct net *net = net_new(on_done, &log);
	uint32_t L = net_add_link(net, 0);	/* dark: the flow waits */

	net_add_flow(net, 0, 40, &L, 1, 1);
	ck_assert(isinf(net_next_time(net)));
	net_advance(net, 2);
	net_set_capacity(net, L, 20);		/* lit at t = 2: done at 4 */
	ck_assert_double_eq_tol(net_next_time(net), 4, 1e-12);
	net_advance(net, 3);
	net_set_capacity(net, L, 10);		/* 20 left at t = 3: done at 5 */
	drain(net);
	ck_assert_uint_eq(log.n, 1);
	ck_assert_double_eq_tol(log.t[0], 5, 1e-9);
	ck_assert_double_eq(net_capacity(net, L), 10);

	net_add_flow(net, 6, 0, &L, 1, 9);	/* empty: done at once */
	drain(net);
	ck_assert_uint_eq(log.n, 2);
	ck_assert_double_eq(log.t[1], 6);
	net_free(net);
}
END_TEST

START_TEST(test_bad_flows)
{
	struct net *net = net_new(NULL, NULL);
	uint32_t L = net_add_link(net, 1), bad[] = { L, 99 }, many[NET_MAX_PATH + 1] = { 0 };

	ck_assert_uint_eq(net_add_flow(net, 0, 1, bad, 2, 0), UINT32_MAX);
	ck_assert_uint_eq(net_add_flow(net, 0, 1, bad, 0, 0), UINT32_MAX);
	ck_assert_uint_eq(net_add_flow(net, 0, 1, many, NET_MAX_PATH + 1, 0), UINT32_MAX);
	ck_assert_uint_eq(net_add_flow(net, 0, -1, &L, 1, 0), UINT32_MAX);
	ck_assert_uint_eq(net_add_flow(net, 0, NAN, &L, 1, 0), UINT32_MAX);
	ck_assert_uint_eq(net_active_flows(net), 0);
	net_free(net);
}
END_TEST

static uint64_t rng = 12345;

static double unit(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (double)((rng * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

struct conserve {
	double *size_of;	/* by tag */
	double *done_at;
	uint32_t done;
};

static void on_done_conserve(void *user, uint32_t flow, uint64_t tag, double t)
{
	struct conserve *c = user;

	(void)flow;
	ck_assert(isnan(c->done_at[tag]));	/* completes once */
	c->done_at[tag] = t;
	c->done++;
}

/*
 * Random links and flows arriving over time: every flow completes once,
 * all bytes are delivered, no link is ever over capacity, and no flow
 * beats its path's bottleneck link.
 */
START_TEST(test_conservation_random)
{
	enum { NL = 12, NF = 200 };
	struct conserve c = { 0 };
	struct net *net = net_new(on_done_conserve, &c);
	struct net_stats st;
	double cap[NL], start[NF], offered = 0, t;
	uint32_t k, next = 0;

	c.size_of = malloc(NF * sizeof(double));
	c.done_at = malloc(NF * sizeof(double));
	for (k = 0; k < NL; k++)
		cap[k] = 1 + 99 * unit();
	for (k = 0; k < NL; k++)
		net_add_link(net, cap[k]);
	for (k = 0; k < NF; k++) {
		start[k] = 20 * unit();
		c.done_at[k] = NAN;
	}
	/* arrivals in time order */
	for (k = 1; k < NF; k++) {
		double v = start[k];
		uint32_t j = k;

		while (j > 0 && start[j - 1] > v) {
			start[j] = start[j - 1];
			j--;
		}
		start[j] = v;
	}
	while (next < NF || !isinf(net_next_time(net))) {
		t = net_next_time(net);
		if (next < NF && start[next] <= t) {
			uint32_t path[NET_MAX_PATH], n = 1 + (uint32_t)(unit() * 4), j;
			double bytes = unit() < 0.05 ? 0 : 1 + 500 * unit(), slowest = INFINITY;

			for (j = 0; j < n; j++) {
				path[j] = (uint32_t)(unit() * NL);
				if (cap[path[j]] < slowest)
					slowest = cap[path[j]];
			}
			net_advance(net, start[next]);
			c.size_of[next] = bytes;
			ck_assert_uint_ne(net_add_flow(net, start[next], bytes, path, n, next), UINT32_MAX);
			offered += bytes;
			/* a lower bound for its completion: alone on its path */
			c.size_of[next] = bytes / slowest + start[next];
			next++;
		} else {
			net_advance(net, t);
		}
	}
	net_stats(net, &st);
	ck_assert_uint_eq(c.done, NF);
	ck_assert_uint_eq(net_active_flows(net), 0);
	ck_assert_double_eq_tol(st.delivered, offered, 1e-9 * offered);
	ck_assert_double_le(st.max_link_excess, 1e-9);
	for (k = 0; k < NF; k++)
		ck_assert_double_ge(c.done_at[k], c.size_of[k] - 1e-6);
	free(c.size_of);
	free(c.done_at);
	net_free(net);
}
END_TEST

static Suite *net_suite(void)
{
	Suite *s = suite_create("sim_net");
	TCase *tc = tcase_create("maxmin");

	tcase_add_test(tc, test_maxmin_two_links);
	tcase_add_test(tc, test_maxmin_parking_lot);
	tcase_add_test(tc, test_maxmin_unequal);
	tcase_add_test(tc, test_completion_times);
	tcase_add_test(tc, test_arrival_midflight);
	tcase_add_test(tc, test_capacity_change_and_empty_flow);
	tcase_add_test(tc, test_bad_flows);
	tcase_add_test(tc, test_conservation_random);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(net_suite());
}
