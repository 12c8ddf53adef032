/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * mixnet: reconfigurable optical-electrical fabric for MoE training.
 *
 * Kernel ABI shared by mixnet.ko and its userspace (mixnet-agent, tests):
 *  - the OCS character device /dev/mixnet/ocsN (ioctls, event records);
 *  - the generic netlink family "mixnet" (routes, lower ports, stats,
 *    the "events" multicast group) of the mixnet routing netdev;
 *  - the discovery hello frame sent on optical lowers.
 *
 * Every struct here is fixed size and 64-bit clean: user pointers travel
 * as __u64, every reserved field must be zero on input (EINVAL otherwise),
 * and each carries a version so the layout can grow without ambiguity.
 */
#ifndef _UAPI_LINUX_MIXNET_H
#define _UAPI_LINUX_MIXNET_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define MIXNET_UAPI_VERSION	1

/* ===================================================================== */
/* OCS devices: /dev/mixnet/ocsN                                          */
/* ===================================================================== */

#define MIXNET_OCS_CLASS	"mixnet_ocs"
#define MIXNET_OCS_DEV_DIR	"mixnet"	/* /dev/mixnet/ocsN */
#define MIXNET_OCS_MIN_PORTS	2	/* bounds of new_sim NPORTS */
#define MIXNET_OCS_MAX_PORTS	1024
#define MIXNET_OCS_MAX_DEVICES	64	/* ocs0 .. ocs63 */
#define MIXNET_OCS_MAX_SWITCH_DELAY_US	10000000	/* 10 s */
#define MIXNET_OCS_BACKEND_LEN	16

enum mixnet_ocs_backend {
	MIXNET_OCS_BACKEND_SIM = 1,
};

enum mixnet_ocs_state {
	MIXNET_OCS_STATE_IDLE = 0,
	MIXNET_OCS_STATE_SWITCHING = 1,
};

/*
 * One directed cross-connect: light entering the OCS from the TX of port
 * @tx leaves on the RX of port @rx.  A duplex circuit between ports a and
 * b is the two cross-connects a->b and b->a.
 */
struct mixnet_xconnect {
	__u32 tx;
	__u32 rx;
};

/* MIXNET_OCS_IOC_INFO: read-only, any open descriptor. */
struct mixnet_ocs_info {
	__u32 version;		/* out: MIXNET_UAPI_VERSION */
	__u32 id;		/* out: N of ocsN */
	__u32 nports;		/* out */
	__u32 backend;		/* out: enum mixnet_ocs_backend */
	char  backend_name[MIXNET_OCS_BACKEND_LEN];	/* out: "sim" ... */
	__u32 state;		/* out: enum mixnet_ocs_state */
	__u32 switch_delay_us;	/* out */
	__u64 generation;	/* out: bumped by every applied change */
	__u64 reconfigs;	/* out: applied, non-empty changes */
	__u32 nxconnects;	/* out: cross-connects established now */
	__u32 switching_ports;	/* out: ports dark in the current switch */
	__u64 last_switch_start_ns;	/* out: CLOCK_MONOTONIC, 0 = never */
	__u64 last_switch_done_ns;	/* out */
	__u64 reserved[4];
};

/*
 * MIXNET_OCS_IOC_GET: read-only.  @xconnects points to an array of
 * @count entries.  On return @count holds the number of established
 * cross-connects; if that exceeds the capacity passed in, nothing is
 * copied and the ioctl fails with ENOSPC (call again with a larger array).
 */
struct mixnet_ocs_get {
	__u32 version;		/* in: MIXNET_UAPI_VERSION */
	__u32 count;		/* in: capacity, out: number established */
	__u64 xconnects;	/* in: user pointer to struct mixnet_xconnect[] */
	__u64 generation;	/* out: generation the list belongs to */
	__u64 reserved[2];
};

enum mixnet_ocs_apply_mode {
	/* The batch becomes the whole cross-connect set. */
	MIXNET_OCS_APPLY_REPLACE = 0,
	/*
	 * The batch is added to the current set.  Every TX and RX port it
	 * uses must be free, or released by @release in the same call.
	 */
	MIXNET_OCS_APPLY_MERGE = 1,
};

/* Validate only, change nothing (still reports err_index / generation). */
#define MIXNET_OCS_APPLY_F_DRY_RUN	(1U << 0)
/* Fail with ESTALE unless the generation equals @expected_generation. */
#define MIXNET_OCS_APPLY_F_EXPECT_GEN	(1U << 1)
/*
 * If a switch is in progress, sleep (interruptibly) until it completes
 * instead of failing with EBUSY.
 */
