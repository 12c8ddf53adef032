// SPDX-License-Identifier: GPL-2.0
/*
 * The traffic sampler from userspace (see flows.h): attach/detach on tc
 * egress through libbpf's bpf_tc_* (clsact) API, pins, the peer set, and
 * reading the per-CPU maps with batch operations where the kernel has
 * them.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if_arp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "flows.h"
#include "flows_index.h"
#include "flows_tc.h"
#include "sampler.skel.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif
#ifndef ARPHRD_IP6GRE
#define ARPHRD_IP6GRE 823
#endif
#ifndef ENOTSUPP
#define ENOTSUPP 524	/* kernel-internal "operation not supported" */
#endif

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

static const char *const pinned_maps[] = {
	MIXNET_PIN_PEERS, MIXNET_PIN_PEER_INDEX, MIXNET_PIN_PEER_INDEX_CTL,
	MIXNET_PIN_FLOWS, MIXNET_PIN_ERRORS, MIXNET_PIN_INFO,
};

static bool libbpf_verbose;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!libbpf_verbose || level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void flows_libbpf_verbose(bool on)
{
	libbpf_verbose = on;
}

static void quiet_libbpf(void)
{
	static bool done;

	if (!done) {
		libbpf_set_print(libbpf_print);
		done = true;
	}
}

/* Fill @e (if given) and return @err (negative errno). */
static int fail(struct flows_error *e, int err, const char *obj, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(struct flows_error *e, int err, const char *obj, const char *fmt, ...)
{
	va_list ap;

	if (e) {
		snprintf(e->obj, sizeof(e->obj), "%s", obj ? obj : "");
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
	}
	return err < 0 ? err : -err;
}

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int flows_link_mode(unsigned short type)
{
	switch (type) {
	case ARPHRD_ETHER:
	case ARPHRD_LOOPBACK:
		return MIXNET_LINK_ETHERNET;
	case ARPHRD_NONE:	/* tun, wireguard, mixnet0 */
	case ARPHRD_RAWIP:
	case ARPHRD_PPP:
	case ARPHRD_TUNNEL:
	case ARPHRD_TUNNEL6:
	case ARPHRD_SIT:
	case ARPHRD_IPGRE:
	case ARPHRD_IP6GRE:
		return MIXNET_LINK_L3;
	default:
		return -1;
	}
}

const char *flows_link_mode_name(unsigned int mode)
{
	return mode == MIXNET_LINK_L3 ? "l3" : mode == MIXNET_LINK_ETHERNET ? "ethernet" : "?";
}

void flows_attach_opts_init(struct flows_attach_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->sample_every = 1;
	o->max_flows = MIXNET_SAMPLER_MAX_FLOWS;
	o->peer_slots = MIXNET_SAMPLER_PEER_SLOTS;
}

/* ---- devices, namespaces, the pin root ------------------------------------------- */

/* A device name usable as a path component (it names the pin directory). */
static int check_dev_name(const char *dev, struct flows_error *e)
{
	size_t len = dev ? strlen(dev) : 0;

	if (!len || len >= IFNAMSIZ || strchr(dev, '/') || !strcmp(dev, ".") ||
	    !strcmp(dev, "..") || strpbrk(dev, " \t\n:"))
		return fail(e, -EINVAL, dev ? dev : "", "not a valid device name");
	return 0;
}

/* ifindex and ARPHRD type of @dev in the current network namespace. */
static int dev_lookup(const char *dev, int *ifindex, unsigned short *type)
{
	struct ifreq ifr;
	int fd, err = 0;

	*ifindex = (int)if_nametoindex(dev);
	if (!*ifindex)
		return errno == ENXIO || errno == ENODEV ? -ENODEV : -errno;
	if (!type)
		return 0;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		err = errno == ENODEV ? -ENODEV : -errno;
	else
		*type = ifr.ifr_hwaddr.sa_family;
	close(fd);
	return err;
}

static uint64_t netns_ino(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) ? 0 : (uint64_t)st.st_ino;
}

/*
 * The pin root must be on a BPF file system, or be missing (*@missing)
 * from a directory that is one.
 */
