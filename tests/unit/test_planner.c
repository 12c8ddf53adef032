// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: Algorithm 1 (agent/planner.c) on hand-checked cases, the
 * open points it decides (ties, stop vs skip, spare ports), equality with
 * the reference implementation on many random matrices, quality against
 * the exhaustive optimum, the time estimate and bad input.
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/check_run.h"
#include "planner.h"
#include "planner_ref.h"

#define C(m, n, i, j) ((m)[(i) * (n) + (j)])

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64*: deterministic, good enough for test inputs */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static uint32_t rnd_below(uint32_t n)
{
	return (uint32_t)(rnd() % n);
}

/* Plan with fresh workspace; returns planner_run's result. */
static int plan(uint32_t n, const double *d, const uint32_t *alpha,
		const struct planner_params *p, uint32_t *circuits, struct planner_stats *st)
{
	uint32_t i, amax = 1;
	struct planner *pl;
	int err;

	for (i = 0; i < n; i++)
		if (alpha[i] > amax)
			amax = alpha[i];
	pl = planner_new(n, amax);
	ck_assert_ptr_nonnull(pl);
	err = planner_run(pl, n, d, alpha, p, circuits, st);
	planner_free(pl);
	return err;
}

START_TEST(test_two_servers_take_all_ports)
{
	double d[4] = { 0, 10, 0, 0 };
	uint32_t alpha[2] = { 3, 5 }, c[4];
	struct planner_stats st;

	ck_assert_int_eq(plan(2, d, alpha, NULL, c, &st), 0);
	ck_assert_uint_eq(C(c, 2, 0, 1), 3);
	ck_assert_uint_eq(C(c, 2, 1, 0), 3);
	ck_assert_uint_eq(C(c, 2, 0, 0), 0);
	ck_assert_uint_eq(st.circuits, 3);
	ck_assert_uint_eq(st.pairs, 1);
	ck_assert_uint_eq(st.free_ports, 2);	/* server 1 has 2 left */
	ck_assert_double_eq_tol(st.bottleneck, 10.0 / 3, 1e-12);
}
END_TEST

/* Both directions are summed; the diagonal is ignored. */
START_TEST(test_directions_summed_diagonal_ignored)
{
	/* pair (0,1): 30+30 = 60; pair (0,2): 50+0 = 50; pair (1,2): 0 */
	double d[9] = { 1e12, 30, 50,
			30, 1e12, 0,
			0, 0, 1e12 };
	uint32_t alpha[3] = { 1, 1, 1 }, c[9];
	struct planner_stats st;

	ck_assert_int_eq(plan(3, d, alpha, NULL, c, &st), 0);
	ck_assert_uint_eq(C(c, 3, 0, 1), 1);	/* 60 > 50 */
	ck_assert_uint_eq(C(c, 3, 0, 2), 0);
	ck_assert_uint_eq(C(c, 3, 1, 2), 0);
	ck_assert_uint_eq(C(c, 3, 0, 0), 0);
	ck_assert_uint_eq(st.demand_pairs, 2);
	ck_assert_uint_eq(st.uncovered_pairs, 1);
	ck_assert_double_eq_tol(st.uncovered_bytes, 50, 1e-9);
}
END_TEST

/* Every pair with demand gets a first circuit before any gets a second. */
START_TEST(test_first_circuits_before_second)
{
	/* 0 has 3 ports; (0,1) = 100, (0,2) = 60 */
	double d[9] = { 0 };
	uint32_t alpha[3] = { 3, 2, 2 }, c[9];
	struct planner_stats st;

	d[0 * 3 + 1] = 100;
	d[0 * 3 + 2] = 60;
	ck_assert_int_eq(plan(3, d, alpha, NULL, c, &st), 0);
	/* inf phase: (0,1), (0,2); then T(0,1) = 100 > 60: (0,1) again */
	ck_assert_uint_eq(C(c, 3, 0, 1), 2);
	ck_assert_uint_eq(C(c, 3, 0, 2), 1);
	ck_assert_double_eq_tol(st.bottleneck, 60, 1e-12);
}
END_TEST

