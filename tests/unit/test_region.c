// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: the controller and host-agent state machines
 * (agent/controller.c, agent/host_agent.c) in a simulated region.
 *
 * Fakes stand in for the kernel parts: an OCS with generations, dark
 * ports while switching and SWITCH_DONE events; a fabric per host whose
 * discovery follows the fake OCS's cross-connects (and optional
 * miswiring), recording every route it is told; a small greedy planner
 * that keeps established circuits; samplers returning rows the test sets.
 * Every message between controller and hosts goes through the real codec.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/check_run.h"
#include "agent_fixture.h"
#include "config.h"
#include "controller.h"
#include "host_agent.h"
#include "log.h"
#include "proto.h"

#define MAXH 8
#define MAXA 4
#define MS 1000000ull
#define NPORTS 64

struct frame {
	int to;			/* -1: controller */
	int from;
	void *buf;
	size_t len;
};

struct removal {
	int host, peer, nic;
};

struct world;

struct fab {
	struct world *w;
	int h;
	uint32_t mask[MAXH];		/* optical NICs per peer, as routed */
	bool electrical_set[MAXH];
	int set_calls;
	int fail_next;			/* errno to fail the next set_route with */
	int fail_read;			/* errno to fail read_paths with */
};

struct world {
	char dir[64];
	struct config *cfg;
	uint32_t n, alpha;
	uint64_t now;
	struct controller *ctl;
	struct host_agent *ha[MAXH];
	bool up[MAXH];

	struct frame q[4096];
	int qh, qt;

	/* fake OCS */
	int32_t xc[NPORTS];		/* tx -> rx, -1 */
	uint64_t gen;
	bool switching;
	uint8_t dark[NPORTS];
	int busy;			/* EBUSY for this many applies */
	bool sync;			/* no event fd */
	bool swallow_done;		/* lose the done event */
	struct mixnet_ocs_event ev[32];
	int nev;
	int applies;
	uint64_t last_expected;

	/* fake fabric */
	struct fab fab[MAXH];
	int32_t wire_rx[MAXH * MAXA];	/* port a NIC actually receives on */
	struct removal removed[256];
	int nremoved;

	uint64_t rows[MAXH][MAXH];
	int sampler_calls[MAXH];

	char log[64][256];
	int nlog;
};

static struct world *W;

static void sink(void *priv, int level, const char *line)
{
	struct world *w = priv;

	(void)level;
	/* A ring of the last 64 lines. */
	snprintf(w->log[w->nlog++ % 64], sizeof(w->log[0]), "%s", line);
}

static const char *find_log(struct world *w, const char *needle)
{
	int i;

	for (i = w->nlog - 1; i >= 0 && i >= w->nlog - 64; i--)
		if (strstr(w->log[i % 64], needle))
			return w->log[i % 64];
	return NULL;
}

static int gn(struct world *w, uint32_t h, uint32_t k)
{
	return (int)(h * w->alpha + k);
}

/* ---- fake OCS ------------------------------------------------------------------------ */

static int ocs_get(void *priv, struct mixnet_xconnect **xc, uint32_t *n, uint64_t *gen)
{
	struct world *w = priv;
	uint32_t i, k = 0;

	*xc = calloc(NPORTS, sizeof(**xc));
	for (i = 0; i < NPORTS; i++)
		if (w->xc[i] >= 0)
			(*xc)[k++] = (struct mixnet_xconnect){ i, (uint32_t)w->xc[i] };
	*n = k;
	*gen = w->gen;
	return 0;
}

static int ocs_apply(void *priv, const struct mixnet_xconnect *xc, uint32_t n, uint64_t expected,
		     uint64_t *gen, uint32_t *changed)
{
	struct world *w = priv;
	int32_t next[NPORTS];
	uint8_t rxused[NPORTS] = { 0 };
	uint32_t i, ch = 0;

	w->applies++;
	w->last_expected = expected;
	if (w->busy) {
		w->busy--;
		return -EBUSY;
	}
	if (expected != w->gen)
		return -ESTALE;
	for (i = 0; i < NPORTS; i++)
		next[i] = -1;
	for (i = 0; i < n; i++) {
		ck_assert_uint_lt(xc[i].tx, NPORTS);
		ck_assert_uint_lt(xc[i].rx, NPORTS);
		ck_assert_int_eq(next[xc[i].tx], -1);	/* every port once */
		ck_assert_int_eq(rxused[xc[i].rx]++, 0);
		next[xc[i].tx] = (int32_t)xc[i].rx;
	}
	memset(w->dark, 0, sizeof(w->dark));
	for (i = 0; i < NPORTS; i++)
		if (next[i] != w->xc[i]) {
			ch++;
			w->dark[i] = 1;
			if (w->xc[i] >= 0)
				w->dark[w->xc[i]] = 1;
			if (next[i] >= 0)
				w->dark[next[i]] = 1;
		}
	memcpy(w->xc, next, sizeof(next));
	if (ch) {
		w->gen++;
		w->switching = !w->sync;
		w->ev[w->nev++] = (struct mixnet_ocs_event){ .type = MIXNET_OCS_EV_SWITCH_START,
							     .generation = w->gen };
	}
	*gen = w->gen;
	*changed = ch;
	return 0;
}

static int ocs_event_fd(void *priv)
{
	return ((struct world *)priv)->sync ? -1 : 1000;
}

static int ocs_read_event(void *priv, struct mixnet_ocs_event *ev)
{
	struct world *w = priv;

	if (!w->nev)
		return 0;
	*ev = w->ev[0];
	memmove(w->ev, w->ev + 1, --w->nev * sizeof(*ev));
	return 1;
}

static int ocs_state(void *priv, bool *switching, uint64_t *gen)
{
	struct world *w = priv;

	*switching = w->switching;
	*gen = w->gen;
	return 0;
}

/* ---- fake planner: greedy by demand/circuits, keeps established circuits -------- */

