// SPDX-License-Identifier: GPL-2.0
/* OCS devices from userspace (see ocs_client.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "ocs_client.h"

/* ---- devices ------------------------------------------------------------ */

/* A decimal number, nothing else: no sign, blank, or empty string. */
static int parse_dec(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!len)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		if (v > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int ocs_parse_name(const char *name, uint32_t *id)
{
	uint64_t v;
	int err;

	if (!name || strncmp(name, "ocs", 3))
		return -EINVAL;
	err = parse_dec(name + 3, strlen(name + 3), MIXNET_OCS_MAX_DEVICES - 1, &v);
	if (err)
		return err;
	*id = (uint32_t)v;
	return 0;
}

int ocs_open(uint32_t id, int flags)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), OCS_DEV_DIR "/ocs%u", id);
	fd = open(path, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int ocs_list(uint32_t **ids, size_t *n)
{
	uint32_t *v = NULL, *tmp, id;
	size_t cnt = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	*ids = NULL;
	*n = 0;
	d = opendir(OCS_SYSFS_CLASS_DIR);
	if (!d)
		return errno == ENOENT ? 0 : -errno;	/* module not loaded: none */
	while ((de = readdir(d))) {
		if (ocs_parse_name(de->d_name, &id))
			continue;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 8;
			tmp = realloc(v, cap * sizeof(*v));
			if (!tmp) {
				free(v);
				closedir(d);
				return -ENOMEM;
			}
			v = tmp;
		}
		v[cnt++] = id;
	}
	closedir(d);
	if (cnt)
		qsort(v, cnt, sizeof(*v), cmp_u32);
	*ids = v;
	*n = cnt;
	return 0;
}

int ocs_info(int fd, struct mixnet_ocs_info *info)
{
	memset(info, 0, sizeof(*info));
	return ioctl(fd, MIXNET_OCS_IOC_INFO, info) ? -errno : 0;
}

int ocs_get(int fd, struct mixnet_xconnect **xc, uint32_t *count, uint64_t *generation)
{
	struct mixnet_ocs_get get;
	struct mixnet_xconnect *buf = NULL, *tmp;
	uint32_t cap = 0;
	int tries;

	*xc = NULL;
	*count = 0;
	/* The set may grow between the size query and the copy: retry. */
	for (tries = 0; tries < 8; tries++) {
		memset(&get, 0, sizeof(get));
		get.version = MIXNET_UAPI_VERSION;
		get.count = cap;
		get.xconnects = (uintptr_t)buf;
		if (!ioctl(fd, MIXNET_OCS_IOC_GET, &get)) {
			if (!get.count) {
				free(buf);
				buf = NULL;
			}
			*xc = buf;
			*count = get.count;
			if (generation)
				*generation = get.generation;
			return 0;
		}
		if (errno != ENOSPC) {
			int err = -errno;

			free(buf);
			return err;
		}
		cap = get.count;
		tmp = realloc(buf, cap * sizeof(*buf));
		if (!tmp) {
			free(buf);
			return -ENOMEM;
		}
		buf = tmp;
	}
	free(buf);
	return -EAGAIN;
}

int ocs_apply(int fd, struct mixnet_ocs_apply *req)
{
	req->version = MIXNET_UAPI_VERSION;
	return ioctl(fd, MIXNET_OCS_IOC_APPLY, req) ? -errno : 0;
}

