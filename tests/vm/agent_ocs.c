// SPDX-License-Identifier: GPL-2.0
/*
 * vm tier: the region controller on the real (simulated) OCS through the
 * daemon's OCS adapter (agent/backends.c: ocs_backend_open).  Run by
 * t-agent-ocs.sh with mixnet.ko loaded (sim_ports=10, a switch delay) and
 * cross-connects 0<->2 (a circuit h0/o0-h1/o0 of the region) and 8<->9
 * (ports outside the region) established beforehand.
 *
 * Four host agents (alpha 2: ports 0..7) with fabrics whose discovery
 * follows the real OCS's cross-connects, a greedy planner; every message
 * through the codec.  Switch completion comes from the device's events.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../lib/check_run.h"
#include "backends.h"
#include "config.h"
#include "controller.h"
#include "curve_keys.h"
#include "host_agent.h"
#include "log.h"
#include "ocs_client.h"
#include "proto.h"

#define N 4
#define ALPHA 2
#define DEV "/dev/mixnet/ocs0"

static char dir[64];
static struct config *cfg;
static struct ocs_backend *ocs;
static struct controller *ctl;
static struct host_agent *ha[N];
static int probe_fd;			/* a second descriptor: what the kernel has */
static uint32_t route_mask[N][N];	/* optical NICs host h routes to peer p over */

struct frame {
	int to, from;
	void *buf;
	size_t len;
};
static struct frame q[1024];
static int qh, qt;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void push(int to, int from, const struct mnp_msg *m)
{
	void *buf;
	size_t len;

	ck_assert_int_eq(mnp_encode(m, &buf, &len, NULL), 0);
	ck_assert_int_lt(qt, 1024);
	q[qt++] = (struct frame){ to, from, buf, len };
}

static int ctl_send(void *priv, uint32_t h, const struct mnp_msg *m)
{
	(void)priv;
	push((int)h, -1, m);
	return 0;
}

static int host_send(void *priv, const struct mnp_msg *m)
{
	push(-1, (int)(intptr_t)priv, m);
	return 0;
}

static void deliver(void)
{
	while (qh < qt) {
		struct frame f = q[qh++];
		struct mnp_msg m;

		ck_assert_int_eq(mnp_decode(f.buf, f.len, &m, NULL), 0);
		free(f.buf);
		if (f.to < 0)
			controller_recv(ctl, (uint32_t)f.from, &m, now_ns());
		else
			host_agent_recv(ha[f.to], &m, now_ns());
		mnp_msg_free(&m);
	}
	qh = qt = 0;
}

/* Discovery as the kernel would see it: NIC k of host h receives from the
 * port whose cross-connect leads to its rx port, unless the OCS switches. */
static int f_lowers(void *priv, struct fabric_lower *out, uint32_t max)
{
	uint32_t h = (uint32_t)(uintptr_t)priv, k, i, n = 0;
	struct mixnet_xconnect *xc = NULL;
	struct mixnet_ocs_info info;
	uint64_t gen;

	(void)max;
	ck_assert_int_eq(ocs_info(probe_fd, &info), 0);
	ck_assert_int_eq(ocs_get(probe_fd, &xc, &n, &gen), 0);
	memset(out, 0, (ALPHA + 1) * sizeof(*out));
	for (k = 0; k < ALPHA; k++) {
		snprintf(out[k].ifname, IF_NAMESIZE, "o%u", k);
		out[k].optical = true;
		for (i = 0; i < n && info.state == MIXNET_OCS_STATE_IDLE; i++)
			if (xc[i].rx == h * ALPHA + k && xc[i].tx < N * ALPHA) {
				out[k].carrier = true;
				out[k].peer = cfg->hosts[xc[i].tx / ALPHA].fabric;
			}
	}
	free(xc);
	snprintf(out[ALPHA].ifname, IF_NAMESIZE, "e0");
	out[ALPHA].carrier = true;
	return ALPHA + 1;
}

