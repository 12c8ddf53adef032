// SPDX-License-Identifier: GPL-2.0
/* ZeroMQ CURVE transport with a ZAP handler (see transport.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <zmq.h>

#include "cli.h"
#include "log.h"
#include "proto.h"
#include "transport.h"

#define TP_ZAP_ENDPOINT		"inproc://zeromq.zap.01"
#define TP_ZAP_DOMAIN		"mixnet"
#define TP_HEARTBEAT_MS		1000
#define TP_HEARTBEAT_TIMEOUT_MS	3000
#define TP_ROUTING_ID_MAX	256

struct tp_peer {
	uint8_t rid[TP_ROUTING_ID_MAX];	/* ROUTER routing id of its latest connection */
	size_t rid_len;
	bool connected;
};

struct tp_server {
	void *zctx;
	void *router;
	void *zap;
	char endpoint[CFG_ENDPOINT_MAX];
	uint32_t n;
	struct tp_member *members;
	uint8_t (*keys)[CURVE_KEY_BIN_LEN];
	struct tp_peer *peers;
	struct tp_server_stats stats;
};

struct tp_client {
	void *zctx;
	void *dealer;
	void *monitor;
	char monitor_ep[64];
	bool connected;
	char last_error[128];
};

static int zerr(void)
{
	int e = zmq_errno();

	return e ? -e : -EIO;
}

static int set_int(void *sock, int opt, int v)
{
	return zmq_setsockopt(sock, opt, &v, sizeof(v)) ? zerr() : 0;
}

static void close_sock(void *sock)
{
	if (sock) {
		set_int(sock, ZMQ_LINGER, 0);
		zmq_close(sock);
	}
}

int tp_members_from_config(const struct config *cfg, struct tp_member **out, uint32_t *n)
{
	struct tp_member *m = calloc(cfg->nhosts ? cfg->nhosts : 1, sizeof(*m));
	uint32_t i;

	if (!m)
		return -ENOMEM;
	for (i = 0; i < cfg->nhosts; i++) {
		snprintf(m[i].name, sizeof(m[i].name), "%s", cfg->hosts[i].name);
		memcpy(m[i].public_key, cfg->hosts[i].public_key, sizeof(m[i].public_key));
		m[i].mgmt = cfg->hosts[i].mgmt;
	}
	*out = m;
	*n = cfg->nhosts;
	return 0;
}

/* ---- server ------------------------------------------------------------------- */

int tp_server_open(void *zctx, const char *endpoint, const char *secret_z85,
		   const struct tp_member *members, uint32_t n, struct tp_server **out)
{
	struct tp_server *s;
	size_t len;
	uint32_t i;
	int rc;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->zctx = zctx;
	s->n = n;
	s->members = calloc(n ? n : 1, sizeof(*s->members));
	s->keys = calloc(n ? n : 1, sizeof(*s->keys));
	s->peers = calloc(n ? n : 1, sizeof(*s->peers));
	if (!s->members || !s->keys || !s->peers) {
		rc = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < n; i++) {
		s->members[i] = members[i];
		if (curve_key_parse(members[i].public_key, s->keys[i])) {
			rc = -EINVAL;
			goto fail;
		}
	}

	/* The ZAP handler first: without one libzmq lets every key in. */
	s->zap = zmq_socket(zctx, ZMQ_REP);
	if (!s->zap || zmq_bind(s->zap, TP_ZAP_ENDPOINT)) {
		rc = zerr();
		goto fail;
	}
	s->router = zmq_socket(zctx, ZMQ_ROUTER);
	if (!s->router) {
		rc = zerr();
		goto fail;
	}
	if ((rc = set_int(s->router, ZMQ_CURVE_SERVER, 1)) ||
	    (rc = zmq_setsockopt(s->router, ZMQ_CURVE_SECRETKEY, secret_z85, CURVE_KEY_Z85_LEN) ?
		  zerr() : 0) ||
	    (rc = zmq_setsockopt(s->router, ZMQ_ZAP_DOMAIN, TP_ZAP_DOMAIN, strlen(TP_ZAP_DOMAIN)) ?
		  zerr() : 0) ||
	    (rc = set_int(s->router, ZMQ_ROUTER_MANDATORY, 1)) ||
	    (rc = set_int(s->router, ZMQ_LINGER, 0)) ||
	    (rc = set_int(s->router, ZMQ_HEARTBEAT_IVL, TP_HEARTBEAT_MS)) ||
	    (rc = set_int(s->router, ZMQ_HEARTBEAT_TIMEOUT, TP_HEARTBEAT_TIMEOUT_MS)) ||
	    (rc = set_int(s->router, ZMQ_IPV6, strchr(endpoint, '[') != NULL)))
		goto fail;
	{
		int64_t max = MNP_MAX_MSG;

		if (zmq_setsockopt(s->router, ZMQ_MAXMSGSIZE, &max, sizeof(max))) {
			rc = zerr();
			goto fail;
		}
	}
	if (zmq_bind(s->router, endpoint)) {
		rc = zerr();
		goto fail;
	}
	len = sizeof(s->endpoint);
	if (zmq_getsockopt(s->router, ZMQ_LAST_ENDPOINT, s->endpoint, &len))
		snprintf(s->endpoint, sizeof(s->endpoint), "%s", endpoint);
	*out = s;
	return 0;
fail:
	tp_server_close(s);
	return rc;
}

