// SPDX-License-Identifier: GPL-2.0
/* Sums, deltas, rates and rankings of the sampler's counters (flows_stats.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "flows_stats.h"

#define NSEC_PER_SEC 1000000000.0

void flows_peer_sum(const void *percpu, unsigned int ncpu, uint32_t slot,
		    struct flows_peer *out)
{
	size_t stride = flows_percpu_stride(sizeof(struct mixnet_peer_stats));
	const struct mixnet_peer_stats *v = percpu;
	unsigned int c;

	memset(out, 0, sizeof(*out));
	out->slot = slot;
	if (!ncpu)
		return;
	memcpy(out->addr, v->addr, sizeof(out->addr));
	out->since_ns = v->since_ns;
	for (c = 0; c < ncpu; c++) {
		v = (const void *)((const char *)percpu + c * stride);
		out->bytes += v->bytes;
		out->packets += v->packets;
	}
}

void flows_flow_sum(const void *percpu, unsigned int ncpu,
		    const struct mixnet_flow_key *key, struct flows_flow *out)
{
	size_t stride = flows_percpu_stride(sizeof(struct mixnet_flow_stats));
	const struct mixnet_flow_stats *v;
	unsigned int c;

	memset(out, 0, sizeof(*out));
	out->key = *key;
	for (c = 0; c < ncpu; c++) {
		v = (const void *)((const char *)percpu + c * stride);
		out->bytes += v->bytes;
		out->packets += v->packets;
		/* a CPU that never saw the flow has first_ns == 0 */
		if (v->first_ns && (!out->first_ns || v->first_ns < out->first_ns))
			out->first_ns = v->first_ns;
		if (v->last_ns > out->last_ns)
			out->last_ns = v->last_ns;
	}
}

void flows_errors_sum(const void *percpu, unsigned int ncpu,
		      struct mixnet_sampler_errors *out)
{
	size_t stride = flows_percpu_stride(sizeof(struct mixnet_sampler_errors));
	const struct mixnet_sampler_errors *v;
	unsigned int c;

	memset(out, 0, sizeof(*out));
	for (c = 0; c < ncpu; c++) {
		v = (const void *)((const char *)percpu + c * stride);
		out->not_ip += v->not_ip;
		out->bad_ip += v->bad_ip;
		out->bad_l4 += v->bad_l4;
		out->flows_full += v->flows_full;
		out->flows_failed += v->flows_failed;
	}
}

/* ---- tracker ------------------------------------------------------------------ */

static int sample_cmp(const void *a, const void *b)
{
	return memcmp(((const struct flows_sample *)a)->key,
		      ((const struct flows_sample *)b)->key, FLOWS_KEY_MAX);
}

void flows_tracker_init(struct flows_tracker *t)
{
	memset(t, 0, sizeof(*t));
}

void flows_tracker_free(struct flows_tracker *t)
{
	free(t->prev);
	memset(t, 0, sizeof(*t));
}

static void rate(struct flows_delta *d, uint64_t dt_ns)
{
	if (!dt_ns)
		return;
	d->bytes_per_sec = d->bytes * NSEC_PER_SEC / dt_ns;
	d->packets_per_sec = d->packets * NSEC_PER_SEC / dt_ns;
}

int flows_tracker_update(struct flows_tracker *t, uint64_t epoch, uint64_t now_ns,
			 const struct flows_sample *cur, size_t n, struct flows_delta *out)
{
	bool same_epoch = t->primed && t->epoch == epoch;
	uint64_t dt = t->primed && now_ns > t->time_ns ? now_ns - t->time_ns : 0;
	struct flows_sample *next;
	size_t i;

	next = malloc((n ? n : 1) * sizeof(*next));
	if (!next)
		return -ENOMEM;
	if (n)
		memcpy(next, cur, n * sizeof(*next));
	qsort(next, n, sizeof(*next), sample_cmp);
	for (i = 1; i < n; i++) {
		if (!sample_cmp(&next[i - 1], &next[i])) {
			free(next);
			return -EINVAL;
		}
	}

	for (i = 0; i < n; i++) {
		const struct flows_sample *c = &cur[i], *p = NULL;
		struct flows_delta *d = &out[i];

		memset(d, 0, sizeof(*d));
		if (!t->primed)
			continue;	/* nothing to compare with */
		if (same_epoch)
			p = bsearch(c, t->prev, t->n, sizeof(*p), sample_cmp);
		d->valid = true;
		if (p && p->incarnation == c->incarnation &&
		    c->bytes >= p->bytes && c->packets >= p->packets) {
			d->bytes = c->bytes - p->bytes;
			d->packets = c->packets - p->packets;
		} else {
			/* new, or restarted after the previous reading */
			d->restarted = true;
			d->bytes = c->bytes;
			d->packets = c->packets;
		}
		rate(d, dt);
	}

	free(t->prev);
	t->prev = next;
	t->n = n;
	t->epoch = epoch;
	t->time_ns = now_ns;
	t->primed = true;
	return 0;
}

