// SPDX-License-Identifier: GPL-2.0
/*
 * The simulated OCS backend: every port is an Ethernet netdev ocsNpK.  A
 * frame sent on port a is handed to port b's receive path while the
 * cross-connect a->b carries light.  The crossbar the datapath reads is an
 * RCU-protected array swapped whole: transmit takes one rcu_dereference,
 * no lock and no allocation.  Carrier follows the light: a port whose
 * cross-connects change goes dark when a switch starts and is lit again
 * when it ends, if it is connected and its transceiver is not dead.
 */
#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/u64_stats_sync.h>
#include <net/net_namespace.h>

#include "ocs.h"

/* Crossbar entries that are not a port: why a frame is dropped. */
#define OCS_SIM_NO_CIRCUIT	U32_MAX		/* no cross-connect from this TX */
#define OCS_SIM_SWITCHING	(U32_MAX - 1)	/* its cross-connect is moving */
#define OCS_SIM_DARK		(U32_MAX - 2)	/* established, a transceiver is dead */

#define OCS_SIM_MAX_MTU		9000

#define OCS_SIM_FEATURES (NETIF_F_SG | NETIF_F_FRAGLIST | NETIF_F_HW_CSUM | \
			  NETIF_F_RXCSUM | NETIF_F_SCTP_CRC | NETIF_F_HIGHDMA | \
			  NETIF_F_GSO_SOFTWARE | NETIF_F_GSO_ENCAP_ALL)

struct ocs_sim_xbar {
	struct rcu_head rcu;
	u32 peer[];		/* tx port -> rx port, or OCS_SIM_* */
};

struct ocs_sim_drops {
	u64_stats_t no_circuit;
	u64_stats_t switching;
	u64_stats_t dark;
	struct u64_stats_sync syncp;
};

struct ocs_sim {
	struct mixnet_ocs *ocs;
	u32 nports;
	struct ocs_sim_xbar __rcu *xbar;	/* NULL once the OCS is going */
	/* Got by prepare: [0] the map while switching, [1] the map after. */
	struct ocs_sim_xbar *next[2];
	struct net_device **ports;
	unsigned long *lit;			/* under ocs->state_lock */
};

struct ocs_sim_port {
	struct ocs_sim *sim;
	u32 index;
	struct ocs_sim_drops __percpu *drops;
};

static const struct net_device_ops ocs_sim_netdev_ops;

bool ocs_sim_is_port(const struct net_device *dev)
{
	return dev->netdev_ops == &ocs_sim_netdev_ops;
}

/* ---- datapath ----------------------------------------------------------------- */

static void ocs_sim_count_drop(struct ocs_sim_port *port, u32 why)
{
	struct ocs_sim_drops *d = this_cpu_ptr(port->drops);

	u64_stats_update_begin(&d->syncp);
	if (why == OCS_SIM_SWITCHING)
		u64_stats_inc(&d->switching);
	else if (why == OCS_SIM_DARK)
		u64_stats_inc(&d->dark);
	else
		u64_stats_inc(&d->no_circuit);
	u64_stats_update_end(&d->syncp);
}

static netdev_tx_t ocs_sim_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct ocs_sim_port *port = netdev_priv(dev);
	struct ocs_sim *sim = port->sim;
	const struct ocs_sim_xbar *xbar;
	unsigned int len = skb->len;
	struct net_device *peer;
	u32 rx;

	rcu_read_lock();
	xbar = rcu_dereference(sim->xbar);
	rx = xbar ? xbar->peer[port->index] : OCS_SIM_NO_CIRCUIT;
	if (unlikely(rx >= sim->nports)) {
		ocs_sim_count_drop(port, rx);
		goto drop;
	}
	peer = sim->ports[rx];
	if (unlikely(!(READ_ONCE(peer->flags) & IFF_UP))) {
		dev_core_stats_tx_dropped_inc(dev);
		goto drop;
	}
	skb_tx_timestamp(skb);
	/* Both consume the skb on failure and count it on the peer. */
	if (likely(__dev_forward_skb(peer, skb) == NET_RX_SUCCESS &&
		   __netif_rx(skb) == NET_RX_SUCCESS)) {
		dev_sw_netstats_tx_add(dev, 1, len);
		dev_sw_netstats_rx_add(peer, len);
	}
	rcu_read_unlock();
	return NETDEV_TX_OK;

