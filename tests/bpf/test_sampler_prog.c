// SPDX-License-Identifier: GPL-2.0
/*
 * bpf tier: the sampler program (bpf/sampler.bpf.c) on this machine's
 * kernel through BPF_PROG_TEST_RUN, with crafted packets: IPv4 with and
 * without options and fragments, IPv6 with extension headers, VLAN and
 * QinQ, truncated and non-IP frames, sampling and a full flow table.
 * Every counter is checked for its exact value, and every packet must
 * come out unchanged with TC_ACT_UNSPEC.
 */
#include <check.h>
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../lib/check_run.h"
#include "flows.h"
#include "mixnet_sampler.h"
#include "pktbuild.h"
#include "sampler.skel.h"

#define TC_ACT_UNSPEC	(-1)
#define ETH_P_IP	0x0800
#define ETH_P_IPV6	0x86DD
#define ETH_P_ARP	0x0806
#define ETH_P_8021Q	0x8100
#define ETH_P_8021AD	0x88A8

static struct sampler_bpf *skel;
static int ncpu;
/* The peers added so far; the index is rebuilt from all of them. */
static struct flows_index_entry added[16];
static size_t nadded;


static void load(uint32_t sample_every, uint32_t max_flows)
{
	skel = sampler_bpf__open();
	ck_assert_ptr_nonnull(skel);
	skel->rodata->link_mode = MIXNET_LINK_ETHERNET;
	skel->rodata->sample_every = sample_every;
	skel->rodata->sample_threshold = sample_every > 1 ?
		(uint32_t)((1ull << 32) / sample_every - 1) : UINT32_MAX;
	if (max_flows)
		ck_assert_int_eq(bpf_map__set_max_entries(skel->maps.flows, max_flows), 0);
	ck_assert_int_eq(sampler_bpf__load(skel), 0);
	ncpu = libbpf_num_possible_cpus();
	ck_assert_int_gt(ncpu, 0);
}

static void setup(void)
{
	load(1, 0);
}

static void teardown(void)
{
	sampler_bpf__destroy(skel);
	skel = NULL;
	nadded = 0;
}

static void peer_key(const char *s, struct mixnet_peer_key *k)
{
	struct in_addr a4;

	memset(k, 0, sizeof(*k));
	if (inet_pton(AF_INET, s, &a4) == 1) {
		k->addr[10] = k->addr[11] = 0xff;
		memcpy(k->addr + 12, &a4, 4);
	} else {
		ck_assert_int_eq(inet_pton(AF_INET6, s, k->addr), 1);
	}
}

/* Make @e (n entries) the program's whole peer index, as the agent writes it. */
static void write_index(const struct flows_index_entry *e, size_t n)
{
	ck_assert_int_eq(flows_index_write(bpf_map__fd(skel->maps.peer_index),
					   bpf_map__fd(skel->maps.peer_index_ctl),
					   MIXNET_SAMPLER_INDEX_BITS, e, n), 0);
}

static void add_peer(const char *addr, uint32_t slot)
{
	struct mixnet_peer_key k;

	peer_key(addr, &k);
	ck_assert_uint_lt(nadded, sizeof(added) / sizeof(added[0]));
	memcpy(added[nadded].addr, k.addr, 16);
	added[nadded++].slot = slot;
	write_index(added, nadded);
}

/* Run the program @repeat times on @p; it must pass the packet unchanged. */
static void run_n(const struct pkt *p, uint32_t repeat)
{
	uint8_t out[sizeof(p->d)];
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = p->d, .data_size_in = (uint32_t)p->n,
		.data_out = out, .data_size_out = sizeof(out),
		.repeat = repeat);

	int err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.mixnet_sampler), &o);

	ck_assert_msg(!err, "test run of a %zu-byte packet: %s", p->n, strerror(-err));
	ck_assert_int_eq((int)o.retval, TC_ACT_UNSPEC);
	ck_assert_uint_eq(o.data_size_out, p->n);
	ck_assert_mem_eq(out, p->d, p->n);
}

