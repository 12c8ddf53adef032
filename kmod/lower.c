// SPDX-License-Identifier: GPL-2.0
/*
 * Lowers of a mixnet device: `ip link set DEV master mixnet0` enslaves an
 * Ethernet device (ndo_add_slave), `nomaster` releases it.  A lower gets
 * the mixnet rx_handler and a role: optical (a port facing an optical
 * circuit switch; simulated OCS ports by default) or electrical (the
 * packet-switched fabric; everything else by default).  A netdev notifier
 * follows the lowers: carrier changes wake discovery, MTU changes cap the
 * mixnet MTU, unregistering releases the lower.
 */
#include <linux/if_arp.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>

#include "mixnet_dev.h"

#define MIXNET_MAX_LOWERS	64

/*
 * Changes to the lowers of any mixnet device (RTNL): port dumps resume by
 * position and compare this between their parts.
 */
static u32 mixnet_lowers_seq = 1;

u32 mixnet_lowers_seq_rtnl(void)
{
	ASSERT_RTNL();
	return mixnet_lowers_seq;
}

static void mixnet_lowers_changed(void)
{
	/* 0 would mean "no sequence" to nl_dump_check_consistent(). */
	if (!++mixnet_lowers_seq)
		mixnet_lowers_seq = 1;
}

struct mixnet_lower *mixnet_lower_get_rtnl(const struct net_device *ldev)
{
	ASSERT_RTNL();
	if (rcu_access_pointer(ldev->rx_handler) != mixnet_handle_frame)
		return NULL;
	return rtnl_dereference(ldev->rx_handler_data);
}

/* mixnet MTU <= smallest lower MTU; headroom for the largest lower header. */
void mixnet_update_mtu(struct mixnet_dev *mdev)
{
	struct net_device *dev = mdev->dev;
	unsigned int max_mtu = ETH_MAX_MTU, headroom = ETH_HLEN;
	struct mixnet_lower *lower;
	int err;

	ASSERT_RTNL();
	list_for_each_entry(lower, &mdev->lowers, list) {
		max_mtu = min(max_mtu, lower->dev->mtu);
		headroom = max_t(unsigned int, headroom, LL_RESERVED_SPACE(lower->dev));
	}
	max_mtu = max_t(unsigned int, max_mtu, dev->min_mtu);
	dev->max_mtu = max_mtu;
	dev->needed_headroom = headroom;
	if (dev->mtu > max_mtu) {
		err = dev_set_mtu(dev, max_mtu);
		if (err)
			netdev_warn(dev, "cannot lower the MTU to %u: %d\n", max_mtu, err);
	}
}

int mixnet_add_lower(struct net_device *dev, struct net_device *ldev,
		     struct netlink_ext_ack *extack)
{
	struct mixnet_dev *mdev = netdev_priv(dev);
	struct mixnet_lower *lower;
	struct net_device *master;
	int err;

	ASSERT_RTNL();
	if (ldev == dev) {
		NL_SET_ERR_MSG(extack, "cannot enslave a mixnet device to itself");
		return -EINVAL;
	}
	if (netif_is_mixnet(ldev)) {
		NL_SET_ERR_MSG(extack, "a mixnet device cannot be the lower of another");
		return -EINVAL;
	}
	if (ldev->type != ARPHRD_ETHER || ldev->addr_len != ETH_ALEN ||
	    (ldev->flags & IFF_LOOPBACK)) {
		NL_SET_ERR_MSG(extack, "only Ethernet devices can be mixnet lowers");
		return -EINVAL;
	}
	master = netdev_master_upper_dev_get(ldev);
	if (master) {
		if (netif_is_mixnet(master))
			NL_SET_ERR_MSG(extack, "device is already a lower of a mixnet device");
		else
			NL_SET_ERR_MSG(extack, "device already has a master");
		return -EBUSY;
	}
	if (netdev_is_rx_handler_busy(ldev)) {
		NL_SET_ERR_MSG(extack, "device already has a receive handler (bridge port, macvlan lower ...)");
		return -EBUSY;
	}
	if (mdev->nlowers >= MIXNET_MAX_LOWERS) {
		NL_SET_ERR_MSG(extack, "too many lowers");
		return -ENOSPC;
	}

	lower = kzalloc(sizeof(*lower), GFP_KERNEL);
	if (!lower)
		return -ENOMEM;
	lower->dev = ldev;
	lower->mdev = mdev;
	lower->role = mixnet_ocs_is_port(ldev) ? MIXNET_ROLE_OPTICAL : MIXNET_ROLE_ELECTRICAL;
	lower->seen_down_count = atomic_read(&ldev->carrier_down_count);
	netdev_hold(ldev, &lower->dev_tracker, GFP_KERNEL);

	err = netdev_rx_handler_register(ldev, mixnet_handle_frame, lower);
	if (err) {
		NL_SET_ERR_MSG(extack, "cannot register the receive handler");
		goto err_put;
	}
	/*
	 * Like a bonding slave: the lower carries mixnet's traffic only, so
	 * IPv6 does not configure it (no link-local, RS or MLD of its own
	 * on a circuit) from the next time it comes up.
	 */
	ldev->flags |= IFF_SLAVE;
	err = netdev_master_upper_dev_link(ldev, dev, lower, NULL, extack);
	if (err)
		goto err_unregister;

