// SPDX-License-Identifier: GPL-2.0
/*
 * mixnet-agent route: the routing table of mixnet devices.
 *
 *   route show [dev DEV] [PEER]
 *   route add|replace PEER dev DEV [optical LOWER lladdr MAC]... [electrical LOWER lladdr MAC]
 *   route add|replace default dev DEV electrical LOWER lladdr MAC
 *   route del PEER|default dev DEV
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "nl_cli.h"

#define ROUTE_USAGE \
	"usage: route show [dev DEV] [PEER]\n" \
	"       route add|replace PEER dev DEV [optical LOWER lladdr MAC]... [electrical LOWER lladdr MAC]\n" \
	"       route add|replace default dev DEV electrical LOWER lladdr MAC\n" \
	"       route del PEER|default dev DEV\n"

static int usage_error(const struct cli *cli, const char *what)
{
	cli_err(cli, "route", "%s", what);
	fputs(ROUTE_USAGE, stderr);
	return EXIT_USAGE;
}

static int ifindex_of(const struct cli *cli, const char *name, uint32_t *ifindex)
{
	*ifindex = nl_cli_ifindex(cli, name);
	return *ifindex ? EXIT_OK : EXIT_NOTFOUND;
}

static const char *ifname_of(uint32_t ifindex, char *buf)
{
	if (!if_indextoname(ifindex, buf))
		snprintf(buf, IF_NAMESIZE, "if%u", ifindex);
	return buf;
}

/* ---- show ----------------------------------------------------------------------- */

static int route_cmp(const void *a, const void *b)
{
	const struct mixnet_nl_route *x = a, *y = b;
	int fx = x->family == AF_UNSPEC ? 0 : x->family == AF_INET ? 1 : 2;
	int fy = y->family == AF_UNSPEC ? 0 : y->family == AF_INET ? 1 : 2;

	if (fx != fy)
		return fx - fy;
	if (fx == 1)
		return memcmp(&x->peer.v4, &y->peer.v4, sizeof(x->peer.v4));
	if (fx == 2)
		return memcmp(&x->peer.v6, &y->peer.v6, sizeof(x->peer.v6));
	return 0;
}

static json_t *route_json(const struct mixnet_nl_route *r, const char *dev)
{
	char peer[INET6_ADDRSTRLEN], lower[IF_NAMESIZE], mac[18];
	json_t *paths = json_array(), *o;
	unsigned int i;

	for (i = 0; i < r->npaths; i++) {
		const struct mixnet_nl_path *p = &r->paths[i];
		json_t *jp = json_pack("{s:s, s:s, s:s, s:s, s:b}",
				       "kind", mixnet_nl_kind_name(p->kind),
				       "lower", ifname_of(p->ifindex, lower),
				       "lladdr", mixnet_nl_lladdr_format(p->lladdr, mac),
				       "origin", mixnet_nl_origin_name(p->origin),
				       "live", p->live);

		if (jp && p->has_age)
			json_object_set_new(jp, "age_ms", json_integer(p->age_ms));
		json_array_append_new(paths, jp);
	}
	o = json_pack("{s:s, s:s, s:s, s:b, s:i, s:o}",
		      "dev", dev,
		      "peer", mixnet_nl_peer_format(r, peer, sizeof(peer)),
		      "via", mixnet_nl_via_name(r->via),
		      "static", r->is_static,
		      "generation", (json_int_t)r->generation,
		      "paths", paths);
	return o;
}

