// SPDX-License-Identifier: GPL-2.0
/*
 * The "mixnet" generic netlink family: routes (get/dump/new/del), lower
 * ports (get/dump/set role), device info and stats, and the "events"
 * multicast group (route changes, optical paths up/down, fallbacks).
 *
 * Strict policies (unknown attributes and output-only attributes are
 * rejected with an extended-ack message naming them); every command that
 * changes state needs CAP_NET_ADMIN (GENL_ADMIN_PERM).  Route dumps walk
 * the rhashtable with a cursor kept across calls and stamp each message
 * with the table generation, device and port dumps with what shifts their
 * positions, so userspace sees NLM_F_DUMP_INTR when what it dumps changed
 * in the middle of a dump.  No dump pins a device.
 */
#include <linux/module.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "mixnet_dev.h"

static struct genl_family mixnet_genl_family;

enum mixnet_mcgrp {
	MIXNET_MCGRP_EVENTS,
};

static const struct genl_multicast_group mixnet_mcgrps[] = {
	[MIXNET_MCGRP_EVENTS] = { .name = MIXNET_GENL_MCGRP_EVENTS },
};

#define OUTPUT_ONLY { .type = NLA_REJECT, .reject_message = "attribute is output only" }

static const struct nla_policy mixnet_path_policy[MIXNET_PATH_A_MAX + 1] = {
	[MIXNET_PATH_A_KIND]	= NLA_POLICY_MAX(NLA_U8, MIXNET_PATH_OPTICAL),
	[MIXNET_PATH_A_IFINDEX]	= { .type = NLA_U32 },
	[MIXNET_PATH_A_LLADDR]	= NLA_POLICY_EXACT_LEN(ETH_ALEN),
	[MIXNET_PATH_A_ORIGIN]	= OUTPUT_ONLY,
	[MIXNET_PATH_A_LIVE]	= OUTPUT_ONLY,
	[MIXNET_PATH_A_AGE_MS]	= OUTPUT_ONLY,
};

static const struct nla_policy mixnet_route_policy[MIXNET_RT_A_MAX + 1] = {
	[MIXNET_RT_A_PEER4]	= NLA_POLICY_EXACT_LEN(sizeof(struct in_addr)),
	[MIXNET_RT_A_PEER6]	= NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[MIXNET_RT_A_DEFAULT]	= { .type = NLA_FLAG },
	[MIXNET_RT_A_PATH]	= NLA_POLICY_NESTED(mixnet_path_policy),
	[MIXNET_RT_A_VIA]	= OUTPUT_ONLY,
	[MIXNET_RT_A_STATIC]	= OUTPUT_ONLY,
	[MIXNET_RT_A_DELETED]	= OUTPUT_ONLY,
};

static const struct nla_policy mixnet_port_policy[MIXNET_PORT_A_MAX + 1] = {
	[MIXNET_PORT_A_IFINDEX]		= { .type = NLA_U32 },
	[MIXNET_PORT_A_ROLE]		= NLA_POLICY_MAX(NLA_U8, MIXNET_ROLE_OPTICAL),
	[MIXNET_PORT_A_IFNAME]		= OUTPUT_ONLY,
	[MIXNET_PORT_A_CARRIER]		= OUTPUT_ONLY,
	[MIXNET_PORT_A_LLADDR]		= OUTPUT_ONLY,
	[MIXNET_PORT_A_PEER_DEV_ID]	= OUTPUT_ONLY,
	[MIXNET_PORT_A_HELLO_TX]	= OUTPUT_ONLY,
	[MIXNET_PORT_A_HELLO_RX]	= OUTPUT_ONLY,
	[MIXNET_PORT_A_PAD]		= OUTPUT_ONLY,
	[MIXNET_PORT_A_HELLO_BAD]	= OUTPUT_ONLY,
	[MIXNET_PORT_A_CONFIRMED]	= OUTPUT_ONLY,
	[MIXNET_PORT_A_PEER_LLADDR]	= OUTPUT_ONLY,
};

static const struct nla_policy mixnet_policy[MIXNET_A_MAX + 1] = {
	[MIXNET_A_IFINDEX]	= { .type = NLA_U32 },
	[MIXNET_A_IFNAME]	= { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[MIXNET_A_GENERATION]	= OUTPUT_ONLY,
	[MIXNET_A_ROUTE]	= NLA_POLICY_NESTED(mixnet_route_policy),
	[MIXNET_A_PORT]		= NLA_POLICY_NESTED(mixnet_port_policy),
	[MIXNET_A_STATS]	= OUTPUT_ONLY,
	[MIXNET_A_DEV_ID]	= OUTPUT_ONLY,
	[MIXNET_A_NROUTES]	= OUTPUT_ONLY,
	[MIXNET_A_PAD]		= OUTPUT_ONLY,
	[MIXNET_A_FLAGS]	= NLA_POLICY_MASK(NLA_U32, MIXNET_F_ALL),
};

/* A required attribute of a nest: extack names the nest and the missing type. */
#define MIXNET_NL_MISSING(extack, nest, tb, type, msg) ({		\
	bool __miss = !(tb)[type];					\
	if (__miss) {							\
		NL_SET_ERR_MSG_ATTR(extack, nest, msg);			\
		NL_SET_ERR_ATTR_MISS(extack, nest, type);		\
	}								\
	__miss;								\
})

