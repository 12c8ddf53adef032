// SPDX-License-Identifier: GPL-2.0
/*
 * mixnet traffic sampler: a tc egress (clsact) program that counts what
 * this host sends, per peer (exact, the traffic-matrix source) and per
 * flow (optionally 1-in-N sampled).  It never changes or drops a packet.
 *
 * Map layouts: include/mixnet_sampler.h.  Design and costs:
 * Documentation/sampling.md.  CO-RE: only __sk_buff context fields and
 * packet data are read, so one object runs on every BTF kernel >= 5.11.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "mixnet_sampler.h"

/* uapi macros that BTF does not carry */
#define TC_ACT_UNSPEC		(-1)
#define ETH_HLEN		14
#define ETH_P_IP		0x0800
#define ETH_P_IPV6		0x86DD
#define ETH_P_8021Q		0x8100
#define ETH_P_8021AD		0x88A8
#define IP_OFFSET		0x1fff
#define IP6_OFFSET		0xfff8
#define NEXTHDR_HOP		0
#define NEXTHDR_ROUTING		43
#define NEXTHDR_FRAGMENT	44
#define NEXTHDR_AUTH		51
#define NEXTHDR_DEST		60
#define E2BIG			7
#define EEXIST			17
#define TCP_MIN_HLEN		20
#define UDP_HLEN		8
#define MAX_VLAN_TAGS		2
#define MAX_IPV6_EXT		4
/* Beyond this offset headers are copied instead of read in place. */
#define DIRECT_MAX_OFF		1024

/*
 * Load-time constants, set by the agent before loading; the verifier
 * removes the branches they disable, so a disabled feature costs nothing.
 */
const volatile __u32 link_mode = MIXNET_LINK_ETHERNET;
const volatile __u32 sample_every = 1;		/* 0: no flow table */
/* A packet is sampled when a random u32 <= this (about 1 in sample_every). */
const volatile __u32 sample_threshold = 0xffffffff;
/* peer_index has two halves of 1 << index_bits buckets. */
const volatile __u32 index_bits = MIXNET_SAMPLER_INDEX_BITS;

/* Peer address -> slot: see struct mixnet_peer_bucket. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 << MIXNET_SAMPLER_INDEX_BITS);
	__uint(map_flags, BPF_F_RDONLY_PROG);
	__type(key, __u32);
	__type(value, struct mixnet_peer_bucket);
} peer_index SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_RDONLY_PROG);
	__type(key, __u32);
	__type(value, struct mixnet_peer_index_ctl);
} peer_index_ctl SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MIXNET_SAMPLER_PEER_SLOTS);
	__type(key, __u32);
	__type(value, struct mixnet_peer_stats);
} peers SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, MIXNET_SAMPLER_MAX_FLOWS);
	__type(key, struct mixnet_flow_key);
	__type(value, struct mixnet_flow_stats);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mixnet_sampler_errors);
} errors SEC(".maps");

/* Written by the agent only; here so that it is created and pinned with BTF. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_RDONLY_PROG);
	__type(key, __u32);
	__type(value, struct mixnet_sampler_info);
} info SEC(".maps");

#define count_error(field)						\
	do {								\
		__u32 zero_ = 0;					\
		struct mixnet_sampler_errors *e_;			\
									\
		e_ = bpf_map_lookup_elem(&errors, &zero_);		\
		if (e_)							\
			e_->field++;					\
	} while (0)

/* What the IP header told us. */
struct pkt {
	struct mixnet_flow_key key;	/* addresses and protocol; ports later */
	__u32 l3_off;			/* IP header offset from skb->data */
	__u32 l4_off;			/* transport header (IPv6: before extensions) */
	__u8 v6;			/* IPv6, else IPv4 */
	__u8 no_ports;			/* non-first fragment: no transport header */
};

/*
 * @len bytes at @off: read in place when they are in the linear part of
 * the packet, else copied into @buf.  NULL when the packet is too short.
 */
static __always_inline void *hdr(struct __sk_buff *skb, __u32 off, __u32 len, void *buf)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;

	if (off <= DIRECT_MAX_OFF && data + off + len <= end)
		return data + off;
	if (bpf_skb_load_bytes(skb, off, buf, len))
		return NULL;
	return buf;
}

static __always_inline void addr_v4(__u8 *dst, __be32 a)
{
	__builtin_memset(dst, 0, 10);
	dst[10] = 0xff;
	dst[11] = 0xff;
	__builtin_memcpy(dst + 12, &a, 4);
}

