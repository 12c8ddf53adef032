// SPDX-License-Identifier: GPL-2.0
/*
 * mixnet-agent: the command line and daemon that steer mixnet.ko.
 * This file only dispatches to the command groups (cmd_*.c).
 */
#include <stdio.h>
#include <string.h>

#include <linux/mixnet.h>

#include "cli.h"
#include "commands.h"
#include "version.h"

static const struct cli_cmd commands[] = {
	{ "ocs", cmd_ocs, "ocs list|show|connect|disconnect|apply|clear|watch ..." },
	{ "port", cmd_port, "port show [dev DEV] | port set DEV role optical|electrical" },
	{ "route", cmd_route, "route show|add|del ..." },
	{ "flows", cmd_flows, "flows attach|detach|show|peers|expire ..." },
	{ "tm", cmd_tm, "tm [DEV] [--interval MS]" },
	{ "plan", cmd_plan, "plan --alpha N[,N...] [--gbps G] [--eps-nics K] [--stop] [--spare] [--refine] FILE.csv" },
	{ "daemon", cmd_daemon, "daemon [--config FILE]" },
	{ "demand", cmd_demand, "demand submit [--layer L] FILE.csv" },
	{ "status", cmd_status, "status" },
};

static void usage(FILE *f, const char *prog)
{
	size_t i;

	fprintf(f, "usage: %s [--json] [-v] COMMAND ...\n\ncommands:\n", prog);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %s\n", commands[i].usage);
	fprintf(f, "\n  version\n  help\n\nSee mixnet-agent(8) in Documentation/.\n");
}

int main(int argc, char **argv)
{
	struct cli cli = { .prog = "mixnet-agent" };
	size_t i;

	argc = cli_take_global_opts(&cli, argc - 1, argv + 1);
	argv++;
	if (argc < 1) {
		usage(stderr, cli.prog);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[0], "help") || !strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) {
		usage(stdout, cli.prog);
		return EXIT_OK;
	}
	if (!strcmp(argv[0], "version") || !strcmp(argv[0], "--version")) {
		if (cli.json)
			return cli_json_print(json_pack("{s:s, s:i}", "version", MIXNET_AGENT_VERSION,
							"uapi", MIXNET_UAPI_VERSION)) ? EXIT_FAIL : EXIT_OK;
		printf("mixnet-agent %s (uapi %d)\n", MIXNET_AGENT_VERSION, MIXNET_UAPI_VERSION);
		return EXIT_OK;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[0], commands[i].name))
			return commands[i].run(&cli, argc, argv);

	cli_err(&cli, argv[0], "unknown command (try '%s help')", cli.prog);
	return EXIT_USAGE;
}
