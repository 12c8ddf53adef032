/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MoE model presets for mixnet-sim and the quantities derived from them
 * (FLOPs, bytes per token).  Architecture numbers are the published ones
 * of each model; parallelism follows the MixNet paper where it says, and
 * is our choice otherwise (Documentation/sim.md says which).
 */
#ifndef MIXNET_SIM_MODEL_H
#define MIXNET_SIM_MODEL_H

#include <stdint.h>
#include <stdio.h>

struct sim_model {
	char name[32];
	uint32_t layers;
	uint32_t dense_layers;	/* the first ones have a dense FFN, no experts */
	double hidden;
	double attn_params;	/* attention weights per layer */
	double score_dim;	/* heads x (qk dim + v dim): attention score FLOPs */
	uint32_t experts;
	uint32_t topk;
	double expert_params;	/* one routed expert (all its matrices) */
	double shared_params;	/* shared experts of a MoE layer (every token) */
	double dense_ffn_params;	/* FFN of a dense layer */
	uint32_t ep, tp, pp;	/* expert, tensor, pipeline parallel sizes */
	uint32_t seq;		/* tokens per sequence */
	uint32_t micro_batch;	/* sequences per micro-batch */
	uint32_t microbatches;	/* per iteration; 0 = 2 x pp */
	double act_bytes;	/* bytes per activation element (bf16: 2) */
};

/* Preset by name (case-insensitive; "deepseek-r1" = "deepseek-v3"). */
const struct sim_model *sim_model_find(const char *name);
/* Names of the presets, comma-separated, for help texts. */
const char *sim_model_names(void);

/*
 * Set one field from "name=value" (the field names of struct sim_model,
 * e.g. "ep=16", "seq=8192").  0 or -EINVAL.
 */
int sim_model_set(struct sim_model *m, const char *assignment);

/* Check the model against a cluster of @servers x 8 GPUs; NULL if fine,
 * else a static message. */
const char *sim_model_check(const struct sim_model *m, uint32_t servers);

/* Derived sizes. */
static inline uint32_t sim_region_servers(const struct sim_model *m)
{
	return m->ep * m->tp / 8;
}

static inline uint32_t sim_microbatches(const struct sim_model *m)
{
	return m->microbatches ? m->microbatches : 2 * m->pp;
}

static inline double sim_tokens(const struct sim_model *m)
{
	return (double)m->seq * m->micro_batch;
}

static inline int sim_is_moe_layer(const struct sim_model *m, uint32_t layer)
{
	return layer >= m->dense_layers;
}

void sim_model_print(const struct sim_model *m, FILE *f);

#endif /* MIXNET_SIM_MODEL_H */
