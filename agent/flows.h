/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The traffic sampler from userspace: attach the BPF program to a
 * device's tc egress, pin its maps under <pin root>/<dev>/, fill the peer
 * set, read the counters, detach.  What is computed from the counters
 * (sums, rates, the demand row) lives in flows_stats.h.
 *
 * Typical reader (the host-role daemon, once per epoch):
 *
 *	flows_open("mixnet0", NULL, &s, &err);
 *	flows_tracker_init(&t); flows_row_init(&row);
 *	every epoch:
 *		flows_read_peers(s, &peers, &n, &now);
 *		flows_row_update(&row, &t, flows_epoch(s), now, peers, n);
 *		... row.peers[i].addr, .d.bytes, .d.bytes_per_sec ...
 *
 * Errors are -errno; functions that take a struct flows_error fill it
 * with the failing object and what was being done.
 */
#ifndef MIXNET_FLOWS_H
#define MIXNET_FLOWS_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flows_addr.h"
#include "flows_index.h"
#include "flows_stats.h"
#include "mixnet_sampler.h"

struct flows_error {
	char obj[192];		/* the device, path or map that failed */
	char msg[192];		/* what was being done */
};

/* Limits of the attach options (also enforced by the CLI). */
#define FLOWS_MAX_FLOWS_LIMIT	(1u << 22)
#define FLOWS_PEER_SLOTS_LIMIT	65536u

struct flows_attach_opts {
	const char *pin_root;		/* NULL: MIXNET_PIN_ROOT */
	uint32_t sample_every;		/* 0: per-peer only; 1: every packet; N: about 1 in N */
	uint32_t max_flows;		/* flow table size; 0: MIXNET_SAMPLER_MAX_FLOWS */
	uint32_t peer_slots;		/* 0: MIXNET_SAMPLER_PEER_SLOTS (slot 0 is "unknown") */
	const struct flows_addr *peers;	/* the initial peer set */
	size_t npeers;
	int fail_after;			/* tests only: fail right after this step */
};

/* The steps of an attach, in order (for fail_after). */
enum flows_attach_step {
	FLOWS_STEP_NONE,
	FLOWS_STEP_LOAD,	/* program and maps loaded */
	FLOWS_STEP_PIN,		/* pinned under <pin root>/<dev>/ */
	FLOWS_STEP_PEERS,	/* peer set written */
	FLOWS_STEP_QDISC,	/* clsact present (created if absent) */
	FLOWS_STEP_INFO,	/* info map written and frozen */
	FLOWS_STEP_ATTACH,	/* filter on tc egress */
	FLOWS_STEP_COUNT
};

/* The sampling defaults of an attach. */
void flows_attach_opts_init(struct flows_attach_opts *o);

/*
 * Attach the sampler to @dev's tc egress.  -EEXIST if already attached
 * (a stale attachment, e.g. of a deleted device, is replaced), -ENODEV,
 * -EPERM/-EACCES, -ENOTSUP (no bpffs at the pin root), -EINVAL/-E2BIG
 * (options, peers).  On any error nothing is left behind: no pin, no
 * filter, no qdisc the call created.
 */
int flows_attach(const char *dev, const struct flows_attach_opts *o, struct flows_error *e);

/*
 * Detach: remove the filter, the clsact qdisc if the agent created it and
 * it has no other filter, and the pins.  -ENOENT when nothing is attached
 * as @dev.  A device that disappeared only leaves pins: they are removed.
 */
int flows_detach(const char *dev, const char *pin_root, struct flows_error *e);

/* Device names with a sampler pinned under @pin_root (sorted, malloc'ed). */
int flows_list(const char *pin_root, char (**names)[IFNAMSIZ], size_t *n,
	       struct flows_error *e);

/* ---- an attached sampler, opened for reading and peer updates --------------- */

struct flows_sampler;

/*
 * -ENOENT: not attached; -EXDEV: pinned for a device of another network
 * namespace; -EPROTO: pinned by an incompatible agent.
 */
int flows_open(const char *dev, const char *pin_root, struct flows_sampler **s,
	       struct flows_error *e);
void flows_close(struct flows_sampler *s);

const char *flows_dev(const struct flows_sampler *s);
const struct mixnet_sampler_info *flows_info(const struct flows_sampler *s);
/* Changes when the sampler is re-attached (its counters restart). */
uint64_t flows_epoch(const struct flows_sampler *s);
/* 1: the filter is on the device; 0: stale (device or filter gone); -errno. */
int flows_attached(const struct flows_sampler *s);
/* Tests: false forces one-lookup-per-element reads instead of batches. */
void flows_use_batch(struct flows_sampler *s, bool on);

/*
 * Per-peer counters: slot 0 (unknown peers) and every assigned peer, in
 * slot order.  The array stays valid until the next read or close.
 * @now_ns: CLOCK_MONOTONIC of the reading.
 */
int flows_read_peers(struct flows_sampler *s, const struct flows_peer **peers, size_t *n,
		     uint64_t *now_ns);
/* Every flow in the table (in table order), valid until the next read. */
int flows_read_flows(struct flows_sampler *s, const struct flows_flow **flows, size_t *n,
		     uint64_t *now_ns);
int flows_read_errors(struct flows_sampler *s, struct mixnet_sampler_errors *out);

/*
 * Make the peer set exactly @peers: peers kept keep their slot and
 * counters, removed ones free theirs, new ones get a free slot with
 * counters from zero.  Invalid input changes nothing.
 */
int flows_set_peers(struct flows_sampler *s, const struct flows_addr *peers, size_t n,
		    struct flows_error *e);

/* Delete flows idle for @idle_ns or more; *@removed how many. */
int flows_expire(struct flows_sampler *s, uint64_t idle_ns, size_t *removed);

/* ---- misc ---------------------------------------------------------------------- */

/*
 * For tests and tools that load the program themselves: index @n
 * (address, slot) pairs in the inactive half of peer_index and make it
 * the active one.  0 or -errno.
 */
int flows_index_write(int index_fd, int ctl_fd, uint32_t bits,
		      const struct flows_index_entry *e, size_t n);

/* How the program finds the IP header on a device of ARPHRD type @type; -1: unsupported. */
int flows_link_mode(unsigned short type);
const char *flows_link_mode_name(unsigned int mode);
/* libbpf's own messages on stderr (off by default). */
void flows_libbpf_verbose(bool on);

#endif /* MIXNET_FLOWS_H */
