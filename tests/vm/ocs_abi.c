// SPDX-License-Identifier: GPL-2.0
/*
 * vm tier: the /dev/mixnet/ocsN ABI, driven with raw ioctls (malformed
 * requests included).  Run by t-ocs-abi.sh with mixnet.ko loaded and an
 * 8-port simulated ocs$MIXNET_OCS.  Every rejected request must leave the
 * cross-connects and the generation exactly as they were.
 *
 *   ocs_abi                 run the Check suite
 *   ocs_abi --fd N info     INFO on an inherited descriptor (prints errno name)
 *   ocs_abi --fd N apply    APPLY 0:1 on an inherited descriptor
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "ocs_client.h"

#define NPORTS 8

static uint32_t ocs_id;
static int fd = -1;

static void sysfs_write(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");

	ck_assert_msg(f, "open %s: %s", path, strerror(errno));
	fputs(val, f);
	ck_assert_msg(fclose(f) == 0, "write %s to %s: %s", val, path, strerror(errno));
}

static void set_delay_us(unsigned int us)
{
	char path[128], val[32];

	snprintf(path, sizeof(path), OCS_SYSFS_CLASS_DIR "/ocs%u/switch_delay_us", ocs_id);
	snprintf(val, sizeof(val), "%u", us);
	sysfs_write(path, val);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int apply_raw(struct mixnet_ocs_apply *a)
{
	return ioctl(fd, MIXNET_OCS_IOC_APPLY, a) ? errno : 0;
}

/* Apply xconnects (pairs of u32 tx,rx) with mode and flags; errno or 0. */
static int apply_xc(uint32_t mode, uint32_t flags, const uint32_t *txrx, uint32_t n,
		    struct mixnet_ocs_apply *out)
{
	struct mixnet_ocs_apply a = {
		.version = MIXNET_UAPI_VERSION, .mode = mode, .flags = flags, .count = n,
		.xconnects = (uintptr_t)txrx,
	};
	int err = apply_raw(&a);

	if (out)
		*out = a;
	return err;
}

static uint64_t generation(void)
{
	struct mixnet_ocs_info info;

	ck_assert_int_eq(ocs_info(fd, &info), 0);
	return info.generation;
}

/* The whole state as a string, to compare before and after. */
static void snapshot(char *buf, size_t len)
{
	struct mixnet_xconnect *xc;
	uint32_t n, i;
	uint64_t gen;
	size_t off;

	ck_assert_int_eq(ocs_get(fd, &xc, &n, &gen), 0);
	off = (size_t)snprintf(buf, len, "gen=%llu:", (unsigned long long)gen);
	for (i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, " %u>%u", xc[i].tx, xc[i].rx);
	free(xc);
}

static void wait_idle(void)
{
	struct mixnet_ocs_info info;
	int i;

	for (i = 0; i < 2000; i++) {
		ck_assert_int_eq(ocs_info(fd, &info), 0);
		if (info.state == MIXNET_OCS_STATE_IDLE)
			return;
		usleep(1000);
	}
	ck_abort_msg("OCS stuck switching");
}

static void setup(void)
{
	fd = ocs_open(ocs_id, O_RDWR);
	ck_assert_msg(fd >= 0, "open ocs%u: %s", ocs_id, strerror(-fd));
	set_delay_us(2000);
	wait_idle();
	ck_assert_int_eq(apply_xc(MIXNET_OCS_APPLY_REPLACE, MIXNET_OCS_APPLY_F_WAIT_DONE, NULL, 0,
				  NULL), 0);
}

static void teardown(void)
{
	if (fd >= 0)
		close(fd);
	fd = -1;
}

