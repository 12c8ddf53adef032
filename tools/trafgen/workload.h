/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Expert-load model of mixnet-trafgen: the traffic matrix of every MoE
 * layer (phase), deterministic for a seed.
 *
 * n hosts hold E = n x experts_per_host experts; expert e lives on host
 * e / experts_per_host.  Expert popularity follows Zipf: the expert of
 * rank r (0 = hottest) gets weight (r + 1)^-zipf (zipf 0 = uniform).
 * Which expert holds which rank is a permutation per layer: layer 0's is
 * random, layer l's is layer l-1's with a random fraction `drift` of the
 * ranks reshuffled among themselves (drift 1: every layer has its own hot
 * experts, drift 0: the same ones).  Each source host sees the layer's
 * permutation with a fraction `source_shuffle` of ranks reshuffled again,
 * so rows differ and some server pairs are hot, not only some columns.
 *
 * Host i sends to host j (j != i) the share of its tokens routed to j's
 * experts; tokens staying on host i are not sent.  Sizes, either
 *  - phase_bytes: the phase's total (off-diagonal) bytes, split in
 *    proportion to those shares (largest remainder: the sum is exact), or
 *  - tokens x token_bytes: each host routes `tokens` token-expert
 *    assignments (whole tokens, largest remainder per row) of
 *    token_bytes each (e.g. hidden size x 2 for bf16).
 *
 * Instead of the model, fixed matrices (--matrix files, matrix_file.h):
 * phase l sends matrix l % nmatrices; the model's parameters are unused.
 */
#ifndef MIXNET_TRAFGEN_WORKLOAD_H
#define MIXNET_TRAFGEN_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

#define TG_MAX_EXPERTS_PER_HOST	1024u
#define TG_MAX_EXPERTS		65536u
#define TG_MAX_LAYERS		100000u
#define TG_MAX_ZIPF		10.0
#define TG_MAX_TOKENS		(1ULL << 32)
#define TG_MAX_TOKEN_BYTES	(1ULL << 24)
/* layers x experts permutations kept in memory; also the limit of
 * matrices x hosts x hosts entries of fixed matrices */
#define TG_MAX_PERM_ENTRIES	(1u << 24)

struct tg_workload_params {
	uint32_t nhosts;		/* >= 2 */
	uint32_t experts_per_host;	/* >= 1 */
	uint32_t layers;		/* phases of one repetition, >= 1 */
	double zipf;			/* [0, TG_MAX_ZIPF] */
	double drift;			/* [0, 1] */
	double source_shuffle;		/* [0, 1] */
	uint64_t seed;
	uint64_t phase_bytes;		/* either this (> 0) ... */
	uint64_t tokens;		/* ... or tokens and token_bytes (> 0) */
	uint64_t token_bytes;
	/* Fixed matrices instead of the model when nmatrices > 0:
	 * nmatrices x nhosts x nhosts bytes (copied by tg_workload_new), and
	 * the files they came from (for reports; may be NULL). */
	uint32_t nmatrices;
	const uint64_t *matrices;
	const char *const *matrix_files;
};

/* Defaults: 2 experts per host, 8 layers, zipf 1.2, drift 1,
 * source_shuffle 0.5, seed 1, 4 MiB per phase; nhosts left 0. */
void tg_workload_defaults(struct tg_workload_params *p);

/* 0, or -EINVAL with the offending parameter named in @err. */
int tg_workload_check(const struct tg_workload_params *p, char *err, size_t errlen);

struct tg_workload;

/* Checks @p (as above) and precomputes the layers' permutations. */
int tg_workload_new(const struct tg_workload_params *p, struct tg_workload **out,
		    char *err, size_t errlen);
void tg_workload_free(struct tg_workload *w);
const struct tg_workload_params *tg_workload_params(const struct tg_workload *w);

/* Routing probability of every expert (sums to 1) for tokens of host
 * @src in layer @layer: @loads has n x experts_per_host entries (fixed
 * matrices have no experts: nothing is written). */
void tg_workload_expert_loads(const struct tg_workload *w, uint32_t layer, uint32_t src,
			      double *loads);

/* The traffic matrix of @layer: @bytes[i * n + j] is what host i sends to
 * host j (n x n, diagonal 0).  0, -EINVAL (layer out of range) or
 * -ENOMEM. */
int tg_workload_matrix(const struct tg_workload *w, uint32_t layer, uint64_t *bytes);

/*
 * Split @total into @k integer parts in proportion to @weight (finite,
 * >= 0, not all 0): floors first, the rest one by one to the largest
 * remainders (ties: lower index).  Exact: the parts sum to @total.
 * 0, -EINVAL (bad weights) or -ENOMEM.
 */
int tg_apportion(uint64_t total, const double *weight, size_t k, uint64_t *out);

#endif /* MIXNET_TRAFGEN_WORKLOAD_H */
