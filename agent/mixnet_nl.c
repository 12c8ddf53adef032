// SPDX-License-Identifier: GPL-2.0
/*
 * libmnl client of the "mixnet" generic netlink family (see mixnet_nl.h).
 * Requests ask for an ACK so every exchange ends with NLMSG_ERROR or
 * NLMSG_DONE; extended acks are on, and their text is kept for the caller.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "mixnet_nl.h"

/* Dumps come in skbs as large as our largest receive buffer (up to 32 KiB). */
#define MIXNET_NL_BUFSIZE	32768
#define MIXNET_NL_DUMP_RETRIES	8

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct mixnet_nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	uint16_t family_id;
	uint32_t events_group;
	char errmsg[256];
	char buf[MIXNET_NL_BUFSIZE];
};

/* ---- attribute helpers ---------------------------------------------------------- */

struct attr_table {
	const struct nlattr **tb;
	unsigned int max;
};

static int collect_cb(const struct nlattr *a, void *data)
{
	struct attr_table *t = data;
	unsigned int type = mnl_attr_get_type(a);

	if (type <= t->max)
		t->tb[type] = a;
	return MNL_CB_OK;
}

static int parse_nested(const struct nlattr *nest, const struct nlattr **tb, unsigned int max)
{
	struct attr_table t = { tb, max };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	return mnl_attr_parse_nested(nest, collect_cb, &t) < 0 ? -EPROTO : 0;
}

/* The family's attributes of a generic netlink message. */
static int parse_genl(const struct nlmsghdr *nlh, const struct nlattr **tb, unsigned int max)
{
	struct attr_table t = { tb, max };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct genlmsghdr)))
		return -EPROTO;
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), collect_cb, &t) < 0 ? -EPROTO : 0;
}

static int get_u8(const struct nlattr *a, uint8_t *v)
{
	if (!a || mnl_attr_validate(a, MNL_TYPE_U8) < 0)
		return -EPROTO;
	*v = mnl_attr_get_u8(a);
	return 0;
}