drop:
	rcu_read_unlock();
	kfree_skb(skb);
	return NETDEV_TX_OK;
}

static void ocs_sim_drops_read(const struct ocs_sim_port *port, u64 *no_circuit,
			       u64 *switching, u64 *dark)
{
	int cpu;

	*no_circuit = *switching = *dark = 0;
	for_each_possible_cpu(cpu) {
		const struct ocs_sim_drops *d = per_cpu_ptr(port->drops, cpu);
		u64 nc, sw, dk;
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&d->syncp);
			nc = u64_stats_read(&d->no_circuit);
			sw = u64_stats_read(&d->switching);
			dk = u64_stats_read(&d->dark);
		} while (u64_stats_fetch_retry(&d->syncp, start));
		*no_circuit += nc;
		*switching += sw;
		*dark += dk;
	}
}

static void ocs_sim_get_stats64(struct net_device *dev, struct rtnl_link_stats64 *s)
{
	struct ocs_sim_port *port = netdev_priv(dev);
	u64 nc, sw, dk;

	dev_fetch_sw_netstats(s, dev->tstats);
	ocs_sim_drops_read(port, &nc, &sw, &dk);
	s->tx_dropped += nc + sw + dk;
	s->tx_carrier_errors += sw + dk;
}

static int ocs_sim_get_phys_port_name(struct net_device *dev, char *name, size_t len)
{
	struct ocs_sim_port *port = netdev_priv(dev);

	if (snprintf(name, len, "p%u", port->index) >= len)
		return -EINVAL;
	return 0;
}

static const struct net_device_ops ocs_sim_netdev_ops = {
	.ndo_start_xmit		= ocs_sim_xmit,
	.ndo_get_stats64	= ocs_sim_get_stats64,
	.ndo_set_mac_address	= eth_mac_addr,
	.ndo_validate_addr	= eth_validate_addr,
	.ndo_features_check	= passthru_features_check,
	.ndo_get_phys_port_name	= ocs_sim_get_phys_port_name,
};

/* ---- per-port sysfs: /sys/class/net/ocsNpK/ocs/ -------------------------------- */

static struct ocs_sim_port *dev_to_port(struct device *d)
{
	return netdev_priv(to_net_dev(d));
}

static ssize_t ocs_show(struct device *d, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "ocs%u\n", dev_to_port(d)->sim->ocs->id);
}
static DEVICE_ATTR_RO(ocs);

static ssize_t port_show(struct device *d, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", dev_to_port(d)->index);
}
static DEVICE_ATTR_RO(port);

#define OCS_SIM_DROP_ATTR(_name, _field)						\
static ssize_t _name##_show(struct device *d, struct device_attribute *attr, char *buf)	\
{											\
	u64 v[3];									\
											\
	ocs_sim_drops_read(dev_to_port(d), &v[0], &v[1], &v[2]);			\
	return sysfs_emit(buf, "%llu\n", v[_field]);					\
}											\
static DEVICE_ATTR_RO(_name)

OCS_SIM_DROP_ATTR(tx_dropped_no_circuit, 0);
OCS_SIM_DROP_ATTR(tx_dropped_switching, 1);
OCS_SIM_DROP_ATTR(tx_dropped_dark, 2);

static struct attribute *ocs_sim_port_attrs[] = {
	&dev_attr_ocs.attr,
	&dev_attr_port.attr,
	&dev_attr_tx_dropped_no_circuit.attr,
	&dev_attr_tx_dropped_switching.attr,
	&dev_attr_tx_dropped_dark.attr,
	NULL,
};

static const struct attribute_group ocs_sim_port_group = {
	.name = "ocs",
	.attrs = ocs_sim_port_attrs,
};

/* ---- switching ---------------------------------------------------------------------- */

static struct ocs_sim_xbar *ocs_sim_xbar_alloc(u32 nports)
{
	struct ocs_sim_xbar *xbar;

	xbar = kmalloc(struct_size(xbar, peer, nports), GFP_KERNEL);
	if (xbar)
		memset(xbar->peer, 0xff, nports * sizeof(u32));	/* OCS_SIM_NO_CIRCUIT */
	return xbar;
}