static int pl_plan(void *priv, const struct plan_request *rq, struct plan_circuit *out,
		   uint32_t *nout)
{
	struct world *w = priv;
	uint32_t n = rq->n, i, j, k, want[MAXH][MAXH] = { { 0 } }, free_[MAXH], nc = 0;
	int used[MAXH * MAXA];
	double d[MAXH][MAXH];

	for (i = 0; i < n; i++) {
		free_[i] = rq->alpha[i];
		for (j = 0; j < n; j++)
			d[i][j] = rq->demand[i * n + j] + rq->demand[j * n + i];
	}
	/* Algorithm 1, stop-free variant: repeatedly the pair with the largest d/c. */
	for (;;) {
		double best = 0;
		int bi = -1, bj = -1, best_class = -1;

		/* Pairs without a circuit first (T infinite), larger demand first. */
		for (i = 0; i < n; i++)
			for (j = i + 1; j < n; j++) {
				int cl = !want[i][j];
				double t = cl ? d[i][j] : d[i][j] / want[i][j];

				if (d[i][j] <= 0 || !free_[i] || !free_[j])
					continue;
				if (cl > best_class || (cl == best_class && t > best)) {
					best = t;
					best_class = cl;
					bi = (int)i;
					bj = (int)j;
				}
			}
		if (bi < 0)
			break;
		want[bi][bj]++;
		free_[bi]--;
		free_[bj]--;
	}
	/* Keep established circuits the plan still wants. */
	memset(used, 0, sizeof(used));
	for (k = 0; k < rq->ncur; k++) {
		uint32_t x = rq->cur[k].tx / w->alpha, xn = rq->cur[k].tx % w->alpha;
		uint32_t y = rq->cur[k].rx / w->alpha, yn = rq->cur[k].rx % w->alpha;
		uint32_t a = x < y ? x : y, b = x < y ? y : x;

		if (x >= y || !want[a][b])
			continue;	/* each circuit once (from its lower host) */
		want[a][b]--;
		used[gn(w, x, xn)] = used[gn(w, y, yn)] = 1;
		out[nc++] = (struct plan_circuit){ x, xn, y, yn };
	}
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			while (want[i][j]--) {
				uint32_t a = 0, b = 0;

				while (used[gn(w, i, a)])
					a++;
				while (used[gn(w, j, b)])
					b++;
				used[gn(w, i, a)] = used[gn(w, j, b)] = 1;
				out[nc++] = (struct plan_circuit){ i, a, j, b };
			}
	*nout = nc;
	return 0;
}

/* Bottleneck: max over pairs of demand / (circuits + 0.25 for the EPS share). */
static double pl_estimate(void *priv, uint32_t n, const double *demand, const uint32_t *circuits)
{
	double worst = 0;
	uint32_t i, j;

	(void)priv;
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++) {
			double t = (demand[i * n + j] + demand[j * n + i]) /
				   (circuits[i * n + j] + 0.25);

			if (t > worst)
				worst = t;
		}
	return worst;
}

/* ---- fake fabric, discovery follows the fake OCS ------------------------------------ */

static int fab_set_route(void *priv, const struct fabric_route *r)
{
	struct fab *f = priv;
	struct world *w = f->w;
	int peer = config_host_by_fabric(w->cfg, &r->peer), k;
	uint32_t mask = 0, i;

	ck_assert_int_ge(peer, 0);
	ck_assert_int_ne(peer, f->h);
	ck_assert_str_eq(r->electrical, "e0");
	ck_assert_mem_eq(r->nexthop, w->cfg->hosts[peer].electrical_nexthop, 6);
	f->set_calls++;
	if (f->fail_next) {
		int e = f->fail_next;

		f->fail_next = 0;
		return -e;
	}
	for (i = 0; i < r->noptical; i++) {
		k = config_nic_index(w->cfg, (uint32_t)f->h, r->optical[i]);
		ck_assert_int_ge(k, 0);
		mask |= 1u << k;
	}
	for (k = 0; k < (int)w->alpha; k++)
		if ((f->mask[peer] & (1u << k)) && !(mask & (1u << k)) && w->nremoved < 256)
			w->removed[w->nremoved++] = (struct removal){ f->h, peer, k };
	f->mask[peer] = mask;
	f->electrical_set[peer] = true;
	return 0;
}

static int fab_read_lowers(void *priv, struct fabric_lower *out, uint32_t max)
{
	struct fab *f = priv;
	struct world *w = f->w;
	uint32_t k, t;

	ck_assert_uint_ge(max, w->alpha + 1);
	for (k = 0; k < w->alpha; k++) {
		int32_t rx = w->wire_rx[gn(w, (uint32_t)f->h, k)];
		struct fabric_lower *l = &out[k];

		memset(l, 0, sizeof(*l));
		snprintf(l->ifname, sizeof(l->ifname), "o%u", k);
		l->optical = true;
		for (t = 0; t < NPORTS; t++) {
			if (w->xc[t] != rx)
				continue;
			/* Light arrives unless the ports are dark in a switch. */
			if (w->switching && (w->dark[t] || w->dark[rx]))
				break;
			l->carrier = true;
			/* The sender's NIC: port t belongs to host t / alpha (tx = port). */
			l->peer = w->cfg->hosts[t / w->alpha].fabric;
			break;
		}
	}
	memset(&out[w->alpha], 0, sizeof(out[0]));
	snprintf(out[w->alpha].ifname, IF_NAMESIZE, "e0");
	out[w->alpha].carrier = true;
	return (int)w->alpha + 1;
}

static int fab_read_paths(void *priv, struct fabric_path *out, uint32_t max)
{
	struct fab *f = priv;
	struct world *w = f->w;
	uint32_t p, k, n = 0;

	if (f->fail_read)
		return -f->fail_read;
	for (p = 0; p < w->n; p++)
		for (k = 0; k < w->alpha; k++)
			if ((f->mask[p] & (1u << k)) && n < max) {
				snprintf(out[n].ifname, IF_NAMESIZE, "o%u", k);
				out[n++].peer = w->cfg->hosts[p].fabric;
			}
	return (int)n;
}

static int fab_event_fd(void *priv)
{
	(void)priv;
	return -1;
}

static int samp_read(void *priv, uint64_t *bytes, uint32_t n)
{
	struct fab *f = priv;

	f->w->sampler_calls[f->h]++;
	memcpy(bytes, f->w->rows[f->h], n * sizeof(*bytes));
	return 0;
}

/* ---- messaging through the codec ------------------------------------------------------ */

static void push(struct world *w, int to, int from, const struct mnp_msg *m)
{
	struct mnp_err err;
	void *buf;
	size_t len;
	int rc = mnp_encode(m, &buf, &len, &err);

	ck_assert_msg(rc == 0, "encode %s: %s", mnp_type_name(m->type), err.msg);
	ck_assert_int_lt(w->qt, 4096);
	w->q[w->qt++] = (struct frame){ to, from, buf, len };
}

static int ctl_send(void *priv, uint32_t h, const struct mnp_msg *m)
{
	struct world *w = priv;

	if (!w->up[h])
		return -EHOSTUNREACH;
	push(w, (int)h, -1, m);
	return 0;
}

static int host_send(void *priv, const struct mnp_msg *m)
{
	struct fab *f = priv;

	if (!f->w->up[f->h])
		return -EAGAIN;
	push(f->w, -1, f->h, m);
	return 0;
}

/* Lose every queued frame (what a host sent is not delivered). */
static void drop_queue(struct world *w)
{
	while (w->qh < w->qt)
		free(w->q[w->qh++].buf);
	w->qh = w->qt = 0;
}

static int deliver(struct world *w)
{
	int n = 0;

	while (w->qh < w->qt) {
		struct frame fr = w->q[w->qh++];
		struct mnp_msg m;
		struct mnp_err err;

		ck_assert_int_eq(mnp_decode(fr.buf, fr.len, &m, &err), 0);
		free(fr.buf);
		n++;
		if (fr.to < 0) {
			if (w->up[fr.from])
				controller_recv(w->ctl, (uint32_t)fr.from, &m, w->now);
		} else if (w->up[fr.to] && w->ha[fr.to]) {
			host_agent_recv(w->ha[fr.to], &m, w->now);
		}
		mnp_msg_free(&m);
	}
	w->qh = w->qt = 0;
	return n;
}