static int get_u32(const struct nlattr *a, uint32_t *v)
{
	if (!a || mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return -EPROTO;
	*v = mnl_attr_get_u32(a);
	return 0;
}

static int get_u64(const struct nlattr *a, uint64_t *v)
{
	if (!a || mnl_attr_validate(a, MNL_TYPE_U64) < 0)
		return -EPROTO;
	*v = mnl_attr_get_u64(a);
	return 0;
}

static int get_bin(const struct nlattr *a, void *v, size_t len)
{
	if (!a || mnl_attr_get_payload_len(a) != len)
		return -EPROTO;
	memcpy(v, mnl_attr_get_payload(a), len);
	return 0;
}

static int get_str(const struct nlattr *a, char *v, size_t len)
{
	if (!a || mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0 ||
	    mnl_attr_get_payload_len(a) > len)
		return -EPROTO;
	snprintf(v, len, "%s", mnl_attr_get_str(a));
	return 0;
}

/* Optional attributes: absent leaves *v alone. */
#define OPT(fn, a, ...) ((a) ? fn((a), __VA_ARGS__) : 0)

/* ---- building ------------------------------------------------------------------------- */

static struct nlmsghdr *put_genl_header(void *buf, uint16_t family_id, uint8_t cmd,
					uint16_t nlm_flags, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = family_id;
	nlh->nlmsg_flags = NLM_F_REQUEST | nlm_flags;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = MIXNET_GENL_VERSION;
	return nlh;
}

static void put_peer(struct nlmsghdr *nlh, const struct mixnet_nl_route *r)
{
	if (r->family == AF_INET)
		mnl_attr_put(nlh, MIXNET_RT_A_PEER4, sizeof(r->peer.v4), &r->peer.v4);
	else if (r->family == AF_INET6)
		mnl_attr_put(nlh, MIXNET_RT_A_PEER6, sizeof(r->peer.v6), &r->peer.v6);
	else
		mnl_attr_put(nlh, MIXNET_RT_A_DEFAULT, 0, NULL);
}

struct nlmsghdr *mixnet_nl_build_route(void *buf, uint16_t family_id, uint8_t cmd,
				       uint16_t nlm_flags, uint32_t seq,
				       const struct mixnet_nl_route *r, unsigned int flags)
{
	struct nlmsghdr *nlh = put_genl_header(buf, family_id, cmd, nlm_flags, seq);
	struct nlattr *rt, *p;
	unsigned int i;

	mnl_attr_put_u32(nlh, MIXNET_A_IFINDEX, r->ifindex);
	if (cmd == MIXNET_CMD_ROUTE_NEW && (flags & MIXNET_NL_F_REPLACE))
		mnl_attr_put_u32(nlh, MIXNET_A_FLAGS, MIXNET_F_REPLACE);
	rt = mnl_attr_nest_start(nlh, MIXNET_A_ROUTE);
	put_peer(nlh, r);
	for (i = 0; cmd == MIXNET_CMD_ROUTE_NEW && i < r->npaths && i < MIXNET_NL_MAX_PATHS; i++) {
		p = mnl_attr_nest_start(nlh, MIXNET_RT_A_PATH);
		mnl_attr_put_u8(nlh, MIXNET_PATH_A_KIND, r->paths[i].kind);
		mnl_attr_put_u32(nlh, MIXNET_PATH_A_IFINDEX, r->paths[i].ifindex);
		mnl_attr_put(nlh, MIXNET_PATH_A_LLADDR, 6, r->paths[i].lladdr);
		mnl_attr_nest_end(nlh, p);
	}
	mnl_attr_nest_end(nlh, rt);
	return nlh;
}

struct nlmsghdr *mixnet_nl_build_port_set(void *buf, uint16_t family_id, uint32_t seq,
					  uint32_t port_ifindex, uint8_t role)
{
	struct nlmsghdr *nlh = put_genl_header(buf, family_id, MIXNET_CMD_PORT_SET, NLM_F_ACK, seq);
	struct nlattr *port = mnl_attr_nest_start(nlh, MIXNET_A_PORT);

	mnl_attr_put_u32(nlh, MIXNET_PORT_A_IFINDEX, port_ifindex);
	mnl_attr_put_u8(nlh, MIXNET_PORT_A_ROLE, role);
	mnl_attr_nest_end(nlh, port);
	return nlh;
}

struct nlmsghdr *mixnet_nl_build_dev_req(void *buf, uint16_t family_id, uint8_t cmd,
					 uint16_t nlm_flags, uint32_t seq, uint32_t ifindex)
{
	struct nlmsghdr *nlh = put_genl_header(buf, family_id, cmd, nlm_flags, seq);

	if (ifindex)
		mnl_attr_put_u32(nlh, MIXNET_A_IFINDEX, ifindex);
	return nlh;
}

/* ---- parsing ---------------------------------------------------------------------------- */

static int parse_path(const struct nlattr *nest, struct mixnet_nl_path *p)
{
	const struct nlattr *tb[MIXNET_PATH_A_MAX + 1];
	uint8_t live = 0;
	int err;

	memset(p, 0, sizeof(*p));
	err = parse_nested(nest, tb, MIXNET_PATH_A_MAX);
	if (!err)
		err = get_u8(tb[MIXNET_PATH_A_KIND], &p->kind);
	if (!err)
		err = get_u32(tb[MIXNET_PATH_A_IFINDEX], &p->ifindex);
	if (!err)
		err = get_bin(tb[MIXNET_PATH_A_LLADDR], p->lladdr, 6);
	if (!err)
		err = OPT(get_u8, tb[MIXNET_PATH_A_ORIGIN], &p->origin);
	if (!err)
		err = OPT(get_u8, tb[MIXNET_PATH_A_LIVE], &live);
	if (!err && tb[MIXNET_PATH_A_AGE_MS]) {
		err = get_u32(tb[MIXNET_PATH_A_AGE_MS], &p->age_ms);
		p->has_age = true;
	}
	p->live = live;
	return err;
}

/* A MIXNET_A_ROUTE nest: peer, flags, paths (at most MIXNET_NL_MAX_PATHS). */
static int parse_route_nest(const struct nlattr *nest, struct mixnet_nl_route *r)
{
	const struct nlattr *tb[MIXNET_RT_A_MAX + 1], *a;
	int err;

	err = parse_nested(nest, tb, MIXNET_RT_A_MAX);
	if (err)
		return err;
	if (!!tb[MIXNET_RT_A_PEER4] + !!tb[MIXNET_RT_A_PEER6] + !!tb[MIXNET_RT_A_DEFAULT] != 1)
		return -EPROTO;
	if (tb[MIXNET_RT_A_PEER4]) {
		r->family = AF_INET;
		err = get_bin(tb[MIXNET_RT_A_PEER4], &r->peer.v4, sizeof(r->peer.v4));
	} else if (tb[MIXNET_RT_A_PEER6]) {
		r->family = AF_INET6;
		err = get_bin(tb[MIXNET_RT_A_PEER6], &r->peer.v6, sizeof(r->peer.v6));
	} else {
		r->family = AF_UNSPEC;
	}
	if (!err)
		err = OPT(get_u8, tb[MIXNET_RT_A_VIA], &r->via);
	if (err)
		return err;
	r->is_static = !!tb[MIXNET_RT_A_STATIC];
	r->deleted = !!tb[MIXNET_RT_A_DELETED];

	mnl_attr_for_each_nested(a, nest) {
		if (mnl_attr_get_type(a) != MIXNET_RT_A_PATH)
			continue;
		if (r->npaths == MIXNET_NL_MAX_PATHS)
			return -EPROTO;
		err = parse_path(a, &r->paths[r->npaths++]);
		if (err)
			return err;
	}
	return 0;
}

int mixnet_nl_parse_route(const struct nlmsghdr *nlh, struct mixnet_nl_route *out)
{
	const struct nlattr *tb[MIXNET_A_MAX + 1];
	int err;

	memset(out, 0, sizeof(*out));
	err = parse_genl(nlh, tb, MIXNET_A_MAX);
	if (!err)
		err = get_u32(tb[MIXNET_A_IFINDEX], &out->ifindex);
	if (!err)
		err = OPT(get_u32, tb[MIXNET_A_GENERATION], &out->generation);
	if (!err)
		err = tb[MIXNET_A_ROUTE] ? parse_route_nest(tb[MIXNET_A_ROUTE], out) : -EPROTO;
	return err;
}

static int parse_port_nest(const struct nlattr *nest, struct mixnet_nl_port *p)
{
	const struct nlattr *tb[MIXNET_PORT_A_MAX + 1];
	uint8_t carrier = 0, confirmed = 0;
	int err;

	err = parse_nested(nest, tb, MIXNET_PORT_A_MAX);
	if (!err)
		err = get_u32(tb[MIXNET_PORT_A_IFINDEX], &p->ifindex);
	if (!err)
		err = OPT(get_str, tb[MIXNET_PORT_A_IFNAME], p->name, sizeof(p->name));
	if (!err)
		err = OPT(get_u8, tb[MIXNET_PORT_A_ROLE], &p->role);
	if (!err)
		err = OPT(get_u8, tb[MIXNET_PORT_A_CARRIER], &carrier);
	if (!err)
		err = OPT(get_u8, tb[MIXNET_PORT_A_CONFIRMED], &confirmed);
	if (!err)
		err = OPT(get_bin, tb[MIXNET_PORT_A_LLADDR], p->lladdr, 6);
	if (!err)
		err = OPT(get_u64, tb[MIXNET_PORT_A_HELLO_TX], &p->hello_tx);
	if (!err)
		err = OPT(get_u64, tb[MIXNET_PORT_A_HELLO_RX], &p->hello_rx);
	if (!err)
		err = OPT(get_u64, tb[MIXNET_PORT_A_HELLO_BAD], &p->hello_bad);
	if (!err && tb[MIXNET_PORT_A_PEER_DEV_ID]) {
		p->peer_known = true;
		err = get_u64(tb[MIXNET_PORT_A_PEER_DEV_ID], &p->peer_dev_id);
	}
	if (!err)
		err = OPT(get_bin, tb[MIXNET_PORT_A_PEER_LLADDR], p->peer_lladdr, 6);
	p->carrier = carrier;
	p->confirmed = confirmed;
	return err;
}

/*
 * The attributes every per-device message starts with: the mixnet
 * device's ifindex (required) and name (optional).
 */
static int parse_dev_head(const struct nlmsghdr *nlh, const struct nlattr **tb,
			  uint32_t *ifindex, char *name, size_t namelen)
{
	int err = parse_genl(nlh, tb, MIXNET_A_MAX);

	if (!err)
		err = get_u32(tb[MIXNET_A_IFINDEX], ifindex);
	if (!err)
		err = OPT(get_str, tb[MIXNET_A_IFNAME], name, namelen);
	return err;
}

int mixnet_nl_parse_port(const struct nlmsghdr *nlh, struct mixnet_nl_port *out)
{
	const struct nlattr *tb[MIXNET_A_MAX + 1];
	int err;

	memset(out, 0, sizeof(*out));
	err = parse_dev_head(nlh, tb, &out->dev_ifindex, out->dev_name, sizeof(out->dev_name));
	if (!err)
		err = tb[MIXNET_A_PORT] ? parse_port_nest(tb[MIXNET_A_PORT], out) : -EPROTO;
	return err;
}

static int parse_stats(const struct nlattr *nest, struct mixnet_nl_stats *s)
{
	const struct nlattr *tb[MIXNET_STATS_A_MAX + 1];
	static const struct {
		unsigned int type;
		size_t off;
	} map[] = {
		{ MIXNET_STATS_A_TX_OPTICAL_PACKETS, offsetof(struct mixnet_nl_stats, tx_optical_packets) },
		{ MIXNET_STATS_A_TX_OPTICAL_BYTES, offsetof(struct mixnet_nl_stats, tx_optical_bytes) },
		{ MIXNET_STATS_A_TX_ELECTRICAL_PACKETS, offsetof(struct mixnet_nl_stats, tx_electrical_packets) },
		{ MIXNET_STATS_A_TX_ELECTRICAL_BYTES, offsetof(struct mixnet_nl_stats, tx_electrical_bytes) },
		{ MIXNET_STATS_A_TX_DROPPED_NOROUTE, offsetof(struct mixnet_nl_stats, tx_dropped_noroute) },
		{ MIXNET_STATS_A_TX_DROPPED, offsetof(struct mixnet_nl_stats, tx_dropped) },
		{ MIXNET_STATS_A_RX_PACKETS, offsetof(struct mixnet_nl_stats, rx_packets) },
		{ MIXNET_STATS_A_RX_BYTES, offsetof(struct mixnet_nl_stats, rx_bytes) },
		{ MIXNET_STATS_A_FALLBACKS, offsetof(struct mixnet_nl_stats, fallbacks) },
		{ MIXNET_STATS_A_HELLO_BAD, offsetof(struct mixnet_nl_stats, hello_bad) },
	};
	size_t i;
	int err;

	err = parse_nested(nest, tb, MIXNET_STATS_A_MAX);
	for (i = 0; !err && i < sizeof(map) / sizeof(map[0]); i++)
		err = OPT(get_u64, tb[map[i].type], (uint64_t *)((char *)s + map[i].off));
	return err;
}

int mixnet_nl_parse_dev(const struct nlmsghdr *nlh, struct mixnet_nl_dev *out)
{
	const struct nlattr *tb[MIXNET_A_MAX + 1];
	int err;

	memset(out, 0, sizeof(*out));
	err = parse_dev_head(nlh, tb, &out->ifindex, out->name, sizeof(out->name));
	if (!err)
		err = OPT(get_u64, tb[MIXNET_A_DEV_ID], &out->dev_id);
	if (!err)
		err = OPT(get_u32, tb[MIXNET_A_NROUTES], &out->nroutes);
	if (!err)
		err = OPT(get_u32, tb[MIXNET_A_GENERATION], &out->generation);
	if (!err && tb[MIXNET_A_STATS])
		err = parse_stats(tb[MIXNET_A_STATS], &out->stats);
	return err;
}

int mixnet_nl_parse_event(const struct nlmsghdr *nlh, struct mixnet_nl_event *out)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[MIXNET_A_MAX + 1];
	int err;

	memset(out, 0, sizeof(*out));
	err = parse_dev_head(nlh, tb, &out->ifindex, out->name, sizeof(out->name));
	if (err)
		return err;
	out->cmd = g->cmd;
	switch (out->cmd) {
	case MIXNET_CMD_EV_ROUTE:
	case MIXNET_CMD_EV_PATH_UP:
	case MIXNET_CMD_EV_PATH_DOWN:
		out->route.ifindex = out->ifindex;
		err = OPT(get_u32, tb[MIXNET_A_GENERATION], &out->route.generation);
		if (!err)
			err = tb[MIXNET_A_ROUTE] ? parse_route_nest(tb[MIXNET_A_ROUTE], &out->route) : -EPROTO;
		return err;
	case MIXNET_CMD_EV_FALLBACK:
		out->port.dev_ifindex = out->ifindex;
		snprintf(out->port.dev_name, sizeof(out->port.dev_name), "%s", out->name);
		return tb[MIXNET_A_PORT] ? parse_port_nest(tb[MIXNET_A_PORT], &out->port) : -EPROTO;
	default:
		return -EPROTO;
	}
}

