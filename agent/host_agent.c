// SPDX-License-Identifier: GPL-2.0
/* The host agent's state machine (see host_agent.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_agent.h"
#include "log.h"
#include "version.h"

#define NS_PER_MS 1000000ull

struct expect {
	uint32_t nic;		/* local optical NIC */
	uint32_t peer;		/* host discovery must see behind it */
};

struct host_agent {
	const struct config *cfg;
	uint32_t self, n, nnic;
	const struct cfg_host *me;
	struct sampler_backend sampler;
	struct fabric_backend fabric;
	struct host_ops ops;

	bool connected;		/* transport handshake done */
	bool hello_due;		/* HELLO not sent yet on this connection */
	uint64_t hello_retry;
	bool welcomed;
	bool rejected;
	char reject_msg[MNP_MESSAGE_MAX];
	uint64_t connected_at;

	uint64_t plan_id;	/* last USE carried out */
	int32_t *nic_peer;	/* per optical NIC: host its circuit is used for, -1 */
	bool have_view;		/* nic_peer is what the kernel routes over (read back or set) */
	bool synced;		/* every peer's route was set by this agent since it started */

	uint64_t epoch;
	uint64_t *row;
	uint64_t demand_sent, demand_unsent, submitted, steps, step_errors;

	/* A CONFIRM waiting for discovery. */
	bool confirming;
	uint64_t confirm_plan, confirm_deadline, confirm_next;
	struct expect *expect;
	uint32_t nexpect;

	struct fabric_lower *lowers;	/* scratch */
	uint32_t max_lowers;
};

static const char *hname(const struct host_agent *ha, uint32_t h)
{
	return ha->cfg->hosts[h].name;
}

/*
 * Rebuild nic_peer from the optical paths the kernel routes over.  On
 * failure nic_peer is left as it was and have_view is not set.
 */
static int read_back(struct host_agent *ha)
{
	struct fabric_path paths[CFG_MAX_ALPHA * 2];
	int n, i, k, p;
	uint32_t j;

	if (!ha->fabric.read_paths)
		return -EOPNOTSUPP;
	n = ha->fabric.read_paths(ha->fabric.priv, paths, CFG_MAX_ALPHA * 2);
	if (n < 0) {
		log_warn("host: cannot read the routing table back: %s", strerror(-n));
		return n;
	}
	for (j = 0; j < ha->nnic; j++)
		ha->nic_peer[j] = -1;
	for (i = 0; i < n; i++) {
		k = config_nic_index(ha->cfg, ha->self, paths[i].ifname);
		p = config_host_by_fabric(ha->cfg, &paths[i].peer);
		if (k >= 0 && p >= 0 && (uint32_t)p != ha->self)
			ha->nic_peer[k] = p;
	}
	ha->have_view = true;
	log_info("host: %d optical paths in the kernel, kept as they are", n);
	return 0;
}

struct host_agent *host_agent_new(const struct config *cfg, const struct sampler_backend *sampler,
				  const struct fabric_backend *fabric, const struct host_ops *ops)
{
	struct host_agent *ha;
	uint32_t k;

	if (cfg->self < 0)
		return NULL;
	ha = calloc(1, sizeof(*ha));
	if (!ha)
		return NULL;
	ha->cfg = cfg;
	ha->self = (uint32_t)cfg->self;
	ha->me = &cfg->hosts[ha->self];
	ha->n = cfg->nhosts;
	ha->nnic = ha->me->noptical;
	ha->sampler = *sampler;
	ha->fabric = *fabric;
	ha->ops = *ops;
	ha->max_lowers = MNP_MAX_LOWERS;
	ha->nic_peer = calloc(ha->nnic + 1, sizeof(*ha->nic_peer));
	ha->row = calloc(ha->n, sizeof(*ha->row));
	ha->lowers = calloc(ha->max_lowers, sizeof(*ha->lowers));
	ha->expect = calloc(ha->nnic + 1, sizeof(*ha->expect));
	if (!ha->nic_peer || !ha->row || !ha->lowers || !ha->expect) {
		host_agent_free(ha);
		return NULL;
	}
	for (k = 0; k < ha->nnic; k++)
		ha->nic_peer[k] = -1;
	read_back(ha);
	return ha;
}