static const struct ocs_backend fake_ocs = {
	.get = ocs_get, .apply = ocs_apply, .event_fd = ocs_event_fd,
	.read_event = ocs_read_event, .state = ocs_state,
};
static const struct planner_backend fake_planner = { .plan = pl_plan, .estimate = pl_estimate };

static struct planner_backend *real_planner;	/* set by tests using agent/planner.c */

static void new_controller(struct world *w)
{
	struct ocs_backend o = fake_ocs;
	struct planner_backend p = real_planner ? *real_planner : fake_planner;
	struct ctl_ops ops = { .priv = w, .send = ctl_send };

	o.priv = w;
	if (!real_planner)
		p.priv = w;
	w->ctl = controller_new(w->cfg, &o, &p, &ops, 1000 + w->now);
	ck_assert_ptr_nonnull(w->ctl);
	ck_assert_int_eq(controller_start(w->ctl, w->now), 0);
}

static void new_host(struct world *w, uint32_t h)
{
	struct fabric_backend f = { .priv = &w->fab[h], .set_route = fab_set_route,
				    .read_lowers = fab_read_lowers, .read_paths = fab_read_paths,
				    .event_fd = fab_event_fd };
	struct sampler_backend s = { .priv = &w->fab[h], .read_row = samp_read };
	struct host_ops ops = { .priv = &w->fab[h], .send = host_send };
	struct config *cfg = w->cfg;

	/* Each host agent sees the region file with itself in [agent]. */
	cfg->self = (int)h;
	w->ha[h] = host_agent_new(cfg, &s, &f, &ops);
	cfg->self = 0;
	ck_assert_ptr_nonnull(w->ha[h]);
}

static void connect_host(struct world *w, uint32_t h)
{
	w->up[h] = true;
	host_agent_connected(w->ha[h], w->now);
}

/* Let time pass: timeouts fire, messages flow. */
static void advance(struct world *w, uint64_t ms)
{
	uint32_t h;

	w->now += ms * MS;
	controller_timeout(w->ctl, w->now);
	for (h = 0; h < w->n; h++)
		if (w->ha[h])
			host_agent_timeout(w->ha[h], w->now);
	deliver(w);
}

/* The fake OCS finishes its switch and says so. */
static void ocs_done(struct world *w)
{
	ck_assert(w->switching);
	w->switching = false;
	memset(w->dark, 0, sizeof(w->dark));
	if (!w->swallow_done)
		w->ev[w->nev++] = (struct mixnet_ocs_event){ .type = MIXNET_OCS_EV_SWITCH_DONE,
							     .generation = w->gen };
	controller_ocs_event(w->ctl, w->now);
	deliver(w);
}

/* Epoch: every host sends its row, the controller evaluates. */
static void epoch(struct world *w)
{
	uint32_t h;

	w->now += w->cfg->epoch_ms * MS;
	for (h = 0; h < w->n; h++)
		if (w->ha[h])
			host_agent_tick(w->ha[h], w->now);
	deliver(w);
	controller_tick(w->ctl, w->now);
	deliver(w);
}

static void set_pair(struct world *w, uint32_t a, uint32_t b, uint64_t bytes)
{
	w->rows[a][b] = bytes;
	w->rows[b][a] = bytes;
}

static void clear_rows(struct world *w)
{
	memset(w->rows, 0, sizeof(w->rows));
}

static struct world *world_new(uint32_t n, uint32_t alpha, const char *extra)
{
	struct world *w = calloc(1, sizeof(*w));
	uint32_t h, i;

	ck_assert_ptr_nonnull(w);
	W = w;
	w->n = n;
	w->alpha = alpha;
	w->now = 1000 * MS;
	fx_mkdtemp(w->dir);
	fx_region(w->dir, n, alpha, "tcp://127.0.0.1:7400", 0, "host, controller", 0, extra);
	w->cfg = fx_load(w->dir, "region.ini", 0);
	for (i = 0; i < NPORTS; i++)
		w->xc[i] = -1;
	for (i = 0; i < n * alpha; i++)
		w->wire_rx[i] = (int32_t)i;
	log_set_sink(sink, w);
	log_set_level(LOG_DEBUG);
	new_controller(w);
	for (h = 0; h < n; h++) {
		w->fab[h].w = w;
		w->fab[h].h = (int)h;
		new_host(w, h);
	}
	return w;
}

static void world_free(struct world *w)
{
	uint32_t h;

	deliver(w);
	for (h = 0; h < w->n; h++)
		host_agent_free(w->ha[h]);
	controller_free(w->ctl);
	config_free(w->cfg);
	fx_rmtree(w->dir);
	log_set_sink(NULL, NULL);
	free(w);
}

/* All hosts connect; the resyncs they cause finish. */
static void bring_up(struct world *w)
{
	uint32_t h;

	for (h = 0; h < w->n; h++) {
		connect_host(w, h);
		deliver(w);
	}
	ck_assert_int_eq(controller_phase(w->ctl), CTL_IDLE);
}

/* Does the fake OCS hold a duplex circuit between host a NIC x and host b NIC y? */
static bool has_circuit(struct world *w, uint32_t a, uint32_t x, uint32_t b, uint32_t y)
{
	return w->xc[gn(w, a, x)] == gn(w, b, y) && w->xc[gn(w, b, y)] == gn(w, a, x);
}

static uint32_t circuits_between(struct world *w, uint32_t a, uint32_t b)
{
	uint32_t x, y, c = 0;

	for (x = 0; x < w->alpha; x++)
		for (y = 0; y < w->alpha; y++)
			c += has_circuit(w, a, x, b, y);
	return c;
}

static uint32_t bits(uint32_t m)
{
	return (uint32_t)__builtin_popcount(m);
}

/* Demand on h0<->h2 and h1<->h3 only (@bytes each). */
static void cross_demand(struct world *w, uint64_t bytes)
{
	clear_rows(w);
	set_pair(w, 0, 2, bytes);
	set_pair(w, 1, 3, bytes);
}

/* Hosts up, circuits serving h0<->h1 and h2<->h3 (@bytes each) set up and in use. */
static void serve_two_pairs(struct world *w, uint64_t bytes)
{
	bring_up(w);
	set_pair(w, 0, 1, bytes);
	set_pair(w, 2, 3, bytes);
	epoch(w);
	ocs_done(w);
}

