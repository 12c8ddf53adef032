// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * mixnet demand API client (include/mixnet_demand.h).  Self-contained:
 * libc only, so a training framework can vendor this file and the header.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "mixnet_demand.h"

struct mixnet_demand {
	int fd;
	int timeout_ms;
	uint32_t next_id;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void say(struct mixnet_demand_reply *r, int status, const char *msg)
{
	if (!r)
		return;
	r->status = status;
	snprintf(r->message, sizeof(r->message), "%s", msg);
}

int mixnet_demand_connect(const char *path, struct mixnet_demand **out)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct mixnet_demand *d;
	int err;

	*out = NULL;
	if (!path)
		path = MIXNET_DEMAND_SOCKET;
	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->timeout_ms = 10000;
	d->next_id = 1;
	d->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (d->fd < 0 || connect(d->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		err = -errno;
		if (d->fd >= 0)
			close(d->fd);
		free(d);
		return err;
	}
	*out = d;
	return 0;
}

int mixnet_demand_set_timeout(struct mixnet_demand *d, int timeout_ms)
{
	if (timeout_ms <= 0)
		return -EINVAL;
	d->timeout_ms = timeout_ms;
	return 0;
}

void mixnet_demand_close(struct mixnet_demand *d)
{
	if (!d)
		return;
	close(d->fd);
	free(d);
}

/* Wait for @events on the socket until @deadline; 0, -ETIMEDOUT or -errno. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	int64_t left;
	int rc;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		rc = poll(&p, 1, (int)left);
		if (rc > 0)
			return 0;
		if (rc < 0 && errno != EINTR)
			return -errno;
	}
}

static int send_all(int fd, const uint8_t *buf, size_t len, int64_t deadline)
{
	ssize_t n;
	int rc;

	while (len) {
		rc = wait_fd(fd, POLLOUT, deadline);
		if (rc)
			return rc;
		n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int recv_all(int fd, uint8_t *buf, size_t len, int64_t deadline)
{
	ssize_t n;
	int rc;

	while (len) {
		rc = wait_fd(fd, POLLIN, deadline);
		if (rc)
			return rc;
		n = recv(fd, buf, len, MSG_DONTWAIT);
		if (n == 0)
			return -ECONNRESET;
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int check_matrix(const struct mixnet_demand_matrix *m, size_t *names_len,
			struct mixnet_demand_reply *reply)
{
	char msg[MIXNET_DEMAND_MSG_MAX];
	uint32_t i, j;

	*names_len = 0;
	if (!m || !m->bytes || m->n == 0 || m->n > MIXNET_DEMAND_MAX_N) {
		say(reply, -EINVAL, "matrix must have 1..4096 servers");
		return -EINVAL;
	}
	if (m->layer < -1) {
		say(reply, -EINVAL, "layer must be >= 0, or -1 for none");
		return -EINVAL;
	}
	if (!m->names)
		return 0;
	for (i = 0; i < m->n; i++) {
		const char *s = m->names[i];
		size_t l = s ? strlen(s) : 0;

		if (l == 0 || l >= MIXNET_DEMAND_NAME_MAX) {
			snprintf(msg, sizeof(msg), "name of server %u is empty or too long", i);
			say(reply, -EINVAL, msg);
			return -EINVAL;
		}
		for (j = 0; j < l; j++)
			if ((unsigned char)s[j] <= ' ' || (unsigned char)s[j] > '~') {
				snprintf(msg, sizeof(msg), "name of server %u has invalid characters", i);
				say(reply, -EINVAL, msg);
				return -EINVAL;
			}
		*names_len += l + 1;
	}
	return 0;
}

int mixnet_demand_submit(struct mixnet_demand *d, const struct mixnet_demand_matrix *m,
			 struct mixnet_demand_reply *reply)
{
	uint8_t *buf, *p, rhdr[MIXNET_DEMAND_WIRE_HDR];
	uint8_t body[MIXNET_DEMAND_WIRE_REPLY_HDR + MIXNET_DEMAND_MSG_MAX];
	size_t names_len, payload, cells, i;
	int64_t deadline = now_ms() + d->timeout_ms;
	uint32_t id = d->next_id++, rlen;
	int rc;

	if (reply)
		memset(reply, 0, sizeof(*reply));
	rc = check_matrix(m, &names_len, reply);
	if (rc)
		return rc;
	cells = (size_t)m->n * m->n;
	payload = MIXNET_DEMAND_WIRE_SUBMIT_HDR + cells * 8 + names_len;
	buf = malloc(MIXNET_DEMAND_WIRE_HDR + payload);
	if (!buf) {
		say(reply, -ENOMEM, "out of memory");
		return -ENOMEM;
	}
	memcpy(buf, "MXDQ", 4);
	put16(buf + 4, MIXNET_DEMAND_WIRE_VERSION);
	put16(buf + 6, MIXNET_DEMAND_WIRE_SUBMIT);
	put32(buf + 8, (uint32_t)payload);
	put32(buf + 12, id);
	p = buf + MIXNET_DEMAND_WIRE_HDR;
	put32(p, m->n);
	put32(p + 4, (m->layer >= 0 ? MIXNET_DEMAND_F_LAYER : 0) |
		     (m->names ? MIXNET_DEMAND_F_NAMES : 0));
	put32(p + 8, m->layer >= 0 ? (uint32_t)m->layer : 0);
	put32(p + 12, (uint32_t)names_len);
	p += MIXNET_DEMAND_WIRE_SUBMIT_HDR;
	for (i = 0; i < cells; i++, p += 8)
		put64(p, m->bytes[i]);
	for (i = 0; m->names && i < m->n; i++) {
		size_t l = strlen(m->names[i]) + 1;

		memcpy(p, m->names[i], l);
		p += l;
	}
	rc = send_all(d->fd, buf, MIXNET_DEMAND_WIRE_HDR + payload, deadline);
	free(buf);
	if (rc) {
		say(reply, rc, "cannot send to the daemon");
		return rc;
	}

	rc = recv_all(d->fd, rhdr, sizeof(rhdr), deadline);
	if (rc) {
		say(reply, rc, rc == -ETIMEDOUT ? "no answer from the daemon" : "daemon closed the connection");
		return rc;
	}
	rlen = get32(rhdr + 8);
	if (memcmp(rhdr, "MXDR", 4) || get32(rhdr + 12) != id ||
	    rlen < MIXNET_DEMAND_WIRE_REPLY_HDR + 1 || rlen > sizeof(body)) {
		say(reply, -EPROTO, "malformed reply from the daemon");
		return -EPROTO;
	}
	rc = recv_all(d->fd, body, rlen, deadline);
	if (rc) {
		say(reply, rc, "daemon closed the connection");
		return rc;
	}
	if (body[rlen - 1] != '\0') {
		say(reply, -EPROTO, "malformed reply from the daemon");
		return -EPROTO;
	}
	rc = (int32_t)get32(body);
	if (rc > 0)
		rc = -EPROTO;
	if (reply) {
		reply->status = rc;
		reply->id = get64(body + 8);
		snprintf(reply->message, sizeof(reply->message), "%s",
			 (const char *)body + MIXNET_DEMAND_WIRE_REPLY_HDR);
	}
	return rc;
}