/* ---- resolving devices --------------------------------------------------------------------- */

/* The mixnet device a request names (RTNL held); NULL if absent and @optional. */
static struct net_device *mixnet_nl_dev(struct net *net, struct nlattr **attrs,
					struct netlink_ext_ack *extack, bool optional)
{
	struct nlattr *ai = attrs[MIXNET_A_IFINDEX], *an = attrs[MIXNET_A_IFNAME];
	struct net_device *dev = NULL;

	ASSERT_RTNL();
	if (!ai && !an) {
		if (optional)
			return NULL;
		NL_SET_ERR_MSG(extack, "no mixnet device given (ifindex or ifname)");
		NL_SET_ERR_ATTR_MISS(extack, NULL, MIXNET_A_IFINDEX);
		return ERR_PTR(-EINVAL);
	}
	if (ai)
		dev = __dev_get_by_index(net, nla_get_u32(ai));
	if (an) {
		struct net_device *byname = __dev_get_by_name(net, nla_data(an));

		if (ai && byname != dev) {
			NL_SET_ERR_MSG_ATTR(extack, an, "ifindex and ifname name different devices");
			return ERR_PTR(-EINVAL);
		}
		dev = byname;
	}
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(extack, ai ?: an, "no such device");
		return ERR_PTR(-ENODEV);
	}
	if (!netif_is_mixnet(dev)) {
		NL_SET_ERR_MSG_ATTR(extack, ai ?: an, "not a mixnet device");
		return ERR_PTR(-EINVAL);
	}
	return dev;
}

/* ---- building messages ---------------------------------------------------------------------- */

static int mixnet_nl_put_path(struct sk_buff *skb, const struct mixnet_path *p)
{
	bool optical = p->kind == MIXNET_PATH_OPTICAL;
	bool live = optical ? mixnet_path_live(p) : mixnet_lower_up(p->lower->dev);
	unsigned long at = READ_ONCE(p->confirmed_at);
	struct nlattr *nest;

	nest = nla_nest_start(skb, MIXNET_RT_A_PATH);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u8(skb, MIXNET_PATH_A_KIND, p->kind) ||
	    nla_put_u32(skb, MIXNET_PATH_A_IFINDEX, p->lower->dev->ifindex) ||
	    nla_put(skb, MIXNET_PATH_A_LLADDR, ETH_ALEN, p->mac) ||
	    nla_put_u8(skb, MIXNET_PATH_A_ORIGIN, p->origin) ||
	    nla_put_u8(skb, MIXNET_PATH_A_LIVE, live))
		goto cancel;
	if (optical && at &&
	    nla_put_u32(skb, MIXNET_PATH_A_AGE_MS, jiffies_to_msecs(jiffies - at)))
		goto cancel;
	nla_nest_end(skb, nest);
	return 0;
cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static int mixnet_nl_put_peer(struct sk_buff *skb, const struct mixnet_route *rt)
{
	if (rt->is_default)
		return nla_put_flag(skb, MIXNET_RT_A_DEFAULT);
	if (ipv6_addr_v4mapped(&rt->peer))
		return nla_put_in_addr(skb, MIXNET_RT_A_PEER4, rt->peer.s6_addr32[3]);
	return nla_put_in6_addr(skb, MIXNET_RT_A_PEER6, &rt->peer);
}

