/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Expert-load model of mixnet-sim: which expert each token goes to, hence
 * the EP all-to-all matrix of a region and the load of each EP rank.
 *
 * Per MoE layer l, every expert e has a popularity logit g[l][e]:
 * normal(0, skew) at the start, correlated from one layer to the next
 * (layer_corr) and drifting between iterations (AR(1) with iter_corr).
 * A micro-batch shifts all logits by mb_noise x normal (per expert), and
 * each source rank's tokens add src_noise x normal (per rank and expert),
 * so pairs of ranks differ, not only columns.  Routing probabilities are
 * the softmax of the logits, capped at 1/topk (a token picks an expert
 * once); rank r sends tokens x topk x p[r][e] tokens to expert e's rank.
 * Expected values, not sampled tokens: the matrix is smooth in the
 * parameters and deterministic for a seed.
 */
#ifndef MIXNET_SIM_TRAFFIC_H
#define MIXNET_SIM_TRAFFIC_H

#include <stdint.h>

#include "sim_model.h"

struct traffic_params {
	double skew;		/* std of expert popularity logits */
	double layer_corr;	/* correlation of logits of adjacent layers */
	double iter_corr;	/* correlation of a layer's logits between iterations */
	double mb_noise;	/* std of the per-micro-batch logit shift */
	double src_noise;	/* std of the per-source-rank logit shift */
};

void traffic_default_params(struct traffic_params *p);

struct traffic;

struct traffic *traffic_new(const struct sim_model *m, const struct traffic_params *p,
			    uint64_t seed);
void traffic_free(struct traffic *t);
/* Move the popularities on to the next iteration. */
void traffic_next_iteration(struct traffic *t);

/*
 * The all-to-all of one region: @region (any id, e.g. the cell), MoE
 * layer @layer, micro-batch @mb.  Fills @bytes (R x R for the region's
 * R = ep x tp / 8 servers: bytes server a sends to server b in the
 * dispatch; the combine is its transpose; the diagonal, which stays in a
 * server, is 0) and returns the largest number of token-expert
 * assignments any EP rank computes (drives the expert compute time).
 * @tokens_out (optional) gets the total token-expert assignments.
 */
double traffic_matrix(struct traffic *t, uint32_t region, uint32_t layer, uint32_t mb,
		      double *bytes, double *tokens_out);

#endif /* MIXNET_SIM_TRAFFIC_H */
