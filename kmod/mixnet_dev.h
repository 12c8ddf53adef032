/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The mixnet routing netdev: private structures shared by its parts.
 *
 *   mixnet_dev.c    rtnl link kind, netdev ops, init/exit order
 *   datapath.c      transmit (route lookup, path choice) and receive (rx_handler)
 *   route_table.c   the per-device table: peers -> optical/electrical paths
 *   lower.c         enslaving lowers, roles, the netdev notifier
 *   discovery.c     hello frames, carrier tracking, path validation, expiry
 *   netlink.c       the "mixnet" generic netlink family and its events
 *   dev_sysfs.c     /sys/class/net/<dev>/mixnet/
 *
 * Locking.  RTNL serialises enslaving, releasing and role changes.
 * mdev->lock (a mutex, taken after RTNL when both are needed) serialises
 * every change to the routing table and to the discovery state of the
 * lowers; the discovery work never takes RTNL.  The transmit and receive
 * paths take no lock: they read the table and the lowers under RCU.
 */
#ifndef _MIXNET_DEV_H
#define _MIXNET_DEV_H

#include <linux/etherdevice.h>
#include <linux/in6.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/rhashtable.h>
#include <linux/skbuff.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>

#include <linux/mixnet.h>

#include "mixnet.h"

/* Per-CPU counters, summed on read (sysfs, netlink, ndo_get_stats64). */
struct mixnet_pcpu_stats {
	u64_stats_t tx_optical_packets;
	u64_stats_t tx_optical_bytes;
	u64_stats_t tx_electrical_packets;
	u64_stats_t tx_electrical_bytes;
	u64_stats_t tx_dropped_noroute;
	u64_stats_t tx_dropped;
	u64_stats_t rx_packets;
	u64_stats_t rx_bytes;
	u64_stats_t fallbacks;
	u64_stats_t hello_bad;
	struct u64_stats_sync syncp;
};

struct mixnet_stats {
	u64 tx_optical_packets;
	u64 tx_optical_bytes;
	u64 tx_electrical_packets;
	u64 tx_electrical_bytes;
	u64 tx_dropped_noroute;
	u64 tx_dropped;
	u64 rx_packets;
	u64 rx_bytes;
	u64 fallbacks;
	u64 hello_bad;
};

struct mixnet_dev;

/* A lower device enslaved to a mixnet device. */
struct mixnet_lower {
	struct list_head list;		/* mdev->lowers: RTNL + mdev->lock to change, RCU to read */
	struct net_device *dev;
	netdevice_tracker dev_tracker;
	struct mixnet_dev *mdev;
	u8 role;			/* enum mixnet_port_role; RTNL + lock, READ_ONCE */

	/* Discovery, under mdev->lock. */
	bool peer_known;		/* the fields below describe the last peer seen */
	u32 confirmed_token;		/* carrier period the peer was confirmed in, 0 = none */
	u64 peer_dev_id;
	u8 peer_mac[ETH_ALEN];
	u8 peer_naddrs;
	struct in6_addr peer_addrs[2 * MIXNET_HELLO_MAX_ADDRS];
	unsigned long last_hello_rx;	/* jiffies */
	unsigned long next_hello_tx;	/* jiffies */
	unsigned long last_solicit_reply;
	u32 announced_token;		/* carrier period a hello was sent in */
	u32 seen_down_count;		/* carrier losses already accounted */
	u32 hello_seq;
	u64 hello_tx;
	u64 hello_rx;
	u64 hello_bad;

	struct rcu_head rcu;
};

/*
 * One path.  @valid_token is the only field that changes after a path
 * set is published: discovery writes it (under mdev->lock) when a hello
 * confirms the path in the lower's current carrier period, and clears it
 * when the path's peer disappears.
 */
struct mixnet_path {
	struct mixnet_lower *lower;
	u8 mac[ETH_ALEN] __aligned(2);
	u8 kind;			/* enum mixnet_path_kind */
	u8 origin;			/* enum mixnet_path_origin */
	u32 valid_token;		/* optical: carrier token it was confirmed in */
	unsigned long confirmed_at;	/* optical: jiffies of the last confirming hello */
};

/* The paths of one route: immutable once published, replaced whole under RCU. */
struct mixnet_pathset {
	struct rcu_head rcu;
	u8 n_optical;
	bool has_electrical;
	struct mixnet_path electrical;
	struct mixnet_path optical[];
};

