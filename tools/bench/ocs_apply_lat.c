// SPDX-License-Identifier: GPL-2.0
/*
 * APPLY latency of an OCS: from the entry of the APPLY ioctl to the
 * switch-started event's timestamp (same CLOCK_MONOTONIC), for a small
 * batch (one duplex circuit moves: 3 ports) and for a REPLACE of the whole
 * port set (every port changes).  Baseline in the same run: the round
 * trip of the read-only INFO ioctl.  Set switch_delay_us to 0 first.
 *
 *   ocs_apply_lat OCS ITERATIONS
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ocs_client.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct stats {
	double median_us, p99_us;
};

static struct stats summarize(uint64_t *v, int n)
{
	struct stats s;

	qsort(v, (size_t)n, sizeof(*v), cmp_u64);
	s.median_us = (double)v[n / 2] / 1000.0;
	s.p99_us = (double)v[(n * 99) / 100] / 1000.0;
	return s;
}

/* One APPLY of @xc; returns ns from ioctl entry to the START event. */
static int apply_once(int fd, int rfd, struct mixnet_xconnect *xc, uint32_t n, uint64_t *lat)
{
	struct mixnet_ocs_apply req = {
		.mode = MIXNET_OCS_APPLY_REPLACE, .flags = MIXNET_OCS_APPLY_F_WAIT_IDLE,
		.count = n, .xconnects = (uintptr_t)xc,
	};
	struct mixnet_ocs_event ev;
	uint64_t t0;
	int err, got, start_seen = 0;

	t0 = now_ns();
	err = ocs_apply(fd, &req);
	if (err)
		return err;
	/* Drain to this switch's DONE so the next one starts idle. */
	for (;;) {
		got = ocs_read_events(rfd, &ev, 1, 5000);
		if (got <= 0)
			return got ? got : -ETIMEDOUT;
		if (ev.generation != req.generation)
			continue;
		if (ev.type == MIXNET_OCS_EV_SWITCH_START) {
			*lat = ev.timestamp_ns - t0;
			start_seen = 1;
		} else if (ev.type == MIXNET_OCS_EV_SWITCH_DONE && start_seen) {
			return 0;
		}
	}
}

int main(int argc, char **argv)
{
	struct mixnet_xconnect *a, *b, small[2][2] = { { { 0, 1 }, { 1, 0 } }, { { 0, 2 }, { 2, 0 } } };
	struct mixnet_ocs_info info;
	uint64_t *lat_small, *lat_full, *lat_info, t0;
	struct stats s_small, s_full, s_info;
	int fd, rfd, iters, i, err;
	uint32_t id, p, n;

	if (argc != 3 || ocs_parse_name(argv[1], &id) || (iters = atoi(argv[2])) < 10) {
		fprintf(stderr, "usage: ocs_apply_lat OCS ITERATIONS(>=10)\n");
		return 2;
	}
	fd = ocs_open(id, O_RDWR);
	rfd = ocs_open(id, O_RDONLY);
	if (fd < 0 || rfd < 0 || ocs_info(fd, &info)) {
		fprintf(stderr, "cannot open %s\n", argv[1]);
		return 1;
	}
	n = info.nports & ~1u;
	a = calloc(n, sizeof(*a));
	b = calloc(n, sizeof(*b));
	lat_small = calloc((size_t)iters, sizeof(uint64_t));
	lat_full = calloc((size_t)iters, sizeof(uint64_t));
	lat_info = calloc((size_t)iters, sizeof(uint64_t));
	if (!a || !b || !lat_small || !lat_full || !lat_info)
		return 1;
	/* Two perfect matchings with no circuit in common: every port moves. */
	/* a: p <-> p^1; b: even p <-> p+3, odd p <-> p-3 (mod n, n >= 8). */
	for (p = 0; p < n; p++) {
		a[p] = (struct mixnet_xconnect){ p, p ^ 1 };
		b[p] = (struct mixnet_xconnect){ p, p % 2 ? (p + n - 3) % n : (p + 3) % n };
	}

	for (i = 0; i < iters; i++) {
		t0 = now_ns();
		if (ocs_info(fd, &info))
			return 1;
		lat_info[i] = now_ns() - t0;
	}
	for (i = 0; i < iters; i++) {
		err = apply_once(fd, rfd, small[i % 2], 2, &lat_small[i]);
		if (err) {
			fprintf(stderr, "small apply: %s\n", strerror(-err));
			return 1;
		}
	}
	for (i = 0; i < iters; i++) {
		err = apply_once(fd, rfd, i % 2 ? b : a, n, &lat_full[i]);
		if (err) {
			fprintf(stderr, "full apply: %s\n", strerror(-err));
			return 1;
		}
	}
	s_info = summarize(lat_info, iters);
	s_small = summarize(lat_small, iters);
	s_full = summarize(lat_full, iters);
	printf("info_ioctl_us median=%.1f p99=%.1f\n", s_info.median_us, s_info.p99_us);
	printf("apply_small_to_start_us median=%.1f p99=%.1f\n", s_small.median_us, s_small.p99_us);
	printf("apply_full%u_to_start_us median=%.1f p99=%.1f\n", n, s_full.median_us, s_full.p99_us);
	printf("ratio apply_small/info_ioctl=%.2f apply_full%u/info_ioctl=%.2f apply_full%u/25ms_switch=%.4f\n",
	       s_small.median_us / s_info.median_us, n, s_full.median_us / s_info.median_us, n,
	       s_full.median_us / 25000.0);
	free(a);
	free(b);
	free(lat_small);
	free(lat_full);
	free(lat_info);
	close(rfd);
	close(fd);
	return 0;
}
