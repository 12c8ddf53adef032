// SPDX-License-Identifier: GPL-2.0
/*
 * Discovery: which peer sits behind each optical lower, right now.
 *
 * Every optical lower sends a hello (struct mixnet_hello, ethertype
 * MIXNET_ETH_P_HELLO, to the broadcast address) when its carrier comes
 * up and every hello_interval_ms after; a hello carries the sending
 * mixnet device's id and fabric addresses.  A hello received on an
 * optical lower confirms "peer P is behind lower L with MAC M" for the
 * lower's current carrier period: the data path uses an optical path
 * only while that confirmation matches the lower's carrier token, so
 * after a circuit comes back (possibly to another peer) nothing goes down
 * it until a hello from the far end arrives.  A peer that stops sending
 * hellos is forgotten after hello_timeout_ms, with its learned paths.
 *
 * Linkwatch reports carrier changes of ordinary devices up to a second
 * late, so one delayed work per device polls its optical lowers'
 * carrier counters every carrier_poll_ms (the data path itself reads the
 * carrier bit and needs no notification).  The receive path only queues
 * hellos; the work handles them under mdev->lock.
 */
#include <linux/if_ether.h>
#include <linux/inetdevice.h>
#include <linux/pkt_sched.h>
#include <asm/unaligned.h>
#include <net/addrconf.h>
#include <net/if_inet6.h>
#include <net/ipv6.h>

#include "mixnet_dev.h"

#define MIXNET_HELLO_QLEN	256
/* Hellos while the far end has not answered yet in this carrier period. */
#define MIXNET_HELLO_RETRY_MS	50
/* At most one immediate answer to a soliciting hello per lower per 10 ms. */
#define MIXNET_SOLICIT_GAP	(HZ / 100 ? HZ / 100 : 1)
/* A hello shorter than the Ethernet minimum payload may arrive padded to it. */
#define MIXNET_HELLO_PADDED	(ETH_ZLEN - ETH_HLEN)

struct mixnet_addrs {
	u8 n4, n6;
	__be32 v4[MIXNET_HELLO_MAX_ADDRS];
	struct in6_addr v6[MIXNET_HELLO_MAX_ADDRS];
};

/*
 * This device's fabric addresses (what a peer accepts: see
 * mixnet_fabric_addr4_ok/6_ok), at most MIXNET_HELLO_MAX_ADDRS of each
 * family; IPv6 ones once DAD is done.
 */
static void mixnet_local_addrs(struct net_device *dev, struct mixnet_addrs *a)
{
	const struct in_ifaddr *ifa;
	struct inet6_ifaddr *ifp;
	struct inet6_dev *idev;
	struct in_device *in_dev;

	a->n4 = 0;
	a->n6 = 0;
	rcu_read_lock();
	in_dev = __in_dev_get_rcu(dev);
	if (in_dev) {
		in_dev_for_each_ifa_rcu(ifa, in_dev) {
			if (a->n4 == MIXNET_HELLO_MAX_ADDRS)
				break;
			if (mixnet_fabric_addr4_ok(ifa->ifa_local))
				a->v4[a->n4++] = ifa->ifa_local;
		}
	}
	idev = __in6_dev_get(dev);
	if (idev) {
		read_lock_bh(&idev->lock);
		list_for_each_entry(ifp, &idev->addr_list, if_list) {
			if (a->n6 == MIXNET_HELLO_MAX_ADDRS)
				break;
			if (!mixnet_fabric_addr6_ok(&ifp->addr) || ifp->flags & IFA_F_TENTATIVE)
				continue;
			a->v6[a->n6++] = ifp->addr;
		}
		read_unlock_bh(&idev->lock);
	}
	rcu_read_unlock();
}

