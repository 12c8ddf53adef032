// SPDX-License-Identifier: GPL-2.0
/*
 * An attached sampler opened for reading (see flows.h): per-peer counters,
 * flows and errors summed over CPUs, peer-set changes, flow expiry.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "flows_priv.h"

/* Elements per batch syscall when reading hash maps. */
#define BATCH_CHUNK 256

struct flows_sampler {
	char dev[IFNAMSIZ];
	char dir[PATH_MAX];
	struct mixnet_sampler_info info;
	uint64_t epoch;
	int prog_fd, info_fd, peers_fd, index_fd, ctl_fd, flows_fd, errors_fd;
	unsigned int ncpu;
	bool no_batch;
	/* buffers reused between reads */
	struct flows_peer *peers;
	size_t peers_cap;
	struct flows_flow *flows;
	size_t flows_cap, nflows;
	void *kbuf, *vbuf;
	size_t kbuf_len, vbuf_len;
};

static int open_pinned(const char *dir, const char *name, int *fd, struct flows_error *e)
{
	char path[PATH_MAX];

	flows_pin_path(path, sizeof(path), dir, name);
	*fd = bpf_obj_get(path);
	if (*fd < 0)
		return flows_fail(e, *fd, path, "cannot open pinned object");
	return 0;
}

int flows_open(const char *dev, const char *pin_root, struct flows_sampler **out,
	       struct flows_error *e)
{
	const char *root = pin_root ? pin_root : MIXNET_PIN_ROOT;
	struct flows_sampler *s;
	struct stat st;
	uint32_t id, zero = 0;
	int err;

	*out = NULL;
	err = flows_check_dev_root(root, dev, e);
	if (err)
		return err;
	s = calloc(1, sizeof(*s));
	if (!s)
		return flows_fail(e, -ENOMEM, dev, "out of memory");
	s->prog_fd = s->info_fd = s->peers_fd = s->index_fd = s->ctl_fd = -1;
	s->flows_fd = s->errors_fd = -1;
	snprintf(s->dev, sizeof(s->dev), "%s", dev);
	flows_dev_dir(s->dir, sizeof(s->dir), root, dev);
	s->ncpu = flows_possible_cpus();

	if (stat(s->dir, &st)) {
		err = errno == ENOENT ? flows_fail(e, -ENOENT, dev, "no sampler attached") :
			flows_fail(e, -errno, s->dir, "cannot access the pin directory");
		goto fail_close;
	}
	err = open_pinned(s->dir, MIXNET_PIN_INFO, &s->info_fd, e);
	if (!err)
		err = bpf_map_lookup_elem(s->info_fd, &zero, &s->info);
	if (err == -EACCES || err == -EPERM)
		goto fail_close;
	if (err || s->info.version != MIXNET_SAMPLER_VERSION) {
		err = flows_fail(e, -EPROTO, dev, "incomplete attachment or another sampler version "
				 "(flows detach %s removes it)", dev);
		goto fail_close;
	}
	if (s->info.netns_ino != flows_netns_ino()) {
		err = flows_fail(e, -EXDEV, s->dir, "pinned for a device of another network namespace");
		goto fail_close;
	}
	err = open_pinned(s->dir, MIXNET_PIN_PROG, &s->prog_fd, e);
	if (!err)
		err = open_pinned(s->dir, MIXNET_PIN_PEERS, &s->peers_fd, e);
	if (!err)
		err = open_pinned(s->dir, MIXNET_PIN_PEER_INDEX, &s->index_fd, e);
	if (!err)
		err = open_pinned(s->dir, MIXNET_PIN_PEER_INDEX_CTL, &s->ctl_fd, e);
	if (!err)
		err = open_pinned(s->dir, MIXNET_PIN_FLOWS, &s->flows_fd, e);
	if (!err)
		err = open_pinned(s->dir, MIXNET_PIN_ERRORS, &s->errors_fd, e);
	if (err)
		goto fail_close;
	err = flows_map_id(s->peers_fd, &id);
	if (err) {
		flows_fail(e, err, MIXNET_PIN_PEERS, "cannot query map");
		goto fail_close;
	}
	s->epoch = id;
	*out = s;
	return 0;

fail_close:
	flows_close(s);
	return err;
}

void flows_close(struct flows_sampler *s)
{
	int *fds[] = { &s->prog_fd, &s->info_fd, &s->peers_fd, &s->index_fd, &s->ctl_fd,
		       &s->flows_fd, &s->errors_fd };
	size_t i;

	if (!s)
		return;
	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (*fds[i] >= 0)
			close(*fds[i]);
	free(s->peers);
	free(s->flows);
	free(s->kbuf);
	free(s->vbuf);
	free(s);
}

