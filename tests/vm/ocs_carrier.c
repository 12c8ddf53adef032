// SPDX-License-Identifier: GPL-2.0
/*
 * vm tier helper: how long a port's carrier stays down across a switch,
 * seen from userspace.  Applies a REPLACE batch to ocsN and polls
 * /sys/class/net/IFNAME/carrier until the carrier is back.
 *
 *   ocs_carrier OCS IFNAME A:B ...
 *
 * Prints "lower_us=L upper_us=U kernel_us=K gap_us=G":
 *   L  last poll that saw the carrier down - return of the APPLY ioctl
 *      (the carrier was down at least this long)
 *   U  first poll that saw it up again - entry of the APPLY ioctl
 *      (it was down at most this long)
 *   K  switch done - switch start, from the kernel's timestamps
 *   G  longest gap between two polls
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

static int carrier(int cfd)
{
	char c;

	if (pread(cfd, &c, 1, 0) != 1)
		return -1;
	return c == '1';
}

int main(int argc, char **argv)
{
	struct mixnet_ocs_apply req = { .mode = MIXNET_OCS_APPLY_REPLACE };
	uint64_t t_before, t_after, t_last_down = 0, t_up = 0, t_prev, t, gap = 0, deadline;
	struct mixnet_ocs_info info;
	struct ocs_parse_err perr;
	struct ocs_xc_list list;
	char path[128];
	uint32_t id;
	int fd, cfd, err, c, seen_down = 0;

	if (argc < 4 || ocs_parse_name(argv[1], &id)) {
		fprintf(stderr, "usage: ocs_carrier OCS IFNAME A:B ...\n");
		return 2;
	}
	fd = ocs_open(id, O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "open %s: %s\n", argv[1], strerror(-fd));
		return 1;
	}
	if (ocs_xc_list_parse(&list, argc - 3, argv + 3, true, 0, &perr)) {
		fprintf(stderr, "%s\n", perr.msg);
		return 2;
	}
	snprintf(path, sizeof(path), "/sys/class/net/%s/carrier", argv[2]);
	cfd = open(path, O_RDONLY);
	if (cfd < 0 || carrier(cfd) < 0) {
		fprintf(stderr, "%s: %s (is the port up?)\n", path, strerror(errno));
		return 1;
	}
	req.count = list.count;
	req.xconnects = (uintptr_t)list.xc;
	req.flags = MIXNET_OCS_APPLY_F_WAIT_IDLE;

	t_before = now_ns();
	err = ocs_apply(fd, &req);
	t_after = now_ns();
	if (err) {
		fprintf(stderr, "apply: %s\n", strerror(-err));
		return 1;
	}
	t_prev = t_after;
	deadline = t_after + 20ull * 1000000000ull;
	for (;;) {
		c = carrier(cfd);
		t = now_ns();
		if (t - t_prev > gap)
			gap = t - t_prev;
		t_prev = t;
		if (c == 0) {
			seen_down = 1;
			t_last_down = t;
		} else if (c == 1 && seen_down) {
			t_up = t;
			break;
		} else if (c == 1) {
			fprintf(stderr, "%s never lost carrier\n", argv[2]);
			return 1;
		}
		if (t > deadline) {
			fprintf(stderr, "%s did not regain carrier within 20 s\n", argv[2]);
			return 1;
		}
	}
	/* The switch may still be settling for other ports: wait for it. */
	do {
		err = ocs_info(fd, &info);
	} while (!err && info.state != MIXNET_OCS_STATE_IDLE && !usleep(1000));
	if (err)
		return 1;
	printf("lower_us=%llu upper_us=%llu kernel_us=%llu gap_us=%llu\n",
	       (unsigned long long)(t_last_down - t_after) / 1000,
	       (unsigned long long)(t_up - t_before) / 1000,
	       (unsigned long long)(info.last_switch_done_ns - info.last_switch_start_ns) / 1000,
	       (unsigned long long)gap / 1000);
	ocs_xc_list_free(&list);
	close(cfd);
	close(fd);
	return 0;
}
