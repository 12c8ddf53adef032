// SPDX-License-Identifier: GPL-2.0
/*
 * Local search on the estimated all-to-all time (see planner_refine() in
 * planner.h).  The estimate is the largest of its "elements": each pair
 * with circuits (its busier direction over its circuits) and each server
 * (its busier direction over its EPS NICs, for its pairs without
 * circuits).  A move changes at most three pairs' circuit counts, so it
 * touches at most 3 pair elements and 6 server elements; the largest
 * untouched element comes from a short list of the top elements, so a
 * move is evaluated in O(1).
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "planner.h"
#include "planner_internal.h"

#define TOPK 12		/* > elements one move can touch (9) */

struct elem {
	double t;
	uint32_t id;	/* pair: i * n + j (i < j); server x: n * n + x */
};

struct change {
	uint32_t i, j;	/* i < j */
	int delta;
};

struct rf {
	uint32_t n;
	const double *d;
	uint32_t *c;
	double link;
	const double *eps;
	uint32_t *freep;
	double *out, *in;
	struct elem top[TOPK];
	uint32_t ntop;
	double sum;
};

static double pair_t(const struct rf *r, uint32_t i, uint32_t j, uint32_t c)
{
	double a = r->d[(size_t)i * r->n + j], b = r->d[(size_t)j * r->n + i];

	return c ? (a > b ? a : b) / (c * r->link) : 0;
}

static double server_t(const struct rf *r, uint32_t x, double out, double in)
{
	double m = out > in ? out : in;

	return m > 0 ? m / r->eps[x] : 0;
}

/* Keep the TOPK largest, ties by smaller id first. */
static void top_insert(struct rf *r, double t, uint32_t id)
{
	uint32_t k = r->ntop;

	if (k == TOPK) {
		if (t < r->top[TOPK - 1].t || (t == r->top[TOPK - 1].t && id > r->top[TOPK - 1].id))
			return;
		k = TOPK - 1;
	} else {
		r->ntop++;
	}
	while (k > 0 && (r->top[k - 1].t < t || (r->top[k - 1].t == t && r->top[k - 1].id > id))) {
		r->top[k] = r->top[k - 1];
		k--;
	}
	r->top[k] = (struct elem){ .t = t, .id = id };
}

static void scan(struct rf *r)
{
	uint32_t i, j, n = r->n;

	r->ntop = 0;
	r->sum = 0;
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++) {
			uint32_t c = r->c[(size_t)i * n + j];

			if (c) {
				double t = pair_t(r, i, j, c);

				top_insert(r, t, i * n + j);
				r->sum += t;
			}
		}
	for (i = 0; i < n; i++) {
		double t = server_t(r, i, r->out[i], r->in[i]);

		top_insert(r, t, n * n + i);
		r->sum += t;
	}
}

/* EPS loads move when a pair gains its first or loses its last circuit. */
static void eps_shift(const struct rf *r, uint32_t i, uint32_t j, double sign,
		      double *out_i, double *in_i, double *out_j, double *in_j)
{
	double ij = r->d[(size_t)i * r->n + j], ji = r->d[(size_t)j * r->n + i];

	*out_i += sign * ij;
	*in_j += sign * ij;
	*out_j += sign * ji;
	*in_i += sign * ji;
}

struct srv {
	uint32_t x;
	double out, in;
};

static struct srv *srv_slot(const struct rf *r, struct srv *s, uint32_t *ns, uint32_t x)
{
	uint32_t k;

	for (k = 0; k < *ns; k++)
		if (s[k].x == x)
			return &s[k];
	s[*ns] = (struct srv){ .x = x, .out = r->out[x], .in = r->in[x] };
	return &s[(*ns)++];
}

/* (max, sum) of the estimate after @ch were applied. */
static void evaluate(const struct rf *r, const struct change *ch, uint32_t nch,
		     double *new_max, double *new_sum)
{
	struct srv s[6];
	uint32_t ids[9], nids = 0, ns = 0, k, m, n = r->n;
	double max = 0, sum = r->sum;

	for (k = 0; k < nch; k++) {
		uint32_t i = ch[k].i, j = ch[k].j, c = r->c[(size_t)i * n + j];
		uint32_t nc = (uint32_t)((int)c + ch[k].delta);
		double t_old = pair_t(r, i, j, c), t_new = pair_t(r, i, j, nc);

		sum += t_new - t_old;
		if (t_new > max)
			max = t_new;
		ids[nids++] = i * n + j;
		if (!c || !nc) {
			struct srv *a = srv_slot(r, s, &ns, i), *b = srv_slot(r, s, &ns, j);

			eps_shift(r, i, j, c ? 1 : -1, &a->out, &a->in, &b->out, &b->in);
		}
	}
	for (k = 0; k < ns; k++) {
		double t_old = server_t(r, s[k].x, r->out[s[k].x], r->in[s[k].x]);
		double t_new = server_t(r, s[k].x, s[k].out, s[k].in);

		sum += t_new - t_old;
		if (t_new > max)
			max = t_new;
		ids[nids++] = n * n + s[k].x;
	}
	for (k = 0; k < r->ntop; k++) {
		for (m = 0; m < nids; m++)
			if (r->top[k].id == ids[m])
				break;
		if (m == nids) {
			if (r->top[k].t > max)
				max = r->top[k].t;
			break;
		}
	}
	*new_max = max;
	*new_sum = sum;
}