void tp_server_close(struct tp_server *s)
{
	if (!s)
		return;
	close_sock(s->router);
	close_sock(s->zap);
	if (s->keys)
		curve_key_wipe(s->keys, (s->n ? s->n : 1) * sizeof(*s->keys));
	free(s->keys);
	free(s->members);
	free(s->peers);
	free(s);
}

void *tp_server_socket(struct tp_server *s)
{
	return s->router;
}

void *tp_server_zap_socket(struct tp_server *s)
{
	return s->zap;
}

const char *tp_server_endpoint(const struct tp_server *s)
{
	return s->endpoint;
}

const struct tp_server_stats *tp_server_stats(const struct tp_server *s)
{
	return &s->stats;
}

bool tp_server_member_connected(const struct tp_server *s, uint32_t member)
{
	return member < s->n && s->peers[member].connected;
}

/* The address a ZAP request reports, IPv4-mapped IPv6 folded to IPv4. */
static int zap_addr(const char *text, struct cfg_addr *a)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (cfg_addr_parse(text, a))
		return -EINVAL;
	if (a->family == AF_INET6 && !memcmp(a->a, mapped, sizeof(mapped))) {
		memmove(a->a, a->a + 12, 4);
		memset(a->a + 4, 0, 12);
		a->family = AF_INET;
	}
	return 0;
}

/*
 * One ZAP request (RFC 27): version, request id, domain, address,
 * identity, mechanism, credentials.  Decide, then reply with version,
 * request id, status code, status text, user id, metadata.
 */
