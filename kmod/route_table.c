// SPDX-License-Identifier: GPL-2.0
/*
 * The per-device routing table: peer address -> { optical paths (one per
 * circuit to that peer), electrical path }, plus a default electrical
 * entry.  Lookups are RCU (rhashtable, sized automatically: it grows to
 * millions of entries); every change builds a new path set and publishes
 * it whole, under mdev->lock.  IPv4 peers are keyed as ::ffff:a.b.c.d.
 *
 * Entries are "static" once the agent set paths on them; discovery adds
 * learned optical paths to any entry and creates learned-only entries,
 * which disappear with their last learned path.
 */
#include <linux/in.h>
#include <linux/slab.h>
#include <net/ipv6.h>

#include "mixnet_dev.h"

const struct rhashtable_params mixnet_rt_params = {
	.key_len		= sizeof(struct in6_addr),
	.key_offset		= offsetof(struct mixnet_route, peer),
	.head_offset		= offsetof(struct mixnet_route, node),
	.automatic_shrinking	= true,
};

/*
 * Fabric addresses: what a route may be keyed by and what a hello may
 * announce.  Unicast and reachable across the fabric: not unspecified,
 * loopback, multicast or broadcast, not link-local (169.254/16, fe80::/10),
 * and for IPv6 not an IPv4 address in disguise (::ffff:a.b.c.d, the key
 * form of IPv4 peers, or the deprecated ::a.b.c.d).
 */
bool mixnet_fabric_addr4_ok(__be32 a)
{
	return !ipv4_is_zeronet(a) && !ipv4_is_loopback(a) && !ipv4_is_multicast(a) &&
	       !ipv4_is_lbcast(a) && !ipv4_is_linklocal_169(a);
}

bool mixnet_fabric_addr6_ok(const struct in6_addr *a)
{
	int type = ipv6_addr_type(a);

	/* Unspecified, multicast and mapped addresses lack IPV6_ADDR_UNICAST. */
	return (type & IPV6_ADDR_UNICAST) &&
	       !(type & (IPV6_ADDR_LOOPBACK | IPV6_ADDR_LINKLOCAL | IPV6_ADDR_COMPATv4 |
			 IPV6_ADDR_MAPPED));
}

static struct mixnet_pathset *rt_paths(struct mixnet_dev *mdev, struct mixnet_route *rt)
{
	return rcu_dereference_protected(rt->paths, lockdep_is_held(&mdev->lock));
}

static struct mixnet_route *rt_default(struct mixnet_dev *mdev)
{
	return rcu_dereference_protected(mdev->default_rt, lockdep_is_held(&mdev->lock));
}

static struct mixnet_pathset *pathset_alloc(unsigned int n_optical)
{
	struct mixnet_pathset *ps;

	ps = kzalloc(struct_size(ps, optical, n_optical), GFP_KERNEL);
	return ps;
}

static void rt_free_rcu(struct rcu_head *head)
{
	struct mixnet_route *rt = container_of(head, struct mixnet_route, rcu);

	kfree(rcu_dereference_raw(rt->paths));
	kfree(rt);
}

int mixnet_rt_init(struct mixnet_dev *mdev)
{
	struct mixnet_rtable *t;
	int err;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	err = rhashtable_init(&t->ht, &mixnet_rt_params);
	if (err) {
		kfree(t);
		return err;
	}
	kref_init(&t->ref);
	mdev->rtable = t;
	return 0;
}

static void rtable_release(struct kref *ref)
{
	struct mixnet_rtable *t = container_of(ref, struct mixnet_rtable, ref);

	/* Emptied by mixnet_rt_flush() at uninit; only the buckets remain. */
	rhashtable_destroy(&t->ht);
	kfree(t);
}

struct mixnet_rtable *mixnet_rtable_get(struct mixnet_dev *mdev)
{
	kref_get(&mdev->rtable->ref);
	return mdev->rtable;
}

/* Sleeps (the last put cancels the table's resize work). */
void mixnet_rtable_put(struct mixnet_rtable *t)
{
	kref_put(&t->ref, rtable_release);
}