START_TEST(test_info)
{
	struct mixnet_ocs_info info;

	ck_assert_int_eq(ocs_info(fd, &info), 0);
	ck_assert_uint_eq(info.version, MIXNET_UAPI_VERSION);
	ck_assert_uint_eq(info.id, ocs_id);
	ck_assert_uint_eq(info.nports, NPORTS);
	ck_assert_uint_eq(info.backend, MIXNET_OCS_BACKEND_SIM);
	ck_assert_str_eq(info.backend_name, "sim");
	ck_assert_uint_eq(info.state, MIXNET_OCS_STATE_IDLE);
	ck_assert_uint_eq(info.switch_delay_us, 2000);
	ck_assert_uint_eq(info.nxconnects, 0);
	ck_assert(!info.reserved[0] && !info.reserved[1] && !info.reserved[2] && !info.reserved[3]);
	ck_assert_int_eq(ioctl(fd, _IO(MIXNET_OCS_IOC_MAGIC, 0x7f)), -1);
	ck_assert_int_eq(errno, ENOTTY);
}
END_TEST

struct bad_case {
	const char *what;
	int err;
	int32_t index;
	uint32_t in_release;
};

/* Every malformed request fails with the right errno and index, changing nothing. */
START_TEST(test_validation_leaves_state)
{
	const uint32_t base[] = { 0, 1, 1, 0, 2, 3 };
	struct mixnet_xconnect xc[NPORTS + 2];
	struct mixnet_ocs_release rel[NPORTS + 2];
	char before[512], after[512];
	struct mixnet_ocs_apply a;
	int i;

	ck_assert_int_eq(apply_xc(MIXNET_OCS_APPLY_REPLACE, MIXNET_OCS_APPLY_F_WAIT_DONE, base, 3,
				  NULL), 0);
	snapshot(before, sizeof(before));

#define RESET(mode_) do { memset(&a, 0, sizeof(a)); a.version = MIXNET_UAPI_VERSION; \
		a.mode = (mode_); a.xconnects = (uintptr_t)xc; a.release = (uintptr_t)rel; \
		memset(xc, 0, sizeof(xc)); memset(rel, 0, sizeof(rel)); } while (0)
