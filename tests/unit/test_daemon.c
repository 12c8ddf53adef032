// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: the daemon (agent/daemon.c) end to end on loopback.
 *
 * Two daemons run in threads, each with its own ZeroMQ context: h0 is
 * host and region controller, h1 is a host connecting from 127.0.0.2
 * over CURVE.  The kernel parts are fakes (tests/lib/fake_kernel.c: an
 * OCS whose APPLY switches at once, a fabric whose discovery follows it,
 * samplers with no traffic), the planner gives h0-h1 a circuit when they
 * have demand.  The test talks
 * to them like an operator and a training job would: `status` over the
 * control socket and matrices through the demand client library.
 */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../lib/check_run.h"
#include "../lib/fake_kernel.h"
#include "agent_fixture.h"
#include "control.h"
#include "daemon.h"
#include "log.h"
#include "mixnet_demand.h"
#include "unix_sock.h"

#define DEADLINE_MS 30000

static char dir[64];

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- the kernel parts: tests/lib/fake_kernel.c, with this planner --------------------- */

/* One circuit h0/o0 <-> h1/o0 when they exchange anything. */
static int f_plan(void *priv, const struct plan_request *rq, struct plan_circuit *out,
		  uint32_t *n)
{
	(void)priv;
	*n = 0;
	if (rq->demand[1] + rq->demand[rq->n] > 0)
		out[(*n)++] = (struct plan_circuit){ 0, 0, 1, 0 };
	return 0;
}

static double f_estimate(void *priv, uint32_t n, const double *demand, const uint32_t *c)
{
	(void)priv;
	(void)n;
	return (demand[1] + demand[2]) / (c[1] + 0.25);
}

static struct planner_backend planner = { .plan = f_plan, .estimate = f_estimate };

/* ---- daemons in threads ------------------------------------------------------------------ */

struct agent {
	struct config *cfg;
	struct daemon *d;
	pthread_t thread;
	int rc;
	char control[PATH_MAX], demand[PATH_MAX];
};

static void *run(void *arg)
{
	struct agent *a = arg;

	a->rc = daemon_run(a->d);
	return NULL;
}

static int free_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

static void agent_config(struct agent *a, const char *file, const char *endpoint, int self,
			 const char *roles)
{
	fx_region_as(dir, file, 2, 1, endpoint, self, roles, 1, NULL);
	a->cfg = fx_load(dir, file, 0);
	snprintf(a->control, sizeof(a->control), "%s", a->cfg->control_socket);
	snprintf(a->demand, sizeof(a->demand), "%s", a->cfg->demand_socket);
}

static void agent_start(struct agent *a, int self)
{
	struct daemon_backends b = { .sampler = &fake_sampler, .fabric = fake_fabric(self) };
	struct daemon_opts o = { .no_signals = true };
	char why[256];

	if (self == 0) {
		b.ocs = &fake_ocs;
		b.planner = &planner;
	}
	ck_assert_msg(daemon_new(a->cfg, &b, &o, &a->d, why, sizeof(why)) == 0, "%s", why);
	ck_assert_int_eq(pthread_create(&a->thread, NULL, run, a), 0);
}

static void agent_stop(struct agent *a)
{
	if (a->d) {
		daemon_stop(a->d);
		pthread_join(a->thread, NULL);
		ck_assert_int_eq(a->rc, 0);
		daemon_free(a->d);
	}
	config_free(a->cfg);
}

static json_t *status(struct agent *a)
{
	json_t *req = json_pack("{s:s}", "cmd", "status"), *reply = NULL;
	int rc = control_request(a->control, req, &reply, 10000);

	json_decref(req);
	ck_assert_msg(rc == 0, "status: %s", strerror(-rc));
	return reply;
}

static bool host_connected(struct agent *a)
{
	json_t *s = status(a);
	bool up = json_is_true(json_object_get(json_object_get(s, "host"), "connected"));

	json_decref(s);
	return up;
}

static json_int_t reconfigs(struct agent *a, const char *kind)
{
	json_t *s = status(a);
	json_int_t n = json_integer_value(json_object_get(json_object_get(json_object_get(s,
			"controller"), "reconfigs"), kind));

	json_decref(s);
	return n;
}

#define WAIT_FOR(cond) do { \
		uint64_t _end = now_ms() + DEADLINE_MS; \
		bool _ok; \
		while (!(_ok = (cond)) && now_ms() < _end) \
			usleep(20000); \
		ck_assert_msg(_ok, "timed out waiting for " #cond); \
	} while (0)

static void setup(void)
{
	fx_mkdtemp(dir);
	ck_assert_int_eq(fake_kernel_reset(2, 1), 0);
	log_set_sink(log_discard, NULL);
}

static void teardown(void)
{
	log_set_sink(NULL, NULL);
	fx_rmtree(dir);
}