static void run(const struct pkt *p)
{
	run_n(p, 1);
}

struct sums {
	uint64_t bytes, packets;
};

static struct sums peer_sums(uint32_t slot)
{
	struct mixnet_peer_stats *v = calloc(ncpu, sizeof(*v));
	struct sums s = { 0, 0 };
	int c;

	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(bpf_map_lookup_elem(bpf_map__fd(skel->maps.peers), &slot, v), 0);
	for (c = 0; c < ncpu; c++) {
		s.bytes += v[c].bytes;
		s.packets += v[c].packets;
	}
	free(v);
	return s;
}

static struct mixnet_sampler_errors errors(void)
{
	struct mixnet_sampler_errors *v = calloc(ncpu, sizeof(*v)), s;
	uint32_t zero = 0;
	int c;

	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(bpf_map_lookup_elem(bpf_map__fd(skel->maps.errors), &zero, v), 0);
	memset(&s, 0, sizeof(s));
	for (c = 0; c < ncpu; c++) {
		s.not_ip += v[c].not_ip;
		s.bad_ip += v[c].bad_ip;
		s.bad_l4 += v[c].bad_l4;
		s.flows_full += v[c].flows_full;
		s.flows_failed += v[c].flows_failed;
	}
	free(v);
	return s;
}

static void assert_errors(uint64_t not_ip, uint64_t bad_ip, uint64_t bad_l4, uint64_t full)
{
	struct mixnet_sampler_errors e = errors();

	ck_assert_msg(e.not_ip == not_ip && e.bad_ip == bad_ip && e.bad_l4 == bad_l4 &&
		      e.flows_full == full && e.flows_failed == 0,
		      "errors: not_ip %lu bad_ip %lu bad_l4 %lu flows_full %lu flows_failed %lu, "
		      "want %lu %lu %lu %lu 0", (unsigned long)e.not_ip, (unsigned long)e.bad_ip,
		      (unsigned long)e.bad_l4, (unsigned long)e.flows_full,
		      (unsigned long)e.flows_failed, (unsigned long)not_ip, (unsigned long)bad_ip,
		      (unsigned long)bad_l4, (unsigned long)full);
}

static size_t flow_count(void)
{
	struct mixnet_flow_key k, next;
	int fd = bpf_map__fd(skel->maps.flows);
	size_t n = 0;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		k = next;
		prev = &k;
		n++;
	}
	return n;
}

static void flow_key(struct mixnet_flow_key *k, const char *src, const char *dst,
		     uint8_t proto, uint16_t sport, uint16_t dport)
{
	struct mixnet_peer_key a;

	memset(k, 0, sizeof(*k));
	peer_key(src, &a);
	memcpy(k->saddr, a.addr, 16);
	peer_key(dst, &a);
	memcpy(k->daddr, a.addr, 16);
	k->proto = proto;
	k->sport = sport;
	k->dport = dport;
}

/* Sums of one flow; packets == 0 when the flow is not in the table. */
static struct sums flow_sums(const struct mixnet_flow_key *k)
{
	struct mixnet_flow_stats *v = calloc(ncpu, sizeof(*v));
	struct sums s = { 0, 0 };
	int c;

	ck_assert_ptr_nonnull(v);
	if (!bpf_map_lookup_elem(bpf_map__fd(skel->maps.flows), k, v)) {
		for (c = 0; c < ncpu; c++) {
			s.bytes += v[c].bytes;
			s.packets += v[c].packets;
			if (v[c].packets) {
				ck_assert_uint_gt(v[c].first_ns, 0);
				ck_assert_uint_ge(v[c].last_ns, v[c].first_ns);
			}
		}
	}
	free(v);
	return s;
}

static void assert_flow(const char *src, const char *dst, uint8_t proto, uint16_t sport,
			uint16_t dport, uint64_t bytes, uint64_t packets)
{
	struct mixnet_flow_key k;
	struct sums s;

	flow_key(&k, src, dst, proto, sport, dport);
	s = flow_sums(&k);
	ck_assert_msg(s.packets == packets && s.bytes == bytes,
		      "flow %s:%u -> %s:%u/%u: %lu bytes %lu packets, want %lu %lu", src, sport,
		      dst, dport, proto, (unsigned long)s.bytes, (unsigned long)s.packets,
		      (unsigned long)bytes, (unsigned long)packets);
}