#define EXPECT(what_, err_, idx_, inrel_) do { \
		int e_ = apply_raw(&a); \
		ck_assert_msg(e_ == (err_), "%s: errno %d (%s), want %d", what_, e_, strerror(e_), (err_)); \
		ck_assert_msg(a.err_index == (idx_), "%s: err_index %d, want %d", what_, a.err_index, (idx_)); \
		ck_assert_msg(a.err_in_release == (inrel_), "%s: err_in_release %u", what_, a.err_in_release); \
		snapshot(after, sizeof(after)); \
		ck_assert_msg(!strcmp(before, after), "%s changed the state: %s -> %s", what_, before, after); \
	} while (0)

	RESET(MIXNET_OCS_APPLY_REPLACE); a.version = 99;
	EXPECT("bad version", EINVAL, -1, 0);
	RESET(7);
	EXPECT("bad mode", EINVAL, -1, 0);
	RESET(MIXNET_OCS_APPLY_REPLACE); a.flags = 1u << 10;
	EXPECT("unknown flag", EINVAL, -1, 0);
	RESET(MIXNET_OCS_APPLY_REPLACE); a.reserved[1] = 1;
	EXPECT("reserved field set", EINVAL, -1, 0);
	RESET(MIXNET_OCS_APPLY_REPLACE); a.expected_generation = 3;
	EXPECT("generation without F_EXPECT_GEN", EINVAL, -1, 0);
	RESET(MIXNET_OCS_APPLY_REPLACE); a.nrelease = 1; rel[0] = (struct mixnet_ocs_release){ 0, 1 };
	EXPECT("release with REPLACE", EINVAL, -1, 0);
	RESET(MIXNET_OCS_APPLY_REPLACE); a.count = NPORTS + 1;
	for (i = 0; i < NPORTS + 1; i++)
		xc[i] = (struct mixnet_xconnect){ (uint32_t)i % NPORTS, (uint32_t)(i + 1) % NPORTS };
	EXPECT("count over nports", E2BIG, -1, 0);
	RESET(MIXNET_OCS_APPLY_REPLACE); a.count = 0xffffffffu;
	EXPECT("count 2^32-1", E2BIG, -1, 0);
	RESET(MIXNET_OCS_APPLY_MERGE); a.nrelease = NPORTS + 1;
	EXPECT("nrelease over nports", E2BIG, -1, 0);

	RESET(MIXNET_OCS_APPLY_REPLACE); a.count = 2;
	xc[0] = (struct mixnet_xconnect){ 4, 5 }; xc[1] = (struct mixnet_xconnect){ NPORTS, 6 };
	EXPECT("tx out of range", EINVAL, 1, 0);
	RESET(MIXNET_OCS_APPLY_REPLACE); a.count = 1; xc[0] = (struct mixnet_xconnect){ 4, 0x80000000u };
	EXPECT("rx out of range", EINVAL, 0, 0);
	RESET(MIXNET_OCS_APPLY_REPLACE); a.count = 3;
	xc[0] = (struct mixnet_xconnect){ 4, 5 }; xc[1] = (struct mixnet_xconnect){ 5, 4 };
	xc[2] = (struct mixnet_xconnect){ 6, 6 };
	EXPECT("self-loop", EINVAL, 2, 0);
	RESET(MIXNET_OCS_APPLY_REPLACE); a.count = 3;
	xc[0] = (struct mixnet_xconnect){ 4, 5 }; xc[1] = (struct mixnet_xconnect){ 6, 7 };
	xc[2] = (struct mixnet_xconnect){ 4, 7 };
	EXPECT("tx used twice", EINVAL, 2, 0);
	RESET(MIXNET_OCS_APPLY_REPLACE); a.count = 2;
	xc[0] = (struct mixnet_xconnect){ 4, 5 }; xc[1] = (struct mixnet_xconnect){ 6, 5 };
	EXPECT("rx used twice", EINVAL, 1, 0);
	RESET(MIXNET_OCS_APPLY_MERGE); a.nrelease = 2;
	rel[0] = (struct mixnet_ocs_release){ 1, MIXNET_OCS_RELEASE_TX };
	rel[1] = (struct mixnet_ocs_release){ NPORTS, MIXNET_OCS_RELEASE_TX };
	EXPECT("release port out of range", EINVAL, 1, 1);
	RESET(MIXNET_OCS_APPLY_MERGE); a.nrelease = 1; rel[0] = (struct mixnet_ocs_release){ 1, 0 };
	EXPECT("release without sides", EINVAL, 0, 1);
	RESET(MIXNET_OCS_APPLY_MERGE); a.nrelease = 1; rel[0] = (struct mixnet_ocs_release){ 1, 4 };
	EXPECT("release unknown side", EINVAL, 0, 1);
	RESET(MIXNET_OCS_APPLY_MERGE); a.nrelease = 2;
	rel[0] = (struct mixnet_ocs_release){ 1, 1 }; rel[1] = (struct mixnet_ocs_release){ 1, 2 };
	EXPECT("release port twice", EINVAL, 1, 1);
	RESET(MIXNET_OCS_APPLY_MERGE); a.count = 2;
	xc[0] = (struct mixnet_xconnect){ 4, 5 }; xc[1] = (struct mixnet_xconnect){ 0, 6 };
	EXPECT("merge onto a busy TX", EADDRINUSE, 1, 0);
	RESET(MIXNET_OCS_APPLY_MERGE); a.count = 1; xc[0] = (struct mixnet_xconnect){ 4, 3 };
	EXPECT("merge onto a busy RX", EADDRINUSE, 0, 0);
	RESET(MIXNET_OCS_APPLY_MERGE); a.count = 1; a.nrelease = 1;
	xc[0] = (struct mixnet_xconnect){ 0, 4 }; rel[0] = (struct mixnet_ocs_release){ 0, MIXNET_OCS_RELEASE_RX };
	EXPECT("release of the wrong side", EADDRINUSE, 0, 0);
	RESET(MIXNET_OCS_APPLY_REPLACE); a.count = 1; a.xconnects = 8;
	EXPECT("bad user pointer", EFAULT, -1, 0);
	RESET(MIXNET_OCS_APPLY_REPLACE); a.flags = MIXNET_OCS_APPLY_F_EXPECT_GEN;
	a.expected_generation = generation() + 1;
	EXPECT("stale generation", ESTALE, -1, 0);
	ck_assert_uint_eq(a.generation, generation());