/* The device's reference (its destructor): dumps may keep the table a while longer. */
void mixnet_rt_destroy(struct mixnet_dev *mdev)
{
	mixnet_rtable_put(mdev->rtable);
	mdev->rtable = NULL;
}

struct mixnet_route *mixnet_rt_find(struct mixnet_dev *mdev, const struct in6_addr *peer)
{
	lockdep_assert_held(&mdev->lock);
	return rhashtable_lookup_fast(&mdev->rtable->ht, peer, mixnet_rt_params);
}

/* Dumps, sysfs and netlink read the generation without the lock. */
static void rt_changed(struct mixnet_dev *mdev)
{
	WRITE_ONCE(mdev->generation, mdev->generation + 1);
}

static void rt_publish(struct mixnet_dev *mdev, struct mixnet_route *rt,
		       struct mixnet_pathset *ps)
{
	struct mixnet_pathset *old;

	old = rcu_replace_pointer(rt->paths, ps, lockdep_is_held(&mdev->lock));
	if (old)
		kfree_rcu(old, rcu);
	rt_changed(mdev);
}

static int rt_insert(struct mixnet_dev *mdev, struct mixnet_route *rt)
{
	int err;

	if (rt->is_default) {
		rcu_assign_pointer(mdev->default_rt, rt);
	} else {
		err = rhashtable_insert_fast(&mdev->rtable->ht, &rt->node, mixnet_rt_params);
		if (err)
			return err;
		list_add_tail(&rt->list, &mdev->route_list);
		WRITE_ONCE(mdev->nroutes, mdev->nroutes + 1);
	}
	rt_changed(mdev);
	return 0;
}

static void rt_unlink(struct mixnet_dev *mdev, struct mixnet_route *rt)
{
	mixnet_ev_route(mdev, rt, true);
	if (rt->is_default) {
		RCU_INIT_POINTER(mdev->default_rt, NULL);
	} else {
		rhashtable_remove_fast(&mdev->rtable->ht, &rt->node, mixnet_rt_params);
		list_del(&rt->list);
		WRITE_ONCE(mdev->nroutes, mdev->nroutes - 1);
	}
	rt_changed(mdev);
	call_rcu(&rt->rcu, rt_free_rcu);
}

static struct mixnet_route *rt_alloc(const struct in6_addr *peer, bool is_default)
{
	struct mixnet_route *rt = kzalloc(sizeof(*rt), GFP_KERNEL);

	if (!rt)
		return NULL;
	if (peer)
		rt->peer = *peer;
	rt->is_default = is_default;
	INIT_LIST_HEAD(&rt->list);
	return rt;
}

static bool path_on(const struct mixnet_path *p, const struct mixnet_lower *lower)
{
	return p->lower == lower;
}

/* ---- static paths (the agent) --------------------------------------------------- */

/* A learned optical path that stays: @spec sets no path on its lower. */
static bool learned_kept(const struct mixnet_path *o, const struct mixnet_rt_spec *spec)
{
	unsigned int j;

	if (o->origin != MIXNET_PATH_LEARNED)
		return false;
	for (j = 0; j < spec->n_optical; j++)
		if (path_on(&spec->optical[j], o->lower))
			return false;
	return true;
}