#define MIXNET_OCS_APPLY_F_WAIT_IDLE	(1U << 2)
/* Return only after the switch this call started has completed. */
#define MIXNET_OCS_APPLY_F_WAIT_DONE	(1U << 3)
#define MIXNET_OCS_APPLY_F_ALL		0xfU

/* Which sides of a port a release frees. */
#define MIXNET_OCS_RELEASE_TX	(1U << 0)	/* cross-connect with tx == port */
#define MIXNET_OCS_RELEASE_RX	(1U << 1)	/* cross-connect with rx == port */

struct mixnet_ocs_release {
	__u32 port;
	__u32 sides;		/* MIXNET_OCS_RELEASE_* */
};

/*
 * MIXNET_OCS_IOC_APPLY: needs CAP_NET_ADMIN.  Atomic: either the whole
 * batch is applied or nothing changes.  Errors: EINVAL (bad port, port
 * used twice, self-loop, bad mode/flags/reserved), E2BIG (count or
 * nrelease over nports), EADDRINUSE (MERGE onto a busy port that is not
 * released), ESTALE (generation mismatch), EBUSY (switching, without
 * F_WAIT_IDLE).  On a per-entry error @err_index names the first
 * offending entry (of @xconnects, or of @release when @err_in_release).
 */
struct mixnet_ocs_apply {
	__u32 version;		/* in: MIXNET_UAPI_VERSION */
	__u32 mode;		/* in: enum mixnet_ocs_apply_mode */
	__u32 flags;		/* in: MIXNET_OCS_APPLY_F_* */
	__u32 count;		/* in: entries in @xconnects */
	__u64 xconnects;	/* in: user pointer to struct mixnet_xconnect[] */
	__u64 release;		/* in: MERGE: user pointer to struct mixnet_ocs_release[] */
	__u32 nrelease;		/* in: entries in @release */
	__s32 err_index;	/* out: first offending entry, -1 if none */
	__u64 expected_generation;	/* in: with F_EXPECT_GEN */
	__u64 generation;	/* out: generation after the call */
	__u32 changed_ports;	/* out: ports whose cross-connects changed */
	__u32 err_in_release;	/* out: 1 if err_index refers to @release */
	__u64 reserved[2];
};

/*
 * Event records read() from /dev/mixnet/ocsN; read returns whole records.
 * Each open file holds up to MIXNET_OCS_EVENT_RING records; past that the
 * newest are dropped and counted, and an OVERFLOW record says how many.
 */
#define MIXNET_OCS_EVENT_RING	256
enum mixnet_ocs_event_type {
	MIXNET_OCS_EV_SWITCH_START = 1,
	MIXNET_OCS_EV_SWITCH_DONE = 2,
	/* This reader fell behind: @lost events were dropped before this one. */
	MIXNET_OCS_EV_OVERFLOW = 3,
};

struct mixnet_ocs_event {
	__u32 version;
	__u32 type;		/* enum mixnet_ocs_event_type */
	__u64 generation;
	__u32 changed_ports;
	__u32 lost;		/* OVERFLOW only */
	__u64 timestamp_ns;	/* CLOCK_MONOTONIC */
	__u64 reserved[2];
};

#define MIXNET_OCS_IOC_MAGIC	0xE6
#define MIXNET_OCS_IOC_INFO	_IOR(MIXNET_OCS_IOC_MAGIC, 0x01, struct mixnet_ocs_info)
#define MIXNET_OCS_IOC_GET	_IOWR(MIXNET_OCS_IOC_MAGIC, 0x02, struct mixnet_ocs_get)
#define MIXNET_OCS_IOC_APPLY	_IOWR(MIXNET_OCS_IOC_MAGIC, 0x03, struct mixnet_ocs_apply)

/* ===================================================================== */
/* Routing netdev: rtnl kind "mixnet", generic netlink family "mixnet"    */
/* ===================================================================== */

#define MIXNET_LINK_KIND		"mixnet"
#define MIXNET_GENL_NAME		"mixnet"
#define MIXNET_GENL_VERSION		1
#define MIXNET_GENL_MCGRP_EVENTS	"events"

/* Optical paths (live circuits) one route may hold; flows hash over them. */
#define MIXNET_MAX_OPTICAL_PATHS	16
/* Routes one mixnet device holds (learned and static, default excluded). */
#define MIXNET_MAX_ROUTES		(1U << 20)

enum mixnet_port_role {
	MIXNET_ROLE_ELECTRICAL = 0,
	MIXNET_ROLE_OPTICAL = 1,
};

enum mixnet_path_kind {
	MIXNET_PATH_ELECTRICAL = 0,
	MIXNET_PATH_OPTICAL = 1,
};

