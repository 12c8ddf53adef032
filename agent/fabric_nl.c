// SPDX-License-Identifier: GPL-2.0
/*
 * fabric_backend over the mixnet generic netlink client (see fabric_nl.h
 * for what the kernel does by itself and why the adapter does what it
 * does).  Two handles: one for requests, one subscribed to the "events"
 * group and non-blocking, whose descriptor the daemon polls.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fabric_nl.h"
#include "log.h"

/* Events read per drain_events() call: the loop must get back to its other work. */
#define FABRIC_DRAIN_MAX	64

/* ---- pure parts ------------------------------------------------------------------------- */

void fabric_peer_to_route(const struct cfg_addr *a, struct mixnet_nl_route *r)
{
	memset(&r->peer, 0, sizeof(r->peer));
	r->family = a->family;
	if (a->family == AF_INET)
		memcpy(&r->peer.v4, a->a, 4);
	else if (a->family == AF_INET6)
		memcpy(&r->peer.v6, a->a, 16);
	else
		r->family = AF_UNSPEC;
}

void fabric_peer_from_route(const struct mixnet_nl_route *r, struct cfg_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (r->family == AF_INET) {
		a->family = AF_INET;
		memcpy(a->a, &r->peer.v4, 4);
	} else if (r->family == AF_INET6) {
		a->family = AF_INET6;
		memcpy(a->a, &r->peer.v6, 16);
	}
}

/* The optical path of @r on lower @ifindex, preferring a live one; NULL if none. */
static const struct mixnet_nl_path *optical_on(const struct mixnet_nl_route *r, uint32_t ifindex)
{
	const struct mixnet_nl_path *found = NULL;
	unsigned int i;

	for (i = 0; r && i < r->npaths; i++) {
		const struct mixnet_nl_path *p = &r->paths[i];

		if (p->kind != MIXNET_PATH_OPTICAL || p->ifindex != ifindex)
			continue;
		if (p->live)
			return p;
		if (!found)
			found = p;
	}
	return found;
}

int fabric_route_want(const struct mixnet_nl_route *cur, const uint32_t *opt_ifindex,
		      uint32_t nopt, uint32_t el_ifindex, const uint8_t *nexthop,
		      struct mixnet_nl_route *want, uint64_t *unknown)
{
	uint32_t i;

	want->npaths = 0;
	*unknown = 0;
	if (nopt > MIXNET_MAX_OPTICAL_PATHS)
		return -E2BIG;
	for (i = 0; i < nopt; i++) {
		const struct mixnet_nl_path *p = optical_on(cur, opt_ifindex[i]);
		struct mixnet_nl_path *w;

		if (!p) {
			*unknown |= 1ull << (i < 63 ? i : 63);
			continue;
		}
		w = &want->paths[want->npaths++];
		memset(w, 0, sizeof(*w));
		w->kind = MIXNET_PATH_OPTICAL;
		w->ifindex = opt_ifindex[i];
		memcpy(w->lladdr, p->lladdr, 6);
	}
	if (el_ifindex && nexthop) {
		struct mixnet_nl_path *w = &want->paths[want->npaths++];

		memset(w, 0, sizeof(*w));
		w->kind = MIXNET_PATH_ELECTRICAL;
		w->ifindex = el_ifindex;
		memcpy(w->lladdr, nexthop, 6);
	}
	return 0;
}

static bool same_path(const struct mixnet_nl_path *a, const struct mixnet_nl_path *b)
{
	return a->kind == b->kind && a->ifindex == b->ifindex && !memcmp(a->lladdr, b->lladdr, 6);
}

bool fabric_route_same(const struct mixnet_nl_route *cur, const struct mixnet_nl_route *want)
{
	unsigned int i, j, nstatic = 0;

	if (!cur || !cur->is_static)
		return false;
	for (i = 0; i < cur->npaths; i++) {
		const struct mixnet_nl_path *p = &cur->paths[i];
		bool wanted = false;

		/* The kernel reports the electrical path as static. */
		if (p->kind == MIXNET_PATH_OPTICAL && p->origin != MIXNET_PATH_STATIC)
			continue;
		nstatic++;
		for (j = 0; j < want->npaths && !wanted; j++)
			wanted = same_path(p, &want->paths[j]);
		if (!wanted)
			return false;
	}
	/* Each wanted path is distinct (one per lower), so equal counts mean equal sets. */
	return nstatic == want->npaths;
}

