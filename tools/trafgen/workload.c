// SPDX-License-Identifier: GPL-2.0
/* Expert-load model and traffic matrices of mixnet-trafgen (see workload.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trafgen.h"
#include "workload.h"

struct tg_workload {
	struct tg_workload_params p;
	uint32_t experts;
	double *zipf_w;		/* experts: normalized weight of rank r */
	uint32_t *perm;		/* layers x experts: expert holding rank r */
	uint64_t *fixed;	/* fixed matrices (p.nmatrices of them), or NULL */
};

/* ---- deterministic random numbers (splitmix64 streams) ------------------ */
struct rng {
	uint64_t s;
};

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rng_next(struct rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return mix64(r->s);
}

/* Independent stream per (seed, purpose, a, b). */
static struct rng rng_for(uint64_t seed, uint64_t purpose, uint64_t a, uint64_t b)
{
	struct rng r = { mix64(mix64(mix64(seed + 0x9e3779b97f4a7c15ULL) ^ purpose) ^ a) ^ b };

	r.s = mix64(r.s);
	return r;
}

static double rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1p-53;
}

static uint32_t rng_below(struct rng *r, uint32_t bound)
{
	return (uint32_t)(((unsigned __int128)rng_next(r) * bound) >> 64);
}

/* Reshuffle a random fraction @frac of the positions of @a among themselves. */
static void partial_shuffle(uint32_t *a, uint32_t n, double frac, struct rng *r,
			    uint32_t *scratch)
{
	uint32_t k = 0, i;

	for (i = 0; i < n; i++)
		if (rng_unit(r) < frac)
			scratch[k++] = i;
	/* Fisher-Yates over the chosen positions */
	for (i = k; i > 1; i--) {
		uint32_t j = rng_below(r, i), t;
		uint32_t pa = scratch[i - 1], pb = scratch[j];

		t = a[pa];
		a[pa] = a[pb];
		a[pb] = t;
	}
}

/* ---- parameters ------------------------------------------------------- */
void tg_workload_defaults(struct tg_workload_params *p)
{
	memset(p, 0, sizeof(*p));
	p->experts_per_host = 2;
	p->layers = 8;
	p->zipf = 1.2;
	p->drift = 1.0;
	p->source_shuffle = 0.5;
	p->seed = 1;
	p->phase_bytes = 4ULL << 20;
}

/* Fixed matrices: sizes and sums (matrix_file.c checked the files). */
static int check_fixed(const struct tg_workload_params *p, char *err, size_t errlen)
{
	size_t nn = (size_t)p->nhosts * p->nhosts, k, e;

	if (p->layers < 1 || p->layers > TG_MAX_LAYERS) {
		snprintf(err, errlen, "phases: %u (need 1-%u)", p->layers, TG_MAX_LAYERS);
		return -EINVAL;
	}
	if (!p->matrices || (uint64_t)p->nmatrices * nn > TG_MAX_PERM_ENTRIES) {
		snprintf(err, errlen, "matrices: %u of %u hosts (at most %u entries in all)",
			 p->nmatrices, p->nhosts, TG_MAX_PERM_ENTRIES);
		return -EINVAL;
	}
	for (k = 0; k < p->nmatrices; k++) {
		const uint64_t *m = &p->matrices[k * nn];
		uint64_t total = 0;

		for (e = 0; e < nn; e++) {
			if ((e % (p->nhosts + 1) == 0 && m[e]) || m[e] > TG_MAX_PAIR_BYTES - total) {
				snprintf(err, errlen, "matrix %zu: a diagonal entry, or more than %llu "
					 "bytes", k, (unsigned long long)TG_MAX_PAIR_BYTES);
				return -EINVAL;
			}
			total += m[e];
		}
		if (!total) {
			snprintf(err, errlen, "matrix %zu carries no bytes", k);
			return -EINVAL;
		}
	}
	return 0;
}