int mixnet_rt_set_static(struct mixnet_dev *mdev, const struct mixnet_rt_spec *spec,
			 bool replace, struct netlink_ext_ack *extack)
{
	struct mixnet_pathset *old = NULL, *ps;
	struct mixnet_route *rt;
	unsigned int i, j, n;
	bool created = false;
	int err;

	lockdep_assert_held(&mdev->lock);

	rt = spec->is_default ? rt_default(mdev) : mixnet_rt_find(mdev, &spec->peer);
	if (!rt) {
		if (!spec->is_default && mdev->nroutes >= MIXNET_MAX_ROUTES) {
			NL_SET_ERR_MSG(extack, "routing table is full");
			return -ENOSPC;
		}
		rt = rt_alloc(&spec->peer, spec->is_default);
		if (!rt)
			return -ENOMEM;
		created = true;
	} else {
		if (rt->is_static && !replace) {
			NL_SET_ERR_MSG(extack, "route exists (replace it instead)");
			return -EEXIST;
		}
		old = rt_paths(mdev, rt);
	}

	/* The request's optical paths, then the learned ones on other lowers. */
	n = spec->n_optical;
	for (i = 0; old && i < old->n_optical; i++)
		n += learned_kept(&old->optical[i], spec);
	if (n > MIXNET_MAX_OPTICAL_PATHS) {
		NL_SET_ERR_MSG(extack, "too many optical paths with the learned ones");
		err = -E2BIG;
		goto err_free;
	}

	ps = pathset_alloc(n);
	if (!ps) {
		err = -ENOMEM;
		goto err_free;
	}
	for (j = 0; j < spec->n_optical; j++) {
		struct mixnet_path *p = &ps->optical[ps->n_optical++];

		*p = spec->optical[j];
		p->origin = MIXNET_PATH_STATIC;
		p->valid_token = 0;
		p->confirmed_at = 0;
		/* Keep a confirmation discovery already made for this lower and MAC. */
		for (i = 0; old && i < old->n_optical; i++) {
			const struct mixnet_path *o = &old->optical[i];

			if (path_on(o, p->lower) && ether_addr_equal(o->mac, p->mac)) {
				p->valid_token = READ_ONCE(o->valid_token);
				p->confirmed_at = o->confirmed_at;
			}
		}
	}
	for (i = 0; old && i < old->n_optical; i++)
		if (learned_kept(&old->optical[i], spec))
			ps->optical[ps->n_optical++] = old->optical[i];
	ps->has_electrical = spec->has_electrical;
	if (spec->has_electrical) {
		ps->electrical = spec->electrical;
		ps->electrical.origin = MIXNET_PATH_STATIC;
	}

	if (created) {
		RCU_INIT_POINTER(rt->paths, ps);
		rt->is_static = true;
		err = rt_insert(mdev, rt);
		if (err) {
			kfree(ps);
			goto err_free;
		}
	} else {
		rt->is_static = true;
		rt_publish(mdev, rt, ps);
	}
	mixnet_ev_route(mdev, rt, false);
	return 0;

err_free:
	if (created)
		kfree(rt);
	return err;
}

int mixnet_rt_delete(struct mixnet_dev *mdev, const struct in6_addr *peer, bool is_default)
{
	struct mixnet_route *rt;

	lockdep_assert_held(&mdev->lock);
	rt = is_default ? rt_default(mdev) : mixnet_rt_find(mdev, peer);
	if (!rt)
		return -ENOENT;
	rt_unlink(mdev, rt);
	return 0;
}

/*
 * Publish @rt without the paths @drop selects; an entry left without a
 * path (or a learned-only entry left without a learned path) goes away.
 * Cannot fail: when memory is short the whole entry goes.
 */
static void rt_drop_paths(struct mixnet_dev *mdev, struct mixnet_route *rt,
			  bool (*drop)(const struct mixnet_path *p, const void *arg),
			  const void *arg)
{
	struct mixnet_pathset *old = rt_paths(mdev, rt), *ps;
	bool drop_el = old->has_electrical && drop(&old->electrical, arg);
	unsigned int i, n = 0;

	for (i = 0; i < old->n_optical; i++)
		n += !drop(&old->optical[i], arg);
	if (n == old->n_optical && !drop_el)
		return;
	if (!n && (!old->has_electrical || drop_el)) {
		rt_unlink(mdev, rt);
		return;
	}

	ps = pathset_alloc(n);
	if (!ps) {
		rt_unlink(mdev, rt);
		return;
	}
	for (i = 0; i < old->n_optical; i++)
		if (!drop(&old->optical[i], arg))
			ps->optical[ps->n_optical++] = old->optical[i];
	if (old->has_electrical && !drop_el) {
		ps->has_electrical = true;
		ps->electrical = old->electrical;
	}
	rt_publish(mdev, rt, ps);
	mixnet_ev_route(mdev, rt, false);
}

