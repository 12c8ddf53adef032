// SPDX-License-Identifier: GPL-2.0
/* The daemon's side of the demand API (see demand_server.h). */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demand_server.h"
#include "log.h"

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static int reply(struct usock_conn *c, uint32_t req_id, int status, uint64_t id, const char *msg)
{
	uint8_t buf[MIXNET_DEMAND_WIRE_HDR + MIXNET_DEMAND_WIRE_REPLY_HDR + MIXNET_DEMAND_MSG_MAX];
	size_t mlen = strnlen(msg, MIXNET_DEMAND_MSG_MAX - 1) + 1;
	size_t payload = MIXNET_DEMAND_WIRE_REPLY_HDR + mlen;

	memset(buf, 0, sizeof(buf));
	memcpy(buf, "MXDR", 4);
	buf[4] = MIXNET_DEMAND_WIRE_VERSION;
	buf[6] = MIXNET_DEMAND_WIRE_SUBMIT;
	put32(buf + 8, (uint32_t)payload);
	put32(buf + 12, req_id);
	put32(buf + 16, (uint32_t)status);
	put64(buf + 24, id);
	memcpy(buf + 32, msg, mlen - 1);
	return usock_send(c, buf, MIXNET_DEMAND_WIRE_HDR + payload);
}

/* Refuse and hang up: after a framing error the stream cannot be trusted. */
static int refuse(struct demand_server *ds, struct usock_conn *c, uint32_t req_id, int status,
		  const char *msg)
{
	ds->refused++;
	log_warn("demand: refused a request from pid %d: %s", (int)c->cred.pid, msg);
	c->close_after_tx = true;
	usock_consume(c, c->rx_len);
	return reply(c, req_id, status, 0, msg);
}

/* Names blob: exactly n NUL-terminated, non-empty, printable names. */
static int parse_names(const uint8_t *blob, size_t len, uint32_t n,
		       char (*names)[MIXNET_DEMAND_NAME_MAX], char *why, size_t whylen)
{
	size_t off = 0, l, k;
	uint32_t i, j;

	for (i = 0; i < n; i++) {
		const uint8_t *end = memchr(blob + off, '\0', len - off);

		if (!end) {
			snprintf(why, whylen, "names: %u of %u present", i, n);
			return -EINVAL;
		}
		l = (size_t)(end - (blob + off));
		if (l == 0 || l >= MIXNET_DEMAND_NAME_MAX) {
			snprintf(why, whylen, "name %u is empty or too long", i);
			return -EINVAL;
		}
		for (k = 0; k < l; k++)
			if (blob[off + k] <= ' ' || blob[off + k] > '~') {
				snprintf(why, whylen, "name %u has invalid characters", i);
				return -EINVAL;
			}
		memcpy(names[i], blob + off, l + 1);
		for (j = 0; j < i; j++)
			if (!strcmp(names[j], names[i])) {
				snprintf(why, whylen, "host %s named twice", names[i]);
				return -EINVAL;
			}
		off += l + 1;
	}
	if (off != len) {
		snprintf(why, whylen, "%zu bytes after the last name", len - off);
		return -EINVAL;
	}
	return 0;
}

