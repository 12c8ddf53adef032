// SPDX-License-Identifier: GPL-2.0
/*
 * The training-iteration simulation (see sim_run.h).
 *
 * A "cell" is one region (EP group) in one pipeline stage: R = ep x tp / 8
 * servers that run the same 1F1B schedule in lock-step (their GPUs are
 * TP/EP peers).  Each cell interprets its schedule: per micro-batch op,
 * per layer, a few actions (compute for a duration, or an all-to-all
 * whose flows must all finish).  Pipeline neighbours exchange activations
 * and gradients as flows; when every cell of a stage is done, the stage's
 * DP all-reduce runs as ring flows; the iteration ends when every stage's
 * all-reduce has.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_net.h"
#include "sim_run.h"

enum action { ACT_ATTN, ACT_EXPERT, ACT_DENSE, ACT_A2A, ACT_A2A_T };

/* Actions of one layer: [forward][moe] */
static const enum action layer_actions[2][2][4] = {
	/* backward */
	{ { ACT_DENSE, ACT_ATTN }, { ACT_A2A, ACT_EXPERT, ACT_A2A_T, ACT_ATTN } },
	/* forward */
	{ { ACT_ATTN, ACT_DENSE }, { ACT_ATTN, ACT_A2A, ACT_EXPERT, ACT_A2A_T } },
};

enum flow_kind { FK_A2A = 1, FK_P2P = 2, FK_DP = 3 };

#define TAG(kind, id) (((uint64_t)(kind) << 56) | (id))
#define TAG_KIND(tag) ((uint32_t)((tag) >> 56))
#define TAG_ID(tag) ((tag) & ((1ULL << 56) - 1))

struct op {
	bool fwd;
	uint32_t mb;
};

enum wait { W_NONE, W_TIMER, W_A2A, W_RECV, W_DP, W_DONE };

struct delayed_flow {
	uint32_t a, b;
	double bytes;
};

struct cell {
	uint32_t id, stage, region, first_server;
	/* program counter */
	uint32_t op, k, phase;
	bool op_started;
	enum wait wait;
	/* current all-to-all */
	uint32_t pending;
	double a2a_start;
	/* demand per (layer of the stage, micro-batch): R x R and max tokens */
	double *mat;
	double *maxtok;
	double *last_fwd;	/* per layer: the last forward matrix (predict) */
	bool *have_last;
	/* optical circuits of the region */
	uint32_t *circ;		/* R x R */
	uint32_t *newc;		/* R x R scratch */
	uint8_t *hold;		/* R x R: pair waits for the switch */
	struct mixnet_xconnect *xc;
	uint32_t nxc;
	double ocs_free;	/* end of the region's last all-to-all */
	struct delayed_flow *delayed;
	uint32_t ndelayed;
	/* point-to-point inputs: per micro-batch [fwd, bwd] flows pending */
	uint32_t *recv_pending;
	uint8_t *recv_done;
	/* statistics (whole run) */
	double a2a_total, switch_wait, compute_total, reconfigs, ports_changed, skipped;
};

struct event {
	double t;
	uint64_t seq;
	uint32_t cell;
	uint8_t kind;
};

enum { EV_RESUME, EV_SWITCH };

struct stage {
	uint32_t layer_lo, layer_hi;	/* [lo, hi) */
	struct op *ops;
	uint32_t nops;
	uint32_t arrived;		/* cells at the DP barrier */
	uint32_t dp_pending;
	double dp_start, dp_total;
	bool done;
	double dense_bytes, expert_bytes;	/* per server, to all-reduce */
};

struct sim {
	const struct sim_config *cfg;
	const struct sim_model *m;
	enum fabric_kind kind;
	struct net *net;
	struct fabric fab;
	struct traffic *traffic;
	struct planner *pl;
	uint32_t *alpha;		/* R entries */
	double *eps_Bps;		/* R entries: a server's EPS bytes/s */
	struct planner_nic *nics;	/* R x alpha */
	struct mixnet_xconnect *xc_out;
	struct planner_circuit *pc_out;
	/* shape */
	uint32_t R, rps, pp, stage_servers, regions, ncells, mbs;
	struct stage *stages;
	struct cell *cells;
	/* per action durations */
	double attn_f, attn_b, dense_f, dense_b, expert_flops_per_token;
	double p2p_bytes;
	/* events */
	struct event *ev;
	size_t nev, ev_cap;
	uint64_t seq;
	double now;
	/* iteration */
	uint32_t stages_done;
	double iter_start;
	/* statistics */
	double a2a_bytes, a2a_optical_bytes, offered;
	uint64_t events;
	bool nomem;
};