enum { PARSE_OK, PARSE_NOT_IP, PARSE_BAD_IP };

/* Find the IP header (after the link header, if any) and read it. */
static __always_inline int parse_l3(struct __sk_buff *skb, struct pkt *p)
{
	__be16 proto;
	__u32 off = 0;

	if (link_mode == MIXNET_LINK_L3) {
		/* No link header: skb->protocol says which IP version. */
		proto = skb->protocol;
	} else {
		struct ethhdr ethbuf, *eth = hdr(skb, 0, sizeof(*eth), &ethbuf);
		int i;

		if (!eth)
			return PARSE_NOT_IP;
		proto = eth->h_proto;
		off = ETH_HLEN;
		/* In-band tags only; an offloaded tag lives in skb->vlan_tci. */
#pragma unroll
		for (i = 0; i < MAX_VLAN_TAGS; i++) {
			struct vlan_hdr vbuf, *vh;

			if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
				break;
			vh = hdr(skb, off, sizeof(*vh), &vbuf);
			if (!vh)
				return PARSE_NOT_IP;
			proto = vh->h_vlan_encapsulated_proto;
			off += sizeof(*vh);
		}
	}
	p->l3_off = off;

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr ipbuf, *ip = hdr(skb, off, sizeof(*ip), &ipbuf);
		__u32 ihl;

		if (!ip || ip->version != 4 || ip->ihl < 5)
			return PARSE_BAD_IP;
		ihl = ip->ihl * 4;
		if (skb->len < off + ihl)
			return PARSE_BAD_IP;	/* options cut short */
		addr_v4(p->key.saddr, ip->saddr);
		addr_v4(p->key.daddr, ip->daddr);
		p->key.proto = ip->protocol;
		p->no_ports = (ip->frag_off & bpf_htons(IP_OFFSET)) != 0;
		p->l4_off = off + ihl;
		return PARSE_OK;
	}
	if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr ip6buf, *ip6 = hdr(skb, off, sizeof(*ip6), &ip6buf);

		if (!ip6 || ip6->version != 6)
			return PARSE_BAD_IP;
		__builtin_memcpy(p->key.saddr, &ip6->saddr, 16);
		__builtin_memcpy(p->key.daddr, &ip6->daddr, 16);
		p->key.proto = ip6->nexthdr;
		p->v6 = 1;
		p->l4_off = off + sizeof(*ip6);
		return PARSE_OK;
	}
	return PARSE_NOT_IP;
}

/*
 * Complete the flow key: skip IPv6 extension headers, read TCP/UDP ports.
 * False when a header the key needs is cut short.
 */
static __always_inline bool parse_l4(struct __sk_buff *skb, struct pkt *p)
{
	__u32 off = p->l4_off;
	__u8 nexthdr = p->key.proto;
	__be16 pbuf[2], *ports;
	__u32 need;
	int i;

	if (p->v6) {
#pragma unroll
		for (i = 0; i < MAX_IPV6_EXT; i++) {
			struct { __u8 nexthdr, len; __be16 frag_off; } ebuf, *ext;

			if (nexthdr != NEXTHDR_HOP && nexthdr != NEXTHDR_ROUTING &&
			    nexthdr != NEXTHDR_DEST && nexthdr != NEXTHDR_FRAGMENT &&
			    nexthdr != NEXTHDR_AUTH)
				break;
			ext = hdr(skb, off, sizeof(*ext), &ebuf);
			if (!ext)
				return false;
			if (nexthdr == NEXTHDR_FRAGMENT) {
				if (ext->frag_off & bpf_htons(IP6_OFFSET))
					p->no_ports = 1;
				off += 8;
			} else if (nexthdr == NEXTHDR_AUTH) {
				off += (ext->len + 2) * 4;
			} else {
				off += (ext->len + 1) * 8;
			}
			nexthdr = ext->nexthdr;
		}
		p->key.proto = nexthdr;
	}

	if (p->no_ports)
		return true;
	if (nexthdr == IPPROTO_TCP)
		need = TCP_MIN_HLEN;
	else if (nexthdr == IPPROTO_UDP)
		need = UDP_HLEN;
	else
		return true;
	if (skb->len < off + need)
		return false;
	ports = hdr(skb, off, sizeof(pbuf), pbuf);
	if (!ports)
		return false;
	p->key.sport = bpf_ntohs(ports[0]);
	p->key.dport = bpf_ntohs(ports[1]);
	return true;
}