static void apply(struct rf *r, const struct change *ch, uint32_t nch)
{
	uint32_t k, n = r->n;

	for (k = 0; k < nch; k++) {
		uint32_t i = ch[k].i, j = ch[k].j, c = r->c[(size_t)i * n + j];
		uint32_t nc = (uint32_t)((int)c + ch[k].delta);

		if (!c || !nc)
			eps_shift(r, i, j, c ? 1 : -1, &r->out[i], &r->in[i], &r->out[j], &r->in[j]);
		r->c[(size_t)i * n + j] = r->c[(size_t)j * n + i] = nc;
		if (ch[k].delta > 0) {
			r->freep[i]--;
			r->freep[j]--;
		} else {
			r->freep[i]++;
			r->freep[j]++;
		}
	}
	scan(r);
}

static struct change mk(uint32_t a, uint32_t b, int delta)
{
	return a < b ? (struct change){ a, b, delta } : (struct change){ b, a, delta };
}

static bool better(double max, double sum, double best_max, double best_sum)
{
	const double eps = 1e-12;

	if (max < best_max * (1 - eps))
		return true;
	return max <= best_max * (1 + eps) && sum < best_sum * (1 - eps);
}

/*
 * One more circuit for pair (p, q), a port taken from another circuit of
 * p (or q) when p (or q) has none free: try every such combination.
 */
static void try_target(const struct rf *r, uint32_t p, uint32_t q, struct change *best,
		       uint32_t *nbest, double *best_max, double *best_sum)
{
	uint32_t n = r->n, y, z;

	for (y = 0; y <= n; y++) {
		/* y == n: p has a free port, no victim at p */
		if (y == n ? !r->freep[p] : (y == p || y == q || !r->c[(size_t)p * n + y] || r->freep[p]))
			continue;
		for (z = 0; z <= n; z++) {
			struct change ch[3];
			uint32_t nch = 0;
			double mx, sm;

			if (z == n ? !r->freep[q] : (z == p || z == q || !r->c[(size_t)q * n + z] ||
						     r->freep[q]))
				continue;
			ch[nch++] = mk(p, q, 1);
			if (y < n)
				ch[nch++] = mk(p, y, -1);
			if (z < n)
				ch[nch++] = mk(q, z, -1);
			evaluate(r, ch, nch, &mx, &sm);
			if (better(mx, sm, *best_max, *best_sum)) {
				memcpy(best, ch, nch * sizeof(*ch));
				*nbest = nch;
				*best_max = mx;
				*best_sum = sm;
			}
		}
	}
}

int planner_refine(struct planner *pl, uint32_t n, const double *demand,
		   const uint32_t *alpha, uint32_t *circuits,
		   double link_Bps, const double *eps_Bps)
{
	struct rf r = { .n = n, .d = demand, .c = circuits, .link = link_Bps, .eps = eps_Bps,
			.freep = pl ? pl->free_ports : NULL,
			.out = pl ? pl->eps_out : NULL, .in = pl ? pl->eps_in : NULL };
	uint32_t i, j, moves = 0, limit = 0;

	if (!pl || !demand || !alpha || !circuits || !eps_Bps || n < 1 || n > pl->nmax ||
	    !(link_Bps > 0) || !isfinite(link_Bps))
		return -EINVAL;
	if (n > PLANNER_REFINE_MAX_SERVERS)
		return -E2BIG;
	for (i = 0; i < n; i++) {
		uint32_t deg = 0;

		if (!(eps_Bps[i] > 0) || !isfinite(eps_Bps[i]) || circuits[(size_t)i * n + i])
			return -EINVAL;
		r.out[i] = r.in[i] = 0;
		for (j = 0; j < n; j++) {
			double v = demand[(size_t)i * n + j];

			if (!(v >= 0) || !isfinite(v) || circuits[(size_t)i * n + j] != circuits[(size_t)j * n + i])
				return -EINVAL;
			deg += circuits[(size_t)i * n + j];
		}
		if (deg > alpha[i])
			return -EINVAL;
		r.freep[i] = alpha[i] - deg;
		limit += alpha[i];
	}
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			if (i != j && !circuits[(size_t)i * n + j]) {
				r.out[i] += demand[(size_t)i * n + j];
				r.in[j] += demand[(size_t)i * n + j];
			}
	scan(&r);
	/* every move lowers (max, sum); the cap only bounds pathological runs */
	for (limit *= 4; moves < limit && r.ntop && r.top[0].t > 0; moves++) {
		struct change best[3];
		uint32_t nbest = 0, id = r.top[0].id;
		double best_max = r.top[0].t, best_sum = r.sum;

		if (id < n * n) {
			struct change drop = mk(id / n, id % n, -1);
			double mx, sm;

			try_target(&r, id / n, id % n, best, &nbest, &best_max, &best_sum);
			/* or fewer circuits: with none, the pair goes electrical,
			 * which may be faster than one slow circuit */
			evaluate(&r, &drop, 1, &mx, &sm);
			if (better(mx, sm, best_max, best_sum)) {
				best[0] = drop;
				nbest = 1;
				best_max = mx;
				best_sum = sm;
			}
		} else {
			uint32_t x = id - n * n, y;

			for (y = 0; y < n; y++)
				if (y != x && !circuits[(size_t)x * n + y] &&
				    demand[(size_t)x * n + y] + demand[(size_t)y * n + x] > 0)
					try_target(&r, x, y, best, &nbest, &best_max, &best_sum);
		}
		if (!nbest)
			break;
		apply(&r, best, nbest);
	}
	return (int)moves;
}