/* Interleaving by T = D / c, worked by hand. */
START_TEST(test_completion_time_order)
{
	/* two disjoint pairs, 4 ports each: A = (0,1) 100, B = (2,3) 70,
	 * plus (1,2) 10 competing for ports of 1 and 2 */
	double d[16] = { 0 };
	uint32_t alpha[4] = { 3, 4, 4, 3 }, c[16];
	struct planner_stats st;

	d[0 * 4 + 1] = 100;
	d[2 * 4 + 3] = 70;
	d[1 * 4 + 2] = 10;
	ck_assert_int_eq(plan(4, d, alpha, NULL, c, &st), 0);
	/*
	 * inf: A, B, (1,2) one each.  Then A 100 -> A2 (50); B 70 -> B2 (35);
	 * A 50 -> A3 (33.3, 0 full); B 35 -> B3 (23.3, 3 full); (1,2) 10 ->
	 * 2nd (5): 1 and 2 both full now.
	 */
	ck_assert_uint_eq(C(c, 4, 0, 1), 3);
	ck_assert_uint_eq(C(c, 4, 2, 3), 3);
	ck_assert_uint_eq(C(c, 4, 1, 2), 1);
	ck_assert_uint_eq(st.free_ports, 0);
	ck_assert_double_eq_tol(st.bottleneck, 100.0 / 3, 1e-12);
}
END_TEST

/* Ties: equal T -> larger pair demand, then lower (i, j). */
START_TEST(test_tie_breaking)
{
	double d[9] = { 0 };
	uint32_t alpha[3] = { 1, 1, 1 }, c[9];

	/* all equal: (0,1) wins */
	d[0 * 3 + 1] = d[0 * 3 + 2] = d[1 * 3 + 2] = 5;
	ck_assert_int_eq(plan(3, d, alpha, NULL, c, NULL), 0);
	ck_assert_uint_eq(C(c, 3, 0, 1), 1);
	ck_assert_uint_eq(C(c, 3, 0, 2) + C(c, 3, 1, 2), 0);

	/* T = inf for all: the larger demand (1,2) goes first */
	d[1 * 3 + 2] = 6;
	ck_assert_int_eq(plan(3, d, alpha, NULL, c, NULL), 0);
	ck_assert_uint_eq(C(c, 3, 1, 2), 1);
	ck_assert_uint_eq(C(c, 3, 0, 1) + C(c, 3, 0, 2), 0);
}
END_TEST

/* Equal finite T: the pair with more demand (and more circuits) first. */
START_TEST(test_tie_breaking_finite)
{
	/* A = (0,1) 100, B = (0,2) 50 share server 0's 4 ports */
	double d[9] = { 0 };
	uint32_t alpha[3] = { 4, 3, 3 }, c[9];

	d[0 * 3 + 1] = 100;
	d[0 * 3 + 2] = 50;
	/*
	 * inf: A1, B1; A 100 -> A2 (50); now A 50 == B 50 with one port of 0
	 * left: A (larger D) wins -> A3, B1 (the other order gives A2, B2).
	 */
	ck_assert_int_eq(plan(3, d, alpha, NULL, c, NULL), 0);
	ck_assert_uint_eq(C(c, 3, 0, 1), 3);
	ck_assert_uint_eq(C(c, 3, 0, 2), 1);
}
END_TEST

/* Stop (paper) vs skip (default) on a saturated bottleneck. */
START_TEST(test_stop_vs_skip)
{
	double d[16] = { 0 };
	uint32_t alpha[4] = { 1, 1, 1, 1 }, c[16];
	struct planner_params stop = { .saturated = PLANNER_STOP };
	struct planner_stats st;

	d[0 * 4 + 1] = 100;
	d[1 * 4 + 2] = 10;	/* 1 is full after (0,1) */
	d[2 * 4 + 3] = 1;
	ck_assert_int_eq(plan(4, d, alpha, NULL, c, &st), 0);
	ck_assert_uint_eq(C(c, 4, 0, 1), 1);
	ck_assert_uint_eq(C(c, 4, 2, 3), 1);	/* skipped (1,2), served (2,3) */
	ck_assert_uint_eq(st.circuits, 2);
	ck_assert_uint_eq(st.free_ports, 0);

	ck_assert_int_eq(plan(4, d, alpha, &stop, c, &st), 0);
	ck_assert_uint_eq(C(c, 4, 0, 1), 1);
	ck_assert_uint_eq(C(c, 4, 2, 3), 0);	/* stopped at (1,2) */
	ck_assert_uint_eq(st.circuits, 1);
	ck_assert_uint_eq(st.free_ports, 2);
	ck_assert_uint_eq(st.uncovered_pairs, 2);
}
END_TEST