#undef EXPECT
#undef RESET
}
END_TEST

/* The fault knob fails one APPLY after validation, then lets the next through. */
START_TEST(test_fault_fail_next_apply)
{
	const uint32_t xc[] = { 0, 1 };
	char path[128], before[512], after[512];
	struct mixnet_ocs_apply a;

	snapshot(before, sizeof(before));
	snprintf(path, sizeof(path), "/sys/kernel/debug/mixnet/ocs%u/fail_next_apply", ocs_id);
	sysfs_write(path, "5");
	ck_assert_int_eq(apply_xc(MIXNET_OCS_APPLY_REPLACE, MIXNET_OCS_APPLY_F_DRY_RUN, xc, 1, &a), 0);
	ck_assert_int_eq(apply_xc(MIXNET_OCS_APPLY_REPLACE, 0, xc, 1, &a), EIO);
	snapshot(after, sizeof(after));
	ck_assert_str_eq(before, after);
	ck_assert_int_eq(apply_xc(MIXNET_OCS_APPLY_REPLACE, MIXNET_OCS_APPLY_F_WAIT_DONE, xc, 1, &a), 0);
	ck_assert_uint_eq(a.changed_ports, 2);
}
END_TEST

static void expect_set(const char *want)
{
	char got[512];
	const char *colon;

	snapshot(got, sizeof(got));
	colon = strchr(got, ':');
	ck_assert_str_eq(colon + 1, want);
}

START_TEST(test_replace_vs_merge)
{
	const uint32_t d01[] = { 0, 1, 1, 0 }, d23[] = { 2, 3, 3, 2 }, d45[] = { 4, 5, 5, 4 };
	const uint32_t s26[] = { 2, 6, 6, 2 };
	struct mixnet_ocs_release rel[] = { { 2, MIXNET_OCS_RELEASE_TX | MIXNET_OCS_RELEASE_RX } };
	struct mixnet_ocs_apply a = { .version = MIXNET_UAPI_VERSION, .mode = MIXNET_OCS_APPLY_MERGE,
				      .flags = MIXNET_OCS_APPLY_F_WAIT_DONE, .count = 2,
				      .xconnects = (uintptr_t)s26, .release = (uintptr_t)rel,
				      .nrelease = 1 };
	struct mixnet_ocs_apply b;
	uint64_t g;

	ck_assert_int_eq(apply_xc(MIXNET_OCS_APPLY_REPLACE, MIXNET_OCS_APPLY_F_WAIT_DONE, d01, 2, NULL), 0);
	expect_set(" 0>1 1>0");
	/* REPLACE: the batch is the whole set. */
	ck_assert_int_eq(apply_xc(MIXNET_OCS_APPLY_REPLACE, MIXNET_OCS_APPLY_F_WAIT_DONE, d23, 2, NULL), 0);
	expect_set(" 2>3 3>2");
	/* MERGE: added to it. */
	ck_assert_int_eq(apply_xc(MIXNET_OCS_APPLY_MERGE, MIXNET_OCS_APPLY_F_WAIT_DONE, d45, 2, NULL), 0);
	expect_set(" 2>3 3>2 4>5 5>4");
	/* MERGE with a release: 2 leaves 3 (both ways) for 6. */
	ck_assert_int_eq(apply_raw(&a), 0);
	ck_assert_uint_eq(a.changed_ports, 3);	/* 2, 3 and 6 */
	expect_set(" 2>6 4>5 5>4 6>2");
	/* MERGE of what is already there changes nothing, not even the generation. */
	g = generation();
	ck_assert_int_eq(apply_xc(MIXNET_OCS_APPLY_MERGE, 0, d45, 2, &b), 0);
	ck_assert_uint_eq(b.changed_ports, 0);
	ck_assert_uint_eq(b.generation, g);
	ck_assert_uint_eq(generation(), g);
	/* Release only: MERGE with count 0 disconnects. */
	rel[0] = (struct mixnet_ocs_release){ 4, MIXNET_OCS_RELEASE_TX };
	a.count = 0;
	ck_assert_int_eq(apply_raw(&a), 0);
	ck_assert_uint_eq(a.changed_ports, 2);	/* 4 and 5 */
	expect_set(" 2>6 5>4 6>2");
	/* An empty REPLACE clears. */
	ck_assert_int_eq(apply_xc(MIXNET_OCS_APPLY_REPLACE, MIXNET_OCS_APPLY_F_WAIT_DONE, NULL, 0, NULL), 0);
	expect_set("");
}
END_TEST

