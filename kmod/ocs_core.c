// SPDX-License-Identifier: GPL-2.0
/* OCS devices: placeholder until the OCS part lands (issue 3). */
#include "mixnet.h"

int mixnet_ocs_init(void)
{
	return 0;
}

void mixnet_ocs_exit(void)
{
}

bool mixnet_ocs_is_port(const struct net_device *dev)
{
	return false;
}