/* Zero-demand pairs: dark by default, filled on request. */
START_TEST(test_spare_ports)
{
	double d[16] = { 0 };
	uint32_t alpha[4] = { 2, 2, 2, 2 }, c[16], prev[16] = { 0 };
	struct planner_params fill = { .spare = PLANNER_SPARE_FILL };
	struct planner_stats st;

	d[0 * 4 + 1] = 7;
	ck_assert_int_eq(plan(4, d, alpha, NULL, c, &st), 0);
	ck_assert_uint_eq(C(c, 4, 0, 1), 2);
	ck_assert_uint_eq(st.circuits, 2);
	ck_assert_uint_eq(st.free_ports, 4);

	/* fill: pairs without circuits, ascending: (2,3) twice (level 0, 1) */
	ck_assert_int_eq(plan(4, d, alpha, &fill, c, &st), 0);
	ck_assert_uint_eq(C(c, 4, 0, 1), 2);
	ck_assert_uint_eq(C(c, 4, 2, 3), 2);
	ck_assert_uint_eq(st.spare_circuits, 2);
	ck_assert_uint_eq(st.demand_circuits, 2);
	ck_assert_uint_eq(st.free_ports, 0);

	/* with prev: circuits already lit are kept rather than moved */
	d[0 * 4 + 1] = 0;
	C(prev, 4, 0, 2) = C(prev, 4, 2, 0) = 1;
	C(prev, 4, 1, 3) = C(prev, 4, 3, 1) = 2;
	fill.prev = prev;
	ck_assert_int_eq(plan(4, d, alpha, &fill, c, &st), 0);
	ck_assert_uint_eq(C(c, 4, 1, 3), 2);
	ck_assert_uint_eq(C(c, 4, 0, 1), 0);	/* 1 is full */
	ck_assert_uint_eq(C(c, 4, 0, 3), 0);	/* 3 is full */
	/* (0,2) from prev, then 0 and 2 have one port each left: level 1 */
	ck_assert_uint_eq(C(c, 4, 0, 2), 2);
	ck_assert_uint_eq(st.free_ports, 0);
	ck_assert_uint_eq(st.demand_circuits, 0);
}
END_TEST

START_TEST(test_per_server_alpha)
{
	double d[9];
	uint32_t alpha[3] = { 0, 4, 4 }, c[9], i;

	for (i = 0; i < 9; i++)
		d[i] = i % 4 ? 100 : 0;
	ck_assert_int_eq(plan(3, d, alpha, NULL, c, NULL), 0);
	ck_assert_uint_eq(C(c, 3, 0, 1) + C(c, 3, 0, 2), 0);
	ck_assert_uint_eq(C(c, 3, 1, 2), 4);
}
END_TEST

START_TEST(test_bad_input)
{
	double d[4] = { 0, 1, 2, 0 };
	uint32_t alpha[2] = { 1, 1 }, c[4] = { 9, 9, 9, 9 };
	struct planner_params bad = { .saturated = 7 };
	struct planner *pl = planner_new(2, 2);

	ck_assert_ptr_nonnull(pl);
	d[1] = NAN;
	ck_assert_int_eq(planner_run(pl, 2, d, alpha, NULL, c, NULL), -EINVAL);
	d[1] = -1;
	ck_assert_int_eq(planner_run(pl, 2, d, alpha, NULL, c, NULL), -EINVAL);
	d[1] = INFINITY;
	ck_assert_int_eq(planner_run(pl, 2, d, alpha, NULL, c, NULL), -EINVAL);
	d[1] = 1.7e308;
	d[2] = 1.7e308;		/* sum overflows */
	ck_assert_int_eq(planner_run(pl, 2, d, alpha, NULL, c, NULL), -EINVAL);
	d[3] = -0.5;		/* diagonal: ignored but still validated */
	d[1] = 1;
	d[2] = 2;
	ck_assert_int_eq(planner_run(pl, 2, d, alpha, NULL, c, NULL), -EINVAL);
	d[3] = 0;
	alpha[1] = 3;		/* above the workspace's max_alpha */
	ck_assert_int_eq(planner_run(pl, 2, d, alpha, NULL, c, NULL), -EINVAL);
	alpha[1] = 1;
	ck_assert_int_eq(planner_run(pl, 3, d, alpha, NULL, c, NULL), -EINVAL);
	ck_assert_int_eq(planner_run(pl, 0, d, alpha, NULL, c, NULL), -EINVAL);
	ck_assert_int_eq(planner_run(pl, 2, d, alpha, &bad, c, NULL), -EINVAL);
	/* nothing was written by the failures */
	ck_assert_uint_eq(c[0] + c[1] + c[2] + c[3], 36);
	ck_assert_int_eq(planner_run(pl, 2, d, alpha, NULL, c, NULL), 0);
	ck_assert_uint_eq(c[1], 1);
	planner_free(pl);

	ck_assert_ptr_null(planner_new(0, 1));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(planner_new(PLANNER_MAX_SERVERS + 1, 1));
	ck_assert_ptr_null(planner_new(2, PLANNER_MAX_ALPHA + 1));
	ck_assert_ptr_null(planner_new(2, 0));
	planner_free(NULL);
}
END_TEST