/* Under rcu_read_lock() or mdev->lock. */
static int mixnet_nl_put_route(struct sk_buff *skb, struct mixnet_dev *mdev,
			       const struct mixnet_route *rt, bool deleted)
{
	const struct mixnet_pathset *ps;
	const struct mixnet_route *def;
	struct nlattr *nest;
	unsigned int i;

	ps = rcu_dereference_check(rt->paths, lockdep_is_held(&mdev->lock));
	def = rcu_dereference_check(mdev->default_rt, lockdep_is_held(&mdev->lock));
	nest = nla_nest_start(skb, MIXNET_A_ROUTE);
	if (!nest)
		return -EMSGSIZE;
	if (mixnet_nl_put_peer(skb, rt))
		goto cancel;
	if (deleted) {
		if (nla_put_flag(skb, MIXNET_RT_A_DELETED))
			goto cancel;
		goto end;
	}
	if ((rt->is_static && nla_put_flag(skb, MIXNET_RT_A_STATIC)) ||
	    nla_put_u8(skb, MIXNET_RT_A_VIA, mixnet_rt_via(rt, ps, def)))
		goto cancel;
	for (i = 0; i < ps->n_optical; i++)
		if (mixnet_nl_put_path(skb, &ps->optical[i]))
			goto cancel;
	if (ps->has_electrical && mixnet_nl_put_path(skb, &ps->electrical))
		goto cancel;
end:
	nla_nest_end(skb, nest);
	return 0;
cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

/* A message header; in a dump (@cb) it also reports the dump's consistency. */
static void *mixnet_nl_put_hdr(struct sk_buff *skb, u32 portid, u32 seq, int flags, u8 cmd,
			       struct netlink_callback *cb)
{
	void *hdr = genlmsg_put(skb, portid, seq, &mixnet_genl_family, flags, cmd);

	if (hdr && cb)
		genl_dump_check_consistent(cb, hdr);
	return hdr;
}

static int mixnet_nl_route_msg(struct sk_buff *skb, struct mixnet_dev *mdev,
			       const struct mixnet_route *rt, u32 portid, u32 seq,
			       int flags, u8 cmd, struct netlink_callback *cb, bool deleted)
{
	void *hdr;

	hdr = mixnet_nl_put_hdr(skb, portid, seq, flags, cmd, cb);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, MIXNET_A_IFINDEX, mdev->dev->ifindex) ||
	    nla_put_u32(skb, MIXNET_A_GENERATION, READ_ONCE(mdev->generation)) ||
	    mixnet_nl_put_route(skb, mdev, rt, deleted)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int mixnet_nl_put_stats(struct sk_buff *skb, struct mixnet_dev *mdev)
{
	struct mixnet_stats s;
	struct nlattr *nest;

	mixnet_stats_read(mdev, &s);
	nest = nla_nest_start(skb, MIXNET_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, MIXNET_STATS_A_TX_OPTICAL_PACKETS, s.tx_optical_packets, MIXNET_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, MIXNET_STATS_A_TX_OPTICAL_BYTES, s.tx_optical_bytes, MIXNET_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, MIXNET_STATS_A_TX_ELECTRICAL_PACKETS, s.tx_electrical_packets, MIXNET_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, MIXNET_STATS_A_TX_ELECTRICAL_BYTES, s.tx_electrical_bytes, MIXNET_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, MIXNET_STATS_A_TX_DROPPED_NOROUTE, s.tx_dropped_noroute, MIXNET_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, MIXNET_STATS_A_FALLBACKS, s.fallbacks, MIXNET_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, MIXNET_STATS_A_HELLO_BAD, s.hello_bad, MIXNET_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, MIXNET_STATS_A_RX_PACKETS, s.rx_packets, MIXNET_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, MIXNET_STATS_A_RX_BYTES, s.rx_bytes, MIXNET_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, MIXNET_STATS_A_TX_DROPPED, s.tx_dropped, MIXNET_STATS_A_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int mixnet_nl_dev_msg(struct sk_buff *skb, struct net_device *dev, u32 portid,
			     u32 seq, int flags, struct netlink_callback *cb)
{
	struct mixnet_dev *mdev = netdev_priv(dev);
	void *hdr;

	hdr = mixnet_nl_put_hdr(skb, portid, seq, flags, MIXNET_CMD_DEV_GET, cb);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, MIXNET_A_IFINDEX, dev->ifindex) ||
	    nla_put_string(skb, MIXNET_A_IFNAME, dev->name) ||
	    nla_put_u64_64bit(skb, MIXNET_A_DEV_ID, mdev->dev_id, MIXNET_A_PAD) ||
	    nla_put_u32(skb, MIXNET_A_NROUTES, READ_ONCE(mdev->nroutes)) ||
	    nla_put_u32(skb, MIXNET_A_GENERATION, READ_ONCE(mdev->generation)) ||
	    mixnet_nl_put_stats(skb, mdev)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* Under mdev->lock (discovery state). */
static int mixnet_nl_port_msg(struct sk_buff *skb, struct mixnet_lower *lower, u32 portid,
			      u32 seq, int flags, struct netlink_callback *cb)
{
	struct net_device *dev = lower->mdev->dev, *ldev = lower->dev;
	bool up = mixnet_lower_up(ldev);
	struct nlattr *nest;
	void *hdr;

	hdr = mixnet_nl_put_hdr(skb, portid, seq, flags, MIXNET_CMD_PORT_GET, cb);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, MIXNET_A_IFINDEX, dev->ifindex) ||
	    nla_put_string(skb, MIXNET_A_IFNAME, dev->name))
		goto cancel;
	nest = nla_nest_start(skb, MIXNET_A_PORT);
	if (!nest)
		goto cancel;
	if (nla_put_u32(skb, MIXNET_PORT_A_IFINDEX, ldev->ifindex) ||
	    nla_put_string(skb, MIXNET_PORT_A_IFNAME, ldev->name) ||
	    nla_put_u8(skb, MIXNET_PORT_A_ROLE, lower->role) ||
	    nla_put_u8(skb, MIXNET_PORT_A_CARRIER, up) ||
	    nla_put(skb, MIXNET_PORT_A_LLADDR, ETH_ALEN, ldev->dev_addr) ||
	    nla_put_u8(skb, MIXNET_PORT_A_CONFIRMED, up && lower->confirmed_token &&
		       lower->confirmed_token == mixnet_carrier_token(ldev)) ||
	    nla_put_u64_64bit(skb, MIXNET_PORT_A_HELLO_TX, lower->hello_tx, MIXNET_PORT_A_PAD) ||
	    nla_put_u64_64bit(skb, MIXNET_PORT_A_HELLO_RX, lower->hello_rx, MIXNET_PORT_A_PAD) ||
	    nla_put_u64_64bit(skb, MIXNET_PORT_A_HELLO_BAD, lower->hello_bad, MIXNET_PORT_A_PAD))
		goto cancel;
	if (lower->peer_known &&
	    (nla_put_u64_64bit(skb, MIXNET_PORT_A_PEER_DEV_ID, lower->peer_dev_id, MIXNET_PORT_A_PAD) ||
	     nla_put(skb, MIXNET_PORT_A_PEER_LLADDR, ETH_ALEN, lower->peer_mac)))
		goto cancel;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* ---- parsing requests ------------------------------------------------------------------------- */

static int mixnet_nl_peer(struct nlattr **tb, struct nlattr *nest, struct in6_addr *peer,
			  bool *is_default, struct netlink_ext_ack *extack)
{
	if (!!tb[MIXNET_RT_A_PEER4] + !!tb[MIXNET_RT_A_PEER6] + !!tb[MIXNET_RT_A_DEFAULT] != 1) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "give exactly one of peer4, peer6 and default");
		return -EINVAL;
	}
	memset(peer, 0, sizeof(*peer));
	*is_default = !!tb[MIXNET_RT_A_DEFAULT];
	if (tb[MIXNET_RT_A_PEER4]) {
		__be32 a = nla_get_in_addr(tb[MIXNET_RT_A_PEER4]);

		if (!mixnet_fabric_addr4_ok(a)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[MIXNET_RT_A_PEER4], "peer4 is not a unicast address");
			return -EINVAL;
		}
		ipv6_addr_set_v4mapped(a, peer);
	}
	if (tb[MIXNET_RT_A_PEER6]) {
		*peer = nla_get_in6_addr(tb[MIXNET_RT_A_PEER6]);
		if (!mixnet_fabric_addr6_ok(peer)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[MIXNET_RT_A_PEER6],
					    "peer6 is not a unicast IPv6 address (IPv4 peers go in peer4)");
			return -EINVAL;
		}
	}
	return 0;
}

