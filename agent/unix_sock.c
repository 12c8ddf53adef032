// SPDX-License-Identifier: GPL-2.0
/* Local Unix stream sockets of the daemon (see unix_sock.h). */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "unix_sock.h"

static int fill_addr(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path))
		return -ENAMETOOLONG;
	strcpy(sun->sun_path, path);
	return 0;
}

int usock_connect(const char *path)
{
	struct sockaddr_un sun;
	int fd, rc;

	rc = fill_addr(path, &sun);
	if (rc)
		return rc;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

static int make_parent(const char *path)
{
	char dir[PATH_MAX], *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int usock_listen(const char *path, mode_t mode, const char *group)
{
	struct sockaddr_un sun;
	struct stat st;
	int fd, rc;

	rc = fill_addr(path, &sun);
	if (rc)
		return rc;
	rc = make_parent(path);
	if (rc)
		return rc;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return -EEXIST;	/* never remove something that is not ours */
		fd = usock_connect(path);
		if (fd >= 0) {
			close(fd);
			return -EADDRINUSE;	/* a live daemon owns it */
		}
		if (unlink(path) < 0 && errno != ENOENT)
			return -errno;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || listen(fd, 16) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	if (chmod(path, mode) < 0) {
		rc = -errno;
		goto fail;
	}
	if (group && *group) {
		struct group *g = getgrnam(group);

		if (!g) {
			rc = -ENOENT;
			log_err("%s: no group '%s'", path, group);
			goto fail;
		}
		if (chown(path, (uid_t)-1, g->gr_gid) < 0) {
			rc = -errno;
			goto fail;
		}
	}
	return fd;
fail:
	close(fd);
	unlink(path);
	return rc;
}

void usock_set_init(struct usock_set *set, int fd, const char *path, size_t max_rx,
		    usock_rx_fn on_rx, void *priv)
{
	int i;

	memset(set, 0, sizeof(*set));
	set->listen_fd = fd;
	set->max_rx = max_rx;
	set->on_rx = on_rx;
	set->priv = priv;
	snprintf(set->path, sizeof(set->path), "%s", path);
	for (i = 0; i < USOCK_MAX_CONNS; i++)
		set->conns[i].fd = -1;
}

static void conn_close(struct usock_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->rx);
	free(c->tx);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

void usock_set_close(struct usock_set *set)
{
	int i;

	for (i = 0; i < USOCK_MAX_CONNS; i++)
		conn_close(&set->conns[i]);
	if (set->listen_fd >= 0) {
		close(set->listen_fd);
		set->listen_fd = -1;
		if (set->path[0])
			unlink(set->path);
	}
}

int usock_set_pollitems(struct usock_set *set, zmq_pollitem_t *items, int max)
{
	int i, n = 0;

	if (set->listen_fd < 0 || max < 1)
		return 0;
	items[n++] = (zmq_pollitem_t){ .fd = set->listen_fd, .events = ZMQ_POLLIN };
	for (i = 0; i < USOCK_MAX_CONNS && n < max; i++) {
		struct usock_conn *c = &set->conns[i];

		if (c->fd < 0)
			continue;
		items[n++] = (zmq_pollitem_t){
			.fd = c->fd,
			.events = (short)((c->rx_eof ? 0 : ZMQ_POLLIN) |
					  (c->tx_len > c->tx_off ? ZMQ_POLLOUT : 0)),
		};
	}
	return n;
}

static void accept_one(struct usock_set *set)
{
	socklen_t len = sizeof(struct ucred);
	struct usock_conn *c = NULL;
	int fd, i;

	fd = accept4(set->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	for (i = 0; i < USOCK_MAX_CONNS; i++)
		if (set->conns[i].fd < 0) {
			c = &set->conns[i];
			break;
		}
	if (!c) {
		log_warn("%s: too many connections, refusing one", set->path);
		close(fd);
		return;
	}
	c->fd = fd;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c->cred, &len) < 0)
		c->cred.pid = 0;
}

static int flush(struct usock_conn *c)
{
	while (c->tx_off < c->tx_len) {
		ssize_t n = send(c->fd, c->tx + c->tx_off, c->tx_len - c->tx_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		c->tx_off += (size_t)n;
	}
	c->tx_off = c->tx_len = 0;
	return c->close_after_tx ? 1 : 0;
}

static int read_some(struct usock_set *set, struct usock_conn *c)
{
	for (;;) {
		ssize_t n;

		if (c->rx_cap - c->rx_len < 4096) {
			size_t cap = c->rx_cap ? c->rx_cap * 2 : 8192;
			void *p;

			if (cap > set->max_rx + 8192)
				cap = set->max_rx + 8192;
			if (cap <= c->rx_len)
				return -EMSGSIZE;
			p = realloc(c->rx, cap);
			if (!p)
				return -ENOMEM;
			c->rx = p;
			c->rx_cap = cap;
		}
		n = recv(c->fd, c->rx + c->rx_len, c->rx_cap - c->rx_len, MSG_DONTWAIT);
		if (n == 0) {
			c->rx_eof = true;
			return 0;
		}
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		c->rx_len += (size_t)n;
		if (c->rx_len > set->max_rx + 4096)
			return -EMSGSIZE;
	}
}

void usock_set_dispatch(struct usock_set *set, const zmq_pollitem_t *items, int n)
{
	int i, j, rc;

	for (i = 1; i < n; i++) {
		struct usock_conn *c = NULL;

		for (j = 0; j < USOCK_MAX_CONNS; j++)
			if (set->conns[j].fd == items[i].fd)
				c = &set->conns[j];
		if (!c)
			continue;
		rc = 0;
		if (items[i].revents & ZMQ_POLLIN) {
			rc = read_some(set, c);
			if (!rc)
				rc = set->on_rx(set->priv, c);
		}
		if (!rc && c->tx_len > c->tx_off)
			rc = flush(c);
		if (!rc && (items[i].revents & ZMQ_POLLERR))
			rc = -EIO;
		/* Done: closed by request, failed, or the peer left with nothing pending. */
		if (rc || (c->rx_eof && c->tx_len == c->tx_off))
			conn_close(c);
	}
	if (n > 0 && (items[0].revents & ZMQ_POLLIN))
		accept_one(set);
}

void usock_consume(struct usock_conn *c, size_t len)
{
	if (len >= c->rx_len) {
		c->rx_len = 0;
		return;
	}
	memmove(c->rx, c->rx + len, c->rx_len - len);
	c->rx_len -= len;
}

int usock_send(struct usock_conn *c, const void *buf, size_t len)
{
	void *p = realloc(c->tx, c->tx_len + len);

	if (!p)
		return -ENOMEM;
	c->tx = p;
	memcpy(c->tx + c->tx_len, buf, len);
	c->tx_len += len;
	return 0;
}