int tg_workload_check(const struct tg_workload_params *p, char *err, size_t errlen)
{
	uint64_t experts = (uint64_t)p->nhosts * p->experts_per_host;

	if (p->nhosts < 2 || p->nhosts > TG_MAX_HOSTS) {
		snprintf(err, errlen, "hosts: %u (need 2-%u)", p->nhosts, TG_MAX_HOSTS);
		return -EINVAL;
	}
	if (p->nmatrices)
		return check_fixed(p, err, errlen);
	if (p->experts_per_host < 1 || p->experts_per_host > TG_MAX_EXPERTS_PER_HOST ||
	    experts > TG_MAX_EXPERTS) {
		snprintf(err, errlen, "experts per host: %u (need 1-%u, at most %u experts in all)",
			 p->experts_per_host, TG_MAX_EXPERTS_PER_HOST, TG_MAX_EXPERTS);
		return -EINVAL;
	}
	if (p->layers < 1 || p->layers > TG_MAX_LAYERS ||
	    (uint64_t)p->layers * experts > TG_MAX_PERM_ENTRIES) {
		snprintf(err, errlen, "phases: %u (need 1-%u, and phases x experts <= %u)",
			 p->layers, TG_MAX_LAYERS, TG_MAX_PERM_ENTRIES);
		return -EINVAL;
	}
	if (!isfinite(p->zipf) || p->zipf < 0 || p->zipf > TG_MAX_ZIPF) {
		snprintf(err, errlen, "zipf: %g (need 0-%g)", p->zipf, TG_MAX_ZIPF);
		return -EINVAL;
	}
	if (!isfinite(p->drift) || p->drift < 0 || p->drift > 1) {
		snprintf(err, errlen, "drift: %g (need 0-1)", p->drift);
		return -EINVAL;
	}
	if (!isfinite(p->source_shuffle) || p->source_shuffle < 0 || p->source_shuffle > 1) {
		snprintf(err, errlen, "source shuffle: %g (need 0-1)", p->source_shuffle);
		return -EINVAL;
	}
	if (p->phase_bytes && (p->tokens || p->token_bytes)) {
		snprintf(err, errlen, "give either bytes per phase or tokens and token bytes, not both");
		return -EINVAL;
	}
	if (p->phase_bytes) {
		if (p->phase_bytes > TG_MAX_PAIR_BYTES) {
			snprintf(err, errlen, "bytes per phase: %llu (at most %llu)",
				 (unsigned long long)p->phase_bytes,
				 (unsigned long long)TG_MAX_PAIR_BYTES);
			return -EINVAL;
		}
		return 0;
	}
	if (!p->tokens || !p->token_bytes) {
		snprintf(err, errlen, "need bytes per phase, or both tokens and token bytes");
		return -EINVAL;
	}
	if (p->tokens > TG_MAX_TOKENS || p->token_bytes > TG_MAX_TOKEN_BYTES ||
	    p->tokens * p->token_bytes > TG_MAX_PAIR_BYTES) {
		snprintf(err, errlen, "tokens x token bytes: %llu x %llu (tokens <= %llu, "
			 "token bytes <= %llu, product <= %llu)",
			 (unsigned long long)p->tokens, (unsigned long long)p->token_bytes,
			 (unsigned long long)TG_MAX_TOKENS, (unsigned long long)TG_MAX_TOKEN_BYTES,
			 (unsigned long long)TG_MAX_PAIR_BYTES);
		return -EINVAL;
	}
	return 0;
}