/* Circuits h0<->h1 that survived the last plan were never taken out of a route. */
static void assert_kept_not_drained(struct world *w)
{
	uint32_t x, y;
	int i;

	for (x = 0; x < w->alpha; x++)
		for (y = 0; y < w->alpha; y++) {
			if (!has_circuit(w, 0, x, 1, y))
				continue;
			for (i = 0; i < w->nremoved; i++) {
				ck_assert(!(w->removed[i].host == 0 && w->removed[i].nic == (int)x));
				ck_assert(!(w->removed[i].host == 1 && w->removed[i].nic == (int)y));
			}
		}
}

/*
 * The skew moves from h0<->h1, h2<->h3 to h0<->h2 and h1<->h3, with
 * @rest bytes left on h0<->h1: the new circuits come, h2<->h3's go, and
 * some h0<->h1 circuits stay, without being drained.
 */
static void move_skew(struct world *w, uint64_t rest)
{
	w->nremoved = 0;
	cross_demand(w, 9000000);
	set_pair(w, 0, 1, rest);
	epoch(w);
	ck_assert_int_eq(controller_phase(w->ctl), CTL_SWITCH);
	ocs_done(w);
	ck_assert_uint_ge(circuits_between(w, 0, 2), 1);
	ck_assert_uint_ge(circuits_between(w, 1, 3), 1);
	ck_assert_uint_ge(circuits_between(w, 0, 1), 1);
	ck_assert_uint_eq(circuits_between(w, 2, 3), 0);
	ck_assert_uint_gt(controller_last(w->ctl)->kept, 0);
	assert_kept_not_drained(w);
}

/* ---- tests ---------------------------------------------------------------------------- */

START_TEST(test_skew_gets_circuits)
{
	struct world *w = world_new(4, 3, NULL);
	const struct ctl_result *r;
	const char *line;
	json_t *st;
	uint32_t h;

	bring_up(w);
	/* Each host's first resync ran: every route set, electrical only. */
	for (h = 0; h < 4; h++)
		ck_assert_uint_eq(host_agent_plan_id(w->ha[h]), controller_plan_id(w->ctl));
	ck_assert_uint_eq(w->fab[1].mask[0], 0);
	ck_assert(w->fab[1].electrical_set[0]);

	/* Skewed traffic: h0<->h1 and h2<->h3. */
	set_pair(w, 0, 1, 8000000);
	set_pair(w, 2, 3, 4000000);
	epoch(w);
	ck_assert_int_eq(controller_phase(w->ctl), CTL_SWITCH);
	ck_assert_int_eq(w->applies, 1);
	ck_assert_uint_eq(w->last_expected, 0);	/* APPLY checked the generation */
	/* The OCS holds the new circuits, but nobody routes over them yet. */
	ck_assert_uint_eq(circuits_between(w, 0, 1), 3);
	ck_assert_uint_eq(circuits_between(w, 2, 3), 3);
	ck_assert_uint_eq(w->fab[0].mask[1], 0);

	ocs_done(w);
	ck_assert_int_eq(controller_phase(w->ctl), CTL_IDLE);
	/* Confirmed by discovery and used: h0 routes to h1 over all 3 NICs. */
	ck_assert_uint_eq(bits(w->fab[0].mask[1]), 3);
	ck_assert_uint_eq(bits(w->fab[1].mask[0]), 3);
	ck_assert_uint_eq(bits(w->fab[2].mask[3]), 3);
	ck_assert_uint_eq(w->fab[0].mask[2], 0);
	for (h = 0; h < 4; h++)
		ck_assert_uint_eq(host_agent_plan_id(w->ha[h]), controller_plan_id(w->ctl));

	r = controller_last(w->ctl);
	ck_assert_int_eq(r->reason, CTL_R_MEASURED);
	ck_assert_uint_eq(r->added, 6);
	ck_assert_uint_eq(r->removed, 0);
	ck_assert_uint_eq(r->kept, 0);
	ck_assert_uint_eq(r->unverified, 0);
	ck_assert_uint_eq(r->ports, 12);
	ck_assert_uint_eq(r->hosts, 4);
	ck_assert_uint_eq(controller_reconfigs(w->ctl), 1);
	/* One log line with the timing breakdown. */
	line = find_log(w, "reconfig plan");
	ck_assert_ptr_nonnull(line);
	ck_assert_ptr_nonnull(strstr(line, "(measured)"));
	ck_assert_ptr_nonnull(strstr(line, "circuits +6 -0 =0"));
	ck_assert_ptr_nonnull(strstr(line, "drain "));
	ck_assert_ptr_nonnull(strstr(line, "switch "));
	ck_assert_ptr_nonnull(strstr(line, "control "));

	st = controller_status(w->ctl, w->now);
	ck_assert_int_eq(json_array_size(json_object_get(st, "circuits")), 6);
	ck_assert(json_is_true(json_object_get(json_array_get(json_object_get(st, "circuits"), 0),
					       "verified")));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(st, "last_reconfig"),
							   "reason")), "measured");
	ck_assert(json_is_true(json_object_get(json_array_get(json_object_get(st, "hosts"), 3),
					       "connected")));
	json_decref(st);

	/* Same demand next epoch: the plan is the same, nothing happens. */
	epoch(w);
	ck_assert_int_eq(controller_phase(w->ctl), CTL_IDLE);
	ck_assert_int_eq(w->applies, 1);
	world_free(w);
}
END_TEST

START_TEST(test_skew_moves_untouched_kept)
{
	struct world *w = world_new(4, 3, NULL);
	uint64_t plan1;

	serve_two_pairs(w, 9000000);
	plan1 = controller_plan_id(w->ctl);

	/* The skew moves: h0<->h2 and h1<->h3 now, h0<->h1 still some. */
	move_skew(w, 3000000);
	ck_assert_int_eq(controller_phase(w->ctl), CTL_IDLE);
	ck_assert_uint_gt(controller_plan_id(w->ctl), plan1);
	ck_assert_uint_eq(w->fab[2].mask[3], 0);	/* gone circuit no longer routed */
	ck_assert_uint_ge(bits(w->fab[0].mask[2]), 1);
	ck_assert_uint_gt(controller_last(w->ctl)->removed, 0);
	ck_assert_int_gt(w->nremoved, 0);	/* the changed ones were drained */
	world_free(w);
}
END_TEST

START_TEST(test_hysteresis)
{
	/* Margin 0.5: only a plan twice as fast replaces the current one. */
	struct world *w = world_new(4, 1, "hysteresis = 0.5\n");
	json_t *st;

	bring_up(w);
	set_pair(w, 0, 1, 1000000);
	set_pair(w, 2, 3, 1000000);
	epoch(w);
	ocs_done(w);
	ck_assert_uint_eq(controller_reconfigs(w->ctl), 1);

	/*
	 * Now h0<->h2 carries a bit more than h0<->h1: the greedy plan
	 * differs, but the bottleneck improves only from 1.3 MB / 0.25 =
	 * 5.2 to 4 (h2-h3 unserved stays), well within the margin.
	 */
	set_pair(w, 0, 2, 1300000);
	epoch(w);
	ck_assert_int_eq(controller_phase(w->ctl), CTL_IDLE);
	ck_assert_uint_eq(controller_reconfigs(w->ctl), 1);
	st = controller_status(w->ctl, w->now);
	ck_assert_int_ge(json_integer_value(json_object_get(json_object_get(st, "reconfigs"),
							    "held_by_hysteresis")), 1);
	json_decref(st);

	/* A big shift clears the margin. */
	cross_demand(w, 9000000);
	epoch(w);
	ck_assert_int_eq(controller_phase(w->ctl), CTL_SWITCH);
	ocs_done(w);
	ck_assert_uint_eq(controller_reconfigs(w->ctl), 2);
	ck_assert_uint_eq(circuits_between(w, 0, 2), 1);
	world_free(w);
}
END_TEST