static void assert_peer(uint32_t slot, uint64_t bytes, uint64_t packets)
{
	struct sums s = peer_sums(slot);

	ck_assert_msg(s.bytes == bytes && s.packets == packets,
		      "slot %u: %lu bytes %lu packets, want %lu %lu", slot,
		      (unsigned long)s.bytes, (unsigned long)s.packets, (unsigned long)bytes,
		      (unsigned long)packets);
}

/* ---- IPv4 ------------------------------------------------------------------------ */

START_TEST(test_ipv4_tcp_known_peer)
{
	struct pkt p = { .n = 0 };

	add_peer("198.18.0.2", 3);
	ip_frame(&p, "198.18.0.1", "198.18.0.2", IPPROTO_TCP, 40000, 5001, 100);
	ck_assert_uint_eq(p.n, 14 + 140);
	run_n(&p, 5);

	assert_peer(3, 5 * 140, 5);
	assert_peer(0, 0, 0);
	assert_flow("198.18.0.1", "198.18.0.2", IPPROTO_TCP, 40000, 5001, 5 * 140, 5);
	ck_assert_uint_eq(flow_count(), 1);
	assert_errors(0, 0, 0, 0);
}
END_TEST

START_TEST(test_ipv4_udp_unknown_peer)
{
	struct pkt p = { .n = 0 };

	add_peer("198.18.0.2", 1);
	ip_frame(&p, "198.18.0.1", "198.18.0.9", IPPROTO_UDP, 5353, 9000, 1000);
	run(&p);
	run(&p);

	assert_peer(0, 2 * 1028, 2);
	assert_peer(1, 0, 0);
	assert_flow("198.18.0.1", "198.18.0.9", IPPROTO_UDP, 5353, 9000, 2 * 1028, 2);
	assert_errors(0, 0, 0, 0);
}
END_TEST

START_TEST(test_ipv4_options_and_icmp)
{
	struct pkt p = { .n = 0 }, q = { .n = 0 };

	add_peer("198.18.0.2", 2);
	/* 3 option words: the ports come after 32 bytes of IP header */
	eth(&p, ETH_P_IP);
	ipv4(&p, "198.18.0.1", "198.18.0.2", IPPROTO_UDP, 8 + 10, 3, 0);
	udp(&p, 1111, 2222, 10);
	payload(&p, 10);
	run(&p);
	/* ICMP: a flow without ports */
	eth(&q, ETH_P_IP);
	ipv4(&q, "198.18.0.1", "198.18.0.2", IPPROTO_ICMP, 64, 0, 0);
	payload(&q, 64);
	run(&q);

	assert_peer(2, (32 + 18) + (20 + 64), 2);
	assert_flow("198.18.0.1", "198.18.0.2", IPPROTO_UDP, 1111, 2222, 50, 1);
	assert_flow("198.18.0.1", "198.18.0.2", IPPROTO_ICMP, 0, 0, 84, 1);
	assert_errors(0, 0, 0, 0);
}
END_TEST

START_TEST(test_ipv4_fragments)
{
	struct pkt first = { .n = 0 }, later = { .n = 0 };

	add_peer("198.18.0.2", 1);
	/* first fragment (MF, offset 0) has the ports */
	eth(&first, ETH_P_IP);
	ipv4(&first, "198.18.0.1", "198.18.0.2", IPPROTO_UDP, 8 + 1472, 0, 0x2000);
	udp(&first, 7000, 7001, 3000);
	payload(&first, 1472);
	run(&first);
	/* a later fragment: UDP payload bytes where the ports would be */
	eth(&later, ETH_P_IP);
	ipv4(&later, "198.18.0.1", "198.18.0.2", IPPROTO_UDP, 1480, 0, 185);
	payload(&later, 1480);
	run(&later);

	assert_peer(1, 1500 + 1500, 2);
	assert_flow("198.18.0.1", "198.18.0.2", IPPROTO_UDP, 7000, 7001, 1500, 1);
	assert_flow("198.18.0.1", "198.18.0.2", IPPROTO_UDP, 0, 0, 1500, 1);
	assert_errors(0, 0, 0, 0);
}
END_TEST