START_TEST(test_generation)
{
	const uint32_t d01[] = { 0, 1, 1, 0 }, d02[] = { 0, 2, 2, 0 };
	struct mixnet_ocs_apply a;
	struct mixnet_ocs_info info;
	uint64_t g0 = generation();

	ck_assert_int_eq(apply_xc(MIXNET_OCS_APPLY_REPLACE, MIXNET_OCS_APPLY_F_WAIT_DONE, d01, 2, &a), 0);
	ck_assert_uint_eq(a.generation, g0 + 1);
	ck_assert_uint_eq(generation(), g0 + 1);
	a = (struct mixnet_ocs_apply){ .version = MIXNET_UAPI_VERSION,
		.flags = MIXNET_OCS_APPLY_F_EXPECT_GEN | MIXNET_OCS_APPLY_F_WAIT_DONE,
		.expected_generation = g0, .count = 2, .xconnects = (uintptr_t)d02 };
	ck_assert_int_eq(apply_raw(&a), ESTALE);
	ck_assert_uint_eq(a.generation, g0 + 1);	/* tells the current one */
	a.expected_generation = g0 + 1;
	ck_assert_int_eq(apply_raw(&a), 0);
	ck_assert_uint_eq(a.generation, g0 + 2);
	ck_assert_uint_eq(a.changed_ports, 3);		/* 0, 1, 2 */
	ck_assert_int_eq(ocs_info(fd, &info), 0);
	ck_assert_uint_eq(info.nxconnects, 2);
	ck_assert_uint_ge(info.reconfigs, 2);
	ck_assert_uint_ge(info.last_switch_done_ns - info.last_switch_start_ns, 2000 * 1000);
}
END_TEST

START_TEST(test_dry_run)
{
	const uint32_t d01[] = { 0, 1, 1, 0 }, bad[] = { 0, 1, 2, 1 };
	char before[512], after[512];
	struct mixnet_ocs_apply a;

	snapshot(before, sizeof(before));
	ck_assert_int_eq(apply_xc(MIXNET_OCS_APPLY_REPLACE, MIXNET_OCS_APPLY_F_DRY_RUN, d01, 2, &a), 0);
	ck_assert_uint_eq(a.changed_ports, 2);
	ck_assert_int_eq(a.err_index, -1);
	ck_assert_int_eq(apply_xc(MIXNET_OCS_APPLY_REPLACE, MIXNET_OCS_APPLY_F_DRY_RUN, bad, 2, &a), EINVAL);
	ck_assert_int_eq(a.err_index, 1);
	snapshot(after, sizeof(after));
	ck_assert_str_eq(before, after);

	/* A dry run is not refused while a switch is in progress. */
	set_delay_us(300000);
	ck_assert_int_eq(apply_xc(MIXNET_OCS_APPLY_REPLACE, 0, d01, 2, &a), 0);
	ck_assert_int_eq(apply_xc(MIXNET_OCS_APPLY_REPLACE, MIXNET_OCS_APPLY_F_DRY_RUN, NULL, 0, &a), 0);
	ck_assert_uint_eq(a.changed_ports, 2);
	wait_idle();
}
END_TEST