enum mixnet_path_origin {
	MIXNET_PATH_STATIC = 0,		/* set by the agent or the operator */
	MIXNET_PATH_LEARNED = 1,	/* installed by discovery (hellos) */
};

/* Which path a route's packets take right now. */
enum mixnet_route_via {
	MIXNET_VIA_NONE = 0,		/* dropped: counted in tx_dropped_noroute */
	MIXNET_VIA_OPTICAL = 1,		/* a live optical path (flows hashed) */
	MIXNET_VIA_ELECTRICAL = 2,	/* the route's own electrical path */
	MIXNET_VIA_DEFAULT = 3,		/* the default electrical entry */
};

/*
 * Commands.  Requests that change state need CAP_NET_ADMIN (GENL_ADMIN_PERM).
 * Every request names the mixnet device by MIXNET_A_IFINDEX or
 * MIXNET_A_IFNAME (dumps of devices and ports may omit it).
 */
enum mixnet_cmd {
	MIXNET_CMD_UNSPEC,
	MIXNET_CMD_DEV_GET,	/* doit/dumpit: device info and stats */
	MIXNET_CMD_ROUTE_GET,	/* doit (one peer or default) / dumpit (all, with generation) */
	/*
	 * Set a route's static paths, creating the entry if needed.  An
	 * entry that has static paths already is EEXIST unless
	 * MIXNET_A_FLAGS has MIXNET_F_REPLACE.  Learned paths are kept.
	 */
	MIXNET_CMD_ROUTE_NEW,
	MIXNET_CMD_ROUTE_DEL,	/* delete an entry (static and learned paths) */
	MIXNET_CMD_PORT_GET,	/* doit (one lower) / dumpit (lowers of one or all devices) */
	MIXNET_CMD_PORT_SET,	/* set a lower's role */
	/* notifications on the "events" group */
	MIXNET_CMD_EV_ROUTE,	/* a route was added, changed or deleted */
	MIXNET_CMD_EV_PATH_UP,	/* an optical path was confirmed by a hello */
	MIXNET_CMD_EV_PATH_DOWN,	/* an optical path stopped being usable */
	MIXNET_CMD_EV_FALLBACK,	/* an optical lower lost carrier; its routes fell back */
	__MIXNET_CMD_MAX,
};
#define MIXNET_CMD_MAX (__MIXNET_CMD_MAX - 1)

/* Top-level attributes. */
enum mixnet_attr {
	MIXNET_A_UNSPEC,
	MIXNET_A_IFINDEX,	/* u32: the mixnet device */
	MIXNET_A_IFNAME,	/* string: the mixnet device */
	MIXNET_A_GENERATION,	/* u32 (output): routing table generation */
	MIXNET_A_ROUTE,		/* nest: enum mixnet_route_attr */
	MIXNET_A_PORT,		/* nest: enum mixnet_port_attr */
	MIXNET_A_STATS,		/* nest (output): enum mixnet_stats_attr */
	MIXNET_A_DEV_ID,	/* u64 (output): device identifier carried in hellos */
	MIXNET_A_NROUTES,	/* u32 (output): entries, default excluded */
	MIXNET_A_PAD,
	MIXNET_A_FLAGS,		/* u32: MIXNET_F_* */
	__MIXNET_A_MAX,
};
#define MIXNET_A_MAX (__MIXNET_A_MAX - 1)

/* MIXNET_A_FLAGS (generic netlink families take no NLM_F_CREATE/REPLACE). */
#define MIXNET_F_REPLACE	(1U << 0)	/* ROUTE_NEW: replace existing static paths */
#define MIXNET_F_ALL		MIXNET_F_REPLACE

enum mixnet_route_attr {
	MIXNET_RT_A_UNSPEC,
	MIXNET_RT_A_PEER4,	/* binary 4 bytes (network order) */
	MIXNET_RT_A_PEER6,	/* binary 16 bytes */
	MIXNET_RT_A_DEFAULT,	/* flag: the default electrical entry */
	MIXNET_RT_A_PATH,	/* nest, repeated: enum mixnet_path_attr */
	MIXNET_RT_A_VIA,	/* u8 (output): enum mixnet_route_via */
	MIXNET_RT_A_STATIC,	/* flag (output): the entry holds static paths */
	MIXNET_RT_A_DELETED,	/* flag (output, EV_ROUTE): the entry is gone */
	__MIXNET_RT_A_MAX,
};
#define MIXNET_RT_A_MAX (__MIXNET_RT_A_MAX - 1)