void host_agent_free(struct host_agent *ha)
{
	if (!ha)
		return;
	free(ha->nic_peer);
	free(ha->row);
	free(ha->lowers);
	free(ha->expect);
	free(ha);
}

/* ---- lowers ---------------------------------------------------------------------- */

static int read_lowers(struct host_agent *ha)
{
	int n = ha->fabric.read_lowers(ha->fabric.priv, ha->lowers, ha->max_lowers);

	if (n < 0)
		log_warn("host: cannot read the lowers of %s: %s", ha->cfg->device, strerror(-n));
	return n;
}

/* Attach the lowers just read to @m. */
static int add_lowers(struct host_agent *ha, struct mnp_msg *m, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		struct mnp_lower l = { .optical = ha->lowers[i].optical,
				       .carrier = ha->lowers[i].carrier,
				       .peer = ha->lowers[i].peer,
				       .has_lladdr = ha->lowers[i].has_peer_lladdr };

		snprintf(l.nic, sizeof(l.nic), "%s", ha->lowers[i].ifname);
		memcpy(l.peer_lladdr, ha->lowers[i].peer_lladdr, 6);
		if (mnp_add_lower(m, &l))
			return -ENOMEM;
	}
	return 0;
}

static const struct fabric_lower *find_lower(const struct host_agent *ha, int n,
					     const char *ifname)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(ha->lowers[i].ifname, ifname))
			return &ha->lowers[i];
	return NULL;
}

/* ---- messages out ----------------------------------------------------------------- */

static int send_msg(struct host_agent *ha, const struct mnp_msg *m)
{
	int rc = ha->ops.send(ha->ops.priv, m);

	if (rc && rc != -EAGAIN)
		log_warn("host: cannot send %s to the controller: %s", mnp_type_name(m->type),
			 strerror(-rc));
	return rc;
}

static void send_hello(struct host_agent *ha, uint64_t now)
{
	struct mnp_msg m = { .type = MNP_HELLO, .plan_id = ha->plan_id };
	int n;

	snprintf(m.host, sizeof(m.host), "%s", ha->me->name);
	snprintf(m.region, sizeof(m.region), "%s", ha->cfg->region);
	snprintf(m.agent, sizeof(m.agent), "%s", MIXNET_AGENT_VERSION);
	n = read_lowers(ha);
	if (n > 0 && add_lowers(ha, &m, n)) {
		mnp_msg_free(&m);
		return;
	}
	if (send_msg(ha, &m) == 0) {
		ha->hello_due = false;
	} else {
		ha->hello_due = true;
		ha->hello_retry = now + HOST_HELLO_RETRY_MS * NS_PER_MS;
	}
	mnp_msg_free(&m);
}

static void send_ack(struct host_agent *ha, uint64_t plan_id, uint8_t step, int status,
		     const char *msg, bool with_lowers)
{
	struct mnp_msg m = { .type = MNP_ACK, .plan_id = plan_id, .step = step,
			     .status = status };
	int n;

	if (msg)
		snprintf(m.message, sizeof(m.message), "%s", msg);
	if (with_lowers) {
		n = read_lowers(ha);
		if (n > 0 && add_lowers(ha, &m, n)) {
			mnp_msg_free(&m);
			return;
		}
	}
	if (status)
		ha->step_errors++;
	send_msg(ha, &m);
	mnp_msg_free(&m);
}

/* ---- routes ------------------------------------------------------------------------ */

/* Route to @peer over the optical NICs @nic_peer assigns to it. */
static int set_route(struct host_agent *ha, const int32_t *nic_peer, uint32_t peer)
{
	const char *opt[CFG_MAX_ALPHA];
	struct fabric_route r = {
		.peer = ha->cfg->hosts[peer].fabric,
		.electrical = ha->me->electrical,
		.nexthop = ha->cfg->hosts[peer].electrical_nexthop,
		.optical = opt,
	};
	uint32_t k;

	for (k = 0; k < ha->nnic; k++)
		if (nic_peer[k] == (int32_t)peer)
			opt[r.noptical++] = ha->me->optical[k].ifname;
	return ha->fabric.set_route(ha->fabric.priv, &r);
}

