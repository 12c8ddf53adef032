// SPDX-License-Identifier: GPL-2.0
/*
 * The peer set of an attached sampler (see struct mixnet_peer_bucket):
 * slots in the peers map, and the double-buffered peer index the program
 * looks addresses up in.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "flows_priv.h"

/* Write the same peer value on every CPU of slot @slot. */
int flows_write_slot(int peers_fd, unsigned int ncpu, uint32_t slot,
		      const struct mixnet_peer_stats *v)
{
	size_t stride = flows_percpu_stride(sizeof(*v));
	char *buf = calloc(ncpu, stride);
	unsigned int c;
	int err;

	if (!buf)
		return -ENOMEM;
	for (c = 0; c < ncpu; c++)
		memcpy(buf + c * stride, v, sizeof(*v));
	err = bpf_map_update_elem(peers_fd, &slot, buf, BPF_ANY);
	free(buf);
	return err;
}

int flows_check_peers(const struct flows_addr *peers, size_t n, uint32_t nslots,
		       struct flows_error *e)
{
	char a[FLOWS_ADDRSTRLEN];
	size_t bad;
	int err;

	if (n && !peers)
		return flows_fail(e, -EINVAL, "peers", "missing");
	err = flows_peers_check(peers, n, nslots - 1, &bad);
	if (err == -E2BIG)
		return flows_fail(e, err, "peers", "%zu peers, at most %u fit in the peer table",
			    n, nslots - 1);
	if (err)
		return flows_fail(e, err, flows_addr_str(peers[bad].b, a, sizeof(a)),
			    flows_addr_is_zero(peers[bad].b) ? "not a peer address" :
			    "peer listed twice");
	return 0;
}

/* The peer each slot counts now (all-zero: free), from the peers map. */
static int read_assignment(const struct flows_peer_maps *m, uint32_t used, struct flows_addr *owner)
{
	size_t vsize = flows_percpu_stride(sizeof(struct mixnet_peer_stats)) * m->ncpu;
	uint32_t *keys = calloc(used, sizeof(*keys));
	char *vals = calloc(used, vsize);
	uint32_t slot;
	int err = -ENOMEM;

	if (keys && vals)
		err = flows_array_read(m->peers_fd, used, vsize, vals, keys, m->no_batch);
	for (slot = 1; !err && slot < used; slot++)	/* CPU 0's copy says whom */
		memcpy(owner[slot].b, ((struct mixnet_peer_stats *)(vals + slot * vsize))->addr, 16);
	free(keys);
	free(vals);
	return err;
}

int flows_index_write(int index_fd, int ctl_fd, uint32_t bits,
		      const struct flows_index_entry *ent, size_t n)
{
	uint32_t size = 1u << bits, zero = 0;
	struct mixnet_peer_bucket *buckets = calloc(size, sizeof(*buckets));
	uint32_t *keys = calloc(size, sizeof(*keys));
	struct mixnet_peer_index_ctl old, ctl = { 0 };
	uint64_t rng = flows_now_ns(CLOCK_MONOTONIC) ^ ((uint64_t)getpid() << 32);
	bool no_batch = false;
	size_t i;
	int err;

	err = buckets && keys ? 0 : -ENOMEM;
	if (!err)
		err = bpf_map_lookup_elem(ctl_fd, &zero, &old);
	if (!err)
		err = flows_index_build(ent, n, bits, &rng, buckets, &ctl.seed, &ctl.probes);
	if (err)
		goto out;
	ctl.half = (old.half & 1) ^ 1;
	ctl.slots_used = 1;
	for (i = 0; i < n; i++)
		if (ent[i].slot + 1 > ctl.slots_used)
			ctl.slots_used = ent[i].slot + 1;
	/* Programs still reading the old half finish within microseconds;
	 * the half written here was last active a whole update ago. */
	err = flows_array_write(index_fd, ctl.half << bits, size, sizeof(*buckets), buckets, keys,
			  &no_batch);
	if (!err)
		err = bpf_map_update_elem(ctl_fd, &zero, &ctl, BPF_ANY);
out:
	free(buckets);
	free(keys);
	return err;
}

/* Index the peers of @owner (slot -> address) and make that index active. */
static int publish_index(const struct flows_peer_maps *m, const struct flows_addr *owner,
			 struct flows_error *e)
{
	struct flows_index_entry *ent = calloc(m->nslots, sizeof(*ent));
	uint32_t slot;
	size_t n = 0;
	int err;

