// SPDX-License-Identifier: GPL-2.0
/*
 * The region controller's state machine (see controller.h).
 *
 * Circuits are kept normalised (a < b) and sorted, so two plans compare
 * with memcmp and a NIC's partner is found through a per-NIC table.
 * NICs are numbered globally in configuration order (host-major), which
 * is also the order the planner sees.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller.h"
#include "log.h"

#define NS_PER_MS 1000000ull

struct ctl_host {
	bool hello;			/* said HELLO on its current connection */
	uint64_t last_seen;
	uint64_t plan_id;		/* last plan it reported or acked USE for */
	bool has_row;
	uint64_t row_at, row_epoch;
	uint64_t *row;			/* measured: bytes to each host in its last epoch */
	struct mnp_lower *lowers;	/* what it last reported */
	uint32_t nlowers;
	bool lowers_fresh;		/* reported during the current CONFIRM */
	bool involved;			/* takes part in the current reconfiguration */
	bool pending;			/* owes an ACK for the current step */
	int32_t ack_status;
	char ack_msg[MNP_MESSAGE_MAX];
};

struct controller {
	const struct config *cfg;
	struct ocs_backend ocs;
	struct planner_backend pl;
	struct ctl_ops ops;
	uint32_t n, nnics;
	uint32_t *first;		/* global index of each host's NIC 0 */
	uint32_t *alpha;
	uint32_t *nic_host;		/* global NIC -> host */
	struct plan_nic *nics;
	int32_t tx_owner[MIXNET_OCS_MAX_PORTS];	/* OCS port -> global NIC, -1 */
	int32_t rx_owner[MIXNET_OCS_MAX_PORTS];
	struct ctl_host *hosts;

	/* The plan in force. */
	uint64_t plan_id, next_plan_id;
	struct plan_circuit *cur;
	bool *cur_ok;			/* verified by both ends */
	uint32_t ncur;
	struct mixnet_xconnect *foreign;	/* other regions' cross-connects, kept */
	uint32_t nforeign;
	uint64_t gen;

	/* The reconfiguration in progress. */
	enum ctl_phase phase;
	uint64_t deadline;
	bool busy_retry;		/* SWITCH: OCS busy, APPLY again at deadline */
	enum ctl_reason reason;
	bool has_layer;
	uint32_t layer;
	struct plan_circuit *next;
	bool *next_ok;
	uint32_t nnext;
	uint64_t next_id;
	uint8_t *changed;		/* per global NIC: its circuit changes */
	uint32_t added, removed, kept, ports;
	uint64_t expect_gen;
	uint64_t t0, t_plan, t_drain0, t_drain, t_apply0, t_apply, t_switch, t_confirm0, t_confirm,
		 t_use0, t_use;
	bool need_resync, need_eval, eval_forced;

	/* Demand. */
	double *demand;
	uint64_t *submitted;
	bool submitted_active;
	uint64_t submitted_until;
	bool sub_has_layer;
	uint32_t sub_layer;
	uint32_t *counts;
	struct plan_circuit *scratch;
	int32_t *partner;		/* scratch: global NIC -> partner NIC */
	uint8_t *taken;			/* scratch: NIC already in a circuit */
	char abort_why[128];

	/* Statistics. */
	uint64_t by_reason[CTL_R_ABORT + 1];
	uint64_t held, unchanged;
	struct ctl_result last;
};

const char *ctl_phase_name(enum ctl_phase p)
{
	static const char *const names[] = { "idle", "drain", "switch", "confirm", "use" };

	return p <= CTL_USE ? names[p] : "?";
}

const char *ctl_reason_name(enum ctl_reason r)
{
	static const char *const names[] = { "measured", "submitted", "resync", "abort" };

	return r <= CTL_R_ABORT ? names[r] : "?";
}

static uint32_t gnic(const struct controller *c, uint32_t h, uint32_t k)
{
	return c->first[h] + k;
}

static const char *nic_name(const struct controller *c, uint32_t h, uint32_t k)
{
	return c->cfg->hosts[h].optical[k].ifname;
}

static const char *host_name(const struct controller *c, uint32_t h)
{
	return c->cfg->hosts[h].name;
}

/* ---- setup -------------------------------------------------------------------- */

struct controller *controller_new(const struct config *cfg, const struct ocs_backend *ocs,
				  const struct planner_backend *planner,
				  const struct ctl_ops *ops, uint64_t first_plan_id)
{
	struct controller *c = calloc(1, sizeof(*c));
	uint32_t h, k, g = 0, n = cfg->nhosts;
	size_t nn = (size_t)n * n;

	if (!c)
		return NULL;
	c->cfg = cfg;
	c->ocs = *ocs;
	c->pl = *planner;
	c->ops = *ops;
	c->n = n;
	c->next_plan_id = first_plan_id ? first_plan_id : 1;
	for (h = 0; h < n; h++)
		c->nnics += cfg->hosts[h].noptical;
	c->first = calloc(n, sizeof(*c->first));
	c->alpha = calloc(n, sizeof(*c->alpha));
	c->nic_host = calloc(c->nnics + 1, sizeof(*c->nic_host));
	c->nics = calloc(c->nnics + 1, sizeof(*c->nics));
	c->hosts = calloc(n, sizeof(*c->hosts));
	c->cur = calloc(c->nnics / 2 + 1, sizeof(*c->cur));
	c->cur_ok = calloc(c->nnics / 2 + 1, sizeof(*c->cur_ok));
	c->next = calloc(c->nnics / 2 + 1, sizeof(*c->next));
	c->next_ok = calloc(c->nnics / 2 + 1, sizeof(*c->next_ok));
	c->scratch = calloc(c->nnics / 2 + 1, sizeof(*c->scratch));
	c->changed = calloc(c->nnics + 1, 1);
	c->partner = calloc(c->nnics + 1, sizeof(*c->partner));
	c->taken = calloc(c->nnics + 1, 1);
	c->demand = calloc(nn, sizeof(*c->demand));
	c->submitted = calloc(nn, sizeof(*c->submitted));
	c->counts = calloc(nn, sizeof(*c->counts));
	if (!c->first || !c->alpha || !c->nic_host || !c->nics || !c->hosts || !c->cur ||
	    !c->cur_ok || !c->next || !c->next_ok || !c->scratch || !c->changed || !c->partner || !c->taken ||
	    !c->demand || !c->submitted || !c->counts)
		goto fail;
	for (k = 0; k < MIXNET_OCS_MAX_PORTS; k++)
		c->tx_owner[k] = c->rx_owner[k] = -1;
	for (h = 0; h < n; h++) {
		const struct cfg_host *ch = &cfg->hosts[h];

		c->first[h] = g;
		c->alpha[h] = ch->noptical;
		c->hosts[h].row = calloc(n, sizeof(uint64_t));
		if (!c->hosts[h].row)
			goto fail;
		for (k = 0; k < ch->noptical; k++, g++) {
			c->nics[g] = (struct plan_nic){ ch->optical[k].tx_port, ch->optical[k].rx_port,
							 ch->optical[k].numa };
			c->nic_host[g] = h;
			c->tx_owner[ch->optical[k].tx_port] = (int32_t)g;
			c->rx_owner[ch->optical[k].rx_port] = (int32_t)g;
		}
	}
	return c;
fail:
	controller_free(c);
	return NULL;
}