/*
 * Make the kernel route as @next says; only peers whose optical NICs
 * change are touched, except the first time after the agent started,
 * when every peer's route (electrical next hop included) is set once:
 * setting a route the kernel already has must not disturb its traffic.
 * Returns the first error, naming the peer in @why.
 */
static int apply_routes(struct host_agent *ha, const int32_t *next, char *why, size_t whylen)
{
	uint8_t *dirty = calloc(ha->n, 1);
	uint32_t k, p;
	int rc = 0, err;

	if (!dirty)
		return -ENOMEM;
	for (k = 0; k < ha->nnic; k++) {
		if (ha->nic_peer[k] == next[k])
			continue;
		if (ha->nic_peer[k] >= 0)
			dirty[ha->nic_peer[k]] = 1;
		if (next[k] >= 0)
			dirty[next[k]] = 1;
	}
	for (p = 0; p < ha->n; p++) {
		if (p == ha->self || (ha->synced && !dirty[p]))
			continue;
		err = set_route(ha, next, p);
		/* dirty[p] now says: the route to p failed (2) or not. */
		dirty[p] = err ? 2 : 0;
		if (err && !rc) {
			rc = err;
			snprintf(why, whylen, "route to %s: %s", hname(ha, p), strerror(-err));
		}
	}
	ha->synced = !rc;
	if (!rc) {
		memcpy(ha->nic_peer, next, ha->nnic * sizeof(*next));
		ha->have_view = true;
	} else if (read_back(ha)) {
		/*
		 * The kernel cannot tell: assume a failed route kept its old
		 * NICs and a NIC that was to join a failed route joined none.
		 * Peers whose routes were set are as @next says.
		 */
		for (k = 0; k < ha->nnic; k++) {
			if (ha->nic_peer[k] >= 0 && dirty[ha->nic_peer[k]] == 2)
				continue;
			ha->nic_peer[k] = next[k] >= 0 && dirty[next[k]] == 2 ? -1 : next[k];
		}
		ha->have_view = false;
	}
	free(dirty);
	return rc;
}

/* ---- barrier steps --------------------------------------------------------------------- */

static int nic_of(const struct host_agent *ha, const char *ifname, char *why, size_t whylen)
{
	int k = config_nic_index(ha->cfg, ha->self, ifname);

	if (k < 0)
		snprintf(why, whylen, "%s is not an optical NIC of %s", ifname, ha->me->name);
	return k;
}

static void on_drain(struct host_agent *ha, const struct mnp_msg *m)
{
	int32_t *next = malloc((ha->nnic + 1) * sizeof(*next));
	char why[MNP_MESSAGE_MAX] = "";
	uint32_t i;
	int rc = 0, k;

	if (!next)
		return;
	/*
	 * Without a view (a route failed and the kernel could not be read)
	 * try again; else work from the best guess apply_routes left.
	 * Never drain NICs the step does not name: that would cut circuits
	 * this plan keeps.
	 */
	if (!ha->have_view)
		read_back(ha);
	memcpy(next, ha->nic_peer, ha->nnic * sizeof(*next));
	for (i = 0; i < m->ndrain && !rc; i++) {
		k = nic_of(ha, m->drain[i], why, sizeof(why));
		if (k < 0)
			rc = -EINVAL;
		else
			next[k] = -1;
	}
	if (!rc)
		rc = apply_routes(ha, next, why, sizeof(why));
	free(next);
	send_ack(ha, m->plan_id, MNP_STEP_DRAIN, rc, rc ? why : NULL, false);
}

/* Are all expected peers seen?  @why lists what is not. */
static bool confirmed(struct host_agent *ha, char *why, size_t whylen)
{
	int n = read_lowers(ha);
	size_t len = 0;
	bool ok = n >= 0;
	uint32_t i;

	why[0] = '\0';
	for (i = 0; i < ha->nexpect && n >= 0; i++) {
		const char *ifn = ha->me->optical[ha->expect[i].nic].ifname;
		const struct fabric_lower *l = find_lower(ha, n, ifn);
		const struct cfg_addr *want = &ha->cfg->hosts[ha->expect[i].peer].fabric;
		int seen;

		if (l && l->carrier && cfg_addr_eq(&l->peer, want))
			continue;
		ok = false;
		seen = l && l->peer.family ? config_host_by_fabric(ha->cfg, &l->peer) : -1;
		if (len < whylen)
			len += (size_t)snprintf(why + len, whylen - len, "%s%s %s", len ? "; " : "",
						ifn, !l ? "missing" : !l->carrier ? "has no carrier" :
						!l->peer.family ? "sees nobody" : "sees");
		if (l && l->carrier && l->peer.family && len < whylen)
			len += (size_t)snprintf(why + len, whylen - len, " %s instead of %s",
						seen >= 0 ? hname(ha, (uint32_t)seen) : "a stranger",
						hname(ha, ha->expect[i].peer));
	}
	return ok;
}