/* ---- IPv6 -------------------------------------------------------------------------- */

START_TEST(test_ipv6_tcp)
{
	struct pkt p = { .n = 0 };

	add_peer("2001:db8::2", 7);
	ip_frame(&p, "2001:db8::1", "2001:db8::2", IPPROTO_TCP, 33000, 443, 500);
	run_n(&p, 3);

	assert_peer(7, 3 * 560, 3);
	assert_flow("2001:db8::1", "2001:db8::2", IPPROTO_TCP, 33000, 443, 3 * 560, 3);
	assert_errors(0, 0, 0, 0);
}
END_TEST

START_TEST(test_ipv6_extension_headers)
{
	struct pkt p = { .n = 0 }, f1 = { .n = 0 }, f2 = { .n = 0 };

	add_peer("2001:db8::2", 1);
	/* hop-by-hop (8) -> destination options (16) -> UDP */
	eth(&p, ETH_P_IPV6);
	ipv6(&p, "2001:db8::1", "2001:db8::2", 0, 8 + 16 + 8 + 40);
	ipv6_opts(&p, 60, 0);
	ipv6_opts(&p, IPPROTO_UDP, 1);
	udp(&p, 4000, 4001, 40);
	payload(&p, 40);
	run(&p);
	/* fragment header: the first fragment has ports, a later one not */
	eth(&f1, ETH_P_IPV6);
	ipv6(&f1, "2001:db8::1", "2001:db8::2", 44, 8 + 8 + 100);
	ipv6_frag(&f1, IPPROTO_UDP, 0, 1);
	udp(&f1, 5000, 5001, 300);
	payload(&f1, 100);
	run(&f1);
	eth(&f2, ETH_P_IPV6);
	ipv6(&f2, "2001:db8::1", "2001:db8::2", 44, 8 + 200);
	ipv6_frag(&f2, IPPROTO_UDP, 13, 0);
	payload(&f2, 200);
	run(&f2);

	assert_peer(1, (40 + 72) + (40 + 116) + (40 + 208), 3);
	assert_flow("2001:db8::1", "2001:db8::2", IPPROTO_UDP, 4000, 4001, 112, 1);
	assert_flow("2001:db8::1", "2001:db8::2", IPPROTO_UDP, 5000, 5001, 156, 1);
	assert_flow("2001:db8::1", "2001:db8::2", IPPROTO_UDP, 0, 0, 248, 1);
	assert_errors(0, 0, 0, 0);
}
END_TEST

/* ---- VLAN ---------------------------------------------------------------------------- */

START_TEST(test_vlan_and_qinq)
{
	struct pkt one = { .n = 0 }, two = { .n = 0 };

	add_peer("198.18.0.2", 1);
	eth(&one, ETH_P_8021Q);
	vlan(&one, 100, ETH_P_IP);
	ipv4(&one, "198.18.0.1", "198.18.0.2", IPPROTO_UDP, 8 + 200, 0, 0);
	udp(&one, 6000, 6001, 200);
	payload(&one, 200);
	ck_assert_uint_eq(one.n, 18 + 228);
	run(&one);

	eth(&two, ETH_P_8021AD);
	vlan(&two, 10, ETH_P_8021Q);
	vlan(&two, 20, ETH_P_IPV6);
	ipv6(&two, "2001:db8::1", "2001:db8::9", IPPROTO_TCP, 20);
	tcp(&two, 6002, 6003);
	ck_assert_uint_eq(two.n, 22 + 60);
	run(&two);

	assert_peer(1, 228, 1);	/* the VLAN tags are link-level bytes */
	assert_peer(0, 60, 1);
	assert_flow("198.18.0.1", "198.18.0.2", IPPROTO_UDP, 6000, 6001, 228, 1);
	assert_flow("2001:db8::1", "2001:db8::9", IPPROTO_TCP, 6002, 6003, 60, 1);
	assert_errors(0, 0, 0, 0);
}
END_TEST