struct family_ctx {
	const char *group;
	uint16_t id;
	uint32_t group_id;
	bool have_id, have_group;
};

static int family_cb(const struct nlmsghdr *nlh, struct family_ctx *ctx)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1], *grp;

	if (parse_genl(nlh, tb, CTRL_ATTR_MAX) ||
	    !tb[CTRL_ATTR_FAMILY_ID] || mnl_attr_validate(tb[CTRL_ATTR_FAMILY_ID], MNL_TYPE_U16) < 0)
		return -EPROTO;
	ctx->id = mnl_attr_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	ctx->have_id = true;
	if (!tb[CTRL_ATTR_MCAST_GROUPS])
		return 0;
	mnl_attr_for_each_nested(grp, tb[CTRL_ATTR_MCAST_GROUPS]) {
		const struct nlattr *gtb[CTRL_ATTR_MCAST_GRP_MAX + 1];
		uint32_t gid;

		if (parse_nested(grp, gtb, CTRL_ATTR_MCAST_GRP_MAX) ||
		    !gtb[CTRL_ATTR_MCAST_GRP_NAME] || get_u32(gtb[CTRL_ATTR_MCAST_GRP_ID], &gid) ||
		    mnl_attr_validate(gtb[CTRL_ATTR_MCAST_GRP_NAME], MNL_TYPE_NUL_STRING) < 0)
			return -EPROTO;
		if (ctx->group && !strcmp(mnl_attr_get_str(gtb[CTRL_ATTR_MCAST_GRP_NAME]), ctx->group)) {
			ctx->group_id = gid;
			ctx->have_group = true;
		}
	}
	return 0;
}