void controller_free(struct controller *c)
{
	uint32_t h;

	if (!c)
		return;
	for (h = 0; c->hosts && h < c->n; h++) {
		free(c->hosts[h].row);
		free(c->hosts[h].lowers);
	}
	free(c->hosts);
	free(c->first);
	free(c->alpha);
	free(c->nic_host);
	free(c->nics);
	free(c->cur);
	free(c->cur_ok);
	free(c->next);
	free(c->next_ok);
	free(c->scratch);
	free(c->changed);
	free(c->partner);
	free(c->taken);
	free(c->demand);
	free(c->submitted);
	free(c->counts);
	free(c->foreign);
	free(c);
}

/* ---- circuit sets --------------------------------------------------------------- */

static int circuit_cmp(const void *x, const void *y)
{
	const struct plan_circuit *a = x, *b = y;

	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	if (a->na != b->na)
		return a->na < b->na ? -1 : 1;
	if (a->b != b->b)
		return a->b < b->b ? -1 : 1;
	return a->nb < b->nb ? -1 : a->nb > b->nb;
}

/* Normalise (a < b), check against the cabling, sort.  -EINVAL if unusable. */
static int normalise(struct controller *c, struct plan_circuit *p, uint32_t n)
{
	uint32_t i;

	memset(c->taken, 0, c->nnics);
	for (i = 0; i < n; i++) {
		struct plan_circuit *x = &p[i];

		if (x->a > x->b) {
			uint32_t t = x->a, tn = x->na;

			x->a = x->b;
			x->na = x->nb;
			x->b = t;
			x->nb = tn;
		}
		if (x->a == x->b || x->b >= c->n || x->na >= c->alpha[x->a] ||
		    x->nb >= c->alpha[x->b])
			return -EINVAL;
		if (c->taken[gnic(c, x->a, x->na)]++ || c->taken[gnic(c, x->b, x->nb)]++)
			return -EINVAL;	/* a NIC in two circuits */
	}
	qsort(p, n, sizeof(*p), circuit_cmp);
	return 0;
}

static void fill_partner(struct controller *c, const struct plan_circuit *p, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < c->nnics; i++)
		c->partner[i] = -1;
	for (i = 0; i < n; i++) {
		uint32_t ga = gnic(c, p[i].a, p[i].na), gb = gnic(c, p[i].b, p[i].nb);

		c->partner[ga] = (int32_t)gb;
		c->partner[gb] = (int32_t)ga;
	}
}

/* Cross-connects of a circuit set (2 per circuit) appended to @xc. */
static uint32_t circuits_xc(const struct controller *c, const struct plan_circuit *p, uint32_t n,
			    struct mixnet_xconnect *xc)
{
	uint32_t i, k = 0;

	for (i = 0; i < n; i++) {
		const struct plan_nic *x = &c->nics[gnic(c, p[i].a, p[i].na)];
		const struct plan_nic *y = &c->nics[gnic(c, p[i].b, p[i].nb)];

		xc[k++] = (struct mixnet_xconnect){ x->tx, y->rx };
		xc[k++] = (struct mixnet_xconnect){ y->tx, x->rx };
	}
	return k;
}

static void circuit_counts(struct controller *c, const struct plan_circuit *p, uint32_t n)
{
	uint32_t i;

	memset(c->counts, 0, (size_t)c->n * c->n * sizeof(*c->counts));
	for (i = 0; i < n; i++) {
		c->counts[(size_t)p[i].a * c->n + p[i].b]++;
		c->counts[(size_t)p[i].b * c->n + p[i].a]++;
	}
}

/* ---- OCS state read back ---------------------------------------------------------- */

int controller_start(struct controller *c, uint64_t now)
{
	struct mixnet_xconnect *xc = NULL;
	int32_t rx_of_tx[MIXNET_OCS_MAX_PORTS];
	uint32_t nxc = 0, i, stray = 0, nold = c->ncur;
	struct plan_circuit *old;
	bool *old_ok;
	int rc;

	(void)now;
	rc = c->ocs.get(c->ocs.priv, &xc, &nxc, &c->gen);
	if (rc)
		return rc;
	old = malloc((nold + 1) * sizeof(*old));
	old_ok = malloc((nold + 1) * sizeof(*old_ok));
	if (!old || !old_ok) {
		free(old);
		free(old_ok);
		free(xc);
		return -ENOMEM;
	}
	memcpy(old, c->cur, nold * sizeof(*old));
	memcpy(old_ok, c->cur_ok, nold * sizeof(*old_ok));
	free(c->foreign);
	c->foreign = calloc(nxc + 1, sizeof(*c->foreign));
	if (!c->foreign) {
		free(xc);
		free(old);
		free(old_ok);
		return -ENOMEM;
	}
	c->nforeign = 0;
	c->ncur = 0;
	for (i = 0; i < MIXNET_OCS_MAX_PORTS; i++)
		rx_of_tx[i] = -1;
	for (i = 0; i < nxc; i++) {
		if (xc[i].tx >= MIXNET_OCS_MAX_PORTS || xc[i].rx >= MIXNET_OCS_MAX_PORTS)
			continue;
		if (c->tx_owner[xc[i].tx] < 0 && c->rx_owner[xc[i].rx] < 0)
			c->foreign[c->nforeign++] = xc[i];
		else
			rx_of_tx[xc[i].tx] = (int32_t)xc[i].rx;
	}
	/* A circuit: X.tx -> Y.rx and Y.tx -> X.rx between two hosts' NICs. */
	for (i = 0; i < nxc; i++) {
		int32_t x, y;

		if (xc[i].tx >= MIXNET_OCS_MAX_PORTS || xc[i].rx >= MIXNET_OCS_MAX_PORTS)
			continue;
		x = c->tx_owner[xc[i].tx];
		y = c->rx_owner[xc[i].rx];
		if (x < 0 && y < 0)
			continue;
		if (x < 0 || y < 0 || c->nic_host[x] == c->nic_host[y] ||
		    rx_of_tx[c->nics[y].tx] != (int32_t)c->nics[x].rx) {
			stray++;
			continue;
		}
		if (x > y)
			continue;	/* counted from the other direction */
		c->cur[c->ncur++] = (struct plan_circuit){ c->nic_host[x], (uint32_t)x - c->first[c->nic_host[x]],
							   c->nic_host[y], (uint32_t)y - c->first[c->nic_host[y]] };
	}
	free(xc);
	normalise(c, c->cur, c->ncur);
	/* Circuits that were verified and are still there stay verified. */
	for (i = 0; i < c->ncur; i++) {
		const struct plan_circuit *o = nold ? bsearch(&c->cur[i], old, nold, sizeof(*old),
							      circuit_cmp) : NULL;

		c->cur_ok[i] = o && old_ok[o - old];
	}
	free(old);
	free(old_ok);
	log_info("controller: OCS generation %" PRIu64 ": %u circuits of this region established, "
		 "%u other cross-connects kept, %u stray cross-connects to drop at the next change",
		 c->gen, c->ncur, c->nforeign, stray);
	return 0;
}