void sim_config_default(struct sim_config *c)
{
	memset(c, 0, sizeof(*c));
	c->model = *sim_model_find("mixtral-8x22b");
	c->servers = 128;
	c->gbps = 400;
	c->alpha = 6;
	c->switch_s = 0.025;
	c->iterations = 1;
	c->seed = 1;
	c->gpu_flops = 400e12;
	c->nvlink_Bps = 450e9;
	c->grad_bytes = 2;
	c->tor_servers = 4;
	c->oversub = 3;
	c->reconfig = SIM_RECONFIG_PREDICT;
	traffic_default_params(&c->traffic);
}

/* ---- events ---- */

static bool ev_less(const struct event *a, const struct event *b)
{
	return a->t != b->t ? a->t < b->t : a->seq < b->seq;
}

static void ev_push(struct sim *s, double t, uint32_t cell, uint8_t kind)
{
	size_t k;

	if (s->nev == s->ev_cap) {
		size_t cap = s->ev_cap ? 2 * s->ev_cap : 256;
		struct event *ne = realloc(s->ev, cap * sizeof(*ne));

		if (!ne) {
			s->nomem = true;
			return;
		}
		s->ev = ne;
		s->ev_cap = cap;
	}
	k = s->nev++;
	s->ev[k] = (struct event){ .t = t, .seq = s->seq++, .cell = cell, .kind = kind };
	while (k) {
		size_t up = (k - 1) / 2;
		struct event tmp;

		if (!ev_less(&s->ev[k], &s->ev[up]))
			break;
		tmp = s->ev[k];
		s->ev[k] = s->ev[up];
		s->ev[up] = tmp;
		k = up;
	}
}

static struct event ev_pop(struct sim *s)
{
	struct event top = s->ev[0];
	size_t k = 0, n;

	s->ev[0] = s->ev[--s->nev];
	n = s->nev;
	for (;;) {
		size_t c = 2 * k + 1;
		struct event tmp;

		if (c >= n)
			break;
		if (c + 1 < n && ev_less(&s->ev[c + 1], &s->ev[c]))
			c++;
		if (!ev_less(&s->ev[c], &s->ev[k]))
			break;
		tmp = s->ev[k];
		s->ev[k] = s->ev[c];
		s->ev[c] = tmp;
		k = c;
	}
	return top;
}

/* ---- flows ---- */

static void add_flow(struct sim *s, double bytes, const uint32_t *path, uint32_t n, uint64_t tag)
{
	net_add_flow(s->net, s->now, bytes, path, n, tag);
	s->offered += bytes;
}

static void add_eps_flow(struct sim *s, uint32_t a, uint32_t b, double bytes, uint64_t tag)
{
	uint32_t path[NET_MAX_PATH], n = fabric_eps_path(&s->fab, a, b, path);

	add_flow(s, bytes, path, n, tag);
}

/* Flow of pair (a, b) of cell @c: over its circuit if it has one. */
static void add_pair_flow(struct sim *s, struct cell *c, uint32_t a, uint32_t b, double bytes)
{
	uint32_t R = s->R;

	s->a2a_bytes += bytes;
	if (fabric_optical(s->kind) && c->circ[a * R + b]) {
		uint32_t link = fabric_circuit(&s->fab, c->id, a, b);

		s->a2a_optical_bytes += bytes;
		add_flow(s, bytes, &link, 1, TAG(FK_A2A, c->id));
	} else {
		add_eps_flow(s, c->first_server + a, c->first_server + b, bytes, TAG(FK_A2A, c->id));
	}
	c->pending++;
}

/* ---- circuits ---- */

static void set_circuits(struct sim *s, struct cell *c, const uint32_t *circ)
{
	uint32_t R = s->R, a, b;

	for (a = 0; a < R; a++)
		for (b = 0; b < R; b++)
			if (a != b && circ[a * R + b] != c->circ[a * R + b])
				net_set_capacity(s->net, fabric_circuit(&s->fab, c->id, a, b),
						 circ[a * R + b] * s->fab.nic_Bps);
	memcpy(c->circ, circ, (size_t)R * R * sizeof(*circ));
}