static int f_set_route(void *priv, const struct fabric_route *r)
{
	uint32_t h = (uint32_t)(uintptr_t)priv, i;
	int p = config_host_by_fabric(cfg, &r->peer);

	ck_assert_int_ge(p, 0);
	route_mask[h][p] = 0;
	for (i = 0; i < r->noptical; i++)
		route_mask[h][p] |= 1u << config_nic_index(cfg, h, r->optical[i]);
	return 0;
}

static int f_no_fd(void *priv)
{
	(void)priv;
	return -1;
}

static int f_row(void *priv, uint64_t *bytes, uint32_t n)
{
	(void)priv;
	memset(bytes, 0, n * sizeof(*bytes));
	return 0;
}

/* One circuit per pair with demand, while NICs last, keeping established ones. */
static int f_plan(void *priv, const struct plan_request *rq, struct plan_circuit *out,
		  uint32_t *nout)
{
	uint32_t used[N] = { 0 }, i, j, k = 0;
	bool taken[N * ALPHA] = { false };

	(void)priv;
	for (i = 0; i < rq->ncur; i++) {
		uint32_t x = rq->cur[i].tx / ALPHA, y = rq->cur[i].rx / ALPHA;

		if (x < y && rq->demand[x * N + y] + rq->demand[y * N + x] > 0) {
			out[k++] = (struct plan_circuit){ x, rq->cur[i].tx % ALPHA, y,
							  rq->cur[i].rx % ALPHA };
			taken[rq->cur[i].tx] = taken[rq->cur[i].rx] = true;
			used[x]++;
			used[y]++;
		}
	}
	for (i = 0; i < N; i++)
		for (j = i + 1; j < N; j++) {
			uint32_t a = 0, b = 0, c;
			bool have = false;

			for (c = 0; c < k; c++)
				have |= out[c].a == i && out[c].b == j;
			if (have || rq->demand[i * N + j] + rq->demand[j * N + i] <= 0 ||
			    used[i] == ALPHA || used[j] == ALPHA)
				continue;
			while (taken[i * ALPHA + a])
				a++;
			while (taken[j * ALPHA + b])
				b++;
			taken[i * ALPHA + a] = taken[j * ALPHA + b] = true;
			used[i]++;
			used[j]++;
			out[k++] = (struct plan_circuit){ i, a, j, b };
		}
	*nout = k;
	return 0;
}

static double f_estimate(void *priv, uint32_t n, const double *d, const uint32_t *c)
{
	double worst = 0;
	uint32_t i;

	(void)priv;
	for (i = 0; i < n * n; i++)
		if (d[i] / (c[i] + 0.25) > worst)
			worst = d[i] / (c[i] + 0.25);
	return worst;
}

/* Does the kernel hold cross-connect tx -> rx? */
static bool has_xc(uint32_t tx, uint32_t rx)
{
	struct mixnet_xconnect *xc = NULL;
	uint32_t n = 0, i;
	uint64_t gen;
	bool found = false;

	ck_assert_int_eq(ocs_get(probe_fd, &xc, &n, &gen), 0);
	for (i = 0; i < n; i++)
		found |= xc[i].tx == tx && xc[i].rx == rx;
	free(xc);
	return found;
}

/* Run the loop until the controller is idle again (events from the device). */
static void run_until_idle(void)
{
	uint64_t end = now_ns() + 20000000000ull;

	deliver();
	while (controller_phase(ctl) != CTL_IDLE) {
		struct pollfd p = { .fd = ocs->event_fd(ocs->priv), .events = POLLIN };
		uint64_t dl = controller_next_deadline(ctl), now = now_ns();
		int t = dl == UINT64_MAX ? 100 : dl <= now ? 0 : (int)((dl - now) / 1000000 + 1);

		ck_assert_msg(now < end, "controller stuck in %s", ctl_phase_name(controller_phase(ctl)));
		if (poll(&p, 1, t > 100 ? 100 : t) > 0)
			controller_ocs_event(ctl, now_ns());
		controller_timeout(ctl, now_ns());
		for (int h = 0; h < N; h++)
			host_agent_timeout(ha[h], now_ns());
		deliver();
	}
}