/* ---- messages out ------------------------------------------------------------------- */

static void host_gone(struct controller *c, uint32_t h, int err)
{
	if (c->hosts[h].hello)
		log_warn("controller: %s unreachable (%s); it must say hello again", host_name(c, h),
			 strerror(-err));
	c->hosts[h].hello = false;
	c->hosts[h].pending = false;
}

static void send_to(struct controller *c, uint32_t h, const struct mnp_msg *m)
{
	int rc = c->ops.send(c->ops.priv, h, m);

	/* A full queue is not a lost host: its acks will time out if need be. */
	if (rc == -EAGAIN)
		log_warn("controller: queue to %s full, %s dropped", host_name(c, h),
			 mnp_type_name(m->type));
	else if (rc)
		host_gone(c, h, rc);
}

static void send_reject(struct controller *c, uint32_t h, int status, const char *why)
{
	struct mnp_msg m = { .type = MNP_REJECT, .version = MNP_VERSION, .status = status };

	snprintf(m.message, sizeof(m.message), "%s", why);
	c->ops.send(c->ops.priv, h, &m);
}

/*
 * One barrier step to host @h: NICs to drain (those whose circuit
 * changes), and its circuits of the target plan (USE: verified ones).
 */
static void send_step(struct controller *c, uint32_t h, uint8_t step)
{
	struct mnp_msg m = { .type = MNP_STEP, .plan_id = c->next_id, .step = step };
	uint32_t i, k;

	if (step == MNP_STEP_CONFIRM)
		m.timeout_ms = c->cfg->confirm_timeout_ms;
	for (k = 0; step == MNP_STEP_DRAIN && k < c->alpha[h]; k++)
		if (c->changed[gnic(c, h, k)] && mnp_add_drain(&m, nic_name(c, h, k)))
			goto oom;
	for (i = 0; i < c->nnext; i++) {
		const struct plan_circuit *x = &c->next[i];
		struct mnp_circuit mc = { 0 };
		uint32_t me, my, peer, pn;

		if (x->a == h) {
			me = x->a, my = x->na, peer = x->b, pn = x->nb;
		} else if (x->b == h) {
			me = x->b, my = x->nb, peer = x->a, pn = x->na;
		} else {
			continue;
		}
		if (step == MNP_STEP_USE && !c->next_ok[i])
			continue;
		snprintf(mc.nic, sizeof(mc.nic), "%s", nic_name(c, me, my));
		snprintf(mc.peer, sizeof(mc.peer), "%s", host_name(c, peer));
		snprintf(mc.peer_nic, sizeof(mc.peer_nic), "%s", nic_name(c, peer, pn));
		mc.changed = c->changed[gnic(c, me, my)];
		if (mnp_add_circuit(&m, &mc))
			goto oom;
	}
	c->hosts[h].pending = true;
	c->hosts[h].ack_status = 0;
	c->hosts[h].ack_msg[0] = '\0';
	send_to(c, h, &m);
	mnp_msg_free(&m);
	return;
oom:
	mnp_msg_free(&m);
	log_err("controller: out of memory building a step for %s", host_name(c, h));
	c->hosts[h].pending = false;
}

static uint32_t pending_hosts(const struct controller *c)
{
	uint32_t h, n = 0;

	for (h = 0; h < c->n; h++)
		n += c->hosts[h].pending;
	return n;
}

/* Send @step to every involved host that is connected. */
static void broadcast_step(struct controller *c, uint8_t step)
{
	uint32_t h;

	for (h = 0; h < c->n; h++) {
		c->hosts[h].pending = false;
		if (c->hosts[h].involved && c->hosts[h].hello)
			send_step(c, h, step);
	}
}

static void log_missing(struct controller *c, const char *step)
{
	char list[256] = "";
	size_t len = 0;
	uint32_t h;

	for (h = 0; h < c->n; h++)
		if (c->hosts[h].pending && len < sizeof(list) - 1)
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s", len ? " " : "",
						host_name(c, h));
	log_warn("controller: plan %" PRIu64 ": no %s ack from %s within the timeout", c->next_id,
		 step, list);
}

/* ---- the barrier ------------------------------------------------------------------------ */

static void maybe_evaluate(struct controller *c, uint64_t now);
static void phase_confirm(struct controller *c, uint64_t now);
static void phase_use(struct controller *c, uint64_t now);

/* A timestamp for the breakdown: the real clock if there is one. */
static uint64_t stamp(const struct controller *c, uint64_t now)
{
	return c->ops.clock ? c->ops.clock(c->ops.priv) : now;
}

static double ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

static uint64_t span(uint64_t from, uint64_t to)
{
	return from && to > from ? to - from : 0;
}