START_TEST(test_three_vlan_tags_not_parsed)
{
	struct pkt p = { .n = 0 };

	eth(&p, ETH_P_8021AD);
	vlan(&p, 1, ETH_P_8021Q);
	vlan(&p, 2, ETH_P_8021Q);
	vlan(&p, 3, ETH_P_IP);
	ipv4(&p, "198.18.0.1", "198.18.0.2", IPPROTO_UDP, 8, 0, 0);
	udp(&p, 1, 2, 0);
	run(&p);

	assert_peer(0, 0, 0);
	ck_assert_uint_eq(flow_count(), 0);
	assert_errors(1, 0, 0, 0);
}
END_TEST

/* ---- what is not counted ---------------------------------------------------------------- */

START_TEST(test_non_ip)
{
	struct pkt arp = { .n = 0 }, hello = { .n = 0 };

	eth(&arp, ETH_P_ARP);
	payload(&arp, 28);
	run(&arp);
	eth(&hello, 0x88B5);	/* mixnet's optical hello */
	payload(&hello, 46);
	run(&hello);

	assert_peer(0, 0, 0);
	ck_assert_uint_eq(flow_count(), 0);
	assert_errors(2, 0, 0, 0);
}
END_TEST

START_TEST(test_truncated_ip)
{
	struct pkt empty = { .n = 0 }, short4 = { .n = 0 }, opts = { .n = 0 }, short6 = { .n = 0 },
		   wrongver = { .n = 0 }, ihl = { .n = 0 };

	/* The kernel's test run refuses untagged IP frames shorter than an IP
	 * header, so the short headers come behind a VLAN tag. */
	eth(&empty, ETH_P_8021Q);		/* no IP header at all */
	vlan(&empty, 5, ETH_P_IP);
	run(&empty);
	eth(&short4, ETH_P_8021Q);
	vlan(&short4, 5, ETH_P_IP);
	payload(&short4, 10);
	short4.d[18] = 0x45;
	run(&short4);
	eth(&opts, ETH_P_IP);			/* says 60 bytes of header, has 20 */
	ipv4(&opts, "198.18.0.1", "198.18.0.2", IPPROTO_UDP, 0, 0, 0);
	opts.d[14] = 0x4f;
	run(&opts);
	eth(&short6, ETH_P_8021Q);
	vlan(&short6, 5, ETH_P_IPV6);
	payload(&short6, 39);
	short6.d[18] = 0x60;
	run(&short6);
	eth(&wrongver, ETH_P_IPV6);		/* IPv4 inside an IPv6 frame */
	ipv4(&wrongver, "198.18.0.1", "198.18.0.2", IPPROTO_UDP, 20, 0, 0);
	payload(&wrongver, 20);
	run(&wrongver);
	eth(&ihl, ETH_P_IP);			/* header length below 20 */
	ipv4(&ihl, "198.18.0.1", "198.18.0.2", IPPROTO_UDP, 0, 0, 0);
	ihl.d[14] = 0x44;
	run(&ihl);

	assert_peer(0, 0, 0);
	ck_assert_uint_eq(flow_count(), 0);
	assert_errors(0, 6, 0, 0);
}
END_TEST