static int ocs_sim_prepare(struct mixnet_ocs *ocs)
{
	struct ocs_sim *sim = ocs->backend;
	int i;

	for (i = 0; i < ARRAY_SIZE(sim->next); i++) {
		if (!sim->next[i])
			sim->next[i] = ocs_sim_xbar_alloc(sim->nports);
		if (!sim->next[i])
			return -ENOMEM;
	}
	return 0;
}

static void ocs_sim_publish(struct ocs_sim *sim, struct ocs_sim_xbar *xbar)
{
	struct ocs_sim_xbar *old;

	old = rcu_replace_pointer(sim->xbar, xbar, lockdep_is_held(&sim->ocs->state_lock));
	if (old)
		kfree_rcu(old, rcu);
}

/*
 * Cross-connects that stay keep carrying frames; those that move stop at
 * once.  The ports they touch go dark.
 */
static void ocs_sim_switch_start(struct mixnet_ocs *ocs, const u32 *old_fwd,
				 const unsigned long *changed)
{
	struct ocs_sim *sim = ocs->backend;
	struct ocs_sim_xbar *cur, *xbar = sim->next[0];
	u32 tx, p;

	sim->next[0] = NULL;
	cur = rcu_dereference_protected(sim->xbar, lockdep_is_held(&ocs->state_lock));
	for (tx = 0; tx < sim->nports; tx++)
		xbar->peer[tx] = ocs->fwd[tx] == old_fwd[tx] ? cur->peer[tx] : OCS_SIM_SWITCHING;
	ocs_sim_publish(sim, xbar);

	for_each_set_bit(p, changed, sim->nports) {
		__clear_bit(p, sim->lit);
		netif_carrier_off(sim->ports[p]);
	}
}

static void ocs_sim_switch_done(struct mixnet_ocs *ocs, const unsigned long *changed)
{
	struct ocs_sim *sim = ocs->backend;
	struct ocs_sim_xbar *xbar = sim->next[1];
	u32 tx, p;

	sim->next[1] = NULL;
	for_each_set_bit(p, changed, sim->nports)
		if (ocs_port_connected(ocs, p) && !test_bit(p, ocs->dead_ports))
			__set_bit(p, sim->lit);

	for (tx = 0; tx < sim->nports; tx++) {
		u32 rx = ocs->fwd[tx];

		if (rx == OCS_PORT_NONE)
			xbar->peer[tx] = OCS_SIM_NO_CIRCUIT;
		else if (test_bit(tx, sim->lit) && test_bit(rx, sim->lit))
			xbar->peer[tx] = rx;
		else
			xbar->peer[tx] = OCS_SIM_DARK;
	}
	ocs_sim_publish(sim, xbar);

	for_each_set_bit(p, changed, sim->nports)
		if (test_bit(p, sim->lit))
			netif_carrier_on(sim->ports[p]);
}

/* ---- ports -------------------------------------------------------------------------- */

static void ocs_sim_setup(struct net_device *dev)
{
	ether_setup(dev);
	dev->netdev_ops = &ocs_sim_netdev_ops;
	/* Like veth: no qdisc by default (tc can add one), lockless TX. */
	dev->priv_flags &= ~IFF_TX_SKB_SHARING;
	dev->priv_flags |= IFF_LIVE_ADDR_CHANGE | IFF_NO_QUEUE;
	dev->features |= NETIF_F_LLTX | OCS_SIM_FEATURES;
	dev->hw_features = OCS_SIM_FEATURES;
	dev->hw_enc_features = OCS_SIM_FEATURES;
	dev->vlan_features = OCS_SIM_FEATURES;
	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = OCS_SIM_MAX_MTU;
	dev->sysfs_groups[0] = &ocs_sim_port_group;
}

static void ocs_sim_free_port(struct net_device *dev)
{
	struct ocs_sim_port *port = netdev_priv(dev);

	free_percpu(port->drops);
	free_percpu(dev->tstats);
	free_netdev(dev);
}

static struct net_device *ocs_sim_new_port(struct ocs_sim *sim, u32 index, struct net *net)
{
	char name[IFNAMSIZ];
	struct ocs_sim_port *port;
	struct net_device *dev;