static int zap_one(struct tp_server *s)
{
	zmq_msg_t part[8];
	int nparts = 0, more = 1, rc = 0, member = -1;
	const char *status = "400", *text = "unknown key";
	char addr[INET6_ADDRSTRLEN + 8] = "?", key[CURVE_KEY_Z85_LEN + 1] = "?";
	char user[16] = "";
	size_t sz;
	uint32_t i;

	while (more) {
		zmq_msg_t scratch, *m = nparts < 8 ? &part[nparts] : &scratch;

		zmq_msg_init(m);
		if (zmq_msg_recv(m, s->zap, ZMQ_DONTWAIT) < 0) {
			rc = zerr();
			zmq_msg_close(m);
			if (nparts == 0)
				return rc;	/* -EAGAIN: nothing pending */
			break;
		}
		more = zmq_msg_more(m);
		if (m == &scratch)
			zmq_msg_close(m);
		else
			nparts++;
	}
	if (rc || nparts != 7) {
		/* A malformed request cannot be answered meaningfully; REP needs a reply. */
		text = "malformed ZAP request";
		status = "500";
		goto reply;
	}
	sz = zmq_msg_size(&part[3]);
	if (sz < sizeof(addr)) {
		memcpy(addr, zmq_msg_data(&part[3]), sz);
		addr[sz] = '\0';
	}
	if (zmq_msg_size(&part[2]) != strlen(TP_ZAP_DOMAIN) ||
	    memcmp(zmq_msg_data(&part[2]), TP_ZAP_DOMAIN, strlen(TP_ZAP_DOMAIN))) {
		text = "wrong ZAP domain";
		goto reply;
	}
	if (zmq_msg_size(&part[5]) != 5 || memcmp(zmq_msg_data(&part[5]), "CURVE", 5) ||
	    zmq_msg_size(&part[6]) != CURVE_KEY_BIN_LEN) {
		text = "not a CURVE handshake";
		goto reply;
	}
	zmq_z85_encode(key, zmq_msg_data(&part[6]), CURVE_KEY_BIN_LEN);
	for (i = 0; i < s->n; i++)
		if (!memcmp(s->keys[i], zmq_msg_data(&part[6]), CURVE_KEY_BIN_LEN))
			member = (int)i;
	if (member < 0)
		goto reply;
	if (s->members[member].mgmt.family) {
		struct cfg_addr from;

		if (zap_addr(addr, &from) || !cfg_addr_eq(&from, &s->members[member].mgmt)) {
			text = "key of a member, but not from its management address";
			goto reply;
		}
	}
	status = "200";
	text = "OK";
	snprintf(user, sizeof(user), "%d", member);
reply:
	{
		const char *frames[6] = { "1.0", NULL, status, text, user, "" };
		int f;

		for (f = 0; f < 6; f++) {
			const void *data = frames[f];
			size_t len = frames[f] ? strlen(frames[f]) : 0;

			if (f == 1) {
				data = nparts > 1 ? zmq_msg_data(&part[1]) : "";
				len = nparts > 1 ? zmq_msg_size(&part[1]) : 0;
			}
			if (zmq_send(s->zap, data, len, f < 5 ? ZMQ_SNDMORE : 0) < 0) {
				rc = zerr();
				break;
			}
		}
	}
	if (!strcmp(status, "200")) {
		s->stats.accepted++;
		log_info("controller: %s connected from %s", s->members[member].name, addr);
	} else {
		s->stats.refused++;
		snprintf(s->stats.last_refused, sizeof(s->stats.last_refused), "key %s from %s: %s",
			 key, addr, text);
		/* libzmq retries refused peers: log the first few, then every 100th. */
		if (s->stats.refused <= 5 || s->stats.refused % 100 == 0)
			log_warn("controller: refused connection (%" PRIu64 " so far): %s",
				 s->stats.refused, s->stats.last_refused);
	}
	while (nparts)
		zmq_msg_close(&part[--nparts]);
	return rc ? rc : 1;
}

int tp_server_handle_zap(struct tp_server *s)
{
	int n = 0, rc;

	while ((rc = zap_one(s)) > 0)
		n++;
	return rc == -EAGAIN || rc == 0 ? n : rc;
}

/* Drain the rest of a multipart message. */
static void drop_rest(void *sock)
{
	zmq_msg_t m;
	int more = 1;

	while (more) {
		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, sock, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&m);
			return;
		}
		more = zmq_msg_more(&m);
		zmq_msg_close(&m);
	}
}

int tp_server_recv(struct tp_server *s, uint32_t *member, void **buf, size_t *len)
{
	zmq_msg_t rid, body;
	const char *user;
	uint32_t idx;
	int rc = 0;

	zmq_msg_init(&rid);
	if (zmq_msg_recv(&rid, s->router, ZMQ_DONTWAIT) < 0) {
		rc = zerr();
		zmq_msg_close(&rid);
		return rc;
	}
	if (!zmq_msg_more(&rid)) {
		zmq_msg_close(&rid);
		return -EBADMSG;
	}
	zmq_msg_init(&body);
	if (zmq_msg_recv(&body, s->router, ZMQ_DONTWAIT) < 0) {
		rc = zerr();
		goto out;
	}
	if (zmq_msg_more(&body)) {
		drop_rest(s->router);
		rc = -EBADMSG;
		goto out;
	}
	/* Set by our ZAP reply: the only trusted statement of who this is. */
	user = zmq_msg_gets(&body, "User-Id");
	if (!user || !s->n || cli_parse_u32(user, 0, s->n - 1, &idx)) {
		rc = -EACCES;
		goto out;
	}
	if (zmq_msg_size(&rid) > TP_ROUTING_ID_MAX) {
		rc = -EBADMSG;
		goto out;
	}
	memcpy(s->peers[idx].rid, zmq_msg_data(&rid), zmq_msg_size(&rid));
	s->peers[idx].rid_len = zmq_msg_size(&rid);
	s->peers[idx].connected = true;
	*len = zmq_msg_size(&body);
	*buf = malloc(*len ? *len : 1);
	if (!*buf) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(*buf, zmq_msg_data(&body), *len);
	*member = idx;
out:
	zmq_msg_close(&body);
	zmq_msg_close(&rid);
	return rc;
}