int mixnet_nl_parse_family(const struct nlmsghdr *nlh, const char *group,
			   uint16_t *family_id, uint32_t *group_id)
{
	struct family_ctx ctx = { .group = group };
	int err = family_cb(nlh, &ctx);

	if (err)
		return err;
	*family_id = ctx.id;
	if (group) {
		if (!ctx.have_group)
			return -ENOENT;
		*group_id = ctx.group_id;
	}
	return 0;
}

struct ext_ack {
	char *msg;
	size_t len;
	bool have_miss;
	uint32_t miss_type;
};

static int ext_ack_cb(const struct nlattr *a, void *data)
{
	struct ext_ack *ea = data;

	switch (mnl_attr_get_type(a)) {
	case NLMSGERR_ATTR_MSG:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			snprintf(ea->msg, ea->len, "%s", mnl_attr_get_str(a));
		break;
	case NLMSGERR_ATTR_MISS_TYPE:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0) {
			ea->have_miss = true;
			ea->miss_type = mnl_attr_get_u32(a);
		}
		break;
	}
	return MNL_CB_OK;
}

int mixnet_nl_parse_error(const struct nlmsghdr *nlh, int *err, char *msg, size_t msglen)
{
	struct ext_ack ea = { .msg = msg, .len = msglen };
	unsigned int off;

	if (msglen)
		msg[0] = '\0';
	if (nlh->nlmsg_type == NLMSG_DONE) {
		/* A dump's end: an int (the dump's error), then maybe extack TLVs. */
		if (mnl_nlmsg_get_payload_len(nlh) < sizeof(int)) {
			*err = 0;
			return 0;
		}
		memcpy(err, mnl_nlmsg_get_payload(nlh), sizeof(int));
		off = sizeof(int);
	} else if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

		if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
			return -EPROTO;
		*err = e->error;
		off = (nlh->nlmsg_flags & NLM_F_CAPPED) ? sizeof(*e) :
		      sizeof(e->error) + NLMSG_ALIGN(e->msg.nlmsg_len);
	} else {
		return -EPROTO;
	}
	if (*err > 0)
		return -EPROTO;
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && off <= mnl_nlmsg_get_payload_len(nlh) &&
	    mnl_attr_parse(nlh, off, ext_ack_cb, &ea) < 0)
		return -EPROTO;
	if (msglen && !msg[0] && ea.have_miss)
		snprintf(msg, msglen, "missing attribute %u", ea.miss_type);
	return 0;
}