static void finish(struct controller *c, uint64_t now, const char *error)
{
	struct ctl_result *r = &c->last;
	uint32_t i, unverified = 0, h, nh = 0;

	if (pending_hosts(c))
		log_missing(c, "use");
	for (i = 0; i < c->nnext; i++)
		unverified += !c->next_ok[i];
	for (h = 0; h < c->n; h++) {
		nh += c->hosts[h].involved;
		if (c->hosts[h].involved && !c->hosts[h].pending && c->hosts[h].hello &&
		    !c->hosts[h].ack_status)
			c->hosts[h].plan_id = c->next_id;
		c->hosts[h].involved = false;
		c->hosts[h].pending = false;
	}
	memcpy(c->cur, c->next, c->nnext * sizeof(*c->cur));
	memcpy(c->cur_ok, c->next_ok, c->nnext * sizeof(*c->cur_ok));
	c->ncur = c->nnext;
	c->plan_id = c->next_id;
	c->t_use = stamp(c, now);

	memset(r, 0, sizeof(*r));
	r->plan_id = c->next_id;
	r->reason = c->reason;
	r->has_layer = c->has_layer;
	r->layer = c->layer;
	r->added = c->added;
	r->removed = c->removed;
	r->kept = c->kept;
	r->unverified = unverified;
	r->ports = c->ports;
	r->hosts = nh;
	r->aborted = c->reason == CTL_R_ABORT;
	if (error)
		snprintf(r->error, sizeof(r->error), "%s", error);
	r->t.plan = span(c->t0, c->t_plan);
	r->t.drain = span(c->t_drain0, c->t_drain);
	r->t.apply = span(c->t_apply0, c->t_apply);
	r->t.switch_ = span(c->t_apply, c->t_switch);
	r->t.confirm = span(c->t_confirm0, c->t_confirm);
	r->t.use = span(c->t_use0, c->t_use);
	r->t.total = span(c->t0, c->t_use);
	r->t.control = r->t.total - r->t.switch_ - r->t.confirm;
	r->finished_ns = now;
	c->by_reason[c->reason]++;

	mlog(r->reason == CTL_R_RESYNC && !r->unverified ? LOG_DEBUG : LOG_INFO,
	     "reconfig plan %" PRIu64 " (%s%s%.0u): circuits +%u -%u =%u, %u ports, %u hosts, "
		 "%u unverified; plan %.3f ms, drain %.3f ms, apply %.3f ms, switch %.3f ms, "
		 "confirm %.3f ms, use %.3f ms; total %.3f ms, control %.3f ms%s%s",
		 r->plan_id, ctl_reason_name(r->reason), r->has_layer ? ", layer " : "",
		 r->has_layer ? r->layer : 0, r->added, r->removed, r->kept, r->ports, r->hosts,
		 r->unverified, ms(r->t.plan), ms(r->t.drain), ms(r->t.apply), ms(r->t.switch_),
		 ms(r->t.confirm), ms(r->t.use), ms(r->t.total), ms(r->t.control),
		 error ? ": " : "", error ? error : "");

	c->phase = CTL_IDLE;
	c->deadline = 0;
	if (c->need_resync || c->need_eval)
		maybe_evaluate(c, now);
}

/* Restore the plan in force on the hosts that drained for a failed change. */
static void abort_to_current(struct controller *c, uint64_t now, const char *why)
{
	log_err("controller: plan %" PRIu64 " aborted: %s; restoring plan %" PRIu64, c->next_id, why,
		c->plan_id);
	snprintf(c->abort_why, sizeof(c->abort_why), "%s", why);
	memcpy(c->next, c->cur, c->ncur * sizeof(*c->next));
	memcpy(c->next_ok, c->cur_ok, c->ncur * sizeof(*c->next_ok));
	c->nnext = c->ncur;
	c->reason = CTL_R_ABORT;
	c->added = c->removed = 0;
	c->kept = c->ncur;
	phase_use(c, now);
}

static void phase_switch(struct controller *c, uint64_t now)
{
	struct mixnet_xconnect *xc;
	uint32_t nxc, changed_ports = 0;
	uint64_t gen = 0;
	int rc;

	c->phase = CTL_SWITCH;
	if (!c->t_drain)
		c->t_drain = stamp(c, now);
	xc = calloc(c->nforeign + 2 * c->nnext + 1, sizeof(*xc));
	if (!xc) {
		abort_to_current(c, now, "out of memory");
		return;
	}
	memcpy(xc, c->foreign, c->nforeign * sizeof(*xc));
	nxc = c->nforeign + circuits_xc(c, c->next, c->nnext, xc + c->nforeign);
	if (!c->t_apply0)
		c->t_apply0 = stamp(c, now);
	rc = c->ocs.apply(c->ocs.priv, xc, nxc, c->gen, &gen, &changed_ports);
	free(xc);
	if (rc == -EBUSY) {
		/* Somebody else's switch: try again shortly, within the switch timeout. */
		if (now - c->t_apply0 > CTL_SWITCH_TIMEOUT_MS * NS_PER_MS) {
			abort_to_current(c, now, "OCS busy for too long");
			return;
		}
		c->busy_retry = true;
		c->deadline = now + CTL_BUSY_RETRY_MS * NS_PER_MS;
		return;
	}
	c->busy_retry = false;
	c->t_apply = stamp(c, now);
	if (rc) {
		char why[96];

		snprintf(why, sizeof(why), "OCS apply: %s", strerror(-rc));
		if (rc == -ESTALE) {
			/* Someone else changed the OCS: take its state as the truth. */
			int rc2 = controller_start(c, now);

			if (rc2)
				log_err("controller: cannot read the OCS back: %s", strerror(-rc2));
			c->need_resync = true;
			c->need_eval = true;
		}
		abort_to_current(c, now, why);
		return;
	}
	c->gen = gen;
	c->expect_gen = gen;
	if (!changed_ports || c->ocs.event_fd(c->ocs.priv) < 0) {
		c->t_switch = stamp(c, now);
		phase_confirm(c, now);
		return;
	}
	c->deadline = now + CTL_SWITCH_TIMEOUT_MS * NS_PER_MS;
}