static void confirm_check(struct host_agent *ha, uint64_t now)
{
	char why[MNP_MESSAGE_MAX];

	if (!ha->confirming)
		return;
	if (confirmed(ha, why, sizeof(why))) {
		ha->confirming = false;
		send_ack(ha, ha->confirm_plan, MNP_STEP_CONFIRM, 0, NULL, true);
	} else if (now >= ha->confirm_deadline) {
		ha->confirming = false;
		log_warn("host: plan %" PRIu64 ": discovery did not confirm: %s", ha->confirm_plan, why);
		send_ack(ha, ha->confirm_plan, MNP_STEP_CONFIRM, -ETIMEDOUT, why, true);
	} else {
		ha->confirm_next = now + HOST_CONFIRM_POLL_MS * NS_PER_MS;
	}
}

static void on_confirm(struct host_agent *ha, const struct mnp_msg *m, uint64_t now)
{
	char why[MNP_MESSAGE_MAX] = "";
	uint32_t i;
	int k, p;

	ha->nexpect = 0;
	for (i = 0; i < m->ncircuits; i++) {
		if (!m->circuits[i].changed)
			continue;
		k = nic_of(ha, m->circuits[i].nic, why, sizeof(why));
		p = config_host_index(ha->cfg, m->circuits[i].peer);
		if (k >= 0 && (p < 0 || (uint32_t)p == ha->self)) {
			snprintf(why, sizeof(why), "circuit to unknown host %s", m->circuits[i].peer);
			k = -1;
		}
		if (k < 0 || ha->nexpect >= ha->nnic) {
			send_ack(ha, m->plan_id, MNP_STEP_CONFIRM, -EINVAL, why, true);
			return;
		}
		ha->expect[ha->nexpect++] = (struct expect){ (uint32_t)k, (uint32_t)p };
	}
	ha->confirming = true;
	ha->confirm_plan = m->plan_id;
	ha->confirm_deadline = now + (uint64_t)(m->timeout_ms ? m->timeout_ms :
					       ha->cfg->confirm_timeout_ms) * NS_PER_MS;
	confirm_check(ha, now);
}

static void on_use(struct host_agent *ha, const struct mnp_msg *m)
{
	int32_t *next = malloc((ha->nnic + 1) * sizeof(*next));
	char why[MNP_MESSAGE_MAX] = "";
	uint32_t i;
	int rc = 0, k = 0, p;

	if (!next)
		return;
	for (i = 0; i < ha->nnic; i++)
		next[i] = -1;
	for (i = 0; i < m->ncircuits && !rc; i++) {
		k = nic_of(ha, m->circuits[i].nic, why, sizeof(why));
		p = config_host_index(ha->cfg, m->circuits[i].peer);
		if (k < 0 || p < 0 || (uint32_t)p == ha->self) {
			if (k >= 0)
				snprintf(why, sizeof(why), "circuit to unknown host %s",
					 m->circuits[i].peer);
			rc = -EINVAL;
		} else {
			next[k] = p;
		}
	}
	if (!rc)
		rc = apply_routes(ha, next, why, sizeof(why));
	free(next);
	if (!rc)
		ha->plan_id = m->plan_id;
	send_ack(ha, m->plan_id, MNP_STEP_USE, rc, rc ? why : NULL, false);
}

static void on_step(struct host_agent *ha, const struct mnp_msg *m, uint64_t now)
{
	ha->steps++;
	/* A new step supersedes a confirmation still waiting. */
	ha->confirming = false;
	switch (m->step) {
	case MNP_STEP_DRAIN:
		on_drain(ha, m);
		break;
	case MNP_STEP_CONFIRM:
		on_confirm(ha, m, now);
		break;
	case MNP_STEP_USE:
		on_use(ha, m);
		break;
	}
}

