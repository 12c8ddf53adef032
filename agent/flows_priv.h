/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internals shared by the files of the flows library (flows_sys.c,
 * flows_peers.c, flows_attach.c, flows.c); other code uses flows.h.
 */
#ifndef MIXNET_FLOWS_PRIV_H
#define MIXNET_FLOWS_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <bpf/libbpf.h>

#include "flows.h"

/* The pinned maps of a sampler, by name (the program is MIXNET_PIN_PROG). */
#define FLOWS_NPINNED_MAPS 6
extern const char *const flows_pinned_maps[FLOWS_NPINNED_MAPS];

/* Fill @e (if given) and return @err as a negative errno. */
int flows_fail(struct flows_error *e, int err, const char *obj, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
uint64_t flows_now_ns(clockid_t clk);
/* Route libbpf's messages through flows_libbpf_verbose(). */
void flows_quiet_libbpf(void);

/* ---- devices and the pin root ---- */
int flows_check_dev_name(const char *dev, struct flows_error *e);
int flows_dev_lookup(const char *dev, int *ifindex, unsigned short *type);
uint64_t flows_netns_ino(void);
int flows_check_pin_root(const char *root, bool *missing, struct flows_error *e);
int flows_pin_root_readable(const char *root, const char *dev, struct flows_error *e);
/* What opening or detaching @dev's sampler starts with: a valid name, a readable pin root. */
int flows_check_dev_root(const char *root, const char *dev, struct flows_error *e);
void flows_dev_dir(char *buf, size_t len, const char *root, const char *dev);
int flows_lock_root(const char *root, struct flows_error *e);
void flows_unlock_root(int fd);
void flows_pin_path(char *buf, size_t len, const char *dir, const char *name);

/* ---- the tc filter and object ids ---- */
void flows_egress_hook(struct bpf_tc_hook *hook, int ifindex);
int flows_filter_prog_id(int ifindex, uint32_t handle, uint32_t prio, uint32_t *id);
int flows_prog_id(int fd, uint32_t *id);
int flows_map_id(int fd, uint32_t *id);
int flows_pinned_prog_id(const char *dir, uint32_t *id);
int flows_read_info(const char *dir, struct mixnet_sampler_info *info);

/* ---- buffers and arrays ---- */
int flows_ensure(void **buf, size_t *len, size_t need);
unsigned int flows_possible_cpus(void);
bool flows_batch_unsupported(int err);
int flows_array_read(int fd, uint32_t count, size_t vsize, void *vals, uint32_t *keys,
		     bool *no_batch);
int flows_array_write(int fd, uint32_t first, uint32_t count, size_t vsize, const void *vals,
		      uint32_t *keys, bool *no_batch);

/* ---- the peer set ---- */

/* The maps and sizes a peer-set change touches. */
struct flows_peer_maps {
	int peers_fd, index_fd, ctl_fd;
	uint32_t nslots, bits;
	unsigned int ncpu;
	bool *no_batch;
};

/* Write the same peer value on every CPU of slot @slot. */
int flows_write_slot(int peers_fd, unsigned int ncpu, uint32_t slot,
		     const struct mixnet_peer_stats *v);
int flows_check_peers(const struct flows_addr *peers, size_t n, uint32_t nslots,
		      struct flows_error *e);
int flows_apply_peers(const struct flows_peer_maps *m, const struct flows_addr *peers, size_t n,
		      struct flows_error *e);

#endif /* MIXNET_FLOWS_PRIV_H */