/* ---- the socket ------------------------------------------------------------------------- */

typedef int (*msg_cb)(const struct nlmsghdr *nlh, void *arg);

/*
 * Send @nlh and read until the exchange ends (ACK, error or NLMSG_DONE),
 * handing every data message to @cb.  After a callback error or an
 * interrupted dump the rest is still read, so the socket stays in step.
 */
static int nl_exchange(struct mixnet_nl *nl, struct nlmsghdr *nlh, msg_cb cb, void *arg)
{
	uint32_t seq = nlh->nlmsg_seq;
	bool intr = false;
	int cb_err = 0;

	nl->errmsg[0] = '\0';
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, nl->buf, sizeof(nl->buf));
		const struct nlmsghdr *m = (const struct nlmsghdr *)nl->buf;
		int len = (int)n;

		if (n < 0)
			return -errno;
		for (; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
			int err;

			if (m->nlmsg_seq != seq || (m->nlmsg_pid && m->nlmsg_pid != nl->portid))
				continue;	/* not ours (a stale answer) */
			if (m->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = true;
			switch (m->nlmsg_type) {
			case NLMSG_NOOP:
			case NLMSG_OVERRUN:
				continue;
			case NLMSG_ERROR:
			case NLMSG_DONE:
				if (mixnet_nl_parse_error(m, &err, nl->errmsg, sizeof(nl->errmsg)))
					return -EPROTO;
				if (err)
					return err;
				if (cb_err)
					return cb_err;
				return intr ? -EINTR : 0;
			default:
				if (!cb_err && !intr && cb)
					cb_err = cb(m, arg);
			}
		}
	}
}