static int check_pin_root(const char *root, bool *missing, struct flows_error *e)
{
	char parent[PATH_MAX], *slash;
	struct statfs sfs;

	*missing = false;
	if (!statfs(root, &sfs)) {
		if ((unsigned long)sfs.f_type != BPF_FS_MAGIC)
			return fail(e, -ENOTSUP, root,
				    "not on a BPF file system (mount -t bpf bpf /sys/fs/bpf)");
		return 0;
	}
	if (errno != ENOENT)
		return fail(e, -errno, root, "cannot access the pin directory");
	snprintf(parent, sizeof(parent), "%s", root);
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = '\0';
	if (statfs(parent, &sfs) || (unsigned long)sfs.f_type != BPF_FS_MAGIC)
		return fail(e, -ENOTSUP, parent,
			    "no BPF file system mounted here (mount -t bpf bpf %s)", parent);
	*missing = true;
	return 0;
}

/* For readers: the pin root exists on a BPF file system (else -ENOENT/-ENOTSUP). */
static int pin_root_readable(const char *root, const char *dev, struct flows_error *e)
{
	bool missing;
	int err = check_pin_root(root, &missing, e);

	if (!err && missing)
		err = fail(e, -ENOENT, dev, "no sampler attached");
	return err;
}

/*
 * <root>/<dev>: the BPF file system reserves '.' in names, so a dot of a
 * device name (eth0.100) is written as ':', which no device name contains.
 */
static void dev_dir(char *buf, size_t len, const char *root, const char *dev)
{
	size_t i, n = (size_t)snprintf(buf, len, "%s/", root);

	for (i = 0; dev[i] && n + 1 < len; i++)
		buf[n++] = dev[i] == '.' ? ':' : dev[i];
	buf[n < len ? n : len - 1] = '\0';
}

/* Serialize attach/detach/peer updates of all agents sharing @root. */
static int lock_root(const char *root, struct flows_error *e)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return fail(e, -errno, root, "cannot open the pin directory");
	if (flock(fd, LOCK_EX)) {
		int err = -errno;

		close(fd);
		return fail(e, err, root, "cannot lock the pin directory");
	}
	return fd;
}

static void unlock_root(int fd)
{
	if (fd >= 0)
		close(fd);	/* drops the flock */
}

static void pin_path(char *buf, size_t len, const char *dir, const char *name)
{
	if (snprintf(buf, len, "%s/%s", dir, name) >= (int)len)
		buf[0] = '\0';	/* cannot happen: @dir is short, names are fixed */
}

/* ---- the tc filter ----------------------------------------------------------------- */

static void egress_hook(struct bpf_tc_hook *hook, int ifindex)
{
	memset(hook, 0, sizeof(*hook));
	hook->sz = sizeof(*hook);
	hook->ifindex = ifindex;
	hook->attach_point = BPF_TC_EGRESS;
}

/* Program id of the filter at our handle/priority on egress; -ENOENT if none. */
static int filter_prog_id(int ifindex, uint32_t handle, uint32_t prio, uint32_t *id)
{
	struct bpf_tc_hook hook;
	struct bpf_tc_opts q = { .sz = sizeof(q), .handle = handle, .priority = prio };
	int err;

	egress_hook(&hook, ifindex);
	err = bpf_tc_query(&hook, &q);
	if (err)
		return err == -EINVAL ? -ENOENT : err;	/* EINVAL: no clsact */
	*id = q.prog_id;
	return 0;
}

static int prog_id(int fd, uint32_t *id)
{
	struct bpf_prog_info pi;
	uint32_t len = sizeof(pi);
	int err;

	memset(&pi, 0, sizeof(pi));
	err = bpf_obj_get_info_by_fd(fd, &pi, &len);
	if (!err)
		*id = pi.id;
	return err;
}

static int map_id(int fd, uint32_t *id)
{
	struct bpf_map_info mi;
	uint32_t len = sizeof(mi);
	int err;

	memset(&mi, 0, sizeof(mi));
	err = bpf_obj_get_info_by_fd(fd, &mi, &len);
	if (!err)
		*id = mi.id;
	return err;
}

static int pinned_prog_id(const char *dir, uint32_t *id)
{
	char path[PATH_MAX];
	int fd, err;

	pin_path(path, sizeof(path), dir, MIXNET_PIN_PROG);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return fd;
	err = prog_id(fd, id);
	close(fd);
	return err;
}

static int read_info(const char *dir, struct mixnet_sampler_info *info)
{
	char path[PATH_MAX];
	uint32_t zero = 0;
	int fd, err;

	pin_path(path, sizeof(path), dir, MIXNET_PIN_INFO);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return fd;
	err = bpf_map_lookup_elem(fd, &zero, info);
	close(fd);
	return err;
}