/*
 * Plan the region's circuits for demand @demand as the controller does
 * (planner_run, then planner_assign_ports from the cross-connects in
 * place).  Returns the number of OCS ports whose cross-connect changes.
 */
static uint32_t plan_region(struct sim *s, struct cell *c, const double *demand,
			    struct planner_assignment *asg)
{
	struct planner_cabling cab = { .n = s->R, .alpha = s->alpha, .nics = s->nics };
	struct planner_params params = s->cfg->planner;
	int err;

	asg->xconnects = s->xc_out;
	asg->xconnects_cap = s->R * s->cfg->alpha;
	asg->circuits = s->pc_out;
	asg->circuits_cap = s->R * s->cfg->alpha / 2 + 1;
	params.prev = c->circ;	/* for spare filling: keep what is lit */
	if (params.refine) {
		params.link_Bps = s->fab.nic_Bps;
		params.eps_Bps = s->eps_Bps;
	}
	err = planner_run(s->pl, s->R, demand, s->alpha, &params, c->newc, NULL);
	if (!err)
		err = planner_assign_ports(s->pl, &cab, c->newc, c->xc, c->nxc, asg);
	if (err) {
		/* inputs are ours: only a bug gets here */
		fprintf(stderr, "mixnet-sim: planner failed: %s\n", strerror(-err));
		abort();
	}
	return asg->ports_changed;
}

/* The controller applies the plan: the OCS takes the new cross-connects. */
static void commit_plan(struct cell *c, const struct planner_assignment *asg)
{
	memcpy(c->xc, asg->xconnects, asg->nxconnects * sizeof(*c->xc));
	c->nxc = asg->nxconnects;
}

/*
 * SIM_SWITCH_GAIN: is switching worth its wait?  The new circuits serve
 * this all-to-all and the next (its transpose); compare the estimated
 * time they save with the time the switch holds the flows up.
 */
static bool worth_switching(struct sim *s, struct cell *c, const double *demand, double wait)
{
	struct planner_estimate before, after;

	if (s->cfg->switch_policy == SIM_SWITCH_ALWAYS || wait <= 0)
		return true;
	planner_estimate(s->R, demand, c->circ, s->fab.nic_Bps, s->eps_Bps, &before);
	planner_estimate(s->R, demand, c->newc, s->fab.nic_Bps, s->eps_Bps, &after);
	return 2 * (before.total_s - after.total_s) > wait;
}

/* ---- the cell program ---- */

static double *cell_mat(struct sim *s, struct cell *c, uint32_t li, uint32_t mb)
{
	return &c->mat[((size_t)li * s->mbs + mb) * s->R * s->R];
}

static void start_a2a(struct sim *s, struct cell *c, const struct op *op, uint32_t li,
		      bool transpose, bool first)
{
	struct stage *st = &s->stages[c->stage];
	uint32_t R = s->R, a, b, layer = st->layer_lo + li;
	double *M = cell_mat(s, c, li, op->mb), switch_end = -INFINITY;
	bool delayed_any = false;

	c->a2a_start = s->now;
	c->pending = 0;
	c->ndelayed = 0;
	if (op->fwd && first) {
		c->maxtok[li * s->mbs + op->mb] = traffic_matrix(s->traffic, c->id, layer, op->mb,
								 M, NULL);
	}
	if (s->kind == FABRIC_MIXNET && first) {
		bool predicted = op->fwd && s->cfg->reconfig == SIM_RECONFIG_PREDICT && c->have_last[li];
		const double *demand = predicted ? &c->last_fwd[(size_t)li * R * R] : M;
		/* the matrix is known at the gate (forward, not predicted) or since
		 * the forward pass (backward): switching may start then */
		double known = op->fwd && !predicted ? s->now : c->ocs_free;
		struct planner_assignment asg;
		uint32_t changed;

		changed = plan_region(s, c, demand, &asg);
		if (changed) {
			switch_end = (known > c->ocs_free ? known : c->ocs_free) + s->cfg->switch_s;
			if (worth_switching(s, c, demand, switch_end - s->now)) {
				commit_plan(c, &asg);
				c->reconfigs++;
				c->ports_changed += changed;
			} else {
				/* keep the circuits in place */
				memcpy(c->newc, c->circ, (size_t)R * R * sizeof(*c->newc));
				switch_end = -INFINITY;
				c->skipped++;
			}
		}
		/* which pairs must wait: circuits changed (or all, paper-style) */
		for (a = 0; a < R; a++)
			for (b = 0; b < R; b++) {
				uint32_t nc = c->newc[a * R + b];

				c->hold[a * R + b] = nc && switch_end > s->now &&
						     (s->cfg->pause_all || nc != c->circ[a * R + b]);
			}
		set_circuits(s, c, c->newc);
	}
	if (op->fwd && first) {
		memcpy(&c->last_fwd[(size_t)li * R * R], M, (size_t)R * R * sizeof(*M));
		c->have_last[li] = true;
	}
	for (a = 0; a < R; a++) {
		for (b = 0; b < R; b++) {
			double bytes = transpose ? M[b * R + a] : M[a * R + b];

			if (a == b || bytes <= 0)
				continue;
			if (s->kind == FABRIC_MIXNET && first && c->hold[a * R + b]) {
				/* counted now, started when the switch is done */
				c->delayed[c->ndelayed++] = (struct delayed_flow){ a, b, bytes };
				c->pending++;
				delayed_any = true;
				continue;
			}
			add_pair_flow(s, c, a, b, bytes);
		}
	}
	if (delayed_any) {
		c->switch_wait += switch_end - s->now;
		ev_push(s, switch_end, c->id, EV_SWITCH);
	}
}