static void mixnet_hello_send(struct mixnet_dev *mdev, struct mixnet_lower *lower, bool solicit)
{
	struct net_device *ldev = lower->dev;
	struct mixnet_hello *h;
	struct mixnet_addrs a;
	struct sk_buff *skb;
	unsigned int len;

	mixnet_local_addrs(mdev->dev, &a);
	len = sizeof(*h) + a.n4 * sizeof(__be32) + a.n6 * sizeof(struct in6_addr);
	skb = alloc_skb(LL_RESERVED_SPACE(ldev) + len + ldev->needed_tailroom, GFP_KERNEL);
	if (!skb)
		return;
	skb_reserve(skb, LL_RESERVED_SPACE(ldev));
	skb_reset_network_header(skb);

	h = skb_put_zero(skb, sizeof(*h));
	h->magic = htonl(MIXNET_HELLO_MAGIC);
	h->version = MIXNET_HELLO_VERSION;
	h->flags = solicit ? MIXNET_HELLO_F_SOLICIT : 0;
	h->n_addr4 = a.n4;
	h->n_addr6 = a.n6;
	h->dev_id = cpu_to_be64(mdev->dev_id);
	h->seq = htonl(++lower->hello_seq);
	skb_put_data(skb, a.v4, a.n4 * sizeof(__be32));
	skb_put_data(skb, a.v6, a.n6 * sizeof(struct in6_addr));

	skb->dev = ldev;
	skb->protocol = htons(MIXNET_ETH_P_HELLO);
	skb->priority = TC_PRIO_CONTROL;
	if (dev_hard_header(skb, ldev, MIXNET_ETH_P_HELLO, ldev->broadcast,
			    ldev->dev_addr, skb->len) < 0) {
		kfree_skb(skb);
		return;
	}
	dev_queue_xmit(skb);
	lower->hello_tx++;
}

/* ---- receive ------------------------------------------------------------------------- */

/* From the rx_handler (softirq): queue the hello for the work. */
void mixnet_hello_rcv(struct mixnet_lower *lower, struct sk_buff *skb)
{
	struct mixnet_dev *mdev = lower->mdev;

	if (!READ_ONCE(mdev->discovery_on) || skb->pkt_type == PACKET_OTHERHOST)
		goto drop;
	if (READ_ONCE(lower->role) != MIXNET_ROLE_OPTICAL ||
	    skb_queue_len(&mdev->hello_queue) >= MIXNET_HELLO_QLEN) {
		mixnet_stat_inc(mdev, hello_bad);
		goto drop;
	}
	skb = skb_share_check(skb, GFP_ATOMIC);
	if (!skb)
		return;
	MIXNET_HELLO_CB(skb)->token = mixnet_carrier_token(skb->dev);
	skb_queue_tail(&mdev->hello_queue, skb);
	mod_delayed_work(system_wq, &mdev->discovery_work, 0);
	return;
drop:
	kfree_skb(skb);
}

static bool mixnet_addr_in(const struct in6_addr *a, const struct in6_addr *set, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (ipv6_addr_equal(a, &set[i]))
			return true;
	return false;
}

static struct mixnet_lower *mixnet_lower_by_dev(struct mixnet_dev *mdev,
						const struct net_device *ldev)
{
	struct mixnet_lower *lower;

	list_for_each_entry(lower, &mdev->lowers, list)
		if (lower->dev == ldev)
			return lower;
	return NULL;
}

/*
 * The lower's peer is gone (or changed): every path to it stops, learned
 * ones are removed when @drop_learned.
 */
static void mixnet_lower_unconfirm(struct mixnet_dev *mdev, struct mixnet_lower *lower,
				   bool drop_learned)
{
	unsigned int i;

	for (i = 0; i < lower->peer_naddrs; i++)
		mixnet_rt_unconfirm(mdev, lower, &lower->peer_addrs[i], drop_learned);
	lower->confirmed_token = 0;
	if (drop_learned) {
		lower->peer_known = false;
		lower->peer_naddrs = 0;
	}
}

static void mixnet_hello_bad(struct mixnet_dev *mdev, struct mixnet_lower *lower,
			     const char *why)
{
	lower->hello_bad++;
	mixnet_stat_inc(mdev, hello_bad);
	net_dbg_ratelimited("%s: hello on %s ignored: %s\n", mdev->dev->name,
			    lower->dev->name, why);
}

/*
 * Parse and check one hello; fills @addrs (IPv4 as mapped).  The counts
 * say how long the hello is: never more addresses than fit in it, nor
 * bytes after them (but Ethernet padding).  Returns a reason or NULL.
 */