START_TEST(test_truncated_l4)
{
	struct pkt t = { .n = 0 }, u = { .n = 0 }, x = { .n = 0 };

	add_peer("198.18.0.2", 1);
	eth(&t, ETH_P_IP);			/* 10 of 20 TCP header bytes */
	ipv4(&t, "198.18.0.1", "198.18.0.2", IPPROTO_TCP, 10, 0, 0);
	payload(&t, 10);
	run(&t);
	eth(&u, ETH_P_IP);			/* 4 of 8 UDP header bytes */
	ipv4(&u, "198.18.0.1", "198.18.0.2", IPPROTO_UDP, 4, 0, 0);
	payload(&u, 4);
	run(&u);
	eth(&x, ETH_P_IPV6);			/* hop-by-hop header cut short */
	ipv6(&x, "2001:db8::1", "2001:db8::9", 0, 1);
	payload(&x, 1);
	run(&x);

	/* the IP header was fine: the peer is counted, the flow is not */
	assert_peer(1, 30 + 24, 2);
	assert_peer(0, 41, 1);
	ck_assert_uint_eq(flow_count(), 0);
	assert_errors(0, 0, 3, 0);
}
END_TEST

START_TEST(test_slot_out_of_range_counts_unknown)
{
	struct pkt p = { .n = 0 };

	add_peer("198.18.0.2", MIXNET_SAMPLER_PEER_SLOTS + 5);
	ip_frame(&p, "198.18.0.1", "198.18.0.2", IPPROTO_UDP, 1, 2, 0);
	run(&p);
	assert_peer(0, 28, 1);
}
END_TEST

/* Peer i of the full table: IPv6 for odd i, IPv4 for even. */
static const char *full_table_peer(uint32_t i, char *buf, size_t len)
{
	if (i % 2)
		snprintf(buf, len, "2001:db8::%x", i);
	else
		snprintf(buf, len, "198.18.%u.%u", i / 256, i % 256);
	return buf;
}

START_TEST(test_full_peer_table)
{
	const uint32_t n = MIXNET_SAMPLER_PEER_SLOTS - 1;
	struct flows_index_entry *e = calloc(n, sizeof(*e));
	char dst[64];
	uint32_t i;

	/* the program's hash and probing must agree with the agent's */
	for (i = 0; i < n; i++) {
		peer_key(full_table_peer(i, dst, sizeof(dst)), (struct mixnet_peer_key *)e[i].addr);
		e[i].slot = n - i;
	}
	write_index(e, n);
	for (i = 0; i < n; i += 7) {
		struct pkt p = { .n = 0 };

		ip_frame(&p, i % 2 ? "2001:db8::ffff" : "198.18.255.255",
			 full_table_peer(i, dst, sizeof(dst)), IPPROTO_UDP, 1, 2, 0);
		run(&p);
		assert_peer(n - i, i % 2 ? 48 : 28, 1);
	}
	assert_peer(0, 0, 0);
	free(e);
}
END_TEST

/* ---- flow table options -------------------------------------------------------------------- */

START_TEST(test_flows_off)
{
	struct pkt p = { .n = 0 }, t = { .n = 0 };

	teardown();
	load(0, 1);
	add_peer("198.18.0.2", 1);
	ip_frame(&p, "198.18.0.1", "198.18.0.2", IPPROTO_UDP, 1, 2, 100);
	run_n(&p, 10);
	eth(&t, ETH_P_IP);			/* truncated TCP: not even looked at */
	ipv4(&t, "198.18.0.1", "198.18.0.2", IPPROTO_TCP, 4, 0, 0);
	payload(&t, 4);
	run(&t);

	assert_peer(1, 10 * 128 + 24, 11);
	ck_assert_uint_eq(flow_count(), 0);
	assert_errors(0, 0, 0, 0);
}
END_TEST

START_TEST(test_sampling_1_in_64)
{
	struct pkt p = { .n = 0 };
	const uint32_t n = 64000;
	struct mixnet_flow_key k;
	struct sums s;

	teardown();
	load(64, 0);
	add_peer("198.18.0.2", 1);
	ip_frame(&p, "198.18.0.1", "198.18.0.2", IPPROTO_UDP, 1, 2, 72);
	run_n(&p, n);

	assert_peer(1, (uint64_t)n * 100, n);	/* per-peer: every packet */
	flow_key(&k, "198.18.0.1", "198.18.0.2", IPPROTO_UDP, 1, 2);
	s = flow_sums(&k);
	/* binomial(64000, 1/64): mean 1000, sd 31; 6.4 sd either way */
	ck_assert_msg(s.packets >= 800 && s.packets <= 1200, "%lu of %u sampled",
		      (unsigned long)s.packets, n);
	ck_assert_uint_eq(s.bytes, s.packets * 100);
	assert_errors(0, 0, 0, 0);
}
END_TEST