const char *flows_dev(const struct flows_sampler *s)
{
	return s->dev;
}

const struct mixnet_sampler_info *flows_info(const struct flows_sampler *s)
{
	return &s->info;
}

uint64_t flows_epoch(const struct flows_sampler *s)
{
	return s->epoch;
}

void flows_use_batch(struct flows_sampler *s, bool on)
{
	s->no_batch = !on;
}

int flows_attached(const struct flows_sampler *s)
{
	uint32_t fid, pid;
	int ifindex, err;

	err = flows_dev_lookup(s->dev, &ifindex, NULL);
	if (err == -ENODEV || (!err && (uint32_t)ifindex != s->info.ifindex))
		return 0;
	if (err)
		return err;
	err = flows_prog_id(s->prog_fd, &pid);
	if (err)
		return err;
	if (flows_filter_prog_id(ifindex, s->info.tc_handle, s->info.tc_priority, &fid))
		return 0;
	return fid == pid;
}

/*
 * Call @cb for every element of a hash map: batches of up to BATCH_CHUNK
 * (growing when a bucket does not fit), or one lookup per key when the
 * kernel has no batch operations for it.
 */
static int hash_foreach(struct flows_sampler *s, int fd, size_t ksize, size_t vsize,
			int (*cb)(const void *key, const void *val, void *ctx), void *ctx)
{
	size_t chunk = BATCH_CHUNK, i;
	unsigned char in[FLOWS_KEY_MAX], out[FLOWS_KEY_MAX], key[FLOWS_KEY_MAX],
		      next[FLOWS_KEY_MAX];
	bool first = true;
	int err;

	if (!s->no_batch) {
		for (;;) {
			uint32_t count = chunk;
			DECLARE_LIBBPF_OPTS(bpf_map_batch_opts, bo);

			err = flows_ensure(&s->kbuf, &s->kbuf_len, chunk * ksize);
			if (!err)
				err = flows_ensure(&s->vbuf, &s->vbuf_len, chunk * vsize);
			if (err)
				return err;
			err = bpf_map_lookup_batch(fd, first ? NULL : in, out, s->kbuf, s->vbuf,
						   &count, &bo);
			if (err == -ENOSPC && !count) {
				chunk *= 2;	/* a bucket larger than the chunk */
				continue;
			}
			if (err && err != -ENOENT) {
				if (first && flows_batch_unsupported(err)) {
					s->no_batch = true;
					break;
				}
				return err;
			}
			for (i = 0; i < count; i++) {
				int r = cb((char *)s->kbuf + i * ksize, (char *)s->vbuf + i * vsize,
					   ctx);
				if (r)
					return r;
			}
			if (err == -ENOENT)
				return 0;
			memcpy(in, out, sizeof(in));
			first = false;
		}
	}

	err = flows_ensure(&s->vbuf, &s->vbuf_len, vsize);
	if (err)
		return err;
	for (first = true;; first = false) {
		err = bpf_map_get_next_key(fd, first ? NULL : key, next);
		if (err == -ENOENT)
			return 0;
		if (err)
			return err;
		memcpy(key, next, ksize);
		if (bpf_map_lookup_elem(fd, key, s->vbuf))
			continue;	/* deleted meanwhile */
		err = cb(key, s->vbuf, ctx);
		if (err)
			return err;
	}
}

int flows_read_peers(struct flows_sampler *s, const struct flows_peer **peers, size_t *n,
		     uint64_t *now)
{
	size_t vsize = flows_percpu_stride(sizeof(struct mixnet_peer_stats)) * s->ncpu;
	struct mixnet_peer_index_ctl ctl;
	uint32_t zero = 0, count, slot;
	size_t k = 0;
	int err;

	err = bpf_map_lookup_elem(s->ctl_fd, &zero, &ctl);
	if (err)
		return err;
	count = ctl.slots_used < 1 ? 1 : ctl.slots_used;
	if (count > s->info.peer_slots)
		count = s->info.peer_slots;
	err = flows_ensure(&s->vbuf, &s->vbuf_len, count * vsize);
	if (!err)
		err = flows_ensure(&s->kbuf, &s->kbuf_len, count * sizeof(uint32_t));
	if (!err)
		err = flows_ensure((void **)&s->peers, &s->peers_cap, count * sizeof(struct flows_peer));
	if (!err)
		err = flows_array_read(s->peers_fd, count, vsize, s->vbuf, s->kbuf, &s->no_batch);
	if (err)
		return err;
	if (now)
		*now = flows_now_ns(CLOCK_MONOTONIC);
	/* slot 0, and every slot that says whom it counts */
	for (slot = 0; slot < count; slot++) {
		const struct mixnet_peer_stats *v = (const void *)((char *)s->vbuf + slot * vsize);

		if (slot == MIXNET_PEER_SLOT_UNKNOWN || !flows_addr_is_zero(v->addr))
			flows_peer_sum(v, s->ncpu, slot, &s->peers[k++]);
	}
	*peers = s->peers;
	*n = k;
	return 0;
}

