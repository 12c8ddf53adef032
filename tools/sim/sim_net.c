// SPDX-License-Identifier: GPL-2.0
/*
 * Flow-level network with max-min fair rates (see sim_net.h).
 *
 * Progressive filling on one component: every unfrozen flow's rate rises
 * together; the first link to fill (smallest remaining capacity per
 * unfrozen flow, its "share") freezes its flows at that share.  A link's
 * share never decreases while others freeze (the frozen rate is at most
 * its share), so a min-heap of shares with lazy re-insertion finds the
 * next link to fill: O((L + F * path) log L) per recomputation.
 *
 * Each flow keeps (remaining, rate, last update) and its predicted
 * completion time in an indexed min-heap (one entry per flow, moved when
 * the prediction changes), so a flow whose rate did not change is not
 * touched, and nothing outside the recomputed component is.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim_net.h"

#define DONE_EPS 1e-9	/* complete flows finishing within 1 ns together */

struct link {
	double cap;
	uint32_t *flows;	/* active flows using the link */
	uint32_t nflows, flows_cap;
	uint32_t stamp;		/* BFS mark */
	bool dirty;
	/* progressive filling */
	double rem;
	uint32_t nunf;
};

struct flow {
	double remaining;
	double rate;
	double last;		/* time remaining was last settled */
	double size;
	double delivered;
	uint64_t tag;
	uint32_t path[NET_MAX_PATH];
	uint32_t pos[NET_MAX_PATH];	/* index in each link's flows[] */
	uint32_t npath;
	double due;		/* predicted completion time */
	uint32_t heap_pos;	/* in net->ev, or NOT_QUEUED */
	uint32_t stamp;
	bool active;
	bool frozen;
};

#define NOT_QUEUED UINT32_MAX

struct share {
	double key;
	uint32_t link;
};

struct net {
	net_done_fn done;
	void *user;
	double now;
	struct link *links;
	uint32_t nlinks, links_cap;
	struct flow *flows;
	uint32_t nflows, flows_cap;	/* slots used / allocated */
	uint32_t *free_ids;
	uint32_t nfree, free_cap;
	uint32_t active;
	uint32_t *ev;		/* flows by (due, id): indexed min-heap */
	uint32_t nev, ev_cap;
	uint32_t *dirty;
	uint32_t ndirty, dirty_cap;
	uint32_t stamp;
	/* recompute workspace */
	uint32_t *comp_links, *comp_flows;
	uint32_t comp_links_cap, comp_flows_cap;
	struct share *heap;
	uint32_t heap_cap;
	struct net_stats st;
	bool global;
};

static void *grow(void *p, uint32_t *cap, uint32_t need, size_t size)
{
	uint32_t n = *cap ? *cap : 16;
	void *np;

	if (need <= *cap)
		return p;
	while (n < need)
		n *= 2;
	np = realloc(p, (size_t)n * size);
	if (!np)
		abort();	/* a simulator out of memory cannot go on */
	*cap = n;
	return np;
}

struct net *net_new(net_done_fn done, void *user)
{
	struct net *net = calloc(1, sizeof(*net));

	if (!net)
		return NULL;
	net->done = done;
	net->user = user;
	return net;
}

void net_free(struct net *net)
{
	uint32_t l;

	if (!net)
		return;
	for (l = 0; l < net->nlinks; l++)
		free(net->links[l].flows);
	free(net->links);
	free(net->flows);
	free(net->free_ids);
	free(net->ev);
	free(net->dirty);
	free(net->comp_links);
	free(net->comp_flows);
	free(net->heap);
	free(net);
}

uint32_t net_add_link(struct net *net, double capacity)
{
	net->links = grow(net->links, &net->links_cap, net->nlinks + 1, sizeof(*net->links));
	memset(&net->links[net->nlinks], 0, sizeof(struct link));
	net->links[net->nlinks].cap = capacity > 0 ? capacity : 0;
	return net->nlinks++;
}

uint32_t net_nlinks(const struct net *net)
{
	return net->nlinks;
}

double net_capacity(const struct net *net, uint32_t link)
{
	return net->links[link].cap;
}