/* ---- events -------------------------------------------------------------------------------- */

void host_agent_connected(struct host_agent *ha, uint64_t now)
{
	ha->connected = true;
	ha->welcomed = false;
	ha->rejected = false;
	ha->connected_at = now;
	log_info("host: connected to the region controller");
	send_hello(ha, now);
}

void host_agent_disconnected(struct host_agent *ha, uint64_t now)
{
	(void)now;
	if (ha->connected)
		log_warn("host: lost the region controller; routes stay as the kernel has them");
	ha->connected = false;
	ha->welcomed = false;
	ha->hello_due = false;
	ha->confirming = false;
}

void host_agent_recv(struct host_agent *ha, const struct mnp_msg *m, uint64_t now)
{
	switch (m->type) {
	case MNP_WELCOME:
		if (strcmp(m->region, ha->cfg->region)) {
			log_err("host: controller is for region '%s', not '%s'", m->region,
				ha->cfg->region);
			ha->rejected = true;
			snprintf(ha->reject_msg, sizeof(ha->reject_msg), "controller of region %s",
				 m->region);
			break;
		}
		ha->welcomed = true;
		log_info("host: welcomed by the controller (plan %" PRIu64 ", epoch %u ms)",
			 m->plan_id, m->epoch_ms);
		break;
	case MNP_STEP:
		if (!ha->welcomed) {
			log_warn("host: %s step before welcome, ignored", mnp_step_name(m->step));
			break;
		}
		on_step(ha, m, now);
		break;
	case MNP_REJECT:
		if (m->status == -ENOTCONN && ha->connected) {
			/* The controller lost track of us (e.g. it restarted): hello again. */
			log_info("host: the controller asks for a new hello");
			send_hello(ha, now);
			break;
		}
		ha->rejected = true;
		snprintf(ha->reject_msg, sizeof(ha->reject_msg), "%s", m->message);
		log_err("host: the controller refused us: %s (%s)", m->message, strerror(-m->status));
		break;
	default:
		log_warn("host: unexpected %s message from the controller", mnp_type_name(m->type));
		break;
	}
}

void host_agent_tick(struct host_agent *ha, uint64_t now)
{
	struct mnp_msg m = { .type = MNP_DEMAND, .source = MNP_SRC_MEASURED };
	const char **names;
	uint32_t i;
	int rc;

	(void)now;
	ha->epoch++;
	rc = ha->sampler.read_row(ha->sampler.priv, ha->row, ha->n);
	if (rc) {
		log_warn("host: cannot read this host's demand: %s", strerror(-rc));
		return;
	}
	ha->row[ha->self] = 0;
	if (!ha->connected || !ha->welcomed || ha->rejected) {
		ha->demand_unsent++;
		return;
	}
	names = calloc(ha->n, sizeof(*names));
	if (!names)
		return;
	for (i = 0; i < ha->n; i++)
		names[i] = hname(ha, i);
	m.epoch = ha->epoch;
	if (!mnp_set_columns(&m, ha->n, names) && !mnp_add_row(&m, ha->self, ha->row)) {
		if (send_msg(ha, &m) == 0)
			ha->demand_sent++;
		else
			ha->demand_unsent++;
	}
	free(names);
	mnp_msg_free(&m);
}

void host_agent_fabric_event(struct host_agent *ha, uint64_t now)
{
	confirm_check(ha, now);
}

void host_agent_timeout(struct host_agent *ha, uint64_t now)
{
	if (ha->connected && ha->hello_due && now >= ha->hello_retry)
		send_hello(ha, now);
	if (ha->confirming && now >= ha->confirm_next)
		confirm_check(ha, now);
}

uint64_t host_agent_next_deadline(const struct host_agent *ha)
{
	uint64_t d = UINT64_MAX;

	if (ha->connected && ha->hello_due)
		d = ha->hello_retry;
	if (ha->confirming && ha->confirm_next < d)
		d = ha->confirm_next;
	return d;
}

