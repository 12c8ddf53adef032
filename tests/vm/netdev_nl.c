// SPDX-License-Identifier: GPL-2.0
/*
 * netdev_nl: generic netlink helper of the t-netdev-*.sh tests and the
 * netdev benchmark (through libmixnet's mixnet_nl client).
 *
 *   netdev_nl fill DEV LOWER MAC N [FIRST]  add N IPv4 routes (electrical via LOWER)
 *   netdev_nl del DEV N [FIRST]             delete them again
 *   netdev_nl count DEV                     dump: "routes R interrupted I"
 *   netdev_nl dumpintr DEV LOWER MAC        change the table during a dump: must be flagged
 *   netdev_nl raw DEV CASE                  a malformed request: "errno E msg TEXT"
 *   netdev_nl watch DEV COUNT TIMEOUT_MS    print COUNT events of DEV, one a line
 *   netdev_nl pathup DEV OCS TIMEOUT_MS     after "ready": time from the OCS's next
 *                                           switch-done to DEV's first optical path up
 *   netdev_nl hold route|port|dev DEV|- GO  start a dump, read its first part: "paused M"
 *                                           (M messages); once the file GO exists read
 *                                           the rest: "done M intr I errno E" (E: the
 *                                           error NLMSG_DONE carries)
 *
 * Routes are 198.18.0.0/15 addresses from FIRST (default 4096: 198.18.16.0).
 * raw exits 0 when the kernel refused the request, 1 when it accepted it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "mixnet_nl.h"
#include "ocs_client.h"

static int die(const char *what, struct mixnet_nl *nl, int err)
{
	const char *msg = nl ? mixnet_nl_error_msg(nl) : NULL;

	fprintf(stderr, "netdev_nl: %s: %s%s%s\n", what, strerror(-err), msg ? ": " : "",
		msg ? msg : "");
	return 1;
}

static uint32_t ifindex_or_die(const char *name)
{
	uint32_t i = if_nametoindex(name);

	if (!i) {
		fprintf(stderr, "netdev_nl: %s: no such device\n", name);
		exit(1);
	}
	return i;
}

static unsigned long num_or_die(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (!*s || *end) {
		fprintf(stderr, "netdev_nl: %s: not a number\n", s);
		exit(2);
	}
	return v;
}

static void peer_of(unsigned long i, struct mixnet_nl_route *r)
{
	r->family = AF_INET;
	r->peer.v4.s_addr = htonl((198U << 24 | 18U << 16) + (uint32_t)i);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmd_fill(struct mixnet_nl *nl, int argc, char **argv, bool del)
{
	struct mixnet_nl_route r = { 0 };
	unsigned long n, first, i;
	double t0;
	int err;

	r.ifindex = ifindex_or_die(argv[0]);
	if (!del) {
		r.npaths = 1;
		r.paths[0].kind = MIXNET_PATH_ELECTRICAL;
		r.paths[0].ifindex = ifindex_or_die(argv[1]);
		if (mixnet_nl_lladdr_parse(argv[2], r.paths[0].lladdr))
			return die("bad MAC", NULL, -EINVAL);
		argv += 2;
		argc -= 2;
	}
	n = num_or_die(argv[1]);
	first = argc > 2 ? num_or_die(argv[2]) : 4096;
	if (first + n > 131072)
		return die("routes past 198.19.255.255", NULL, -ERANGE);
	t0 = now();
	for (i = 0; i < n; i++) {
		peer_of(first + i, &r);
		err = del ? mixnet_nl_route_del(nl, &r) : mixnet_nl_route_add(nl, &r, 0);
		if (err)
			return die(del ? "route del" : "route add", nl, err);
	}
	printf("%s %lu routes in %.3f s\n", del ? "deleted" : "added", n, now() - t0);
	return 0;
}

struct count_ctx {
	unsigned long n;
	struct mixnet_nl *other;	/* dumpintr: changes the table mid-dump */
	struct mixnet_nl_route change;
	bool changed;
};