static void phase_confirm(struct controller *c, uint64_t now)
{
	uint32_t h;

	c->phase = CTL_CONFIRM;
	c->t_confirm0 = stamp(c, now);
	for (h = 0; h < c->n; h++)
		c->hosts[h].lowers_fresh = false;
	broadcast_step(c, MNP_STEP_CONFIRM);
	c->deadline = now + ((uint64_t)c->cfg->confirm_timeout_ms + c->cfg->drain_timeout_ms) *
			    NS_PER_MS;
	if (!pending_hosts(c))
		phase_use(c, now);
}

enum seen { SEEN_UNKNOWN, SEEN_YES, SEEN_NO };

/* What host @h's report in this CONFIRM says about NIC @k facing host @peer. */
static enum seen sees(const struct controller *c, uint32_t h, uint32_t k, uint32_t peer)
{
	const struct ctl_host *ch = &c->hosts[h];
	uint32_t i;

	if (!ch->lowers_fresh)
		return SEEN_UNKNOWN;
	for (i = 0; i < ch->nlowers; i++)
		if (!strcmp(ch->lowers[i].nic, nic_name(c, h, k)))
			return ch->lowers[i].carrier &&
			       cfg_addr_eq(&ch->lowers[i].peer, &c->cfg->hosts[peer].fabric) ?
			       SEEN_YES : SEEN_NO;
	return SEEN_NO;
}

/*
 * A new circuit is used only when both ends see each other.  An
 * established one (resync) stays in use unless an end that reported
 * contradicts it; one end's word is enough while the other is away, so
 * hosts reconnecting one by one after a controller restart do not tear
 * down each other's circuits.
 */
static void verify(struct controller *c)
{
	uint32_t i;

	for (i = 0; i < c->nnext; i++) {
		const struct plan_circuit *x = &c->next[i];
		enum seen sa, sb;

		/* Untouched circuits keep the verdict they had. */
		if (!c->changed[gnic(c, x->a, x->na)])
			continue;
		sa = sees(c, x->a, x->na, x->b);
		sb = sees(c, x->b, x->nb, x->a);
		if (c->reason == CTL_R_RESYNC)
			c->next_ok[i] = sa != SEEN_NO && sb != SEEN_NO &&
					(sa == SEEN_YES || sb == SEEN_YES || c->next_ok[i]);
		else
			c->next_ok[i] = sa == SEEN_YES && sb == SEEN_YES;
		if (!c->next_ok[i] && (sa == SEEN_NO || sb == SEEN_NO || c->reason != CTL_R_RESYNC))
			log_warn("controller: plan %" PRIu64 ": circuit %s/%s <-> %s/%s not confirmed by "
				 "discovery; not used", c->next_id, host_name(c, x->a),
				 nic_name(c, x->a, x->na), host_name(c, x->b), nic_name(c, x->b, x->nb));
	}
}

static void phase_use(struct controller *c, uint64_t now)
{
	if (c->phase == CTL_CONFIRM) {
		if (pending_hosts(c))
			log_missing(c, "confirm");
		c->t_confirm = stamp(c, now);
		verify(c);
	}
	c->phase = CTL_USE;
	c->t_use0 = stamp(c, now);
	broadcast_step(c, MNP_STEP_USE);
	c->deadline = now + c->cfg->drain_timeout_ms * NS_PER_MS;
	if (!pending_hosts(c))
		finish(c, now, c->reason == CTL_R_ABORT ? c->abort_why : NULL);
}

/*
 * Start moving from the current plan to c->next (already normalised).
 * @resync: no switch, every circuit re-confirmed on every connected host.
 */
static void start(struct controller *c, uint64_t now, bool resync)
{
	uint32_t i, h, k;

	c->next_id = c->next_plan_id++;
	c->t_drain0 = c->t_drain = c->t_apply0 = c->t_apply = c->t_switch = 0;
	c->t_confirm0 = c->t_confirm = c->t_use0 = c->t_use = 0;
	c->busy_retry = false;
	memset(c->changed, 0, c->nnics);
	for (h = 0; h < c->n; h++)
		c->hosts[h].involved = false;
	c->added = c->removed = c->kept = c->ports = 0;

	if (resync) {
		for (i = 0; i < c->nnext; i++) {
			c->changed[gnic(c, c->next[i].a, c->next[i].na)] = 1;
			c->changed[gnic(c, c->next[i].b, c->next[i].nb)] = 1;
		}
		for (h = 0; h < c->n; h++)
			c->hosts[h].involved = c->hosts[h].hello;
		c->kept = c->nnext;
		c->t_drain0 = c->t_drain = c->t_apply0 = c->t_apply = c->t_switch = stamp(c, now);
		phase_confirm(c, now);
		return;
	}

	/* A NIC changes if its partner differs between the two plans. */
	fill_partner(c, c->cur, c->ncur);
	{
		int32_t *old = malloc(c->nnics * sizeof(*old) + 1);

		if (!old) {
			log_err("controller: out of memory");
			c->phase = CTL_IDLE;
			return;
		}
		memcpy(old, c->partner, c->nnics * sizeof(*old));
		fill_partner(c, c->next, c->nnext);
		for (k = 0; k < c->nnics; k++)
			if (old[k] != c->partner[k]) {
				c->changed[k] = 1;
				c->ports++;
				c->hosts[c->nic_host[k]].involved = true;
			}
		free(old);
	}
	for (i = 0; i < c->nnext; i++) {
		const struct plan_circuit *x = &c->next[i];

		if (c->changed[gnic(c, x->a, x->na)]) {
			c->added++;
			c->next_ok[i] = false;
		} else {
			/* Same NICs, same partners: it is one of the current circuits. */
			const struct plan_circuit *old = bsearch(x, c->cur, c->ncur, sizeof(*x),
								 circuit_cmp);

			c->kept++;
			c->next_ok[i] = old ? c->cur_ok[old - c->cur] : false;
		}
	}
	c->removed = c->ncur - c->kept;

	c->phase = CTL_DRAIN;
	c->t_drain0 = stamp(c, now);
	broadcast_step(c, MNP_STEP_DRAIN);
	c->deadline = now + c->cfg->drain_timeout_ms * NS_PER_MS;
	if (!pending_hosts(c))
		phase_switch(c, now);
}

/* ---- demand and the hysteresis rule -------------------------------------------------------- */

