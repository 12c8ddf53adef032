// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/class/net/<dev>/mixnet/: the routing table size and the data-path
 * counters of a mixnet device (per-CPU counters, summed on read).  All
 * read-only; routes and roles change through generic netlink.
 */
#include <linux/device.h>
#include <linux/netdevice.h>

#include "mixnet_dev.h"

static struct mixnet_dev *to_mdev(struct device *d)
{
	return netdev_priv(to_net_dev(d));
}

static ssize_t routes_show(struct device *d, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(to_mdev(d)->nroutes));
}
static DEVICE_ATTR_RO(routes);

static ssize_t generation_show(struct device *d, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(to_mdev(d)->generation));
}
static DEVICE_ATTR_RO(generation);

static ssize_t dev_id_show(struct device *d, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "0x%016llx\n", to_mdev(d)->dev_id);
}
static DEVICE_ATTR_RO(dev_id);

#define MIXNET_STAT_ATTR(_name)								\
static ssize_t _name##_show(struct device *d, struct device_attribute *attr, char *buf)	\
{											\
	struct mixnet_stats s;								\
											\
	mixnet_stats_read(to_mdev(d), &s);						\
	return sysfs_emit(buf, "%llu\n", s._name);					\
}											\
static DEVICE_ATTR_RO(_name)

MIXNET_STAT_ATTR(tx_optical_packets);
MIXNET_STAT_ATTR(tx_optical_bytes);
MIXNET_STAT_ATTR(tx_electrical_packets);
MIXNET_STAT_ATTR(tx_electrical_bytes);
MIXNET_STAT_ATTR(tx_dropped_noroute);
MIXNET_STAT_ATTR(fallbacks);
MIXNET_STAT_ATTR(hello_bad);

static struct attribute *mixnet_dev_attrs[] = {
	&dev_attr_routes.attr,
	&dev_attr_tx_optical_packets.attr,
	&dev_attr_tx_optical_bytes.attr,
	&dev_attr_tx_electrical_packets.attr,
	&dev_attr_tx_electrical_bytes.attr,
	&dev_attr_tx_dropped_noroute.attr,
	&dev_attr_fallbacks.attr,
	&dev_attr_hello_bad.attr,
	&dev_attr_generation.attr,
	&dev_attr_dev_id.attr,
	NULL,
};

const struct attribute_group mixnet_dev_sysfs_group = {
	.name = "mixnet",
	.attrs = mixnet_dev_attrs,
};