/* A workspace serves many runs and smaller regions. */
START_TEST(test_workspace_reuse)
{
	struct planner *pl = planner_new(8, 4);
	double d[64] = { 0 };
	uint32_t alpha[8] = { 4, 4, 4, 4, 4, 4, 4, 4 }, c[64];

	ck_assert_ptr_nonnull(pl);
	d[0 * 8 + 7] = 5;
	ck_assert_int_eq(planner_run(pl, 8, d, alpha, NULL, c, NULL), 0);
	ck_assert_uint_eq(C(c, 8, 0, 7), 4);
	memset(d, 0, sizeof(d));
	d[1] = 3;	/* (0,1) in a 3-server region */
	ck_assert_int_eq(planner_run(pl, 3, d, alpha, NULL, c, NULL), 0);
	ck_assert_uint_eq(C(c, 3, 0, 1), 4);
	planner_free(pl);
}
END_TEST

static void random_matrix(uint32_t n, double *d, uint32_t *alpha, uint32_t amax)
{
	uint32_t i, kind = rnd_below(4);
	uint32_t density = 1 + rnd_below(100);

	for (i = 0; i < n; i++)
		alpha[i] = rnd_below(5) ? 1 + rnd_below(amax) : rnd_below(amax + 1);
	for (i = 0; i < n * n; i++) {
		if (rnd_below(100) >= density) {
			d[i] = 0;
			continue;
		}
		switch (kind) {
		case 0:	/* small integers: many ties */
			d[i] = (double)rnd_below(4);
			break;
		case 1:	/* heavy tailed */
			d[i] = exp((double)rnd_below(2000) / 100.0);
			break;
		case 2:	/* uniform */
			d[i] = (double)(rnd() >> 11) / 9007199254740992.0 * 1e9;
			break;
		default:	/* a few hot pairs */
			d[i] = rnd_below(10) ? 1 : 1000 + rnd_below(1000);
			break;
		}
	}
}

/* The fast planner and the reference give identical circuits. */
START_TEST(test_equals_reference_random)
{
	uint32_t iter;

	rng_state = 0x9E3779B97F4A7C15ULL;
	for (iter = 0; iter < 400; iter++) {
		uint32_t n = 1 + rnd_below(iter < 300 ? 12 : 40), amax = 1 + rnd_below(8);
		double *d = malloc((size_t)n * n * sizeof(double));
		uint32_t *alpha = malloc(n * sizeof(uint32_t));
		uint32_t *c1 = malloc((size_t)n * n * sizeof(uint32_t));
		uint32_t *c2 = malloc((size_t)n * n * sizeof(uint32_t));
		uint32_t *prev = calloc((size_t)n * n, sizeof(uint32_t));
		struct planner_params p = {
			.saturated = rnd_below(2) ? PLANNER_STOP : PLANNER_SKIP,
			.spare = rnd_below(3) ? PLANNER_SPARE_NONE : PLANNER_SPARE_FILL,
		};
		struct planner_stats st;
		uint32_t i, j, sum = 0;

		random_matrix(n, d, alpha, amax);
		if (p.spare == PLANNER_SPARE_FILL && rnd_below(2)) {
			/* prev: an arbitrary earlier plan of this region */
			double *d2 = malloc((size_t)n * n * sizeof(double));

			random_matrix(n, d2, alpha, amax);
			ck_assert_int_eq(ref_plan(n, d2, alpha, NULL, prev), 0);
			free(d2);
			p.prev = prev;
		}
		ck_assert_int_eq(plan(n, d, alpha, &p, c1, &st), 0);
		ck_assert_int_eq(ref_plan(n, d, alpha, &p, c2), 0);
		ck_assert_msg(!memcmp(c1, c2, (size_t)n * n * sizeof(uint32_t)),
			      "iteration %u (n %u, %s, %s): plans differ", iter, n,
			      p.saturated == PLANNER_STOP ? "stop" : "skip",
			      p.spare ? "fill" : "none");
		/* degree constraints and stats are consistent */
		for (i = 0; i < n; i++) {
			uint32_t deg = 0;

			for (j = 0; j < n; j++) {
				deg += C(c1, n, i, j);
				ck_assert_uint_eq(C(c1, n, i, j), C(c1, n, j, i));
			}
			ck_assert_uint_le(deg, alpha[i]);
			sum += deg;
		}
		ck_assert_uint_eq(st.circuits * 2, sum);
		ck_assert_uint_eq(st.demand_circuits + st.spare_circuits, st.circuits);
		if (st.uncovered_pairs)
			ck_assert(isinf(ref_bottleneck(n, d, c1)));
		else
			ck_assert_double_eq(ref_bottleneck(n, d, c1), st.bottleneck);
		free(d);
		free(alpha);
		free(c1);
		free(c2);
		free(prev);
	}
}
END_TEST