static void switch_done(struct sim *s, struct cell *c)
{
	uint32_t k;

	for (k = 0; k < c->ndelayed; k++) {
		c->pending--;	/* add_pair_flow counts it again */
		add_pair_flow(s, c, c->delayed[k].a, c->delayed[k].b, c->delayed[k].bytes);
	}
	c->ndelayed = 0;
}

static void send_p2p(struct sim *s, struct cell *c, const struct op *op)
{
	uint32_t to_stage = op->fwd ? c->stage + 1 : c->stage - 1;
	struct cell *dst = &s->cells[to_stage * s->regions + c->region];
	uint32_t k, dir = op->fwd ? 0 : 1;
	size_t slot = (size_t)op->mb * 2 + dir;

	dst->recv_pending[slot] = s->R;
	for (k = 0; k < s->R; k++)
		add_eps_flow(s, c->first_server + k, dst->first_server + k, s->p2p_bytes,
			     TAG(FK_P2P, (uint64_t)dst->id * s->mbs * 2 + slot));
}

static void dp_start(struct sim *s, uint32_t stage);

static void cell_run(struct sim *s, struct cell *c)
{
	struct stage *st = &s->stages[c->stage];
	uint32_t nl = st->layer_hi - st->layer_lo;

	c->wait = W_NONE;
	for (;;) {
		const struct op *op;
		uint32_t li, layer, nacts;
		enum action act;
		bool moe;
		double dt = 0;

		if (c->op >= st->nops) {
			c->wait = W_DP;
			if (++st->arrived == s->regions)
				dp_start(s, c->stage);
			return;
		}
		op = &st->ops[c->op];
		if (!c->op_started) {
			bool need = op->fwd ? c->stage > 0 : c->stage + 1 < s->pp;
			size_t slot = (size_t)op->mb * 2 + (op->fwd ? 0 : 1);

			if (need && !c->recv_done[slot]) {
				c->wait = W_RECV;
				return;
			}
			c->op_started = true;
		}
		if (c->k == nl) {
			if (op->fwd ? c->stage + 1 < s->pp : c->stage > 0)
				send_p2p(s, c, op);
			c->op++;
			c->k = 0;
			c->phase = 0;
			c->op_started = false;
			continue;
		}
		li = op->fwd ? c->k : nl - 1 - c->k;
		layer = st->layer_lo + li;
		moe = sim_is_moe_layer(s->m, layer);
		nacts = moe ? 4 : 2;
		if (c->phase == nacts) {
			c->k++;
			c->phase = 0;
			continue;
		}
		act = layer_actions[op->fwd][moe][c->phase++];
		switch (act) {
		case ACT_ATTN:
			dt = op->fwd ? s->attn_f : s->attn_b;
			break;
		case ACT_DENSE:
			dt = op->fwd ? s->dense_f : s->dense_b;
			break;
		case ACT_EXPERT:
			dt = c->maxtok[li * s->mbs + op->mb] * s->expert_flops_per_token *
			     (op->fwd ? 1 : 2) / (s->m->tp * s->cfg->gpu_flops);
			break;
		case ACT_A2A:
		case ACT_A2A_T:
			/* forward: dispatch M, combine M^T; backward: M, then M^T */
			start_a2a(s, c, op, li, act == ACT_A2A_T, act == ACT_A2A);
			if (c->pending) {
				c->wait = W_A2A;
				return;
			}
			c->ocs_free = s->now;
			continue;
		}
		if (dt > 0) {
			c->compute_total += dt;
			c->wait = W_TIMER;
			ev_push(s, s->now + dt, c->id, EV_RESUME);
			return;
		}
	}
}