static int count_cb(const struct mixnet_nl_route *r, void *arg)
{
	struct count_ctx *ctx = arg;
	int err;

	(void)r;
	ctx->n++;
	if (ctx->other && !ctx->changed) {
		err = mixnet_nl_route_add(ctx->other, &ctx->change, 0);
		if (err)
			return err;
		ctx->changed = true;
	}
	return 0;
}

static int cmd_count(struct mixnet_nl *nl, char **argv)
{
	uint32_t ifindex = ifindex_or_die(argv[0]);
	struct count_ctx ctx = { 0 };
	unsigned long interrupted = 0;
	double t0 = now();
	int err;

	for (;;) {
		ctx.n = 0;
		err = mixnet_nl_route_dump(nl, ifindex, count_cb, &ctx);
		if (err != -EINTR)
			break;
		interrupted++;
	}
	if (err)
		return die("route dump", nl, err);
	printf("routes %lu interrupted %lu seconds %.3f\n", ctx.n, interrupted, now() - t0);
	return 0;
}

static int cmd_dumpintr(struct mixnet_nl *nl, char **argv)
{
	struct count_ctx ctx = { 0 };
	uint32_t ifindex = ifindex_or_die(argv[0]);
	int err, err2;

	err = mixnet_nl_open(&ctx.other);
	if (err)
		return die("open", NULL, err);
	ctx.change.ifindex = ifindex;
	peer_of(131070, &ctx.change);
	ctx.change.npaths = 1;
	ctx.change.paths[0].kind = MIXNET_PATH_ELECTRICAL;
	ctx.change.paths[0].ifindex = ifindex_or_die(argv[1]);
	if (mixnet_nl_lladdr_parse(argv[2], ctx.change.paths[0].lladdr))
		return die("bad MAC", NULL, -EINVAL);

	err = mixnet_nl_route_dump(nl, ifindex, count_cb, &ctx);
	err2 = ctx.changed ? mixnet_nl_route_del(ctx.other, &ctx.change) : 0;
	mixnet_nl_close(ctx.other);
	if (err2)
		return die("route del", NULL, err2);
	printf("dump %s after %lu routes\n", err == -EINTR ? "interrupted" :
	       err ? strerror(-err) : "complete", ctx.n);
	return err == -EINTR ? 0 : 1;
}

/* ---- malformed requests ------------------------------------------------------------ */

static struct nlmsghdr *req(char *buf, struct mixnet_nl *nl, uint8_t cmd)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

	nlh->nlmsg_type = mixnet_nl_family_id(nl);
	g->cmd = cmd;
	g->version = MIXNET_GENL_VERSION;
	return nlh;
}

static void put_path(struct nlmsghdr *nlh, uint8_t kind, uint32_t ifindex)
{
	struct nlattr *p = mnl_attr_nest_start(nlh, MIXNET_RT_A_PATH);

	mnl_attr_put_u8(nlh, MIXNET_PATH_A_KIND, kind);
	mnl_attr_put_u32(nlh, MIXNET_PATH_A_IFINDEX, ifindex);
	mnl_attr_put(nlh, MIXNET_PATH_A_LLADDR, 6, "\x02\x00\x00\x00\x00\x01");
	mnl_attr_nest_end(nlh, p);
}