	if (!ent)
		return flows_fail(e, -ENOMEM, "peers", "out of memory");
	for (slot = 1; slot < m->nslots; slot++) {
		if (flows_addr_is_zero(owner[slot].b))
			continue;
		memcpy(ent[n].addr, owner[slot].b, 16);
		ent[n++].slot = slot;
	}
	err = flows_index_write(m->index_fd, m->ctl_fd, m->bits, ent, n);
	if (err)
		flows_fail(e, err, MIXNET_PIN_PEER_INDEX, "cannot index %zu peers", n);
	free(ent);
	return err;
}

int flows_apply_peers(const struct flows_peer_maps *m, const struct flows_addr *peers, size_t n,
		       struct flows_error *e)
{
	struct mixnet_peer_index_ctl ctl;
	struct flows_addr *owner = NULL, *want = NULL;
	bool *freed = NULL;
	struct mixnet_peer_stats v;
	char a[FLOWS_ADDRSTRLEN];
	uint32_t zero = 0, used, slot, s2;
	size_t i;
	int err;

	err = flows_check_peers(peers, n, m->nslots, e);
	if (err)
		return err;
	err = bpf_map_lookup_elem(m->ctl_fd, &zero, &ctl);
	if (err)
		return flows_fail(e, err, MIXNET_PIN_PEER_INDEX_CTL, "cannot read the peer index");
	used = ctl.slots_used > m->nslots ? m->nslots : ctl.slots_used;
	owner = calloc(m->nslots, sizeof(*owner));
	want = malloc((n ? n : 1) * sizeof(*want));
	freed = calloc(m->nslots, sizeof(*freed));
	if (!owner || !want || !freed) {
		err = flows_fail(e, -ENOMEM, "peers", "out of memory");
		goto out;
	}
	if (used > 1) {
		err = read_assignment(m, used, owner);
		if (err) {
			flows_fail(e, err, MIXNET_PIN_PEERS, "cannot read the peer table");
			goto out;
		}
	}
	memcpy(want, peers, n * sizeof(*want));
	qsort(want, n, sizeof(*want), flows_addr_cmp);

	/* peers that stay keep their slot; the others free theirs */
	for (slot = 1; slot < m->nslots; slot++) {
		if (flows_addr_is_zero(owner[slot].b))
			continue;
		if (!bsearch(&owner[slot], want, n, sizeof(*want), flows_addr_cmp)) {
			memset(&owner[slot], 0, sizeof(owner[slot]));
			freed[slot] = true;
		}
	}
	/* newcomers: free slots first, slots freed just now only if needed
	 * (packets may still be adding to those for a few microseconds) */
	for (i = 0; i < n; i++) {
		bool have = false;

		for (slot = 1; slot < m->nslots && !have; slot++)
			have = !flows_addr_cmp(&owner[slot], &want[i]);
		if (have)
			continue;
		for (slot = 1; slot < m->nslots; slot++)
			if (flows_addr_is_zero(owner[slot].b) && !freed[slot])
				break;
		for (s2 = 1; slot == m->nslots && s2 < m->nslots; s2++)
			if (flows_addr_is_zero(owner[s2].b))
				slot = s2;
		if (slot >= m->nslots) {
			err = flows_fail(e, -E2BIG, "peers", "no free slot in the peer table");
			goto out;
		}
		/* counters from zero before any packet can find the slot */
		memset(&v, 0, sizeof(v));
		v.since_ns = flows_now_ns(CLOCK_MONOTONIC);
		memcpy(v.addr, want[i].b, 16);
		err = flows_write_slot(m->peers_fd, m->ncpu, slot, &v);
		if (err) {
			flows_fail(e, err, flows_addr_str(want[i].b, a, sizeof(a)), "cannot add the peer");
			goto out;
		}
		owner[slot] = want[i];
		freed[slot] = false;
	}
	err = publish_index(m, owner, e);
	if (err)
		goto out;
	/* only now that no lookup finds them: free the slots of removed peers */
	memset(&v, 0, sizeof(v));
	for (slot = 1; slot < m->nslots; slot++)
		if (freed[slot])
			flows_write_slot(m->peers_fd, m->ncpu, slot, &v);
out:
	free(owner);
	free(want);
	free(freed);
	return err;
}
