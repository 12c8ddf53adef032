// SPDX-License-Identifier: GPL-2.0
/*
 * netdev_pkt: packet helper of the t-netdev-*.sh tests.
 *
 *   netdev_pkt hello IFACE CASE DEV_ID [ADDR...]
 *       send one discovery hello (broadcast, ethertype 0x88B5) on IFACE;
 *       CASE good | bad_magic | bad_version | reserved | truncated |
 *       too_many | solicit | trailing (16 bytes after the addresses and the
 *       Ethernet padding).  ADDRs are IPv4 or IPv6 addresses.
 *   netdev_pkt hello-recv IFACE TIMEOUT_MS
 *       print the first hello received on IFACE:
 *       "hello dev_id 0x... flags F seq S addrs A..."; exit 1 on timeout.
 *   netdev_pkt tcp-recv ADDR PORT TIMEOUT_MS
 *       accept one connection, read it to the end checking every byte of
 *       the pattern tcp-send writes, answer with the count; "received N".
 *   netdev_pkt tcp-send ADDR PORT BYTES [MBIT]
 *       send BYTES of the pattern (at about MBIT Mbit/s if given), then
 *       wait for the receiver's count:
 *       exit 0 only if every byte arrived intact (a reset fails).
 *   netdev_pkt udp-send ADDR PORT FLOWS PACKETS [PPS]
 *       send PACKETS datagrams from each of FLOWS sockets (FLOWS source
 *       ports, so FLOWS distinct flows), paced lightly or at PPS rounds
 *       (one datagram per flow) a second.
 *   netdev_pkt udp-flood ADDR PORT PPS
 *       datagrams from 4 flows at about PPS a second until killed, whatever
 *       send() says (devices and routes come and go under it).
 *   netdev_pkt udp-recv ADDR PORT EXPECTED TIMEOUT_MS
 *       count datagrams until EXPECTED arrived or the time is up; prints
 *       "received N"; exit 0 only when N == EXPECTED.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/mixnet.h>

static int fail(const char *what)
{
	fprintf(stderr, "netdev_pkt: %s: %s\n", what, strerror(errno));
	return 1;
}

static uint64_t htobe64_(uint64_t v)
{
	return ((uint64_t)htonl((uint32_t)v) << 32) | htonl((uint32_t)(v >> 32));
}

static int cmd_hello(int argc, char **argv)
{
	unsigned char frame[1514] = { 0 };
	struct ether_header *eth = (struct ether_header *)frame;
	struct mixnet_hello *h = (struct mixnet_hello *)(frame + sizeof(*eth));
	unsigned char *p = (unsigned char *)(h + 1);
	const char *iface = argv[0], *c = argv[1];
	struct sockaddr_ll sll = { 0 };
	struct ifreq ifr = { 0 };
	int fd, i, n4 = 0, n6 = 0;
	size_t len;

	fd = socket(AF_PACKET, SOCK_RAW, htons(MIXNET_ETH_P_HELLO));
	if (fd < 0)
		return fail("socket");
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", iface);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		return fail(iface);
	memset(eth->ether_dhost, 0xff, ETH_ALEN);
	memcpy(eth->ether_shost, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	eth->ether_type = htons(MIXNET_ETH_P_HELLO);

	h->magic = htonl(MIXNET_HELLO_MAGIC);
	h->version = MIXNET_HELLO_VERSION;
	h->dev_id = htobe64_(strtoull(argv[2], NULL, 0));
	h->seq = htonl(1);
	for (i = 3; i < argc; i++) {
		if (strchr(argv[i], ':'))
			continue;
		if (inet_pton(AF_INET, argv[i], p) != 1) {
			fprintf(stderr, "netdev_pkt: %s: not an address\n", argv[i]);
			return 2;
		}
		p += 4;
		n4++;
	}
	for (i = 3; i < argc; i++) {
		if (!strchr(argv[i], ':'))
			continue;
		if (inet_pton(AF_INET6, argv[i], p) != 1) {
			fprintf(stderr, "netdev_pkt: %s: not an address\n", argv[i]);
			return 2;
		}
		p += 16;
		n6++;
	}
	h->n_addr4 = (uint8_t)n4;
	h->n_addr6 = (uint8_t)n6;
	len = (size_t)(p - frame);

	if (!strcmp(c, "bad_magic"))
		h->magic = htonl(0x12345678);
	else if (!strcmp(c, "bad_version"))
		h->version = 9;
	else if (!strcmp(c, "reserved"))
		h->reserved = htonl(1);
	else if (!strcmp(c, "truncated"))
		len -= 2;
	else if (!strcmp(c, "too_many"))
		h->n_addr4 = MIXNET_HELLO_MAX_ADDRS + 1;
	else if (!strcmp(c, "solicit"))
		h->flags = MIXNET_HELLO_F_SOLICIT;
	else if (strcmp(c, "good") && strcmp(c, "trailing")) {
		fprintf(stderr, "netdev_pkt: %s: unknown hello case\n", c);
		return 2;
	}
	if (len < 60)
		len = 60;	/* Ethernet minimum; padding is allowed */
	if (!strcmp(c, "truncated") && len == 60)
		len = sizeof(*eth) + sizeof(*h) - 2;
	if (!strcmp(c, "trailing"))
		len += 16;	/* zeros no address count accounts for */

	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = (int)if_nametoindex(iface);
	sll.sll_protocol = htons(MIXNET_ETH_P_HELLO);
	if (sendto(fd, frame, len, 0, (struct sockaddr *)&sll, sizeof(sll)) != (ssize_t)len)
		return fail("sendto");
	close(fd);
	return 0;
}