/* ---- DP all-reduce ---- */

static void ring(struct sim *s, uint32_t stage, const uint32_t *servers, uint32_t n, double bytes)
{
	struct stage *st = &s->stages[stage];
	uint32_t k;

	if (n < 2 || bytes <= 0)
		return;
	for (k = 0; k < n; k++) {
		add_eps_flow(s, servers[k], servers[(k + 1) % n], 2.0 * (n - 1) / n * bytes,
			     TAG(FK_DP, stage));
		st->dp_pending++;
	}
}

static void stage_done(struct sim *s, uint32_t stage)
{
	struct stage *st = &s->stages[stage];

	st->done = true;
	st->dp_total += s->now - st->dp_start;
	s->stages_done++;
}

static void dp_start(struct sim *s, uint32_t stage)
{
	struct stage *st = &s->stages[stage];
	uint32_t servers[4096], k, r, n;
	uint32_t first = stage * s->stage_servers;

	st->dp_start = s->now;
	st->dp_pending = 0;
	/* non-expert weights: one ring over the stage's servers (after the
	 * intra-server reduction over NVSwitch) */
	for (k = 0, n = 0; k < s->stage_servers && n < 4096; k++)
		servers[n++] = first + k;
	ring(s, stage, servers, n, st->dense_bytes);
	/* experts: a ring per server position across the stage's regions */
	for (k = 0; k < s->R; k++) {
		for (r = 0, n = 0; r < s->regions && n < 4096; r++)
			servers[n++] = first + r * s->R + k;
		ring(s, stage, servers, n, st->expert_bytes);
	}
	if (!st->dp_pending)
		stage_done(s, stage);
}

/* ---- completions ---- */

static void on_flow_done(void *user, uint32_t flow, uint64_t tag, double t)
{
	struct sim *s = user;
	uint64_t id = TAG_ID(tag);

	(void)flow;
	s->now = t;
	switch (TAG_KIND(tag)) {
	case FK_A2A: {
		struct cell *c = &s->cells[id];

		if (--c->pending == 0) {
			c->a2a_total += t - c->a2a_start;
			c->ocs_free = t;
			ev_push(s, t, c->id, EV_RESUME);
		}
		break;
	}
	case FK_P2P: {
		struct cell *c = &s->cells[id / (s->mbs * 2)];
		size_t slot = id % (s->mbs * 2);

		if (--c->recv_pending[slot] == 0) {
			c->recv_done[slot] = 1;
			if (c->wait == W_RECV)
				ev_push(s, t, c->id, EV_RESUME);
		}
		break;
	}
	case FK_DP:
		if (--s->stages[id].dp_pending == 0)
			stage_done(s, (uint32_t)id);
		break;
	}
}

/* ---- setup ---- */

static void build_schedules(struct sim *s)
{
	uint32_t st, i, L = s->m->layers;

	for (st = 0; st < s->pp; st++) {
		struct stage *g = &s->stages[st];
		uint32_t warm = s->pp - st - 1, n = 0, l;
		double dense = 0, expert = 0;

		if (warm > s->mbs)
			warm = s->mbs;
		g->layer_lo = (uint32_t)((uint64_t)st * L / s->pp);
		g->layer_hi = (uint32_t)((uint64_t)(st + 1) * L / s->pp);
		for (i = 0; i < warm; i++)
			g->ops[n++] = (struct op){ .fwd = true, .mb = i };
		for (i = 0; i < s->mbs - warm; i++) {
			g->ops[n++] = (struct op){ .fwd = true, .mb = warm + i };
			g->ops[n++] = (struct op){ .fwd = false, .mb = i };
		}
		for (i = s->mbs - warm; i < s->mbs; i++)
			g->ops[n++] = (struct op){ .fwd = false, .mb = i };
		g->nops = n;
		for (l = g->layer_lo; l < g->layer_hi; l++) {
			dense += s->m->attn_params;
			if (sim_is_moe_layer(s->m, l)) {
				dense += s->m->shared_params;
				expert += s->m->expert_params;
			} else {
				dense += s->m->dense_ffn_params;
			}
		}
		g->dense_bytes = dense * s->cfg->grad_bytes;
		/* a server holds the experts of its 8 / tp EP ranks */
		g->expert_bytes = expert * s->rps * (s->m->experts / s->m->ep) * s->cfg->grad_bytes;
	}
}

