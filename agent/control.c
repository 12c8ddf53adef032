// SPDX-License-Identifier: GPL-2.0
/* The daemon's control socket (see control.h). */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "log.h"

json_t *control_error(int err, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return json_pack("{s:s, s:i}", "error", msg, "errno", err < 0 ? -err : err);
}

static int on_rx(void *priv, struct usock_conn *c)
{
	struct control_server *cs = priv;
	json_error_t jerr;
	json_t *req, *ans;
	char *text;
	int rc;

	if (!c->rx_eof)
		return 0;	/* the request ends where the client shuts down writing */
	req = json_loadb((const char *)c->rx, c->rx_len, JSON_REJECT_DUPLICATES, &jerr);
	usock_consume(c, c->rx_len);
	if (!req || !json_is_object(req))
		ans = control_error(EINVAL, "request is not a JSON object: %s",
				    req ? "wrong type" : jerr.text);
	else
		ans = cs->fn(cs->priv, req, &c->cred);
	json_decref(req);
	if (!ans)
		ans = control_error(ENOMEM, "out of memory");
	text = json_dumps(ans, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(ans);
	if (!text)
		return -ENOMEM;
	rc = usock_send(c, text, strlen(text));
	free(text);
	c->close_after_tx = true;
	return rc;
}

int control_server_open(struct control_server *cs, const char *path, control_fn fn, void *priv)
{
	int fd;

	memset(cs, 0, sizeof(*cs));
	cs->set.listen_fd = -1;
	fd = usock_listen(path, 0666, NULL);
	if (fd < 0)
		return fd;
	cs->fn = fn;
	cs->priv = priv;
	usock_set_init(&cs->set, fd, path, CONTROL_MAX_REQUEST, on_rx, cs);
	return 0;
}

void control_server_close(struct control_server *cs)
{
	usock_set_close(&cs->set);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int control_request(const char *path, const json_t *req, json_t **reply, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	size_t len = 0, cap = 0, off = 0, tlen;
	char *text, *buf = NULL;
	json_error_t jerr;
	int fd, rc = 0;

	*reply = NULL;
	text = json_dumps(req, JSON_COMPACT);
	if (!text)
		return -ENOMEM;
	fd = usock_connect(path);
	if (fd < 0) {
		free(text);
		return fd;
	}
	tlen = strlen(text);
	while (off < tlen) {
		ssize_t n = send(fd, text + off, tlen - off, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		off += (size_t)n;
	}
	free(text);
	if (!rc && shutdown(fd, SHUT_WR) < 0)
		rc = -errno;
	while (!rc) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - now_ms();
		ssize_t n;

		if (left <= 0) {
			rc = -ETIMEDOUT;
			break;
		}
		if (poll(&p, 1, (int)left) < 0) {
			if (errno != EINTR)
				rc = -errno;
			continue;
		}
		if (!(p.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap ? cap * 2 : 8192);

			if (!nb) {
				rc = -ENOMEM;
				break;
			}
			buf = nb;
			cap = cap ? cap * 2 : 8192;
		}
		n = recv(fd, buf + len, cap - len, 0);
		if (n < 0) {
			if (errno != EINTR)
				rc = -errno;
			continue;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (!rc) {
		*reply = json_loadb(buf ? buf : "", len, 0, &jerr);
		if (!*reply || !json_is_object(*reply)) {
			json_decref(*reply);
			*reply = NULL;
			rc = -EPROTO;
		}
	}
	free(buf);
	return rc;
}