enum pin_state {
	PINS_ABSENT,		/* no pin directory */
	PINS_LIVE,		/* attached to this device, filter in place */
	PINS_STALE,		/* device or filter gone, or an attach that died */
	PINS_FOREIGN,		/* a device of another network namespace */
};

/* What is pinned as @dev under @dir; *@info filled when readable. */
static enum pin_state pin_state(const char *dev, const char *dir,
				struct mixnet_sampler_info *info)
{
	uint32_t fid, pid;
	struct stat st;
	int ifindex;

	memset(info, 0, sizeof(*info));
	if (stat(dir, &st))
		return PINS_ABSENT;
	if (read_info(dir, info) || info->version != MIXNET_SAMPLER_VERSION)
		return PINS_STALE;	/* incomplete attach or another format */
	if (info->netns_ino != netns_ino())
		return PINS_FOREIGN;
	if (dev_lookup(dev, &ifindex, NULL) || (uint32_t)ifindex != info->ifindex)
		return PINS_STALE;
	if (filter_prog_id(ifindex, info->tc_handle, info->tc_priority, &fid) ||
	    pinned_prog_id(dir, &pid) || fid != pid)
		return PINS_STALE;
	return PINS_LIVE;
}

static void unpin_all(const char *dir)
{
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(pinned_maps) / sizeof(pinned_maps[0]); i++) {
		pin_path(path, sizeof(path), dir, pinned_maps[i]);
		unlink(path);
	}
	pin_path(path, sizeof(path), dir, MIXNET_PIN_PROG);
	unlink(path);
}

/*
 * Undo an attachment: our filter (only if it still runs our program), the
 * clsact qdisc if we created it and nobody else has a filter on it, the
 * pins.  @ifindex 0: the device is gone with its tc state.
 */
static int teardown(const char *dev, const char *dir, const struct mixnet_sampler_info *info,
		    int ifindex, struct flows_error *e)
{
	uint32_t fid, pid;
	int err;

	if (ifindex > 0 && info->tc_handle) {
		struct bpf_tc_hook hook;
		struct bpf_tc_opts o = {
			.sz = sizeof(o), .handle = info->tc_handle, .priority = info->tc_priority,
		};

		egress_hook(&hook, ifindex);
		if (!filter_prog_id(ifindex, info->tc_handle, info->tc_priority, &fid) &&
		    !pinned_prog_id(dir, &pid) && fid == pid) {
			err = bpf_tc_detach(&hook, &o);
			if (err)
				return fail(e, err, dev, "cannot remove the tc egress filter");
		}
		if (info->qdisc_created && flows_tc_clsact_filters(ifindex) == 0) {
			hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
			err = bpf_tc_hook_destroy(&hook);
			if (err && err != -ENOENT && err != -EINVAL)
				return fail(e, err, dev, "cannot remove the clsact qdisc");
		}
	}
	unpin_all(dir);
	if (rmdir(dir) && errno != ENOENT)
		return fail(e, -errno, dir, "cannot remove the pin directory");
	return 0;
}

/* ---- per-CPU value buffers ----------------------------------------------------------- */

static int ensure(void **buf, size_t *len, size_t need)
{
	void *p;

	if (need <= *len)
		return 0;
	p = realloc(*buf, need);
	if (!p)
		return -ENOMEM;
	*buf = p;
	*len = need;
	return 0;
}

static unsigned int possible_cpus(void)
{
	int n = libbpf_num_possible_cpus();

	return n > 0 ? (unsigned int)n : 1;
}

