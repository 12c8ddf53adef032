// SPDX-License-Identifier: GPL-2.0
/*
 * What the flows library needs around the sampler (see flows_priv.h):
 * error reports, devices and network namespaces, the pin root on the BPF
 * file system and its lock, the tc filter, map ids, whole-array reads and
 * writes with batch operations where the kernel has them.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

#include "flows_priv.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif
#ifndef ENOTSUPP
#define ENOTSUPP 524	/* kernel-internal "operation not supported" */
#endif

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

void flows_quiet_libbpf(void)
{
	static bool done;

	if (!done) {
		libbpf_set_print(libbpf_print);
		done = true;
	}
}

int flows_fail(struct flows_error *e, int err, const char *obj, const char *fmt, ...)
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

uint64_t flows_now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* A device name usable as a path component (it names the pin directory). */
int flows_check_dev_name(const char *dev, struct flows_error *e)
{
	size_t len = dev ? strlen(dev) : 0;

	if (!len || len >= IFNAMSIZ || strchr(dev, '/') || !strcmp(dev, ".") ||
	    !strcmp(dev, "..") || strpbrk(dev, " \t\n:"))
		return flows_fail(e, -EINVAL, dev ? dev : "", "not a valid device name");
	return 0;
}

/* ifindex and ARPHRD type of @dev in the current network namespace. */
int flows_dev_lookup(const char *dev, int *ifindex, unsigned short *type)
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

uint64_t flows_netns_ino(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) ? 0 : (uint64_t)st.st_ino;
}

/*
 * The pin root must be on a BPF file system, or be missing (*@missing)
 * from a directory that is one.
 */
int flows_check_pin_root(const char *root, bool *missing, struct flows_error *e)
{
	char parent[PATH_MAX], *slash;
	struct statfs sfs;

	*missing = false;
	if (!statfs(root, &sfs)) {
		if ((unsigned long)sfs.f_type != BPF_FS_MAGIC)
			return flows_fail(e, -ENOTSUP, root,
				    "not on a BPF file system (mount -t bpf bpf /sys/fs/bpf)");
		return 0;
	}
	if (errno != ENOENT)
		return flows_fail(e, -errno, root, "cannot access the pin directory");
	snprintf(parent, sizeof(parent), "%s", root);
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = '\0';
	if (statfs(parent, &sfs) || (unsigned long)sfs.f_type != BPF_FS_MAGIC)
		return flows_fail(e, -ENOTSUP, parent,
			    "no BPF file system mounted here (mount -t bpf bpf %s)", parent);
	*missing = true;
	return 0;
}

/* For readers: the pin root exists on a BPF file system (else -ENOENT/-ENOTSUP). */
int flows_pin_root_readable(const char *root, const char *dev, struct flows_error *e)
{
	bool missing;
	int err = flows_check_pin_root(root, &missing, e);

	if (!err && missing)
		err = flows_fail(e, -ENOENT, dev, "no sampler attached");
	return err;
}

int flows_check_dev_root(const char *root, const char *dev, struct flows_error *e)
{
	int err;

	flows_quiet_libbpf();
	err = flows_check_dev_name(dev, e);
	return err ? err : flows_pin_root_readable(root, dev, e);
}

/*
 * <root>/<dev>: the BPF file system reserves '.' in names, so a dot of a
 * device name (eth0.100) is written as ':', which no device name contains.
 */
void flows_dev_dir(char *buf, size_t len, const char *root, const char *dev)
{
	size_t i, n = (size_t)snprintf(buf, len, "%s/", root);

	for (i = 0; dev[i] && n + 1 < len; i++)
		buf[n++] = dev[i] == '.' ? ':' : dev[i];
	buf[n < len ? n : len - 1] = '\0';
}

/* Serialize attach/detach/peer updates of all agents sharing @root. */
int flows_lock_root(const char *root, struct flows_error *e)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return flows_fail(e, -errno, root, "cannot open the pin directory");
	if (flock(fd, LOCK_EX)) {
		int err = -errno;

		close(fd);
		return flows_fail(e, err, root, "cannot lock the pin directory");
	}
	return fd;
}

void flows_unlock_root(int fd)
{
	if (fd >= 0)
		close(fd);	/* drops the flock */
}

void flows_pin_path(char *buf, size_t len, const char *dir, const char *name)
{
	if (snprintf(buf, len, "%s/%s", dir, name) >= (int)len)
		buf[0] = '\0';	/* cannot happen: @dir is short, names are fixed */
}

void flows_egress_hook(struct bpf_tc_hook *hook, int ifindex)
{
	memset(hook, 0, sizeof(*hook));
	hook->sz = sizeof(*hook);
	hook->ifindex = ifindex;
	hook->attach_point = BPF_TC_EGRESS;
}

/* Program id of the filter at our handle/priority on egress; -ENOENT if none. */
int flows_filter_prog_id(int ifindex, uint32_t handle, uint32_t prio, uint32_t *id)
{
	struct bpf_tc_hook hook;
	struct bpf_tc_opts q = { .sz = sizeof(q), .handle = handle, .priority = prio };
	int err;

	flows_egress_hook(&hook, ifindex);
	err = bpf_tc_query(&hook, &q);
	if (err)
		return err == -EINVAL ? -ENOENT : err;	/* EINVAL: no clsact */
	*id = q.prog_id;
	return 0;
}

int flows_prog_id(int fd, uint32_t *id)
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

int flows_map_id(int fd, uint32_t *id)
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

int flows_pinned_prog_id(const char *dir, uint32_t *id)
{
	char path[PATH_MAX];
	int fd, err;

	flows_pin_path(path, sizeof(path), dir, MIXNET_PIN_PROG);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return fd;
	err = flows_prog_id(fd, id);
	close(fd);
	return err;
}

int flows_read_info(const char *dir, struct mixnet_sampler_info *info)
{
	char path[PATH_MAX];
	uint32_t zero = 0;
	int fd, err;

	flows_pin_path(path, sizeof(path), dir, MIXNET_PIN_INFO);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return fd;
	err = bpf_map_lookup_elem(fd, &zero, info);
	close(fd);
	return err;
}

int flows_ensure(void **buf, size_t *len, size_t need)
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

unsigned int flows_possible_cpus(void)
{
	int n = libbpf_num_possible_cpus();

	return n > 0 ? (unsigned int)n : 1;
}

bool flows_batch_unsupported(int err)
{
	return err == -EINVAL || err == -EOPNOTSUPP || err == -ENOTSUPP || err == -ENOSYS;
}

/*
 * Elements [0, @count) of an array map into @vals (@vsize bytes each, all
 * CPUs for per-CPU maps); @keys has room for @count u32.  One batch call,
 * or one lookup per element when the kernel lacks batches (*@no_batch).
 */
int flows_array_read(int fd, uint32_t count, size_t vsize, void *vals, uint32_t *keys,
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
		if (!err || err == -ENOENT || !flows_batch_unsupported(err))
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
int flows_array_write(int fd, uint32_t first, uint32_t count, size_t vsize, const void *vals,
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
		if (!err || !flows_batch_unsupported(err))
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