/* One MIXNET_RT_A_PATH of a request, added to @spec (RTNL held). */
static int mixnet_nl_path(struct net *net, struct mixnet_dev *mdev, struct nlattr *nest,
			  struct mixnet_rt_spec *spec, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[MIXNET_PATH_A_MAX + 1];
	struct mixnet_lower *lower;
	struct net_device *ldev;
	struct mixnet_path *p;
	unsigned int i;
	const u8 *mac;
	u8 kind;
	int err;

	err = nla_parse_nested(tb, MIXNET_PATH_A_MAX, nest, mixnet_path_policy, extack);
	if (err)
		return err;
	if (MIXNET_NL_MISSING(extack, nest, tb, MIXNET_PATH_A_KIND, "path kind missing") ||
	    MIXNET_NL_MISSING(extack, nest, tb, MIXNET_PATH_A_IFINDEX, "path lower device missing") ||
	    MIXNET_NL_MISSING(extack, nest, tb, MIXNET_PATH_A_LLADDR, "path lladdr missing"))
		return -EINVAL;

	kind = nla_get_u8(tb[MIXNET_PATH_A_KIND]);
	ldev = __dev_get_by_index(net, nla_get_u32(tb[MIXNET_PATH_A_IFINDEX]));
	if (!ldev) {
		NL_SET_ERR_MSG_ATTR(extack, tb[MIXNET_PATH_A_IFINDEX], "no such lower device");
		return -ENODEV;
	}
	lower = mixnet_lower_get_rtnl(ldev);
	if (!lower) {
		NL_SET_ERR_MSG_ATTR(extack, tb[MIXNET_PATH_A_IFINDEX],
				    "device is not a lower of this mixnet device");
		return -EINVAL;
	}
	if (lower->mdev != mdev) {
		NL_SET_ERR_MSG_ATTR(extack, tb[MIXNET_PATH_A_IFINDEX],
				    "device is a lower of another mixnet device");
		return -EINVAL;
	}
	mac = nla_data(tb[MIXNET_PATH_A_LLADDR]);
	if (!is_valid_ether_addr(mac)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[MIXNET_PATH_A_LLADDR],
				    "lladdr must be a unicast Ethernet address");
		return -EINVAL;
	}

	if (kind == MIXNET_PATH_OPTICAL) {
		if (spec->is_default) {
			NL_SET_ERR_MSG_ATTR(extack, nest, "the default entry takes only an electrical path");
			return -EINVAL;
		}
		if (lower->role != MIXNET_ROLE_OPTICAL) {
			NL_SET_ERR_MSG_ATTR(extack, tb[MIXNET_PATH_A_IFINDEX],
					    "optical path on a lower whose role is electrical");
			return -EINVAL;
		}
		for (i = 0; i < spec->n_optical; i++) {
			if (spec->optical[i].lower == lower) {
				NL_SET_ERR_MSG_ATTR(extack, tb[MIXNET_PATH_A_IFINDEX],
						    "two optical paths on one lower");
				return -EINVAL;
			}
		}
		if (spec->n_optical == MIXNET_MAX_OPTICAL_PATHS) {
			NL_SET_ERR_MSG_ATTR(extack, nest, "too many optical paths");
			return -E2BIG;
		}
		p = &spec->optical[spec->n_optical++];
	} else {
		if (lower->role != MIXNET_ROLE_ELECTRICAL) {
			NL_SET_ERR_MSG_ATTR(extack, tb[MIXNET_PATH_A_IFINDEX],
					    "electrical path on a lower whose role is optical");
			return -EINVAL;
		}
		if (spec->has_electrical) {
			NL_SET_ERR_MSG_ATTR(extack, nest, "only one electrical path per route");
			return -EINVAL;
		}
		spec->has_electrical = true;
		p = &spec->electrical;
	}
	memset(p, 0, sizeof(*p));
	p->lower = lower;
	p->kind = kind;
	ether_addr_copy(p->mac, mac);
	return 0;
}

