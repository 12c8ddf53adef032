// SPDX-License-Identifier: GPL-2.0
/*
 * The mixnet routing netdev: rtnl link kind "mixnet", an L3 device (no
 * link-layer header, no ARP, like wireguard's) whose packets leave on
 * enslaved Ethernet lowers: over a live optical circuit to the peer when
 * there is one, over the electrical fabric otherwise (see datapath.c).
 * This file holds the device itself and orders the parts' init and exit.
 */
#include <linux/if_arp.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/random.h>
#include <linux/rtnetlink.h>
#include <net/ip.h>
#include <net/rtnetlink.h>

#include "mixnet_dev.h"

/* Discovery tunables; see Documentation/netdev.md. */
unsigned int mixnet_hello_interval_ms = 1000;
unsigned int mixnet_hello_timeout_ms = 3500;
unsigned int mixnet_carrier_poll_ms = 10;

static int mixnet_param_set_interval(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 10, 60000);
}

static int mixnet_param_set_poll(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, 1000);
}

static const struct kernel_param_ops mixnet_interval_ops = {
	.set = mixnet_param_set_interval,
	.get = param_get_uint,
};

static const struct kernel_param_ops mixnet_poll_ops = {
	.set = mixnet_param_set_poll,
	.get = param_get_uint,
};

module_param_cb(hello_interval_ms, &mixnet_interval_ops, &mixnet_hello_interval_ms, 0644);
MODULE_PARM_DESC(hello_interval_ms, "Discovery hello period on optical lowers, ms (10-60000, default 1000)");
module_param_cb(hello_timeout_ms, &mixnet_interval_ops, &mixnet_hello_timeout_ms, 0644);
MODULE_PARM_DESC(hello_timeout_ms, "Forget a circuit's peer after this long without hellos, ms (10-60000, default 3500)");
module_param_cb(carrier_poll_ms, &mixnet_poll_ops, &mixnet_carrier_poll_ms, 0644);
MODULE_PARM_DESC(carrier_poll_ms, "How often optical lowers' carrier is checked for discovery, ms (1-1000, default 10)");

#define MIXNET_FEATURES (NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_HIGHDMA | \
			 NETIF_F_GSO_SOFTWARE)

static struct rtnl_link_ops mixnet_link_ops;
static const struct net_device_ops mixnet_netdev_ops;

bool netif_is_mixnet(const struct net_device *dev)
{
	return dev->netdev_ops == &mixnet_netdev_ops;
}

void mixnet_stats_read(const struct mixnet_dev *mdev, struct mixnet_stats *sum)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct mixnet_pcpu_stats *s = per_cpu_ptr(mdev->stats, cpu);
		struct mixnet_stats v;
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			v.tx_optical_packets = u64_stats_read(&s->tx_optical_packets);
			v.tx_optical_bytes = u64_stats_read(&s->tx_optical_bytes);
			v.tx_electrical_packets = u64_stats_read(&s->tx_electrical_packets);
			v.tx_electrical_bytes = u64_stats_read(&s->tx_electrical_bytes);
			v.tx_dropped_noroute = u64_stats_read(&s->tx_dropped_noroute);
			v.tx_dropped = u64_stats_read(&s->tx_dropped);
			v.rx_packets = u64_stats_read(&s->rx_packets);
			v.rx_bytes = u64_stats_read(&s->rx_bytes);
			v.fallbacks = u64_stats_read(&s->fallbacks);
			v.hello_bad = u64_stats_read(&s->hello_bad);
		} while (u64_stats_fetch_retry(&s->syncp, start));

		sum->tx_optical_packets += v.tx_optical_packets;
		sum->tx_optical_bytes += v.tx_optical_bytes;
		sum->tx_electrical_packets += v.tx_electrical_packets;
		sum->tx_electrical_bytes += v.tx_electrical_bytes;
		sum->tx_dropped_noroute += v.tx_dropped_noroute;
		sum->tx_dropped += v.tx_dropped;
		sum->rx_packets += v.rx_packets;
		sum->rx_bytes += v.rx_bytes;
		sum->fallbacks += v.fallbacks;
		sum->hello_bad += v.hello_bad;
	}
}

static void mixnet_get_stats64(struct net_device *dev, struct rtnl_link_stats64 *st)
{
	struct mixnet_dev *mdev = netdev_priv(dev);
	struct mixnet_stats s;

	mixnet_stats_read(mdev, &s);
	st->tx_packets = s.tx_optical_packets + s.tx_electrical_packets;
	st->tx_bytes = s.tx_optical_bytes + s.tx_electrical_bytes;
	st->tx_dropped = s.tx_dropped_noroute + s.tx_dropped;
	st->tx_carrier_errors = s.tx_dropped_noroute;
	st->rx_packets = s.rx_packets;
	st->rx_bytes = s.rx_bytes;
}