/* Write the same peer value on every CPU of slot @slot. */
static int write_slot(int peers_fd, unsigned int ncpu, uint32_t slot,
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

/* ---- arrays, whole ranges at a time ---------------------------------------------------- */

static bool batch_unsupported(int err)
{
	return err == -EINVAL || err == -EOPNOTSUPP || err == -ENOTSUPP || err == -ENOSYS;
}

/*
 * Elements [0, @count) of an array map into @vals (@vsize bytes each, all
 * CPUs for per-CPU maps); @keys has room for @count u32.  One batch call,
 * or one lookup per element when the kernel lacks batches (*@no_batch).
 */
static int array_read(int fd, uint32_t count, size_t vsize, void *vals, uint32_t *keys,
		      bool *no_batch)
{
	uint32_t i, got = count;
	int err;

	if (!*no_batch) {
		DECLARE_LIBBPF_OPTS(bpf_map_batch_opts, bo);
		uint32_t out;

		err = bpf_map_lookup_batch(fd, NULL, &out, keys, vals, &got, &bo);
		if ((!err || err == -ENOENT) && got == count)
			return 0;
		if (!err || err == -ENOENT || !batch_unsupported(err))
			return err ? err : -EIO;
		*no_batch = true;
	}
	for (i = 0; i < count; i++) {
		err = bpf_map_lookup_elem(fd, &i, (char *)vals + i * vsize);
		if (err)
			return err;
	}
	return 0;
}

/* Write elements [@first, @first + @count) of an array map from @vals. */
static int array_write(int fd, uint32_t first, uint32_t count, size_t vsize, const void *vals,
		       uint32_t *keys, bool *no_batch)
{
	uint32_t i;
	int err;

	for (i = 0; i < count; i++)
		keys[i] = first + i;
	if (!*no_batch) {
		DECLARE_LIBBPF_OPTS(bpf_map_batch_opts, bo);
		uint32_t n = count;

		err = bpf_map_update_batch(fd, keys, vals, &n, &bo);
		if (!err || !batch_unsupported(err))
			return err;
		*no_batch = true;
	}
	for (i = 0; i < count; i++) {
		err = bpf_map_update_elem(fd, &keys[i], (const char *)vals + i * vsize, BPF_ANY);
		if (err)
			return err;
	}
	return 0;
}

/* ---- the peer set -------------------------------------------------------------------- */

/* The maps and sizes a peer-set change touches. */
struct peer_maps {
	int peers_fd, index_fd, ctl_fd;
	uint32_t nslots, bits;
	unsigned int ncpu;
	bool *no_batch;
};

static int check_peers(const struct flows_addr *peers, size_t n, uint32_t nslots,
		       struct flows_error *e)
{
	char a[FLOWS_ADDRSTRLEN];
	size_t bad;
	int err;

	if (n && !peers)
		return fail(e, -EINVAL, "peers", "missing");
	err = flows_peers_check(peers, n, nslots - 1, &bad);
	if (err == -E2BIG)
		return fail(e, err, "peers", "%zu peers, at most %u fit in the peer table",
			    n, nslots - 1);
	if (err)
		return fail(e, err, flows_addr_str(peers[bad].b, a, sizeof(a)),
			    flows_addr_is_zero(peers[bad].b) ? "not a peer address" :
			    "peer listed twice");
	return 0;
}

/* The peer each slot counts now (all-zero: free), from the peers map. */
static int read_assignment(const struct peer_maps *m, uint32_t used, struct flows_addr *owner)
{
	size_t vsize = flows_percpu_stride(sizeof(struct mixnet_peer_stats)) * m->ncpu;
	uint32_t *keys = calloc(used, sizeof(*keys));
	char *vals = calloc(used, vsize);
	uint32_t slot;
	int err = -ENOMEM;

	if (keys && vals)
		err = array_read(m->peers_fd, used, vsize, vals, keys, m->no_batch);
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
	uint64_t rng = now_ns(CLOCK_MONOTONIC) ^ ((uint64_t)getpid() << 32);
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
	err = array_write(index_fd, ctl.half << bits, size, sizeof(*buckets), buckets, keys,
			  &no_batch);
	if (!err)
		err = bpf_map_update_elem(ctl_fd, &zero, &ctl, BPF_ANY);
out:
	free(buckets);
	free(keys);
	return err;
}

/* Index the peers of @owner (slot -> address) and make that index active. */
static int publish_index(const struct peer_maps *m, const struct flows_addr *owner,
			 struct flows_error *e)
{
	struct flows_index_entry *ent = calloc(m->nslots, sizeof(*ent));
	uint32_t slot;
	size_t n = 0;
	int err;

	if (!ent)
		return fail(e, -ENOMEM, "peers", "out of memory");
	for (slot = 1; slot < m->nslots; slot++) {
		if (flows_addr_is_zero(owner[slot].b))
			continue;
		memcpy(ent[n].addr, owner[slot].b, 16);
		ent[n++].slot = slot;
	}
	err = flows_index_write(m->index_fd, m->ctl_fd, m->bits, ent, n);
	if (err)
		fail(e, err, MIXNET_PIN_PEER_INDEX, "cannot index %zu peers", n);
	free(ent);
	return err;
}

static int apply_peers(const struct peer_maps *m, const struct flows_addr *peers, size_t n,
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

	err = check_peers(peers, n, m->nslots, e);
	if (err)
		return err;
	err = bpf_map_lookup_elem(m->ctl_fd, &zero, &ctl);
	if (err)
		return fail(e, err, MIXNET_PIN_PEER_INDEX_CTL, "cannot read the peer index");
	used = ctl.slots_used > m->nslots ? m->nslots : ctl.slots_used;
	owner = calloc(m->nslots, sizeof(*owner));
	want = malloc((n ? n : 1) * sizeof(*want));
	freed = calloc(m->nslots, sizeof(*freed));
	if (!owner || !want || !freed) {
		err = fail(e, -ENOMEM, "peers", "out of memory");
		goto out;
	}
	if (used > 1) {
		err = read_assignment(m, used, owner);
		if (err) {
			fail(e, err, MIXNET_PIN_PEERS, "cannot read the peer table");
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
			err = fail(e, -E2BIG, "peers", "no free slot in the peer table");
			goto out;
		}
		/* counters from zero before any packet can find the slot */
		memset(&v, 0, sizeof(v));
		v.since_ns = now_ns(CLOCK_MONOTONIC);
		memcpy(v.addr, want[i].b, 16);
		err = write_slot(m->peers_fd, m->ncpu, slot, &v);
		if (err) {
			fail(e, err, flows_addr_str(want[i].b, a, sizeof(a)), "cannot add the peer");
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
			write_slot(m->peers_fd, m->ncpu, slot, &v);
out:
	free(owner);
	free(want);
	free(freed);
	return err;
}

/* ---- attach ----------------------------------------------------------------------------- */

static int check_attach_opts(const struct flows_attach_opts *o, struct flows_error *e)
{
	if (!o->max_flows || o->max_flows > FLOWS_MAX_FLOWS_LIMIT)
		return fail(e, -ERANGE, "max-flows", "must be 1..%u", FLOWS_MAX_FLOWS_LIMIT);
	if (o->peer_slots < 2 || o->peer_slots > FLOWS_PEER_SLOTS_LIMIT)
		return fail(e, -ERANGE, "peer-slots", "must be 2..%u", FLOWS_PEER_SLOTS_LIMIT);
	return 0;
}

/* Tests: pretend that @step failed right after it succeeded. */
static int injected(const struct flows_attach_opts *o, int step, const char *dev,
		    struct flows_error *e)
{
	if (o->fail_after != step)
		return 0;
	return fail(e, -EIO, dev, "failure injected after attach step %d", step);
}

static int pin_objects(struct sampler_bpf *skel, const char *dir, struct flows_error *e)
{
	struct bpf_map *maps[] = {
		skel->maps.peers, skel->maps.peer_index, skel->maps.peer_index_ctl,
		skel->maps.flows, skel->maps.errors, skel->maps.info,
	};
	char path[PATH_MAX];
	size_t i;
	int err;

	for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		pin_path(path, sizeof(path), dir, pinned_maps[i]);
		err = bpf_map__pin(maps[i], path);
		if (err)
			return fail(e, err, path, "cannot pin map");
	}
	pin_path(path, sizeof(path), dir, MIXNET_PIN_PROG);
	err = bpf_program__pin(skel->progs.mixnet_sampler, path);
	if (err)
		return fail(e, err, path, "cannot pin program");
	return 0;
}

int flows_attach(const char *dev, const struct flows_attach_opts *opts, struct flows_error *e)
{
	struct flows_attach_opts o;
	struct mixnet_sampler_info info, old;
	const char *root;
	char dir[PATH_MAX];
	struct sampler_bpf *skel = NULL;
	struct mixnet_peer_stats unknown;
	struct bpf_tc_hook hook;
	struct bpf_tc_opts topts;
	unsigned short type = 0;
	unsigned int ncpu = possible_cpus();
	int ifindex, mode, lock = -1, err, prog_fd;
	uint32_t zero = 0, bits;
	bool dir_made = false, root_missing, no_batch = false;
	struct peer_maps pm;

	quiet_libbpf();
	flows_attach_opts_init(&o);
	if (opts) {
		o = *opts;
		if (!o.max_flows)
			o.max_flows = MIXNET_SAMPLER_MAX_FLOWS;
		if (!o.peer_slots)
			o.peer_slots = MIXNET_SAMPLER_PEER_SLOTS;
	}
	root = o.pin_root ? o.pin_root : MIXNET_PIN_ROOT;
	err = check_dev_name(dev, e);
	if (!err)
		err = check_attach_opts(&o, e);
	if (err)
		return err;
	err = check_peers(o.peers, o.npeers, o.peer_slots, e);
	if (err)
		return err;
	bits = flows_index_bits(o.peer_slots);
	err = dev_lookup(dev, &ifindex, &type);
	if (err)
		return fail(e, err, dev, err == -ENODEV ? "no such device" : "cannot query device");
	mode = flows_link_mode(type);
	if (mode < 0)
		return fail(e, -EOPNOTSUPP, dev, "link type %u is neither Ethernet nor L3", type);

	err = check_pin_root(root, &root_missing, e);
	if (err)
		return err;

	/* Load first: without privileges this fails before anything is created. */
	skel = sampler_bpf__open();
	if (!skel)
		return fail(e, -errno, dev, "cannot open the BPF object");
	skel->rodata->link_mode = mode;
	skel->rodata->sample_every = o.sample_every;
	skel->rodata->sample_threshold = o.sample_every > 1 ?
		(uint32_t)((1ull << 32) / o.sample_every - 1) : UINT32_MAX;
	skel->rodata->index_bits = bits;
	err = bpf_map__set_max_entries(skel->maps.flows, o.sample_every ? o.max_flows : 1);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.peers, o.peer_slots);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.peer_index, 2u << bits);
	if (err) {
		fail(e, err, dev, "cannot size the maps");
		goto out_destroy;
	}
	err = sampler_bpf__load(skel);
	if (err) {
		fail(e, err, dev, err == -EPERM || err == -EACCES ?
		     "cannot load the BPF program (needs CAP_BPF and CAP_NET_ADMIN)" :
		     "cannot load the BPF program (try -v)");
		goto out_destroy;
	}
	if ((err = injected(&o, FLOWS_STEP_LOAD, dev, e)))
		goto out_destroy;

	if (root_missing && mkdir(root, 0700) && errno != EEXIST) {
		err = fail(e, -errno, root, "cannot create the pin directory");
		goto out_destroy;
	}
	lock = lock_root(root, e);
	if (lock < 0) {
		err = lock;
		goto out_destroy;
	}
	dev_dir(dir, sizeof(dir), root, dev);
	switch (pin_state(dev, dir, &old)) {
	case PINS_LIVE:
		err = fail(e, -EEXIST, dev, "sampler already attached (pinned at %s)", dir);
		goto out_destroy;
	case PINS_FOREIGN:
		err = fail(e, -EEXIST, dir,
			   "pinned by a sampler on a device of another network namespace");
		goto out_destroy;
	case PINS_STALE: {
		int old_ifindex = (uint32_t)ifindex == old.ifindex ? ifindex : 0;

		err = teardown(dev, dir, &old, old_ifindex, e);
		if (err)
			goto out_destroy;
		break;
	}
	case PINS_ABSENT:
		break;
	}

	memset(&info, 0, sizeof(info));
	info.version = MIXNET_SAMPLER_VERSION;
	info.ifindex = ifindex;
	info.netns_ino = netns_ino();
	info.link_mode = mode;
	info.sample_every = o.sample_every;
	info.max_flows = o.sample_every ? o.max_flows : 0;
	info.peer_slots = o.peer_slots;
	info.index_bits = bits;
	info.tc_handle = MIXNET_SAMPLER_TC_HANDLE;
	info.tc_priority = MIXNET_SAMPLER_TC_PRIORITY;

	if (mkdir(dir, 0700)) {
		err = fail(e, -errno, dir, "cannot create the pin directory");
		goto out_destroy;
	}
	dir_made = true;
	err = pin_objects(skel, dir, e);
	if (!err)
		err = injected(&o, FLOWS_STEP_PIN, dev, e);
	if (err)
		goto out_unwind;

	memset(&unknown, 0, sizeof(unknown));
	unknown.since_ns = now_ns(CLOCK_MONOTONIC);
	err = write_slot(bpf_map__fd(skel->maps.peers), ncpu, MIXNET_PEER_SLOT_UNKNOWN, &unknown);
	if (err) {
		fail(e, err, MIXNET_PIN_PEERS, "cannot initialise the unknown-peer slot");
		goto out_unwind;
	}
	pm.peers_fd = bpf_map__fd(skel->maps.peers);
	pm.index_fd = bpf_map__fd(skel->maps.peer_index);
	pm.ctl_fd = bpf_map__fd(skel->maps.peer_index_ctl);
	pm.nslots = o.peer_slots;
	pm.bits = bits;
	pm.ncpu = ncpu;
	pm.no_batch = &no_batch;
	err = apply_peers(&pm, o.peers, o.npeers, e);
	if (!err)
		err = injected(&o, FLOWS_STEP_PEERS, dev, e);
	if (err)
		goto out_unwind;

	egress_hook(&hook, ifindex);
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		fail(e, err, dev, "cannot create the clsact qdisc");
		goto out_unwind;
	}
	info.qdisc_created = !err;
	err = injected(&o, FLOWS_STEP_QDISC, dev, e);
	if (err)
		goto out_unwind;

	info.attached_ns = now_ns(CLOCK_MONOTONIC);
	err = bpf_map_update_elem(bpf_map__fd(skel->maps.info), &zero, &info, BPF_ANY);
	if (!err)
		err = bpf_map_freeze(bpf_map__fd(skel->maps.info));
	if (err) {
		fail(e, err, MIXNET_PIN_INFO, "cannot write the info map");
		goto out_unwind;
	}
	err = injected(&o, FLOWS_STEP_INFO, dev, e);
	if (err)
		goto out_unwind;

	prog_fd = bpf_program__fd(skel->progs.mixnet_sampler);
	memset(&topts, 0, sizeof(topts));
	topts.sz = sizeof(topts);
	topts.prog_fd = prog_fd;
	topts.handle = info.tc_handle;
	topts.priority = info.tc_priority;
	err = bpf_tc_attach(&hook, &topts);
	if (err) {
		fail(e, err, dev, err == -EEXIST ?
		     "another tc egress filter uses the sampler's handle and priority" :
		     "cannot attach to tc egress (is there an 'ingress' qdisc instead of clsact?)");
		goto out_unwind;
	}
	err = injected(&o, FLOWS_STEP_ATTACH, dev, e);
	if (err)
		goto out_unwind;

	sampler_bpf__destroy(skel);	/* pins and the filter keep it all alive */
	unlock_root(lock);
	return 0;

