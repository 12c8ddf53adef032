// SPDX-License-Identifier: GPL-2.0
/* Command-line glue for the mixnet generic netlink client (see nl_cli.h). */
#include <errno.h>
#include <string.h>

#include "nl_cli.h"

int nl_cli_open(const struct cli *cli, struct mixnet_nl **nl)
{
	int err = mixnet_nl_open(nl);

	if (err == -ENOENT)
		cli_err(cli, NULL, "generic netlink family \"%s\" not found: is mixnet.ko loaded?",
			MIXNET_GENL_NAME);
	else if (err)
		cli_errno(cli, NULL, err, "cannot open a generic netlink socket");
	return err ? cli_exit_code(err) : EXIT_OK;
}

int nl_cli_report(const struct cli *cli, const char *obj, const struct mixnet_nl *nl, int err)
{
	const char *msg = mixnet_nl_error_msg(nl);

	if (msg)
		cli_err(cli, obj, "%s (%s)", msg, strerror(err < 0 ? -err : err));
	else
		cli_errno(cli, obj, err, "failed");
	return cli_exit_code(err);
}

uint32_t nl_cli_ifindex(const struct cli *cli, const char *name)
{
	uint32_t ifindex = if_nametoindex(name);

	if (!ifindex)
		cli_err(cli, name, "no such device");
	return ifindex;
}