static const char *mixnet_hello_parse(struct mixnet_dev *mdev, struct sk_buff *skb,
				      u64 *dev_id, u8 *flags, struct in6_addr *addrs,
				      unsigned int *naddrs)
{
	const struct mixnet_hello *h;
	struct mixnet_addrs local;
	unsigned int i, len;
	const u8 *p;

	if (!pskb_may_pull(skb, sizeof(*h)))
		return "truncated";
	h = (const struct mixnet_hello *)skb->data;
	if (h->magic != htonl(MIXNET_HELLO_MAGIC) || h->version != MIXNET_HELLO_VERSION)
		return "unknown magic or version";
	if (h->reserved || (h->flags & ~MIXNET_HELLO_F_SOLICIT))
		return "reserved bits set";
	if (h->n_addr4 > MIXNET_HELLO_MAX_ADDRS || h->n_addr6 > MIXNET_HELLO_MAX_ADDRS)
		return "too many addresses";
	len = sizeof(*h) + h->n_addr4 * sizeof(__be32) + h->n_addr6 * sizeof(struct in6_addr);
	if (!pskb_may_pull(skb, len))
		return "truncated";
	if (skb->len > max_t(unsigned int, len, MIXNET_HELLO_PADDED))
		return "longer than its addresses";
	h = (const struct mixnet_hello *)skb->data;
	*dev_id = be64_to_cpu(h->dev_id);
	*flags = h->flags;
	if (!*dev_id)
		return "device id 0";
	if (*dev_id == mdev->dev_id)
		return "our own hello came back";
	if (!is_valid_ether_addr(eth_hdr(skb)->h_source))
		return "bad source MAC";

	/* Checked per family: an IPv4-mapped IPv6 address is no IPv6 address. */
	p = skb->data + sizeof(*h);
	*naddrs = 0;
	for (i = 0; i < h->n_addr4; i++, p += sizeof(__be32)) {
		__be32 a = get_unaligned((const __be32 *)p);

		if (!mixnet_fabric_addr4_ok(a))
			return "not a unicast fabric address";
		ipv6_addr_set_v4mapped(a, &addrs[(*naddrs)++]);
	}
	for (i = 0; i < h->n_addr6; i++, p += sizeof(struct in6_addr)) {
		memcpy(&addrs[*naddrs], p, sizeof(struct in6_addr));
		if (!mixnet_fabric_addr6_ok(&addrs[(*naddrs)++]))
			return "not a unicast fabric address";
	}

	mixnet_local_addrs(mdev->dev, &local);
	for (i = 0; i < *naddrs; i++) {
		struct in6_addr mine;
		unsigned int j;

		if (mixnet_addr_in(&addrs[i], addrs, i))
			return "address listed twice";
		for (j = 0; j < local.n4; j++) {
			ipv6_addr_set_v4mapped(local.v4[j], &mine);
			if (ipv6_addr_equal(&addrs[i], &mine))
				return "claims one of our addresses";
		}
		if (mixnet_addr_in(&addrs[i], local.v6, local.n6))
			return "claims one of our addresses";
	}
	return NULL;
}

/*
 * The circuit went dark since its peer was confirmed: the data path left
 * it already (it reads the carrier); account the fallback and drop the
 * confirmation.  Before handling a hello and on every tick.
 */
static void mixnet_lower_sync_carrier(struct mixnet_dev *mdev, struct mixnet_lower *lower)
{
	struct net_device *ldev = lower->dev;
	u32 down = atomic_read(&ldev->carrier_down_count);

	if (lower->confirmed_token &&
	    (down != lower->seen_down_count || lower->confirmed_token != mixnet_carrier_token(ldev) ||
	     !mixnet_lower_up(ldev))) {
		mixnet_stat_inc(mdev, fallbacks);
		mixnet_ev_fallback(mdev, lower);
		mixnet_lower_unconfirm(mdev, lower, false);
	}
	lower->seen_down_count = down;
}

