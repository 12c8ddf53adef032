/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mixnet.ko internals shared between its parts.  Each part owns its own
 * init/exit pair, called in order by main.c.
 */
#ifndef _MIXNET_H
#define _MIXNET_H

#include <linux/netdevice.h>

#define MIXNET_VERSION "0.1.0"

/* OCS devices and the simulated OCS (ocs_*.c). */
int mixnet_ocs_init(void);
void mixnet_ocs_exit(void);
/* True if @dev is a port of a simulated OCS (an optical lower by default). */
bool mixnet_ocs_is_port(const struct net_device *dev);

/* The mixnet routing netdev, its generic netlink family and sysfs (mixnet_*.c). */
int mixnet_dev_init(void);
void mixnet_dev_exit(void);

#endif /* _MIXNET_H */