static bool drop_on_lower(const struct mixnet_path *p, const void *arg)
{
	return path_on(p, arg);
}

static bool drop_learned_on_lower(const struct mixnet_path *p, const void *arg)
{
	return path_on(p, arg) && p->origin == MIXNET_PATH_LEARNED;
}

/* @lower is going away: every path on it goes first. */
void mixnet_rt_remove_lower(struct mixnet_dev *mdev, struct mixnet_lower *lower)
{
	struct mixnet_route *rt, *tmp;

	lockdep_assert_held(&mdev->lock);
	list_for_each_entry_safe(rt, tmp, &mdev->route_list, list) {
		rt_drop_paths(mdev, rt, drop_on_lower, lower);
		cond_resched();
	}
	rt = rt_default(mdev);
	if (rt)
		rt_drop_paths(mdev, rt, drop_on_lower, lower);
}

void mixnet_rt_flush_learned_on(struct mixnet_dev *mdev, struct mixnet_lower *lower)
{
	struct mixnet_route *rt, *tmp;

	lockdep_assert_held(&mdev->lock);
	list_for_each_entry_safe(rt, tmp, &mdev->route_list, list)
		rt_drop_paths(mdev, rt, drop_learned_on_lower, lower);
}

int mixnet_rt_count_static_on(struct mixnet_dev *mdev, struct mixnet_lower *lower, u8 kind)
{
	struct mixnet_route *rt, *def = rt_default(mdev);
	int count = 0;
	unsigned int i;

	lockdep_assert_held(&mdev->lock);
	list_for_each_entry(rt, &mdev->route_list, list) {
		const struct mixnet_pathset *ps = rt_paths(mdev, rt);

		if (kind == MIXNET_PATH_ELECTRICAL) {
			count += ps->has_electrical && path_on(&ps->electrical, lower);
			continue;
		}
		for (i = 0; i < ps->n_optical; i++)
			count += path_on(&ps->optical[i], lower) &&
				 ps->optical[i].origin == MIXNET_PATH_STATIC;
	}
	if (def && kind == MIXNET_PATH_ELECTRICAL)
		count += path_on(&rt_paths(mdev, def)->electrical, lower);
	return count;
}

/* Every entry goes (device teardown). */
void mixnet_rt_flush(struct mixnet_dev *mdev)
{
	struct mixnet_route *rt, *tmp;

	lockdep_assert_held(&mdev->lock);
	list_for_each_entry_safe(rt, tmp, &mdev->route_list, list) {
		rt_unlink(mdev, rt);
		cond_resched();
	}
	rt = rt_default(mdev);
	if (rt)
		rt_unlink(mdev, rt);
}

/* ---- learned paths (discovery) ------------------------------------------------------- */

/*
 * A hello on @lower from the peer owning @peer arrived in carrier period
 * @token: confirm the peer's optical path on @lower, creating a learned
 * path (and a learned entry) if there is none.  Returns 1 if the path
 * became usable, 0 if it only got refreshed, or a negative errno: -EINVAL
 * when a static path on @lower names another MAC, -ENOSPC when the table
 * or the entry is full.
 */
