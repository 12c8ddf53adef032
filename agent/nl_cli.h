/* SPDX-License-Identifier: GPL-2.0 */
/* Command-line glue for the mixnet generic netlink client (route, port). */
#ifndef MIXNET_NL_CLI_H
#define MIXNET_NL_CLI_H

#include "cli.h"
#include "mixnet_nl.h"

/* Open a handle; on failure print why (module not loaded ...) and return an exit code. */
int nl_cli_open(const struct cli *cli, struct mixnet_nl **nl);
/* Print "OBJ: <kernel's extack text> (strerror)" and return the exit code for @err. */
int nl_cli_report(const struct cli *cli, const char *obj, const struct mixnet_nl *nl, int err);
/* The ifindex of @name, or print "NAME: no such device" and return 0. */
uint32_t nl_cli_ifindex(const struct cli *cli, const char *name);

#endif /* MIXNET_NL_CLI_H */
