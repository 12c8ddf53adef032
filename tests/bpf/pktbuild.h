/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Crafting packets for BPF_PROG_TEST_RUN: Ethernet, VLAN, IPv4 (options,
 * fragments), IPv6 (extension headers), TCP, UDP, or a whole TCP/UDP
 * frame at once.  Header-only helpers for the bpf tier's Check programs
 * and the BPF benchmark.
 */
#ifndef MIXNET_TEST_PKTBUILD_H
#define MIXNET_TEST_PKTBUILD_H

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

struct pkt {
	uint8_t d[2048];
	size_t n;
};

static inline void put(struct pkt *p, const void *x, size_t n)
{
	memcpy(p->d + p->n, x, n);
	p->n += n;
}

static inline void put8(struct pkt *p, uint8_t v)
{
	put(p, &v, 1);
}

static inline void put16(struct pkt *p, uint16_t v)
{
	v = htons(v);
	put(p, &v, 2);
}

static inline void zeros(struct pkt *p, size_t n)
{
	memset(p->d + p->n, 0, n);
	p->n += n;
}

static inline void eth(struct pkt *p, uint16_t type)
{
	static const uint8_t dst[6] = { 2, 0, 0, 0, 0, 2 }, src[6] = { 2, 0, 0, 0, 0, 1 };

	put(p, dst, 6);
	put(p, src, 6);
	put16(p, type);
}

/* A VLAN tag (after eth() with a TPID type): TCI and the inner type. */
static inline void vlan(struct pkt *p, uint16_t vid, uint16_t type)
{
	put16(p, vid);
	put16(p, type);
}

/* IPv4 header with @opt_words 32-bit option words, for @l4len bytes after it. */
static inline void ipv4(struct pkt *p, const char *src, const char *dst, uint8_t proto,
			size_t l4len, unsigned int opt_words, uint16_t frag)
{
	struct in_addr s, d;

	inet_pton(AF_INET, src, &s);
	inet_pton(AF_INET, dst, &d);
	put8(p, 0x40 | (5 + opt_words));
	put8(p, 0);
	put16(p, (uint16_t)(20 + 4 * opt_words + l4len));
	put16(p, 1);			/* id */
	put16(p, frag);
	put8(p, 64);
	put8(p, proto);
	put16(p, 0);			/* checksum: nobody checks at egress */
	put(p, &s, 4);
	put(p, &d, 4);
	memset(p->d + p->n, 1, 4 * opt_words);	/* NOPs */
	p->n += 4 * opt_words;
}

static inline void ipv6(struct pkt *p, const char *src, const char *dst, uint8_t nexthdr,
			size_t payload)
{
	struct in6_addr s, d;

	inet_pton(AF_INET6, src, &s);
	inet_pton(AF_INET6, dst, &d);
	put8(p, 0x60);
	zeros(p, 3);
	put16(p, (uint16_t)payload);
	put8(p, nexthdr);
	put8(p, 64);
	put(p, &s, 16);
	put(p, &d, 16);
}

/* Hop-by-hop / destination options header of (len + 1) * 8 bytes. */
static inline void ipv6_opts(struct pkt *p, uint8_t nexthdr, uint8_t len)
{
	put8(p, nexthdr);
	put8(p, len);
	put8(p, 1);			/* PadN */
	put8(p, (uint8_t)(4 + len * 8));
	zeros(p, 4 + len * 8);
}

static inline void ipv6_frag(struct pkt *p, uint8_t nexthdr, uint16_t offset8, int more)
{
	put8(p, nexthdr);
	put8(p, 0);
	put16(p, (uint16_t)(offset8 << 3 | (more ? 1 : 0)));
	put16(p, 0x1234);
	put16(p, 0x5678);
}

static inline void tcp(struct pkt *p, uint16_t sport, uint16_t dport)
{
	put16(p, sport);
	put16(p, dport);
	zeros(p, 8);			/* seq, ack */
	put8(p, 5 << 4);		/* data offset */
	put8(p, 0x18);			/* PSH ACK */
	put16(p, 65535);
	zeros(p, 4);
}

static inline void udp(struct pkt *p, uint16_t sport, uint16_t dport, size_t payload)
{
	put16(p, sport);
	put16(p, dport);
	put16(p, (uint16_t)(8 + payload));
	put16(p, 0);
}

static inline void payload(struct pkt *p, size_t n)
{
	memset(p->d + p->n, 0x5a, n);
	p->n += n;
}

/*
 * A whole Ethernet frame: IPv4 or IPv6 (as @dst is written) carrying a
 * TCP or UDP (@proto) header and @n payload bytes.
 */
static inline void ip_frame(struct pkt *p, const char *src, const char *dst, uint8_t proto,
			    uint16_t sport, uint16_t dport, size_t n)
{
	size_t l4len = (proto == IPPROTO_TCP ? 20 : 8) + n;

	if (strchr(dst, ':')) {
		eth(p, 0x86DD);
		ipv6(p, src, dst, proto, l4len);
	} else {
		eth(p, 0x0800);
		ipv4(p, src, dst, proto, l4len, 0, 0);
	}
	if (proto == IPPROTO_TCP)
		tcp(p, sport, dport);
	else
		udp(p, sport, dport, n);
	payload(p, n);
}

#endif /* MIXNET_TEST_PKTBUILD_H */
