// SPDX-License-Identifier: GPL-2.0
/* Socket helpers of mixnet-trafgen (see netio.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "netio.h"

uint64_t tg_now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

int tg_sockaddr(const char *addr, uint16_t port, struct sockaddr_storage *ss,
		socklen_t *len)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		*len = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		*len = sizeof(*s6);
		return 0;
	}
	return -EINVAL;
}

int tg_listen(const char *addr, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1, err;

	if (tg_sockaddr(addr, port, &ss, &len))
		return -EINVAL;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 1024)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int tg_connect_start(const char *addr, uint16_t port, const char *src)
{
	struct sockaddr_storage ss, from;
	socklen_t len, flen;
	int fd, err;

	if (tg_sockaddr(addr, port, &ss, &len))
		return -EINVAL;
	if (src && (tg_sockaddr(src, 0, &from, &flen) || from.ss_family != ss.ss_family))
		return -EINVAL;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (src && bind(fd, (struct sockaddr *)&from, flen)) {
		err = -errno;
		close(fd);
		return err;
	}
	if (connect(fd, (struct sockaddr *)&ss, len) && errno != EINPROGRESS) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int tg_connect_result(int fd)
{
	int soerr = 0;
	socklen_t sl = sizeof(soerr);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl))
		return -errno;
	return -soerr;
}

static int wait_fd(int fd, short events, uint64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	uint64_t now = tg_now_usec();
	int rc;

	if (now >= deadline)
		return -ETIMEDOUT;
	rc = poll(&p, 1, (int)((deadline - now + 999) / 1000));
	if (rc < 0)
		return errno == EINTR ? 0 : -errno;
	return rc == 0 ? -ETIMEDOUT : 0;
}

int tg_write_all(int fd, const void *buf, size_t len, int timeout_ms)
{
	uint64_t deadline = tg_now_usec() + (uint64_t)timeout_ms * 1000;
	const char *p = buf;
	int err;

	while (len) {
		ssize_t k = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (k > 0) {
			p += k;
			len -= (size_t)k;
			continue;
		}
		if (k < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		err = wait_fd(fd, POLLOUT, deadline);
		if (err)
			return err;
	}
	return 0;
}

int tg_read_all(int fd, void *buf, size_t len, int timeout_ms)
{
	uint64_t deadline = tg_now_usec() + (uint64_t)timeout_ms * 1000;
	char *p = buf;
	int err;

	while (len) {
		ssize_t k = recv(fd, p, len, MSG_DONTWAIT);

		if (k > 0) {
			p += k;
			len -= (size_t)k;
			continue;
		}
		if (k == 0)
			return -ECONNRESET;
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
		err = wait_fd(fd, POLLIN, deadline);
		if (err)
			return err;
	}
	return 0;
}

void tg_linebuf_init(struct tg_linebuf *lb, size_t max)
{
	memset(lb, 0, sizeof(*lb));
	lb->max = max;
}

void tg_linebuf_free(struct tg_linebuf *lb)
{
	free(lb->buf);
	lb->buf = NULL;
	lb->len = lb->cap = lb->taken = 0;
}

/* Drop the line handed out last. */
static void linebuf_compact(struct tg_linebuf *lb)
{
	if (!lb->taken)
		return;
	memmove(lb->buf, lb->buf + lb->taken, lb->len - lb->taken);
	lb->len -= lb->taken;
	lb->taken = 0;
}

ssize_t tg_linebuf_fill(struct tg_linebuf *lb, int fd)
{
	ssize_t k;

	linebuf_compact(lb);
	if (lb->cap - lb->len < 4096) {
		size_t cap = lb->cap ? lb->cap * 2 : 8192;
		char *nb;

		if (cap > lb->max + 4096)
			cap = lb->max + 4096;
		if (cap <= lb->len + 1)
			return -EMSGSIZE;
		nb = realloc(lb->buf, cap);
		if (!nb)
			return -ENOMEM;
		lb->buf = nb;
		lb->cap = cap;
	}
	k = recv(fd, lb->buf + lb->len, lb->cap - lb->len - 1, MSG_DONTWAIT);
	if (k < 0)
		return errno == EINTR ? -EAGAIN : -errno;
	lb->len += (size_t)k;
	if (lb->len > lb->max && !memchr(lb->buf, '\n', lb->len))
		return -EMSGSIZE;
	return k;
}

char *tg_linebuf_next(struct tg_linebuf *lb, size_t *len)
{
	char *nl;

	linebuf_compact(lb);
	if (!lb->len)
		return NULL;
	nl = memchr(lb->buf, '\n', lb->len);
	if (!nl)
		return NULL;
	*nl = '\0';
	*len = (size_t)(nl - lb->buf);
	lb->taken = *len + 1;
	return lb->buf;
}