/* ---- tests -------------------------------------------------------------------------------- */

START_TEST(test_region_of_two)
{
	struct agent a0 = { 0 }, a1 = { 0 };
	char endpoint[64];
	static const char *const names[] = { "h1", "h0" };
	uint64_t m[4] = { 0, 4000, 4000, 0 };
	struct mixnet_demand_matrix dm = { .n = 2, .bytes = m, .names = names, .layer = 3 };
	struct mixnet_demand_reply r;
	struct mixnet_demand *d;
	json_t *s, *c, *last;

	snprintf(endpoint, sizeof(endpoint), "tcp://127.0.0.1:%d", free_port());
	agent_config(&a0, "h0.ini", endpoint, 0, "host, controller");
	agent_config(&a1, "h1.ini", endpoint, 1, "host");

	/* h1 alone: the daemon runs, but demand cannot reach a controller. */
	agent_start(&a1, 1);
	ck_assert_int_eq(mixnet_demand_connect(a1.demand, &d), 0);
	ck_assert_int_eq(mixnet_demand_submit(d, &dm, &r), -ENOTCONN);
	ck_assert_ptr_nonnull(strstr(r.message, "not connected"));
	mixnet_demand_close(d);
	ck_assert(!host_connected(&a1));

	/* The controller comes up: both hosts join. */
	agent_start(&a0, 0);
	WAIT_FOR(host_connected(&a1) && host_connected(&a0));
	s = status(&a0);
	c = json_object_get(s, "controller");
	ck_assert_str_eq(json_string_value(json_object_get(s, "region")), "test");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(s, "roles"), 1)),
			 "controller");
	ck_assert_int_eq(json_array_size(json_object_get(c, "hosts")), 2);
	ck_assert(json_is_true(json_object_get(json_array_get(json_object_get(c, "hosts"), 1),
					       "connected")));
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(c, "handshakes"),
							    "accepted")), 2);
	json_decref(s);

	/* The training job on h1 asks for h0<->h1 (names in its own order). */
	ck_assert_int_eq(mixnet_demand_connect(a1.demand, &d), 0);
	ck_assert_msg(mixnet_demand_submit(d, &dm, &r) == 0, "%s", r.message);
	ck_assert_uint_eq(r.id, 1);
	/* The same connection takes more requests; bad ones get reasons. */
	{
		static const char *const bad[] = { "h1", "h9" };
		struct mixnet_demand_matrix bm = { .n = 2, .bytes = m, .names = bad, .layer = -1 };

		ck_assert_int_eq(mixnet_demand_submit(d, &bm, &r), -ENOENT);
		ck_assert_ptr_nonnull(strstr(r.message, "h9 is not a host of region test"));
	}
	mixnet_demand_close(d);

	WAIT_FOR(reconfigs(&a0, "submitted") == 1);
	s = status(&a0);
	c = json_object_get(s, "controller");
	last = json_object_get(c, "last_reconfig");
	ck_assert_str_eq(json_string_value(json_object_get(last, "reason")), "submitted");
	ck_assert_int_eq(json_integer_value(json_object_get(last, "layer")), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(last, "added")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(last, "unverified")), 0);
	ck_assert(json_is_object(json_object_get(last, "timings_ms")));
	ck_assert_int_eq(json_array_size(json_object_get(c, "circuits")), 1);
	ck_assert_int_eq(fake_ocs_rx(0), 1);
	ck_assert_int_eq(fake_ocs_rx(1), 0);
	/* USE was acked by both hosts: each set its route to the other. */
	ck_assert_uint_gt(fake_route_sets(0), 0);
	ck_assert_uint_gt(fake_route_sets(1), 0);
	json_decref(s);
	s = status(&a1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(
		json_object_get(s, "host"), "nics"), 0), "peer")), "h0");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(s, "demand_socket"),
							    "accepted")), 1);
	json_decref(s);

	/* A second daemon with the same sockets refuses to start. */
	{
		struct daemon_backends b = { .sampler = &fake_sampler, .fabric = fake_fabric(1) };
		struct daemon_opts o = { .no_signals = true };
		struct daemon *dup = NULL;
		char why[256];

		ck_assert_int_eq(daemon_new(a1.cfg, &b, &o, &dup, why, sizeof(why)), -EADDRINUSE);
		ck_assert_ptr_nonnull(strstr(why, "another daemon is running"));
		ck_assert_ptr_null(dup);
	}
	agent_stop(&a1);
	agent_stop(&a0);
	/* Stopped daemons leave no socket files behind. */
	ck_assert_int_ne(access(a0.control, F_OK), 0);
	ck_assert_int_ne(access(a1.demand, F_OK), 0);
}
END_TEST