int tp_server_send(struct tp_server *s, uint32_t member, const void *buf, size_t len)
{
	struct tp_peer *p;

	if (member >= s->n)
		return -EINVAL;
	p = &s->peers[member];
	if (!p->rid_len)
		return -ENOTCONN;
	if (zmq_send(s->router, p->rid, p->rid_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
	    zmq_send(s->router, buf, len, ZMQ_DONTWAIT) < 0) {
		int rc = zerr();

		if (rc == -EHOSTUNREACH)
			p->connected = false;
		return rc;
	}
	return 0;
}

/* ---- client ------------------------------------------------------------------- */

int tp_client_open(void *zctx, const char *endpoint, const char *server_public_z85,
		   const char *secret_z85, const struct cfg_addr *source,
		   struct tp_client **out)
{
	char pub[CURVE_KEY_Z85_LEN + 1], ep[CFG_ENDPOINT_MAX + INET6_ADDRSTRLEN + 8];
	struct tp_client *c;
	int64_t max = MNP_MAX_MSG;
	int rc;

	*out = NULL;
	if (curve_public_of(secret_z85, pub))
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->zctx = zctx;
	c->dealer = zmq_socket(zctx, ZMQ_DEALER);
	if (!c->dealer) {
		rc = zerr();
		goto fail;
	}
	if (zmq_setsockopt(c->dealer, ZMQ_CURVE_SERVERKEY, server_public_z85, CURVE_KEY_Z85_LEN) ||
	    zmq_setsockopt(c->dealer, ZMQ_CURVE_PUBLICKEY, pub, CURVE_KEY_Z85_LEN) ||
	    zmq_setsockopt(c->dealer, ZMQ_CURVE_SECRETKEY, secret_z85, CURVE_KEY_Z85_LEN) ||
	    zmq_setsockopt(c->dealer, ZMQ_MAXMSGSIZE, &max, sizeof(max))) {
		rc = zerr();
		goto fail;
	}
	/* Queue nothing for a controller we are not connected to. */
	if ((rc = set_int(c->dealer, ZMQ_IMMEDIATE, 1)) ||
	    (rc = set_int(c->dealer, ZMQ_LINGER, 0)) ||
	    (rc = set_int(c->dealer, ZMQ_RECONNECT_IVL, 100)) ||
	    (rc = set_int(c->dealer, ZMQ_RECONNECT_IVL_MAX, 2000)) ||
	    (rc = set_int(c->dealer, ZMQ_HEARTBEAT_IVL, TP_HEARTBEAT_MS)) ||
	    (rc = set_int(c->dealer, ZMQ_HEARTBEAT_TIMEOUT, TP_HEARTBEAT_TIMEOUT_MS)) ||
	    (rc = set_int(c->dealer, ZMQ_IPV6, 1)))
		goto fail;

	snprintf(c->monitor_ep, sizeof(c->monitor_ep), "inproc://mixnet-monitor-%p", (void *)c);
	if (zmq_socket_monitor(c->dealer, c->monitor_ep,
			       ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED |
			       ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
			       ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
			       ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)) {
		rc = zerr();
		goto fail;
	}
	c->monitor = zmq_socket(zctx, ZMQ_PAIR);
	if (!c->monitor || zmq_connect(c->monitor, c->monitor_ep)) {
		rc = zerr();
		goto fail;
	}

	/* "tcp://SOURCE:0;ADDR:PORT" connects from the management address. */
	if (source && source->family && !strncmp(endpoint, "tcp://", 6)) {
		char a[INET6_ADDRSTRLEN];

		cfg_addr_str(source, a, sizeof(a));
		snprintf(ep, sizeof(ep), source->family == AF_INET6 ? "tcp://[%s]:0;%s" : "tcp://%s:0;%s",
			 a, endpoint + 6);
	} else {
		snprintf(ep, sizeof(ep), "%s", endpoint);
	}
	if (zmq_connect(c->dealer, ep)) {
		rc = zerr();
		goto fail;
	}
	curve_key_wipe(pub, sizeof(pub));
	*out = c;
	return 0;
fail:
	tp_client_close(c);
	return rc;
}

void tp_client_close(struct tp_client *c)
{
	if (!c)
		return;
	if (c->dealer)
		zmq_socket_monitor(c->dealer, NULL, 0);
	close_sock(c->monitor);
	close_sock(c->dealer);
	free(c);
}

void *tp_client_socket(struct tp_client *c)
{
	return c->dealer;
}

void *tp_client_monitor_socket(struct tp_client *c)
{
	return c->monitor;
}

bool tp_client_connected(const struct tp_client *c)
{
	return c->connected;
}

const char *tp_client_last_error(const struct tp_client *c)
{
	return c->last_error;
}

enum tp_event tp_client_handle_monitor(struct tp_client *c)
{
	zmq_msg_t m;
	uint16_t event;
	uint32_t value;
	enum tp_event ev = TP_EV_NONE;

	zmq_msg_init(&m);
	if (zmq_msg_recv(&m, c->monitor, ZMQ_DONTWAIT) < 0) {
		zmq_msg_close(&m);
		return TP_EV_NONE;
	}
	if (zmq_msg_size(&m) != 6 || !zmq_msg_more(&m)) {
		zmq_msg_close(&m);
		drop_rest(c->monitor);
		return TP_EV_NONE;
	}
	memcpy(&event, zmq_msg_data(&m), sizeof(event));
	memcpy(&value, (char *)zmq_msg_data(&m) + 2, sizeof(value));
	zmq_msg_close(&m);
	drop_rest(c->monitor);	/* the endpoint frame */

	switch (event) {
	case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
		c->connected = true;
		c->last_error[0] = '\0';
		ev = TP_EV_CONNECTED;
		break;
	case ZMQ_EVENT_DISCONNECTED:
		if (c->connected) {
			c->connected = false;
			ev = TP_EV_DISCONNECTED;
		}
		break;
	case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
		snprintf(c->last_error, sizeof(c->last_error),
			 "controller refused this agent's key (ZAP status %u)", value);
		c->connected = false;
		ev = TP_EV_AUTH_FAILED;
		break;
	default:
		snprintf(c->last_error, sizeof(c->last_error),
			 "handshake failed (%s 0x%x): is the controller's public key right?",
			 event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL ? "protocol" : "no detail",
			 value);
		c->connected = false;
		ev = TP_EV_AUTH_FAILED;
		break;
	}
	return ev;
}

int tp_client_send(struct tp_client *c, const void *buf, size_t len)
{
	return zmq_send(c->dealer, buf, len, ZMQ_DONTWAIT) < 0 ? zerr() : 0;
}

int tp_client_recv(struct tp_client *c, void **buf, size_t *len)
{
	zmq_msg_t m;
	int rc = 0;

	zmq_msg_init(&m);
	if (zmq_msg_recv(&m, c->dealer, ZMQ_DONTWAIT) < 0) {
		rc = zerr();
		zmq_msg_close(&m);
		return rc;
	}
	if (zmq_msg_more(&m)) {
		zmq_msg_close(&m);
		drop_rest(c->dealer);
		return -EBADMSG;
	}
	*len = zmq_msg_size(&m);
	*buf = malloc(*len ? *len : 1);
	if (!*buf)
		rc = -ENOMEM;
	else
		memcpy(*buf, zmq_msg_data(&m), *len);
	zmq_msg_close(&m);
	return rc;
}