static void mark_dirty(struct net *net, uint32_t l)
{
	if (net->links[l].dirty)
		return;
	net->links[l].dirty = true;
	net->dirty = grow(net->dirty, &net->dirty_cap, net->ndirty + 1, sizeof(*net->dirty));
	net->dirty[net->ndirty++] = l;
}

void net_set_capacity(struct net *net, uint32_t link, double capacity)
{
	net->links[link].cap = capacity > 0 ? capacity : 0;
	mark_dirty(net, link);
}

/* ---- completion times: indexed min-heap of flows by (due, id) ---- */

static bool ev_less(const struct net *net, uint32_t a, uint32_t b)
{
	const struct flow *fa = &net->flows[a], *fb = &net->flows[b];

	return fa->due != fb->due ? fa->due < fb->due : a < b;
}

static void ev_place(struct net *net, uint32_t k, uint32_t id)
{
	net->ev[k] = id;
	net->flows[id].heap_pos = k;
}

static void ev_sift_up(struct net *net, uint32_t k)
{
	uint32_t id = net->ev[k];

	while (k) {
		uint32_t up = (k - 1) / 2;

		if (!ev_less(net, id, net->ev[up]))
			break;
		ev_place(net, k, net->ev[up]);
		k = up;
	}
	ev_place(net, k, id);
}

static void ev_sift_down(struct net *net, uint32_t k)
{
	uint32_t id = net->ev[k];

	for (;;) {
		uint32_t c = 2 * k + 1;

		if (c >= net->nev)
			break;
		if (c + 1 < net->nev && ev_less(net, net->ev[c + 1], net->ev[c]))
			c++;
		if (!ev_less(net, net->ev[c], id))
			break;
		ev_place(net, k, net->ev[c]);
		k = c;
	}
	ev_place(net, k, id);
}

/* Queue flow @id to complete at @due, or move it there. */
static void ev_set(struct net *net, uint32_t id, double due)
{
	struct flow *f = &net->flows[id];

	f->due = due;
	if (f->heap_pos == NOT_QUEUED) {
		net->ev = grow(net->ev, &net->ev_cap, net->nev + 1, sizeof(*net->ev));
		ev_place(net, net->nev++, id);
		ev_sift_up(net, f->heap_pos);
	} else {
		ev_sift_up(net, f->heap_pos);
		ev_sift_down(net, f->heap_pos);
	}
}

static void ev_remove(struct net *net, uint32_t id)
{
	uint32_t k = net->flows[id].heap_pos, last;

	if (k == NOT_QUEUED)
		return;
	net->flows[id].heap_pos = NOT_QUEUED;
	last = net->ev[--net->nev];
	if (k == net->nev)
		return;
	ev_place(net, k, last);
	ev_sift_up(net, k);
	ev_sift_down(net, net->flows[last].heap_pos);
}

/* ---- flows ---- */

uint32_t net_add_flow(struct net *net, double t, double bytes,
		      const uint32_t *path, uint32_t npath, uint64_t tag)
{
	struct flow *f;
	uint32_t id, k;

	if (npath < 1 || npath > NET_MAX_PATH || !(bytes >= 0))
		return UINT32_MAX;
	for (k = 0; k < npath; k++)
		if (path[k] >= net->nlinks)
			return UINT32_MAX;
	if (t > net->now)
		net->now = t;
	if (net->nfree) {
		id = net->free_ids[--net->nfree];
	} else {
		net->flows = grow(net->flows, &net->flows_cap, net->nflows + 1, sizeof(*net->flows));
		id = net->nflows++;
		net->flows[id].stamp = 0;
		net->flows[id].heap_pos = NOT_QUEUED;
	}
	f = &net->flows[id];
	f->remaining = bytes;
	f->size = bytes;
	f->delivered = 0;
	f->rate = 0;
	f->last = net->now;
	f->tag = tag;
	f->npath = npath;
	f->active = true;
	for (k = 0; k < npath; k++) {
		struct link *l = &net->links[path[k]];

		l->flows = grow(l->flows, &l->flows_cap, l->nflows + 1, sizeof(*l->flows));
		f->path[k] = path[k];
		f->pos[k] = l->nflows;
		l->flows[l->nflows++] = id;
		mark_dirty(net, path[k]);
	}
	net->active++;
	net->st.flows++;
	/* a rate of 0 would never complete an empty flow: due now */
	if (bytes == 0)
		ev_set(net, id, net->now);
	return id;
}

