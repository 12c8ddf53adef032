// SPDX-License-Identifier: GPL-2.0
/*
 * The mixnet data path.
 *
 * Transmit: look the destination up in the device's routing table (RCU,
 * no lock, no allocation), pick one of the peer's live optical paths by
 * the flow hash, or its electrical path, or the default electrical path;
 * put the Ethernet header for that lower and next hop in front and hand
 * the packet to the lower.  A path is live only while its lower has
 * carrier and discovery confirmed the peer in the current carrier period,
 * so a circuit that drops is left by the very next packet.
 *
 * Receive: an rx_handler on every lower hands IP frames addressed to the
 * lower to the stack as received on the mixnet device, and takes the
 * discovery hellos.
 */
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/ipv6.h>

#include "mixnet_dev.h"

static void mixnet_count_tx(struct mixnet_dev *mdev, bool optical, unsigned int len)
{
	struct mixnet_pcpu_stats *s = this_cpu_ptr(mdev->stats);

	u64_stats_update_begin(&s->syncp);
	if (optical) {
		u64_stats_inc(&s->tx_optical_packets);
		u64_stats_add(&s->tx_optical_bytes, len);
	} else {
		u64_stats_inc(&s->tx_electrical_packets);
		u64_stats_add(&s->tx_electrical_bytes, len);
	}
	u64_stats_update_end(&s->syncp);
}

static void mixnet_count_drop(struct mixnet_dev *mdev, bool noroute)
{
	struct mixnet_pcpu_stats *s = this_cpu_ptr(mdev->stats);

	u64_stats_update_begin(&s->syncp);
	if (noroute)
		u64_stats_inc(&s->tx_dropped_noroute);
	else
		u64_stats_inc(&s->tx_dropped);
	u64_stats_update_end(&s->syncp);
}

/* The routing key of the packet's destination, or false for no unicast IP. */
static bool mixnet_dst_key(struct sk_buff *skb, struct in6_addr *key)
{
	skb_reset_network_header(skb);
	if (!pskb_network_may_pull(skb, sizeof(struct iphdr)))
		return false;

	switch (ip_hdr(skb)->version) {
	case 4: {
		__be32 daddr = ip_hdr(skb)->daddr;

		if (skb->protocol != htons(ETH_P_IP) ||
		    ipv4_is_multicast(daddr) || ipv4_is_lbcast(daddr))
			return false;
		ipv6_addr_set_v4mapped(daddr, key);
		return true;
	}
	case 6:
		if (skb->protocol != htons(ETH_P_IPV6) ||
		    !pskb_network_may_pull(skb, sizeof(struct ipv6hdr)) ||
		    ipv6_addr_is_multicast(&ipv6_hdr(skb)->daddr))
			return false;
		*key = ipv6_hdr(skb)->daddr;
		return true;
	}
	return false;
}

/*
 * One of the live optical paths, chosen by the flow hash (a flow keeps
 * its path while the set of live paths is unchanged), else the route's
 * electrical path, else NULL.
 */
static const struct mixnet_path *mixnet_pick(const struct mixnet_pathset *ps,
					      struct sk_buff *skb)
{
	u8 live[MIXNET_MAX_OPTICAL_PATHS];
	unsigned int i, n = 0;

	for (i = 0; i < ps->n_optical; i++)
		if (mixnet_path_live(&ps->optical[i]))
			live[n++] = i;
	if (n == 1)
		return &ps->optical[live[0]];
	if (n)
		return &ps->optical[live[reciprocal_scale(skb_get_hash(skb), n)]];
	return ps->has_electrical ? &ps->electrical : NULL;
}

netdev_tx_t mixnet_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct mixnet_dev *mdev = netdev_priv(dev);
	const struct mixnet_path *path = NULL;
	const struct mixnet_route *rt;
	struct net_device *ldev;
	struct in6_addr key;
	unsigned int len;
	struct ethhdr *eth;
	int ret;

	if (unlikely(!mixnet_dst_key(skb, &key)))
		goto drop;

	rcu_read_lock();
	rt = mixnet_rt_lookup_rcu(mdev, &key);
	if (rt)
		path = mixnet_pick(rcu_dereference(rt->paths), skb);
	if (!path) {
		rt = rcu_dereference(mdev->default_rt);
		if (rt)
			path = mixnet_pick(rcu_dereference(rt->paths), skb);
	}
	if (unlikely(!path)) {
		rcu_read_unlock();
		mixnet_count_drop(mdev, true);
		kfree_skb(skb);
		return NETDEV_TX_OK;
	}

	ldev = path->lower->dev;
	len = skb->len;
	/* Copies only when a tap or clone shares the header, or headroom lacks. */
	if (unlikely(skb_cow_head(skb, LL_RESERVED_SPACE(ldev)))) {
		rcu_read_unlock();
		goto drop;
	}
	eth = skb_push(skb, ETH_HLEN);
	skb_reset_mac_header(skb);
	skb->mac_len = ETH_HLEN;
	ether_addr_copy(eth->h_dest, path->mac);
	ether_addr_copy(eth->h_source, ldev->dev_addr);
	eth->h_proto = skb->protocol;
	skb->dev = ldev;

	ret = dev_queue_xmit(skb);
	if (likely(net_xmit_eval(ret) == 0))
		mixnet_count_tx(mdev, path->kind == MIXNET_PATH_OPTICAL, len);
	else
		mixnet_count_drop(mdev, false);
	rcu_read_unlock();
	return NETDEV_TX_OK;

drop:
	mixnet_count_drop(mdev, false);
	kfree_skb(skb);
	return NETDEV_TX_OK;
}

rx_handler_result_t mixnet_handle_frame(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	struct mixnet_lower *lower = rcu_dereference(skb->dev->rx_handler_data);
	struct mixnet_dev *mdev = lower->mdev;
	struct mixnet_pcpu_stats *s;

	switch (skb->protocol) {
	case htons(MIXNET_ETH_P_HELLO):
		mixnet_hello_rcv(lower, skb);
		return RX_HANDLER_CONSUMED;
	case htons(ETH_P_IP):
	case htons(ETH_P_IPV6):
		break;
	default:
		return RX_HANDLER_PASS;
	}

	/* Only unicast to this lower, and only while the mixnet device is up. */
	if (skb->pkt_type != PACKET_HOST || !netif_running(mdev->dev))
		return RX_HANDLER_PASS;

	skb = skb_share_check(skb, GFP_ATOMIC);
	if (unlikely(!skb))
		return RX_HANDLER_CONSUMED;
	*pskb = skb;

	skb->dev = mdev->dev;
	skb_reset_mac_header(skb);
	skb->mac_len = 0;

	s = this_cpu_ptr(mdev->stats);
	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->rx_packets);
	u64_stats_add(&s->rx_bytes, skb->len);
	u64_stats_update_end(&s->syncp);
	return RX_HANDLER_ANOTHER;
}
