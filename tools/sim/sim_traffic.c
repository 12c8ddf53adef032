// SPDX-License-Identifier: GPL-2.0
/* Expert-load model (see sim_traffic.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim_rng.h"
#include "sim_traffic.h"

struct traffic {
	struct sim_model m;
	struct traffic_params p;
	uint64_t seed;
	uint32_t iteration;
	double *pop;		/* layers x experts logits */
	double *mbshift;	/* experts: scratch */
	double *w;		/* experts: scratch */
	double *rank_tokens;	/* ep: scratch */
};

void traffic_default_params(struct traffic_params *p)
{
	p->skew = 0.5;
	p->layer_corr = 0.5;
	p->iter_corr = 0.9;
	p->mb_noise = 0.2;
	p->src_noise = 0.3;
}

struct traffic *traffic_new(const struct sim_model *m, const struct traffic_params *p,
			    uint64_t seed)
{
	struct traffic *t = calloc(1, sizeof(*t));
	uint32_t l, e;

	if (!t)
		return NULL;
	t->m = *m;
	t->p = *p;
	t->seed = seed;
	t->pop = malloc((size_t)m->layers * m->experts * sizeof(double));
	t->mbshift = malloc(m->experts * sizeof(double));
	t->w = malloc(m->experts * sizeof(double));
	t->rank_tokens = malloc(m->ep * sizeof(double));
	if (!t->pop || !t->mbshift || !t->w || !t->rank_tokens) {
		traffic_free(t);
		return NULL;
	}
	for (l = 0; l < m->layers; l++) {
		struct rng r = rng_for(seed, 1, l, 0, 0);
		double c = l ? p->layer_corr : 0;

		for (e = 0; e < m->experts; e++) {
			double prev = l ? t->pop[(size_t)(l - 1) * m->experts + e] : 0;

			t->pop[(size_t)l * m->experts + e] =
				c * prev + sqrt(1 - c * c) * p->skew * rng_normal(&r);
		}
	}
	return t;
}

void traffic_free(struct traffic *t)
{
	if (!t)
		return;
	free(t->pop);
	free(t->mbshift);
	free(t->w);
	free(t->rank_tokens);
	free(t);
}

void traffic_next_iteration(struct traffic *t)
{
	double c = t->p.iter_corr;
	uint32_t l, e;

	t->iteration++;
	for (l = 0; l < t->m.layers; l++) {
		struct rng r = rng_for(t->seed, 2, l, t->iteration, 0);

		for (e = 0; e < t->m.experts; e++) {
			double *g = &t->pop[(size_t)l * t->m.experts + e];

			*g = c * *g + sqrt(1 - c * c) * t->p.skew * rng_normal(&r);
		}
	}
}

/* Softmax of w[] in place, then capped at @cap with the excess spread. */
static void capped_softmax(double *w, uint32_t n, double cap)
{
	double max = w[0], sum = 0;
	uint32_t e, round;

	for (e = 1; e < n; e++)
		if (w[e] > max)
			max = w[e];
	for (e = 0; e < n; e++) {
		w[e] = exp(w[e] - max);
		sum += w[e];
	}
	for (e = 0; e < n; e++)
		w[e] /= sum;
	if (cap >= 1)
		return;
	/* water filling: experts over the cap get it, the rest share the remainder */
	for (round = 0; round < n; round++) {
		double free_mass = 0, over = 0;

		for (e = 0; e < n; e++) {
			if (w[e] >= cap)
				continue;
			free_mass += w[e];
		}
		for (e = 0; e < n; e++)
			if (w[e] > cap)
				over += w[e] - cap;
		if (over <= 1e-15 || free_mass <= 0)
			break;
		for (e = 0; e < n; e++) {
			if (w[e] >= cap)
				w[e] = cap;
			else
				w[e] += over * w[e] / free_mass;
		}
	}
}

double traffic_matrix(struct traffic *t, uint32_t region, uint32_t layer, uint32_t mb,
		      double *bytes, double *tokens_out)
{
	const struct sim_model *m = &t->m;
	uint32_t ep = m->ep, E = m->experts, per_rank = E / ep;
	uint32_t rps = 8 / m->tp, R = sim_region_servers(m), src, e, d;
	double tokens = sim_tokens(m), per_token = m->hidden * m->act_bytes;
	double cap = 1.0 / m->topk, max_load = 0, total = 0;
	const double *g = &t->pop[(size_t)layer * E];
	struct rng r = rng_for(t->seed, 3, layer, mb, t->iteration);

	memset(bytes, 0, (size_t)R * R * sizeof(double));
	for (e = 0; e < E; e++)
		t->mbshift[e] = g[e] + t->p.mb_noise * rng_normal(&r);
	for (d = 0; d < ep; d++)
		t->rank_tokens[d] = 0;
	for (src = 0; src < ep; src++) {
		struct rng rs = rng_for(t->seed, 4, ((uint64_t)region << 32) | layer,
					((uint64_t)mb << 32) | src, t->iteration);
		uint32_t sa = src / rps;

		for (e = 0; e < E; e++)
			t->w[e] = t->mbshift[e] + t->p.src_noise * rng_normal(&rs);
		capped_softmax(t->w, E, cap);
		for (d = 0; d < ep; d++) {
			double load = 0;
			uint32_t sb = d / rps;

			for (e = d * per_rank; e < (d + 1) * per_rank; e++)
				load += t->w[e];
			load *= tokens * m->topk;
			t->rank_tokens[d] += load;
			total += load;
			if (sa != sb)
				bytes[sa * R + sb] += load * per_token;
		}
	}
	for (d = 0; d < ep; d++)
		if (t->rank_tokens[d] > max_load)
			max_load = t->rank_tokens[d];
	if (tokens_out)
		*tokens_out = total;
	return max_load;
}