struct flows_ctx {
	struct flows_sampler *s;
	unsigned int ncpu;
};

static int flows_cb(const void *key, const void *val, void *arg)
{
	struct flows_ctx *c = arg;
	struct flows_sampler *s = c->s;

	if (s->nflows == s->flows_cap) {
		size_t cap = s->flows_cap ? s->flows_cap * 2 : 256;
		struct flows_flow *f = realloc(s->flows, cap * sizeof(*f));

		if (!f)
			return -ENOMEM;
		s->flows = f;
		s->flows_cap = cap;
	}
	flows_flow_sum(val, c->ncpu, key, &s->flows[s->nflows++]);
	return 0;
}

int flows_read_flows(struct flows_sampler *s, const struct flows_flow **flows, size_t *n,
		     uint64_t *now)
{
	struct flows_ctx ctx = { s, s->ncpu };
	int err;

	s->nflows = 0;
	err = hash_foreach(s, s->flows_fd, sizeof(struct mixnet_flow_key),
			   flows_percpu_stride(sizeof(struct mixnet_flow_stats)) * s->ncpu,
			   flows_cb, &ctx);
	if (err)
		return err;
	if (now)
		*now = flows_now_ns(CLOCK_MONOTONIC);
	*flows = s->flows;
	*n = s->nflows;
	return 0;
}

int flows_read_errors(struct flows_sampler *s, struct mixnet_sampler_errors *out)
{
	size_t vsize = flows_percpu_stride(sizeof(*out)) * s->ncpu;
	uint32_t zero = 0;
	int err;

	err = flows_ensure(&s->vbuf, &s->vbuf_len, vsize);
	if (!err)
		err = bpf_map_lookup_elem(s->errors_fd, &zero, s->vbuf);
	if (err)
		return err;
	flows_errors_sum(s->vbuf, s->ncpu, out);
	return 0;
}

int flows_set_peers(struct flows_sampler *s, const struct flows_addr *peers, size_t n,
		    struct flows_error *e)
{
	struct flows_peer_maps pm = {
		.peers_fd = s->peers_fd, .index_fd = s->index_fd, .ctl_fd = s->ctl_fd,
		.nslots = s->info.peer_slots, .bits = s->info.index_bits, .ncpu = s->ncpu,
		.no_batch = &s->no_batch,
	};
	char root[PATH_MAX], *slash;
	int lock, err;

	snprintf(root, sizeof(root), "%s", s->dir);
	slash = strrchr(root, '/');
	if (slash)
		*slash = '\0';
	lock = flows_lock_root(root, e);
	if (lock < 0)
		return lock;
	err = flows_apply_peers(&pm, peers, n, e);
	flows_unlock_root(lock);
	return err;
}

struct expire_ctx {
	uint64_t cutoff;
	unsigned int ncpu;
	struct mixnet_flow_key *keys;
	size_t n, cap;
};

static int expire_cb(const void *key, const void *val, void *arg)
{
	struct expire_ctx *c = arg;
	struct flows_flow f;

	flows_flow_sum(val, c->ncpu, key, &f);
	if (f.last_ns > c->cutoff)
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		void *k = realloc(c->keys, cap * sizeof(*c->keys));

		if (!k)
			return -ENOMEM;
		c->keys = k;
		c->cap = cap;
	}
	c->keys[c->n++] = f.key;
	return 0;
}

int flows_expire(struct flows_sampler *s, uint64_t idle_ns, size_t *removed)
{
	/* the program stamps flows with the coarse clock */
	uint64_t now = flows_now_ns(CLOCK_MONOTONIC_COARSE);
	struct expire_ctx c = { now > idle_ns ? now - idle_ns : 0, s->ncpu, NULL, 0, 0 };
	size_t i, done = 0;
	int err;

	err = hash_foreach(s, s->flows_fd, sizeof(struct mixnet_flow_key),
			   flows_percpu_stride(sizeof(struct mixnet_flow_stats)) * s->ncpu,
			   expire_cb, &c);
	for (i = 0; !err && i < c.n; i++) {
		int r = bpf_map_delete_elem(s->flows_fd, &c.keys[i]);

		if (!r)
			done++;
		else if (r != -ENOENT)
			err = r;
	}
	free(c.keys);
	if (removed)
		*removed = done;
	return err;
}