void flows_peer_sample(const struct flows_peer *p, struct flows_sample *s)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->key, p->addr, sizeof(p->addr));
	s->incarnation = p->since_ns;
	s->bytes = p->bytes;
	s->packets = p->packets;
}

void flows_flow_sample(const struct flows_flow *f, struct flows_sample *s)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->key, &f->key, sizeof(f->key));
	s->incarnation = f->first_ns;
	s->bytes = f->bytes;
	s->packets = f->packets;
}

/* ---- demand row ------------------------------------------------------------------ */

void flows_row_init(struct flows_row *row)
{
	memset(row, 0, sizeof(*row));
}

void flows_row_free(struct flows_row *row)
{
	free(row->peers);
	free(row->samples);
	free(row->deltas);
	memset(row, 0, sizeof(*row));
}

static int entry_cmp(const void *a, const void *b)
{
	return memcmp(((const struct flows_row_entry *)a)->addr,
		      ((const struct flows_row_entry *)b)->addr, 16);
}

int flows_row_update(struct flows_row *row, struct flows_tracker *t, uint64_t epoch,
		     uint64_t now_ns, const struct flows_peer *peers, size_t n)
{
	uint64_t prev_ns = t->primed ? t->time_ns : now_ns;
	size_t i, np = 0;
	int err;

	if (n > row->cap) {
		struct flows_row_entry *e = realloc(row->peers, n * sizeof(*e));
		struct flows_sample *s;
		struct flows_delta *d;

		if (!e)
			return -ENOMEM;
		row->peers = e;
		s = realloc(row->samples, n * sizeof(*s));
		if (!s)
			return -ENOMEM;
		row->samples = s;
		d = realloc(row->deltas, n * sizeof(*d));
		if (!d)
			return -ENOMEM;
		row->deltas = d;
		row->cap = n;
	}
	for (i = 0; i < n; i++)
		flows_peer_sample(&peers[i], &row->samples[i]);
	err = flows_tracker_update(t, epoch, now_ns, row->samples, n, row->deltas);
	if (err)
		return err;

	memset(&row->unknown, 0, sizeof(row->unknown));
	for (i = 0; i < n; i++) {
		struct flows_row_entry *e;

		if (peers[i].slot == MIXNET_PEER_SLOT_UNKNOWN)
			e = &row->unknown;
		else
			e = &row->peers[np++];
		memcpy(e->addr, peers[i].addr, sizeof(e->addr));
		e->slot = peers[i].slot;
		e->bytes = peers[i].bytes;
		e->packets = peers[i].packets;
		e->d = row->deltas[i];
	}
	qsort(row->peers, np, sizeof(*row->peers), entry_cmp);
	row->n = np;
	row->interval_ns = now_ns - prev_ns;
	return 0;
}

/* ---- ranking ------------------------------------------------------------------------ */

struct rank_ctx {
	const struct flows_flow *f;
	const struct flows_delta *d;
};

static int rank_cmp(const void *a, const void *b, void *arg)
{
	const struct rank_ctx *ctx = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;

	if (ctx->d) {
		double ri = ctx->d[i].valid ? ctx->d[i].bytes_per_sec : -1;
		double rj = ctx->d[j].valid ? ctx->d[j].bytes_per_sec : -1;

		if (ri != rj)
			return ri > rj ? -1 : 1;
	}
	if (ctx->f[i].bytes != ctx->f[j].bytes)
		return ctx->f[i].bytes > ctx->f[j].bytes ? -1 : 1;
	return memcmp(&ctx->f[i].key, &ctx->f[j].key, sizeof(ctx->f[i].key));
}

size_t flows_rank(const struct flows_flow *f, const struct flows_delta *d, size_t n,
		  size_t top, size_t *order)
{
	struct rank_ctx ctx = { f, d };
	size_t i;

	for (i = 0; i < n; i++)
		order[i] = i;
	qsort_r(order, n, sizeof(*order), rank_cmp, &ctx);
	return !top || top > n ? n : top;
}
