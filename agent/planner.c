// SPDX-License-Identifier: GPL-2.0
/*
 * The circuit planner (see planner.h and Documentation/planner.md).
 *
 * Algorithm 1 runs on a binary max-heap of server pairs keyed by the
 * estimated completion time T = D / c.  A pair whose server ran out of
 * ports is stale: it can never get a circuit again.  In SKIP mode stale
 * entries are dropped lazily when they reach the top, and the heap is
 * compacted whenever they outnumber the live ones, so a dense matrix
 * costs O(P) to build plus O(log P) per circuit instead of a rescan of all
 * P pairs per circuit.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "planner.h"

#define NONE UINT32_MAX

struct pq_node {
	double t;	/* estimated completion time D / c (inf for c == 0) */
	double d;	/* pair demand, both directions */
	uint16_t i, j;	/* i < j */
	uint32_t c;	/* circuits so far */
};

struct placed_pair {
	uint16_t i, j;
	double d;
};

struct planner {
	uint32_t nmax, amax;
	/* Algorithm 1 */
	struct pq_node *heap;		/* nmax * (nmax - 1) / 2 */
	struct placed_pair *placed;	/* pairs with >= 1 circuit */
	uint32_t *free_ports;		/* nmax */
	/* port assignment, per NIC (nmax * amax) */
	struct mixnet_xconnect *txmap;	/* {port, nic} sorted by port */
	struct mixnet_xconnect *rxmap;
	uint32_t *first;		/* nmax + 1: first NIC of each host */
	uint32_t *host;			/* host of each NIC */
	uint32_t *old_out, *old_in;	/* ports joined before (NONE) */
	uint32_t *old_peer;		/* NIC of the duplex circuit before */
	uint32_t *new_peer;		/* NIC of the duplex circuit after */
	uint32_t *row;			/* nmax: per-peer counter of one host */
};

static size_t npairs(uint32_t n)
{
	return (size_t)n * (n - 1) / 2;
}

struct planner *planner_new(uint32_t n, uint32_t max_alpha)
{
	struct planner *pl;
	size_t nics;

	if (n < 1 || n > PLANNER_MAX_SERVERS || max_alpha < 1 || max_alpha > PLANNER_MAX_ALPHA) {
		errno = EINVAL;
		return NULL;
	}
	pl = calloc(1, sizeof(*pl));
	if (!pl)
		return NULL;
	pl->nmax = n;
	pl->amax = max_alpha;
	nics = (size_t)n * max_alpha;
	pl->heap = malloc((npairs(n) ? npairs(n) : 1) * sizeof(*pl->heap));
	pl->placed = malloc((nics / 2 + 1) * sizeof(*pl->placed));
	pl->free_ports = malloc(n * sizeof(uint32_t));
	pl->txmap = malloc(nics * sizeof(*pl->txmap));
	pl->rxmap = malloc(nics * sizeof(*pl->rxmap));
	pl->first = malloc((n + 1) * sizeof(uint32_t));
	pl->host = malloc(nics * sizeof(uint32_t));
	pl->old_out = malloc(nics * sizeof(uint32_t));
	pl->old_in = malloc(nics * sizeof(uint32_t));
	pl->old_peer = malloc(nics * sizeof(uint32_t));
	pl->new_peer = malloc(nics * sizeof(uint32_t));
	pl->row = calloc(n, sizeof(uint32_t));
	if (!pl->heap || !pl->placed || !pl->free_ports ||
	    !pl->txmap || !pl->rxmap || !pl->first || !pl->host || !pl->old_out ||
	    !pl->old_in || !pl->old_peer || !pl->new_peer || !pl->row) {
		planner_free(pl);
		errno = ENOMEM;
		return NULL;
	}
	return pl;
}

void planner_free(struct planner *pl)
{
	if (!pl)
		return;
	free(pl->heap);
	free(pl->placed);
	free(pl->free_ports);
	free(pl->txmap);
	free(pl->rxmap);
	free(pl->first);
	free(pl->host);
	free(pl->old_out);
	free(pl->old_in);
	free(pl->old_peer);
	free(pl->new_peer);
	free(pl->row);
	free(pl);
}