static void compute_durations(struct sim *s)
{
	const struct sim_model *m = s->m;
	double T = sim_tokens(m), F = s->cfg->gpu_flops, tp = m->tp, tp_comm = 0;

	if (m->tp > 1)	/* 2 all-reduce equivalents per layer and pass (NVSwitch) */
		tp_comm = 2 * 2 * (tp - 1) / tp * T * m->hidden * m->act_bytes / s->cfg->nvlink_Bps;
	s->attn_f = T * (2 * m->attn_params + (double)m->seq * m->score_dim +
			 2 * m->shared_params) / (tp * F) + tp_comm;
	s->attn_b = 2 * (s->attn_f - tp_comm) + tp_comm;
	s->dense_f = T * 2 * m->dense_ffn_params / (tp * F);
	s->dense_b = 2 * s->dense_f;
	s->expert_flops_per_token = 2 * m->expert_params;
	s->p2p_bytes = s->rps * T * m->hidden * m->act_bytes;
}

static void sim_free(struct sim *s)
{
	uint32_t i;

	if (s->cells)
		for (i = 0; i < s->ncells; i++) {
			struct cell *c = &s->cells[i];

			free(c->mat);
			free(c->maxtok);
			free(c->last_fwd);
			free(c->have_last);
			free(c->circ);
			free(c->newc);
			free(c->hold);
			free(c->xc);
			free(c->delayed);
			free(c->recv_pending);
			free(c->recv_done);
		}
	free(s->cells);
	if (s->stages)
		for (i = 0; i < s->pp; i++)
			free(s->stages[i].ops);
	free(s->stages);
	free(s->ev);
	free(s->alpha);
	free(s->eps_Bps);
	free(s->nics);
	free(s->xc_out);
	free(s->pc_out);
	planner_free(s->pl);
	traffic_free(s->traffic);
	fabric_free(&s->fab);
	net_free(s->net);
}

/*
 * Circuits planned on the region's average demand of a profiling pass (the
 * first iteration's matrices): static-ocs (TopoOpt-like) keeps them for
 * the job, mixnet starts from them.
 */
static void plan_static(struct sim *s, struct cell *c)
{
	struct stage *st = &s->stages[c->stage];
	uint32_t R = s->R, l, mb, x;
	double *avg = calloc((size_t)R * R, sizeof(double));
	double *tmp = malloc((size_t)R * R * sizeof(double));

	if (!avg || !tmp) {
		s->nomem = true;
		free(avg);
		free(tmp);
		return;
	}
	for (l = st->layer_lo; l < st->layer_hi; l++) {
		if (!sim_is_moe_layer(s->m, l))
			continue;
		for (mb = 0; mb < s->mbs; mb++) {
			traffic_matrix(s->traffic, c->id, l, mb, tmp, NULL);
			for (x = 0; x < R * R; x++)
				avg[x] += tmp[x];
		}
	}
	{
		struct planner_assignment asg;

		plan_region(s, c, avg, &asg);
		commit_plan(c, &asg);
	}
	set_circuits(s, c, c->newc);
	free(avg);
	free(tmp);
}