static void unlink_flow(struct net *net, uint32_t id)
{
	struct flow *f = &net->flows[id];
	uint32_t k, m;

	for (k = 0; k < f->npath; k++) {
		struct link *l = &net->links[f->path[k]];
		uint32_t p = f->pos[k], moved = l->flows[--l->nflows];

		if (p != l->nflows) {
			struct flow *g = &net->flows[moved];

			l->flows[p] = moved;
			for (m = 0; m < g->npath; m++)
				if (g->path[m] == f->path[k] && g->pos[m] == l->nflows) {
					g->pos[m] = p;
					break;
				}
		}
		mark_dirty(net, f->path[k]);
	}
	f->active = false;
	net->active--;
	net->free_ids = grow(net->free_ids, &net->free_cap, net->nfree + 1, sizeof(*net->free_ids));
	net->free_ids[net->nfree++] = id;
}

/* ---- max-min recomputation of the dirty components ---- */

static void heap_push(struct net *net, uint32_t *len, double key, uint32_t link)
{
	uint32_t k = (*len)++;

	net->heap = grow(net->heap, &net->heap_cap, *len, sizeof(*net->heap));
	net->heap[k] = (struct share){ .key = key, .link = link };
	while (k) {
		uint32_t up = (k - 1) / 2;
		struct share tmp;

		if (net->heap[up].key < net->heap[k].key ||
		    (net->heap[up].key == net->heap[k].key && net->heap[up].link < net->heap[k].link))
			break;
		tmp = net->heap[k];
		net->heap[k] = net->heap[up];
		net->heap[up] = tmp;
		k = up;
	}
}

static struct share heap_pop(struct net *net, uint32_t *len)
{
	struct share top = net->heap[0];
	uint32_t k = 0, n;

	net->heap[0] = net->heap[--*len];
	n = *len;
	for (;;) {
		uint32_t c = 2 * k + 1;
		struct share tmp;

		if (c >= n)
			break;
		if (c + 1 < n && (net->heap[c + 1].key < net->heap[c].key ||
				  (net->heap[c + 1].key == net->heap[c].key &&
				   net->heap[c + 1].link < net->heap[c].link)))
			c++;
		if (net->heap[k].key < net->heap[c].key ||
		    (net->heap[k].key == net->heap[c].key && net->heap[k].link < net->heap[c].link))
			break;
		tmp = net->heap[k];
		net->heap[k] = net->heap[c];
		net->heap[c] = tmp;
		k = c;
	}
	return top;
}

static void collect_component(struct net *net, uint32_t *nl, uint32_t *nf)
{
	uint32_t head = 0, d;

	net->stamp++;
	*nl = *nf = 0;
	for (d = 0; d < net->ndirty; d++) {
		uint32_t l = net->dirty[d];

		net->links[l].dirty = false;
		if (net->links[l].stamp == net->stamp)
			continue;
		net->links[l].stamp = net->stamp;
		net->comp_links = grow(net->comp_links, &net->comp_links_cap, *nl + 1,
				       sizeof(*net->comp_links));
		net->comp_links[(*nl)++] = l;
		/* breadth first over links <-> flows */
		while (head < *nl) {
			struct link *lk = &net->links[net->comp_links[head++]];
			uint32_t x;

			for (x = 0; x < lk->nflows; x++) {
				struct flow *f = &net->flows[lk->flows[x]];
				uint32_t k;

				if (f->stamp == net->stamp)
					continue;
				f->stamp = net->stamp;
				net->comp_flows = grow(net->comp_flows, &net->comp_flows_cap, *nf + 1,
						       sizeof(*net->comp_flows));
				net->comp_flows[(*nf)++] = lk->flows[x];
				for (k = 0; k < f->npath; k++) {
					struct link *l2 = &net->links[f->path[k]];

					if (l2->stamp == net->stamp)
						continue;
					l2->stamp = net->stamp;
					net->comp_links = grow(net->comp_links, &net->comp_links_cap,
							       *nl + 1, sizeof(*net->comp_links));
					net->comp_links[(*nl)++] = f->path[k];
				}
			}
		}
	}
	net->ndirty = 0;
}