double planner_pair_time(double pair_demand, uint32_t circuits)
{
	if (pair_demand <= 0)
		return 0;
	if (!circuits)
		return INFINITY;
	return pair_demand / circuits;
}

/* ---- the priority queue ---------------------------------------------- */

/* Is @a a more urgent bottleneck than @b?  A strict total order. */
static inline bool pq_before(const struct pq_node *a, const struct pq_node *b)
{
	if (a->t != b->t)
		return a->t > b->t;
	if (a->d != b->d)
		return a->d > b->d;
	if (a->i != b->i)
		return a->i < b->i;
	return a->j < b->j;
}

static void pq_sift_down(struct pq_node *h, size_t len, size_t k)
{
	struct pq_node x = h[k];

	for (;;) {
		size_t c = 2 * k + 1;

		if (c >= len)
			break;
		if (c + 1 < len && pq_before(&h[c + 1], &h[c]))
			c++;
		if (!pq_before(&h[c], &x))
			break;
		h[k] = h[c];
		k = c;
	}
	h[k] = x;
}

static void pq_heapify(struct pq_node *h, size_t len)
{
	size_t k;

	for (k = len / 2; k-- > 0;)
		pq_sift_down(h, len, k);
}

static void pq_pop(struct pq_node *h, size_t *len)
{
	h[0] = h[--*len];
	if (*len)
		pq_sift_down(h, *len, 0);
}

/* ---- Algorithm 1 ------------------------------------------------------ */

struct run {
	struct planner *pl;
	uint32_t n;
	const double *demand;
	uint32_t *circuits;
	uint32_t nplaced;
	uint32_t nfree_servers;		/* servers with a free port */
	size_t live;			/* heap entries with both servers free */
};

static inline double pair_demand(const double *demand, uint32_t n, uint32_t i, uint32_t j)
{
	return demand[(size_t)i * n + j] + demand[(size_t)j * n + i];
}

/* Server @s just used its last port: its pairs with free partners die. */
static void server_full(struct run *r, uint32_t s)
{
	struct planner *pl = r->pl;
	uint32_t j, n = r->n;

	r->nfree_servers--;
	for (j = 0; j < n; j++)
		if (j != s && pl->free_ports[j] && pair_demand(r->demand, n, s, j) > 0)
			r->live--;
}

static void add_circuit(struct run *r, uint32_t i, uint32_t j, double d)
{
	struct planner *pl = r->pl;
	size_t ij = (size_t)i * r->n + j, ji = (size_t)j * r->n + i;

	if (!r->circuits[ij])
		pl->placed[r->nplaced++] = (struct placed_pair){ .i = i, .j = j, .d = d };
	r->circuits[ij]++;
	r->circuits[ji]++;
	/* One end at a time, so a pair whose both ends fill dies once. */
	if (!--pl->free_ports[i])
		server_full(r, i);
	if (!--pl->free_ports[j])
		server_full(r, j);
}

/* Drop stale entries (a server without free ports) and rebuild the heap. */
static size_t pq_compact(struct planner *pl, size_t len)
{
	size_t k, m = 0;

	for (k = 0; k < len; k++)
		if (pl->free_ports[pl->heap[k].i] && pl->free_ports[pl->heap[k].j])
			pl->heap[m++] = pl->heap[k];
	pq_heapify(pl->heap, m);
	return m;
}

static void spare_add(struct run *r, uint32_t i, uint32_t j, struct planner_stats *st)
{
	add_circuit(r, i, j, pair_demand(r->demand, r->n, i, j));
	st->spare_circuits++;
}