static uint64_t be64toh_(uint64_t v)
{
	return htobe64_(v);
}

static int cmd_hello_recv(char **argv)
{
	unsigned char frame[2048];
	const struct mixnet_hello *h = (const struct mixnet_hello *)frame;
	struct sockaddr_ll sll = { 0 };
	long timeout = atol(argv[1]);
	struct timeval tv = { .tv_sec = timeout / 1000, .tv_usec = (timeout % 1000) * 1000 };
	char addr[INET6_ADDRSTRLEN];
	const unsigned char *p;
	ssize_t n;
	int fd, i;

	/* SOCK_DGRAM: the payload after the Ethernet header. */
	fd = socket(AF_PACKET, SOCK_DGRAM, htons(MIXNET_ETH_P_HELLO));
	if (fd < 0)
		return fail("socket");
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(MIXNET_ETH_P_HELLO);
	sll.sll_ifindex = (int)if_nametoindex(argv[0]);
	if (!sll.sll_ifindex || bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return fail(argv[0]);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	/* Bound while IFACE was down: the first recv reports it; keep waiting. */
	do
		n = recv(fd, frame, sizeof(frame), 0);
	while (n < 0 && errno == ENETDOWN);
	if (n < 0)
		return fail("no hello");
	if ((size_t)n < sizeof(*h) || (size_t)n < sizeof(*h) + h->n_addr4 * 4U + h->n_addr6 * 16U) {
		fprintf(stderr, "netdev_pkt: short hello (%zd bytes)\n", n);
		return 1;
	}
	printf("hello magic 0x%08x version %u dev_id 0x%016llx flags %u seq %u reserved %u addrs",
	       ntohl(h->magic), h->version, (unsigned long long)be64toh_(h->dev_id), h->flags,
	       ntohl(h->seq), ntohl(h->reserved));
	p = (const unsigned char *)(h + 1);
	for (i = 0; i < h->n_addr4; i++, p += 4)
		printf(" %s", inet_ntop(AF_INET, p, addr, sizeof(addr)));
	for (i = 0; i < h->n_addr6; i++, p += 16)
		printf(" %s", inet_ntop(AF_INET6, p, addr, sizeof(addr)));
	putchar('\n');
	close(fd);
	return 0;
}

static int resolve(const char *addr, const char *port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICHOST }, *ai;

	if (getaddrinfo(addr, port, &hints, &ai)) {
		fprintf(stderr, "netdev_pkt: %s port %s: bad address\n", addr, port);
		return -1;
	}
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

/* Byte @off of a transfer: a pattern that catches loss, duplication and reordering. */
static unsigned char pattern(uint64_t off)
{
	return (unsigned char)(off % 251);
}

static int cmd_tcp_recv(char **argv)
{
	struct timeval tv = { .tv_sec = atol(argv[2]) / 1000 };
	uint64_t got = 0, be;
	struct sockaddr_storage ss;
	unsigned char buf[65536];
	socklen_t len;
	int lfd, fd, one = 1;
	ssize_t n, i;

	if (resolve(argv[0], argv[1], &ss, &len))
		return 2;
	lfd = socket(ss.ss_family, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&ss, len) < 0 || listen(lfd, 1) < 0)
		return fail("listen");
	setsockopt(lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	printf("listening\n");
	fflush(stdout);
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		return fail("accept");
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
		for (i = 0; i < n; i++) {
			if (buf[i] != pattern(got + (uint64_t)i)) {
				printf("corrupt at byte %llu\n", (unsigned long long)(got + (uint64_t)i));
				return 1;
			}
		}
		got += (uint64_t)n;
	}
	if (n < 0)
		return fail("recv");
	be = htobe64_(got);
	if (send(fd, &be, sizeof(be), 0) != sizeof(be))
		return fail("send count");
	printf("received %llu\n", (unsigned long long)got);
	close(fd);
	close(lfd);
	return 0;
}