struct mixnet_route {
	struct rhash_head node;
	struct in6_addr peer;		/* key: IPv4 peers as ::ffff:a.b.c.d */
	bool is_static;			/* created by the agent: survives losing learned paths */
	bool is_default;
	struct list_head list;		/* mdev->route_list, under mdev->lock */
	struct mixnet_pathset __rcu *paths;
	struct rcu_head rcu;
};

/*
 * The hash table of a device's routes, apart from the device: a route
 * dump keeps its cursor registered on the table between the parts of the
 * dump, so the dump holds a reference on the table, never on the device
 * (which stays deletable).  Emptied when the device is unregistered.
 */
struct mixnet_rtable {
	struct rhashtable ht;		/* peer -> struct mixnet_route, RCU lookups */
	struct kref ref;		/* the device's, and one per route dump */
};

struct mixnet_dev {
	struct net_device *dev;
	u64 dev_id;

	struct list_head lowers;
	unsigned int nlowers;

	struct mutex lock;
	struct mixnet_rtable *rtable;	/* set by ndo_init, put by the destructor */
	struct list_head route_list;	/* every route, for control-plane walks */
	struct mixnet_route __rcu *default_rt;
	u32 nroutes;			/* lock to change, READ_ONCE */
	u32 generation;			/* bumped by every change to the set of paths; lock, READ_ONCE */

	struct mixnet_pcpu_stats __percpu *stats;

	/* Discovery: hellos queued by the receive path, handled by the work. */
	struct sk_buff_head hello_queue;
	struct delayed_work discovery_work;
	bool discovery_on;		/* READ_ONCE: the work may be (re)queued */
};

/* skb->cb of a queued hello: the carrier period it arrived in. */
struct mixnet_hello_cb {
	u32 token;
};
#define MIXNET_HELLO_CB(skb) ((struct mixnet_hello_cb *)(skb)->cb)

/* Tunables (module parameters, mixnet_dev.c). */
extern unsigned int mixnet_hello_interval_ms;
extern unsigned int mixnet_hello_timeout_ms;
extern unsigned int mixnet_carrier_poll_ms;

/* ---- mixnet_dev.c ------------------------------------------------------------ */
bool netif_is_mixnet(const struct net_device *dev);
void mixnet_stats_read(const struct mixnet_dev *mdev, struct mixnet_stats *s);

static inline void mixnet_stat_add(struct mixnet_dev *mdev, size_t field_off, u64 v)
{
	struct mixnet_pcpu_stats *s;

	/* Writers run with BH off: xmit and rx already, process context here. */
	local_bh_disable();
	s = this_cpu_ptr(mdev->stats);
	u64_stats_update_begin(&s->syncp);
	u64_stats_add((u64_stats_t *)((char *)s + field_off), v);
	u64_stats_update_end(&s->syncp);
	local_bh_enable();
}
#define mixnet_stat_inc(mdev, field) \
	mixnet_stat_add(mdev, offsetof(struct mixnet_pcpu_stats, field), 1)

/* ---- datapath.c ------------------------------------------------------------------ */
netdev_tx_t mixnet_xmit(struct sk_buff *skb, struct net_device *dev);
rx_handler_result_t mixnet_handle_frame(struct sk_buff **pskb);

/*
 * A lower's carrier token: changes synchronously with every carrier-up
 * (carrier_up_count is bumped inside netif_carrier_on), never 0.  A path
 * confirmed under one token is not used under the next.
 */
static inline u32 mixnet_carrier_token(const struct net_device *dev)
{
	return ((u32)atomic_read(&dev->carrier_up_count) << 1) | 1;
}

static inline bool mixnet_lower_up(const struct net_device *dev)
{
	return netif_running(dev) && netif_carrier_ok(dev);
}

static inline bool mixnet_path_live(const struct mixnet_path *p)
{
	const struct net_device *ldev = p->lower->dev;
	u32 tok = READ_ONCE(p->valid_token);

	return tok && tok == mixnet_carrier_token(ldev) && mixnet_lower_up(ldev);
}

/* ---- route_table.c ---------------------------------------------------------------- */
int mixnet_rt_init(struct mixnet_dev *mdev);
void mixnet_rt_flush(struct mixnet_dev *mdev);
void mixnet_rt_destroy(struct mixnet_dev *mdev);
struct mixnet_rtable *mixnet_rtable_get(struct mixnet_dev *mdev);
void mixnet_rtable_put(struct mixnet_rtable *t);
extern const struct rhashtable_params mixnet_rt_params;