int host_agent_submit(struct host_agent *ha, uint32_t n, const uint32_t *idx,
		      const uint64_t *bytes, bool has_layer, uint32_t layer, uint64_t now,
		      uint64_t *id, char *msg, size_t msglen)
{
	struct mnp_msg m = { .type = MNP_DEMAND, .source = MNP_SRC_SUBMITTED,
			     .flags = MNP_F_PLAN_NOW, .has_layer = has_layer, .layer = layer };
	const char **names;
	size_t i, j;
	int rc = 0;

	(void)now;
	/* The input first: a bad matrix is refused the same with or without a controller. */
	for (i = 0; i < (size_t)n * n && !bytes[i]; i++)
		;
	if (i == (size_t)n * n) {
		snprintf(msg, msglen, "the matrix is all zeros");
		return -EINVAL;
	}
	if (!ha->connected || !ha->welcomed) {
		snprintf(msg, msglen, "not connected to the region controller");
		return -ENOTCONN;
	}
	if (ha->rejected) {
		snprintf(msg, msglen, "the region controller refused this host: %s", ha->reject_msg);
		return -EACCES;
	}
	names = calloc(n + 1, sizeof(*names));
	if (!names)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		names[i] = hname(ha, idx[i]);
	m.epoch = ++ha->submitted;
	rc = mnp_set_columns(&m, n, names);
	for (i = 0; i < n && !rc; i++) {
		for (j = 0; j < n && !bytes[(size_t)i * n + j]; j++)
			;
		if (j < n)	/* rows of zeros need not travel */
			rc = mnp_add_row(&m, i, bytes + (size_t)i * n);
	}
	if (!rc) {
		rc = send_msg(ha, &m);
		if (rc)
			snprintf(msg, msglen, "cannot reach the region controller: %s", strerror(-rc));
	} else {
		snprintf(msg, msglen, "out of memory");
	}
	free(names);
	mnp_msg_free(&m);
	if (!rc)
		*id = ha->submitted;
	return rc;
}

bool host_agent_controller_connected(const struct host_agent *ha)
{
	return ha->connected && ha->welcomed;
}

uint64_t host_agent_plan_id(const struct host_agent *ha)
{
	return ha->plan_id;
}

int host_agent_nic_peer(const struct host_agent *ha, uint32_t k)
{
	return k < ha->nnic ? ha->nic_peer[k] : -1;
}

json_t *host_agent_status(const struct host_agent *ha, uint64_t now)
{
	json_t *o = json_object(), *circ = json_array();
	uint32_t k;

	if (!o || !circ) {
		json_decref(o);
		json_decref(circ);
		return NULL;
	}
	for (k = 0; k < ha->nnic; k++)
		json_array_append_new(circ, json_pack("{s:s, s:s?}", "nic", ha->me->optical[k].ifname,
			"peer", ha->nic_peer[k] >= 0 ? hname(ha, (uint32_t)ha->nic_peer[k]) : NULL));
	json_object_set_new(o, "name", json_string(ha->me->name));
	json_object_set_new(o, "controller", json_string(ha->cfg->ctl_endpoint));
	json_object_set_new(o, "connected", json_boolean(ha->connected && ha->welcomed));
	json_object_set_new(o, "connected_for_ms", json_integer(ha->connected ?
		(json_int_t)((now - ha->connected_at) / NS_PER_MS) : 0));
	if (ha->rejected)
		json_object_set_new(o, "rejected", json_string(ha->reject_msg));
	json_object_set_new(o, "plan_id", json_integer((json_int_t)ha->plan_id));
	json_object_set_new(o, "routes_synced", json_boolean(ha->synced));
	json_object_set_new(o, "nics", circ);
	json_object_set_new(o, "epoch", json_integer((json_int_t)ha->epoch));
	json_object_set_new(o, "demand_sent", json_integer((json_int_t)ha->demand_sent));
	json_object_set_new(o, "demand_unsent", json_integer((json_int_t)ha->demand_unsent));
	json_object_set_new(o, "submitted", json_integer((json_int_t)ha->submitted));
	json_object_set_new(o, "steps", json_integer((json_int_t)ha->steps));
	json_object_set_new(o, "step_errors", json_integer((json_int_t)ha->step_errors));
	json_object_set_new(o, "confirming", json_boolean(ha->confirming));
	return o;
}