/* Raw frames on the demand socket: the daemon's decoder trusts nothing. */
static void raw_request(const char *path, const void *buf, size_t len, int want_status,
			const char *needle)
{
	uint8_t reply[512];
	ssize_t n;
	size_t got = 0;
	int fd = usock_connect(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(send(fd, buf, len, MSG_NOSIGNAL), (ssize_t)len);
	shutdown(fd, SHUT_WR);
	while ((n = recv(fd, reply + got, sizeof(reply) - got - 1, 0)) > 0)
		got += (size_t)n;
	close(fd);
	ck_assert_uint_gt(got, 32);
	ck_assert_mem_eq(reply, "MXDR", 4);
	reply[got] = '\0';
	ck_assert_int_eq((int32_t)(reply[16] | reply[17] << 8 | reply[18] << 16 |
				   (uint32_t)reply[19] << 24), want_status);
	ck_assert_msg(strstr((char *)reply + 32, needle), "'%s' lacks '%s'", reply + 32, needle);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

START_TEST(test_demand_socket_validation)
{
	struct agent a0 = { 0 };
	char endpoint[64];
	uint8_t req[16 + 16 + 32 + 16];
	struct mixnet_demand *d;
	struct mixnet_demand_reply r;
	uint64_t m[4] = { 0, 1, 1, 0 };
	static const char *const dupnames[] = { "h0", "h0" };
	static const char *const badname[] = { "h0", "h 1" };
	struct mixnet_demand_matrix dm = { .n = 2, .bytes = m, .names = dupnames, .layer = -1 };

	snprintf(endpoint, sizeof(endpoint), "tcp://127.0.0.1:%d", free_port());
	agent_config(&a0, "h0.ini", endpoint, 0, "host, controller");
	agent_start(&a0, 0);

	memset(req, 0, sizeof(req));
	memcpy(req, "MXDQ", 4);
	req[4] = 1;
	req[6] = 1;
	put32(req + 8, 16 + 32);	/* 2x2 matrix, no names */
	put32(req + 16, 2);

	/* Bad magic, version, type. */
	req[0] = 'X';
	raw_request(a0.demand, req, 16 + 48, -EPROTO, "bad magic");
	req[0] = 'M';
	req[4] = 9;
	raw_request(a0.demand, req, 16 + 48, -EPROTONOSUPPORT, "wire version 9");
	req[4] = 1;
	req[6] = 5;
	raw_request(a0.demand, req, 16 + 48, -EOPNOTSUPP, "unknown request type");
	req[6] = 1;
	/* Sizes: over the region, length not matching n, n = 0, unknown flags. */
	put32(req + 16, 3);
	raw_request(a0.demand, req, 16 + 48, -E2BIG, "matrix of 3 servers (this region has 2)");
	put32(req + 16, 1);
	raw_request(a0.demand, req, 16 + 48, -EINVAL, "length does not match");
	put32(req + 8, 0x7fffffff);
	raw_request(a0.demand, req, 16, -E2BIG, "this region takes up to 2 servers");
	put32(req + 8, 16 + 72);
	put32(req + 16, 3);
	raw_request(a0.demand, req, 16 + 48, -EPROTO, "truncated request");
	put32(req + 8, 16 + 32);
	put32(req + 16, 0);
	raw_request(a0.demand, req, 16 + 48, -EINVAL, "matrix of 0 servers");
	put32(req + 16, 2);
	put32(req + 20, 0x10);
	raw_request(a0.demand, req, 16 + 48, -EINVAL, "unknown flags");
	put32(req + 20, 0);
	/* Without names the matrix must cover the region (2 hosts): it does. */
	raw_request(a0.demand, req, 16 + 48, -EINVAL, "all zeros");

	/* The client library checks what it can before sending. */
	ck_assert_int_eq(mixnet_demand_connect(a0.demand, &d), 0);
	dm.names = badname;
	ck_assert_int_eq(mixnet_demand_submit(d, &dm, &r), -EINVAL);
	ck_assert_ptr_nonnull(strstr(r.message, "invalid characters"));
	dm.names = dupnames;
	ck_assert_int_eq(mixnet_demand_submit(d, &dm, &r), -EINVAL);
	ck_assert_ptr_nonnull(strstr(r.message, "host h0 named twice"));
	mixnet_demand_close(d);

	/* Unknown control commands get an error object, not silence. */
	{
		json_t *req2 = json_pack("{s:s}", "cmd", "reboot"), *reply = NULL;

		ck_assert_int_eq(control_request(a0.control, req2, &reply, 10000), 0);
		ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(reply, "error")),
					     "unknown command 'reboot'"));
		json_decref(req2);
		json_decref(reply);
	}
	agent_stop(&a0);
}
END_TEST

static Suite *daemon_suite(void)
{
	Suite *s = suite_create("daemon");
	TCase *tc = tcase_create("loopback");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_region_of_two);
	tcase_add_test(tc, test_demand_socket_validation);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(daemon_suite());
}