static int sim_setup(struct sim *s, char *err, size_t errlen)
{
	const struct sim_config *cfg = s->cfg;
	uint32_t i, nl_max = 0, R;
	int ret;

	R = s->R = sim_region_servers(s->m);
	s->rps = 8 / s->m->tp;
	s->pp = s->m->pp;
	s->stage_servers = cfg->servers / s->pp;
	s->regions = s->stage_servers / R;
	s->ncells = s->pp * s->regions;
	s->mbs = sim_microbatches(s->m);
	if (s->stage_servers > 4096) {
		snprintf(err, errlen, "at most 4096 servers per pipeline stage");
		return -EINVAL;
	}
	s->net = net_new(on_flow_done, s);
	if (!s->net)
		return -ENOMEM;
	net_set_global(s->net, cfg->global_maxmin);
	ret = fabric_build(&s->fab, s->net, s->kind, cfg->servers, R, cfg->gbps, cfg->alpha,
			   cfg->tor_servers, cfg->oversub);
	if (ret) {
		snprintf(err, errlen, "cannot build fabric %s", fabric_name(s->kind));
		return ret;
	}
	s->traffic = traffic_new(s->m, &cfg->traffic, cfg->seed);
	s->stages = calloc(s->pp, sizeof(*s->stages));
	s->cells = calloc(s->ncells, sizeof(*s->cells));
	if (!s->traffic || !s->stages || !s->cells)
		return -ENOMEM;
	for (i = 0; i < s->pp; i++) {
		s->stages[i].ops = calloc(2 * s->mbs, sizeof(struct op));
		if (!s->stages[i].ops)
			return -ENOMEM;
	}
	build_schedules(s);
	compute_durations(s);
	for (i = 0; i < s->pp; i++)
		if (s->stages[i].layer_hi - s->stages[i].layer_lo > nl_max)
			nl_max = s->stages[i].layer_hi - s->stages[i].layer_lo;
	if (fabric_optical(s->kind)) {
		s->pl = planner_new(R, cfg->alpha ? cfg->alpha : 1);
		s->alpha = calloc(R, sizeof(uint32_t));
		s->eps_Bps = calloc(R, sizeof(double));
		s->nics = calloc((size_t)R * (cfg->alpha ? cfg->alpha : 1), sizeof(*s->nics));
		s->xc_out = calloc((size_t)R * cfg->alpha + 1, sizeof(*s->xc_out));
		s->pc_out = calloc((size_t)R * cfg->alpha / 2 + 1, sizeof(*s->pc_out));
		if (!s->pl || !s->alpha || !s->eps_Bps || !s->nics || !s->xc_out || !s->pc_out)
			return -ENOMEM;
		for (i = 0; i < R; i++) {
			uint32_t k;

			s->alpha[i] = cfg->alpha;
			s->eps_Bps[i] = (8 - cfg->alpha) * s->fab.nic_Bps;
			/* the region's slice of the OCS: NIC k of server i on port
			 * i * alpha + k; NICs split over two NUMA nodes */
			for (k = 0; k < cfg->alpha; k++)
				s->nics[i * cfg->alpha + k] = (struct planner_nic){
					.tx = i * cfg->alpha + k, .rx = i * cfg->alpha + k,
					.group = 2 * k / cfg->alpha,
				};
		}
	}
	for (i = 0; i < s->ncells; i++) {
		struct cell *c = &s->cells[i];

		c->id = i;
		c->stage = i / s->regions;
		c->region = i % s->regions;
		c->first_server = c->stage * s->stage_servers + c->region * R;
		c->mat = calloc((size_t)nl_max * s->mbs * R * R, sizeof(double));
		c->maxtok = calloc((size_t)nl_max * s->mbs, sizeof(double));
		c->last_fwd = calloc((size_t)nl_max * R * R, sizeof(double));
		c->have_last = calloc(nl_max, sizeof(bool));
		c->circ = calloc((size_t)R * R, sizeof(uint32_t));
		c->newc = calloc((size_t)R * R, sizeof(uint32_t));
		c->hold = calloc((size_t)R * R, 1);
		c->xc = calloc((size_t)R * cfg->alpha + 1, sizeof(*c->xc));
		c->delayed = calloc((size_t)R * R, sizeof(*c->delayed));
		c->recv_pending = calloc((size_t)s->mbs * 2, sizeof(uint32_t));
		c->recv_done = calloc((size_t)s->mbs * 2, 1);
		if (!c->mat || !c->maxtok || !c->last_fwd || !c->have_last || !c->circ ||
		    !c->newc || !c->hold || !c->xc || !c->delayed || !c->recv_pending || !c->recv_done)
			return -ENOMEM;
		/* static-ocs for the whole job; mixnet before training starts
		 * (the controller sets the OCS up for the job's profile) */
		if (fabric_optical(s->kind))
			plan_static(s, c);
	}
	return s->nomem ? -ENOMEM : 0;
}