int ocs_read_events(int fd, struct mixnet_ocs_event *ev, size_t max, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;
	int r;

	if (!max)
		return -EINVAL;
	for (;;) {
		r = poll(&pfd, 1, timeout_ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return 0;
		n = read(fd, ev, max * sizeof(*ev));
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ENODEV;		/* deleted and drained */
		return (int)(n / (ssize_t)sizeof(*ev));
	}
}

const char *ocs_state_name(uint32_t state)
{
	switch (state) {
	case MIXNET_OCS_STATE_IDLE:
		return "idle";
	case MIXNET_OCS_STATE_SWITCHING:
		return "switching";
	default:
		return "unknown";
	}
}

const char *ocs_event_name(uint32_t type)
{
	switch (type) {
	case MIXNET_OCS_EV_SWITCH_START:
		return "switch-start";
	case MIXNET_OCS_EV_SWITCH_DONE:
		return "switch-done";
	case MIXNET_OCS_EV_OVERFLOW:
		return "overflow";
	default:
		return "unknown";
	}
}

/* ---- parsers -------------------------------------------------------------- */

static int perr(struct ocs_parse_err *err, int arg, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int perr(struct ocs_parse_err *err, int arg, int code, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->arg = arg;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return code;
}

static uint32_t port_bound(uint32_t nports)
{
	return nports ? nports : MIXNET_OCS_MAX_PORTS;
}

/* One port number of @item (for messages) from s[0..len). */
static int parse_port(const char *s, size_t len, uint32_t nports, const char *item,
		      int arg, uint32_t *port, struct ocs_parse_err *err)
{
	uint64_t v;
	int e;

	e = parse_dec(s, len, UINT32_MAX, &v);
	if (e == -EINVAL)
		return perr(err, arg, -EINVAL, "'%s': '%.*s' is not a port number", item,
			    (int)len, s);
	if (e || v >= port_bound(nports))
		return perr(err, arg, -ERANGE, "'%s': port %.*s is out of range (0..%u)", item,
			    (int)len, s, port_bound(nports) - 1);
	*port = (uint32_t)v;
	return 0;
}

/* Call @fn on every comma-separated item of every argument. */
typedef int (*item_fn)(const char *item, int arg, void *ctx, struct ocs_parse_err *err);

static int for_each_item(int argc, char *const *argv, item_fn fn, void *ctx,
			 struct ocs_parse_err *err)
{
	char item[64];
	int i, e;

	for (i = 0; i < argc; i++) {
		const char *s = argv[i], *comma;

		do {
			size_t len;

			comma = strchr(s, ',');
			len = comma ? (size_t)(comma - s) : strlen(s);
			if (!len)
				return perr(err, i, -EINVAL, "'%s': empty item", argv[i]);
			if (len >= sizeof(item))
				return perr(err, i, -EINVAL, "'%.20s...': item too long", s);
			memcpy(item, s, len);
			item[len] = '\0';
			e = fn(item, i, ctx, err);
			if (e)
				return e;
			s = comma + 1;
		} while (comma);
	}
	return 0;
}

struct pair_ctx {
	struct ocs_xc_list *list;
	uint32_t nports;
	bool duplex;
	uint32_t cap_pairs, cap_xc, cap_pair_of;
	int32_t *tx_owner, *rx_owner;	/* pair index using each port, -1 */
};

static int grow(void **p, uint32_t *cap, uint32_t need, size_t size)
{
	void *tmp;
	uint32_t n;

	if (need <= *cap)
		return 0;
	n = *cap ? *cap * 2 : 16;
	while (n < need)
		n *= 2;
	tmp = realloc(*p, (size_t)n * size);
	if (!tmp)
		return -ENOMEM;
	*p = tmp;
	*cap = n;
	return 0;
}

static void pair_str(const struct ocs_pair *p, bool duplex, char *buf, size_t len)
{
	snprintf(buf, len, "%u%c%u", p->a, duplex ? ':' : '>', p->b);
}

static int add_xc(struct pair_ctx *c, uint32_t tx, uint32_t rx, uint32_t pi, const char *item,
		  int arg, struct ocs_parse_err *err)
{
	struct ocs_xc_list *l = c->list;
	char other[32];

	if (c->tx_owner[tx] >= 0) {
		pair_str(&l->pairs[c->tx_owner[tx]], c->duplex, other, sizeof(other));
		return perr(err, arg, -EINVAL, "'%s': TX of port %u is already used by '%s'",
			    item, tx, other);
	}
	if (c->rx_owner[rx] >= 0) {
		pair_str(&l->pairs[c->rx_owner[rx]], c->duplex, other, sizeof(other));
		return perr(err, arg, -EINVAL, "'%s': RX of port %u is already used by '%s'",
			    item, rx, other);
	}
	if (grow((void **)&l->xc, &c->cap_xc, l->count + 1, sizeof(*l->xc)) ||
	    grow((void **)&l->pair_of, &c->cap_pair_of, l->count + 1, sizeof(*l->pair_of)))
		return perr(err, arg, -ENOMEM, "out of memory");
	l->xc[l->count].tx = tx;
	l->xc[l->count].rx = rx;
	l->pair_of[l->count] = pi;
	l->count++;
	c->tx_owner[tx] = (int32_t)pi;
	c->rx_owner[rx] = (int32_t)pi;
	return 0;
}

static int pair_item(const char *item, int arg, void *ctx, struct ocs_parse_err *err)
{
	struct pair_ctx *c = ctx;
	struct ocs_xc_list *l = c->list;
	const char *colon = strchr(item, ':');
	uint32_t a, b, pi;
	int e;

	if (!colon || strchr(colon + 1, ':'))
		return perr(err, arg, -EINVAL, "'%s': expected a pair PORT:PORT", item);
	e = parse_port(item, (size_t)(colon - item), c->nports, item, arg, &a, err);
	if (!e)
		e = parse_port(colon + 1, strlen(colon + 1), c->nports, item, arg, &b, err);
	if (e)
		return e;
	if (a == b)
		return perr(err, arg, -EINVAL, "'%s': a port cannot be connected to itself", item);
	if (grow((void **)&l->pairs, &c->cap_pairs, l->npairs + 1, sizeof(*l->pairs)))
		return perr(err, arg, -ENOMEM, "out of memory");
	pi = l->npairs;
	l->pairs[pi] = (struct ocs_pair){ .a = a, .b = b, .arg = arg };
	l->npairs++;
	e = add_xc(c, a, b, pi, item, arg, err);
	if (!e && c->duplex)
		e = add_xc(c, b, a, pi, item, arg, err);
	return e;
}

int ocs_xc_list_parse(struct ocs_xc_list *list, int argc, char *const *argv,
		      bool duplex, uint32_t nports, struct ocs_parse_err *err)
{
	uint32_t n = port_bound(nports), i;
	struct pair_ctx c = { .list = list, .nports = nports, .duplex = duplex };
	int e;

	memset(list, 0, sizeof(*list));
	c.tx_owner = malloc(n * sizeof(*c.tx_owner));
	c.rx_owner = malloc(n * sizeof(*c.rx_owner));
	if (!c.tx_owner || !c.rx_owner) {
		e = perr(err, -1, -ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		c.tx_owner[i] = c.rx_owner[i] = -1;
	e = for_each_item(argc, argv, pair_item, &c, err);
out:
	free(c.tx_owner);
	free(c.rx_owner);
	if (e)
		ocs_xc_list_free(list);
	return e;
}

void ocs_xc_list_free(struct ocs_xc_list *list)
{
	free(list->pairs);
	free(list->xc);
	free(list->pair_of);
	memset(list, 0, sizeof(*list));
}

const char *ocs_xc_list_pair_str(const struct ocs_xc_list *list, uint32_t i, bool duplex,
				 char *buf, size_t len)
{
	if (i >= list->count) {
		snprintf(buf, len, "?");
		return buf;
	}
	pair_str(&list->pairs[list->pair_of[i]], duplex, buf, len);
	return buf;
}

struct port_ctx {
	uint32_t nports;
	uint32_t *ports;
	uint32_t count, cap;
	unsigned char *seen;
};

static int port_item(const char *item, int arg, void *ctx, struct ocs_parse_err *err)
{
	struct port_ctx *c = ctx;
	const char *dash = strchr(item, '-');
	uint32_t lo, hi, p;
	int e;

	if (dash) {
		e = parse_port(item, (size_t)(dash - item), c->nports, item, arg, &lo, err);
		if (!e)
			e = parse_port(dash + 1, strlen(dash + 1), c->nports, item, arg, &hi, err);
		if (e)
			return e;
		if (hi < lo)
			return perr(err, arg, -EINVAL, "'%s': range ends before it starts", item);
	} else {
		e = parse_port(item, strlen(item), c->nports, item, arg, &lo, err);
		if (e)
			return e;
		hi = lo;
	}
	for (p = lo; p <= hi; p++) {
		if (c->seen[p])
			return perr(err, arg, -EINVAL, "'%s': port %u is named twice", item, p);
		c->seen[p] = 1;
		if (grow((void **)&c->ports, &c->cap, c->count + 1, sizeof(*c->ports)))
			return perr(err, arg, -ENOMEM, "out of memory");
		c->ports[c->count++] = p;
	}
	return 0;
}

int ocs_parse_ports(int argc, char *const *argv, uint32_t nports, uint32_t **ports,
		    uint32_t *count, struct ocs_parse_err *err)
{
	struct port_ctx c = { .nports = nports };
	int e;

	*ports = NULL;
	*count = 0;
	c.seen = calloc(port_bound(nports), 1);
	if (!c.seen)
		return perr(err, -1, -ENOMEM, "out of memory");
	e = for_each_item(argc, argv, port_item, &c, err);
	free(c.seen);
	if (e) {
		free(c.ports);
		return e;
	}
	*ports = c.ports;
	*count = c.count;
	return 0;
}