START_TEST(test_submitted_demand)
{
	struct world *w = world_new(4, 1, "hysteresis = 0.5\n");
	uint32_t idx[4] = { 0, 1, 2, 3 };
	uint64_t m[16] = { 0 }, id = 0;
	char msg[128];
	const char *line;

	bring_up(w);
	set_pair(w, 1, 2, 1000);
	set_pair(w, 0, 3, 1000);
	epoch(w);
	ocs_done(w);
	ck_assert_uint_eq(circuits_between(w, 1, 2), 1);

	/*
	 * The training job says h0<->h1 comes next, through h3's agent.  The
	 * gain (bottleneck 10400 -> 8000 in the fake planner's units) is under
	 * the 50% margin measured demand needs, but a submitted matrix is
	 * planned at once, without epoch wait or margin.
	 */
	m[0 * 4 + 1] = m[1 * 4 + 0] = 1300;
	m[1 * 4 + 2] = m[2 * 4 + 1] = 1000;
	m[0 * 4 + 3] = m[3 * 4 + 0] = 1000;
	ck_assert_int_eq(host_agent_submit(w->ha[3], 4, idx, m, true, 7, w->now, &id, msg,
					   sizeof(msg)), 0);
	ck_assert_uint_eq(id, 1);
	deliver(w);
	ck_assert_int_eq(controller_phase(w->ctl), CTL_SWITCH);
	ocs_done(w);
	ck_assert_uint_eq(circuits_between(w, 0, 1), 1);
	ck_assert_uint_eq(bits(w->fab[0].mask[1]), 1);
	ck_assert_int_eq(controller_last(w->ctl)->reason, CTL_R_SUBMITTED);
	ck_assert(controller_last(w->ctl)->has_layer);
	ck_assert_uint_eq(controller_last(w->ctl)->layer, 7);
	line = find_log(w, "reconfig plan");
	ck_assert_ptr_nonnull(strstr(line, "(submitted, layer 7)"));

	/* Measured demand (still 1-2, 0-3) does not undo it while the matrix holds. */
	epoch(w);
	ck_assert_int_eq(controller_phase(w->ctl), CTL_IDLE);
	ck_assert_uint_eq(circuits_between(w, 0, 1), 1);
	/* demand_hold_ms (1000 by default) later, measured demand counts again. */
	advance(w, 1100);
	epoch(w);
	ck_assert_int_eq(controller_phase(w->ctl), CTL_SWITCH);
	ocs_done(w);
	ck_assert_uint_eq(circuits_between(w, 1, 2), 1);
	ck_assert_uint_eq(circuits_between(w, 0, 3), 1);
	ck_assert_int_eq(controller_last(w->ctl)->reason, CTL_R_MEASURED);

	/* An all-zero matrix is refused by the host agent itself. */
	memset(m, 0, sizeof(m));
	ck_assert_int_eq(host_agent_submit(w->ha[0], 4, idx, m, false, 0, w->now, &id, msg,
					   sizeof(msg)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(msg, "all zeros"));
	world_free(w);
}
END_TEST

START_TEST(test_drain_timeout)
{
	struct world *w = world_new(4, 1, NULL);

	serve_two_pairs(w, 1000);
	cross_demand(w, 1000);
	/* h3 stops answering (messages to it vanish, it still looks connected). */
	w->up[3] = false;
	epoch(w);
	ck_assert_int_eq(controller_phase(w->ctl), CTL_SWITCH);
	/* h3 is unreachable: the controller noticed on send and went on. */
	ck_assert(!controller_host_connected(w->ctl, 3, w->now));
	ocs_done(w);
	ck_assert_int_eq(controller_phase(w->ctl), CTL_IDLE);
	/* h3 could not confirm its end: h1 does not use that circuit. */
	ck_assert_uint_eq(circuits_between(w, 1, 3), 1);
	ck_assert_uint_eq(w->fab[1].mask[3], 0);
	ck_assert_uint_eq(controller_last(w->ctl)->unverified, 1);
	ck_assert_uint_eq(bits(w->fab[0].mask[2]), 1);

	/* h3 comes back: resync confirms its circuit and both ends use it. */
	w->up[3] = true;
	host_agent_disconnected(w->ha[3], w->now);
	connect_host(w, 3);
	deliver(w);
	ck_assert_int_eq(controller_phase(w->ctl), CTL_IDLE);
	ck_assert_int_eq(controller_last(w->ctl)->reason, CTL_R_RESYNC);
	ck_assert_uint_eq(controller_last(w->ctl)->unverified, 0);
	ck_assert_uint_eq(bits(w->fab[1].mask[3]), 1);
	ck_assert_uint_eq(bits(w->fab[3].mask[1]), 1);
	world_free(w);
}
END_TEST

START_TEST(test_slow_drain_ack_times_out)
{
	struct world *w = world_new(4, 1, NULL);
	struct host_agent *h2;

	bring_up(w);
	/* h2's agent is gone but its connection is not (messages to it are lost). */
	h2 = w->ha[2];
	w->ha[2] = NULL;
	cross_demand(w, 1000);
	epoch(w);
	ck_assert_int_eq(controller_phase(w->ctl), CTL_DRAIN);
	advance(w, w->cfg->drain_timeout_ms - 1);
	ck_assert_int_eq(controller_phase(w->ctl), CTL_DRAIN);
	advance(w, 2);
	ck_assert_int_eq(controller_phase(w->ctl), CTL_SWITCH);
	ck_assert_ptr_nonnull(find_log(w, "no drain ack from h2"));
	ocs_done(w);
	/* No confirm from h2 either: after the confirm timeout the rest goes on. */
	ck_assert_int_eq(controller_phase(w->ctl), CTL_CONFIRM);
	advance(w, w->cfg->confirm_timeout_ms + w->cfg->drain_timeout_ms);
	ck_assert_int_eq(controller_phase(w->ctl), CTL_USE);
	advance(w, w->cfg->drain_timeout_ms);
	ck_assert_int_eq(controller_phase(w->ctl), CTL_IDLE);
	ck_assert_uint_eq(controller_last(w->ctl)->unverified, 1);	/* h0-h2 */
	ck_assert_uint_eq(bits(w->fab[1].mask[3]), 1);			/* h1-h3 used */
	ck_assert_uint_eq(w->fab[0].mask[2], 0);
	w->ha[2] = h2;
	world_free(w);
}
END_TEST

START_TEST(test_miswired_circuit_not_used)
{
	struct world *w = world_new(4, 1, NULL);
	const bool *ok;
	uint32_t n;

	/* h0's and h3's receive fibres are swapped at the patch panel. */
	w->wire_rx[0] = 3;
	w->wire_rx[3] = 0;
	serve_two_pairs(w, 1000);
	/* Discovery never shows the expected peers: hosts give up at the timeout. */
	ck_assert_int_eq(controller_phase(w->ctl), CTL_CONFIRM);
	advance(w, w->cfg->confirm_timeout_ms);
	ck_assert_int_eq(controller_phase(w->ctl), CTL_IDLE);
	/* Both circuits exist on the OCS, neither is confirmed by discovery. */
	ck_assert_uint_eq(circuits_between(w, 0, 1), 1);
	controller_circuits(w->ctl, &n, &ok);
	ck_assert_uint_eq(n, 2);
	ck_assert(!ok[0] && !ok[1]);
	ck_assert_uint_eq(controller_last(w->ctl)->unverified, 2);
	ck_assert_uint_eq(w->fab[0].mask[1], 0);
	ck_assert_uint_eq(w->fab[1].mask[0], 0);
	ck_assert_ptr_nonnull(find_log(w, "not confirmed by discovery"));
	world_free(w);
}
END_TEST

START_TEST(test_stale_generation_aborts)
{
	struct world *w = world_new(4, 1, NULL);

	serve_two_pairs(w, 1000);
	ck_assert_uint_eq(bits(w->fab[0].mask[1]), 1);

	/* Someone else changes the OCS (an operator's `ocs apply`). */
	w->xc[2] = -1;
	w->xc[3] = -1;
	w->gen++;
	cross_demand(w, 1000);
	epoch(w);
	/*
	 * APPLY failed with ESTALE: abort, restore the plan in force on the
	 * drained hosts, read the OCS back (h2-h3 is gone), resync, plan again
	 * against the new generation.
	 */
	ck_assert_ptr_nonnull(find_log(w, "aborted: OCS apply: Stale"));
	ck_assert_int_eq(w->applies, 3);
	/* The third APPLY expected the operator's generation and got through. */
	ck_assert_uint_eq(w->last_expected, 2);
	ck_assert_uint_eq(w->gen, 3);
	/* No host routes over the circuit the operator removed. */
	ck_assert_uint_eq(w->fab[2].mask[3], 0);
	ck_assert_uint_eq(w->fab[3].mask[2], 0);
	ck_assert_int_eq(controller_phase(w->ctl), CTL_SWITCH);
	ocs_done(w);
	ck_assert_int_eq(controller_phase(w->ctl), CTL_IDLE);
	ck_assert_uint_eq(bits(w->fab[0].mask[2]), 1);
	ck_assert_uint_eq(bits(w->fab[1].mask[3]), 1);
	world_free(w);
}
END_TEST

START_TEST(test_busy_ocs_retried)
{
	struct world *w = world_new(2, 1, NULL);

	bring_up(w);
	w->busy = 3;	/* somebody else's switch is in progress */
	set_pair(w, 0, 1, 1000);
	epoch(w);
	ck_assert_int_eq(controller_phase(w->ctl), CTL_SWITCH);
	ck_assert_int_eq(w->applies, 1);
	advance(w, CTL_BUSY_RETRY_MS);
	advance(w, CTL_BUSY_RETRY_MS);
	advance(w, CTL_BUSY_RETRY_MS);
	ck_assert_int_eq(w->applies, 4);
	ck_assert(w->switching);
	ocs_done(w);
	ck_assert_int_eq(controller_phase(w->ctl), CTL_IDLE);
	ck_assert_uint_eq(bits(w->fab[0].mask[1]), 1);
	world_free(w);
}
END_TEST

START_TEST(test_lost_done_event_and_switch_timeout)
{
	struct world *w = world_new(2, 1, NULL);

	bring_up(w);
	/* The done event is lost: at the timeout the OCS state settles it. */
	w->swallow_done = true;
	set_pair(w, 0, 1, 1000);
	epoch(w);
	ocs_done(w);
	ck_assert_int_eq(controller_phase(w->ctl), CTL_SWITCH);
	advance(w, CTL_SWITCH_TIMEOUT_MS);
	ck_assert_int_eq(controller_phase(w->ctl), CTL_IDLE);
	ck_assert_uint_eq(bits(w->fab[0].mask[1]), 1);

	/* A switch that never ends aborts, and the hosts go back to the plan in force. */
	w->swallow_done = false;
	clear_rows(w);
	world_free(w);

	w = world_new(4, 1, NULL);
	bring_up(w);
	set_pair(w, 0, 1, 1000);
	epoch(w);
	ck_assert_int_eq(controller_phase(w->ctl), CTL_SWITCH);
	advance(w, CTL_SWITCH_TIMEOUT_MS);
	ck_assert_int_eq(controller_phase(w->ctl), CTL_IDLE);
	ck_assert(controller_last(w->ctl)->aborted);
	ck_assert_ptr_nonnull(strstr(controller_last(w->ctl)->error, "did not finish switching"));
	ck_assert_uint_eq(w->fab[0].mask[1], 0);
	w->switching = false;
	world_free(w);
}
END_TEST

START_TEST(test_synchronous_ocs)
{
	struct world *w = world_new(2, 1, NULL);

	/* An OCS without events: APPLY returns when switched. */
	w->sync = true;
	bring_up(w);
	set_pair(w, 0, 1, 1000);
	epoch(w);
	ck_assert_int_eq(controller_phase(w->ctl), CTL_IDLE);
	ck_assert_uint_eq(bits(w->fab[0].mask[1]), 1);
	world_free(w);
}
END_TEST

START_TEST(test_controller_restart_keeps_circuits)
{
	struct world *w = world_new(4, 3, NULL);
	int calls[4], h;
	uint64_t old_plan;
	uint32_t n;
	const bool *ok;

	serve_two_pairs(w, 1000);
	old_plan = controller_plan_id(w->ctl);
	for (h = 0; h < 4; h++)
		calls[h] = w->fab[h].set_calls;

	/* The controller dies; hosts keep routing; demand goes nowhere. */
	controller_free(w->ctl);
	w->ctl = NULL;
	for (h = 0; h < 4; h++) {
		host_agent_disconnected(w->ha[h], w->now);
		w->up[h] = false;
	}
	w->now += 100 * MS;
	for (h = 0; h < 4; h++)
		host_agent_tick(w->ha[h], w->now);
	ck_assert_int_eq(w->qt, 0);
	ck_assert_uint_eq(bits(w->fab[0].mask[1]), 3);

	/* A new controller reads the OCS back instead of resetting it. */
	w->now += 100 * MS;
	new_controller(w);
	controller_circuits(w->ctl, &n, &ok);
	ck_assert_uint_eq(n, 6);
	ck_assert(!ok[0]);	/* not verified until hosts confirm */
	bring_up(w);
	controller_circuits(w->ctl, &n, &ok);
	ck_assert_uint_eq(n, 6);
	ck_assert(ok[0] && ok[5]);
	ck_assert_uint_gt(controller_plan_id(w->ctl), old_plan);
	ck_assert_int_eq(w->applies, 1);	/* the OCS was not touched */
	/* And no host had to change a single route. */
	for (h = 0; h < 4; h++)
		ck_assert_int_eq(w->fab[h].set_calls, calls[h]);
	ck_assert_uint_eq(bits(w->fab[0].mask[1]), 3);
	world_free(w);
}
END_TEST

START_TEST(test_host_restart_reads_back)
{
	struct world *w = world_new(4, 1, NULL);
	int calls, removed;
	json_t *st;

	serve_two_pairs(w, 1000);
	calls = w->fab[1].set_calls;
	removed = w->nremoved;

	/* h1's agent restarts: it reads the kernel's paths and changes nothing ... */
	host_agent_free(w->ha[1]);
	w->up[1] = false;
	new_host(w, 1);
	ck_assert_int_eq(host_agent_nic_peer(w->ha[1], 0), 0);
	ck_assert_int_eq(w->fab[1].set_calls, calls);
	connect_host(w, 1);
	deliver(w);
	/* ... then sets each peer's route once, to what the kernel already has. */
	ck_assert_int_eq(controller_last(w->ctl)->reason, CTL_R_RESYNC);
	ck_assert_int_eq(w->fab[1].set_calls, calls + 3);
	ck_assert_int_eq(w->nremoved, removed);
	ck_assert_uint_eq(bits(w->fab[1].mask[0]), 1);
	ck_assert_uint_eq(bits(w->fab[0].mask[1]), 1);
	st = host_agent_status(w->ha[1], w->now);
	ck_assert(json_is_true(json_object_get(st, "connected")));
	ck_assert(json_is_true(json_object_get(st, "routes_synced")));
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
		json_object_get(st, "nics"), 0), "peer")), "h0");
	json_decref(st);
	world_free(w);
}
END_TEST