static int cmd_raw(struct mixnet_nl *nl, char **argv)
{
	static char buf[MIXNET_NL_REQ_SIZE];
	uint32_t ifindex = ifindex_or_die(argv[0]), peer = htonl(0xc6120063);
	const char *c = argv[1];
	struct nlmsghdr *nlh = req(buf, nl, MIXNET_CMD_ROUTE_NEW);
	struct nlattr *rt;
	int err;

	if (strcmp(c, "no_dev"))
		mnl_attr_put_u32(nlh, MIXNET_A_IFINDEX, ifindex);
	if (!strcmp(c, "unknown_attr"))
		mnl_attr_put_u32(nlh, 60, 1);
	if (!strcmp(c, "output_only"))
		mnl_attr_put_u32(nlh, MIXNET_A_GENERATION, 1);
	if (!strcmp(c, "bad_flags"))
		mnl_attr_put_u32(nlh, MIXNET_A_FLAGS, 0x80);
	if (!strcmp(c, "bad_ifname"))
		mnl_attr_put(nlh, MIXNET_A_IFNAME, 4, "abcd");	/* not NUL-terminated */
	if (strcmp(c, "no_route")) {
		rt = mnl_attr_nest_start(nlh, MIXNET_A_ROUTE);
		if (!strcmp(c, "short_peer"))
			mnl_attr_put(nlh, MIXNET_RT_A_PEER4, 3, &peer);
		else if (strcmp(c, "no_peer"))
			mnl_attr_put(nlh, MIXNET_RT_A_PEER4, 4, &peer);
		if (!strcmp(c, "two_peers"))
			mnl_attr_put(nlh, MIXNET_RT_A_DEFAULT, 0, NULL);
		if (!strcmp(c, "unknown_nested"))
			mnl_attr_put_u8(nlh, 30, 1);
		if (!strcmp(c, "nested_output_only"))
			mnl_attr_put_u8(nlh, MIXNET_RT_A_VIA, MIXNET_VIA_OPTICAL);
		if (!strcmp(c, "bad_kind")) {
			put_path(nlh, 7, 1);
		} else if (!strcmp(c, "path_no_lladdr")) {
			struct nlattr *p = mnl_attr_nest_start(nlh, MIXNET_RT_A_PATH);

			mnl_attr_put_u8(nlh, MIXNET_PATH_A_KIND, MIXNET_PATH_ELECTRICAL);
			mnl_attr_put_u32(nlh, MIXNET_PATH_A_IFINDEX, 1);
			mnl_attr_nest_end(nlh, p);
		} else if (!strcmp(c, "path_origin")) {
			struct nlattr *p = mnl_attr_nest_start(nlh, MIXNET_RT_A_PATH);

			mnl_attr_put_u8(nlh, MIXNET_PATH_A_KIND, MIXNET_PATH_ELECTRICAL);
			mnl_attr_put_u32(nlh, MIXNET_PATH_A_IFINDEX, 1);
			mnl_attr_put(nlh, MIXNET_PATH_A_LLADDR, 6, "\x02\x00\x00\x00\x00\x01");
			mnl_attr_put_u8(nlh, MIXNET_PATH_A_ORIGIN, MIXNET_PATH_LEARNED);
			mnl_attr_nest_end(nlh, p);
		} else if (!strcmp(c, "no_paths")) {
			/* nothing */
		} else {
			put_path(nlh, MIXNET_PATH_ELECTRICAL, 1);	/* ifindex 1: lo */
		}
		mnl_attr_nest_end(nlh, rt);
	}
	err = mixnet_nl_request(nl, nlh);
	printf("errno %d msg %s\n", -err, mixnet_nl_error_msg(nl) ? mixnet_nl_error_msg(nl) : "");
	return err ? 0 : 1;
}

/* ---- events ---------------------------------------------------------------------------- */

struct watch_ctx {
	uint32_t ifindex;
	long left;
	bool path_up;		/* pathup: seen */
};