/*
 * The route a request names (@tb parsed from MIXNET_A_ROUTE); with
 * @want_paths its paths too, at least one, without them none allowed.
 */
static int mixnet_nl_route_spec(struct net *net, struct mixnet_dev *mdev, struct nlattr *nest,
				bool want_paths, struct mixnet_rt_spec *spec,
				struct netlink_ext_ack *extack)
{
	struct nlattr *tb[MIXNET_RT_A_MAX + 1], *a;
	int err, rem;

	err = nla_parse_nested(tb, MIXNET_RT_A_MAX, nest, mixnet_route_policy, extack);
	if (err)
		return err;
	err = mixnet_nl_peer(tb, nest, &spec->peer, &spec->is_default, extack);
	if (err)
		return err;
	if (!want_paths) {
		if (tb[MIXNET_RT_A_PATH]) {
			NL_SET_ERR_MSG_ATTR(extack, tb[MIXNET_RT_A_PATH], "paths are not expected here");
			return -EINVAL;
		}
		return 0;
	}
	nla_for_each_nested(a, nest, rem) {
		if (nla_type(a) != MIXNET_RT_A_PATH)
			continue;
		err = mixnet_nl_path(net, mdev, a, spec, extack);
		if (err)
			return err;
	}
	if (!spec->n_optical && !spec->has_electrical) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "a route needs at least one path");
		NL_SET_ERR_ATTR_MISS(extack, nest, MIXNET_RT_A_PATH);
		return -EINVAL;
	}
	if (spec->is_default && !spec->has_electrical) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "the default entry needs an electrical path");
		return -EINVAL;
	}
	return 0;
}

/* ---- answers and dumps ------------------------------------------------------------------------------ */

/* @msg answers @info, or goes when building it failed with @err. */
static int mixnet_nl_reply(struct sk_buff *msg, struct genl_info *info, int err)
{
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/*
 * Device and port dumps: one message per mixnet device of the namespace,
 * or per lower of each (of the one device args[1] names, if any), under
 * RTNL.  They resume by position (args[0]: messages sent so far), and
 * positions shift when devices or lowers come and go between two parts:
 * each part stamps cb->seq with the count of such changes, so a dump
 * that spans one ends with NLM_F_DUMP_INTR.
 */
static int mixnet_nl_dump_devs(struct sk_buff *skb, struct netlink_callback *cb, bool ports)
{
	u32 portid = NETLINK_CB(cb->skb).portid, seq = cb->nlh->nlmsg_seq;
	long idx = 0, start = cb->args[0];
	struct net *net = sock_net(skb->sk);
	struct mixnet_lower *lower;
	struct net_device *dev;
	bool full = false;

	rtnl_lock();
	cb->seq = ports ? mixnet_lowers_seq_rtnl() : net->dev_base_seq;
	for_each_netdev(net, dev) {
		struct mixnet_dev *mdev = netdev_priv(dev);

		if (!netif_is_mixnet(dev) || (cb->args[1] && dev->ifindex != cb->args[1]))
			continue;
		if (!ports) {
			full = idx >= start &&
			       mixnet_nl_dev_msg(skb, dev, portid, seq, NLM_F_MULTI, cb);
			if (full)
				break;
			idx++;
			continue;
		}
		mutex_lock(&mdev->lock);
		list_for_each_entry(lower, &mdev->lowers, list) {
			full = idx >= start &&
			       mixnet_nl_port_msg(skb, lower, portid, seq, NLM_F_MULTI, cb);
			if (full)
				break;
			idx++;
		}
		mutex_unlock(&mdev->lock);
		if (full)
			break;
	}
	rtnl_unlock();
	cb->args[0] = idx;
	return skb->len;
}

/* ---- device commands ------------------------------------------------------------------------------- */

static int mixnet_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct net_device *dev;
	struct sk_buff *msg;
	int err;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	rtnl_lock();
	dev = mixnet_nl_dev(genl_info_net(info), info->attrs, info->extack, false);
	err = IS_ERR(dev) ? PTR_ERR(dev) :
	      mixnet_nl_dev_msg(msg, dev, info->snd_portid, info->snd_seq, 0, NULL);
	rtnl_unlock();
	return mixnet_nl_reply(msg, info, err);
}

static int mixnet_nl_dev_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	return mixnet_nl_dump_devs(skb, cb, false);
}

/* ---- route commands ---------------------------------------------------------------------------------- */

/* The route of a GET request, answered into @msg (mdev->lock held). */
static int mixnet_nl_route_get(struct mixnet_dev *mdev, const struct mixnet_rt_spec *spec,
			       struct sk_buff *msg, struct genl_info *info)
{
	struct mixnet_route *rt;

	rt = spec->is_default ? rcu_dereference_protected(mdev->default_rt,
							  lockdep_is_held(&mdev->lock)) :
				mixnet_rt_find(mdev, &spec->peer);
	if (!rt) {
		NL_SET_ERR_MSG(info->extack, "no route to that peer");
		return -ENOENT;
	}
	return mixnet_nl_route_msg(msg, mdev, rt, info->snd_portid, info->snd_seq, 0,
				   MIXNET_CMD_ROUTE_GET, NULL, false);
}