static const struct mixnet_nl_port *port_by_ifindex(const struct mixnet_nl_port *ports,
						    size_t n, uint32_t ifindex)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ports[i].ifindex == ifindex)
			return &ports[i];
	return NULL;
}

/* The peer of a live optical path on @ifindex: a region host's address if there is one. */
static bool live_peer_on(const struct config *cfg, const struct mixnet_nl_route *routes,
			 size_t nroutes, uint32_t ifindex, struct cfg_addr *peer)
{
	bool found = false;
	size_t i;

	for (i = 0; i < nroutes; i++) {
		const struct mixnet_nl_path *p;
		struct cfg_addr a;

		if (routes[i].family == AF_UNSPEC)
			continue;
		p = optical_on(&routes[i], ifindex);
		if (!p || !p->live)
			continue;
		fabric_peer_from_route(&routes[i], &a);
		if (config_host_by_fabric(cfg, &a) >= 0) {
			*peer = a;
			return true;
		}
		if (!found) {
			*peer = a;
			found = true;
		}
	}
	return found;
}

int fabric_lowers_fill(const struct config *cfg, const struct mixnet_nl_port *ports,
		       size_t nports, const struct mixnet_nl_route *routes, size_t nroutes,
		       struct fabric_lower *out, uint32_t max)
{
	uint32_t n = 0;
	size_t i;

	for (i = 0; i < nports && n < max; i++) {
		const struct mixnet_nl_port *p = &ports[i];
		struct fabric_lower *l = &out[n++];

		memset(l, 0, sizeof(*l));
		snprintf(l->ifname, sizeof(l->ifname), "%s", p->name);
		l->optical = p->role == MIXNET_ROLE_OPTICAL;
		l->carrier = p->carrier;
		if (!l->optical || !p->carrier)
			continue;
		live_peer_on(cfg, routes, nroutes, p->ifindex, &l->peer);
		/* The port keeps the last hello's MAC: only this carrier period's counts. */
		if (p->confirmed && p->peer_known) {
			l->has_peer_lladdr = true;
			memcpy(l->peer_lladdr, p->peer_lladdr, 6);
		}
	}
	return (int)n;
}

int fabric_paths_fill(const struct mixnet_nl_port *ports, size_t nports,
		      const struct mixnet_nl_route *routes, size_t nroutes,
		      struct fabric_path *out, uint32_t max)
{
	uint32_t n = 0;
	size_t i;
	unsigned int j;

	for (i = 0; i < nroutes; i++) {
		if (routes[i].family == AF_UNSPEC)
			continue;
		for (j = 0; j < routes[i].npaths && n < max; j++) {
			const struct mixnet_nl_path *p = &routes[i].paths[j];
			const struct mixnet_nl_port *port;

			if (p->kind != MIXNET_PATH_OPTICAL ||
			    (p->origin == MIXNET_PATH_LEARNED && !p->live))
				continue;
			port = port_by_ifindex(ports, nports, p->ifindex);
			if (!port)
				continue;
			snprintf(out[n].ifname, sizeof(out[n].ifname), "%s", port->name);
			fabric_peer_from_route(&routes[i], &out[n].peer);
			n++;
		}
	}
	return (int)n;
}

/* ---- the backend -------------------------------------------------------------------------- */

struct fabric_dev {
	const struct config *cfg;
	struct mixnet_nl *nl;		/* requests */
	struct mixnet_nl *ev;		/* "events" group, non-blocking; NULL: polled */
	uint32_t ifindex;		/* the mixnet device */
	struct mixnet_nl_route cur, want;	/* scratch of set_route */
	struct mixnet_nl_port *ports;	/* the last port dump */
	size_t nports;
};

static int read_ports(struct fabric_dev *f)
{
	free(f->ports);
	f->ports = NULL;
	f->nports = 0;
	return mixnet_nl_port_list(f->nl, f->ifindex, &f->ports, &f->nports);
}

static const char *kernel_says(const struct fabric_dev *f)
{
	const char *m = mixnet_nl_error_msg(f->nl);

	return m ? m : "";
}