static int watch_cb(const struct mixnet_nl_event *ev, void *arg)
{
	char peer[INET6_ADDRSTRLEN], lower[IF_NAMESIZE] = "?";
	struct watch_ctx *ctx = arg;

	if (ev->ifindex != ctx->ifindex || ctx->left <= 0)
		return 0;
	ctx->left--;
	switch (ev->cmd) {
	case MIXNET_CMD_EV_ROUTE:
		printf("route %s%s\n", mixnet_nl_peer_format(&ev->route, peer, sizeof(peer)),
		       ev->route.deleted ? " deleted" : "");
		break;
	case MIXNET_CMD_EV_PATH_UP:
	case MIXNET_CMD_EV_PATH_DOWN:
		if (ev->route.npaths)
			if_indextoname(ev->route.paths[0].ifindex, lower);
		printf("path_%s %s %s\n", ev->cmd == MIXNET_CMD_EV_PATH_UP ? "up" : "down",
		       mixnet_nl_peer_format(&ev->route, peer, sizeof(peer)), lower);
		ctx->path_up |= ev->cmd == MIXNET_CMD_EV_PATH_UP;
		break;
	case MIXNET_CMD_EV_FALLBACK:
		printf("fallback %s\n", ev->port.name);
		break;
	}
	fflush(stdout);
	return 0;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static int cmd_watch(struct mixnet_nl *nl, char **argv)
{
	struct watch_ctx ctx = { .ifindex = ifindex_or_die(argv[0]), .left = atol(argv[1]) };
	long timeout = atol(argv[2]);
	struct timespec t0;
	int err = mixnet_nl_subscribe(nl);

	if (err)
		return die("subscribe", nl, err);
	printf("ready\n");
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (ctx.left > 0 && ms_since(&t0) < timeout) {
		struct pollfd pfd = { .fd = mixnet_nl_fd(nl), .events = POLLIN };

		if (poll(&pfd, 1, (int)(timeout - ms_since(&t0))) <= 0)
			continue;
		err = mixnet_nl_event_read(nl, watch_cb, &ctx);
		if (err)
			return die("events", nl, err);
	}
	return ctx.left > 0;
}

static int cmd_pathup(struct mixnet_nl *nl, char **argv)
{
	struct watch_ctx ctx = { .ifindex = ifindex_or_die(argv[0]), .left = 1L << 30 };
	long timeout = atol(argv[2]);
	struct mixnet_ocs_event oev;
	uint64_t done_ns = 0, up_ns = 0;
	struct timespec t0, t;
	uint32_t id;
	int fd, err;

	if (ocs_parse_name(argv[1], &id))
		return die(argv[1], NULL, -EINVAL);
	fd = ocs_open(id, O_RDONLY);
	if (fd < 0)
		return die("ocs open", NULL, fd);
	err = mixnet_nl_subscribe(nl);
	if (err)
		return die("subscribe", nl, err);
	printf("ready\n");
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((!done_ns || !up_ns) && ms_since(&t0) < timeout) {
		struct pollfd pfd[2] = { { .fd = fd, .events = POLLIN },
					 { .fd = mixnet_nl_fd(nl), .events = POLLIN } };

		if (poll(pfd, 2, 100) <= 0)
			continue;
		if (pfd[0].revents && ocs_read_events(fd, &oev, 1, 0) == 1 &&
		    oev.type == MIXNET_OCS_EV_SWITCH_DONE && !done_ns)
			done_ns = oev.timestamp_ns;
		if (pfd[1].revents) {
			err = mixnet_nl_event_read(nl, watch_cb, &ctx);
			if (err)
				return die("events", nl, err);
			if (ctx.path_up && !up_ns) {
				clock_gettime(CLOCK_MONOTONIC, &t);
				up_ns = (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
			}
		}
	}
	close(fd);
	if (!done_ns || !up_ns) {
		fprintf(stderr, "netdev_nl: no %s within %ld ms\n",
			done_ns ? "optical path up" : "switch done", timeout);
		return 1;
	}
	printf("switch_done_to_path_up_us %lld\n", ((long long)up_ns - (long long)done_ns) / 1000);
	return 0;
}

/* ---- a dump left half-read ------------------------------------------------------------ */

struct hold_state {
	uint16_t family;
	unsigned long msgs;
	bool intr, done;
	int err;
};

/* Take one part of the dump; false on a socket error. */
static bool hold_part(struct mnl_socket *sock, struct hold_state *st)
{
	/* Small reads: the kernel sizes the parts after them, so there are many. */
	char buf[4096];
	ssize_t n = mnl_socket_recvfrom(sock, buf, sizeof(buf));
	const struct nlmsghdr *m = (const struct nlmsghdr *)buf;
	int len = (int)n;

	if (n < 0) {
		fprintf(stderr, "netdev_nl: recv: %s\n", strerror(errno));
		return false;
	}
	for (; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
		st->intr |= !!(m->nlmsg_flags & NLM_F_DUMP_INTR);
		if (m->nlmsg_type == NLMSG_DONE || m->nlmsg_type == NLMSG_ERROR) {
			const int *e = mnl_nlmsg_get_payload(m);

			st->err = m->nlmsg_type == NLMSG_DONE ? -*e :
				  -((const struct nlmsgerr *)e)->error;
			st->done = true;
		} else if (m->nlmsg_type == st->family) {
			st->msgs++;
		}
	}
	return true;
}

static int cmd_hold(struct mixnet_nl *nl, char **argv)
{
	static char buf[MIXNET_NL_REQ_SIZE];
	struct hold_state st = { .family = mixnet_nl_family_id(nl) };
	const char *kind = argv[0], *dev = argv[1], *go = argv[2];
	struct nlmsghdr *nlh;
	struct mnl_socket *sock;
	uint8_t cmd;

	if (!strcmp(kind, "route"))
		cmd = MIXNET_CMD_ROUTE_GET;
	else if (!strcmp(kind, "port"))
		cmd = MIXNET_CMD_PORT_GET;
	else if (!strcmp(kind, "dev"))
		cmd = MIXNET_CMD_DEV_GET;
	else
		return 2;
	sock = mnl_socket_open(NETLINK_GENERIC);
	if (!sock || mnl_socket_bind(sock, 0, MNL_SOCKET_AUTOPID) < 0)
		return die("socket", NULL, -errno);
	nlh = req(buf, nl, cmd);
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = 1;
	if (strcmp(dev, "-"))
		mnl_attr_put_u32(nlh, MIXNET_A_IFINDEX, ifindex_or_die(dev));
	if (mnl_socket_sendto(sock, nlh, nlh->nlmsg_len) < 0)
		return die("send", NULL, -errno);
	if (!hold_part(sock, &st))
		return 1;
	printf("paused %lu\n", st.msgs);
	fflush(stdout);
	while (access(go, F_OK))
		usleep(20000);
	while (!st.done)
		if (!hold_part(sock, &st))
			return 1;
	printf("done %lu intr %d errno %d\n", st.msgs, st.intr, st.err);
	mnl_socket_close(sock);
	return 0;
}

int main(int argc, char **argv)
{
	struct mixnet_nl *nl;
	int err, rc;

	if (argc < 3) {
		fprintf(stderr, "usage: netdev_nl fill|del|count|dumpintr|raw DEV ...\n");
		return 2;
	}
	err = mixnet_nl_open(&nl);
	if (err)
		return die("open", NULL, err);
	if (!strcmp(argv[1], "fill") && argc >= 6)
		rc = cmd_fill(nl, argc - 2, argv + 2, false);
	else if (!strcmp(argv[1], "del") && argc >= 4)
		rc = cmd_fill(nl, argc - 2, argv + 2, true);
	else if (!strcmp(argv[1], "count"))
		rc = cmd_count(nl, argv + 2);
	else if (!strcmp(argv[1], "dumpintr") && argc == 5)
		rc = cmd_dumpintr(nl, argv + 2);
	else if (!strcmp(argv[1], "raw") && argc == 4)
		rc = cmd_raw(nl, argv + 2);
	else if (!strcmp(argv[1], "watch") && argc == 5)
		rc = cmd_watch(nl, argv + 2);
	else if (!strcmp(argv[1], "pathup") && argc == 5)
		rc = cmd_pathup(nl, argv + 2);
	else if (!strcmp(argv[1], "hold") && argc == 5)
		rc = cmd_hold(nl, argv + 2);
	else
		rc = 2;
	if (rc == 2)
		fprintf(stderr, "netdev_nl: bad arguments\n");
	mixnet_nl_close(nl);
	return rc;
}