/* ---- model -------------------------------------------------------------- */
static int new_fixed(const struct tg_workload_params *p, struct tg_workload **out,
		     char *err, size_t errlen)
{
	size_t size = sizeof(uint64_t) * p->nmatrices * p->nhosts * p->nhosts;
	struct tg_workload *w = calloc(1, sizeof(*w));

	if (w)
		w->fixed = malloc(size);
	if (!w || !w->fixed) {
		tg_workload_free(w);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	memcpy(w->fixed, p->matrices, size);
	w->p = *p;
	w->p.matrices = w->fixed;
	*out = w;
	return 0;
}

int tg_workload_new(const struct tg_workload_params *p, struct tg_workload **out,
		    char *err, size_t errlen)
{
	struct tg_workload *w;
	uint32_t *scratch;
	uint32_t E, l, r;
	double sum = 0;
	int ret;

	*out = NULL;
	ret = tg_workload_check(p, err, errlen);
	if (ret)
		return ret;
	if (p->nmatrices)
		return new_fixed(p, out, err, errlen);
	E = p->nhosts * p->experts_per_host;
	w = calloc(1, sizeof(*w));
	scratch = malloc(sizeof(*scratch) * E);
	if (w) {
		w->zipf_w = malloc(sizeof(*w->zipf_w) * E);
		w->perm = malloc(sizeof(*w->perm) * (size_t)E * p->layers);
	}
	if (!w || !scratch || !w->zipf_w || !w->perm) {
		free(scratch);
		tg_workload_free(w);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	w->p = *p;
	w->experts = E;
	for (r = 0; r < E; r++) {
		w->zipf_w[r] = pow((double)r + 1.0, -p->zipf);
		sum += w->zipf_w[r];
	}
	for (r = 0; r < E; r++)
		w->zipf_w[r] /= sum;
	for (l = 0; l < p->layers; l++) {
		uint32_t *perm = &w->perm[(size_t)l * E];
		struct rng rg = rng_for(p->seed, 1, l, 0);

		if (l == 0) {
			for (r = 0; r < E; r++)
				perm[r] = r;
			partial_shuffle(perm, E, 1.0, &rg, scratch);
		} else {
			memcpy(perm, perm - E, sizeof(*perm) * E);
			partial_shuffle(perm, E, p->drift, &rg, scratch);
		}
	}
	free(scratch);
	*out = w;
	return 0;
}

void tg_workload_free(struct tg_workload *w)
{
	if (!w)
		return;
	free(w->zipf_w);
	free(w->perm);
	free(w->fixed);
	free(w);
}

const struct tg_workload_params *tg_workload_params(const struct tg_workload *w)
{
	return &w->p;
}

/* As tg_workload_expert_loads, with caller-provided scratch (2 x experts). */
static void expert_loads(const struct tg_workload *w, uint32_t layer, uint32_t src,
			 double *loads, uint32_t *scratch)
{
	uint32_t E = w->experts, *perm = scratch, *pos = scratch + E, r;
	struct rng rg = rng_for(w->p.seed, 2, layer, src);

	memcpy(perm, &w->perm[(size_t)layer * E], sizeof(*perm) * E);
	partial_shuffle(perm, E, w->p.source_shuffle, &rg, pos);
	for (r = 0; r < E; r++)
		loads[perm[r]] = w->zipf_w[r];
}

void tg_workload_expert_loads(const struct tg_workload *w, uint32_t layer, uint32_t src,
			      double *loads)
{
	uint32_t *scratch = w->experts ? malloc(sizeof(*scratch) * 2 * w->experts) : NULL;
	uint32_t e;

	if (!scratch || layer >= w->p.layers || src >= w->p.nhosts) {
		for (e = 0; e < w->experts; e++)
			loads[e] = 0;
		free(scratch);
		return;
	}
	expert_loads(w, layer, src, loads, scratch);
	free(scratch);
}

int tg_workload_matrix(const struct tg_workload *w, uint32_t layer, uint64_t *bytes)
{
	uint32_t n = w->p.nhosts, eph = w->p.experts_per_host, i, j, e;
	size_t nn = (size_t)n * n;
	double *loads, *weight;
	uint32_t *scratch;
	uint64_t *count;
	int ret = 0;

	if (layer >= w->p.layers)
		return -EINVAL;
	if (w->fixed) {
		memcpy(bytes, &w->fixed[(size_t)(layer % w->p.nmatrices) * nn], sizeof(*bytes) * nn);
		return 0;
	}
	loads = malloc(sizeof(*loads) * w->experts);
	scratch = malloc(sizeof(*scratch) * 2 * w->experts);
	weight = calloc(nn, sizeof(*weight));
	count = malloc(sizeof(*count) * n);
	if (!loads || !scratch || !weight || !count) {
		ret = -ENOMEM;
		goto out;
	}
	/* weight[i][j]: share of host i's tokens routed to host j's experts */
	for (i = 0; i < n; i++) {
		expert_loads(w, layer, i, loads, scratch);
		for (e = 0; e < w->experts; e++)
			weight[(size_t)i * n + e / eph] += loads[e];
	}
	if (w->p.phase_bytes) {
		for (i = 0; i < n; i++)
			weight[(size_t)i * n + i] = 0;	/* stays in the host */
		ret = tg_apportion(w->p.phase_bytes, weight, nn, bytes);
		goto out;
	}
	for (i = 0; i < n && !ret; i++) {
		ret = tg_apportion(w->p.tokens, &weight[(size_t)i * n], n, count);
		for (j = 0; j < n && !ret; j++)
			bytes[(size_t)i * n + j] = i == j ? 0 : count[j] * w->p.token_bytes;
	}
out:
	free(loads);
	free(scratch);
	free(weight);
	free(count);
	return ret;
}

/* ---- largest-remainder apportionment ------------------------------------ */
struct share {
	uint64_t rem;
	size_t idx;
};

static int share_cmp(const void *a, const void *b)
{
	const struct share *x = a, *y = b;

	if (x->rem != y->rem)
		return x->rem > y->rem ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

int tg_apportion(uint64_t total, const double *weight, size_t k, uint64_t *out)
{
	unsigned __int128 q_sum = 0;
	uint64_t *q, given = 0;
	struct share *s;
	double wsum = 0;
	size_t i, m = 0;

	for (i = 0; i < k; i++) {
		if (!isfinite(weight[i]) || weight[i] < 0)
			return -EINVAL;
		wsum += weight[i];
	}
	if (k == 0 || !(wsum > 0))
		return -EINVAL;
	/* Integer weights (53 bits of the normalized share) make the split
	 * exact and independent of summation order. */
	q = malloc(sizeof(*q) * k);
	s = malloc(sizeof(*s) * k);
	if (!q || !s) {
		free(q);
		free(s);
		return -ENOMEM;
	}
	for (i = 0; i < k; i++) {
		q[i] = (uint64_t)floor(weight[i] / wsum * 0x1p53);
		q_sum += q[i];
	}
	if (q_sum == 0) {	/* every share below 2^-53: the largest weight gets all */
		size_t best = 0;

		for (i = 1; i < k; i++)
			if (weight[i] > weight[best])
				best = i;
		q[best] = 1;
		q_sum = 1;
	}
	for (i = 0; i < k; i++) {
		unsigned __int128 prod = (unsigned __int128)total * q[i];

		out[i] = (uint64_t)(prod / q_sum);
		given += out[i];
		if (q[i]) {
			s[m].rem = (uint64_t)(prod % q_sum);
			s[m++].idx = i;
		}
	}
	qsort(s, m, sizeof(*s), share_cmp);
	for (i = 0; given < total && i < m; i++, given++)
		out[s[i].idx]++;
	free(q);
	free(s);
	return 0;
}