	snprintf(name, sizeof(name), "ocs%up%u", sim->ocs->id, index);
	dev = alloc_netdev(sizeof(*port), name, NET_NAME_PREDICTABLE, ocs_sim_setup);
	if (!dev)
		return NULL;
	port = netdev_priv(dev);
	port->sim = sim;
	port->index = index;
	port->drops = netdev_alloc_pcpu_stats(struct ocs_sim_drops);
	dev->tstats = netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);
	if (!port->drops || !dev->tstats) {
		ocs_sim_free_port(dev);
		return NULL;
	}
	dev_net_set(dev, net);
	SET_NETDEV_DEV(dev, &sim->ocs->dev);
	dev->dev_port = index;
	eth_hw_addr_random(dev);
	netif_carrier_off(dev);		/* no light until a cross-connect */
	return dev;
}

/* Stop the datapath, then unregister every port in one batch. */
static void ocs_sim_teardown(struct ocs_sim *sim)
{
	struct mixnet_ocs *ocs = sim->ocs;
	struct ocs_sim_xbar *old;
	LIST_HEAD(list);
	u32 k;

	spin_lock_bh(&ocs->state_lock);
	old = rcu_replace_pointer(sim->xbar, NULL, lockdep_is_held(&ocs->state_lock));
	spin_unlock_bh(&ocs->state_lock);
	/* No transmit can reach a peer port after this. */
	synchronize_net();
	kfree(old);

	rtnl_lock();
	for (k = 0; k < sim->nports; k++)
		if (sim->ports[k] && sim->ports[k]->reg_state == NETREG_REGISTERED)
			unregister_netdevice_queue(sim->ports[k], &list);
	unregister_netdevice_many(&list);
	/* rtnl_unlock() waits until the ports are gone, wherever they live. */
	rtnl_unlock();

	for (k = 0; k < sim->nports; k++)
		if (sim->ports[k])
			ocs_sim_free_port(sim->ports[k]);
	kfree(sim->next[0]);
	kfree(sim->next[1]);
	bitmap_free(sim->lit);
	kfree(sim->ports);
	kfree(sim);
}

static int ocs_sim_create(struct mixnet_ocs *ocs, struct net *net)
{
	struct ocs_sim_xbar *xbar;
	struct ocs_sim *sim;
	int err = -ENOMEM;
	u32 k;

	sim = kzalloc(sizeof(*sim), GFP_KERNEL);
	if (!sim)
		return -ENOMEM;
	sim->ocs = ocs;
	sim->nports = ocs->nports;
	sim->ports = kcalloc(sim->nports, sizeof(*sim->ports), GFP_KERNEL);
	sim->lit = bitmap_zalloc(sim->nports, GFP_KERNEL);
	xbar = ocs_sim_xbar_alloc(sim->nports);
	RCU_INIT_POINTER(sim->xbar, xbar);
	ocs->backend = sim;
	if (!sim->ports || !sim->lit || !xbar)
		goto err_teardown;

	for (k = 0; k < sim->nports; k++) {
		sim->ports[k] = ocs_sim_new_port(sim, k, net);
		if (!sim->ports[k]) {
			err = -ENOMEM;
			goto err_teardown;
		}
		/* One rtnl hold per port keeps a 1024-port OCS from stalling others. */
		err = register_netdev(sim->ports[k]);
		if (err) {
			ocs_sim_free_port(sim->ports[k]);
			sim->ports[k] = NULL;
			goto err_teardown;
		}
	}
	return 0;

err_teardown:
	ocs_sim_teardown(sim);
	ocs->backend = NULL;
	return err;
}

static void ocs_sim_destroy(struct mixnet_ocs *ocs)
{
	ocs_sim_teardown(ocs->backend);
	ocs->backend = NULL;
}

const struct mixnet_ocs_backend_ops ocs_sim_ops = {
	.name		= "sim",
	.type		= MIXNET_OCS_BACKEND_SIM,
	.create		= ocs_sim_create,
	.prepare	= ocs_sim_prepare,
	.switch_start	= ocs_sim_switch_start,
	.switch_done	= ocs_sim_switch_done,
	.destroy	= ocs_sim_destroy,
};
