/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Local Unix stream sockets of the daemon (demand API, control/status):
 * listening with stale-socket detection, and a small set of non-blocking
 * connections with receive and send buffers, polled from the daemon's
 * zmq_poll loop.  The protocols on top live in demand_server.c and
 * control.c.
 */
#ifndef MIXNET_UNIX_SOCK_H
#define MIXNET_UNIX_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <zmq.h>

#define USOCK_MAX_CONNS	16

/*
 * Listen on @path.  A socket file left by a dead daemon is replaced; one a
 * live daemon answers on is not (-EADDRINUSE).  The parent directory is
 * created (0755) if missing.  @mode is applied to the socket file and
 * @group (NULL or "": unchanged) becomes its group.  Returns fd or -errno.
 */
int usock_listen(const char *path, mode_t mode, const char *group);
/* Connect (blocking, close-on-exec).  fd or -errno. */
int usock_connect(const char *path);

struct usock_conn {
	int fd;			/* -1: free slot */
	uint8_t *rx;
	size_t rx_len, rx_cap;
	bool rx_eof;		/* the peer shut down its side */
	uint8_t *tx;
	size_t tx_len, tx_off;
	bool close_after_tx;
	struct ucred cred;	/* of the peer, at accept time */
};

/*
 * Called after new bytes arrived on @c (or EOF).  Consume complete
 * requests with usock_consume(), queue answers with usock_send(); return
 * a negative errno to drop the connection.
 */
typedef int (*usock_rx_fn)(void *priv, struct usock_conn *c);

struct usock_set {
	int listen_fd;
	size_t max_rx;		/* a peer that sends more without a request ending is dropped */
	usock_rx_fn on_rx;
	void *priv;
	char path[108];
	struct usock_conn conns[USOCK_MAX_CONNS];
};

/* Take ownership of listening socket @fd.  0 or -ENOMEM. */
void usock_set_init(struct usock_set *set, int fd, const char *path, size_t max_rx,
		    usock_rx_fn on_rx, void *priv);
/* Close every connection and the listening socket, unlink the path. */
void usock_set_close(struct usock_set *set);

/* Add poll items (listening socket, connections); returns how many. */
int usock_set_pollitems(struct usock_set *set, zmq_pollitem_t *items, int max);
/* Handle the items usock_set_pollitems() added (same order, @n of them). */
void usock_set_dispatch(struct usock_set *set, const zmq_pollitem_t *items, int n);

void usock_consume(struct usock_conn *c, size_t len);
int usock_send(struct usock_conn *c, const void *buf, size_t len);

#endif /* MIXNET_UNIX_SOCK_H */