START_TEST(test_host_without_controller)
{
	struct world *w = world_new(2, 1, NULL);
	uint32_t idx[2] = { 0, 1 };
	uint64_t m[4] = { 0, 5, 5, 0 }, id;
	char msg[128];
	json_t *st;

	/* Never connected: demand is sampled but stays home; submit says why. */
	host_agent_tick(w->ha[0], w->now);
	host_agent_tick(w->ha[0], w->now);
	ck_assert_int_eq(w->sampler_calls[0], 2);
	ck_assert_int_eq(w->qt, 0);
	ck_assert_int_eq(w->fab[0].set_calls, 0);
	ck_assert_int_eq(host_agent_submit(w->ha[0], 2, idx, m, false, 0, w->now, &id, msg,
					   sizeof(msg)), -ENOTCONN);
	ck_assert_ptr_nonnull(strstr(msg, "not connected"));
	st = host_agent_status(w->ha[0], w->now);
	ck_assert_int_eq(json_integer_value(json_object_get(st, "demand_unsent")), 2);
	ck_assert(json_is_false(json_object_get(st, "connected")));
	json_decref(st);
	world_free(w);
}
END_TEST

/* The real planner behind the adapter: circuits follow the skew, established ones stay. */
START_TEST(test_real_planner)
{
	struct config *cfg;
	struct world *w;
	char d[64], why[128];

	/* The adapter is built from the region file the world writes. */
	W = NULL;
	fx_mkdtemp(d);
	fx_region(d, 4, 3, "tcp://127.0.0.1:7400", 0, "host, controller", 0, NULL);
	cfg = fx_load(d, "region.ini", 0);
	ck_assert_int_eq(planner_backend_open(cfg, &real_planner, why, sizeof(why)), 0);
	config_free(cfg);
	fx_rmtree(d);
	w = world_new(4, 3, NULL);
	bring_up(w);
	set_pair(w, 0, 1, 9000000);
	set_pair(w, 2, 3, 3000000);
	epoch(w);
	ck_assert_int_eq(controller_phase(w->ctl), CTL_SWITCH);
	ocs_done(w);
	ck_assert_uint_eq(circuits_between(w, 0, 1), 3);
	ck_assert_uint_eq(circuits_between(w, 2, 3), 3);
	ck_assert_uint_eq(bits(w->fab[0].mask[1]), 3);

	/* The skew moves: what the planner kept was never drained. */
	move_skew(w, 2000000);
	world_free(w);
	real_planner->close(real_planner->priv);
	free(real_planner);
	real_planner = NULL;
}
END_TEST