/*
 * Big regions full of ties (every pair the same demand): the batch of
 * equal pairs is larger than the radix buffer and takes the comparison
 * sort; the order must still be (i, j).  Also a big skewed region.
 */
START_TEST(test_equals_reference_large)
{
	uint32_t n = 200, i, round;
	double *d = malloc((size_t)n * n * sizeof(double));
	uint32_t *alpha = malloc(n * sizeof(uint32_t));
	uint32_t *c1 = malloc((size_t)n * n * sizeof(uint32_t));
	uint32_t *c2 = malloc((size_t)n * n * sizeof(uint32_t));

	rng_state = 99;
	for (round = 0; round < 3; round++) {
		for (i = 0; i < n * n; i++)
			d[i] = round == 0 ? 5 : round == 1 ? (double)rnd_below(3)
					  : exp((double)rnd_below(3000) / 100.0);
		for (i = 0; i < n; i++)
			alpha[i] = round == 2 ? 6 : 1 + i % 2;
		ck_assert_int_eq(plan(n, d, alpha, NULL, c1, NULL), 0);
		ck_assert_int_eq(ref_plan(n, d, alpha, NULL, c2), 0);
		ck_assert_msg(!memcmp(c1, c2, (size_t)n * n * sizeof(uint32_t)), "round %u differs", round);
	}
	free(d);
	free(alpha);
	free(c1);
	free(c2);
}
END_TEST

/*
 * SKIP never leaves a demand pair uncovered while both its servers still
 * have a free port.
 */
START_TEST(test_skip_uses_every_usable_port)
{
	uint32_t iter;

	rng_state = 12345;
	for (iter = 0; iter < 200; iter++) {
		uint32_t n = 2 + rnd_below(15), i, j;
		double d[17 * 17];
		uint32_t alpha[17], c[17 * 17], freep[17];

		random_matrix(n, d, alpha, 6);
		ck_assert_int_eq(plan(n, d, alpha, NULL, c, NULL), 0);
		for (i = 0; i < n; i++) {
			freep[i] = alpha[i];
			for (j = 0; j < n; j++)
				freep[i] -= C(c, n, i, j);
		}
		for (i = 0; i < n; i++)
			for (j = i + 1; j < n; j++)
				if (d[i * n + j] + d[j * n + i] > 0)
					ck_assert_msg(!(freep[i] && freep[j]),
						      "pair %u-%u with demand left unserved", i, j);
	}
}
END_TEST

/*
 * Quality, Algorithm 1's own objective: the bottleneck max D/c (infinite
 * while a pair with demand has no circuit).  SKIP is optimal for it (proof
 * in Documentation/planner.md); check against the exhaustive optimum,
 * including regions where not every pair can be covered.
 */
START_TEST(test_bottleneck_optimal_vs_exhaustive)
{
	uint32_t iter, finite = 0;

	rng_state = 777;
	for (iter = 0; iter < 60; iter++) {
		uint32_t n = 3 + rnd_below(2), i;
		double d[16], greedy, best;
		uint32_t alpha[4], c[16], copt[16];

		for (i = 0; i < n * n; i++)
			d[i] = i % (n + 1) && rnd_below(4) ? exp((double)rnd_below(700) / 100.0) : 0;
		for (i = 0; i < n; i++)
			alpha[i] = 1 + rnd_below(5);
		ck_assert_int_eq(plan(n, d, alpha, NULL, c, NULL), 0);
		greedy = ref_bottleneck(n, d, c);
		best = ref_optimum(n, d, alpha, 0, NULL, copt);
		ck_assert_msg(greedy == best, "iteration %u: greedy %g, optimum %g", iter, greedy, best);
		finite += isfinite(best);
	}
	ck_assert_uint_ge(finite, 10);	/* the sample is not all trivial */
}
END_TEST