static int family_msg_cb(const struct nlmsghdr *nlh, void *arg)
{
	return family_cb(nlh, arg);
}

static int resolve_family(struct mixnet_nl *nl)
{
	struct family_ctx ctx = { .group = MIXNET_GENL_MCGRP_EVENTS };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);
	struct genlmsghdr *g;
	int err;

	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++nl->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, MIXNET_GENL_NAME);

	err = nl_exchange(nl, nlh, family_msg_cb, &ctx);
	if (err)
		return err;
	if (!ctx.have_id || !ctx.have_group)
		return -EPROTO;
	nl->family_id = ctx.id;
	nl->events_group = ctx.group_id;
	return 0;
}

int mixnet_nl_open(struct mixnet_nl **out)
{
	struct mixnet_nl *nl;
	int one = 1, err;

	*out = NULL;
	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock) {
		err = -errno;
		free(nl);
		return err;
	}
	/* Both are best effort: without them errors just carry no text. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto err;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	err = resolve_family(nl);
	if (err)
		goto err;
	*out = nl;
	return 0;
err:
	mnl_socket_close(nl->sock);
	free(nl);
	return err;
}

void mixnet_nl_close(struct mixnet_nl *nl)
{
	if (!nl)
		return;
	mnl_socket_close(nl->sock);
	free(nl);
}

const char *mixnet_nl_error_msg(const struct mixnet_nl *nl)
{
	return nl && nl->errmsg[0] ? nl->errmsg : NULL;
}

int mixnet_nl_request(struct mixnet_nl *nl, struct nlmsghdr *nlh)
{
	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++nl->seq;
	return nl_exchange(nl, nlh, NULL, NULL);
}

uint16_t mixnet_nl_family_id(const struct mixnet_nl *nl)
{
	return nl->family_id;
}

int mixnet_nl_route_add(struct mixnet_nl *nl, const struct mixnet_nl_route *r, unsigned int flags)
{
	return nl_exchange(nl, mixnet_nl_build_route(nl->buf, nl->family_id, MIXNET_CMD_ROUTE_NEW,
						     NLM_F_ACK, ++nl->seq, r, flags), NULL, NULL);
}

int mixnet_nl_route_del(struct mixnet_nl *nl, const struct mixnet_nl_route *r)
{
	return nl_exchange(nl, mixnet_nl_build_route(nl->buf, nl->family_id, MIXNET_CMD_ROUTE_DEL,
						     NLM_F_ACK, ++nl->seq, r, 0), NULL, NULL);
}

static int route_one_cb(const struct nlmsghdr *nlh, void *arg)
{
	return mixnet_nl_parse_route(nlh, arg);
}

int mixnet_nl_route_get(struct mixnet_nl *nl, const struct mixnet_nl_route *key,
			struct mixnet_nl_route *out)
{
	memset(out, 0, sizeof(*out));
	return nl_exchange(nl, mixnet_nl_build_route(nl->buf, nl->family_id, MIXNET_CMD_ROUTE_GET,
						     NLM_F_ACK, ++nl->seq, key, 0), route_one_cb, out);
}

struct route_dump_ctx {
	mixnet_nl_route_cb cb;
	void *arg;
	struct mixnet_nl_route r;
};

static int route_dump_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct route_dump_ctx *ctx = arg;
	int err = mixnet_nl_parse_route(nlh, &ctx->r);

	return err ? err : ctx->cb(&ctx->r, ctx->arg);
}

int mixnet_nl_route_dump(struct mixnet_nl *nl, uint32_t ifindex, mixnet_nl_route_cb cb, void *arg)
{
	struct route_dump_ctx *ctx = malloc(sizeof(*ctx));
	int err;

	if (!ctx)
		return -ENOMEM;
	ctx->cb = cb;
	ctx->arg = arg;
	err = nl_exchange(nl, mixnet_nl_build_dev_req(nl->buf, nl->family_id, MIXNET_CMD_ROUTE_GET,
						      NLM_F_DUMP | NLM_F_ACK, ++nl->seq, ifindex),
			  route_dump_cb, ctx);
	free(ctx);
	return err;
}

struct route_vec {
	struct mixnet_nl_route *v;
	size_t n, cap;
};

static int route_vec_cb(const struct mixnet_nl_route *r, void *arg)
{
	struct route_vec *vec = arg;

	if (vec->n == vec->cap) {
		size_t cap = vec->cap ? 2 * vec->cap : 64;
		struct mixnet_nl_route *v = realloc(vec->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		vec->v = v;
		vec->cap = cap;
	}
	vec->v[vec->n++] = *r;
	return 0;
}

int mixnet_nl_route_list(struct mixnet_nl *nl, uint32_t ifindex,
			 struct mixnet_nl_route **routes, size_t *n)
{
	struct route_vec vec = { 0 };
	int err = -EINTR, tries;

	for (tries = 0; err == -EINTR && tries < MIXNET_NL_DUMP_RETRIES; tries++) {
		vec.n = 0;
		err = mixnet_nl_route_dump(nl, ifindex, route_vec_cb, &vec);
	}
	if (err) {
		free(vec.v);
		return err;
	}
	*routes = vec.v;
	*n = vec.n;
	return 0;
}

static int port_one_cb(const struct nlmsghdr *nlh, void *arg)
{
	return mixnet_nl_parse_port(nlh, arg);
}

int mixnet_nl_port_get(struct mixnet_nl *nl, uint32_t port_ifindex, struct mixnet_nl_port *out)
{
	struct nlmsghdr *nlh = put_genl_header(nl->buf, nl->family_id, MIXNET_CMD_PORT_GET,
					       NLM_F_ACK, ++nl->seq);
	struct nlattr *port = mnl_attr_nest_start(nlh, MIXNET_A_PORT);

	mnl_attr_put_u32(nlh, MIXNET_PORT_A_IFINDEX, port_ifindex);
	mnl_attr_nest_end(nlh, port);
	memset(out, 0, sizeof(*out));
	return nl_exchange(nl, nlh, port_one_cb, out);
}

/*
 * Port and device dumps are collected first and handed to the caller only
 * when the kernel did not flag them NLM_F_DUMP_INTR (a lower enslaved or
 * released, a device added or deleted meanwhile): a flagged dump is
 * retried, like the route dump, so callers never see a torn listing.
 */