START_TEST(test_get_small_buffer)
{
	const uint32_t six[] = { 0, 1, 1, 0, 2, 3, 3, 2, 4, 5, 5, 4 };
	struct mixnet_xconnect buf[16];
	struct mixnet_ocs_get g;
	unsigned char *p = (unsigned char *)buf;
	size_t i;

	ck_assert_int_eq(apply_xc(MIXNET_OCS_APPLY_REPLACE, MIXNET_OCS_APPLY_F_WAIT_DONE, six, 6, NULL), 0);
	memset(&g, 0, sizeof(g));
	g.version = MIXNET_UAPI_VERSION;
	ck_assert_int_eq(ioctl(fd, MIXNET_OCS_IOC_GET, &g), -1);
	ck_assert_int_eq(errno, ENOSPC);
	ck_assert_uint_eq(g.count, 6);
	ck_assert_uint_eq(g.generation, generation());

	memset(buf, 0xaa, sizeof(buf));
	g.count = 5;
	g.xconnects = (uintptr_t)buf;
	ck_assert_int_eq(ioctl(fd, MIXNET_OCS_IOC_GET, &g), -1);
	ck_assert_int_eq(errno, ENOSPC);
	ck_assert_uint_eq(g.count, 6);
	for (i = 0; i < sizeof(buf); i++)
		ck_assert_msg(p[i] == 0xaa, "GET wrote into a too small buffer");

	g.count = 6;
	ck_assert_int_eq(ioctl(fd, MIXNET_OCS_IOC_GET, &g), 0);
	ck_assert_uint_eq(g.count, 6);
	ck_assert_uint_eq(buf[0].tx, 0);
	ck_assert_uint_eq(buf[0].rx, 1);
	ck_assert_uint_eq(buf[5].tx, 5);
	ck_assert_uint_eq(buf[5].rx, 4);
	ck_assert_uint_eq(buf[6].tx, 0xaaaaaaaau);	/* nothing past the count */

	g.count = 16;
	ck_assert_int_eq(ioctl(fd, MIXNET_OCS_IOC_GET, &g), 0);
	ck_assert_uint_eq(g.count, 6);

	g.version = 0;
	ck_assert_int_eq(ioctl(fd, MIXNET_OCS_IOC_GET, &g), -1);
	ck_assert_int_eq(errno, EINVAL);
	g.version = MIXNET_UAPI_VERSION;
	g.reserved[0] = 1;
	ck_assert_int_eq(ioctl(fd, MIXNET_OCS_IOC_GET, &g), -1);
	ck_assert_int_eq(errno, EINVAL);
	g.reserved[0] = 0;
	g.xconnects = 8;
	ck_assert_int_eq(ioctl(fd, MIXNET_OCS_IOC_GET, &g), -1);
	ck_assert_int_eq(errno, EFAULT);
}
END_TEST

START_TEST(test_busy_and_wait)
{
	const uint32_t d01[] = { 0, 1, 1, 0 }, d23[] = { 2, 3, 3, 2 };
	struct mixnet_ocs_info info;
	struct mixnet_ocs_apply a;
	char before[512], after[512];
	uint64_t t0, t1;

	set_delay_us(200000);
	ck_assert_int_eq(apply_xc(MIXNET_OCS_APPLY_REPLACE, 0, d01, 2, &a), 0);
	ck_assert_int_eq(ocs_info(fd, &info), 0);
	ck_assert_uint_eq(info.state, MIXNET_OCS_STATE_SWITCHING);
	ck_assert_uint_eq(info.switching_ports, 2);
	snapshot(before, sizeof(before));
	ck_assert_int_eq(apply_xc(MIXNET_OCS_APPLY_MERGE, 0, d23, 2, &a), EBUSY);
	snapshot(after, sizeof(after));
	ck_assert_str_eq(before, after);

	/* WAIT_IDLE queues behind the switch, WAIT_DONE returns after its own. */
	t0 = now_ns();
	ck_assert_int_eq(apply_xc(MIXNET_OCS_APPLY_MERGE,
				  MIXNET_OCS_APPLY_F_WAIT_IDLE | MIXNET_OCS_APPLY_F_WAIT_DONE,
				  d23, 2, &a), 0);
	t1 = now_ns();
	ck_assert_int_eq(ocs_info(fd, &info), 0);
	ck_assert_uint_eq(info.state, MIXNET_OCS_STATE_IDLE);
	ck_assert_uint_eq(info.generation, a.generation);
	ck_assert_uint_ge(info.last_switch_done_ns - info.last_switch_start_ns, 200000ull * 1000);
	ck_assert_uint_ge(t1 - t0, 200000ull * 1000);	/* its own switch at least */
	expect_set(" 0>1 1>0 2>3 3>2");
}
END_TEST

