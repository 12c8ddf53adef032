// SPDX-License-Identifier: GPL-2.0
/* mixnet routing netdev: placeholder until the netdev part lands (issue 4). */
#include "mixnet.h"

int mixnet_dev_init(void)
{
	return 0;
}

void mixnet_dev_exit(void)
{
}