int mixnet_rt_confirm(struct mixnet_dev *mdev, struct mixnet_lower *lower,
		      const struct in6_addr *peer, const u8 *mac, u32 token)
{
	struct mixnet_pathset *old = NULL, *ps;
	struct mixnet_route *rt;
	struct mixnet_path *p;
	unsigned int i;
	bool created = false;

	lockdep_assert_held(&mdev->lock);

	rt = mixnet_rt_find(mdev, peer);
	if (rt) {
		old = rt_paths(mdev, rt);
		for (i = 0; i < old->n_optical; i++) {
			p = &old->optical[i];
			if (!path_on(p, lower))
				continue;
			if (ether_addr_equal(p->mac, mac)) {
				bool was = READ_ONCE(p->valid_token) == token;

				WRITE_ONCE(p->confirmed_at, jiffies);
				WRITE_ONCE(p->valid_token, token);
				if (!was)
					mixnet_ev_path(mdev, MIXNET_CMD_EV_PATH_UP, peer, p);
				return !was;
			}
			if (p->origin == MIXNET_PATH_STATIC)
				return -EINVAL;
			/* A learned path whose peer MAC changed: rebuild below. */
			break;
		}
	} else {
		if (mdev->nroutes >= MIXNET_MAX_ROUTES)
			return -ENOSPC;
		rt = rt_alloc(peer, false);
		if (!rt)
			return -ENOMEM;
		created = true;
	}

	if (old && old->n_optical >= MIXNET_MAX_OPTICAL_PATHS &&
	    !(i < old->n_optical && path_on(&old->optical[i], lower)))
		return -ENOSPC;

	ps = pathset_alloc((old ? old->n_optical : 0) + 1);
	if (!ps) {
		if (created)
			kfree(rt);
		return -ENOMEM;
	}
	for (i = 0; old && i < old->n_optical; i++)
		if (!path_on(&old->optical[i], lower))
			ps->optical[ps->n_optical++] = old->optical[i];
	if (old && old->has_electrical) {
		ps->has_electrical = true;
		ps->electrical = old->electrical;
	}
	p = &ps->optical[ps->n_optical++];
	p->lower = lower;
	ether_addr_copy(p->mac, mac);
	p->kind = MIXNET_PATH_OPTICAL;
	p->origin = MIXNET_PATH_LEARNED;
	p->valid_token = token;
	p->confirmed_at = jiffies;

	if (created) {
		RCU_INIT_POINTER(rt->paths, ps);
		if (rt_insert(mdev, rt)) {
			kfree(ps);
			kfree(rt);
			return -ENOMEM;
		}
	} else {
		rt_publish(mdev, rt, ps);
	}
	mixnet_ev_route(mdev, rt, false);
	mixnet_ev_path(mdev, MIXNET_CMD_EV_PATH_UP, peer, p);
	return 1;
}

/*
 * The peer owning @peer is no longer known to sit behind @lower: its
 * optical path there stops being usable; a learned one is removed when
 * @drop_learned (the circuit reaches someone else, or the hellos stopped).
 */
void mixnet_rt_unconfirm(struct mixnet_dev *mdev, struct mixnet_lower *lower,
			 const struct in6_addr *peer, bool drop_learned)
{
	struct mixnet_route *rt = mixnet_rt_find(mdev, peer);
	struct mixnet_pathset *ps;
	bool learned = false;
	unsigned int i;

	if (!rt)
		return;
	ps = rt_paths(mdev, rt);
	for (i = 0; i < ps->n_optical; i++) {
		struct mixnet_path *p = &ps->optical[i];

		if (!path_on(p, lower))
			continue;
		if (READ_ONCE(p->valid_token)) {
			WRITE_ONCE(p->valid_token, 0);
			mixnet_ev_path(mdev, MIXNET_CMD_EV_PATH_DOWN, peer, p);
		}
		learned = p->origin == MIXNET_PATH_LEARNED;
	}
	if (learned && drop_learned)
		rt_drop_paths(mdev, rt, drop_learned_on_lower, lower);
}

/* Where @rt's packets go now (for reports; the data path decides per packet). */
enum mixnet_route_via mixnet_rt_via(const struct mixnet_route *rt,
				    const struct mixnet_pathset *ps,
				    const struct mixnet_route *def)
{
	unsigned int i;

	for (i = 0; i < ps->n_optical; i++)
		if (mixnet_path_live(&ps->optical[i]))
			return MIXNET_VIA_OPTICAL;
	if (ps->has_electrical)
		return rt->is_default ? MIXNET_VIA_DEFAULT : MIXNET_VIA_ELECTRICAL;
	if (!rt->is_default && def)
		return MIXNET_VIA_DEFAULT;
	return MIXNET_VIA_NONE;
}
