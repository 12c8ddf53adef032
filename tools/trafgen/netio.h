/* SPDX-License-Identifier: GPL-2.0 */
/* Socket helpers of mixnet-trafgen: addresses, listen/connect, whole
 * writes with a deadline, a bounded line reader, a monotonic clock. */
#ifndef MIXNET_TRAFGEN_NETIO_H
#define MIXNET_TRAFGEN_NETIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Microseconds of CLOCK_MONOTONIC. */
uint64_t tg_now_usec(void);

/* Numeric @addr (IPv4 or IPv6) and @port into @ss.  0 or -EINVAL. */
int tg_sockaddr(const char *addr, uint16_t port, struct sockaddr_storage *ss,
		socklen_t *len);

/* A non-blocking listening TCP socket on @addr:@port.  fd or -errno. */
int tg_listen(const char *addr, uint16_t port);

/* Start a non-blocking connect to @addr:@port, from @src (port 0) when
 * @src is not NULL.  fd (connected or in progress) or -errno. */
int tg_connect_start(const char *addr, uint16_t port, const char *src);

/* Outcome of a connect started above once the fd is writable: 0 or -errno. */
int tg_connect_result(int fd);

/* Write all of @buf to the (possibly non-blocking) socket @fd within
 * @timeout_ms.  0, -ETIMEDOUT or -errno. */
int tg_write_all(int fd, const void *buf, size_t len, int timeout_ms);

/* Read exactly @len bytes within @timeout_ms; -ECONNRESET on EOF. */
int tg_read_all(int fd, void *buf, size_t len, int timeout_ms);

struct tg_linebuf {
	char *buf;
	size_t len, cap, max;
	size_t taken;	/* bytes of the line handed out last */
};

void tg_linebuf_init(struct tg_linebuf *lb, size_t max);
void tg_linebuf_free(struct tg_linebuf *lb);
/* Read what is available from @fd (invalidates the last line): bytes
 * read (> 0), 0 at EOF, -EAGAIN when nothing is there, -EMSGSIZE when a line exceeds max, -errno. */
ssize_t tg_linebuf_fill(struct tg_linebuf *lb, int fd);
/* Take the next complete line (without '\n', NUL-terminated, valid until
 * the next call) or NULL.  @len gets its length. */
char *tg_linebuf_next(struct tg_linebuf *lb, size_t *len);

#endif /* MIXNET_TRAFGEN_NETIO_H */