static int read_events(int rfd, struct mixnet_ocs_event *ev, size_t max)
{
	ssize_t n = read(rfd, ev, max * sizeof(*ev));

	ck_assert_msg(n >= 0, "read events: %s", strerror(errno));
	ck_assert_int_eq(n % (ssize_t)sizeof(*ev), 0);
	return (int)(n / (ssize_t)sizeof(*ev));
}

START_TEST(test_events_two_readers)
{
	const uint32_t sets[3][4] = { { 0, 1, 1, 0 }, { 0, 2, 2, 0 }, { 4, 5, 5, 4 } };
	const uint32_t changed[3] = { 2, 3, 4 };
	struct mixnet_ocs_event ev[2][16];
	int r[2], i, k, n;
	uint64_t g0;

	r[0] = ocs_open(ocs_id, O_RDONLY | O_NONBLOCK);
	r[1] = ocs_open(ocs_id, O_RDONLY | O_NONBLOCK);
	ck_assert(r[0] >= 0 && r[1] >= 0);
	g0 = generation();
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(apply_xc(MIXNET_OCS_APPLY_REPLACE, MIXNET_OCS_APPLY_F_WAIT_DONE,
					  sets[i], 2, NULL), 0);
	for (k = 0; k < 2; k++) {
		n = read_events(r[k], ev[k], 16);
		ck_assert_int_eq(n, 6);
		for (i = 0; i < 6; i++) {
			const struct mixnet_ocs_event *e = &ev[k][i];

			ck_assert_uint_eq(e->version, MIXNET_UAPI_VERSION);
			ck_assert_uint_eq(e->type, i % 2 ? MIXNET_OCS_EV_SWITCH_DONE :
							   MIXNET_OCS_EV_SWITCH_START);
			ck_assert_uint_eq(e->generation, g0 + 1 + (uint64_t)i / 2);
			ck_assert_uint_eq(e->changed_ports, changed[i / 2]);
			ck_assert_uint_eq(e->lost, 0);
			if (i)
				ck_assert_uint_ge(e->timestamp_ns, ev[k][i - 1].timestamp_ns);
			if (i % 2)
				ck_assert_uint_ge(e->timestamp_ns - ev[k][i - 1].timestamp_ns,
						  2000ull * 1000);
		}
		/* Both readers saw the very same records. */
		if (k)
			ck_assert_int_eq(memcmp(ev[0], ev[1], 6 * sizeof(ev[0][0])), 0);
		ck_assert_int_eq(read(r[k], ev[k], sizeof(ev[k])), -1);
		ck_assert_int_eq(errno, EAGAIN);
	}
	/* Short reads are refused: records are never split. */
	ck_assert_int_eq(read(r[0], ev[0], sizeof(ev[0][0]) - 1), -1);
	ck_assert_int_eq(errno, EINVAL);
	close(r[0]);
	close(r[1]);
}
END_TEST