static int fab_set_route(void *priv, const struct fabric_route *r)
{
	struct fabric_dev *f = priv;
	uint32_t opt[CFG_MAX_ALPHA], el = 0, i;
	char addr[INET6_ADDRSTRLEN];
	struct mixnet_nl_route *cur = &f->cur;
	uint64_t unknown;
	int rc;

	if (r->noptical > CFG_MAX_ALPHA || !r->peer.family)
		return -EINVAL;
	cfg_addr_str(&r->peer, addr, sizeof(addr));
	for (i = 0; i < r->noptical; i++) {
		opt[i] = if_nametoindex(r->optical[i]);
		if (!opt[i]) {
			log_warn("fabric: route to %s: no optical lower %s", addr, r->optical[i]);
			return -ENODEV;
		}
	}
	if (r->electrical && r->electrical[0] && r->nexthop) {
		el = if_nametoindex(r->electrical);
		if (!el) {
			log_warn("fabric: route to %s: no electrical lower %s", addr, r->electrical);
			return -ENODEV;
		}
	}

	memset(&f->want, 0, sizeof(f->want));
	f->want.ifindex = f->ifindex;
	fabric_peer_to_route(&r->peer, &f->want);
	rc = mixnet_nl_route_get(f->nl, &f->want, cur);
	if (rc == -ENOENT)
		cur = NULL;
	else if (rc)
		return rc;

	rc = fabric_route_want(cur, opt, r->noptical, el, r->nexthop, &f->want, &unknown);
	if (rc) {
		log_warn("fabric: route to %s: %u optical lowers, a route holds at most %u",
			 addr, r->noptical, MIXNET_MAX_OPTICAL_PATHS);
		return rc;
	}
	for (i = 0; i < r->noptical; i++)
		if (unknown & (1ull << (i < 63 ? i : 63)))
			/* The kernel learns the path by itself once the peer's hello comes. */
			log_warn("fabric: route to %s: discovery has not seen it behind %s: "
				 "no static path there", addr, r->optical[i]);
	if (fabric_route_same(cur, &f->want))
		return 0;	/* nothing changes: not even the table generation */
	rc = mixnet_nl_route_add(f->nl, &f->want, MIXNET_NL_F_REPLACE);
	if (rc)
		log_warn("fabric: route to %s on %s: %s (%s)", addr, f->cfg->device,
			 kernel_says(f), strerror(-rc));
	return rc;
}

/* The device's ports (into f->ports) and its routing table now (*routes malloc'ed). */
static int read_ports_routes(struct fabric_dev *f, struct mixnet_nl_route **routes,
			     size_t *nroutes)
{
	int rc = read_ports(f);

	return rc ? rc : mixnet_nl_route_list(f->nl, f->ifindex, routes, nroutes);
}

static int fab_read_lowers(void *priv, struct fabric_lower *out, uint32_t max)
{
	struct fabric_dev *f = priv;
	struct mixnet_nl_route *routes = NULL;
	size_t nroutes = 0;
	int rc = read_ports_routes(f, &routes, &nroutes);

	if (!rc)
		rc = fabric_lowers_fill(f->cfg, f->ports, f->nports, routes, nroutes, out, max);
	free(routes);
	return rc;
}

static int fab_read_paths(void *priv, struct fabric_path *out, uint32_t max)
{
	struct fabric_dev *f = priv;
	struct mixnet_nl_route *routes = NULL;
	size_t nroutes = 0;
	int rc = read_ports_routes(f, &routes, &nroutes);

	if (!rc)
		rc = fabric_paths_fill(f->ports, f->nports, routes, nroutes, out, max);
	free(routes);
	return rc;
}

static int fab_event_fd(void *priv)
{
	struct fabric_dev *f = priv;

	return f->ev ? mixnet_nl_fd(f->ev) : -1;
}

static int ignore_event(const struct mixnet_nl_event *ev, void *arg)
{
	(void)ev;
	(*(unsigned int *)arg)++;
	return 0;
}

static void fab_drain_events(void *priv)
{
	struct fabric_dev *f = priv;
	unsigned int seen = 0, i;

	/*
	 * The host agent re-reads the lowers after this, so the events only
	 * wake it up; lost ones (-ENOBUFS) need nothing either.
	 */
	for (i = 0; f->ev && i < FABRIC_DRAIN_MAX; i++) {
		int rc = mixnet_nl_event_read(f->ev, ignore_event, &seen);

		if (rc == -EAGAIN || rc == -EWOULDBLOCK)
			break;
		if (rc && rc != -ENOBUFS) {
			log_warn("fabric: events of %s: %s", f->cfg->device, strerror(-rc));
			break;
		}
	}
}