static void spare_fill(struct run *r, const uint32_t *prev, struct planner_stats *st)
{
	struct planner *pl = r->pl;
	uint32_t i, j, level, n = r->n;

	if (prev)
		for (i = 0; i < n && r->nfree_servers >= 2; i++)
			for (j = i + 1; j < n && pl->free_ports[i]; j++)
				while (pl->free_ports[i] && pl->free_ports[j] &&
				       prev[(size_t)i * n + j] > r->circuits[(size_t)i * n + j])
					spare_add(r, i, j, st);
	/* Level by level: pairs with fewest circuits first. */
	for (level = 0; r->nfree_servers >= 2 && level <= PLANNER_MAX_ALPHA; level++)
		for (i = 0; i < n && r->nfree_servers >= 2; i++)
			for (j = i + 1; j < n && pl->free_ports[i]; j++)
				if (pl->free_ports[j] && r->circuits[(size_t)i * n + j] == level)
					spare_add(r, i, j, st);
}

int planner_run(struct planner *pl, uint32_t n, const double *demand,
		const uint32_t *alpha, const struct planner_params *params,
		uint32_t *circuits, struct planner_stats *stats)
{
	static const struct planner_params defaults;
	struct planner_stats st = { 0 };
	struct run r = { .pl = pl, .n = n, .demand = demand, .circuits = circuits };
	size_t len = 0;
	double total = 0, covered = 0;
	uint32_t i, j, k;

	if (!pl || !demand || !alpha || !circuits || n < 1 || n > pl->nmax)
		return -EINVAL;
	if (!params)
		params = &defaults;
	if (params->saturated != PLANNER_SKIP && params->saturated != PLANNER_STOP)
		return -EINVAL;
	if (params->spare != PLANNER_SPARE_NONE && params->spare != PLANNER_SPARE_FILL)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (alpha[i] > pl->amax)
			return -EINVAL;
		pl->free_ports[i] = alpha[i];
		if (alpha[i])
			r.nfree_servers++;
	}
	/* Every pair with demand starts with T = infinity. */
	for (i = 0; i < n; i++) {
		for (j = 0; j < n; j++) {
			double v = demand[(size_t)i * n + j];

			if (!isfinite(v) || v < 0)
				return -EINVAL;
		}
		for (j = i + 1; j < n; j++) {
			double d = pair_demand(demand, n, i, j);

			if (d <= 0)
				continue;
			if (!isfinite(d))
				return -EINVAL;	/* two finite halves overflowed */
			pl->heap[len++] = (struct pq_node){ .t = INFINITY, .d = d, .i = i, .j = j };
			total += d;
			if (alpha[i] && alpha[j])
				r.live++;
		}
	}
	st.demand_pairs = len;
	memset(circuits, 0, (size_t)n * n * sizeof(*circuits));
	pq_heapify(pl->heap, len);

	while (len) {
		struct pq_node *top = &pl->heap[0];

		if (params->saturated == PLANNER_SKIP && !r.live)
			break;
		st.steps++;
		if (!pl->free_ports[top->i] || !pl->free_ports[top->j]) {
			if (params->saturated == PLANNER_STOP)
				break;
			pq_pop(pl->heap, &len);
			/* Stale entries dominate: drop them all at once. */
			if (len > 64 && len - r.live > r.live)
				len = pq_compact(pl, len);
			continue;
		}
		add_circuit(&r, top->i, top->j, top->d);
		st.demand_circuits++;
		top->c++;
		top->t = top->d / top->c;
		pq_sift_down(pl->heap, len, 0);
	}

	if (params->spare == PLANNER_SPARE_FILL)
		spare_fill(&r, params->prev, &st);

	for (k = 0; k < r.nplaced; k++) {
		const struct placed_pair *p = &pl->placed[k];
		uint32_t c = circuits[(size_t)p->i * n + p->j];

		st.circuits += c;
		st.pairs++;
		if (p->d > 0) {
			covered += p->d;
			if (p->d / c > st.bottleneck)
				st.bottleneck = p->d / c;
		}
	}
	st.uncovered_pairs = st.demand_pairs;
	for (k = 0; k < r.nplaced; k++)
		if (pl->placed[k].d > 0)
			st.uncovered_pairs--;
	/* Rounding can make the difference a hair negative. */
	if (st.uncovered_pairs && total > covered)
		st.uncovered_bytes = total - covered;
	for (i = 0; i < n; i++)
		st.free_ports += pl->free_ports[i];
	if (stats)
		*stats = st;
	return 0;
}

