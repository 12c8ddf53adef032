// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: the CURVE transport (agent/transport.c) over loopback TCP.
 * Controller and host each have their own ZeroMQ context (own I/O
 * threads, a real TCP connection between them), as two processes would;
 * one test thread drives both through zmq_poll.  Waits are bounded by a
 * generous deadline (valgrind is slow) and never asserted on.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "../lib/check_run.h"
#include "agent_fixture.h"
#include "log.h"
#include "transport.h"

#define DEADLINE_MS 30000

static char dir[64];
static char sec[4][CURVE_KEY_Z85_LEN + 1];	/* h0 (controller), h1, h2, stranger */
static char pub[4][CURVE_KEY_Z85_LEN + 1];

struct rig {
	void *sctx, *cctx;
	struct tp_server *srv;
	struct tp_client *cli;
	struct tp_member members[2];
	enum tp_event last_event;
	int connected_events, auth_failed_events, disconnected_events;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void load_key(int i, const char *name)
{
	char path[256], why[128];

	fx_key(dir, name, pub[i]);
	snprintf(path, sizeof(path), "%s/%s.key", dir, name);
	ck_assert_int_eq(curve_key_read(path, 1, sec[i], why, sizeof(why)), 0);
}

static void setup(void)
{
	fx_mkdtemp(dir);
	load_key(0, "h0");
	load_key(1, "h1");
	load_key(2, "h2");
	load_key(3, "stranger");
	log_set_sink(log_discard, NULL);
}

static void teardown(void)
{
	log_set_sink(NULL, NULL);
	fx_rmtree(dir);
}

static void rig_members(struct rig *r, const char *mgmt1)
{
	memset(r->members, 0, sizeof(r->members));
	snprintf(r->members[0].name, CFG_NAME_MAX, "h1");
	memcpy(r->members[0].public_key, pub[1], sizeof(pub[1]));
	ck_assert_int_eq(cfg_addr_parse(mgmt1, &r->members[0].mgmt), 0);
	snprintf(r->members[1].name, CFG_NAME_MAX, "h2");
	memcpy(r->members[1].public_key, pub[2], sizeof(pub[2]));
	/* h2 has no management address: any source is fine. */
}

static void rig_server(struct rig *r, const char *endpoint, const char *secret)
{
	if (!r->sctx)
		r->sctx = zmq_ctx_new();
	ck_assert_int_eq(tp_server_open(r->sctx, endpoint, secret, r->members, 2, &r->srv), 0);
}

static void rig_client(struct rig *r, int key, const char *server_pub, const char *source)
{
	struct cfg_addr src = { 0 };

	if (!r->cctx)
		r->cctx = zmq_ctx_new();
	if (source)
		ck_assert_int_eq(cfg_addr_parse(source, &src), 0);
	ck_assert_int_eq(tp_client_open(r->cctx, tp_server_endpoint(r->srv), server_pub, sec[key],
					&src, &r->cli), 0);
}

static void rig_close(struct rig *r)
{
	tp_client_close(r->cli);
	tp_server_close(r->srv);
	if (r->cctx)
		zmq_ctx_term(r->cctx);
	if (r->sctx)
		zmq_ctx_term(r->sctx);
}

/* One round of polling; answers ZAP and counts client events. */
static void pump(struct rig *r, int timeout_ms)
{
	zmq_pollitem_t it[3] = {
		{ .socket = r->srv ? tp_server_zap_socket(r->srv) : NULL, .events = ZMQ_POLLIN },
		{ .socket = r->cli ? tp_client_monitor_socket(r->cli) : NULL, .events = ZMQ_POLLIN },
	};
	int n = 0;
	enum tp_event ev;

	if (r->srv)
		it[n++].socket = tp_server_zap_socket(r->srv);
	if (r->cli)
		it[n++] = (zmq_pollitem_t){ .socket = tp_client_monitor_socket(r->cli), .events = ZMQ_POLLIN };
	zmq_poll(it, n, timeout_ms);
	if (r->srv)
		ck_assert_int_ge(tp_server_handle_zap(r->srv), 0);
	while (r->cli && (ev = tp_client_handle_monitor(r->cli)) != TP_EV_NONE) {
		r->last_event = ev;
		r->connected_events += ev == TP_EV_CONNECTED;
		r->auth_failed_events += ev == TP_EV_AUTH_FAILED;
		r->disconnected_events += ev == TP_EV_DISCONNECTED;
	}
}

/* @cond is evaluated once per round (it may consume a message). */
#define WAIT_FOR(r, cond) do { \
		uint64_t _end = now_ms() + DEADLINE_MS; \
		bool _ok; \
		while (!(_ok = (cond)) && now_ms() < _end) \
			pump(r, 10); \
		ck_assert_msg(_ok, "timed out waiting for " #cond); \
	} while (0)

/* A received message (@rc 0) as a string in @out (freed); else @rc. */
static int take_msg(int rc, void *buf, size_t len, char *out, size_t cap)
{
	if (rc)
		return rc;
	ck_assert_uint_lt(len, cap);
	memcpy(out, buf, len);
	out[len] = '\0';
	free(buf);
	return 0;
}

static int server_recv(struct rig *r, uint32_t *member, char *out, size_t cap)
{
	void *buf = NULL;
	size_t len = 0;
	int rc = tp_server_recv(r->srv, member, &buf, &len);

	return take_msg(rc, buf, len, out, cap);
}

static int client_recv(struct rig *r, char *out, size_t cap)
{
	void *buf = NULL;
	size_t len = 0;
	int rc = tp_client_recv(r->cli, &buf, &len);

	return take_msg(rc, buf, len, out, cap);
}

/* Pump until the server receives a message, which must come without error. */
static void server_wait(struct rig *r, uint32_t *member, char *out, size_t cap)
{
	int rc = -EAGAIN;

	WAIT_FOR(r, (rc = server_recv(r, member, out, cap)) != -EAGAIN);
	ck_assert_msg(rc == 0, "recv: %s", strerror(-rc));
}

START_TEST(test_member_talks)
{
	struct rig r = { 0 };
	char got[64];
	uint32_t member = 99;
	int rc = -EAGAIN;

	rig_members(&r, "127.0.0.1");
	rig_server(&r, "tcp://127.0.0.1:*", sec[0]);
	rig_client(&r, 1, pub[0], "127.0.0.1");
	WAIT_FOR(&r, tp_client_connected(r.cli));
	ck_assert_int_eq(r.connected_events, 1);
	ck_assert_int_eq(tp_client_send(r.cli, "demand", 6), 0);
	server_wait(&r, &member, got, sizeof(got));
	ck_assert_uint_eq(member, 0);		/* h1, as told by ZAP, not by the payload */
	ck_assert_str_eq(got, "demand");
	ck_assert(tp_server_member_connected(r.srv, 0));
	ck_assert(!tp_server_member_connected(r.srv, 1));
	ck_assert_uint_eq(tp_server_stats(r.srv)->accepted, 1);
	ck_assert_uint_eq(tp_server_stats(r.srv)->refused, 0);

	ck_assert_int_eq(tp_server_send(r.srv, 0, "plan", 4), 0);
	rc = -EAGAIN;
	WAIT_FOR(&r, (rc = client_recv(&r, got, sizeof(got))) != -EAGAIN);
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(got, "plan");
	/* A member that never connected cannot be sent to. */
	ck_assert_int_eq(tp_server_send(r.srv, 1, "plan", 4), -ENOTCONN);
	rig_close(&r);
}
END_TEST

START_TEST(test_stranger_refused)
{
	struct rig r = { 0 };
	char got[64];
	uint32_t member;

	rig_members(&r, "127.0.0.1");
	rig_server(&r, "tcp://127.0.0.1:*", sec[0]);
	/* Knows the controller's public key, but its own key is nobody's. */
	rig_client(&r, 3, pub[0], "127.0.0.1");
	WAIT_FOR(&r, r.auth_failed_events > 0);
	ck_assert(!tp_client_connected(r.cli));
	ck_assert_ptr_nonnull(strstr(tp_client_last_error(r.cli), "ZAP status 400"));
	ck_assert_uint_ge(tp_server_stats(r.srv)->refused, 1);
	ck_assert_uint_eq(tp_server_stats(r.srv)->accepted, 0);
	ck_assert_ptr_nonnull(strstr(tp_server_stats(r.srv)->last_refused, pub[3]));
	ck_assert_ptr_nonnull(strstr(tp_server_stats(r.srv)->last_refused, "unknown key"));
	/* It cannot send demand (no connection) ... */
	ck_assert_int_eq(tp_client_send(r.cli, "demand", 6), -EAGAIN);
	pump(&r, 50);
	ck_assert_int_eq(server_recv(&r, &member, got, sizeof(got)), -EAGAIN);
	/* ... and no member slot was bound to it, so it receives no plans. */
	ck_assert_int_eq(tp_server_send(r.srv, 0, "plan", 4), -ENOTCONN);
	ck_assert_int_eq(tp_server_send(r.srv, 1, "plan", 4), -ENOTCONN);
	ck_assert_int_eq(r.connected_events, 0);
	rig_close(&r);
}
END_TEST

START_TEST(test_member_from_wrong_address)
{
	struct rig r = { 0 };
	char got[64];
	uint32_t member;

	/* h1's key is only valid from 127.0.0.2. */
	rig_members(&r, "127.0.0.2");
	rig_server(&r, "tcp://127.0.0.1:*", sec[0]);
	rig_client(&r, 1, pub[0], "127.0.0.1");
	WAIT_FOR(&r, r.auth_failed_events > 0);
	ck_assert_ptr_nonnull(strstr(tp_server_stats(r.srv)->last_refused,
				     "not from its management address"));
	tp_client_close(r.cli);
	r.cli = NULL;

	/* From its management address it gets in. */
	rig_client(&r, 1, pub[0], "127.0.0.2");
	WAIT_FOR(&r, tp_client_connected(r.cli));
	ck_assert_int_eq(tp_client_send(r.cli, "x", 1), 0);
	server_wait(&r, &member, got, sizeof(got));
	ck_assert_uint_eq(member, 0);
	rig_close(&r);
}
END_TEST

START_TEST(test_impostor_controller)
{
	struct rig r = { 0 };
	char got[64];
	uint32_t member;

	rig_members(&r, "127.0.0.1");
	/* A server that does not hold the controller's secret key. */
	rig_server(&r, "tcp://127.0.0.1:*", sec[3]);
	rig_client(&r, 1, pub[0], "127.0.0.1");
	WAIT_FOR(&r, r.auth_failed_events > 0);
	ck_assert(!tp_client_connected(r.cli));
	ck_assert_int_eq(r.connected_events, 0);
	ck_assert_int_eq(tp_client_send(r.cli, "demand", 6), -EAGAIN);
	ck_assert_int_eq(server_recv(&r, &member, got, sizeof(got)), -EAGAIN);
	rig_close(&r);
}
END_TEST

START_TEST(test_controller_restart)
{
	struct rig r = { 0 };
	char endpoint[CFG_ENDPOINT_MAX], got[64];
	uint32_t member;

	rig_members(&r, "127.0.0.1");
	rig_server(&r, "tcp://127.0.0.1:*", sec[0]);
	snprintf(endpoint, sizeof(endpoint), "%s", tp_server_endpoint(r.srv));
	rig_client(&r, 2, pub[0], NULL);
	WAIT_FOR(&r, tp_client_connected(r.cli));

	/* The controller goes away: the host notices ... */
	tp_server_close(r.srv);
	r.srv = NULL;
	zmq_ctx_term(r.sctx);
	r.sctx = NULL;
	WAIT_FOR(&r, !tp_client_connected(r.cli));
	ck_assert_int_eq(r.disconnected_events, 1);
	ck_assert_int_eq(tp_client_send(r.cli, "lost", 4), -EAGAIN);

	/* ... and is back without doing anything once it returns. */
	rig_server(&r, endpoint, sec[0]);
	WAIT_FOR(&r, tp_client_connected(r.cli));
	ck_assert_int_eq(r.connected_events, 2);
	ck_assert_int_eq(tp_client_send(r.cli, "again", 5), 0);
	server_wait(&r, &member, got, sizeof(got));
	ck_assert_uint_eq(member, 1);
	ck_assert_str_eq(got, "again");
	rig_close(&r);
}
END_TEST

START_TEST(test_members_from_config)
{
	struct config *cfg;
	struct tp_member *m;
	uint32_t n;

	fx_region(dir, 3, 2, "tcp://127.0.0.1:7400", 1, "host", 1, NULL);
	cfg = fx_load(dir, "region.ini", 0);
	ck_assert_int_eq(tp_members_from_config(cfg, &m, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(m[2].name, "h2");
	ck_assert_str_eq(m[1].public_key, pub[1]);
	ck_assert_int_eq(m[2].mgmt.a[3], 3);
	free(m);
	config_free(cfg);
}
END_TEST

START_TEST(test_bad_open)
{
	void *ctx = zmq_ctx_new();
	struct tp_server *s, *s2;
	struct tp_client *c;
	struct tp_member m = { .name = "h1" };

	memcpy(m.public_key, pub[1], sizeof(pub[1]));
	ck_assert_int_eq(tp_client_open(ctx, "tcp://127.0.0.1:1", pub[0], "not-a-key", NULL, &c),
			 -EINVAL);
	ck_assert_ptr_null(c);
	ck_assert_int_eq(tp_server_open(ctx, "tcp://127.0.0.1:*", sec[0], &m, 1, &s), 0);
	/* One ZAP handler per context: a second server is refused. */
	ck_assert_int_eq(tp_server_open(ctx, "tcp://127.0.0.1:*", sec[0], &m, 1, &s2), -EADDRINUSE);
	tp_server_close(s);
	memcpy(m.public_key, "short", 6);
	ck_assert_int_eq(tp_server_open(ctx, "tcp://127.0.0.1:*", sec[0], &m, 1, &s), -EINVAL);
	zmq_ctx_term(ctx);
}
END_TEST

static Suite *transport_suite(void)
{
	Suite *s = suite_create("transport");
	TCase *tc = tcase_create("loopback");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_member_talks);
	tcase_add_test(tc, test_stranger_refused);
	tcase_add_test(tc, test_member_from_wrong_address);
	tcase_add_test(tc, test_impostor_controller);
	tcase_add_test(tc, test_controller_restart);
	tcase_add_test(tc, test_members_from_config);
	tcase_add_test(tc, test_bad_open);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(transport_suite());
}
