/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Transport between host agents and the region controller: ZeroMQ over
 * TCP with CURVE (Curve25519 key exchange, authenticated encryption).
 *
 * The controller binds a ROUTER socket as CURVE server and answers ZAP
 * (ZeroMQ RFC 27) requests itself: a connection is accepted only if the
 * client's public key is a configured member's and, when the member has
 * a management address, the connection comes from that address.  The ZAP
 * handler is bound before the server socket, so there is no window in
 * which libzmq would accept any key.  Every received message carries the
 * member index set by the ZAP reply (the "User-Id" property), so the
 * controller never trusts a name written inside a message.
 *
 * A host agent connects a DEALER socket as CURVE client that knows the
 * controller's public key: a process without the controller's secret key
 * cannot pose as the controller, and one without a member's secret key
 * cannot complete a handshake, send demand or receive plans.
 *
 * One frame per message; payloads are opaque here (proto.h encodes them).
 * Nothing blocks: sends that cannot proceed return -EAGAIN, receives with
 * nothing queued return -EAGAIN.  Callers poll the sockets with zmq_poll.
 */
#ifndef MIXNET_TRANSPORT_H
#define MIXNET_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "curve_keys.h"

/* A region member the controller accepts. */
struct tp_member {
	char name[CFG_NAME_MAX];
	char public_key[CURVE_KEY_Z85_LEN + 1];
	struct cfg_addr mgmt;	/* family 0: any source address */
};

/* Members from the region configuration (every [host]). *out malloc'ed. */
int tp_members_from_config(const struct config *cfg, struct tp_member **out, uint32_t *n);

/* ---- controller side ------------------------------------------------------ */

struct tp_server_stats {
	uint64_t accepted;		/* handshakes let through */
	uint64_t refused;		/* handshakes refused by the ZAP handler */
	char last_refused[160];		/* who and why, for status and logs */
};

struct tp_server;

/*
 * Bind @endpoint (tcp://ADDR:PORT, port "*" picks one: see
 * tp_server_endpoint) in ZeroMQ context @zctx, which must not have another
 * ZAP handler.  @secret_z85 is the controller's secret key.  Returns 0 or
 * -errno (-EADDRINUSE, -EINVAL ...).
 */
int tp_server_open(void *zctx, const char *endpoint, const char *secret_z85,
		   const struct tp_member *members, uint32_t n, struct tp_server **out);
void tp_server_close(struct tp_server *s);

/* Sockets to poll for ZMQ_POLLIN: the ROUTER and the ZAP handler. */
void *tp_server_socket(struct tp_server *s);
void *tp_server_zap_socket(struct tp_server *s);
/* The endpoint actually bound (resolves a "*" port). */
const char *tp_server_endpoint(const struct tp_server *s);

/* Answer every pending ZAP request.  Returns how many, or -errno. */
int tp_server_handle_zap(struct tp_server *s);

/*
 * Receive one message: *member is the sender's index in the member list,
 * *buf is malloc'ed.  -EAGAIN if nothing is queued.  Messages that are not
 * a single frame, or over MNP limits, are dropped (-EBADMSG).
 */
int tp_server_recv(struct tp_server *s, uint32_t *member, void **buf, size_t *len);

/*
 * Send to a member over its latest connection.  -ENOTCONN if it never
 * connected, -EHOSTUNREACH if that connection is gone, -EAGAIN if its
 * queue is full.
 */
int tp_server_send(struct tp_server *s, uint32_t member, const void *buf, size_t len);

/* Has @member a connection the server has heard from? */
bool tp_server_member_connected(const struct tp_server *s, uint32_t member);

const struct tp_server_stats *tp_server_stats(const struct tp_server *s);

/* ---- host side ---------------------------------------------------------------- */

enum tp_event {
	TP_EV_NONE = 0,
	TP_EV_CONNECTED,	/* handshake done: send HELLO */
	TP_EV_DISCONNECTED,	/* lost the connection; libzmq reconnects by itself */
	TP_EV_AUTH_FAILED,	/* the controller refused us, or it is not who we expect */
};

struct tp_client;

/*
 * Connect to the controller at @endpoint, expecting its public key
 * @server_public_z85, authenticating with @secret_z85.  @source (may be
 * NULL or unset) is the local address to connect from.  The connection
 * is made in the background: watch tp_client_monitor_socket() events.
 */
int tp_client_open(void *zctx, const char *endpoint, const char *server_public_z85,
		   const char *secret_z85, const struct cfg_addr *source,
		   struct tp_client **out);
void tp_client_close(struct tp_client *c);

void *tp_client_socket(struct tp_client *c);
void *tp_client_monitor_socket(struct tp_client *c);

/* Read one connection event (TP_EV_NONE if none is queued). */
enum tp_event tp_client_handle_monitor(struct tp_client *c);
bool tp_client_connected(const struct tp_client *c);
/* Why the last handshake failed (ZAP status or protocol), "" if none. */
const char *tp_client_last_error(const struct tp_client *c);

/* -EAGAIN when there is no connection (messages are not queued for later). */
int tp_client_send(struct tp_client *c, const void *buf, size_t len);
int tp_client_recv(struct tp_client *c, void **buf, size_t *len);

#endif /* MIXNET_TRANSPORT_H */