static void mixnet_hello_process(struct mixnet_dev *mdev, struct sk_buff *skb)
{
	struct in6_addr addrs[2 * MIXNET_HELLO_MAX_ADDRS];
	struct mixnet_lower *lower, *other;
	u32 token = MIXNET_HELLO_CB(skb)->token;
	unsigned int i, naddrs = 0;
	const char *why;
	bool fresh;
	u64 dev_id;
	u8 flags;

	lockdep_assert_held(&mdev->lock);
	lower = mixnet_lower_by_dev(mdev, skb->dev);
	if (!lower || lower->role != MIXNET_ROLE_OPTICAL)
		return;
	/* Sent before the circuit last changed: says nothing about it now. */
	if (token != mixnet_carrier_token(lower->dev) || !mixnet_lower_up(lower->dev))
		return;

	mixnet_lower_sync_carrier(mdev, lower);
	why = mixnet_hello_parse(mdev, skb, &dev_id, &flags, addrs, &naddrs);
	if (why) {
		mixnet_hello_bad(mdev, lower, why);
		return;
	}
	lower->hello_rx++;

	if (lower->peer_known && lower->peer_dev_id != dev_id) {
		if (lower->confirmed_token == token) {
			/* A circuit reaches one peer: a second sender is inconsistent. */
			mixnet_hello_bad(mdev, lower, "second sender on a confirmed circuit");
			return;
		}
		/* The circuit now reaches someone else: the old peer is gone from it. */
		mixnet_lower_unconfirm(mdev, lower, true);
	}
	/* An address confirmed for another device on another circuit is a conflict. */
	list_for_each_entry(other, &mdev->lowers, list) {
		if (other == lower || !other->confirmed_token || other->peer_dev_id == dev_id ||
		    other->confirmed_token != mixnet_carrier_token(other->dev))
			continue;
		for (i = 0; i < naddrs; i++) {
			if (mixnet_addr_in(&addrs[i], other->peer_addrs, other->peer_naddrs)) {
				mixnet_hello_bad(mdev, lower, "address claimed by another device");
				return;
			}
		}
	}
	/* Addresses the peer no longer announces lose their path on this lower. */
	if (lower->peer_known) {
		for (i = 0; i < lower->peer_naddrs; i++)
			if (!mixnet_addr_in(&lower->peer_addrs[i], addrs, naddrs))
				mixnet_rt_unconfirm(mdev, lower, &lower->peer_addrs[i], true);
	}

	fresh = lower->confirmed_token != token;
	lower->peer_known = true;
	lower->peer_dev_id = dev_id;
	ether_addr_copy(lower->peer_mac, eth_hdr(skb)->h_source);
	lower->peer_naddrs = naddrs;
	memcpy(lower->peer_addrs, addrs, naddrs * sizeof(addrs[0]));
	lower->last_hello_rx = jiffies;
	lower->confirmed_token = token;

	for (i = 0; i < naddrs; i++) {
		int err = mixnet_rt_confirm(mdev, lower, &addrs[i], lower->peer_mac, token);

		if (err == -EINVAL)
			mixnet_hello_bad(mdev, lower, "MAC differs from the static path's");
		else if (err < 0 && err != -EINVAL)
			net_warn_ratelimited("%s: cannot install the path on %s: %d\n",
					     mdev->dev->name, lower->dev->name, err);
	}

	/* The far end has not heard us in this carrier period yet: answer now. */
	if ((flags & MIXNET_HELLO_F_SOLICIT) &&
	    time_after_eq(jiffies, lower->last_solicit_reply + MIXNET_SOLICIT_GAP)) {
		lower->last_solicit_reply = jiffies;
		mixnet_hello_send(mdev, lower, false);
		lower->announced_token = token;
	}
	if (fresh)
		lower->next_hello_tx = jiffies + msecs_to_jiffies(READ_ONCE(mixnet_hello_interval_ms));
}

/* ---- the periodic work ------------------------------------------------------------------ */