struct item_vec {
	void *v;
	size_t n, cap, size;
};

static void *item_vec_push(struct item_vec *vec)
{
	if (vec->n == vec->cap) {
		size_t cap = vec->cap ? 2 * vec->cap : 16;
		void *v = realloc(vec->v, cap * vec->size);

		if (!v)
			return NULL;
		vec->v = v;
		vec->cap = cap;
	}
	return (char *)vec->v + vec->size * vec->n++;
}

static int port_vec_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct mixnet_nl_port *p = item_vec_push(arg);

	return p ? mixnet_nl_parse_port(nlh, p) : -ENOMEM;
}

static int dev_vec_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct mixnet_nl_dev *d = item_vec_push(arg);

	return d ? mixnet_nl_parse_dev(nlh, d) : -ENOMEM;
}

/* dump_collect: a dump of @cmd for @ifindex into @vec, retried while interrupted. */
static int dump_collect(struct mixnet_nl *nl, uint8_t cmd, uint32_t ifindex,
			msg_cb parse, struct item_vec *vec)
{
	int err = -EINTR, tries;

	for (tries = 0; err == -EINTR && tries < MIXNET_NL_DUMP_RETRIES; tries++) {
		vec->n = 0;
		err = nl_exchange(nl, mixnet_nl_build_dev_req(nl->buf, nl->family_id, cmd,
							      NLM_F_DUMP | NLM_F_ACK, ++nl->seq,
							      ifindex),
				  parse, vec);
	}
	return err;
}

int mixnet_nl_port_list(struct mixnet_nl *nl, uint32_t dev_ifindex,
			struct mixnet_nl_port **ports, size_t *n)
{
	struct item_vec vec = { .size = sizeof(struct mixnet_nl_port) };
	int err = dump_collect(nl, MIXNET_CMD_PORT_GET, dev_ifindex, port_vec_cb, &vec);

	if (err) {
		free(vec.v);
		return err;
	}
	*ports = vec.v;
	*n = vec.n;
	return 0;
}

int mixnet_nl_port_dump(struct mixnet_nl *nl, uint32_t dev_ifindex, mixnet_nl_port_cb cb, void *arg)
{
	struct mixnet_nl_port *ports = NULL;
	size_t n = 0, i;
	int err = mixnet_nl_port_list(nl, dev_ifindex, &ports, &n);

	for (i = 0; !err && i < n; i++)
		err = cb(&ports[i], arg);
	free(ports);
	return err;
}

int mixnet_nl_port_set_role(struct mixnet_nl *nl, uint32_t port_ifindex, uint8_t role)
{
	return nl_exchange(nl, mixnet_nl_build_port_set(nl->buf, nl->family_id, ++nl->seq,
							port_ifindex, role), NULL, NULL);
}

static int dev_one_cb(const struct nlmsghdr *nlh, void *arg)
{
	return mixnet_nl_parse_dev(nlh, arg);
}