	mutex_lock(&mdev->lock);
	list_add_tail_rcu(&lower->list, &mdev->lowers);
	mdev->nlowers++;
	mutex_unlock(&mdev->lock);
	mixnet_lowers_changed();

	mixnet_update_mtu(mdev);
	mixnet_discovery_kick(mdev);
	netdev_info(dev, "enslaved %s as %s lower\n", ldev->name,
		    lower->role == MIXNET_ROLE_OPTICAL ? "optical" : "electrical");
	return 0;

err_unregister:
	ldev->flags &= ~IFF_SLAVE;
	netdev_rx_handler_unregister(ldev);
err_put:
	netdev_put(ldev, &lower->dev_tracker);
	kfree(lower);
	return err;
}

/*
 * Order matters: no new frames (rx_handler gone, with a grace period),
 * then no path references the lower, then the reference goes.  Packets
 * still holding an old path set finish under RCU: the lower struct is
 * freed after a grace period, and a lower being unregistered is itself
 * freed only after one.
 */
static void mixnet_release(struct mixnet_lower *lower)
{
	struct mixnet_dev *mdev = lower->mdev;
	struct net_device *ldev = lower->dev;

	ASSERT_RTNL();
	netdev_upper_dev_unlink(ldev, mdev->dev);
	netdev_rx_handler_unregister(ldev);
	ldev->flags &= ~IFF_SLAVE;

	mutex_lock(&mdev->lock);
	list_del_rcu(&lower->list);
	mdev->nlowers--;
	mixnet_rt_remove_lower(mdev, lower);
	mixnet_discovery_forget_lower(mdev, lower);
	mutex_unlock(&mdev->lock);
	mixnet_lowers_changed();

	mixnet_update_mtu(mdev);
	netdev_info(mdev->dev, "released %s\n", ldev->name);
	netdev_put(ldev, &lower->dev_tracker);
	kfree_rcu(lower, rcu);
}

int mixnet_del_lower(struct net_device *dev, struct net_device *ldev)
{
	struct mixnet_lower *lower = mixnet_lower_get_rtnl(ldev);

	if (!lower || lower->mdev != netdev_priv(dev))
		return -EINVAL;
	mixnet_release(lower);
	return 0;
}

void mixnet_release_all_lowers(struct mixnet_dev *mdev)
{
	struct mixnet_lower *lower, *tmp;

	list_for_each_entry_safe(lower, tmp, &mdev->lowers, list)
		mixnet_release(lower);
}

/*
 * Changing a lower's role drops what only made sense for the old one:
 * learned optical paths and the discovered peer.  Static paths of the
 * old kind must be deleted first.
 */
int mixnet_lower_set_role(struct mixnet_lower *lower, u8 role, struct netlink_ext_ack *extack)
{
	struct mixnet_dev *mdev = lower->mdev;
	int err = 0;

	ASSERT_RTNL();
	mutex_lock(&mdev->lock);
	if (role == lower->role)
		goto out;
	if (mixnet_rt_count_static_on(mdev, lower, role == MIXNET_ROLE_OPTICAL ?
				      MIXNET_PATH_ELECTRICAL : MIXNET_PATH_OPTICAL)) {
		NL_SET_ERR_MSG(extack, "static routes use this lower in its current role; delete them first");
		err = -EBUSY;
		goto out;
	}
	if (lower->role == MIXNET_ROLE_OPTICAL) {
		mixnet_discovery_forget_lower(mdev, lower);
		mixnet_rt_flush_learned_on(mdev, lower);
	}
	WRITE_ONCE(lower->role, role);
	lower->announced_token = 0;
out:
	mutex_unlock(&mdev->lock);
	if (!err)
		mixnet_discovery_kick(mdev);
	return err;
}

static int mixnet_netdev_event(struct notifier_block *nb, unsigned long event, void *ptr)
{
	struct net_device *ldev = netdev_notifier_info_to_dev(ptr);
	struct mixnet_lower *lower;

	if (rcu_access_pointer(ldev->rx_handler) != mixnet_handle_frame)
		return NOTIFY_DONE;
	lower = mixnet_lower_get_rtnl(ldev);
	if (!lower)
		return NOTIFY_DONE;

	switch (event) {
	case NETDEV_UNREGISTER:
		mixnet_release(lower);
		break;
	case NETDEV_CHANGEMTU:
		mixnet_update_mtu(lower->mdev);
		break;
	case NETDEV_UP:
	case NETDEV_DOWN:
	case NETDEV_CHANGE:
		mixnet_discovery_kick(lower->mdev);
		break;
	case NETDEV_PRE_TYPE_CHANGE:
		/* A lower must stay Ethernet. */
		return notifier_from_errno(-EBUSY);
	}
	return NOTIFY_DONE;
}

static struct notifier_block mixnet_notifier = {
	.notifier_call = mixnet_netdev_event,
};

int mixnet_notifier_init(void)
{
	return register_netdevice_notifier(&mixnet_notifier);
}

void mixnet_notifier_exit(void)
{
	unregister_netdevice_notifier(&mixnet_notifier);
}
