/* SPDX-License-Identifier: GPL-2.0 */
/* The command groups of mixnet-agent, one cmd_<group>.c each. */
#ifndef MIXNET_COMMANDS_H
#define MIXNET_COMMANDS_H

#include "cli.h"

int cmd_ocs(struct cli *cli, int argc, char **argv);
int cmd_port(struct cli *cli, int argc, char **argv);
int cmd_route(struct cli *cli, int argc, char **argv);
int cmd_flows(struct cli *cli, int argc, char **argv);
int cmd_tm(struct cli *cli, int argc, char **argv);
int cmd_plan(struct cli *cli, int argc, char **argv);
int cmd_daemon(struct cli *cli, int argc, char **argv);
int cmd_demand(struct cli *cli, int argc, char **argv);
int cmd_status(struct cli *cli, int argc, char **argv);

#endif /* MIXNET_COMMANDS_H */
