// SPDX-License-Identifier: GPL-2.0
/*
 * The circuit planner (see planner.h and Documentation/planner.md).
 *
 * Algorithm 1 without a rescan of all P = n(n-1)/2 pairs per circuit.
 * Every pair with demand starts at T = infinity and keeps it until its
 * first circuit, so the first phase is "pairs in order of (D desc, i, j)";
 * most pairs never get a circuit (a region has at most sum(alpha)/2 of
 * them), so the pairs are sorted lazily, in batches: the next batch is
 * every unloaded pair with D >= theta, theta taken from a sample so that
 * about 2 x circuits pairs qualify, sorted by the full key.  A cursor
 * walks the sorted batch; a pair that gets its first circuit moves to a
 * binary max-heap keyed by T = D / c (ties: larger D, then smaller i, j),
 * which holds only pairs with circuits.  Pairs at the cursor (T = inf)
 * always go before the heap's top, and every unloaded pair ranks below
 * every loaded one, so pairs are served in exactly the order of a full
 * rescan (the tests compare with one).  A pair whose server ran out of
 * ports can never get a circuit again; SKIP drops it, STOP stops there.
 * Cost: O(P) to read the matrix and choose a batch (usually one or two),
 * O(K log K) to sort a batch of K, O(log C) per circuit.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "planner.h"
#include "planner_internal.h"

#define NONE UINT32_MAX
#define PLANNER_SAMPLES 1024u	/* demands sampled to choose a batch */

#define PAIR_I(p) ((p)->ij >> 16)
#define PAIR_J(p) ((p)->ij & 0xffff)

static size_t npairs(uint32_t n)
{
	return (size_t)n * (n - 1) / 2;
}

