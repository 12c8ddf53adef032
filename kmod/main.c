// SPDX-License-Identifier: GPL-2.0
/*
 * mixnet.ko: optical circuit switch devices (real and simulated) and the
 * mixnet routing netdev that steers traffic over circuits or the
 * electrical fabric.  This file only orders the parts' init and exit.
 */
#include <linux/module.h>
#include <linux/init.h>

#include "mixnet.h"

static int __init mixnet_init(void)
{
	int err;

	err = mixnet_ocs_init();
	if (err)
		goto err_ocs;

	err = mixnet_dev_init();
	if (err)
		goto err_dev;

	pr_info("mixnet: version " MIXNET_VERSION " loaded\n");
	return 0;

err_dev:
	mixnet_ocs_exit();
err_ocs:
	return err;
}

static void __exit mixnet_exit(void)
{
	/* Reverse order: the netdev holds references on OCS ports. */
	mixnet_dev_exit();
	mixnet_ocs_exit();
}

module_init(mixnet_init);
module_exit(mixnet_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("mixnet developers");
MODULE_DESCRIPTION("Reconfigurable optical-electrical fabric: OCS devices and circuit-aware routing");
MODULE_VERSION(MIXNET_VERSION);