static void start_iteration(struct sim *s)
{
	uint32_t i;

	s->iter_start = s->now;
	s->stages_done = 0;
	for (i = 0; i < s->pp; i++) {
		s->stages[i].arrived = 0;
		s->stages[i].done = false;
	}
	for (i = 0; i < s->ncells; i++) {
		struct cell *c = &s->cells[i];

		c->op = c->k = c->phase = 0;
		c->op_started = false;
		memset(c->recv_done, 0, (size_t)s->mbs * 2);
		ev_push(s, s->now, c->id, EV_RESUME);
	}
}

int sim_run(const struct sim_config *cfg, enum fabric_kind kind, struct sim_result *res,
	    char *err, size_t errlen)
{
	struct sim s = { .cfg = cfg, .m = &cfg->model, .kind = kind };
	const char *why = sim_model_check(&cfg->model, cfg->servers);
	struct net_stats ns;
	double total_iter = 0, a2a = 0, wait = 0, comp = 0, reconf = 0, ports = 0, dp = 0, skip = 0;
	uint32_t it, i;
	int ret;

	memset(res, 0, sizeof(*res));
	if (why) {
		snprintf(err, errlen, "%s", why);
		return -EINVAL;
	}
	if (kind >= FABRIC_COUNT || !cfg->gbps || !cfg->iterations || !(cfg->gpu_flops > 0) ||
	    !(cfg->nvlink_Bps > 0) || !(cfg->switch_s >= 0) || !(cfg->grad_bytes >= 0)) {
		snprintf(err, errlen, "bad configuration");
		return -EINVAL;
	}
	if (fabric_optical(kind) && (cfg->alpha < 1 || cfg->alpha > 7 ||
				     cfg->alpha > PLANNER_MAX_ALPHA)) {
		snprintf(err, errlen, "alpha must be 1..7 (the EPS keeps at least one NIC)");
		return -EINVAL;
	}
	ret = sim_setup(&s, err, errlen);
	if (ret) {
		if (ret == -ENOMEM)
			snprintf(err, errlen, "out of memory");
		sim_free(&s);
		return ret;
	}
	for (it = 0; it < cfg->iterations; it++) {
		if (it)
			traffic_next_iteration(s.traffic);
		start_iteration(&s);
		while (s.stages_done < s.pp && !s.nomem) {
			double tn = net_next_time(s.net);
			double te = s.nev ? s.ev[0].t : INFINITY;

			if (isinf(tn) && isinf(te)) {
				snprintf(err, errlen, "simulation stalled at %.6f s", s.now);
				sim_free(&s);
				return -EDEADLK;
			}
			s.events++;
			if (tn <= te) {
				s.now = tn;
				net_advance(s.net, tn);
			} else {
				struct event e = ev_pop(&s);
				struct cell *c = &s.cells[e.cell];

				s.now = e.t;
				if (e.kind == EV_SWITCH)
					switch_done(&s, c);
				else
					cell_run(&s, c);
			}
		}
		if (s.nomem) {
			snprintf(err, errlen, "out of memory");
			sim_free(&s);
			return -ENOMEM;
		}
		total_iter += s.now - s.iter_start;
	}
	for (i = 0; i < s.ncells; i++) {
		a2a += s.cells[i].a2a_total;
		wait += s.cells[i].switch_wait;
		comp += s.cells[i].compute_total;
		reconf += s.cells[i].reconfigs;
		ports += s.cells[i].ports_changed;
		skip += s.cells[i].skipped;
	}
	for (i = 0; i < s.pp; i++)
		dp += s.stages[i].dp_total;
	net_stats(s.net, &ns);
	res->iteration_s = total_iter / cfg->iterations;
	res->a2a_s = a2a / s.ncells / cfg->iterations;
	res->switch_wait_s = wait / s.ncells / cfg->iterations;
	res->compute_s = comp / s.ncells / cfg->iterations;
	res->dp_s = dp / s.pp / cfg->iterations;
	res->reconfigs = reconf / s.ncells / cfg->iterations;
	res->ports_changed = reconf ? ports / reconf : 0;
	res->skipped = skip / s.ncells / cfg->iterations;
	res->optical_fraction = s.a2a_bytes > 0 ? s.a2a_optical_bytes / s.a2a_bytes : 0;
	res->flows = ns.flows;
	res->recomputes = ns.recomputes;
	res->recompute_flows = ns.recompute_flows;
	res->events = s.events;
	res->offered_bytes = s.offered;
	res->delivered_bytes = ns.delivered;
	res->max_link_excess = ns.max_link_excess;
	sim_free(&s);
	return 0;
}