out_unwind:
	if (dir_made)
		teardown(dev, dir, &info, ifindex, NULL);
out_destroy:
	sampler_bpf__destroy(skel);
	unlock_root(lock);
	return err;
}

int flows_detach(const char *dev, const char *pin_root, struct flows_error *e)
{
	const char *root = pin_root ? pin_root : MIXNET_PIN_ROOT;
	struct mixnet_sampler_info info;
	char dir[PATH_MAX];
	int err, lock, ifindex = 0;

	quiet_libbpf();
	err = check_dev_name(dev, e);
	if (err)
		return err;
	err = pin_root_readable(root, dev, e);
	if (err)
		return err;
	lock = lock_root(root, e);
	if (lock < 0)
		return lock;
	dev_dir(dir, sizeof(dir), root, dev);
	switch (pin_state(dev, dir, &info)) {
	case PINS_ABSENT:
		err = fail(e, -ENOENT, dev, "no sampler attached");
		break;
	case PINS_FOREIGN:
		err = fail(e, -EXDEV, dir, "pinned for a device of another network namespace");
		break;
	case PINS_LIVE:
	case PINS_STALE:
		if (info.version == MIXNET_SAMPLER_VERSION &&
		    (dev_lookup(dev, &ifindex, NULL) || (uint32_t)ifindex != info.ifindex))
			ifindex = 0;	/* gone (or a new device of that name) */
		err = teardown(dev, dir, &info, ifindex, e);
		break;
	}
	unlock_root(lock);
	return err;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

int flows_list(const char *pin_root, char (**names)[IFNAMSIZ], size_t *n,
	       struct flows_error *e)
{
	const char *root = pin_root ? pin_root : MIXNET_PIN_ROOT;
	char (*v)[IFNAMSIZ] = NULL;
	struct dirent *de;
	size_t cnt = 0;
	DIR *d;
	int err;

	*names = NULL;
	*n = 0;
	err = pin_root_readable(root, "", e);
	if (err == -ENOENT)
		return 0;
	if (err)
		return err;
	d = opendir(root);
	if (!d)
		return fail(e, -errno, root, "cannot list the pin directory");
	while ((de = readdir(d))) {
		void *nv;

		if (de->d_name[0] == '.' || de->d_type != DT_DIR || strlen(de->d_name) >= IFNAMSIZ)
			continue;
		nv = realloc(v, (cnt + 1) * sizeof(*v));
		if (!nv) {
			closedir(d);
			free(v);
			return fail(e, -ENOMEM, root, "out of memory");
		}
		v = nv;
		snprintf(v[cnt], IFNAMSIZ, "%s", de->d_name);
		for (char *c = v[cnt]; *c; c++)
			if (*c == ':')
				*c = '.';	/* see dev_dir() */
		cnt++;
	}
	closedir(d);
	qsort(v, cnt, sizeof(*v), name_cmp);
	*names = v;
	*n = cnt;
	return 0;
}

/* ---- reading ----------------------------------------------------------------------------- */

static int open_pinned(const char *dir, const char *name, int *fd, struct flows_error *e)
{
	char path[PATH_MAX];

	pin_path(path, sizeof(path), dir, name);
	*fd = bpf_obj_get(path);
	if (*fd < 0)
		return fail(e, *fd, path, "cannot open pinned object");
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

	quiet_libbpf();
	*out = NULL;
	err = check_dev_name(dev, e);
	if (err)
		return err;
	err = pin_root_readable(root, dev, e);
	if (err)
		return err;
	s = calloc(1, sizeof(*s));
	if (!s)
		return fail(e, -ENOMEM, dev, "out of memory");
	s->prog_fd = s->info_fd = s->peers_fd = s->index_fd = s->ctl_fd = -1;
	s->flows_fd = s->errors_fd = -1;
	snprintf(s->dev, sizeof(s->dev), "%s", dev);
	dev_dir(s->dir, sizeof(s->dir), root, dev);
	s->ncpu = possible_cpus();

	if (stat(s->dir, &st)) {
		err = errno == ENOENT ? fail(e, -ENOENT, dev, "no sampler attached") :
			fail(e, -errno, s->dir, "cannot access the pin directory");
		goto fail_close;
	}
	err = open_pinned(s->dir, MIXNET_PIN_INFO, &s->info_fd, e);
	if (err)
		goto fail_close;
	err = bpf_map_lookup_elem(s->info_fd, &zero, &s->info);
	if (err || s->info.version != MIXNET_SAMPLER_VERSION) {
		err = fail(e, -EPROTO, s->dir, "incomplete attachment or another sampler version "
			   "(detach and attach again)");
		goto fail_close;
	}
	if (s->info.netns_ino != netns_ino()) {
		err = fail(e, -EXDEV, s->dir, "pinned for a device of another network namespace");
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
	err = map_id(s->peers_fd, &id);
	if (err) {
		fail(e, err, MIXNET_PIN_PEERS, "cannot query map");
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

	err = dev_lookup(s->dev, &ifindex, NULL);
	if (err == -ENODEV || (!err && (uint32_t)ifindex != s->info.ifindex))
		return 0;
	if (err)
		return err;
	err = prog_id(s->prog_fd, &pid);
	if (err)
		return err;
	if (filter_prog_id(ifindex, s->info.tc_handle, s->info.tc_priority, &fid))
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

			err = ensure(&s->kbuf, &s->kbuf_len, chunk * ksize);
			if (!err)
				err = ensure(&s->vbuf, &s->vbuf_len, chunk * vsize);
			if (err)
				return err;
			err = bpf_map_lookup_batch(fd, first ? NULL : in, out, s->kbuf, s->vbuf,
						   &count, &bo);
			if (err == -ENOSPC && !count) {
				chunk *= 2;	/* a bucket larger than the chunk */
				continue;
			}
			if (err && err != -ENOENT) {
				if (first && batch_unsupported(err)) {
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

	err = ensure(&s->vbuf, &s->vbuf_len, vsize);
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
	err = ensure(&s->vbuf, &s->vbuf_len, count * vsize);
	if (!err)
		err = ensure(&s->kbuf, &s->kbuf_len, count * sizeof(uint32_t));
	if (!err)
		err = ensure((void **)&s->peers, &s->peers_cap, count * sizeof(struct flows_peer));
	if (!err)
		err = array_read(s->peers_fd, count, vsize, s->vbuf, s->kbuf, &s->no_batch);
	if (err)
		return err;
	if (now)
		*now = now_ns(CLOCK_MONOTONIC);
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
		*now = now_ns(CLOCK_MONOTONIC);
	*flows = s->flows;
	*n = s->nflows;
	return 0;
}

int flows_read_errors(struct flows_sampler *s, struct mixnet_sampler_errors *out)
{
	size_t vsize = flows_percpu_stride(sizeof(*out)) * s->ncpu;
	uint32_t zero = 0;
	int err;

	err = ensure(&s->vbuf, &s->vbuf_len, vsize);
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
	struct peer_maps pm = {
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
	lock = lock_root(root, e);
	if (lock < 0)
		return lock;
	err = apply_peers(&pm, peers, n, e);
	unlock_root(lock);
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
	uint64_t now = now_ns(CLOCK_MONOTONIC_COARSE);
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