/*
 * Quality, estimated all-to-all time with the electrical fallback
 * (planner_estimate): Algorithm 1 does not optimise it (it insists on a
 * circuit for every pair with demand), so there is a gap.  Printed here;
 * the bench measures a larger sample for Documentation/planner.md.  The
 * bound is a regression guard at the measured worst case.
 */
START_TEST(test_estimate_gap_vs_exhaustive)
{
	double sum_gap = 0, max_gap = 1, eps[4] = { 2, 2, 2, 2 };
	uint32_t iter, optimal = 0, runs = 40;

	rng_state = 4242;
	for (iter = 0; iter < runs; iter++) {
		uint32_t n = 4, i;
		double d[16], greedy, best;
		uint32_t alpha[4], c[16], copt[16];
		struct planner_estimate est;

		for (i = 0; i < n * n; i++)
			d[i] = i % (n + 1) ? exp((double)rnd_below(500) / 100.0) : 0;
		for (i = 0; i < n; i++)
			alpha[i] = 1 + rnd_below(3);
		ck_assert_int_eq(plan(n, d, alpha, NULL, c, NULL), 0);
		planner_estimate(n, d, c, 1, eps, &est);
		greedy = est.total_s;
		best = ref_optimum(n, d, alpha, 1, eps, copt);
		ck_assert_double_le(best, greedy * (1 + 1e-12));
		sum_gap += greedy / best;
		if (greedy / best > max_gap)
			max_gap = greedy / best;
		optimal += greedy <= best * (1 + 1e-12);
	}
	printf("estimate gap: %u/%u optimal, mean %.4f, max %.4f\n",
	       optimal, runs, sum_gap / runs, max_gap);
	ck_assert_double_le(max_gap, 3.0);
}
END_TEST

/*
 * A dense, near-uniform region (many EP ranks per server): Algorithm 1
 * serves pairs by demand, the 7 heavier servers fill each other's ports
 * (a complete graph K7) and the lightest server gets no circuit at all;
 * all its traffic crowds its 2 electrical NICs.  The refinement fixes it.
 */
START_TEST(test_refine_fixes_starved_server)
{
	double d[64], eps[8];
	uint32_t alpha[8], c[64], i, j, deg3 = 0;
	struct planner_params ref = { .refine = true, .link_Bps = 1 };
	struct planner_estimate before, after;
	struct planner_stats st;

	for (i = 0; i < 8; i++) {
		alpha[i] = 6;
		eps[i] = 2;
		for (j = 0; j < 8; j++)	/* server 3 receives and sends a bit less */
			d[i * 8 + j] = i == j ? 0 : (i == 3 || j == 3) ? 90 : 100 + i + j;
	}
	ck_assert_int_eq(plan(8, d, alpha, NULL, c, &st), 0);
	for (j = 0; j < 8; j++)
		deg3 += C(c, 8, 3, j);
	ck_assert_uint_eq(deg3, 0);
	ck_assert_uint_eq(st.free_ports, 6);
	planner_estimate(8, d, c, 1, eps, &before);
	ck_assert_double_eq_tol(before.total_s, 7 * 90 / 2.0, 1e-9);	/* server 3's EPS */

	ref.eps_Bps = eps;
	ck_assert_int_eq(plan(8, d, alpha, &ref, c, &st), 0);
	ck_assert_uint_gt(st.refine_moves, 0);
	for (j = 0, deg3 = 0; j < 8; j++)
		deg3 += C(c, 8, 3, j);
	ck_assert_uint_ge(deg3, 5);
	planner_estimate(8, d, c, 1, eps, &after);
	ck_assert_double_lt(after.total_s, before.total_s / 2);
	ck_assert_uint_eq(st.circuits, st.demand_circuits);
}
END_TEST