struct planner *planner_new(uint32_t n, uint32_t max_alpha)
{
	struct planner *pl;
	size_t nics, np;

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
	np = npairs(n) ? npairs(n) : 1;
	pl->pairs = malloc(np * sizeof(*pl->pairs));
	pl->heap = malloc((nics / 2 + 1) * sizeof(*pl->heap));
	pl->sample = malloc(PLANNER_SAMPLES * sizeof(*pl->sample));
	pl->radix_cap = 4 * nics + 4096;
	if (pl->radix_cap > np)
		pl->radix_cap = np;
	pl->radix_tmp = malloc(pl->radix_cap * sizeof(*pl->radix_tmp));
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
	pl->eps_out = malloc(n * sizeof(double));
	pl->eps_in = malloc(n * sizeof(double));
	if (!pl->pairs || !pl->heap || !pl->sample || !pl->radix_tmp || !pl->placed || !pl->free_ports ||
	    !pl->txmap || !pl->rxmap || !pl->first || !pl->host || !pl->old_out ||
	    !pl->old_in || !pl->old_peer || !pl->new_peer || !pl->row ||
	    !pl->eps_out || !pl->eps_in) {
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
	free(pl->pairs);
	free(pl->heap);
	free(pl->sample);
	free(pl->radix_tmp);
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
	free(pl->eps_out);
	free(pl->eps_in);
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

/* ---- ordering ----------------------------------------------------------- */

/*
 * Is @a a bigger bottleneck than @b?  A strict total order (ij unique):
 * larger T = D / c (as planner_pair_time() computes it), then larger D,
 * then smaller (i, j).  Used for pairs with circuits (c >= 1).
 */
static inline bool pair_before(const struct pair *a, const struct pair *b)
{
	double ta = a->d / a->c, tb = b->d / b->c;

	if (ta != tb)
		return ta > tb;
	if (a->d != b->d)
		return a->d > b->d;
	return a->ij < b->ij;
}

/* The same order among pairs without circuits (T = inf for both). */
static inline bool first_before(const struct pair *a, const struct pair *b)
{
	if (a->d != b->d)
		return a->d > b->d;
	return a->ij < b->ij;
}

static inline void pair_swap(struct pair *a, struct pair *b)
{
	struct pair t = *a;

	*a = *b;
	*b = t;
}

/* Heapsort of pairs without circuits, best first (quickselect's fallback): the heap's
 * root is the worst pair, popped to the back each round. */
static void pairs_sort(struct pair *a, size_t len)
{
	size_t k, end;

	/* min-heap on the order (worst at the root), then pop to the back */
	for (k = len / 2; k-- > 0;) {
		size_t r = k;

		for (;;) {
			size_t c = 2 * r + 1;

			if (c >= len)
				break;
			if (c + 1 < len && first_before(&a[c], &a[c + 1]))
				c++;
			if (!first_before(&a[r], &a[c]))
				break;
			pair_swap(&a[r], &a[c]);
			r = c;
		}
	}
	for (end = len; end > 1;) {
		size_t r = 0;

		pair_swap(&a[0], &a[--end]);
		for (;;) {
			size_t c = 2 * r + 1;

			if (c >= end)
				break;
			if (c + 1 < end && first_before(&a[c], &a[c + 1]))
				c++;
			if (!first_before(&a[r], &a[c]))
				break;
			pair_swap(&a[r], &a[c]);
			r = c;
		}
	}
}

static void pairs_insertion_sort(struct pair *a, size_t len)
{
	size_t x, y;

	for (x = 1; x < len; x++) {
		struct pair v = a[x];

		for (y = x; y > 0 && first_before(&v, &a[y - 1]); y--)
			a[y] = a[y - 1];
		a[y] = v;
	}
}

/*
 * Sort pairs without circuits best first: introsort (median-of-three quicksort, insertion
 * sort for short ranges, heapsort when the partitions go badly).  No
 * allocation, O(log n) stack.
 */
static void pairs_sort_fast(struct pair *a, size_t len, unsigned int depth)
{
	while (len > 16) {
		size_t mid = len / 2, store, x;

		if (!depth--) {
			pairs_sort(a, len);
			return;
		}
		if (first_before(&a[mid], &a[0]))
			pair_swap(&a[mid], &a[0]);
		if (first_before(&a[len - 1], &a[0]))
			pair_swap(&a[len - 1], &a[0]);
		if (first_before(&a[len - 1], &a[mid]))
			pair_swap(&a[len - 1], &a[mid]);
		pair_swap(&a[mid], &a[len - 1]);
		for (store = 0, x = 0; x < len - 1; x++)
			if (first_before(&a[x], &a[len - 1]))
				pair_swap(&a[x], &a[store++]);
		pair_swap(&a[store], &a[len - 1]);
		/* recurse into the smaller side, loop on the larger */
		if (store < len - store - 1) {
			pairs_sort_fast(a, store, depth);
			a += store + 1;
			len -= store + 1;
		} else {
			pairs_sort_fast(a + store + 1, len - store - 1, depth);
			len = store;
		}
	}
	pairs_insertion_sort(a, len);
}

/* Byte @b of the radix key: ij (bytes 0-3), then ~bits(D) (bytes 4-11). */
static inline unsigned int radix_byte(const struct pair *p, unsigned int b)
{
	uint64_t bits;

	if (b < 4)
		return (p->ij >> (8 * b)) & 0xff;
	memcpy(&bits, &p->d, sizeof(bits));
	return (~bits >> (8 * (b - 4))) & 0xff;
}

/*
 * Stable LSD radix sort of pairs without circuits, best first: by ij,
 * then by D descending (the bits of a positive double order like it).
 * Bytes that are the same in every pair cost no pass.
 */
static void pairs_radix_sort(struct pair *a, struct pair *tmp, size_t len)
{
	uint32_t count[12][256];
	struct pair *src = a, *dst = tmp, *t;
	unsigned int b, v;
	size_t x;

	memset(count, 0, sizeof(count));
	for (x = 0; x < len; x++) {
		uint64_t bits;

		memcpy(&bits, &a[x].d, sizeof(bits));
		bits = ~bits;
		for (b = 0; b < 4; b++)
			count[b][(a[x].ij >> (8 * b)) & 0xff]++;
		for (b = 0; b < 8; b++)
			count[4 + b][(bits >> (8 * b)) & 0xff]++;
	}
	for (b = 0; b < 12; b++) {
		uint32_t pos = 0, c;

		if (count[b][radix_byte(&a[0], b)] == len)
			continue;	/* constant byte */
		for (v = 0; v < 256; v++) {
			c = count[b][v];
			count[b][v] = pos;
			pos += c;
		}
		for (x = 0; x < len; x++)
			dst[count[b][radix_byte(&src[x], b)]++] = src[x];
		t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, len * sizeof(*a));
}

/* k-th largest (0-based) of v[0..len), reordering v (Wirth's FIND). */
static double kth_largest(double *v, size_t len, size_t k)
{
	ptrdiff_t l = 0, m = (ptrdiff_t)len - 1, kk = (ptrdiff_t)k;

	while (l < m) {
		double x = v[kk];
		ptrdiff_t i = l, j = m;

		do {
			while (v[i] > x)
				i++;
			while (x > v[j])
				j--;
			if (i <= j) {
				double t = v[i];

				v[i++] = v[j];
				v[j--] = t;
			}
		} while (i <= j);
		if (j < kk)
			l = i;
		if (kk < i)
			m = j;
	}
	return v[kk];
}

static void heap_sift_down(const struct pair *p, uint32_t *h, size_t len, size_t k)
{
	uint32_t x = h[k];

	for (;;) {
		size_t c = 2 * k + 1;

		if (c >= len)
			break;
		if (c + 1 < len && pair_before(&p[h[c + 1]], &p[h[c]]))
			c++;
		if (!pair_before(&p[h[c]], &p[x]))
			break;
		h[k] = h[c];
		k = c;
	}
	h[k] = x;
}

static void heap_sift_up(const struct pair *p, uint32_t *h, size_t k)
{
	uint32_t x = h[k];

	while (k) {
		size_t up = (k - 1) / 2;

		if (!pair_before(&p[x], &p[h[up]]))
			break;
		h[k] = h[up];
		k = up;
	}
	h[k] = x;
}

/* ---- Algorithm 1 ------------------------------------------------------ */

struct run {
	struct planner *pl;
	uint32_t n;
	const double *demand;
	uint32_t *circuits;
	bool skip;
	uint32_t nplaced;
	uint32_t nfree_servers;		/* servers with a free port */
	size_t npairs;			/* pairs with demand in pairs[] */
	size_t cursor;			/* next pair with T = inf, sorted ... */
	size_t loaded;			/* ... up to here; unsorted beyond */
	size_t len;			/* heap entries (pairs with c >= 1) */
	size_t batch;			/* pairs per batch, roughly */
	uint32_t full_seen;		/* nfree_servers at the last compaction */
};

static inline double pair_demand(const double *demand, uint32_t n, uint32_t i, uint32_t j)
{
	return demand[(size_t)i * n + j] + demand[(size_t)j * n + i];
}

static inline bool pair_live(const struct planner *pl, const struct pair *p)
{
	return pl->free_ports[PAIR_I(p)] && pl->free_ports[PAIR_J(p)];
}

/*
 * Sort the next batch of unloaded pairs (all T = inf) to the front of the
 * unloaded range: every pair with D >= theta, theta chosen from a sample
 * so that about r->batch pairs qualify; ties at theta all come along, so
 * the batch is exactly the best pairs by (D desc, i, j).  SKIP drops dead
 * pairs on the way; STOP must keep them (a dead pair at the top stops it).
 */
static void load_batch(struct run *r)
{
	struct planner *pl = r->pl;
	struct pair *a;
	size_t x, rest, keep = r->loaded;

	if (r->skip && r->full_seen != r->nfree_servers) {
		r->full_seen = r->nfree_servers;
		for (x = r->loaded; x < r->npairs; x++)
			if (pair_live(pl, &pl->pairs[x]))
				pl->pairs[keep++] = pl->pairs[x];
		r->npairs = keep;
	}
	a = pl->pairs + r->loaded;
	rest = r->npairs - r->loaded;
	if (rest > r->batch) {
		size_t ns = rest < PLANNER_SAMPLES ? rest : PLANNER_SAMPLES, stride = rest / ns;
		size_t rank = (size_t)((double)r->batch * ns / rest);
		double theta;

		for (x = 0; x < ns; x++)
			pl->sample[x] = a[x * stride].d;
		theta = kth_largest(pl->sample, ns, rank < ns ? rank : ns - 1);
		for (keep = 0, x = 0; x < rest; x++)
			if (a[x].d >= theta)
				pair_swap(&a[x], &a[keep++]);
		rest = keep;
	}
	/* radix for big batches (a pass costs 256 buckets), unless too big */
	if (rest > 256 && rest <= pl->radix_cap)
		pairs_radix_sort(a, pl->radix_tmp, rest);
	else
		pairs_sort_fast(a, rest, 64);
	r->cursor = r->loaded;
	r->loaded += rest;
}

static void add_circuit(struct run *r, uint32_t i, uint32_t j, double d)
{
	struct planner *pl = r->pl;
	size_t ij = (size_t)i * r->n + j, ji = (size_t)j * r->n + i;

	if (!r->circuits[ij])
		pl->placed[r->nplaced++] = (struct placed_pair){ .i = i, .j = j, .d = d };
	r->circuits[ij]++;
	r->circuits[ji]++;
	if (!--pl->free_ports[i])
		r->nfree_servers--;
	if (!--pl->free_ports[j])
		r->nfree_servers--;
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

/* After a refinement: the pairs with circuits and the servers with ports. */
static void refresh_placed(struct run *r)
{
	struct planner *pl = r->pl;
	uint32_t i, j, n = r->n;

	r->nplaced = 0;
	r->nfree_servers = 0;
	for (i = 0; i < n; i++) {
		if (pl->free_ports[i])
			r->nfree_servers++;
		for (j = i + 1; j < n; j++)
			if (r->circuits[(size_t)i * n + j])
				pl->placed[r->nplaced++] = (struct placed_pair){
					.i = i, .j = j, .d = pair_demand(r->demand, n, i, j) };
	}
}

/*
 * Read the matrix in 32x32 tiles (both d[i][j] and d[j][i] stay in
 * cache), validating every entry and listing the pairs with demand.
 */
#define TILE 32u
static int read_pairs(struct run *r, double *total)
{
	struct planner *pl = r->pl;
	const double *dm = r->demand;
	uint32_t n = r->n, bi, bj, i, j;
	size_t len = 0;

	for (bi = 0; bi < n; bi += TILE) {
		uint32_t iend = bi + TILE < n ? bi + TILE : n;

		for (bj = bi; bj < n; bj += TILE) {
			uint32_t jend = bj + TILE < n ? bj + TILE : n;

			for (i = bi; i < iend; i++) {
				for (j = bj; j < jend; j++) {
					double a = dm[(size_t)i * n + j], b, d;

					if (!(a >= 0) || a == INFINITY)	/* also NaN */
						return -EINVAL;
					if (j <= i)
						continue;
					b = dm[(size_t)j * n + i];
					if (!(b >= 0) || b == INFINITY)
						return -EINVAL;
					d = a + b;
					if (d <= 0)
						continue;
					if (d == INFINITY)
						return -EINVAL;	/* two finite halves overflowed */
					pl->pairs[len++] = (struct pair){ .d = d, .ij = i << 16 | j };
					*total += d;
				}
			}
		}
	}
	/* entries below the diagonal of diagonal tiles were checked as a */
	r->npairs = len;
	return 0;
}

int planner_run(struct planner *pl, uint32_t n, const double *demand,
		const uint32_t *alpha, const struct planner_params *params,
		uint32_t *circuits, struct planner_stats *stats)
{
	static const struct planner_params defaults;
	struct planner_stats st = { 0 };
	struct run r = { .pl = pl, .n = n, .demand = demand, .circuits = circuits };
	double total = 0, covered = 0;
	uint64_t ports = 0;
	uint32_t i, k, covered_pairs = 0;
	int err;

	if (!pl || !demand || !alpha || !circuits || n < 1 || n > pl->nmax)
		return -EINVAL;
	if (!params)
		params = &defaults;
	if (params->saturated != PLANNER_SKIP && params->saturated != PLANNER_STOP)
		return -EINVAL;
	if (params->spare != PLANNER_SPARE_NONE && params->spare != PLANNER_SPARE_FILL)
		return -EINVAL;
	if (params->refine) {
		if (n > PLANNER_REFINE_MAX_SERVERS)
			return -E2BIG;
		if (!(params->link_Bps > 0) || !isfinite(params->link_Bps) || !params->eps_Bps)
			return -EINVAL;
		for (i = 0; i < n; i++)
			if (!(params->eps_Bps[i] > 0) || !isfinite(params->eps_Bps[i]))
				return -EINVAL;
	}
	r.skip = params->saturated == PLANNER_SKIP;
	r.full_seen = UINT32_MAX;
	for (i = 0; i < n; i++) {
		if (alpha[i] > pl->amax)
			return -EINVAL;
		pl->free_ports[i] = alpha[i];
		ports += alpha[i];
		if (alpha[i])
			r.nfree_servers++;
	}
	err = read_pairs(&r, &total);
	if (err)
		return err;
	r.full_seen = r.nfree_servers;	/* nothing to drop yet */
	st.demand_pairs = r.npairs;
	memset(circuits, 0, (size_t)n * n * sizeof(*circuits));
	/* Twice the circuits there can be: usually one or two batches. */
	r.batch = ports < 64 ? 64 : ports;

	while (r.nfree_servers >= 2) {
		struct pair *p;

		st.steps++;
		if (r.cursor < r.loaded) {
			/* T = inf: the next first circuit, before any finite T */
			p = &pl->pairs[r.cursor++];
			if (!pair_live(pl, p)) {
				if (!r.skip)
					break;
				continue;
			}
			add_circuit(&r, PAIR_I(p), PAIR_J(p), p->d);
			p->c = 1;
			pl->heap[r.len] = (uint32_t)(p - pl->pairs);
			heap_sift_up(pl->pairs, pl->heap, r.len++);
			st.demand_circuits++;
			continue;
		}
		if (r.loaded < r.npairs) {
			load_batch(&r);
			continue;
		}
		if (!r.len)
			break;
		p = &pl->pairs[pl->heap[0]];
		if (!pair_live(pl, p)) {
			if (!r.skip)
				break;
			pl->heap[0] = pl->heap[--r.len];
			heap_sift_down(pl->pairs, pl->heap, r.len, 0);
			continue;
		}
		add_circuit(&r, PAIR_I(p), PAIR_J(p), p->d);
		st.demand_circuits++;
		p->c++;
		heap_sift_down(pl->pairs, pl->heap, r.len, 0);
	}

	if (params->refine) {
		int moves = planner_refine(pl, n, demand, alpha, circuits, params->link_Bps,
					   params->eps_Bps);

		if (moves < 0)	/* inputs were checked above */
			return moves;
		st.refine_moves = (uint32_t)moves;
		refresh_placed(&r);
		st.demand_circuits = 0;
		for (k = 0; k < r.nplaced; k++)
			st.demand_circuits += circuits[(size_t)pl->placed[k].i * n + pl->placed[k].j];
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
			covered_pairs++;
			if (p->d / c > st.bottleneck)
				st.bottleneck = p->d / c;
		}
	}
	st.uncovered_pairs = st.demand_pairs - covered_pairs;
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
			double bw = eps_Bps ? eps_Bps[i] : 0;

			t = bw > 0 ? (out > in ? out : in) / bw : INFINITY;
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
