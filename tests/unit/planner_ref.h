/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Straightforward versions of the planner for checking agent/planner.c:
 *   ref_plan()        Algorithm 1 by full rescan of all pairs per step
 *                     (O(circuits x pairs)), same rules as planner.h;
 *   ref_optimum_*()   exhaustive search of all circuit allocations of a
 *                     small region for the best possible bottleneck.
 * Used by tests/unit/test_planner.c and tools/bench/planner-bench.c.
 */
#ifndef MIXNET_PLANNER_REF_H
#define MIXNET_PLANNER_REF_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "planner.h"

/* Is pair (i1, j1) with demand d1 and c1 circuits the bigger bottleneck? */
static inline bool ref_before(double d1, uint32_t c1, uint32_t i1, uint32_t j1,
			      double d2, uint32_t c2, uint32_t i2, uint32_t j2)
{
	double t1 = planner_pair_time(d1, c1), t2 = planner_pair_time(d2, c2);

	if (t1 != t2)
		return t1 > t2;
	if (d1 != d2)
		return d1 > d2;
	if (i1 != i2)
		return i1 < i2;
	return j1 < j2;
}

static inline void ref_add(uint32_t *circuits, uint32_t *freep, uint32_t n, uint32_t i, uint32_t j)
{
	circuits[i * n + j]++;
	circuits[j * n + i]++;
	freep[i]--;
	freep[j]--;
}

/* Returns 0 or -1 (allocation).  Same contract as planner_run(). */
static inline int ref_plan(uint32_t n, const double *demand, const uint32_t *alpha,
			   const struct planner_params *params, uint32_t *circuits)
{
	bool stop = params && params->saturated == PLANNER_STOP;
	bool *dropped = calloc((size_t)n * n, sizeof(bool));
	uint32_t *freep = malloc(n * sizeof(uint32_t));
	uint32_t i, j, level;

	if (!dropped || !freep) {
		free(dropped);
		free(freep);
		return -1;
	}
	memset(circuits, 0, (size_t)n * n * sizeof(*circuits));
	memcpy(freep, alpha, n * sizeof(uint32_t));
	for (;;) {
		uint32_t bi = 0, bj = 0;
		double bd = 0;
		bool found = false;

		for (i = 0; i < n; i++)
			for (j = i + 1; j < n; j++) {
				double d = demand[i * n + j] + demand[j * n + i];

				if (d <= 0 || dropped[i * n + j])
					continue;
				/* SKIP: a pair with a full server is as good as dropped */
				if (!stop && (!freep[i] || !freep[j]))
					continue;
				if (!found || ref_before(d, circuits[i * n + j], i, j,
							 bd, circuits[bi * n + bj], bi, bj)) {
					bi = i;
					bj = j;
					bd = d;
					found = true;
				}
			}
		if (!found)
			break;
		if (freep[bi] && freep[bj]) {
			ref_add(circuits, freep, n, bi, bj);
		} else {
			if (stop)
				break;
			dropped[bi * n + bj] = true;
		}
	}
	if (params && params->spare == PLANNER_SPARE_FILL) {
		if (params->prev)
			for (i = 0; i < n; i++)
				for (j = i + 1; j < n; j++)
					while (freep[i] && freep[j] &&
					       params->prev[i * n + j] > circuits[i * n + j])
						ref_add(circuits, freep, n, i, j);
		for (level = 0; level <= PLANNER_MAX_ALPHA; level++)
			for (i = 0; i < n; i++)
				for (j = i + 1; j < n; j++)
					if (freep[i] && freep[j] && circuits[i * n + j] == level)
						ref_add(circuits, freep, n, i, j);
	}
	free(dropped);
	free(freep);
	return 0;
}

/* Algorithm 1's objective: max D/c over pairs with demand (inf if c = 0). */
static inline double ref_bottleneck(uint32_t n, const double *demand, const uint32_t *circuits)
{
	double worst = 0;
	uint32_t i, j;

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++) {
			double t = planner_pair_time(demand[i * n + j] + demand[j * n + i],
						     circuits[i * n + j]);
			if (t > worst)
				worst = t;
		}
	return worst;
}

/* ---- exhaustive search (small n only) ---- */

struct ref_search {
	uint32_t n;
	const double *demand;
	const double *eps_Bps;	/* NULL: bottleneck objective */
	double link_Bps;
	uint32_t *freep;
	uint32_t *cur;
	uint32_t *best;
	double best_val;
	uint64_t leaves;
};

static inline double ref_objective(struct ref_search *s)
{
	struct planner_estimate est;

	if (!s->eps_Bps)
		return ref_bottleneck(s->n, s->demand, s->cur);
	planner_estimate(s->n, s->demand, s->cur, s->link_Bps, s->eps_Bps, &est);
	return est.total_s;
}

static inline void ref_search_pair(struct ref_search *s, uint32_t i, uint32_t j)
{
	uint32_t n = s->n, c, maxc;

	if (j >= n) {
		i++;
		j = i + 1;
	}
	if (i + 1 >= n) {
		double v = ref_objective(s);

		s->leaves++;
		if (v < s->best_val) {
			s->best_val = v;
			memcpy(s->best, s->cur, (size_t)n * n * sizeof(uint32_t));
		}
		return;
	}
	maxc = s->freep[i] < s->freep[j] ? s->freep[i] : s->freep[j];
	for (c = 0; c <= maxc; c++) {
		s->cur[i * n + j] = s->cur[j * n + i] = c;
		s->freep[i] -= c;
		s->freep[j] -= c;
		ref_search_pair(s, i, j + 1);
		s->freep[i] += c;
		s->freep[j] += c;
	}
	s->cur[i * n + j] = s->cur[j * n + i] = 0;
}

/*
 * Smallest objective over every allocation respecting alpha: the
 * bottleneck (eps_Bps NULL) or planner_estimate()'s total time.  Writes
 * an optimal allocation to @best.  Exponential: n <= 6 or so.
 */
static inline double ref_optimum(uint32_t n, const double *demand, const uint32_t *alpha,
				 double link_Bps, const double *eps_Bps, uint32_t *best)
{
	struct ref_search s = {
		.n = n, .demand = demand, .eps_Bps = eps_Bps, .link_Bps = link_Bps,
		.best = best, .best_val = INFINITY,
	};

	s.freep = malloc(n * sizeof(uint32_t));
	s.cur = calloc((size_t)n * n, sizeof(uint32_t));
	if (!s.freep || !s.cur) {
		free(s.freep);
		free(s.cur);
		return NAN;
	}
	memcpy(s.freep, alpha, n * sizeof(uint32_t));
	memset(best, 0, (size_t)n * n * sizeof(uint32_t));
	if (n < 2)
		s.best_val = ref_objective(&s);
	else
		ref_search_pair(&s, 0, 1);
	free(s.freep);
	free(s.cur);
	return s.best_val;
}

#endif /* MIXNET_PLANNER_REF_H */
