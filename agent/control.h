/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's control socket: `mixnet-agent status` and friends.  A
 * client connects, writes one JSON object ({"cmd": "status"}) and shuts
 * down its sending side; the daemon answers with one JSON object and
 * closes.  Errors are {"error": "...", "errno": N}.
 */
#ifndef MIXNET_CONTROL_H
#define MIXNET_CONTROL_H

#include <jansson.h>
#include <sys/socket.h>

#include "unix_sock.h"

#define CONTROL_MAX_REQUEST	65536

/* Answer @req (never NULL on return: an error object at worst). */
typedef json_t *(*control_fn)(void *priv, const json_t *req, const struct ucred *peer);

struct control_server {
	struct usock_set set;
	control_fn fn;
	void *priv;
};

/* Listen on @path, mode 0666 (read-only commands; see agent.md). 0 or -errno. */
int control_server_open(struct control_server *cs, const char *path, control_fn fn, void *priv);
void control_server_close(struct control_server *cs);

static inline int control_server_pollitems(struct control_server *cs, zmq_pollitem_t *it, int max)
{
	return usock_set_pollitems(&cs->set, it, max);
}

static inline void control_server_dispatch(struct control_server *cs, const zmq_pollitem_t *it,
					   int n)
{
	usock_set_dispatch(&cs->set, it, n);
}

/*
 * Client: send @req to the daemon at @path, wait up to @timeout_ms for its
 * answer.  0 with *reply set (decref it), or -errno (-ENOENT/-ECONNREFUSED:
 * no daemon; -ETIMEDOUT; -EPROTO: not JSON).
 */
int control_request(const char *path, const json_t *req, json_t **reply, int timeout_ms);

/* An error answer. */
json_t *control_error(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* MIXNET_CONTROL_H */