/* The demand to plan for now; false when there is none. */
static bool build_demand(struct controller *c, uint64_t now)
{
	uint64_t stale = (uint64_t)CTL_STALE_EPOCHS * c->cfg->epoch_ms * NS_PER_MS;
	size_t nn = (size_t)c->n * c->n, i;
	double sum = 0;
	uint32_t h, j;

	if (c->submitted_active && now >= c->submitted_until)
		c->submitted_active = false;
	if (c->submitted_active) {
		for (i = 0; i < nn; i++)
			sum += c->demand[i] = (double)c->submitted[i];
	} else {
		for (h = 0; h < c->n; h++) {
			const struct ctl_host *ch = &c->hosts[h];
			bool fresh = ch->has_row && now - ch->row_at <= stale;

			for (j = 0; j < c->n; j++)
				sum += c->demand[(size_t)h * c->n + j] = fresh && j != h ?
					(double)ch->row[j] : 0;
		}
	}
	return sum > 0;
}

/*
 * Plan for the current demand and reconfigure if it pays: the new plan's
 * estimated all-to-all time must be below (1 - hysteresis) times the
 * current plan's on the same demand (submitted demand: just below).
 */
static void evaluate(struct controller *c, uint64_t now, bool forced)
{
	struct plan_request rq = { .n = c->n, .demand = c->demand, .alpha = c->alpha,
				   .nics = c->nics };
	struct mixnet_xconnect *cur_xc;
	double t_cur, t_new, margin = forced ? 0 : c->cfg->hysteresis;
	uint32_t nnew = 0;
	int rc;

	c->t0 = now;
	if (!build_demand(c, now))
		return;
	cur_xc = calloc(2 * c->ncur + 1, sizeof(*cur_xc));
	if (!cur_xc)
		return;
	rq.cur = cur_xc;
	rq.ncur = circuits_xc(c, c->cur, c->ncur, cur_xc);
	rc = c->pl.plan(c->pl.priv, &rq, c->scratch, &nnew);
	free(cur_xc);
	if (!rc && nnew > c->nnics / 2)
		rc = -EINVAL;
	if (!rc)
		rc = normalise(c, c->scratch, nnew);
	if (rc) {
		log_err("controller: planner failed: %s", strerror(-rc));
		return;
	}
	c->t_plan = stamp(c, now);
	if (nnew == c->ncur && !memcmp(c->scratch, c->cur, nnew * sizeof(*c->cur))) {
		c->unchanged++;
		return;
	}
	circuit_counts(c, c->cur, c->ncur);
	t_cur = c->pl.estimate(c->pl.priv, c->n, c->demand, c->counts);
	circuit_counts(c, c->scratch, nnew);
	t_new = c->pl.estimate(c->pl.priv, c->n, c->demand, c->counts);
	if (!(t_new < t_cur) || t_new > (1 - margin) * t_cur) {
		c->held++;
		log_debug("controller: new plan %.6f s vs current %.6f s: below the %.0f%% margin, kept",
			  t_new, t_cur, margin * 100);
		return;
	}
	memcpy(c->next, c->scratch, nnew * sizeof(*c->next));
	c->nnext = nnew;
	c->reason = c->submitted_active ? CTL_R_SUBMITTED : CTL_R_MEASURED;
	c->has_layer = c->submitted_active && c->sub_has_layer;
	c->layer = c->sub_layer;
	start(c, now, false);
}

/* Run what waited for the barrier: a resync first, then a pending evaluation. */
static void maybe_evaluate(struct controller *c, uint64_t now)
{
	if (c->phase != CTL_IDLE)
		return;
	if (c->need_resync) {
		c->need_resync = false;
		memcpy(c->next, c->cur, c->ncur * sizeof(*c->next));
		memcpy(c->next_ok, c->cur_ok, c->ncur * sizeof(*c->next_ok));
		c->nnext = c->ncur;
		c->reason = CTL_R_RESYNC;
		c->has_layer = false;
		c->t0 = c->t_plan = now;
		start(c, now, true);
		return;
	}
	if (c->need_eval) {
		bool forced = c->eval_forced;

		c->need_eval = c->eval_forced = false;
		evaluate(c, now, forced);
	}
}

int controller_submit(struct controller *c, uint32_t n, const uint32_t *idx,
		      const uint64_t *bytes, bool has_layer, uint32_t layer, uint64_t now)
{
	uint32_t i, j;

	for (i = 0; i < n; i++)
		if (idx[i] >= c->n)
			return -EINVAL;
	memset(c->submitted, 0, (size_t)c->n * c->n * sizeof(*c->submitted));
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			if (idx[i] != idx[j])
				c->submitted[(size_t)idx[i] * c->n + idx[j]] = bytes[(size_t)i * n + j];
	c->submitted_active = true;
	c->submitted_until = now + c->cfg->demand_hold_ms * NS_PER_MS;
	c->sub_has_layer = has_layer;
	c->sub_layer = layer;
	c->need_eval = true;
	c->eval_forced = true;
	maybe_evaluate(c, now);
	return 0;
}

void controller_tick(struct controller *c, uint64_t now)
{
	if (c->submitted_active && now < c->submitted_until)
		return;	/* the training job's matrix holds */
	if (c->phase != CTL_IDLE) {
		c->need_eval = true;
		return;
	}
	evaluate(c, now, false);
}

/* ---- messages in ------------------------------------------------------------------------------ */

static void on_hello(struct controller *c, uint32_t h, const struct mnp_msg *m, uint64_t now)
{
	struct ctl_host *ch = &c->hosts[h];
	struct mnp_msg w = { .type = MNP_WELCOME, .plan_id = c->plan_id,
			     .epoch_ms = c->cfg->epoch_ms };
	void *lowers;

	if (strcmp(m->region, c->cfg->region)) {
		log_warn("controller: %s says it is in region '%s', not '%s'", host_name(c, h),
			 m->region, c->cfg->region);
		send_reject(c, h, -EINVAL, "wrong region");
		return;
	}
	if (strcmp(m->host, host_name(c, h))) {
		log_warn("controller: the key of %s says hello as '%s'", host_name(c, h), m->host);
		send_reject(c, h, -EINVAL, "host name does not match its key");
		return;
	}
	lowers = malloc((m->nlowers + 1) * sizeof(*m->lowers));
	if (!lowers)
		return;
	memcpy(lowers, m->lowers, m->nlowers * sizeof(*m->lowers));
	free(ch->lowers);
	ch->lowers = lowers;
	ch->nlowers = m->nlowers;
	ch->plan_id = m->plan_id;
	if (!ch->hello)
		log_info("controller: %s joined (agent %s, last plan %" PRIu64 ")", host_name(c, h),
			 m->agent[0] ? m->agent : "?", m->plan_id);
	ch->hello = true;
	ch->last_seen = now;
	snprintf(w.region, sizeof(w.region), "%s", c->cfg->region);
	send_to(c, h, &w);
	/* Bring it (and its peers) to the plan in force, without switching. */
	c->need_resync = true;
	maybe_evaluate(c, now);
}