enum mixnet_path_attr {
	MIXNET_PATH_A_UNSPEC,
	MIXNET_PATH_A_KIND,	/* u8: enum mixnet_path_kind */
	MIXNET_PATH_A_IFINDEX,	/* u32: the lower device */
	MIXNET_PATH_A_LLADDR,	/* binary ETH_ALEN: next hop / peer MAC */
	MIXNET_PATH_A_ORIGIN,	/* u8 (output): enum mixnet_path_origin */
	MIXNET_PATH_A_LIVE,	/* u8 (output): usable now */
	MIXNET_PATH_A_AGE_MS,	/* u32 (output, optical): since the last hello confirming it */
	__MIXNET_PATH_A_MAX,
};
#define MIXNET_PATH_A_MAX (__MIXNET_PATH_A_MAX - 1)

enum mixnet_port_attr {
	MIXNET_PORT_A_UNSPEC,
	MIXNET_PORT_A_IFINDEX,	/* u32: the lower */
	MIXNET_PORT_A_IFNAME,	/* string (output) */
	MIXNET_PORT_A_ROLE,	/* u8: enum mixnet_port_role */
	MIXNET_PORT_A_CARRIER,	/* u8 (output) */
	MIXNET_PORT_A_LLADDR,	/* binary ETH_ALEN (output) */
	MIXNET_PORT_A_PEER_DEV_ID,	/* u64 (output): who the circuit reaches (last hello) */
	MIXNET_PORT_A_HELLO_TX,	/* u64 (output) */
	MIXNET_PORT_A_HELLO_RX,	/* u64 (output) */
	MIXNET_PORT_A_PAD,
	MIXNET_PORT_A_HELLO_BAD,	/* u64 (output): hellos ignored on this lower */
	MIXNET_PORT_A_CONFIRMED,	/* u8 (output): peer confirmed in this carrier period */
	MIXNET_PORT_A_PEER_LLADDR,	/* binary ETH_ALEN (output) */
	__MIXNET_PORT_A_MAX,
};
#define MIXNET_PORT_A_MAX (__MIXNET_PORT_A_MAX - 1)

enum mixnet_stats_attr {
	MIXNET_STATS_A_UNSPEC,
	MIXNET_STATS_A_TX_OPTICAL_PACKETS,	/* u64 */
	MIXNET_STATS_A_TX_OPTICAL_BYTES,
	MIXNET_STATS_A_TX_ELECTRICAL_PACKETS,
	MIXNET_STATS_A_TX_ELECTRICAL_BYTES,
	MIXNET_STATS_A_TX_DROPPED_NOROUTE,
	MIXNET_STATS_A_FALLBACKS,
	MIXNET_STATS_A_HELLO_BAD,
	MIXNET_STATS_A_PAD,
	MIXNET_STATS_A_RX_PACKETS,
	MIXNET_STATS_A_RX_BYTES,
	MIXNET_STATS_A_TX_DROPPED,		/* other drops: bad header, multicast, lower refused */
	__MIXNET_STATS_A_MAX,
};
#define MIXNET_STATS_A_MAX (__MIXNET_STATS_A_MAX - 1)

/*
 * Discovery hello, sent on optical lowers to the Ethernet broadcast
 * address with ethertype MIXNET_ETH_P_HELLO (IEEE 802 local
 * experimental 1).  Payload, all fields in network byte order:
 *
 *   struct mixnet_hello, then n_addr4 IPv4 addresses (4 bytes each),
 *   then n_addr6 IPv6 addresses (16 bytes each): the fabric addresses
 *   of the sending mixnet device.
 *
 * A receiver rejects a hello whose magic, version, reserved fields or
 * lengths are wrong, that carries its own dev_id or address, or that
 * comes from a second sender on a circuit already confirmed for another.
 */
#define MIXNET_ETH_P_HELLO		0x88B5
#define MIXNET_HELLO_MAGIC		0x4d584e48	/* "MXNH" */
#define MIXNET_HELLO_VERSION		1
#define MIXNET_HELLO_MAX_ADDRS		8	/* per address family */
/* The sender has not confirmed a peer on this circuit yet: answer at once. */
#define MIXNET_HELLO_F_SOLICIT		(1U << 0)

struct mixnet_hello {
	__be32 magic;		/* MIXNET_HELLO_MAGIC */
	__u8   version;		/* MIXNET_HELLO_VERSION */
	__u8   flags;		/* MIXNET_HELLO_F_* */
	__u8   n_addr4;		/* <= MIXNET_HELLO_MAX_ADDRS */
	__u8   n_addr6;		/* <= MIXNET_HELLO_MAX_ADDRS */
	__be64 dev_id;		/* random, chosen when the device is created; never 0 */
	__be32 seq;		/* per sending lower, for debugging */
	__be32 reserved;	/* 0 */
};

#endif /* _UAPI_LINUX_MIXNET_H */