/* Never worse than Algorithm 1, always a valid plan, deterministic. */
START_TEST(test_refine_random)
{
	uint32_t iter;

	rng_state = 2024;
	for (iter = 0; iter < 150; iter++) {
		uint32_t n = 2 + rnd_below(10), i, j;
		double d[144], eps[12];
		uint32_t alpha[12], c1[144], c2[144], c3[144];
		struct planner_params ref = { .refine = true, .link_Bps = 1 + rnd_below(4) };
		struct planner_estimate e1, e2;
		struct planner_stats st;

		random_matrix(n, d, alpha, 6);
		for (i = 0; i < n; i++)
			eps[i] = 0.5 + rnd_below(4);
		ref.eps_Bps = eps;
		ck_assert_int_eq(plan(n, d, alpha, NULL, c1, NULL), 0);
		ck_assert_int_eq(plan(n, d, alpha, &ref, c2, &st), 0);
		ck_assert_int_eq(plan(n, d, alpha, &ref, c3, NULL), 0);
		ck_assert(!memcmp(c2, c3, n * n * sizeof(uint32_t)));
		planner_estimate(n, d, c1, ref.link_Bps, eps, &e1);
		planner_estimate(n, d, c2, ref.link_Bps, eps, &e2);
		ck_assert_double_le(e2.total_s, e1.total_s * (1 + 1e-12));
		for (i = 0; i < n; i++) {
			uint32_t deg = 0;

			ck_assert_uint_eq(C(c2, n, i, i), 0);
			for (j = 0; j < n; j++) {
				ck_assert_uint_eq(C(c2, n, i, j), C(c2, n, j, i));
				deg += C(c2, n, i, j);
			}
			ck_assert_uint_le(deg, alpha[i]);
		}
	}
}
END_TEST

/* The refinement against the exhaustive optimum of the estimate. */
START_TEST(test_refine_gap_vs_exhaustive)
{
	double sum_gap = 0, max_gap = 1, eps[4] = { 2, 2, 2, 2 };
	uint32_t iter, optimal = 0, runs = 40;

	rng_state = 4242;	/* the sample of test_estimate_gap_vs_exhaustive */
	for (iter = 0; iter < runs; iter++) {
		uint32_t n = 4, i;
		double d[16], best;
		uint32_t alpha[4], c[16], copt[16];
		struct planner_params ref = { .refine = true, .link_Bps = 1, .eps_Bps = eps };
		struct planner_estimate est;

		for (i = 0; i < n * n; i++)
			d[i] = i % (n + 1) ? exp((double)rnd_below(500) / 100.0) : 0;
		for (i = 0; i < n; i++)
			alpha[i] = 1 + rnd_below(3);
		ck_assert_int_eq(plan(n, d, alpha, &ref, c, NULL), 0);
		planner_estimate(n, d, c, 1, eps, &est);
		best = ref_optimum(n, d, alpha, 1, eps, copt);
		ck_assert_double_le(best, est.total_s * (1 + 1e-12));
		sum_gap += est.total_s / best;
		if (est.total_s / best > max_gap)
			max_gap = est.total_s / best;
		optimal += est.total_s <= best * (1 + 1e-12);
	}
	printf("refined estimate gap: %u/%u optimal, mean %.4f, max %.4f\n",
	       optimal, runs, sum_gap / runs, max_gap);
	/* regression guards over the measured 1.021 / 1.269 (Algorithm 1:
	 * 1.766 / 3.0 on the same sample) */
	ck_assert_double_le(sum_gap / runs, 1.05);
	ck_assert_double_le(max_gap, 1.5);
}
END_TEST