/* ROUTE_GET (one route), ROUTE_NEW and ROUTE_DEL: one route of one device. */
static int mixnet_nl_route_doit(struct sk_buff *skb, struct genl_info *info)
{
	u8 cmd = info->genlhdr->cmd;
	struct mixnet_rt_spec *spec;
	struct sk_buff *msg = NULL;
	struct mixnet_dev *mdev;
	struct net_device *dev;
	u32 flags = 0;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, MIXNET_A_ROUTE))
		return -EINVAL;
	if (info->attrs[MIXNET_A_FLAGS])
		flags = nla_get_u32(info->attrs[MIXNET_A_FLAGS]);
	spec = kzalloc(sizeof(*spec), GFP_KERNEL);
	if (cmd == MIXNET_CMD_ROUTE_GET)
		msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!spec || (cmd == MIXNET_CMD_ROUTE_GET && !msg)) {
		err = -ENOMEM;
		goto out_free;
	}

	rtnl_lock();
	dev = mixnet_nl_dev(genl_info_net(info), info->attrs, info->extack, false);
	if (IS_ERR(dev)) {
		err = PTR_ERR(dev);
		goto out_unlock;
	}
	mdev = netdev_priv(dev);
	err = mixnet_nl_route_spec(genl_info_net(info), mdev, info->attrs[MIXNET_A_ROUTE],
				   cmd == MIXNET_CMD_ROUTE_NEW, spec, info->extack);
	if (err)
		goto out_unlock;
	mutex_lock(&mdev->lock);
	switch (cmd) {
	case MIXNET_CMD_ROUTE_GET:
		err = mixnet_nl_route_get(mdev, spec, msg, info);
		break;
	case MIXNET_CMD_ROUTE_NEW:
		err = mixnet_rt_set_static(mdev, spec, flags & MIXNET_F_REPLACE, info->extack);
		break;
	default:
		err = mixnet_rt_delete(mdev, &spec->peer, spec->is_default);
		if (err == -ENOENT)
			NL_SET_ERR_MSG(info->extack, "no route to that peer");
	}
	mutex_unlock(&mdev->lock);
out_unlock:
	rtnl_unlock();
	kfree(spec);
	return msg ? mixnet_nl_reply(msg, info, err) : err;
out_free:
	nlmsg_free(msg);
	kfree(spec);
	return err;
}

/*
 * A route dump holds the device's table, on which its cursor stays
 * registered between the parts, and the device's ifindex: never the
 * device, which stays deletable.  Each part looks the device up again
 * under RCU (the walk runs in one read-side section, and a device being
 * unregistered is unlisted a grace period before its routes go); once it
 * is gone the dump ends with -ENODEV.
 */
struct mixnet_rt_dump {
	struct mixnet_rtable *table;	/* a reference */
	int ifindex;
	struct rhashtable_iter iter;
	bool default_done;
	u32 rewinds;			/* the walk restarted after a resize */
};

static int mixnet_nl_route_dump_start(struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct mixnet_rt_dump *ctx;
	struct net_device *dev;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	rtnl_lock();
	dev = mixnet_nl_dev(sock_net(cb->skb->sk), info->attrs, cb->extack, false);
	if (IS_ERR(dev)) {
		rtnl_unlock();
		kfree(ctx);
		return PTR_ERR(dev);
	}
	ctx->ifindex = dev->ifindex;
	ctx->table = mixnet_rtable_get(netdev_priv(dev));
	rtnl_unlock();
	rhashtable_walk_enter(&ctx->table->ht, &ctx->iter);
	cb->args[0] = (long)ctx;
	return 0;
}

/* The dump's device, if it still exists (RCU): the one owning the dump's table. */
static struct mixnet_dev *mixnet_nl_route_dump_dev(struct net *net,
						   const struct mixnet_rt_dump *ctx)
{
	struct net_device *dev = dev_get_by_index_rcu(net, ctx->ifindex);
	struct mixnet_dev *mdev;

	if (!dev || !netif_is_mixnet(dev))
		return NULL;
	mdev = netdev_priv(dev);
	return mdev->rtable == ctx->table ? mdev : NULL;
}

static int mixnet_nl_route_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct mixnet_rt_dump *ctx = (struct mixnet_rt_dump *)cb->args[0];
	u32 portid = NETLINK_CB(cb->skb).portid, seq = cb->nlh->nlmsg_seq;
	struct mixnet_route *rt = NULL;
	struct mixnet_dev *mdev;
	int sent = 0, err = 0;

	rhashtable_walk_start(&ctx->iter);
	mdev = mixnet_nl_route_dump_dev(sock_net(skb->sk), ctx);
	if (!mdev) {
		NL_SET_ERR_MSG(cb->extack, "the device was deleted during the dump");
		err = -ENODEV;
		goto out;
	}
	/* A change of generation or a rewind marks the dump interrupted. */
	cb->seq = READ_ONCE(mdev->generation) + ctx->rewinds;

	if (!ctx->default_done) {
		rt = rcu_dereference(mdev->default_rt);
		if (rt && mixnet_nl_route_msg(skb, mdev, rt, portid, seq, NLM_F_MULTI,
					      MIXNET_CMD_ROUTE_GET, cb, false))
			goto out;
		ctx->default_done = true;
		sent += !!rt;
	}
	for (rt = rhashtable_walk_peek(&ctx->iter); rt; rt = rhashtable_walk_next(&ctx->iter)) {
		if (IS_ERR(rt)) {
			if (PTR_ERR(rt) == -EAGAIN) {
				ctx->rewinds++;
				cb->seq++;
				continue;
			}
			err = PTR_ERR(rt);
			break;
		}
		if (mixnet_nl_route_msg(skb, mdev, rt, portid, seq, NLM_F_MULTI,
					MIXNET_CMD_ROUTE_GET, cb, false))
			break;
		sent++;
	}