static void fab_close(void *priv)
{
	struct fabric_dev *f = priv;

	mixnet_nl_close(f->nl);
	mixnet_nl_close(f->ev);
	free(f->ports);
	free(f);
}

/* The configured lowers must be lowers of the device, in their roles. */
static int check_lowers(struct fabric_dev *f, char *why, size_t whylen)
{
	const struct cfg_host *me = &f->cfg->hosts[f->cfg->self];
	uint32_t k;

	for (k = 0; k <= me->noptical; k++) {
		const char *name = k < me->noptical ? me->optical[k].ifname : me->electrical;
		uint8_t role = k < me->noptical ? MIXNET_ROLE_OPTICAL : MIXNET_ROLE_ELECTRICAL;
		const struct mixnet_nl_port *p = NULL;
		size_t i;

		for (i = 0; i < f->nports && !p; i++)
			if (!strcmp(f->ports[i].name, name))
				p = &f->ports[i];
		if (!p) {
			snprintf(why, whylen, "%s is not a lower of %s (ip link set %s master %s)",
				 name, f->cfg->device, name, f->cfg->device);
			return -ENODEV;
		}
		if (p->role != role) {
			snprintf(why, whylen, "%s is %s on %s, the configuration says %s (mixnet-agent port set %s role %s)",
				 name, mixnet_nl_role_name(p->role), f->cfg->device,
				 mixnet_nl_role_name(role), name, mixnet_nl_role_name(role));
			return -EINVAL;
		}
	}
	return 0;
}

static void open_events(struct fabric_dev *f)
{
	int rc = mixnet_nl_open(&f->ev), fl;

	if (!rc)
		rc = mixnet_nl_subscribe(f->ev);
	if (!rc) {
		fl = fcntl(mixnet_nl_fd(f->ev), F_GETFL);
		if (fl < 0 || fcntl(mixnet_nl_fd(f->ev), F_SETFL, fl | O_NONBLOCK) < 0)
			rc = -errno;
	}
	if (rc) {
		log_warn("fabric: no netlink events (%s): discovery is polled", strerror(-rc));
		mixnet_nl_close(f->ev);
		f->ev = NULL;
	}
}

int fabric_backend_open(const struct config *cfg, struct fabric_backend **out, char *why,
			size_t whylen)
{
	struct fabric_backend *b = calloc(1, sizeof(*b));
	struct fabric_dev *f = calloc(1, sizeof(*f));
	struct mixnet_nl_dev dev;
	int rc;

	*out = NULL;
	if (!b || !f) {
		rc = -ENOMEM;
		snprintf(why, whylen, "fabric: out of memory");
		goto fail;
	}
	f->cfg = cfg;
	if (cfg->self < 0) {
		rc = -EINVAL;
		snprintf(why, whylen, "fabric: this agent is not a host of the region");
		goto fail;
	}
	rc = mixnet_nl_open(&f->nl);
	if (rc) {
		snprintf(why, whylen, rc == -ENOENT ?
			 "generic netlink family \"" MIXNET_GENL_NAME "\" not found: is mixnet.ko loaded?" :
			 "cannot open a generic netlink socket: %s", strerror(-rc));
		goto fail;
	}
	f->ifindex = if_nametoindex(cfg->device);
	if (!f->ifindex) {
		rc = -ENODEV;
		snprintf(why, whylen, "%s: no such device (ip link add %s type mixnet)", cfg->device,
			 cfg->device);
		goto fail;
	}
	rc = mixnet_nl_dev_get(f->nl, f->ifindex, &dev);
	if (rc) {
		snprintf(why, whylen, "%s: not a mixnet device: %s", cfg->device,
			 mixnet_nl_error_msg(f->nl) ? mixnet_nl_error_msg(f->nl) : strerror(-rc));
		goto fail;
	}
	rc = read_ports(f);
	if (rc) {
		snprintf(why, whylen, "%s: cannot read its lowers: %s", cfg->device, strerror(-rc));
		goto fail;
	}
	rc = check_lowers(f, why, whylen);
	if (rc)
		goto fail;
	open_events(f);
	*b = (struct fabric_backend){
		.priv = f, .set_route = fab_set_route, .read_lowers = fab_read_lowers,
		.read_paths = fab_read_paths, .event_fd = fab_event_fd,
		.drain_events = fab_drain_events, .close = fab_close,
	};
	*out = b;
	return 0;
fail:
	if (f)
		fab_close(f);
	free(b);
	return rc;
}