START_TEST(test_refine_bad_input)
{
	double d[4] = { 0, 1, 1, 0 }, eps[2] = { 1, 0 };
	uint32_t alpha[2] = { 1, 1 }, c[4] = { 0 };
	struct planner_params ref = { .refine = true, .link_Bps = 1, .eps_Bps = eps };
	struct planner *pl = planner_new(PLANNER_REFINE_MAX_SERVERS + 1, 1);
	double *big = calloc((PLANNER_REFINE_MAX_SERVERS + 1) * (PLANNER_REFINE_MAX_SERVERS + 1),
			     sizeof(double));
	uint32_t *bigc = calloc((PLANNER_REFINE_MAX_SERVERS + 1) * (PLANNER_REFINE_MAX_SERVERS + 1),
				sizeof(uint32_t));
	uint32_t *bigalpha = calloc(PLANNER_REFINE_MAX_SERVERS + 1, sizeof(uint32_t));
	double *bigeps = calloc(PLANNER_REFINE_MAX_SERVERS + 1, sizeof(double));
	uint32_t i;

	ck_assert_int_eq(planner_run(pl, 2, d, alpha, &ref, c, NULL), -EINVAL);	/* eps 0 */
	eps[1] = 1;
	ref.link_Bps = 0;
	ck_assert_int_eq(planner_run(pl, 2, d, alpha, &ref, c, NULL), -EINVAL);
	ref.link_Bps = 1;
	ref.eps_Bps = NULL;
	ck_assert_int_eq(planner_run(pl, 2, d, alpha, &ref, c, NULL), -EINVAL);
	ref.eps_Bps = eps;
	ck_assert_int_eq(planner_run(pl, 2, d, alpha, &ref, c, NULL), 0);
	ck_assert_uint_eq(c[1], 1);
	/* a plan over alpha or asymmetric is refused */
	c[1] = c[2] = 2;
	ck_assert_int_eq(planner_refine(pl, 2, d, alpha, c, 1, eps), -EINVAL);
	c[1] = 1;
	c[2] = 0;
	ck_assert_int_eq(planner_refine(pl, 2, d, alpha, c, 1, eps), -EINVAL);
	for (i = 0; i <= PLANNER_REFINE_MAX_SERVERS; i++)
		bigeps[i] = 1;
	ref.eps_Bps = bigeps;
	ck_assert_int_eq(planner_run(pl, PLANNER_REFINE_MAX_SERVERS + 1, big, bigalpha, &ref, bigc,
				     NULL), -E2BIG);
	planner_free(pl);
	free(big);
	free(bigc);
	free(bigalpha);
	free(bigeps);
}
END_TEST

START_TEST(test_estimate)
{
	/* 3 servers; (0,1) on 2 circuits, (0,2) and (1,2) electrical */
	double d[9] = { 0, 100, 30,
			50, 0, 10,
			20, 0, 0 };
	uint32_t c[9] = { 0 };
	double eps[3] = { 10, 10, 5 };
	struct planner_estimate est;

	C(c, 3, 0, 1) = C(c, 3, 1, 0) = 2;
	planner_estimate(3, d, c, 25, eps, &est);
	/* optical: max(100, 50) / (2 * 25) = 2 */
	ck_assert_double_eq_tol(est.optical_s, 2, 1e-12);
	/* electrical: server 0 out 30 in 20 -> 3; server 1 out 10 -> 1;
	 * server 2 out 20, in 40 -> 40 / 5 = 8 */
	ck_assert_double_eq_tol(est.electrical_s, 8, 1e-12);
	ck_assert_double_eq_tol(est.total_s, 8, 1e-12);
	ck_assert_double_eq_tol(est.optical_bytes, 150, 1e-12);
	ck_assert_double_eq_tol(est.electrical_bytes, 60, 1e-12);
	eps[2] = 0;
	planner_estimate(3, d, c, 25, eps, &est);
	ck_assert(isinf(est.total_s));
}
END_TEST

static Suite *planner_suite(void)
{
	Suite *s = suite_create("planner");
	TCase *tc = tcase_create("algorithm1");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_two_servers_take_all_ports);
	tcase_add_test(tc, test_directions_summed_diagonal_ignored);
	tcase_add_test(tc, test_first_circuits_before_second);
	tcase_add_test(tc, test_completion_time_order);
	tcase_add_test(tc, test_tie_breaking);
	tcase_add_test(tc, test_tie_breaking_finite);
	tcase_add_test(tc, test_stop_vs_skip);
	tcase_add_test(tc, test_spare_ports);
	tcase_add_test(tc, test_per_server_alpha);
	tcase_add_test(tc, test_bad_input);
	tcase_add_test(tc, test_workspace_reuse);
	tcase_add_test(tc, test_equals_reference_random);
	tcase_add_test(tc, test_equals_reference_large);
	tcase_add_test(tc, test_skip_uses_every_usable_port);
	tcase_add_test(tc, test_bottleneck_optimal_vs_exhaustive);
	tcase_add_test(tc, test_estimate_gap_vs_exhaustive);
	tcase_add_test(tc, test_refine_fixes_starved_server);
	tcase_add_test(tc, test_refine_random);
	tcase_add_test(tc, test_refine_gap_vs_exhaustive);
	tcase_add_test(tc, test_refine_bad_input);
	tcase_add_test(tc, test_estimate);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(planner_suite());
}