START_TEST(test_forgotten_host_says_hello_again)
{
	struct world *w = world_new(2, 1, NULL);

	bring_up(w);
	/* The transport told the controller h1 was unreachable; h1 never noticed. */
	controller_host_lost(w->ctl, 1);
	ck_assert(!controller_host_connected(w->ctl, 1, w->now));
	/* Its next demand row is answered with "say hello first" ... */
	set_pair(w, 0, 1, 1000);
	epoch(w);
	/* ... so it did, was resynced, and its row counts again. */
	ck_assert(controller_host_connected(w->ctl, 1, w->now));
	ck_assert_ptr_nonnull(find_log(w, "the controller asks for a new hello"));
	epoch(w);
	ck_assert_int_eq(controller_phase(w->ctl), CTL_SWITCH);
	ocs_done(w);
	ck_assert_uint_eq(bits(w->fab[1].mask[0]), 1);
	world_free(w);
}
END_TEST

START_TEST(test_rejects_and_bad_steps)
{
	struct world *w = world_new(2, 1, NULL);
	struct mnp_msg m = { .type = MNP_HELLO };
	struct mnp_circuit c = { .nic = "nope", .peer = "h0", .peer_nic = "o0" };

	bring_up(w);
	/* A HELLO naming another region is refused. */
	snprintf(m.host, sizeof(m.host), "h1");
	snprintf(m.region, sizeof(m.region), "other");
	controller_recv(w->ctl, 1, &m, w->now);
	deliver(w);
	ck_assert_ptr_nonnull(find_log(w, "the controller refused us: wrong region"));
	/* A HELLO whose name is not the key's owner is refused. */
	snprintf(m.host, sizeof(m.host), "h0");
	snprintf(m.region, sizeof(m.region), "test");
	controller_recv(w->ctl, 1, &m, w->now);
	deliver(w);
	ck_assert_ptr_nonnull(find_log(w, "host name does not match its key"));

	/* A step naming a NIC the host does not have is refused with a reason. */
	memset(&m, 0, sizeof(m));
	m.type = MNP_STEP;
	m.step = MNP_STEP_USE;
	m.plan_id = 5;
	mnp_add_circuit(&m, &c);
	host_agent_recv(w->ha[1], &m, w->now);
	mnp_msg_free(&m);
	ck_assert_int_eq(w->qt, 1);
	{
		struct mnp_msg a;

		ck_assert_int_eq(mnp_decode(w->q[0].buf, w->q[0].len, &a, NULL), 0);
		ck_assert_uint_eq(a.type, MNP_ACK);
		ck_assert_int_eq(a.status, -EINVAL);
		ck_assert_ptr_nonnull(strstr(a.message, "nope is not an optical NIC of h1"));
		mnp_msg_free(&a);
	}
	/* A route the kernel refuses is reported, not hidden. */
	deliver(w);
	memset(&m, 0, sizeof(m));
	m.type = MNP_STEP;
	m.step = MNP_STEP_USE;
	m.plan_id = 6;
	snprintf(c.nic, sizeof(c.nic), "o0");
	mnp_add_circuit(&m, &c);
	w->fab[1].fail_next = EIO;
	host_agent_recv(w->ha[1], &m, w->now);
	mnp_msg_free(&m);
	{
		struct mnp_msg a;

		ck_assert_int_eq(mnp_decode(w->q[0].buf, w->q[0].len, &a, NULL), 0);
		ck_assert_int_eq(a.status, -EIO);
		ck_assert_ptr_nonnull(strstr(a.message, "route to h0"));
		mnp_msg_free(&a);
	}
	world_free(w);
}
END_TEST