/* Map demand columns (host names) to config indices; -1 for unknown. */
static int map_columns(const struct controller *c, const struct mnp_msg *m, uint32_t *idx)
{
	uint32_t i;

	for (i = 0; i < m->ncols; i++) {
		int k = config_host_index(c->cfg, m->cols[i]);

		if (k < 0)
			return -ENOENT;
		idx[i] = (uint32_t)k;
	}
	return 0;
}

static void on_demand(struct controller *c, uint32_t h, const struct mnp_msg *m, uint64_t now)
{
	struct ctl_host *ch = &c->hosts[h];
	uint32_t *idx = calloc(m->ncols + 1, sizeof(*idx)), i;

	if (!idx)
		return;
	if (map_columns(c, m, idx)) {
		log_warn("controller: demand from %s names hosts outside the region", host_name(c, h));
		goto out;
	}
	if (m->source == MNP_SRC_MEASURED) {
		/* A host measures its own sending only. */
		if (m->nrows != 1 || idx[m->rows[0].src] != h) {
			log_warn("controller: measured demand from %s is not its own row",
				 host_name(c, h));
			goto out;
		}
		memset(ch->row, 0, c->n * sizeof(*ch->row));
		for (i = 0; i < m->ncols; i++)
			ch->row[idx[i]] = m->rows[0].bytes[i];
		ch->has_row = true;
		ch->row_at = now;
		ch->row_epoch = m->epoch;
	} else {
		/* A submitted matrix: rows as sent, missing rows are zero. */
		uint64_t *full = calloc((size_t)m->ncols * m->ncols + 1, sizeof(*full));

		if (!full)
			goto out;
		for (i = 0; i < m->nrows; i++)
			memcpy(full + (size_t)m->rows[i].src * m->ncols, m->rows[i].bytes,
			       m->ncols * sizeof(*full));
		log_info("controller: %ux%u demand matrix submitted via %s%s", m->ncols, m->ncols,
			 host_name(c, h), m->has_layer ? " (layer given)" : "");
		controller_submit(c, m->ncols, idx, full, m->has_layer, m->layer, now);
		free(full);
	}
out:
	free(idx);
}

/* Every host answered the step, or its time is up: on to the next phase. */
static void step_done(struct controller *c, uint64_t now)
{
	switch (c->phase) {
	case CTL_DRAIN:
		c->t_drain = stamp(c, now);
		phase_switch(c, now);
		break;
	case CTL_CONFIRM:
		phase_use(c, now);
		break;
	case CTL_USE:
		finish(c, now, c->reason == CTL_R_ABORT ? c->abort_why : NULL);
		break;
	default:
		break;
	}
}

static void on_ack(struct controller *c, uint32_t h, const struct mnp_msg *m, uint64_t now)
{
	struct ctl_host *ch = &c->hosts[h];
	static const uint8_t step_of[] = { [CTL_DRAIN] = MNP_STEP_DRAIN,
					   [CTL_CONFIRM] = MNP_STEP_CONFIRM,
					   [CTL_USE] = MNP_STEP_USE };

	if (c->phase == CTL_IDLE || c->phase == CTL_SWITCH || m->plan_id != c->next_id ||
	    m->step != step_of[c->phase] || !ch->pending) {
		log_debug("controller: stale ack from %s (plan %" PRIu64 " %s)", host_name(c, h),
			  m->plan_id, mnp_step_name(m->step));
		return;
	}
	ch->pending = false;
	ch->ack_status = m->status;
	snprintf(ch->ack_msg, sizeof(ch->ack_msg), "%s", m->message);
	if (m->status)
		log_warn("controller: %s: %s of plan %" PRIu64 " failed: %s%s%s", host_name(c, h),
			 mnp_step_name(m->step), m->plan_id, strerror(-m->status),
			 m->message[0] ? ": " : "", m->message);
	if (m->step == MNP_STEP_CONFIRM || m->nlowers) {
		void *lowers = malloc((m->nlowers + 1) * sizeof(*m->lowers));

		if (lowers) {
			memcpy(lowers, m->lowers, m->nlowers * sizeof(*m->lowers));
			free(ch->lowers);
			ch->lowers = lowers;
			ch->nlowers = m->nlowers;
			ch->lowers_fresh = m->step == MNP_STEP_CONFIRM;
		}
	}
	if (!pending_hosts(c))
		step_done(c, now);
}

void controller_recv(struct controller *c, uint32_t h, const struct mnp_msg *m, uint64_t now)
{
	if (h >= c->n)
		return;
	c->hosts[h].last_seen = now;
	if (m->type == MNP_HELLO) {
		on_hello(c, h, m, now);
		return;
	}
	if (!c->hosts[h].hello) {
		/* It thinks it is connected, we do not: ask it to start over. */
		log_debug("controller: %s message from %s before its hello, asking for one",
			  mnp_type_name(m->type), host_name(c, h));
		if (m->type != MNP_REJECT)
			send_reject(c, h, -ENOTCONN, "say hello first");
		return;
	}
	switch (m->type) {
	case MNP_DEMAND:
		on_demand(c, h, m, now);
		break;
	case MNP_ACK:
		on_ack(c, h, m, now);
		break;
	case MNP_REJECT:
		log_err("controller: %s refused a message: %s (%s)", host_name(c, h), m->message,
			strerror(-m->status));
		break;
	default:
		log_warn("controller: unexpected %s message from %s", mnp_type_name(m->type),
			 host_name(c, h));
		break;
	}
}

void controller_host_lost(struct controller *c, uint32_t h)
{
	if (h < c->n)
		host_gone(c, h, -EHOSTUNREACH);
}

/* ---- OCS events and timeouts ------------------------------------------------------------------- */

static void switched(struct controller *c, uint64_t now)
{
	c->t_switch = stamp(c, now);
	phase_confirm(c, now);
}