out:
	rhashtable_walk_stop(&ctx->iter);
	if (err)
		return err;
	if (!sent && skb->len == 0 && rt && !IS_ERR(rt))
		return -EMSGSIZE;	/* one route larger than a dump buffer: cannot happen */
	return skb->len;
}

/* Process context (the socket's release defers it to a work): may free the table. */
static int mixnet_nl_route_dump_done(struct netlink_callback *cb)
{
	struct mixnet_rt_dump *ctx = (struct mixnet_rt_dump *)cb->args[0];

	if (ctx) {
		rhashtable_walk_exit(&ctx->iter);
		mixnet_rtable_put(ctx->table);
		kfree(ctx);
	}
	return 0;
}

/* ---- port commands ----------------------------------------------------------------------------------------- */

/*
 * The lower a MIXNET_A_PORT request names, checked against the device if
 * one is given (RTNL held); @tb gets the parsed nest.
 */
static struct mixnet_lower *mixnet_nl_port(struct genl_info *info, struct nlattr **tb,
					   bool want_role)
{
	struct nlattr *nest = info->attrs[MIXNET_A_PORT];
	struct mixnet_lower *lower;
	struct net_device *ldev, *dev;
	int err;

	ASSERT_RTNL();
	err = nla_parse_nested(tb, MIXNET_PORT_A_MAX, nest, mixnet_port_policy, info->extack);
	if (err)
		return ERR_PTR(err);
	if (MIXNET_NL_MISSING(info->extack, nest, tb, MIXNET_PORT_A_IFINDEX, "port ifindex missing") ||
	    (want_role &&
	     MIXNET_NL_MISSING(info->extack, nest, tb, MIXNET_PORT_A_ROLE, "port role missing")))
		return ERR_PTR(-EINVAL);
	dev = mixnet_nl_dev(genl_info_net(info), info->attrs, info->extack, true);
	if (IS_ERR(dev))
		return ERR_CAST(dev);
	ldev = __dev_get_by_index(genl_info_net(info), nla_get_u32(tb[MIXNET_PORT_A_IFINDEX]));
	if (!ldev) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[MIXNET_PORT_A_IFINDEX], "no such device");
		return ERR_PTR(-ENODEV);
	}
	lower = mixnet_lower_get_rtnl(ldev);
	if (!lower) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[MIXNET_PORT_A_IFINDEX],
				    "device is not a lower of a mixnet device");
		return ERR_PTR(-EINVAL);
	}
	if (dev && lower->mdev->dev != dev) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[MIXNET_PORT_A_IFINDEX],
				    "device is a lower of another mixnet device");
		return ERR_PTR(-EINVAL);
	}
	return lower;
}

/* PORT_GET (one lower) and PORT_SET. */
static int mixnet_nl_port_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[MIXNET_PORT_A_MAX + 1];
	bool get = info->genlhdr->cmd == MIXNET_CMD_PORT_GET;
	struct mixnet_lower *lower;
	struct sk_buff *msg = NULL;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, MIXNET_A_PORT))
		return -EINVAL;
	if (get) {
		msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
		if (!msg)
			return -ENOMEM;
	}

	rtnl_lock();
	lower = mixnet_nl_port(info, tb, !get);
	if (IS_ERR(lower)) {
		err = PTR_ERR(lower);
	} else if (get) {
		mutex_lock(&lower->mdev->lock);
		err = mixnet_nl_port_msg(msg, lower, info->snd_portid, info->snd_seq, 0, NULL);
		mutex_unlock(&lower->mdev->lock);
	} else {
		err = mixnet_lower_set_role(lower, nla_get_u8(tb[MIXNET_PORT_A_ROLE]), info->extack);
	}
	rtnl_unlock();
	return msg ? mixnet_nl_reply(msg, info, err) : err;
}

/* Port dumps: args[1] = the device filter (0: all). */
static int mixnet_nl_port_dump_start(struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct net_device *dev;

	rtnl_lock();
	dev = mixnet_nl_dev(sock_net(cb->skb->sk), info->attrs, cb->extack, true);
	rtnl_unlock();
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	cb->args[1] = dev ? dev->ifindex : 0;
	return 0;
}

static int mixnet_nl_port_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	return mixnet_nl_dump_devs(skb, cb, true);
}

/* ---- events --------------------------------------------------------------------------------------------------- */

static struct sk_buff *mixnet_ev_new(struct mixnet_dev *mdev, u8 cmd, void **hdr)
{
	struct sk_buff *skb;