static void submit_pairs(uint32_t a1, uint32_t b1, uint32_t a2, uint32_t b2)
{
	uint32_t idx[N] = { 0, 1, 2, 3 };
	uint64_t m[N * N] = { 0 };

	m[a1 * N + b1] = m[b1 * N + a1] = 1000;
	m[a2 * N + b2] = m[b2 * N + a2] = 1000;
	ck_assert_int_eq(controller_submit(ctl, N, idx, m, false, 0, now_ns()), 0);
}

static void setup(void)
{
	struct cfg_errors errs;
	char path[128], pub[CURVE_KEY_Z85_LEN + 1], name[8];
	struct ctl_ops cops = { .send = ctl_send };
	struct planner_backend pl = { .plan = f_plan, .estimate = f_estimate };
	FILE *f;
	uint32_t h, k;

	strcpy(dir, "/tmp/mixnet-vm-agent.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/region.ini", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "[region]\nname = vm\nalpha = %d\n[agent]\nroles = controller\n"
		"secret_key_file = h0.key\n", ALPHA);
	for (h = 0; h < N; h++) {
		snprintf(name, sizeof(name), "h%u", h);
		ck_assert_int_eq(curve_keys_generate(dir, name, pub), 0);
		if (!h)
			fprintf(f, "[controller]\nendpoint = tcp://198.18.100.1:7400\npublic_key = %s\n",
				pub);
		fprintf(f, "[host h%u]\nfabric = 198.18.0.%u\nmgmt = 198.18.100.%u\npublic_key = %s\n"
			"electrical = e0\nelectrical_nexthop = 02:00:00:00:00:%02x\n", h, h + 1, h + 1,
			pub, h + 1);
		for (k = 0; k < ALPHA; k++)
			fprintf(f, "optical = o%u port %u\n", k, h * ALPHA + k);
	}
	ck_assert_int_eq(fclose(f), 0);
	if (config_load(path, 0, &cfg, &errs))
		ck_abort_msg("config: %s", errs.msg[0]);

	ck_assert_int_eq(ocs_backend_open(DEV, &ocs), 0);
	probe_fd = open(DEV, O_RDWR | O_CLOEXEC);
	ck_assert_int_ge(probe_fd, 0);
	ctl = controller_new(cfg, ocs, &pl, &cops, 1);
	ck_assert_ptr_nonnull(ctl);
	ck_assert_int_eq(controller_start(ctl, now_ns()), 0);
	for (h = 0; h < N; h++) {
		struct fabric_backend fb = { .priv = (void *)(uintptr_t)h, .set_route = f_set_route,
					     .read_lowers = f_lowers, .event_fd = f_no_fd };
		struct sampler_backend sb = { .read_row = f_row };
		struct host_ops ho = { .priv = (void *)(uintptr_t)h, .send = host_send };

		cfg->self = (int)h;
		ha[h] = host_agent_new(cfg, &sb, &fb, &ho);
		ck_assert_ptr_nonnull(ha[h]);
	}
	cfg->self = -1;
	for (h = 0; h < N; h++) {
		host_agent_connected(ha[h], now_ns());
		run_until_idle();
	}
}

static void teardown(void)
{
	uint32_t h;

	for (h = 0; h < N; h++)
		host_agent_free(ha[h]);
	controller_free(ctl);
	ocs->close(ocs->priv);
	free(ocs);
	close(probe_fd);
	config_free(cfg);
}

START_TEST(test_reads_back_and_reconfigures)
{
	const struct plan_circuit *c;
	const bool *ok;
	uint32_t n;

	/* The circuit set up before the controller started was read back and
	 * confirmed by both hosts' discovery. */
	c = controller_circuits(ctl, &n, &ok);
	ck_assert_uint_eq(n, 1);
	ck_assert(c[0].a == 0 && c[0].na == 0 && c[0].b == 1 && c[0].nb == 0 && ok[0]);
	ck_assert_uint_eq(route_mask[0][1], 1);

	/* h0<->h1 stays, h2<->h3 comes: one APPLY, SWITCH_DONE from the device. */
	submit_pairs(0, 1, 2, 3);
	ck_assert_int_eq(controller_phase(ctl), CTL_DRAIN);	/* h2 and h3 drain first */
	run_until_idle();
	ck_assert_uint_eq(controller_last(ctl)->added, 1);
	ck_assert_uint_eq(controller_last(ctl)->kept, 1);
	ck_assert_uint_eq(controller_last(ctl)->unverified, 0);
	ck_assert_uint_gt(controller_last(ctl)->t.switch_, 5000000);	/* the 20 ms delay */
	ck_assert(has_xc(0, 2) && has_xc(2, 0));
	ck_assert(has_xc(4, 6) && has_xc(6, 4));
	/* The other region's cross-connects survived the REPLACE. */
	ck_assert(has_xc(8, 9) && has_xc(9, 8));
	ck_assert_uint_eq(route_mask[2][3], 1);
	ck_assert_uint_eq(route_mask[0][1], 1);
}
END_TEST