/* Has the OCS finished the switch we asked for (when events may have been lost)? */
static bool ocs_switched(struct controller *c)
{
	bool switching = true;
	uint64_t gen = 0;

	return !c->ocs.state(c->ocs.priv, &switching, &gen) && !switching && gen >= c->expect_gen;
}

void controller_ocs_event(struct controller *c, uint64_t now)
{
	struct mixnet_ocs_event ev;
	int rc;

	while ((rc = c->ocs.read_event(c->ocs.priv, &ev)) > 0) {
		if (ev.type == MIXNET_OCS_EV_OVERFLOW && c->phase == CTL_SWITCH && !c->busy_retry) {
			/* Lost events: ask the OCS directly. */
			if (ocs_switched(c))
				switched(c, now);
			continue;
		}
		if (ev.type == MIXNET_OCS_EV_SWITCH_DONE && c->phase == CTL_SWITCH && !c->busy_retry &&
		    ev.generation >= c->expect_gen)
			switched(c, now);
	}
	if (rc < 0)
		log_err("controller: OCS events: %s", strerror(-rc));
}

void controller_timeout(struct controller *c, uint64_t now)
{
	if (c->phase == CTL_IDLE || now < c->deadline)
		return;
	if (c->phase == CTL_SWITCH) {
		if (c->busy_retry)
			phase_switch(c, now);
		else if (ocs_switched(c))
			switched(c, now);
		else
			abort_to_current(c, now, "the OCS did not finish switching");
		return;
	}
	if (c->phase == CTL_DRAIN)
		log_missing(c, "drain");
	step_done(c, now);
}

uint64_t controller_next_deadline(const struct controller *c)
{
	return c->phase == CTL_IDLE ? UINT64_MAX : c->deadline;
}

/* ---- queries --------------------------------------------------------------------------------- */

enum ctl_phase controller_phase(const struct controller *c)
{
	return c->phase;
}

uint64_t controller_plan_id(const struct controller *c)
{
	return c->plan_id;
}

const struct plan_circuit *controller_circuits(const struct controller *c, uint32_t *n,
					       const bool **verified)
{
	*n = c->ncur;
	if (verified)
		*verified = c->cur_ok;
	return c->cur;
}

const struct ctl_result *controller_last(const struct controller *c)
{
	return &c->last;
}

uint64_t controller_reconfigs(const struct controller *c)
{
	return c->by_reason[CTL_R_MEASURED] + c->by_reason[CTL_R_SUBMITTED];
}

bool controller_host_connected(const struct controller *c, uint32_t h, uint64_t now)
{
	const struct ctl_host *ch;

	if (h >= c->n)
		return false;
	ch = &c->hosts[h];
	return ch->hello &&
	       now - ch->last_seen <= (uint64_t)CTL_STALE_EPOCHS * c->cfg->epoch_ms * NS_PER_MS;
}

json_t *controller_status(const struct controller *c, uint64_t now)
{
	json_t *o = json_object(), *circ = json_array(), *hosts = json_array(), *last;
	uint32_t i;

	if (!o || !circ || !hosts) {
		json_decref(o);
		json_decref(circ);
		json_decref(hosts);
		return NULL;
	}
	for (i = 0; i < c->ncur; i++) {
		const struct plan_circuit *x = &c->cur[i];

		json_array_append_new(circ, json_pack("{s:s, s:s, s:s, s:s, s:b}",
			"a", host_name(c, x->a), "a_nic", nic_name(c, x->a, x->na),
			"b", host_name(c, x->b), "b_nic", nic_name(c, x->b, x->nb),
			"verified", c->cur_ok[i]));
	}
	for (i = 0; i < c->n; i++) {
		const struct ctl_host *ch = &c->hosts[i];

		json_array_append_new(hosts, json_pack("{s:s, s:b, s:I, s:I, s:I}",
			"name", host_name(c, i), "connected", controller_host_connected(c, i, now),
			"last_seen_ms", ch->last_seen ? (json_int_t)((now - ch->last_seen) / NS_PER_MS) : -1,
			"demand_epoch", (json_int_t)ch->row_epoch, "plan_id", (json_int_t)ch->plan_id));
	}
	json_object_set_new(o, "phase", json_string(ctl_phase_name(c->phase)));
	json_object_set_new(o, "plan_id", json_integer((json_int_t)c->plan_id));
	json_object_set_new(o, "ocs_generation", json_integer((json_int_t)c->gen));
	json_object_set_new(o, "demand", json_string(c->submitted_active && now < c->submitted_until ?
						     "submitted" : "measured"));
	json_object_set_new(o, "circuits", circ);
	json_object_set_new(o, "hosts", hosts);
	json_object_set_new(o, "reconfigs", json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}",
		"measured", (json_int_t)c->by_reason[CTL_R_MEASURED],
		"submitted", (json_int_t)c->by_reason[CTL_R_SUBMITTED],
		"resync", (json_int_t)c->by_reason[CTL_R_RESYNC],
		"aborted", (json_int_t)c->by_reason[CTL_R_ABORT],
		"held_by_hysteresis", (json_int_t)c->held,
		"plan_unchanged", (json_int_t)c->unchanged));
	if (c->last.finished_ns) {
		const struct ctl_result *r = &c->last;

		last = json_pack("{s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:b, s:s, s:I}",
			"plan_id", (json_int_t)r->plan_id, "reason", ctl_reason_name(r->reason),
			"added", (json_int_t)r->added, "removed", (json_int_t)r->removed,
			"kept", (json_int_t)r->kept, "unverified", (json_int_t)r->unverified,
			"ports", (json_int_t)r->ports, "hosts", (json_int_t)r->hosts,
			"aborted", r->aborted, "error", r->error,
			"ago_ms", (json_int_t)((now - r->finished_ns) / NS_PER_MS));
		if (last && r->has_layer)
			json_object_set_new(last, "layer", json_integer(r->layer));
		if (last)
			json_object_set_new(last, "timings_ms", json_pack(
				"{s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f}",
				"plan", ms(r->t.plan), "drain", ms(r->t.drain), "apply", ms(r->t.apply),
				"switch", ms(r->t.switch_), "confirm", ms(r->t.confirm),
				"use", ms(r->t.use), "total", ms(r->t.total),
				"control", ms(r->t.control)));
		json_object_set_new(o, "last_reconfig", last ? last : json_null());
	} else {
		json_object_set_new(o, "last_reconfig", json_null());
	}
	return o;
}