static inline struct mixnet_route *mixnet_rt_lookup_rcu(struct mixnet_dev *mdev,
							const struct in6_addr *peer)
{
	return rhashtable_lookup(&mdev->rtable->ht, peer, mixnet_rt_params);
}

/* A fabric address a route may name and a hello may carry (IPv4 keyed as mapped). */
bool mixnet_fabric_addr4_ok(__be32 a);
bool mixnet_fabric_addr6_ok(const struct in6_addr *a);

struct mixnet_route *mixnet_rt_find(struct mixnet_dev *mdev, const struct in6_addr *peer);

/* A validated request to set a route's static paths (netlink.c builds it). */
struct mixnet_rt_spec {
	struct in6_addr peer;
	bool is_default;
	u8 n_optical;
	bool has_electrical;
	struct mixnet_path electrical;
	struct mixnet_path optical[MIXNET_MAX_OPTICAL_PATHS];
};

int mixnet_rt_set_static(struct mixnet_dev *mdev, const struct mixnet_rt_spec *spec,
			 bool replace, struct netlink_ext_ack *extack);
int mixnet_rt_delete(struct mixnet_dev *mdev, const struct in6_addr *peer, bool is_default);
void mixnet_rt_remove_lower(struct mixnet_dev *mdev, struct mixnet_lower *lower);
int mixnet_rt_count_static_on(struct mixnet_dev *mdev, struct mixnet_lower *lower, u8 kind);
void mixnet_rt_flush_learned_on(struct mixnet_dev *mdev, struct mixnet_lower *lower);

/* Discovery's view of the table (all under mdev->lock). */
int mixnet_rt_confirm(struct mixnet_dev *mdev, struct mixnet_lower *lower,
		      const struct in6_addr *peer, const u8 *mac, u32 token);
void mixnet_rt_unconfirm(struct mixnet_dev *mdev, struct mixnet_lower *lower,
			 const struct in6_addr *peer, bool drop_learned);
enum mixnet_route_via mixnet_rt_via(const struct mixnet_route *rt,
				    const struct mixnet_pathset *ps,
				    const struct mixnet_route *def);

/* ---- lower.c -------------------------------------------------------------------------- */
int mixnet_add_lower(struct net_device *dev, struct net_device *ldev,
		     struct netlink_ext_ack *extack);
int mixnet_del_lower(struct net_device *dev, struct net_device *ldev);
void mixnet_release_all_lowers(struct mixnet_dev *mdev);
struct mixnet_lower *mixnet_lower_get_rtnl(const struct net_device *ldev);
int mixnet_lower_set_role(struct mixnet_lower *lower, u8 role, struct netlink_ext_ack *extack);
u32 mixnet_lowers_seq_rtnl(void);
void mixnet_update_mtu(struct mixnet_dev *mdev);
int mixnet_notifier_init(void);
void mixnet_notifier_exit(void);

/* ---- discovery.c ------------------------------------------------------------------------ */
void mixnet_discovery_init(struct mixnet_dev *mdev);
void mixnet_discovery_start(struct mixnet_dev *mdev);
void mixnet_discovery_stop(struct mixnet_dev *mdev);
void mixnet_discovery_kick(struct mixnet_dev *mdev);
void mixnet_hello_rcv(struct mixnet_lower *lower, struct sk_buff *skb);
void mixnet_discovery_forget_lower(struct mixnet_dev *mdev, struct mixnet_lower *lower);

/* ---- netlink.c ------------------------------------------------------------------------------ */
int mixnet_genl_init(void);
void mixnet_genl_exit(void);
void mixnet_ev_route(struct mixnet_dev *mdev, struct mixnet_route *rt, bool deleted);
void mixnet_ev_path(struct mixnet_dev *mdev, u8 cmd, const struct in6_addr *peer,
		    const struct mixnet_path *path);
void mixnet_ev_fallback(struct mixnet_dev *mdev, struct mixnet_lower *lower);

/* ---- dev_sysfs.c ------------------------------------------------------------------------------- */
extern const struct attribute_group mixnet_dev_sysfs_group;

#endif /* _MIXNET_DEV_H */