static void mixnet_lower_tick(struct mixnet_dev *mdev, struct mixnet_lower *lower)
{
	struct net_device *ldev = lower->dev;
	u32 token = mixnet_carrier_token(ldev);
	bool up = mixnet_lower_up(ldev);
	unsigned long now = jiffies;

	mixnet_lower_sync_carrier(mdev, lower);

	if (lower->peer_known &&
	    time_after(now, lower->last_hello_rx +
			    msecs_to_jiffies(READ_ONCE(mixnet_hello_timeout_ms))))
		mixnet_lower_unconfirm(mdev, lower, true);

	if (!up)
		return;
	if (lower->announced_token != token || time_after_eq(now, lower->next_hello_tx)) {
		bool confirmed = lower->confirmed_token == token;

		mixnet_hello_send(mdev, lower, !confirmed);
		lower->announced_token = token;
		lower->next_hello_tx = now + msecs_to_jiffies(confirmed ?
				READ_ONCE(mixnet_hello_interval_ms) :
				min_t(unsigned int, MIXNET_HELLO_RETRY_MS,
				      READ_ONCE(mixnet_hello_interval_ms)));
	}
}

static void mixnet_discovery_work(struct work_struct *work)
{
	struct mixnet_dev *mdev = container_of(to_delayed_work(work), struct mixnet_dev,
					       discovery_work);
	struct mixnet_lower *lower;
	struct sk_buff *skb;
	bool optical = false;

	mutex_lock(&mdev->lock);
	while ((skb = skb_dequeue(&mdev->hello_queue))) {
		mixnet_hello_process(mdev, skb);
		consume_skb(skb);
	}
	list_for_each_entry(lower, &mdev->lowers, list) {
		if (lower->role != MIXNET_ROLE_OPTICAL)
			continue;
		optical = true;
		mixnet_lower_tick(mdev, lower);
	}
	mutex_unlock(&mdev->lock);

	/* Idle without optical lowers; enslaving or a role change kicks it. */
	if (optical && READ_ONCE(mdev->discovery_on))
		queue_delayed_work(system_wq, &mdev->discovery_work,
				   msecs_to_jiffies(READ_ONCE(mixnet_carrier_poll_ms)));
}

void mixnet_discovery_init(struct mixnet_dev *mdev)
{
	skb_queue_head_init(&mdev->hello_queue);
	INIT_DELAYED_WORK(&mdev->discovery_work, mixnet_discovery_work);
}

/* ndo_open (RTNL): announce on every optical lower now. */
void mixnet_discovery_start(struct mixnet_dev *mdev)
{
	struct mixnet_lower *lower;

	mutex_lock(&mdev->lock);
	list_for_each_entry(lower, &mdev->lowers, list)
		lower->announced_token = 0;
	mutex_unlock(&mdev->lock);
	WRITE_ONCE(mdev->discovery_on, true);
	mod_delayed_work(system_wq, &mdev->discovery_work, 0);
}

/* ndo_stop (RTNL): no hello is queued and the work is idle when this returns. */
void mixnet_discovery_stop(struct mixnet_dev *mdev)
{
	WRITE_ONCE(mdev->discovery_on, false);
	synchronize_net();	/* rx handlers that saw discovery_on are done */
	cancel_delayed_work_sync(&mdev->discovery_work);
	skb_queue_purge(&mdev->hello_queue);
}

void mixnet_discovery_kick(struct mixnet_dev *mdev)
{
	if (READ_ONCE(mdev->discovery_on))
		mod_delayed_work(system_wq, &mdev->discovery_work, 0);
}

/* @lower is being released or stops being optical (mdev->lock held). */
void mixnet_discovery_forget_lower(struct mixnet_dev *mdev, struct mixnet_lower *lower)
{
	struct sk_buff *skb, *tmp;
	struct sk_buff_head gone;
	unsigned long flags;

	lockdep_assert_held(&mdev->lock);
	__skb_queue_head_init(&gone);
	spin_lock_irqsave(&mdev->hello_queue.lock, flags);
	skb_queue_walk_safe(&mdev->hello_queue, skb, tmp) {
		if (skb->dev == lower->dev) {
			__skb_unlink(skb, &mdev->hello_queue);
			__skb_queue_tail(&gone, skb);
		}
	}
	spin_unlock_irqrestore(&mdev->hello_queue.lock, flags);
	__skb_queue_purge(&gone);
	if (lower->peer_known)
		mixnet_lower_unconfirm(mdev, lower, true);
	lower->peer_known = false;
	lower->confirmed_token = 0;
}
