// SPDX-License-Identifier: GPL-2.0
/*
 * mixnet-agent port: the lowers of mixnet devices and their roles.
 *
 *   port show [dev DEV]
 *   port set LOWER role optical|electrical
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "nl_cli.h"

#define PORT_USAGE \
	"usage: port show [dev DEV]\n" \
	"       port set LOWER role optical|electrical\n"

static int usage_error(const struct cli *cli, const char *what)
{
	cli_err(cli, "port", "%s", what);
	fputs(PORT_USAGE, stderr);
	return EXIT_USAGE;
}

struct show_ctx {
	json_t *out;
};

static int port_cb(const struct mixnet_nl_port *p, void *arg)
{
	struct show_ctx *ctx = arg;
	char mac[18], peer_mac[18], peer_id[20];

	mixnet_nl_lladdr_format(p->lladdr, mac);
	mixnet_nl_lladdr_format(p->peer_lladdr, peer_mac);
	snprintf(peer_id, sizeof(peer_id), "0x%016" PRIx64, p->peer_dev_id);
	if (ctx->out) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:b, s:b, s:s, s:I, s:I, s:I}",
				      "dev", p->dev_name, "lower", p->name,
				      "role", mixnet_nl_role_name(p->role),
				      "carrier", p->carrier, "confirmed", p->confirmed,
				      "lladdr", mac,
				      "hello_tx", (json_int_t)p->hello_tx,
				      "hello_rx", (json_int_t)p->hello_rx,
				      "hello_bad", (json_int_t)p->hello_bad);

		if (!o)
			return -ENOMEM;
		if (p->peer_known) {
			json_object_set_new(o, "peer_dev_id", json_string(peer_id));
			json_object_set_new(o, "peer_lladdr", json_string(peer_mac));
		}
		return json_array_append_new(ctx->out, o) ? -ENOMEM : 0;
	}
	printf("%s master %s role %s carrier %s lladdr %s", p->name, p->dev_name,
	       mixnet_nl_role_name(p->role), p->carrier ? "up" : "down", mac);
	if (p->role == MIXNET_ROLE_OPTICAL) {
		printf(" %s", p->confirmed ? "confirmed" : "unconfirmed");
		if (p->peer_known)
			printf(" peer %s lladdr %s", peer_id, peer_mac);
		printf(" hellos tx %" PRIu64 " rx %" PRIu64 " bad %" PRIu64,
		       p->hello_tx, p->hello_rx, p->hello_bad);
	}
	putchar('\n');
	return 0;
}

static int port_show(struct cli *cli, int argc, char **argv)
{
	struct show_ctx ctx = { 0 };
	uint32_t ifindex = 0;
	struct mixnet_nl *nl;
	int rc, err;

	if (argc == 2 && !strcmp(argv[0], "dev")) {
		ifindex = nl_cli_ifindex(cli, argv[1]);
		if (!ifindex)
			return EXIT_NOTFOUND;
	} else if (argc) {
		return usage_error(cli, "unexpected argument to port show");
	}
	rc = nl_cli_open(cli, &nl);
	if (rc)
		return rc;
	ctx.out = cli->json ? json_array() : NULL;
	err = 0;
	if (ifindex) {
		struct mixnet_nl_dev d;

		/* A dump's start reports no extack text on 6.1: check the device first. */
		err = mixnet_nl_dev_get(nl, ifindex, &d);
	}
	if (!err)
		err = mixnet_nl_port_dump(nl, ifindex, port_cb, &ctx);
	rc = err ? nl_cli_report(cli, argc ? argv[1] : "port show", nl, err) : EXIT_OK;
	mixnet_nl_close(nl);
	return cli_json_finish(ctx.out, rc);
}

static int port_set(struct cli *cli, int argc, char **argv)
{
	struct mixnet_nl *nl;
	uint32_t ifindex;
	uint8_t role;
	int rc, err;

	if (argc != 3 || strcmp(argv[1], "role"))
		return usage_error(cli, "expected: port set LOWER role optical|electrical");
	if (mixnet_nl_role_parse(argv[2], &role)) {
		cli_err(cli, argv[2], "unknown role (optical or electrical)");
		return EXIT_USAGE;
	}
	ifindex = nl_cli_ifindex(cli, argv[0]);
	if (!ifindex)
		return EXIT_NOTFOUND;
	rc = nl_cli_open(cli, &nl);
	if (rc)
		return rc;
	err = mixnet_nl_port_set_role(nl, ifindex, role);
	rc = err ? nl_cli_report(cli, argv[0], nl, err) : EXIT_OK;
	mixnet_nl_close(nl);
	return rc;
}

int cmd_port(struct cli *cli, int argc, char **argv)
{
	if (argc < 2)
		return usage_error(cli, "missing subcommand");
	if (!strcmp(argv[1], "show") || !strcmp(argv[1], "list"))
		return port_show(cli, argc - 2, argv + 2);
	if (!strcmp(argv[1], "set"))
		return port_set(cli, argc - 2, argv + 2);
	if (!strcmp(argv[1], "help")) {
		fputs(PORT_USAGE, stdout);
		return EXIT_OK;
	}
	cli_err(cli, argv[1], "unknown port subcommand");
	fputs(PORT_USAGE, stderr);
	return EXIT_USAGE;
}