/*
 * h0 routes o0, o1 to h1 and o2 to h1 too; a USE moving o2 to h2 fails on
 * h1's route.  A DRAIN of o2 alone must not touch o0, o1, whether the
 * agent can read the kernel's routes back (@read_fails 0) or not.
 */
static void drain_after_failed_use(int read_fails)
{
	struct world *w = world_new(4, 3, NULL);
	static const char *const nics[3] = { "o0", "o1", "o2" };
	static const char *const peers[3] = { "h1", "h1", "h2" };
	struct mnp_circuit c;
	struct mnp_msg m;
	int i, hit = 0;

	serve_two_pairs(w, 1000);
	ck_assert_uint_eq(bits(w->fab[0].mask[1]), 3);
	deliver(w);
	memset(&m, 0, sizeof(m));
	m.type = MNP_STEP;
	m.step = MNP_STEP_USE;
	m.plan_id = controller_plan_id(w->ctl) + 1;
	for (i = 0; i < 3; i++) {
		memset(&c, 0, sizeof(c));
		snprintf(c.nic, sizeof(c.nic), "%s", nics[i]);
		snprintf(c.peer, sizeof(c.peer), "%s", peers[i]);
		mnp_add_circuit(&m, &c);
	}
	w->fab[0].fail_next = EIO;
	w->fab[0].fail_read = read_fails;
	host_agent_recv(w->ha[0], &m, w->now);
	mnp_msg_free(&m);
	drop_queue(w);
	ck_assert_uint_eq(bits(w->fab[0].mask[1]), 3);	/* the failed route kept its NICs */
	w->nremoved = 0;
	memset(&m, 0, sizeof(m));
	m.type = MNP_STEP;
	m.step = MNP_STEP_DRAIN;
	m.plan_id = controller_plan_id(w->ctl) + 2;
	mnp_add_drain(&m, "o2");
	host_agent_recv(w->ha[0], &m, w->now);
	mnp_msg_free(&m);
	drop_queue(w);
	for (i = 0; i < w->nremoved; i++)
		hit += w->removed[i].host == 0 && w->removed[i].nic != 2;
	ck_assert_msg(hit == 0, "untouched circuits drained: %d", hit);
	ck_assert_uint_eq(bits(w->fab[0].mask[1]), 2);	/* o0, o1 still to h1 */
	ck_assert_uint_eq(w->fab[0].mask[2], 0);
	world_free(w);
}

START_TEST(test_drain_after_failed_use)
{
	drain_after_failed_use(0);
}
END_TEST

START_TEST(test_drain_after_failed_use_unreadable)
{
	drain_after_failed_use(EIO);
}
END_TEST

START_TEST(test_demand_rows_checked)
{
	struct world *w = world_new(3, 1, NULL);
	static const char *const cols[] = { "h0", "h1", "h2" };
	uint64_t row[3] = { 0, 500, 0 };
	struct mnp_msg m = { .type = MNP_DEMAND, .source = MNP_SRC_MEASURED, .epoch = 1 };
	json_t *st;

	bring_up(w);
	/* h2 claims to report h1's row: ignored. */
	mnp_set_columns(&m, 3, cols);
	mnp_add_row(&m, 1, row);
	controller_recv(w->ctl, 2, &m, w->now);
	mnp_msg_free(&m);
	ck_assert_ptr_nonnull(find_log(w, "measured demand from h2 is not its own row"));
	controller_tick(w->ctl, w->now);
	deliver(w);
	ck_assert_int_eq(w->applies, 0);
	st = controller_status(w->ctl, w->now);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(
		json_object_get(st, "hosts"), 2), "demand_epoch")), 0);
	json_decref(st);

	/* Rows older than CTL_STALE_EPOCHS epochs count as zero. */
	set_pair(w, 0, 1, 1000);
	{
		uint32_t h;

		w->now += 20 * MS;
		for (h = 0; h < 3; h++)
			host_agent_tick(w->ha[h], w->now);
		deliver(w);
	}
	w->now += (CTL_STALE_EPOCHS + 1) * 20 * MS;
	controller_tick(w->ctl, w->now);
	deliver(w);
	ck_assert_int_eq(w->applies, 0);
	world_free(w);
}
END_TEST

static Suite *region_suite(void)
{
	Suite *s = suite_create("region");
	TCase *tc = tcase_create("state machines");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_skew_gets_circuits);
	tcase_add_test(tc, test_skew_moves_untouched_kept);
	tcase_add_test(tc, test_hysteresis);
	tcase_add_test(tc, test_submitted_demand);
	tcase_add_test(tc, test_drain_timeout);
	tcase_add_test(tc, test_slow_drain_ack_times_out);
	tcase_add_test(tc, test_miswired_circuit_not_used);
	tcase_add_test(tc, test_stale_generation_aborts);
	tcase_add_test(tc, test_busy_ocs_retried);
	tcase_add_test(tc, test_lost_done_event_and_switch_timeout);
	tcase_add_test(tc, test_synchronous_ocs);
	tcase_add_test(tc, test_controller_restart_keeps_circuits);
	tcase_add_test(tc, test_host_restart_reads_back);
	tcase_add_test(tc, test_host_without_controller);
	tcase_add_test(tc, test_real_planner);
	tcase_add_test(tc, test_forgotten_host_says_hello_again);
	tcase_add_test(tc, test_rejects_and_bad_steps);
	tcase_add_test(tc, test_demand_rows_checked);
	tcase_add_test(tc, test_drain_after_failed_use);
	tcase_add_test(tc, test_drain_after_failed_use_unreadable);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(region_suite());
}