START_TEST(test_flow_table_full)
{
	uint16_t port;
	int round;

	teardown();
	load(1, 4);
	add_peer("198.18.0.2", 1);
	for (round = 1; round <= 2; round++) {
		for (port = 1; port <= 10; port++) {
			struct pkt p = { .n = 0 };

			ip_frame(&p, "198.18.0.1", "198.18.0.2", IPPROTO_UDP, 9000, port, 0);
			run(&p);
		}
		/* 4 flows fit; the 6 others are reported, every round */
		ck_assert_uint_eq(flow_count(), 4);
		assert_errors(0, 0, 0, 6 * round);
	}
	for (port = 1; port <= 4; port++)
		assert_flow("198.18.0.1", "198.18.0.2", IPPROTO_UDP, 9000, port, 56, 2);
	assert_flow("198.18.0.1", "198.18.0.2", IPPROTO_UDP, 9000, 5, 0, 0);
	/* per-peer counting does not depend on the flow table */
	assert_peer(1, 20 * 28, 20);
}
END_TEST

START_TEST(test_counts_on_every_cpu)
{
	struct pkt p = { .n = 0 };
	cpu_set_t set;
	int cpu, used = 0;

	add_peer("198.18.0.2", 1);
	ip_frame(&p, "198.18.0.1", "198.18.0.2", IPPROTO_TCP, 1000, 2000, 0);
	for (cpu = 0; cpu < ncpu && cpu < CPU_SETSIZE; cpu++) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			continue;	/* offline or not ours */
		run_n(&p, 3);
		used++;
	}
	ck_assert_int_gt(used, 0);
	/* the agent's sum over CPUs is what counts */
	assert_peer(1, (uint64_t)used * 3 * 40, used * 3);
	assert_flow("198.18.0.1", "198.18.0.2", IPPROTO_TCP, 1000, 2000, used * 3 * 40, used * 3);
}
END_TEST

static Suite *sampler_suite(void)
{
	Suite *s = suite_create("sampler_prog");
	TCase *ip = tcase_create("ip");
	TCase *bad = tcase_create("not_counted");
	TCase *opts = tcase_create("options");

	tcase_add_checked_fixture(ip, setup, teardown);
	tcase_add_checked_fixture(bad, setup, teardown);
	tcase_add_checked_fixture(opts, setup, teardown);
	tcase_add_test(ip, test_ipv4_tcp_known_peer);
	tcase_add_test(ip, test_ipv4_udp_unknown_peer);
	tcase_add_test(ip, test_ipv4_options_and_icmp);
	tcase_add_test(ip, test_ipv4_fragments);
	tcase_add_test(ip, test_ipv6_tcp);
	tcase_add_test(ip, test_ipv6_extension_headers);
	tcase_add_test(ip, test_vlan_and_qinq);
	tcase_add_test(ip, test_counts_on_every_cpu);
	tcase_add_test(ip, test_full_peer_table);
	tcase_add_test(bad, test_three_vlan_tags_not_parsed);
	tcase_add_test(bad, test_non_ip);
	tcase_add_test(bad, test_truncated_ip);
	tcase_add_test(bad, test_truncated_l4);
	tcase_add_test(bad, test_slot_out_of_range_counts_unknown);
	tcase_add_test(opts, test_flows_off);
	tcase_add_test(opts, test_sampling_1_in_64);
	tcase_add_test(opts, test_flow_table_full);
	tcase_set_timeout(opts, 60);
	suite_add_tcase(s, ip);
	suite_add_tcase(s, bad);
	suite_add_tcase(s, opts);
	return s;
}

int main(void)
{
	return check_run(sampler_suite());
}