int mixnet_nl_dev_get(struct mixnet_nl *nl, uint32_t ifindex, struct mixnet_nl_dev *out)
{
	memset(out, 0, sizeof(*out));
	return nl_exchange(nl, mixnet_nl_build_dev_req(nl->buf, nl->family_id, MIXNET_CMD_DEV_GET,
						       NLM_F_ACK, ++nl->seq, ifindex),
			   dev_one_cb, out);
}

int mixnet_nl_dev_dump(struct mixnet_nl *nl, mixnet_nl_dev_cb cb, void *arg)
{
	struct item_vec vec = { .size = sizeof(struct mixnet_nl_dev) };
	int err = dump_collect(nl, MIXNET_CMD_DEV_GET, 0, dev_vec_cb, &vec);
	size_t i;

	for (i = 0; !err && i < vec.n; i++)
		err = cb((struct mixnet_nl_dev *)vec.v + i, arg);
	free(vec.v);
	return err;
}

int mixnet_nl_subscribe(struct mixnet_nl *nl)
{
	if (mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &nl->events_group,
				  sizeof(nl->events_group)) < 0)
		return -errno;
	return 0;
}

int mixnet_nl_fd(const struct mixnet_nl *nl)
{
	return mnl_socket_get_fd(nl->sock);
}

int mixnet_nl_event_read(struct mixnet_nl *nl, mixnet_nl_event_cb cb, void *arg)
{
	ssize_t n = mnl_socket_recvfrom(nl->sock, nl->buf, sizeof(nl->buf));
	const struct nlmsghdr *m = (const struct nlmsghdr *)nl->buf;
	struct mixnet_nl_event *ev;
	int len = (int)n, err = 0;

	if (n < 0)
		return -errno;
	ev = malloc(sizeof(*ev));
	if (!ev)
		return -ENOMEM;
	for (; !err && mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
		if (m->nlmsg_type != nl->family_id)
			continue;
		err = mixnet_nl_parse_event(m, ev);
		if (err == -EPROTO)
			err = 0;	/* an event this version does not know */
		else if (!err)
			err = cb(ev, arg);
	}
	free(ev);
	return err;
}

/* ---- text --------------------------------------------------------------------------------- */

const char *mixnet_nl_kind_name(uint8_t kind)
{
	return kind == MIXNET_PATH_OPTICAL ? "optical" :
	       kind == MIXNET_PATH_ELECTRICAL ? "electrical" : "unknown";
}

const char *mixnet_nl_role_name(uint8_t role)
{
	return role == MIXNET_ROLE_OPTICAL ? "optical" :
	       role == MIXNET_ROLE_ELECTRICAL ? "electrical" : "unknown";
}

const char *mixnet_nl_origin_name(uint8_t origin)
{
	return origin == MIXNET_PATH_LEARNED ? "learned" :
	       origin == MIXNET_PATH_STATIC ? "static" : "unknown";
}

const char *mixnet_nl_via_name(uint8_t via)
{
	switch (via) {
	case MIXNET_VIA_NONE:
		return "none";
	case MIXNET_VIA_OPTICAL:
		return "optical";
	case MIXNET_VIA_ELECTRICAL:
		return "electrical";
	case MIXNET_VIA_DEFAULT:
		return "default";
	}
	return "unknown";
}

int mixnet_nl_role_parse(const char *s, uint8_t *role)
{
	if (!strcmp(s, "optical"))
		*role = MIXNET_ROLE_OPTICAL;
	else if (!strcmp(s, "electrical"))
		*role = MIXNET_ROLE_ELECTRICAL;
	else
		return -EINVAL;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int mixnet_nl_lladdr_parse(const char *s, uint8_t mac[6])
{
	uint8_t v[6];
	int i;

	if (strlen(s) != 17)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		int hi = hexval(s[3 * i]), lo = hexval(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			return -EINVAL;
		v[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(mac, v, 6);
	return 0;
}

char *mixnet_nl_lladdr_format(const uint8_t mac[6], char *buf)
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return buf;
}

int mixnet_nl_peer_parse(const char *s, struct mixnet_nl_route *r)
{
	if (!strcmp(s, "default")) {
		r->family = AF_UNSPEC;
		memset(&r->peer, 0, sizeof(r->peer));
		return 0;
	}
	if (inet_pton(AF_INET, s, &r->peer.v4) == 1) {
		r->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &r->peer.v6) == 1) {
		r->family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

const char *mixnet_nl_peer_format(const struct mixnet_nl_route *r, char *buf, size_t len)
{
	if (r->family == AF_UNSPEC)
		snprintf(buf, len, "default");
	else if (!inet_ntop(r->family, &r->peer, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}