/* The slot counting @daddr: its bucket in the active half of peer_index. */
static __always_inline __u32 peer_slot(const __u8 *daddr)
{
	struct mixnet_peer_index_ctl *ctl;
	__u32 zero = 0, h, base, mask, i;

	ctl = bpf_map_lookup_elem(&peer_index_ctl, &zero);
	if (!ctl)
		return MIXNET_PEER_SLOT_UNKNOWN;
	mask = (1u << index_bits) - 1;
	base = (ctl->half & 1) << index_bits;
	h = mixnet_peer_hash(daddr, ctl->seed, index_bits);
#pragma unroll
	for (i = 0; i < MIXNET_PEER_INDEX_PROBES; i++) {
		__u32 idx = base + ((h + i) & mask);
		struct mixnet_peer_bucket *b = bpf_map_lookup_elem(&peer_index, &idx);
		__u64 a0, a1, b0, b1;

		if (!b || !b->slot)
			break;		/* an empty bucket ends the probe sequence */
		__builtin_memcpy(&a0, daddr, 8);
		__builtin_memcpy(&a1, daddr + 8, 8);
		__builtin_memcpy(&b0, b->addr, 8);
		__builtin_memcpy(&b1, b->addr + 8, 8);
		if (a0 == b0 && a1 == b1)
			return b->slot;
	}
	return MIXNET_PEER_SLOT_UNKNOWN;
}

static __always_inline void count_peer(const __u8 *daddr, __u64 len)
{
	struct mixnet_peer_stats *st;
	__u32 zero = 0, slot = peer_slot(daddr);

	st = bpf_map_lookup_elem(&peers, &slot);
	if (!st)	/* a slot beyond the array: count it as unknown */
		st = bpf_map_lookup_elem(&peers, &zero);
	if (st) {
		st->bytes += len;
		st->packets++;
	}
}

static __always_inline void flow_add(struct mixnet_flow_stats *fs, __u64 len, __u64 now)
{
	fs->bytes += len;
	fs->packets++;
	if (!fs->first_ns)	/* first packet of this flow on this CPU */
		fs->first_ns = now;
	fs->last_ns = now;
}

static __always_inline void count_flow(const struct mixnet_flow_key *key, __u64 len)
{
	__u64 now = bpf_ktime_get_coarse_ns();
	struct mixnet_flow_stats *fs, nv = {
		.bytes = len, .packets = 1, .first_ns = now, .last_ns = now,
	};
	int err;

	fs = bpf_map_lookup_elem(&flows, key);
	if (fs) {
		flow_add(fs, len, now);
		return;
	}
	/* int: before 6.4 the map op behind the helper returns a 32-bit int
	 * whose upper half is not sign-extended, so compare 32 bits only */
	err = (int)bpf_map_update_elem(&flows, key, &nv, BPF_NOEXIST);
	if (!err)
		return;
	if (err == -EEXIST) {	/* another CPU inserted it meanwhile */
		fs = bpf_map_lookup_elem(&flows, key);
		if (fs) {
			flow_add(fs, len, now);
			return;
		}
	}
	if (err == -E2BIG)
		count_error(flows_full);
	else
		count_error(flows_failed);
}

SEC("tc")
int mixnet_sampler(struct __sk_buff *skb)
{
	struct pkt p __attribute__((aligned(8)));
	__u64 len;
	int rc;

	__builtin_memset(&p, 0, sizeof(p));
	rc = parse_l3(skb, &p);
	if (rc == PARSE_NOT_IP) {
		count_error(not_ip);
		return TC_ACT_UNSPEC;
	}
	if (rc == PARSE_BAD_IP) {
		count_error(bad_ip);
		return TC_ACT_UNSPEC;
	}
	len = skb->len - p.l3_off;
	count_peer(p.key.daddr, len);

	if (sample_every == 0)
		return TC_ACT_UNSPEC;
	if (sample_every > 1 && bpf_get_prandom_u32() > sample_threshold)
		return TC_ACT_UNSPEC;
	if (!parse_l4(skb, &p)) {
		count_error(bad_l4);
		return TC_ACT_UNSPEC;
	}
	count_flow(&p.key, len);
	/* UNSPEC: an observer; later filters on this hook still decide. */
	return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "GPL";