	if (!genl_has_listeners(&mixnet_genl_family, dev_net(mdev->dev), MIXNET_MCGRP_EVENTS))
		return NULL;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return NULL;
	*hdr = genlmsg_put(skb, 0, 0, &mixnet_genl_family, 0, cmd);
	if (!*hdr || nla_put_u32(skb, MIXNET_A_IFINDEX, mdev->dev->ifindex) ||
	    nla_put_string(skb, MIXNET_A_IFNAME, mdev->dev->name)) {
		nlmsg_free(skb);
		return NULL;
	}
	return skb;
}

static void mixnet_ev_send(struct mixnet_dev *mdev, struct sk_buff *skb, void *hdr)
{
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&mixnet_genl_family, dev_net(mdev->dev), skb, 0,
				MIXNET_MCGRP_EVENTS, GFP_KERNEL);
}

/* Under mdev->lock, like every event. */
void mixnet_ev_route(struct mixnet_dev *mdev, struct mixnet_route *rt, bool deleted)
{
	struct sk_buff *skb;
	void *hdr;

	skb = mixnet_ev_new(mdev, MIXNET_CMD_EV_ROUTE, &hdr);
	if (!skb)
		return;
	if (nla_put_u32(skb, MIXNET_A_GENERATION, mdev->generation) ||
	    mixnet_nl_put_route(skb, mdev, rt, deleted)) {
		nlmsg_free(skb);
		return;
	}
	mixnet_ev_send(mdev, skb, hdr);
}

void mixnet_ev_path(struct mixnet_dev *mdev, u8 cmd, const struct in6_addr *peer,
		    const struct mixnet_path *path)
{
	struct mixnet_route rt = { .peer = *peer };
	struct nlattr *nest;
	struct sk_buff *skb;
	void *hdr;

	skb = mixnet_ev_new(mdev, cmd, &hdr);
	if (!skb)
		return;
	nest = nla_nest_start(skb, MIXNET_A_ROUTE);
	if (!nest || mixnet_nl_put_peer(skb, &rt) || mixnet_nl_put_path(skb, path)) {
		nlmsg_free(skb);
		return;
	}
	nla_nest_end(skb, nest);
	mixnet_ev_send(mdev, skb, hdr);
}

void mixnet_ev_fallback(struct mixnet_dev *mdev, struct mixnet_lower *lower)
{
	struct nlattr *nest;
	struct sk_buff *skb;
	void *hdr;

	skb = mixnet_ev_new(mdev, MIXNET_CMD_EV_FALLBACK, &hdr);
	if (!skb)
		return;
	nest = nla_nest_start(skb, MIXNET_A_PORT);
	if (!nest || nla_put_u32(skb, MIXNET_PORT_A_IFINDEX, lower->dev->ifindex) ||
	    nla_put_string(skb, MIXNET_PORT_A_IFNAME, lower->dev->name) ||
	    (lower->peer_known &&
	     nla_put_u64_64bit(skb, MIXNET_PORT_A_PEER_DEV_ID, lower->peer_dev_id,
			       MIXNET_PORT_A_PAD))) {
		nlmsg_free(skb);
		return;
	}
	nla_nest_end(skb, nest);
	mixnet_ev_send(mdev, skb, hdr);
}

/* ---- the family ---------------------------------------------------------------------------------------------- */

static const struct genl_ops mixnet_genl_ops[] = {
	{
		.cmd = MIXNET_CMD_DEV_GET,
		.doit = mixnet_nl_dev_get_doit,
		.dumpit = mixnet_nl_dev_get_dumpit,
	},
	{
		.cmd = MIXNET_CMD_ROUTE_GET,
		.doit = mixnet_nl_route_doit,
		.start = mixnet_nl_route_dump_start,
		.dumpit = mixnet_nl_route_dumpit,
		.done = mixnet_nl_route_dump_done,
	},
	{
		.cmd = MIXNET_CMD_ROUTE_NEW,
		.doit = mixnet_nl_route_doit,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = MIXNET_CMD_ROUTE_DEL,
		.doit = mixnet_nl_route_doit,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = MIXNET_CMD_PORT_GET,
		.doit = mixnet_nl_port_doit,
		.start = mixnet_nl_port_dump_start,
		.dumpit = mixnet_nl_port_dumpit,
	},
	{
		.cmd = MIXNET_CMD_PORT_SET,
		.doit = mixnet_nl_port_doit,
		.flags = GENL_ADMIN_PERM,
	},
};

static struct genl_family mixnet_genl_family __ro_after_init = {
	.name		= MIXNET_GENL_NAME,
	.version	= MIXNET_GENL_VERSION,
	.maxattr	= MIXNET_A_MAX,
	.policy		= mixnet_policy,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.ops		= mixnet_genl_ops,
	.n_ops		= ARRAY_SIZE(mixnet_genl_ops),
	.mcgrps		= mixnet_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(mixnet_mcgrps),
};

int mixnet_genl_init(void)
{
	return genl_register_family(&mixnet_genl_family);
}

void mixnet_genl_exit(void)
{
	genl_unregister_family(&mixnet_genl_family);
}
MODULE_ALIAS_GENL_FAMILY(MIXNET_GENL_NAME);
