// SPDX-License-Identifier: GPL-2.0
/*
 * sendrecv: traffic of exactly known size for the sampler's tests.
 *
 *   sendrecv udp ADDR PORT SIZE COUNT   COUNT datagrams of SIZE bytes, one socket
 *   sendrecv tcp-sink PORT              accept one connection, print the bytes received
 *   sendrecv tcp-send ADDR PORT FILE    send FILE, wait until the sink has closed
 *
 * ADDR is IPv4 or IPv6.  tcp-send retries connecting for 10 s, so the sink
 * may start at the same time.  Exit status 0 on success.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int usage(void)
{
	fprintf(stderr, "usage: sendrecv udp ADDR PORT SIZE COUNT\n"
			"       sendrecv tcp-sink PORT\n"
			"       sendrecv tcp-send ADDR PORT FILE\n");
	return 2;
}

static int die(const char *what)
{
	fprintf(stderr, "sendrecv: %s: %s\n", what, strerror(errno));
	return 1;
}

static int sockaddr_of(const char *addr, const char *port, struct sockaddr_storage *ss,
		       socklen_t *len)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	int p = atoi(port);

	memset(ss, 0, sizeof(*ss));
	if (p <= 0 || p > 65535)
		return -1;
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)p);
		*len = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)p);
		*len = sizeof(*s6);
		return 0;
	}
	return -1;
}

static int do_udp(char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;
	long size = atol(argv[2]), count = atol(argv[3]), i;
	char *buf;
	int fd;

	if (sockaddr_of(argv[0], argv[1], &ss, &len) || size < 0 || size > 65507 || count < 0)
		return usage();
	buf = calloc(1, size + 1);
	fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (!buf || fd < 0)
		return die("socket");
	for (i = 0; i < count; i++)
		if (sendto(fd, buf, size, 0, (struct sockaddr *)&ss, len) != size)
			return die("sendto");
	close(fd);
	free(buf);
	return 0;
}

static int do_sink(char **argv)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT };
	long long total = 0;
	char buf[65536];
	int fd, c, one = 1, zero = 0;
	ssize_t r;

	a.sin6_port = htons((uint16_t)atoi(argv[0]));
	fd = socket(AF_INET6, SOCK_STREAM, 0);
	if (fd < 0)
		return die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 1))
		return die("bind/listen");
	c = accept(fd, NULL, NULL);
	if (c < 0)
		return die("accept");
	while ((r = read(c, buf, sizeof(buf))) > 0)
		total += r;
	if (r < 0)
		return die("read");
	close(c);
	close(fd);
	printf("%lld\n", total);
	return 0;
}

static int do_send(char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char buf[65536];
	ssize_t r, w, off;
	int fd = -1, in, tries;

	if (sockaddr_of(argv[0], argv[1], &ss, &len))
		return usage();
	in = open(argv[2], O_RDONLY);
	if (in < 0)
		return die(argv[2]);
	for (tries = 0; tries < 200; tries++) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };

		fd = socket(ss.ss_family, SOCK_STREAM, 0);
		if (fd < 0)
			return die("socket");
		if (!connect(fd, (struct sockaddr *)&ss, len))
			break;
		close(fd);
		fd = -1;
		if (errno != ECONNREFUSED)
			return die("connect");
		nanosleep(&ts, NULL);
	}
	if (fd < 0)
		return die("connect");
	while ((r = read(in, buf, sizeof(buf))) > 0)
		for (off = 0; off < r; off += w)
			if ((w = write(fd, buf + off, r - off)) <= 0)
				return die("write");
	if (r < 0)
		return die("read");
	shutdown(fd, SHUT_WR);
	while ((r = read(fd, buf, sizeof(buf))) > 0)	/* until the sink closes */
		;
	close(fd);
	close(in);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 6 && !strcmp(argv[1], "udp"))
		return do_udp(argv + 2);
	if (argc == 3 && !strcmp(argv[1], "tcp-sink"))
		return do_sink(argv + 2);
	if (argc == 5 && !strcmp(argv[1], "tcp-send"))
		return do_send(argv + 2);
	return usage();
}