void planner_estimate(uint32_t n, const double *demand, const uint32_t *circuits,
		      double link_Bps, const double *eps_Bps,
		      struct planner_estimate *est)
{
	double opt = 0, elec = 0, obytes = 0, ebytes = 0;
	uint32_t i, j;

	for (i = 0; i < n; i++) {
		double out = 0, in = 0, t;

		for (j = 0; j < n; j++) {
			double sent = demand[(size_t)i * n + j];
			double recv = demand[(size_t)j * n + i];
			uint32_t c = circuits[(size_t)i * n + j];

			if (i == j)
				continue;
			if (c) {
				t = sent / (c * link_Bps);
				if (t > opt)
					opt = t;
				obytes += sent;
			} else {
				out += sent;
				in += recv;
				ebytes += sent;
			}
		}
		if (out > 0 || in > 0) {
			t = eps_Bps[i] > 0 ? (out > in ? out : in) / eps_Bps[i] : INFINITY;
			if (t > elec)
				elec = t;
		}
	}
	est->optical_s = opt;
	est->electrical_s = elec;
	est->total_s = opt > elec ? opt : elec;
	est->optical_bytes = obytes;
	est->electrical_bytes = ebytes;
}

/* ---- port assignment ---------------------------------------------------- */

/* In-place heapsort of {key, value} pairs by key then value (no malloc). */
static inline bool xc_less(const struct mixnet_xconnect *a, const struct mixnet_xconnect *b)
{
	return a->tx != b->tx ? a->tx < b->tx : a->rx < b->rx;
}

static void xc_sift(struct mixnet_xconnect *v, size_t len, size_t k)
{
	struct mixnet_xconnect x = v[k];

	for (;;) {
		size_t c = 2 * k + 1;

		if (c >= len)
			break;
		if (c + 1 < len && xc_less(&v[c], &v[c + 1]))
			c++;
		if (!xc_less(&x, &v[c]))
			break;
		v[k] = v[c];
		k = c;
	}
	v[k] = x;
}

static void xc_sort(struct mixnet_xconnect *v, size_t len)
{
	size_t k;

	for (k = len / 2; k-- > 0;)
		xc_sift(v, len, k);
	while (len > 1) {
		struct mixnet_xconnect t = v[0];

		v[0] = v[--len];
		v[len] = t;
		xc_sift(v, len, 0);
	}
}

/* NIC whose port is @port in a sorted {port, nic} map, or NONE. */
static uint32_t map_find(const struct mixnet_xconnect *map, uint32_t len, uint32_t port)
{
	uint32_t lo = 0, hi = len;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (map[mid].tx < port)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < len && map[lo].tx == port ? map[lo].rx : NONE;
}

static int check_cabling(struct planner *pl, const struct planner_cabling *cab, uint32_t *nnics)
{
	uint32_t h, x, total = 0;

	if (!cab || !cab->alpha || !cab->nics || cab->n < 1)
		return -EINVAL;
	if (cab->n > pl->nmax)
		return -E2BIG;
	for (h = 0; h < cab->n; h++) {
		if (cab->alpha[h] > pl->amax)
			return -E2BIG;
		pl->first[h] = total;
		total += cab->alpha[h];
	}
	pl->first[cab->n] = total;
	for (h = 0; h < cab->n; h++)
		for (x = pl->first[h]; x < pl->first[h + 1]; x++) {
			const struct planner_nic *nic = &cab->nics[x];

			if (nic->tx == NONE || nic->rx == NONE)
				return -EINVAL;
			pl->host[x] = h;
			pl->txmap[x] = (struct mixnet_xconnect){ .tx = nic->tx, .rx = x };
			pl->rxmap[x] = (struct mixnet_xconnect){ .tx = nic->rx, .rx = x };
		}
	xc_sort(pl->txmap, total);
	xc_sort(pl->rxmap, total);
	for (x = 1; x < total; x++)
		if (pl->txmap[x].tx == pl->txmap[x - 1].tx || pl->rxmap[x].tx == pl->rxmap[x - 1].tx)
			return -EINVAL;
	/* A port may be one NIC's tx and rx, never two NICs' (ports count once). */
	for (x = 0; x < total; x++) {
		uint32_t y = map_find(pl->rxmap, total, cab->nics[x].tx);

		if (y != NONE && y != x)
			return -EINVAL;
	}
	*nnics = total;
	return 0;
}