START_TEST(test_stale_generation_from_outside)
{
	struct mixnet_xconnect other[] = { { 9, 8 } };
	struct mixnet_ocs_apply req = { .mode = MIXNET_OCS_APPLY_MERGE, .count = 1,
					.xconnects = (uintptr_t)other,
					.flags = MIXNET_OCS_APPLY_F_WAIT_DONE };
	struct mixnet_ocs_release rel[] = { { 8, MIXNET_OCS_RELEASE_TX }, { 9, MIXNET_OCS_RELEASE_TX } };

	/* Somebody else reshapes the foreign ports: 8->9 and 9->8 become just 9->8. */
	req.release = (uintptr_t)rel;
	req.nrelease = 2;
	ck_assert_int_eq(ocs_apply(probe_fd, &req), 0);
	submit_pairs(0, 2, 1, 3);
	/* ESTALE, abort, read back, resync, plan again on the new generation. */
	run_until_idle();
	deliver();
	run_until_idle();
	ck_assert(has_xc(0, 4) || has_xc(1, 4) || has_xc(0, 5) || has_xc(1, 5));
	ck_assert(has_xc(9, 8));
	ck_assert(!has_xc(8, 9));	/* the outsider's change was kept, not undone */
	ck_assert_uint_eq(controller_last(ctl)->unverified, 0);
	ck_assert_uint_ge(route_mask[0][2], 1);
}
END_TEST

START_TEST(test_concurrent_outside_switch)
{
	struct mixnet_xconnect other[] = { { 8, 9 } };
	struct mixnet_ocs_apply req = { .mode = MIXNET_OCS_APPLY_MERGE, .count = 1,
					.xconnects = (uintptr_t)other };
	struct mixnet_ocs_release rel[] = { { 8, MIXNET_OCS_RELEASE_TX | MIXNET_OCS_RELEASE_RX } };
	uint64_t gen;
	uint32_t n;
	struct mixnet_xconnect *xc;

	/* Start somebody else's 20 ms switch; the controller's APPLY meets EBUSY. */
	req.release = (uintptr_t)rel;
	req.nrelease = 1;
	ck_assert_int_eq(ocs_apply(probe_fd, &req), 0);
	ck_assert_int_eq(ocs_get(probe_fd, &xc, &n, &gen), 0);
	free(xc);
	submit_pairs(0, 3, 1, 2);
	run_until_idle();
	/* It retried until the switch ended, on the generation after it... or
	 * was told ESTALE, read back and planned again: either way it landed. */
	ck_assert(has_xc(8, 9));
	ck_assert_uint_eq(controller_last(ctl)->unverified, 0);
	ck_assert_uint_ge(route_mask[0][3] | route_mask[1][2], 1);
}
END_TEST

static void quiet(void *priv, int level, const char *line)
{
	(void)priv;
	(void)level;
	if (getenv("MIXNET_TEST_VERBOSE"))
		fprintf(stderr, "%s\n", line);
}

int main(void)
{
	Suite *s = suite_create("agent_ocs");
	TCase *tc = tcase_create("sim");

	log_set_sink(quiet, NULL);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_reads_back_and_reconfigures);
	tcase_add_test(tc, test_stale_generation_from_outside);
	tcase_add_test(tc, test_concurrent_outside_switch);
	suite_add_tcase(s, tc);
	return check_run(s);
}
