// SPDX-License-Identifier: GPL-2.0
/* mixnet-agent demand: placeholder until its issue lands. */
#include "commands.h"

int cmd_demand(struct cli *cli, int argc, char **argv)
{
	(void)argc;
	cli_err(cli, argv[0], "not implemented yet");
	return EXIT_FAIL;
}