static int check_circuits(const struct planner_cabling *cab, const uint32_t *circuits)
{
	uint32_t a, b, n = cab->n;

	for (a = 0; a < n; a++) {
		uint64_t sum = 0;

		if (circuits[(size_t)a * n + a])
			return -EINVAL;
		for (b = 0; b < n; b++) {
			if (circuits[(size_t)a * n + b] != circuits[(size_t)b * n + a])
				return -EINVAL;
			sum += circuits[(size_t)a * n + b];
		}
		if (sum > cab->alpha[a])
			return -EINVAL;
	}
	return 0;
}

/* Record the established cross-connects per NIC; find duplex circuits. */
static int load_current(struct planner *pl, const struct planner_cabling *cab, uint32_t nnics,
			const struct mixnet_xconnect *cur, uint32_t ncur,
			struct planner_assignment *out)
{
	uint32_t k, x, duplex = 0;

	for (x = 0; x < nnics; x++) {
		pl->old_out[x] = NONE;
		pl->old_in[x] = NONE;
		pl->old_peer[x] = NONE;
		pl->new_peer[x] = NONE;
	}
	for (k = 0; k < ncur; k++) {
		uint32_t src = map_find(pl->txmap, nnics, cur[k].tx);
		uint32_t dst = map_find(pl->rxmap, nnics, cur[k].rx);

		if (src == NONE && dst == NONE) {
			out->foreign++;
			continue;
		}
		if (src != NONE) {
			if (pl->old_out[src] != NONE)
				return -EINVAL;	/* one tx port joined twice */
			pl->old_out[src] = cur[k].rx;
		}
		if (dst != NONE) {
			if (pl->old_in[dst] != NONE)
				return -EINVAL;
			pl->old_in[dst] = cur[k].tx;
		}
	}
	for (x = 0; x < nnics; x++) {
		uint32_t y;

		if (pl->old_out[x] == NONE)
			continue;
		y = map_find(pl->rxmap, nnics, pl->old_out[x]);
		if (y != NONE && pl->host[y] != pl->host[x] &&
		    pl->old_out[y] == cab->nics[x].rx) {
			pl->old_peer[x] = y;
			duplex++;
		}
	}
	/* duplex counts each circuit from both ends = its two xconnects. */
	out->stray = ncur - out->foreign - duplex;
	return 0;
}

/* Keep established circuits the plan still wants (lowest NICs first). */
static void keep_circuits(struct planner *pl, const struct planner_cabling *cab,
			  const uint32_t *circuits, struct planner_assignment *out)
{
	uint32_t a, x, n = cab->n;

	for (a = 0; a < n; a++) {
		for (x = pl->first[a]; x < pl->first[a + 1]; x++) {
			uint32_t y = pl->old_peer[x], b;

			if (y == NONE || pl->host[y] < a)
				continue;
			b = pl->host[y];
			if (pl->row[b] < circuits[(size_t)a * n + b]) {
				pl->row[b]++;
				pl->new_peer[x] = y;
				pl->new_peer[y] = x;
				out->kept++;
			} else {
				out->removed++;
			}
		}
		for (x = pl->first[a]; x < pl->first[a + 1]; x++)
			if (pl->old_peer[x] != NONE)
				pl->row[pl->host[pl->old_peer[x]]] = 0;
	}
}