START_TEST(test_events_poll_and_overflow)
{
	const uint32_t a01[] = { 0, 1 }, a02[] = { 0, 2 };
	struct mixnet_ocs_event ev[300];
	struct pollfd pfd;
	int rfd, i, n, total = 0, cycles = 140;	/* 280 events > 256 slots */
	uint64_t g0;

	set_delay_us(0);
	rfd = ocs_open(ocs_id, O_RDONLY);
	ck_assert(rfd >= 0);
	pfd = (struct pollfd){ .fd = rfd, .events = POLLIN };
	ck_assert_int_eq(poll(&pfd, 1, 0), 0);	/* nothing yet */
	g0 = generation();
	for (i = 0; i < cycles; i++)
		ck_assert_int_eq(apply_xc(MIXNET_OCS_APPLY_REPLACE, MIXNET_OCS_APPLY_F_WAIT_IDLE |
					  MIXNET_OCS_APPLY_F_WAIT_DONE, i % 2 ? a02 : a01, 1, NULL), 0);
	ck_assert_int_eq(poll(&pfd, 1, 0), 1);
	ck_assert(pfd.revents & POLLIN);

	/* Read 10 records, then two more events arrive behind the loss. */
	n = read_events(rfd, ev, 10);
	ck_assert_int_eq(n, 10);
	total = n;
	ck_assert_int_eq(apply_xc(MIXNET_OCS_APPLY_REPLACE, MIXNET_OCS_APPLY_F_WAIT_IDLE |
				  MIXNET_OCS_APPLY_F_WAIT_DONE, NULL, 0, NULL), 0);
	while (total < MIXNET_OCS_EVENT_RING + 3) {
		n = read_events(rfd, ev + total, (size_t)(300 - total));
		ck_assert_int_gt(n, 0);
		total += n;
	}
	ck_assert_int_eq(total, MIXNET_OCS_EVENT_RING + 3);
	/* The first 256 in order, then the loss, then the newest two. */
	for (i = 0; i < MIXNET_OCS_EVENT_RING; i++) {
		ck_assert_uint_eq(ev[i].type, i % 2 ? MIXNET_OCS_EV_SWITCH_DONE : MIXNET_OCS_EV_SWITCH_START);
		ck_assert_uint_eq(ev[i].generation, g0 + 1 + (uint64_t)i / 2);
	}
	ck_assert_uint_eq(ev[MIXNET_OCS_EVENT_RING].type, MIXNET_OCS_EV_OVERFLOW);
	ck_assert_uint_eq(ev[MIXNET_OCS_EVENT_RING].lost, 2 * cycles - MIXNET_OCS_EVENT_RING);
	ck_assert_uint_eq(ev[MIXNET_OCS_EVENT_RING + 1].type, MIXNET_OCS_EV_SWITCH_START);
	ck_assert_uint_eq(ev[MIXNET_OCS_EVENT_RING + 1].generation, g0 + (uint64_t)cycles + 1);
	ck_assert_uint_eq(ev[MIXNET_OCS_EVENT_RING + 2].type, MIXNET_OCS_EV_SWITCH_DONE);
	close(rfd);
}
END_TEST

static Suite *ocs_abi_suite(void)
{
	Suite *s = suite_create("ocs_abi");
	TCase *tc = tcase_create("abi");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_info);
	tcase_add_test(tc, test_validation_leaves_state);
	tcase_add_test(tc, test_fault_fail_next_apply);
	tcase_add_test(tc, test_replace_vs_merge);
	tcase_add_test(tc, test_generation);
	tcase_add_test(tc, test_dry_run);
	tcase_add_test(tc, test_get_small_buffer);
	tcase_add_test(tc, test_busy_and_wait);
	tcase_add_test(tc, test_events_two_readers);
	tcase_add_test(tc, test_events_poll_and_overflow);
	suite_add_tcase(s, tc);
	return s;
}

/* For the shell: one ioctl on an inherited descriptor, errno name out. */
static int fd_mode(int argc, char **argv)
{
	const uint32_t d01[] = { 0, 1, 1, 0 };
	struct mixnet_ocs_info info;
	int rc;

	fd = atoi(argv[2]);
	if (argc != 4)
		return 2;
	if (!strcmp(argv[3], "info"))
		rc = ocs_info(fd, &info);
	else if (!strcmp(argv[3], "apply"))
		rc = -apply_xc(MIXNET_OCS_APPLY_REPLACE, 0, d01, 2, NULL);
	else
		return 2;
	printf("%s\n", rc == 0 ? "OK" : rc == -EPERM ? "EPERM" : strerror(-rc));
	return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *id = getenv("MIXNET_OCS");
	SRunner *sr;
	int failed;

	if (argc >= 3 && !strcmp(argv[1], "--fd"))
		return fd_mode(argc, argv);
	ocs_id = id ? (uint32_t)atoi(id) : 0;
	sr = srunner_create(ocs_abi_suite());
	srunner_run_all(sr, CK_VERBOSE);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