static void route_print(const struct mixnet_nl_route *r, const char *dev)
{
	char peer[INET6_ADDRSTRLEN], lower[IF_NAMESIZE], mac[18];
	unsigned int i, live = 0;

	for (i = 0; i < r->npaths; i++)
		live += r->paths[i].kind == MIXNET_PATH_OPTICAL && r->paths[i].live;
	printf("%s dev %s via %s", mixnet_nl_peer_format(r, peer, sizeof(peer)), dev,
	       mixnet_nl_via_name(r->via));
	if (r->via == MIXNET_VIA_OPTICAL)
		printf(" (%u live optical path%s)", live, live == 1 ? "" : "s");
	printf("%s\n", r->is_static ? " static" : " learned");
	for (i = 0; i < r->npaths; i++) {
		const struct mixnet_nl_path *p = &r->paths[i];

		printf("    %s %s lladdr %s %s %s", mixnet_nl_kind_name(p->kind),
		       ifname_of(p->ifindex, lower), mixnet_nl_lladdr_format(p->lladdr, mac),
		       mixnet_nl_origin_name(p->origin), p->live ? "live" : "down");
		if (p->has_age)
			printf(" age %ums", p->age_ms);
		putchar('\n');
	}
}

struct show_ctx {
	const struct cli *cli;
	struct mixnet_nl *nl;
	json_t *out;
	int rc;
};

static int show_dev(struct show_ctx *ctx, uint32_t ifindex, const char *dev)
{
	struct mixnet_nl_route *routes;
	struct mixnet_nl_dev d;
	size_t n, i;
	int err;

	/* A dump's start reports no extack text on 6.1: check the device first. */
	err = mixnet_nl_dev_get(ctx->nl, ifindex, &d);
	if (!err)
		err = mixnet_nl_route_list(ctx->nl, ifindex, &routes, &n);
	if (err)
		return nl_cli_report(ctx->cli, dev, ctx->nl, err);
	qsort(routes, n, sizeof(*routes), route_cmp);
	for (i = 0; i < n; i++) {
		if (ctx->out)
			json_array_append_new(ctx->out, route_json(&routes[i], dev));
		else
			route_print(&routes[i], dev);
	}
	free(routes);
	return EXIT_OK;
}

/* Devices are collected first: a dump cannot run inside another on one socket. */
static int show_dev_cb(const struct mixnet_nl_dev *d, void *arg)
{
	return json_array_append_new(arg, json_pack("{s:i, s:s}", "ifindex", (json_int_t)d->ifindex,
						    "name", d->name)) ? -ENOMEM : 0;
}

static int route_show(struct cli *cli, int argc, char **argv)
{
	struct show_ctx ctx = { .cli = cli };
	struct mixnet_nl_route key = { 0 };
	const char *dev = NULL, *peer = NULL;
	uint32_t ifindex = 0;
	int i, rc;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "dev") && i + 1 < argc)
			dev = argv[++i];
		else if (!peer && !mixnet_nl_peer_parse(argv[i], &key))
			peer = argv[i];
		else
			return usage_error(cli, "unexpected argument to route show");
	}
	if (peer && !dev)
		return usage_error(cli, "route show PEER needs dev DEV");
	if (dev && (rc = ifindex_of(cli, dev, &ifindex)))
		return rc;
	rc = nl_cli_open(cli, &ctx.nl);
	if (rc)
		return rc;
	ctx.out = cli->json ? json_array() : NULL;

	if (peer) {
		struct mixnet_nl_route r;
		int err;

		key.ifindex = ifindex;
		err = mixnet_nl_route_get(ctx.nl, &key, &r);
		if (err) {
			char obj[128];

			snprintf(obj, sizeof(obj), "%s dev %s", peer, dev);
			rc = nl_cli_report(cli, obj, ctx.nl, err);
		} else if (ctx.out) {
			json_array_append_new(ctx.out, route_json(&r, dev));
		} else {
			route_print(&r, dev);
		}
	} else if (dev) {
		rc = show_dev(&ctx, ifindex, dev);
	} else {
		json_t *devs = json_array(), *d;
		size_t k;
		int err = mixnet_nl_dev_dump(ctx.nl, show_dev_cb, devs);

		if (err)
			rc = nl_cli_report(cli, "route show", ctx.nl, err);
		json_array_foreach(devs, k, d) {
			if (rc)
				break;
			rc = show_dev(&ctx, (uint32_t)json_integer_value(json_object_get(d, "ifindex")),
				      json_string_value(json_object_get(d, "name")));
		}
		json_decref(devs);
	}
	mixnet_nl_close(ctx.nl);
	return cli_json_finish(ctx.out, rc);
}

