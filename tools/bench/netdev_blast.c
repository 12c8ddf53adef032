// SPDX-License-Identifier: GPL-2.0
/*
 * netdev_blast: send 64-byte UDP datagrams round-robin to a set of IPv4
 * destinations as fast as one thread can (sendmmsg, 64 a call), for a
 * number of seconds; print "packets N seconds S pps P".
 *
 *   netdev_blast SECONDS FIRST_INDEX STRIDE COUNT
 *
 * Destination k is 198.18.0.0 + FIRST_INDEX + k * STRIDE (k < COUNT),
 * the addresses tests/vm/netdev_nl fill installs routes for.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct mmsghdr msgs[BATCH];
	struct iovec iov = { 0 };
	struct sockaddr_in *dst;
	char payload[64] = "mixnet bench";
	unsigned long first, stride, count, k = 0, sent = 0;
	double secs, t0, t;
	int fd, i;

	if (argc != 5) {
		fprintf(stderr, "usage: netdev_blast SECONDS FIRST_INDEX STRIDE COUNT\n");
		return 2;
	}
	secs = atof(argv[1]);
	first = strtoul(argv[2], NULL, 10);
	stride = strtoul(argv[3], NULL, 10);
	count = strtoul(argv[4], NULL, 10);
	if (secs <= 0 || !count || first + (count - 1) * stride >= 131072) {
		fprintf(stderr, "netdev_blast: bad arguments\n");
		return 2;
	}
	dst = calloc(count, sizeof(*dst));
	if (!dst)
		return 1;
	for (k = 0; k < count; k++) {
		dst[k].sin_family = AF_INET;
		dst[k].sin_port = htons(9);
		dst[k].sin_addr.s_addr = htonl((198U << 24 | 18U << 16) + (uint32_t)(first + k * stride));
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	iov.iov_base = payload;
	iov.iov_len = sizeof(payload);
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BATCH; i++) {
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_namelen = sizeof(*dst);
	}

	k = 0;
	t0 = now();
	do {
		int n;

		for (i = 0; i < BATCH; i++) {
			msgs[i].msg_hdr.msg_name = &dst[k];
			k = k + 1 == count ? 0 : k + 1;
		}
		n = sendmmsg(fd, msgs, BATCH, 0);
		if (n < 0 && errno != ENOBUFS && errno != EAGAIN) {
			perror("sendmmsg");
			return 1;
		}
		if (n > 0)
			sent += (unsigned long)n;
		t = now();
	} while (t - t0 < secs);
	printf("packets %lu seconds %.3f pps %.0f\n", sent, t - t0, (double)sent / (t - t0));
	close(fd);
	free(dst);
	return 0;
}