static void recompute(struct net *net)
{
	uint32_t nl, nf, x, hlen = 0;

	if (!net->ndirty)
		return;
	if (net->global)	/* benchmark baseline: every flow, every time */
		for (x = 0; x < net->nlinks; x++)
			if (net->links[x].nflows)
				mark_dirty(net, x);
	collect_component(net, &nl, &nf);
	net->st.recomputes++;
	net->st.recompute_flows += nf;
	for (x = 0; x < nf; x++) {
		struct flow *f = &net->flows[net->comp_flows[x]];
		double sent = f->rate * (net->now - f->last);

		if (sent > f->remaining)
			sent = f->remaining;
		f->remaining -= sent;
		f->delivered += sent;
		f->last = net->now;
		f->frozen = false;
	}
	for (x = 0; x < nl; x++) {
		struct link *l = &net->links[net->comp_links[x]];

		l->rem = l->cap;
		l->nunf = l->nflows;
		if (l->nunf)
			heap_push(net, &hlen, l->rem / l->nunf, net->comp_links[x]);
	}
	while (hlen) {
		struct share s = heap_pop(net, &hlen);
		struct link *l = &net->links[s.link];
		double share;
		uint32_t k;

		if (!l->nunf)
			continue;
		share = l->rem > 0 ? l->rem / l->nunf : 0;
		if (share > s.key) {
			heap_push(net, &hlen, share, s.link);	/* grew: re-queue */
			continue;
		}
		for (k = 0; k < l->nflows; k++) {
			struct flow *f = &net->flows[l->flows[k]];
			double old = f->rate;
			uint32_t m;

			if (f->frozen)
				continue;
			f->frozen = true;
			f->rate = share;
			for (m = 0; m < f->npath; m++) {
				struct link *l2 = &net->links[f->path[m]];

				l2->rem -= share;
				l2->nunf--;
			}
			if (f->rate != old || f->remaining <= 0 || f->heap_pos == NOT_QUEUED) {
				if (f->remaining <= 0)
					ev_set(net, l->flows[k], net->now);
				else if (f->rate > 0)
					ev_set(net, l->flows[k], net->now + f->remaining / f->rate);
				else
					ev_remove(net, l->flows[k]);	/* stalled */
			}
		}
	}
	/* capacity check (tests assert it stays ~0) */
	for (x = 0; x < nl; x++) {
		struct link *l = &net->links[net->comp_links[x]];
		double sum = 0;
		uint32_t k;

		if (!l->cap)
			continue;
		for (k = 0; k < l->nflows; k++)
			sum += net->flows[l->flows[k]].rate;
		if (sum / l->cap - 1 > net->st.max_link_excess)
			net->st.max_link_excess = sum / l->cap - 1;
	}
}

double net_next_time(struct net *net)
{
	recompute(net);
	if (!net->nev)
		return INFINITY;
	return net->flows[net->ev[0]].due > net->now ? net->flows[net->ev[0]].due : net->now;
}

void net_advance(struct net *net, double t)
{
	if (t > net->now)
		net->now = t;
	for (;;) {
		uint32_t id;
		struct flow *f;

		if (!net->nev || net->flows[net->ev[0]].due > net->now + DONE_EPS)
			break;
		id = net->ev[0];
		ev_remove(net, id);
		f = &net->flows[id];
		/* what is left (<= 1 ns worth) is delivered now */
		f->delivered += f->remaining;
		net->st.delivered += f->delivered;
		f->remaining = 0;
		unlink_flow(net, id);
		if (net->done)
			net->done(net->user, id, f->tag, net->now);
	}
}

double net_now(const struct net *net)
{
	return net->now;
}

uint32_t net_active_flows(const struct net *net)
{
	return net->active;
}

double net_flow_rate(const struct net *net, uint32_t flow)
{
	return flow < net->nflows && net->flows[flow].active ? net->flows[flow].rate : 0;
}

void net_set_global(struct net *net, bool global)
{
	net->global = global;
}

void net_stats(const struct net *net, struct net_stats *st)
{
	*st = net->st;
}