/* ---- add / replace / del -------------------------------------------------------- */

static int parse_path(const struct cli *cli, int argc, char **argv, int *i,
		      struct mixnet_nl_route *r, uint8_t kind)
{
	struct mixnet_nl_path *p;
	const char *lower;
	int rc;

	if (*i + 3 >= argc || strcmp(argv[*i + 2], "lladdr"))
		return usage_error(cli, kind == MIXNET_PATH_OPTICAL ?
				   "expected: optical LOWER lladdr MAC" :
				   "expected: electrical LOWER lladdr MAC");
	if (r->npaths == MIXNET_NL_MAX_PATHS)
		return usage_error(cli, "too many paths");
	p = &r->paths[r->npaths];
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	lower = argv[*i + 1];
	rc = ifindex_of(cli, lower, &p->ifindex);
	if (rc)
		return rc;
	if (mixnet_nl_lladdr_parse(argv[*i + 3], p->lladdr)) {
		cli_err(cli, argv[*i + 3], "not a MAC address (xx:xx:xx:xx:xx:xx)");
		return EXIT_USAGE;
	}
	r->npaths++;
	*i += 3;
	return EXIT_OK;
}

static int route_change(struct cli *cli, int argc, char **argv, const char *sub)
{
	bool del = !strcmp(sub, "del"), replace = !strcmp(sub, "replace");
	struct mixnet_nl_route r = { 0 };
	const char *dev = NULL;
	struct mixnet_nl *nl;
	char obj[128];
	int i, rc, err;

	if (argc < 1)
		return usage_error(cli, "missing PEER");
	if (mixnet_nl_peer_parse(argv[0], &r)) {
		cli_err(cli, argv[0], "not an IPv4 or IPv6 address, nor \"default\"");
		return EXIT_USAGE;
	}
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "dev") && i + 1 < argc) {
			dev = argv[++i];
		} else if (!del && !strcmp(argv[i], "optical")) {
			rc = parse_path(cli, argc, argv, &i, &r, MIXNET_PATH_OPTICAL);
			if (rc)
				return rc;
		} else if (!del && !strcmp(argv[i], "electrical")) {
			rc = parse_path(cli, argc, argv, &i, &r, MIXNET_PATH_ELECTRICAL);
			if (rc)
				return rc;
		} else {
			cli_err(cli, argv[i], "unexpected argument to route %s", sub);
			fputs(ROUTE_USAGE, stderr);
			return EXIT_USAGE;
		}
	}
	if (!dev)
		return usage_error(cli, "missing dev DEV");
	if (!del && !r.npaths)
		return usage_error(cli, "a route needs at least one path");
	rc = ifindex_of(cli, dev, &r.ifindex);
	if (rc)
		return rc;
	rc = nl_cli_open(cli, &nl);
	if (rc)
		return rc;

	err = del ? mixnet_nl_route_del(nl, &r) :
		    mixnet_nl_route_add(nl, &r, replace ? MIXNET_NL_F_REPLACE : 0);
	snprintf(obj, sizeof(obj), "route %s dev %s", argv[0], dev);
	rc = err ? nl_cli_report(cli, obj, nl, err) : EXIT_OK;
	mixnet_nl_close(nl);
	return rc;
}

int cmd_route(struct cli *cli, int argc, char **argv)
{
	const char *sub;

	if (argc < 2)
		return usage_error(cli, "missing subcommand");
	sub = argv[1];
	if (!strcmp(sub, "show") || !strcmp(sub, "list"))
		return route_show(cli, argc - 2, argv + 2);
	if (!strcmp(sub, "add") || !strcmp(sub, "replace") || !strcmp(sub, "del"))
		return route_change(cli, argc - 2, argv + 2, sub);
	if (!strcmp(sub, "help")) {
		fputs(ROUTE_USAGE, stdout);
		return EXIT_OK;
	}
	cli_err(cli, sub, "unknown route subcommand");
	fputs(ROUTE_USAGE, stderr);
	return EXIT_USAGE;
}
