// SPDX-License-Identifier: GPL-2.0
/* MoE model presets (see sim_model.h; sources in Documentation/sim.md). */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "sim_model.h"

/* GQA attention: q and o are h x h, k and v are h x kv_dim. */
#define GQA(h, kv) (2.0 * (h) * (h) + 2.0 * (h) * (kv))
/* SwiGLU FFN: three h x ffn matrices. */
#define SWIGLU(h, ffn) (3.0 * (h) * (ffn))

static const struct sim_model presets[] = {
	{
		/* 32 layers, h 4096, 32 heads / 8 kv heads of 128, 8 experts
		 * (ffn 14336) top-2; paper: EP8 TP4 PP4 */
		.name = "mixtral-8x7b", .layers = 32, .hidden = 4096,
		.attn_params = GQA(4096, 1024), .score_dim = 32 * 256,
		.experts = 8, .topk = 2, .expert_params = SWIGLU(4096, 14336),
		.ep = 8, .tp = 4, .pp = 4,
	},
	{
		/* 56 layers, h 6144, 48 heads / 8 kv heads of 128, 8 experts
		 * (ffn 16384) top-2; paper: EP8 TP8 PP8 */
		.name = "mixtral-8x22b", .layers = 56, .hidden = 6144,
		.attn_params = GQA(6144, 1024), .score_dim = 48 * 256,
		.experts = 8, .topk = 2, .expert_params = SWIGLU(6144, 16384),
		.ep = 8, .tp = 8, .pp = 8,
	},
	{
		/* Qwen2-57B-A14B: 28 layers, h 3584, 28 heads / 4 kv heads of
		 * 128, 64 experts (ffn 2560) top-8 + a shared expert (ffn 20480);
		 * parallelism ours: EP16 TP4 PP4 (an 8-server region) */
		.name = "qwen-moe", .layers = 28, .hidden = 3584,
		.attn_params = GQA(3584, 512), .score_dim = 28 * 256,
		.experts = 64, .topk = 8, .expert_params = SWIGLU(3584, 2560),
		.shared_params = SWIGLU(3584, 20480),
		.ep = 16, .tp = 4, .pp = 4,
	},
	{
		/* DeepSeek-V3/R1: 61 layers (first 3 dense, ffn 18432), h 7168,
		 * MLA (128 heads, qk 192, v 128, q rank 1536, kv rank 512),
		 * 256 routed experts (ffn 2048) top-8 + 1 shared; paper: EP64
		 * PP16 (TP1) */
		.name = "deepseek-v3", .layers = 61, .dense_layers = 3, .hidden = 7168,
		.attn_params = 7168.0 * 1536 + 1536.0 * 128 * 192 + 7168.0 * 576 +
			       512.0 * 128 * 256 + 128.0 * 128 * 7168,
		.score_dim = 128 * (192 + 128),
		.experts = 256, .topk = 8, .expert_params = SWIGLU(7168, 2048),
		.shared_params = SWIGLU(7168, 2048), .dense_ffn_params = SWIGLU(7168, 18432),
		.ep = 64, .tp = 1, .pp = 16,
	},
	{
		/* LLaMA-MoE-3.5B (4/16): LLaMA-2 7B with its FFN split into 16
		 * experts of 688, top-4; 32 layers, h 4096, 32 heads;
		 * parallelism ours: EP16 TP4 PP2 (an 8-server region) */
		.name = "llama-moe", .layers = 32, .hidden = 4096,
		.attn_params = GQA(4096, 4096), .score_dim = 32 * 256,
		.experts = 16, .topk = 4, .expert_params = SWIGLU(4096, 688),
		.ep = 16, .tp = 4, .pp = 2,
	},
};

#define NPRESETS (sizeof(presets) / sizeof(presets[0]))

/* Every preset: 4096-token sequences, micro-batch 8, bf16 (paper). */
static struct sim_model with_defaults(const struct sim_model *p)
{
	struct sim_model m = *p;

	m.seq = 4096;
	m.micro_batch = 8;
	m.act_bytes = 2;
	return m;
}

const struct sim_model *sim_model_find(const char *name)
{
	static struct sim_model found;
	size_t i;

	if (!strcasecmp(name, "deepseek-r1") || !strcasecmp(name, "deepseek"))
		name = "deepseek-v3";
	for (i = 0; i < NPRESETS; i++)
		if (!strcasecmp(name, presets[i].name)) {
			found = with_defaults(&presets[i]);
			return &found;
		}
	return NULL;
}

const char *sim_model_names(void)
{
	return "mixtral-8x7b, mixtral-8x22b, qwen-moe, deepseek-v3 (= deepseek-r1), llama-moe";
}

enum field_type { F_U32, F_DBL };

static const struct {
	const char *name;
	size_t off;
	enum field_type type;
} fields[] = {
#define U(f) { #f, offsetof(struct sim_model, f), F_U32 }
#define D(f) { #f, offsetof(struct sim_model, f), F_DBL }
	U(layers), U(dense_layers), D(hidden), D(attn_params), D(score_dim),
	U(experts), U(topk), D(expert_params), D(shared_params), D(dense_ffn_params),
	U(ep), U(tp), U(pp), U(seq), U(micro_batch), U(microbatches), D(act_bytes),
#undef U
#undef D
};

int sim_model_set(struct sim_model *m, const char *assignment)
{
	const char *eq = strchr(assignment, '=');
	size_t i, len;

	if (!eq || eq == assignment || !eq[1])
		return -EINVAL;
	len = (size_t)(eq - assignment);
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (strlen(fields[i].name) != len || strncmp(fields[i].name, assignment, len))
			continue;
		if (fields[i].type == F_U32)
			return cli_parse_u32(eq + 1, 0, UINT32_MAX,
					     (uint32_t *)((char *)m + fields[i].off)) ? -EINVAL : 0;
		return cli_parse_double(eq + 1, 0, DBL_MAX,
					(double *)((char *)m + fields[i].off)) ? -EINVAL : 0;
	}
	return -EINVAL;
}

const char *sim_model_check(const struct sim_model *m, uint32_t servers)
{
	uint32_t region;

	if (!m->layers || !m->hidden || !m->experts || !m->topk || !m->seq || !m->micro_batch)
		return "layers, hidden, experts, topk, seq and micro_batch must be > 0";
	if (m->topk > m->experts)
		return "topk exceeds the number of experts";
	if (m->dense_layers >= m->layers)
		return "dense_layers must leave at least one MoE layer";
	if (!m->tp || 8 % m->tp)
		return "tp must divide the 8 GPUs of a server";
	if (!m->ep || m->experts % m->ep)
		return "ep must divide the number of experts";
	if ((m->ep * m->tp) % 8)
		return "ep x tp must be a multiple of 8 (a region of whole servers)";
	if (!m->pp || m->pp > m->layers)
		return "pp must be in 1..layers";
	region = sim_region_servers(m);
	if (!servers || servers % (m->pp * region))
		return "servers must be a multiple of pp x region servers (ep x tp / 8)";
	if (!(m->act_bytes > 0))
		return "act_bytes must be > 0";
	return NULL;
}

void sim_model_print(const struct sim_model *m, FILE *f)
{
	fprintf(f, "%s: %u layers (%u dense), hidden %.0f, %u experts top-%u, "
		"EP%u TP%u PP%u, seq %u, micro-batch %u, %u micro-batches\n",
		m->name, m->layers, m->dense_layers, m->hidden, m->experts, m->topk,
		m->ep, m->tp, m->pp, m->seq, m->micro_batch, sim_microbatches(m));
}
