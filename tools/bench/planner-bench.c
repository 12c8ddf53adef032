// SPDX-License-Identifier: GPL-2.0
/*
 * planner-bench: speed of the planner (agent/planner.c) against the
 * straightforward reference (tests/unit/planner_ref.h) measured in the same
 * run, and the quality of its plans against the exhaustive optimum.
 *
 *   planner-bench time [N...]     default 8 64 256 1024, alpha 6
 *   planner-bench quality [RUNS]  small regions, exhaustive search
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "planner.h"
#include "../../tests/unit/planner_ref.h"

static uint64_t rng_state = 0x243F6A8885A308D3ULL;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static double rnd_unit(void)
{
	return (double)(rnd() >> 11) / 9007199254740992.0;
}

/* Standard normal (Box-Muller). */
static double rnd_normal(void)
{
	double u = rnd_unit(), v = rnd_unit();

	if (u < 1e-300)
		u = 1e-300;
	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

/*
 * A skewed, dense MoE-like matrix: log-normal pair volumes (sigma 1.5,
 * so a few pairs carry most bytes), zero diagonal.
 */
static void moe_matrix(uint32_t n, double *d)
{
	uint32_t i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			d[(size_t)i * n + j] = i == j ? 0 : 1e8 * exp(1.5 * rnd_normal());
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int bench_time(uint32_t n)
{
	const uint32_t alpha_v = 6;
	double *d = malloc((size_t)n * n * sizeof(double));
	uint32_t *alpha = malloc(n * sizeof(uint32_t));
	uint32_t *c1 = malloc((size_t)n * n * sizeof(uint32_t));
	uint32_t *c2 = malloc((size_t)n * n * sizeof(uint32_t));
	struct planner *pl = planner_new(n, alpha_v);
	struct planner_stats st = { 0 };
	double samples[64], t0, fast, ref, budget;
	uint32_t i, reps, ref_reps;
	int ret = 1;

	if (!d || !alpha || !c1 || !c2 || !pl) {
		fprintf(stderr, "planner-bench: out of memory for n=%u\n", n);
		goto out;
	}
	for (i = 0; i < n; i++)
		alpha[i] = alpha_v;
	moe_matrix(n, d);

	/* fast: median of up to 64 runs within ~1 s */
	budget = 1.0;
	t0 = now_s();
	for (reps = 0; reps < 64 && (reps < 5 || now_s() - t0 < budget); reps++) {
		double s = now_s();

		if (planner_run(pl, n, d, alpha, NULL, c1, &st))
			goto out;
		samples[reps] = now_s() - s;
	}
	qsort(samples, reps, sizeof(double), cmp_double);
	fast = samples[reps / 2];

	/* reference: median of a few runs (one for the big ones) */
	ref_reps = n >= 512 ? 1 : n >= 128 ? 3 : 15;
	for (i = 0; i < ref_reps; i++) {
		double s = now_s();

		if (ref_plan(n, d, alpha, NULL, c2))
			goto out;
		samples[i] = now_s() - s;
	}
	qsort(samples, ref_reps, sizeof(double), cmp_double);
	ref = samples[ref_reps / 2];

	if (memcmp(c1, c2, (size_t)n * n * sizeof(uint32_t))) {
		fprintf(stderr, "planner-bench: n=%u: planner and reference differ\n", n);
		goto out;
	}
	printf("planner n=%-5u alpha=%u pairs=%-7u circuits=%-5u pops=%-7llu "
	       "fast %10.1f us  reference %12.1f us  speedup %8.1fx\n",
	       n, alpha_v, st.demand_pairs, st.circuits, (unsigned long long)st.steps,
	       fast * 1e6, ref * 1e6, ref / fast);
	if (n <= PLANNER_REFINE_MAX_SERVERS) {
		/* Algorithm 1 + planner_refine(), 2 EPS NICs of the circuit rate */
		double *eps = malloc(n * sizeof(double));
		struct planner_params rp = { .refine = true, .link_Bps = 1, .eps_Bps = eps };
		double refined;

		for (i = 0; i < n; i++)
			eps[i] = 2;
		for (reps = 0; reps < 64 && (reps < 5 || now_s() - t0 < 2 * budget); reps++) {
			double s = now_s();

			planner_run(pl, n, d, alpha, &rp, c1, &st);
			samples[reps] = now_s() - s;
		}
		qsort(samples, reps, sizeof(double), cmp_double);
		refined = samples[reps / 2];
		printf("planner n=%-5u alpha=%u with --refine: %10.1f us (%u circuits moved), "
		       "%.1fx Algorithm 1 alone\n", n, alpha_v, refined * 1e6, st.refine_moves,
		       refined / fast);
		free(eps);
	}
	ret = 0;
out:
	planner_free(pl);
	free(d);
	free(alpha);
	free(c1);
	free(c2);
	return ret;
}

/*
 * Quality on @runs random regions of @n servers with optical degree
 * @alpha_v and @eps_nics electrical NICs of the same rate.
 */
static void bench_quality(uint32_t n, uint32_t alpha_v, uint32_t eps_nics, uint32_t runs)
{
	double d[36], eps[6], gsum = 0, gmax = 1, g2sum = 0, g2max = 1, rsum = 0, rmax = 1;
	uint32_t alpha[6], c[36], copt[36], r, i, bopt = 0, eopt = 0, finite = 0, ropt = 0;
	uint64_t t_skip_better = 0;

	for (i = 0; i < n; i++) {
		alpha[i] = alpha_v;
		eps[i] = eps_nics;
	}
	for (r = 0; r < runs; r++) {
		struct planner_params stop = { .saturated = PLANNER_STOP };
		struct planner_estimate est;
		double greedy, best, ratio;
		struct planner *pl = planner_new(n, alpha_v);

		moe_matrix(n, d);
		planner_run(pl, n, d, alpha, NULL, c, NULL);
		/* Algorithm 1's objective */
		greedy = ref_bottleneck(n, d, c);
		best = ref_optimum(n, d, alpha, 0, NULL, copt);
		bopt += greedy == best;
		finite += isfinite(best);
		/* estimated all-to-all time with the electrical fallback */
		planner_estimate(n, d, c, 1, eps, &est);
		greedy = est.total_s;
		best = ref_optimum(n, d, alpha, 1, eps, copt);
		ratio = greedy / best;
		eopt += ratio <= 1 + 1e-12;
		gsum += ratio;
		gmax = ratio > gmax ? ratio : gmax;
		/* with the refinement */
		{
			struct planner_params ref = { .refine = true, .link_Bps = 1, .eps_Bps = eps };

			planner_run(pl, n, d, alpha, &ref, c, NULL);
			planner_estimate(n, d, c, 1, eps, &est);
			ratio = est.total_s / best;
			rsum += ratio;
			rmax = ratio > rmax ? ratio : rmax;
			ropt += ratio <= 1 + 1e-12;
		}
		/* the paper's STOP rule on the same objective */
		planner_run(pl, n, d, alpha, &stop, c, NULL);
		planner_estimate(n, d, c, 1, eps, &est);
		ratio = est.total_s / best;
		g2sum += ratio;
		g2max = ratio > g2max ? ratio : g2max;
		t_skip_better += est.total_s > greedy * (1 + 1e-12);
		planner_free(pl);
	}
	printf("quality n=%u alpha=%u eps_nics=%u runs=%u: bottleneck optimal %u/%u (%u finite); "
	       "estimated time: skip optimal %u/%u, gap mean %.3f max %.3f; "
	       "stop gap mean %.3f max %.3f (skip better in %llu); "
	       "refined optimal %u/%u, gap mean %.3f max %.3f\n",
	       n, alpha_v, eps_nics, runs, bopt, runs, finite, eopt, runs, gsum / runs, gmax,
	       g2sum / runs, g2max, (unsigned long long)t_skip_better, ropt, runs, rsum / runs, rmax);
}

int main(int argc, char **argv)
{
	static const uint32_t sizes[] = { 8, 64, 256, 1024 };
	int i, ret = 0;

	if (argc >= 2 && !strcmp(argv[1], "quality")) {
		uint32_t runs = argc >= 3 ? (uint32_t)atoi(argv[2]) : 200;

		bench_quality(4, 6, 2, runs);
		bench_quality(5, 3, 2, runs);
		bench_quality(5, 4, 2, runs / 4 ? runs / 4 : 1);
		bench_quality(6, 2, 2, runs / 4 ? runs / 4 : 1);
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "time")) {
		fprintf(stderr, "usage: planner-bench time [N...] | quality [RUNS]\n");
		return 2;
	}
	if (argc >= 3) {
		for (i = 2; i < argc; i++) {
			long n = atol(argv[i]);

			if (n < 2 || n > (long)PLANNER_MAX_SERVERS) {
				fprintf(stderr, "planner-bench: bad size '%s'\n", argv[i]);
				return 2;
			}
			ret |= bench_time((uint32_t)n);
		}
		return ret;
	}
	for (i = 0; i < (int)(sizeof(sizes) / sizeof(sizes[0])); i++)
		ret |= bench_time(sizes[i]);
	return ret;
}
