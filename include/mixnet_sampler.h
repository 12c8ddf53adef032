/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The traffic sampler's maps: key and value layouts shared by the BPF
 * program (bpf/sampler.bpf.c) and the agent (agent/flows*.c).  The maps
 * are pinned with BTF under <pin root>/<dev>/, so bpftool prints these
 * structs field by field.  See Documentation/sampling.md.
 *
 * Addresses are 16 bytes in network order: IPv6 as is, IPv4 as the
 * IPv4-mapped IPv6 address ::ffff:a.b.c.d, so one key type serves both.
 */
#ifndef MIXNET_SAMPLER_H
#define MIXNET_SAMPLER_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Bumped when a layout below changes; stored in the info map. */
#define MIXNET_SAMPLER_VERSION		1

#define MIXNET_PIN_ROOT			"/sys/fs/bpf/mixnet"
/* Names of the pinned objects inside <pin root>/<dev>/. */
#define MIXNET_PIN_PROG			"prog"
#define MIXNET_PIN_PEERS		"peers"
#define MIXNET_PIN_PEER_INDEX		"peer_index"
#define MIXNET_PIN_PEER_INDEX_CTL	"peer_index_ctl"
#define MIXNET_PIN_FLOWS		"flows"
#define MIXNET_PIN_ERRORS		"errors"
#define MIXNET_PIN_INFO			"info"

/* Slot 0 of the peers map counts IP traffic to addresses not in the peer set. */
#define MIXNET_PEER_SLOT_UNKNOWN	0
/* Default sizes; both are set per attach (max_entries) by the agent. */
#define MIXNET_SAMPLER_PEER_SLOTS	1024	/* including the unknown slot */
#define MIXNET_SAMPLER_INDEX_BITS	12	/* 4 buckets a slot: short probes */
#define MIXNET_SAMPLER_MAX_FLOWS	16384

/* How the program finds the IP header: chosen by the agent per device. */
enum mixnet_link_mode {
	MIXNET_LINK_ETHERNET = 0,	/* Ethernet header, up to two VLAN tags */
	MIXNET_LINK_L3 = 1,		/* no link header: starts at IP (mixnet0, tun) */
};

/*
 * Peer address -> slot, without a hash map on the packet path: peer_index
 * is an array of two halves of 1 << index_bits buckets each, an open-
 * addressing table (linear probing, at most MIXNET_PEER_INDEX_PROBES
 * buckets) keyed by mixnet_peer_hash().  The agent builds a new table in
 * the inactive half, then flips peer_index_ctl.half; the program compares
 * addresses, so a stale or torn view can only miss (count as unknown),
 * never credit the wrong peer.
 */
struct mixnet_peer_bucket {
	__u8 addr[16];
	__u32 slot;		/* 0: empty bucket */
	__u32 pad;
};

struct mixnet_peer_index_ctl {
	__u32 seed;		/* odd multiplier of mixnet_peer_hash() */
	__u32 half;		/* active half of peer_index: 0 or 1 */
	__u32 slots_used;	/* slots [0, slots_used) of peers may be assigned */
	__u32 probes;		/* longest probe sequence in the active half */
};

#define MIXNET_PEER_INDEX_PROBES	4

/* Multiplicative hashing of the folded address: the top @bits bits. */
static inline __u32 mixnet_peer_hash(const __u8 *addr, __u32 seed, __u32 bits)
{
	__u32 w[4];

	__builtin_memcpy(w, addr, sizeof(w));
	return ((w[0] ^ w[1] ^ w[2] ^ w[3]) * seed) >> (32 - bits);
}

/* The peer key of hashing and of the flow table's addresses. */
struct mixnet_peer_key {
	__u8 addr[16];
};

/*
 * peers: per-CPU array indexed by slot.  The program only adds to bytes
 * and packets; the agent writes the whole value (all CPUs) when it assigns
 * or frees a slot, which also resets the counters.
 */
struct mixnet_peer_stats {
	__u64 bytes;		/* IP bytes: IP header to end of packet */
	__u64 packets;		/* packets as handed to the device (a GSO skb is one) */
	__u64 since_ns;		/* CLOCK_MONOTONIC when the slot was (re)assigned */
	__u8 addr[16];		/* whom this slot counts; all zero: slot 0 or free */
};

/* flows: per-CPU hash keyed by the 5-tuple. */
struct mixnet_flow_key {
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 sport;		/* host byte order; 0 without TCP/UDP ports */
	__u16 dport;
	__u8 proto;		/* IPPROTO_* (IPv6: after extension headers) */
	__u8 pad[3];
};

struct mixnet_flow_stats {
	__u64 bytes;		/* of the sampled packets only */
	__u64 packets;
	__u64 first_ns;		/* CLOCK_MONOTONIC (coarse) of the first sampled packet */
	__u64 last_ns;		/* ... and of the last one */
};

/* errors: per-CPU array with one element: what was not (fully) counted. */
struct mixnet_sampler_errors {
	__u64 not_ip;		/* not IPv4/IPv6: counted nowhere else */
	__u64 bad_ip;		/* IP header truncated or malformed: counted nowhere else */
	__u64 bad_l4;		/* TCP/UDP header truncated: peer counted, flow not */
	__u64 flows_full;	/* new flow not recorded: flow table full */
	__u64 flows_failed;	/* new flow not recorded: other error */
};

/* info: array with one element, written by the agent at attach, then frozen. */
struct mixnet_sampler_info {
	__u32 version;		/* MIXNET_SAMPLER_VERSION */
	__u32 ifindex;
	__u64 netns_ino;	/* inode of the device's network namespace */
	__u64 attached_ns;	/* CLOCK_MONOTONIC at attach */
	__u32 link_mode;	/* enum mixnet_link_mode */
	__u32 sample_every;	/* flows: 0 off, 1 every packet, N about 1 in N */
	__u32 max_flows;
	__u32 peer_slots;	/* entries of peers, including the unknown slot */
	__u32 index_bits;	/* peer_index: 2 halves of 1 << index_bits buckets */
	__u32 tc_handle;	/* the clsact egress filter ... */
	__u32 tc_priority;
	__u32 qdisc_created;	/* 1: the agent created clsact and may remove it */
};

/* The egress filter's fixed handle and priority (first in the chain). */
#define MIXNET_SAMPLER_TC_HANDLE	0x4d58	/* "MX" */
#define MIXNET_SAMPLER_TC_PRIORITY	1

#endif /* MIXNET_SAMPLER_H */