static int on_rx(void *priv, struct usock_conn *c)
{
	struct demand_server *ds = priv;
	char why[MIXNET_DEMAND_MSG_MAX];

	while (c->rx_len >= MIXNET_DEMAND_WIRE_HDR) {
		const uint8_t *h = c->rx, *p;
		uint32_t plen = get32(h + 8), req_id = get32(h + 12), n, flags, names_len;
		char (*names)[MIXNET_DEMAND_NAME_MAX] = NULL;
		struct demand_submission s = { 0 };
		uint64_t *bytes, id = 0, cells, i;
		size_t want;
		int rc;

		if (memcmp(h, "MXDQ", 4))
			return refuse(ds, c, req_id, -EPROTO, "not a demand request (bad magic)");
		if (get16(h + 4) != MIXNET_DEMAND_WIRE_VERSION) {
			snprintf(why, sizeof(why), "wire version %u, this daemon speaks %u",
				 get16(h + 4), MIXNET_DEMAND_WIRE_VERSION);
			return refuse(ds, c, req_id, -EPROTONOSUPPORT, why);
		}
		if (get16(h + 6) != MIXNET_DEMAND_WIRE_SUBMIT)
			return refuse(ds, c, req_id, -EOPNOTSUPP, "unknown request type");
		/* The size is bounded before anything of the payload is read. */
		want = MIXNET_DEMAND_WIRE_SUBMIT_HDR + (size_t)ds->max_n * ds->max_n * 8 +
		       (size_t)ds->max_n * MIXNET_DEMAND_NAME_MAX;
		if (plen < MIXNET_DEMAND_WIRE_SUBMIT_HDR || plen > want) {
			snprintf(why, sizeof(why), "request of %u bytes (this region takes up to %u servers)",
				 plen, ds->max_n);
			return refuse(ds, c, req_id, -E2BIG, why);
		}
		if (c->rx_len < MIXNET_DEMAND_WIRE_HDR + (size_t)plen)
			return c->rx_eof ? refuse(ds, c, req_id, -EPROTO, "truncated request") : 0;

		p = h + MIXNET_DEMAND_WIRE_HDR;
		n = get32(p);
		flags = get32(p + 4);
		names_len = get32(p + 12);
		if (n == 0 || n > ds->max_n) {
			snprintf(why, sizeof(why), "matrix of %u servers (this region has %u)", n,
				 ds->max_n);
			return refuse(ds, c, req_id, n ? -E2BIG : -EINVAL, why);
		}
		if (flags & ~(MIXNET_DEMAND_F_LAYER | MIXNET_DEMAND_F_NAMES))
			return refuse(ds, c, req_id, -EINVAL, "unknown flags");
		if (!(flags & MIXNET_DEMAND_F_NAMES) && names_len)
			return refuse(ds, c, req_id, -EINVAL, "names length without names");
		cells = (uint64_t)n * n;
		if ((uint64_t)plen != MIXNET_DEMAND_WIRE_SUBMIT_HDR + cells * 8 + names_len)
			return refuse(ds, c, req_id, -EINVAL, "length does not match the matrix size");

		bytes = malloc(cells * sizeof(*bytes));
		if (flags & MIXNET_DEMAND_F_NAMES)
			names = calloc(n, sizeof(*names));
		if (!bytes || ((flags & MIXNET_DEMAND_F_NAMES) && !names)) {
			free(bytes);
			free(names);
			return refuse(ds, c, req_id, -ENOMEM, "out of memory");
		}
		for (i = 0; i < cells; i++)
			bytes[i] = get64(p + MIXNET_DEMAND_WIRE_SUBMIT_HDR + i * 8);
		rc = 0;
		if (names)
			rc = parse_names(p + MIXNET_DEMAND_WIRE_SUBMIT_HDR + cells * 8, names_len, n,
					 names, why, sizeof(why));
		if (rc) {
			free(bytes);
			free(names);
			return refuse(ds, c, req_id, rc, why);
		}

		s.n = n;
		s.bytes = bytes;
		s.names = (const char (*)[MIXNET_DEMAND_NAME_MAX])names;
		s.has_layer = flags & MIXNET_DEMAND_F_LAYER;
		s.layer = get32(p + 8);
		s.pid = c->cred.pid;
		s.uid = c->cred.uid;
		why[0] = '\0';
		rc = ds->submit(ds->priv, &s, &id, why, sizeof(why));
		free(bytes);
		free(names);
		if (rc > 0)
			rc = -EINVAL;
		if (rc) {
			ds->refused++;
			log_info("demand: refused a %ux%u matrix from pid %d: %s", n, n, (int)s.pid, why);
		} else {
			ds->accepted++;
		}
		usock_consume(c, MIXNET_DEMAND_WIRE_HDR + (size_t)plen);
		rc = reply(c, req_id, rc, id, rc ? why : "accepted");
		if (rc)
			return rc;
	}
	return 0;
}

int demand_server_open(struct demand_server *ds, const char *path, mode_t mode,
		       const char *group, uint32_t max_n, demand_submit_fn submit, void *priv)
{
	int fd;

	memset(ds, 0, sizeof(*ds));
	ds->set.listen_fd = -1;
	if (!max_n || max_n > MIXNET_DEMAND_MAX_N)
		return -EINVAL;
	fd = usock_listen(path, mode, group);
	if (fd < 0)
		return fd;
	ds->max_n = max_n;
	ds->submit = submit;
	ds->priv = priv;
	usock_set_init(&ds->set, fd, path,
		       MIXNET_DEMAND_WIRE_HDR + MIXNET_DEMAND_WIRE_SUBMIT_HDR +
		       (size_t)max_n * max_n * 8 + (size_t)max_n * MIXNET_DEMAND_NAME_MAX,
		       on_rx, ds);
	return 0;
}

void demand_server_close(struct demand_server *ds)
{
	usock_set_close(&ds->set);
}