static int mixnet_ndo_init(struct net_device *dev)
{
	struct mixnet_dev *mdev = netdev_priv(dev);
	int err;

	mdev->stats = netdev_alloc_pcpu_stats(struct mixnet_pcpu_stats);
	if (!mdev->stats)
		return -ENOMEM;

	err = mixnet_rt_init(mdev);
	if (err)
		goto err_stats;

	do {
		mdev->dev_id = get_random_u64();
	} while (!mdev->dev_id);
	return 0;

err_stats:
	free_percpu(mdev->stats);
	mdev->stats = NULL;
	return err;
}

/* Unregistering (RTNL held, device closed): let go of every lower and route. */
static void mixnet_ndo_uninit(struct net_device *dev)
{
	struct mixnet_dev *mdev = netdev_priv(dev);

	mixnet_release_all_lowers(mdev);
	mutex_lock(&mdev->lock);
	mixnet_rt_flush(mdev);
	mutex_unlock(&mdev->lock);
}

/* Last reference to the device gone; route dumps may keep the table a while. */
static void mixnet_destruct(struct net_device *dev)
{
	struct mixnet_dev *mdev = netdev_priv(dev);

	mixnet_rt_destroy(mdev);
	free_percpu(mdev->stats);
}

static int mixnet_open(struct net_device *dev)
{
	mixnet_discovery_start(netdev_priv(dev));
	return 0;
}

static int mixnet_stop(struct net_device *dev)
{
	mixnet_discovery_stop(netdev_priv(dev));
	return 0;
}

static const struct net_device_ops mixnet_netdev_ops = {
	.ndo_init		= mixnet_ndo_init,
	.ndo_uninit		= mixnet_ndo_uninit,
	.ndo_open		= mixnet_open,
	.ndo_stop		= mixnet_stop,
	.ndo_start_xmit		= mixnet_xmit,
	.ndo_get_stats64	= mixnet_get_stats64,
	.ndo_add_slave		= mixnet_add_lower,
	.ndo_del_slave		= mixnet_del_lower,
};

static void mixnet_setup(struct net_device *dev)
{
	struct mixnet_dev *mdev = netdev_priv(dev);

	dev->netdev_ops = &mixnet_netdev_ops;
	dev->type = ARPHRD_NONE;
	dev->flags = IFF_NOARP;
	dev->priv_flags |= IFF_NO_QUEUE;
	dev->hard_header_len = 0;
	dev->addr_len = 0;
	/* Room for the Ethernet header the lowers need (raised per lower). */
	dev->needed_headroom = ETH_HLEN;
	dev->mtu = ETH_DATA_LEN;
	dev->min_mtu = IPV4_MIN_MTU;
	dev->max_mtu = ETH_MAX_MTU;	/* lowered to the smallest lower's MTU */
	dev->features |= NETIF_F_LLTX | NETIF_F_NETNS_LOCAL | NETIF_F_VLAN_CHALLENGED |
			 MIXNET_FEATURES;
	dev->hw_features |= MIXNET_FEATURES;
	dev->hw_enc_features |= MIXNET_FEATURES;
	dev->needs_free_netdev = true;
	dev->priv_destructor = mixnet_destruct;
	dev->sysfs_groups[0] = &mixnet_dev_sysfs_group;

	mdev->dev = dev;
	INIT_LIST_HEAD(&mdev->lowers);
	INIT_LIST_HEAD(&mdev->route_list);
	mutex_init(&mdev->lock);
	mdev->generation = 1;
	mixnet_discovery_init(mdev);
}

static int mixnet_validate(struct nlattr *tb[], struct nlattr *data[],
			   struct netlink_ext_ack *extack)
{
	if (tb[IFLA_ADDRESS]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_ADDRESS],
				    "mixnet devices have no link-layer address");
		return -EINVAL;
	}
	return 0;
}

static struct rtnl_link_ops mixnet_link_ops __read_mostly = {
	.kind		= MIXNET_LINK_KIND,
	.priv_size	= sizeof(struct mixnet_dev),
	.setup		= mixnet_setup,
	.validate	= mixnet_validate,
};

/*
 * Devices come last and go first: everything they use (the notifier that
 * follows their lowers, the family their events go out on) exists for
 * their whole life, so deleting them at unload still tells listeners
 * about every route that goes.  Netlink requests racing with the unload
 * are harmless: every request looks its device up under RTNL (route
 * dumps under RCU, and unregistering unlists a device a grace period
 * before tearing it down), so it finds the device whole or not at all.
 */
int mixnet_dev_init(void)
{
	int err;

	err = mixnet_notifier_init();
	if (err)
		goto err_notifier;

	err = mixnet_genl_init();
	if (err)
		goto err_genl;

	err = rtnl_link_register(&mixnet_link_ops);
	if (err)
		goto err_link;

	return 0;

err_link:
	mixnet_genl_exit();
err_genl:
	mixnet_notifier_exit();
err_notifier:
	return err;
}

void mixnet_dev_exit(void)
{
	/* Deletes every mixnet device in every namespace. */
	rtnl_link_unregister(&mixnet_link_ops);
	mixnet_genl_exit();
	mixnet_notifier_exit();
	/* Route and path-set callbacks queued with call_rcu run module code. */
	rcu_barrier();
}

MODULE_ALIAS_RTNL_LINK(MIXNET_LINK_KIND);