/* Free NIC of host @a for a new circuit to host @b (see planner.h). */
static uint32_t pick_nic(struct planner *pl, const struct planner_cabling *cab,
			 uint32_t a, uint32_t b)
{
	uint32_t x, y, best = NONE, best_same = 0;
	bool best_lit = false;

	for (x = pl->first[a]; x < pl->first[a + 1]; x++) {
		uint32_t same = 0;
		bool lit;

		if (pl->new_peer[x] != NONE)
			continue;
		for (y = pl->first[a]; y < pl->first[a + 1]; y++)
			if (pl->new_peer[y] != NONE && pl->host[pl->new_peer[y]] == b &&
			    cab->nics[y].group == cab->nics[x].group)
				same++;
		lit = pl->old_out[x] != NONE || pl->old_in[x] != NONE;
		if (best == NONE || same < best_same || (same == best_same && lit && !best_lit)) {
			best = x;
			best_same = same;
			best_lit = lit;
		}
	}
	return best;
}

int planner_assign_ports(struct planner *pl, const struct planner_cabling *cab,
			 const uint32_t *circuits,
			 const struct mixnet_xconnect *cur, uint32_t ncur,
			 struct planner_assignment *out)
{
	uint32_t nnics = 0, n, a, b, x;
	int err;

	if (!pl || !circuits || !out || !out->xconnects || (ncur && !cur))
		return -EINVAL;
	out->nxconnects = out->ncircuits = 0;
	out->kept = out->added = out->removed = 0;
	out->ports_changed = out->stray = out->foreign = 0;
	err = check_cabling(pl, cab, &nnics);
	if (err)
		return err;
	n = cab->n;
	err = check_circuits(cab, circuits);
	if (err)
		return err;
	err = load_current(pl, cab, nnics, cur, ncur, out);
	if (err)
		return err;
	keep_circuits(pl, cab, circuits, out);

	/* New circuits, pair by pair in ascending order. */
	for (a = 0; a < n; a++) {
		for (x = pl->first[a]; x < pl->first[a + 1]; x++)
			if (pl->new_peer[x] != NONE)
				pl->row[pl->host[pl->new_peer[x]]]++;
		for (b = a + 1; b < n; b++) {
			uint32_t want = circuits[(size_t)a * n + b];

			while (pl->row[b] < want) {
				uint32_t xa = pick_nic(pl, cab, a, b);
				uint32_t xb = pick_nic(pl, cab, b, a);

				/* check_circuits() guarantees free NICs */
				pl->new_peer[xa] = xb;
				pl->new_peer[xb] = xa;
				pl->row[b]++;
				out->added++;
			}
		}
		for (x = pl->first[a]; x < pl->first[a + 1]; x++)
			if (pl->new_peer[x] != NONE)
				pl->row[pl->host[pl->new_peer[x]]] = 0;
	}

	/* Emit, and count the ports whose cross-connects change. */
	for (x = 0; x < nnics; x++) {
		uint32_t y = pl->new_peer[x];
		uint32_t new_out = y == NONE ? NONE : cab->nics[y].rx;
		uint32_t new_in = y == NONE ? NONE : cab->nics[y].tx;
		bool ch_tx = new_out != pl->old_out[x], ch_rx = new_in != pl->old_in[x];

		if (cab->nics[x].tx == cab->nics[x].rx)
			out->ports_changed += ch_tx || ch_rx;
		else
			out->ports_changed += ch_tx + ch_rx;
		if (y == NONE || pl->host[y] < pl->host[x])
			continue;
		if (out->nxconnects + 2 > out->xconnects_cap)
			return -ENOSPC;
		out->xconnects[out->nxconnects++] = (struct mixnet_xconnect){
			.tx = cab->nics[x].tx, .rx = cab->nics[y].rx };
		out->xconnects[out->nxconnects++] = (struct mixnet_xconnect){
			.tx = cab->nics[y].tx, .rx = cab->nics[x].rx };
		if (out->circuits) {
			if (out->ncircuits >= out->circuits_cap)
				return -ENOSPC;
			out->circuits[out->ncircuits] = (struct planner_circuit){
				.a = pl->host[x], .na = x - pl->first[pl->host[x]],
				.b = pl->host[y], .nb = y - pl->first[pl->host[y]],
				.kept = pl->old_peer[x] == y,
			};
		}
		out->ncircuits++;
	}
	xc_sort(out->xconnects, out->nxconnects);
	return 0;
}