static int cmd_tcp_send(int argc, char **argv)
{
	uint64_t total = strtoull(argv[2], NULL, 10), off = 0, be = 0;
	double mbit = argc > 3 ? atof(argv[3]) : 0;
	struct timespec t0, t;
	struct sockaddr_storage ss;
	unsigned char buf[65536];
	socklen_t len;
	ssize_t n;
	size_t i, chunk;
	int fd;

	if (resolve(argv[0], argv[1], &ss, &len))
		return 2;
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len) < 0)
		return fail("connect");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (off < total) {
		if (mbit > 0) {
			/* Ahead of the rate: wait until it catches up. */
			for (;;) {
				double el;

				clock_gettime(CLOCK_MONOTONIC, &t);
				el = (double)(t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9;
				if ((double)off * 8 / 1e6 <= mbit * el)
					break;
				usleep(2000);
			}
		}
		chunk = total - off < sizeof(buf) ? (size_t)(total - off) : sizeof(buf);
		for (i = 0; i < chunk; i++)
			buf[i] = pattern(off + i);
		n = send(fd, buf, chunk, MSG_NOSIGNAL);
		if (n <= 0)
			return fail("send");
		off += (uint64_t)n;
	}
	if (shutdown(fd, SHUT_WR) < 0)
		return fail("shutdown");
	if (recv(fd, &be, sizeof(be), MSG_WAITALL) != sizeof(be))
		return fail("no count from the receiver");
	if (be64toh_(be) != total) {
		printf("receiver got %llu of %llu bytes\n", (unsigned long long)be64toh_(be),
		       (unsigned long long)total);
		return 1;
	}
	printf("sent %llu delivered %llu\n", (unsigned long long)total, (unsigned long long)total);
	close(fd);
	return 0;
}

static int cmd_udp_send(int argc, char **argv)
{
	long flows = atol(argv[2]), packets = atol(argv[3]), f, i;
	long pps = argc > 4 ? atol(argv[4]) : 0;
	struct sockaddr_storage ss;
	char payload[64] = "mixnet";
	socklen_t len;
	int *fds;

	if (resolve(argv[0], argv[1], &ss, &len) || flows < 1 || packets < 1)
		return 2;
	fds = calloc((size_t)flows, sizeof(*fds));
	for (f = 0; f < flows; f++) {
		fds[f] = socket(ss.ss_family, SOCK_DGRAM, 0);
		if (fds[f] < 0 || connect(fds[f], (struct sockaddr *)&ss, len) < 0)
			return fail("socket/connect");
	}
	for (i = 0; i < packets; i++) {
		for (f = 0; f < flows; f++) {
			if (send(fds[f], payload, sizeof(payload), 0) < 0)
				return fail("send");
			/* Stay far below any queue or socket buffer limit. */
			if (!pps && (i * flows + f) % 32 == 31)
				usleep(1000);
		}
		if (pps > 0)
			usleep((useconds_t)(1000000 / pps));
	}
	for (f = 0; f < flows; f++)
		close(fds[f]);
	free(fds);
	return 0;
}

static int cmd_udp_flood(char **argv)
{
	long pps = atol(argv[2]), f;
	struct sockaddr_storage ss;
	char payload[64] = "mixnet";
	socklen_t len;
	int fds[4];

	if (resolve(argv[0], argv[1], &ss, &len) || pps < 1)
		return 2;
	for (f = 0; f < 4; f++) {
		fds[f] = socket(ss.ss_family, SOCK_DGRAM, 0);
		if (fds[f] < 0)
			return fail("socket");
	}
	for (;;) {
		for (f = 0; f < 4; f++)
			sendto(fds[f], payload, sizeof(payload), MSG_DONTWAIT,
			       (struct sockaddr *)&ss, len);
		usleep((useconds_t)(4000000 / pps));
	}
}

static int cmd_udp_recv(char **argv)
{
	long expected = atol(argv[2]), timeout = atol(argv[3]), got = 0;
	int rcvbuf = 8 << 20;
	struct sockaddr_storage ss;
	struct timespec t0, t;
	char buf[2048];
	socklen_t len;
	int fd;

	if (resolve(argv[0], argv[1], &ss, &len))
		return 2;
	fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) < 0)
		return fail("bind");
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	printf("listening\n");
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (got < expected) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long left;

		clock_gettime(CLOCK_MONOTONIC, &t);
		left = timeout - ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			break;
		if (recv(fd, buf, sizeof(buf), 0) > 0)
			got++;
	}
	printf("received %ld\n", got);
	close(fd);
	return got == expected ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc >= 5 && !strcmp(argv[1], "hello"))
		return cmd_hello(argc - 2, argv + 2);
	if (argc == 4 && !strcmp(argv[1], "hello-recv"))
		return cmd_hello_recv(argv + 2);
	if (argc == 5 && !strcmp(argv[1], "tcp-recv"))
		return cmd_tcp_recv(argv + 2);
	if ((argc == 5 || argc == 6) && !strcmp(argv[1], "tcp-send"))
		return cmd_tcp_send(argc - 2, argv + 2);
	if ((argc == 6 || argc == 7) && !strcmp(argv[1], "udp-send"))
		return cmd_udp_send(argc - 2, argv + 2);
	if (argc == 5 && !strcmp(argv[1], "udp-flood"))
		return cmd_udp_flood(argv + 2);
	if (argc == 6 && !strcmp(argv[1], "udp-recv"))
		return cmd_udp_recv(argv + 2);
	fprintf(stderr, "usage: netdev_pkt hello IFACE CASE DEV_ID [ADDR...] | "
		"udp-send ADDR PORT FLOWS PACKETS | udp-recv ADDR PORT EXPECTED TIMEOUT_MS\n");
	return 2;
}
