// SPDX-License-Identifier: GPL-2.0
/*
 * The OCS control model, common to every backend: the cross-connect map,
 * its generation, atomic batch APPLY with validation, and the switching
 * state machine (ports whose cross-connects change go dark when a switch
 * starts; an hrtimer ends the switch switch_delay_us later).
 */
#include <linux/bitmap.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "ocs.h"

static enum hrtimer_restart ocs_switch_timer_fn(struct hrtimer *timer)
{
	struct mixnet_ocs *ocs = container_of(timer, struct mixnet_ocs, switch_timer);
	u64 now;

	spin_lock(&ocs->state_lock);
	if (ocs->switching && !ocs->dead) {
		ocs->ops->switch_done(ocs, ocs->changed);
		now = ktime_get_ns();
		/* APPLY (its wait and busy check) and sysfs read these unlocked. */
		WRITE_ONCE(ocs->switching, false);
		ocs->last_done_ns = now;
		WRITE_ONCE(ocs->done_generation, ocs->generation);
		ocs_event_emit(ocs, MIXNET_OCS_EV_SWITCH_DONE, ocs->switching_ports, now);
		ocs->switching_ports = 0;
	}
	spin_unlock(&ocs->state_lock);
	wake_up_all(&ocs->idle_wq);
	return HRTIMER_NORESTART;
}

static u32 *ocs_alloc_map(u32 nports)
{
	u32 *map = kmalloc_array(nports, sizeof(*map), GFP_KERNEL);

	if (map)
		memset(map, 0xff, nports * sizeof(*map));	/* OCS_PORT_NONE */
	return map;
}

int ocs_state_init(struct mixnet_ocs *ocs)
{
	u32 n = ocs->nports;

	mutex_init(&ocs->apply_lock);
	spin_lock_init(&ocs->state_lock);
	init_waitqueue_head(&ocs->idle_wq);
	init_waitqueue_head(&ocs->event_wq);
	INIT_LIST_HEAD(&ocs->readers);
	hrtimer_init(&ocs->switch_timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_SOFT);
	ocs->switch_timer.function = ocs_switch_timer_fn;

	ocs->fwd = ocs_alloc_map(n);
	ocs->rev = ocs_alloc_map(n);
	ocs->next_fwd = ocs_alloc_map(n);
	ocs->next_rev = ocs_alloc_map(n);
	ocs->changed = bitmap_zalloc(n, GFP_KERNEL);
	ocs->dead_ports = bitmap_zalloc(n, GFP_KERNEL);
	if (!ocs->fwd || !ocs->rev || !ocs->next_fwd || !ocs->next_rev ||
	    !ocs->changed || !ocs->dead_ports)
		return -ENOMEM;	/* the device release frees what was got */
	return 0;
}

void ocs_state_free(struct mixnet_ocs *ocs)
{
	kfree(ocs->fwd);
	kfree(ocs->rev);
	kfree(ocs->next_fwd);
	kfree(ocs->next_rev);
	bitmap_free(ocs->changed);
	bitmap_free(ocs->dead_ports);
}

/* The OCS is going away: every ioctl fails from now on, sleepers wake. */
void ocs_state_kill(struct mixnet_ocs *ocs)
{
	mutex_lock(&ocs->apply_lock);
	spin_lock_bh(&ocs->state_lock);
	WRITE_ONCE(ocs->dead, true);	/* APPLY's waits read it unlocked */
	spin_unlock_bh(&ocs->state_lock);
	mutex_unlock(&ocs->apply_lock);
	wake_up_all(&ocs->idle_wq);
	wake_up_all(&ocs->event_wq);
}

bool ocs_port_connected(const struct mixnet_ocs *ocs, u32 port)
{
	return ocs->fwd[port] != OCS_PORT_NONE || ocs->rev[port] != OCS_PORT_NONE;
}

/* ---- INFO / GET -------------------------------------------------------------- */

long ocs_ioctl_info(struct mixnet_ocs *ocs, void __user *arg)
{
	struct mixnet_ocs_info info = {
		.version = MIXNET_UAPI_VERSION,
		.id = ocs->id,
		.nports = ocs->nports,
		.backend = ocs->ops->type,
	};

	strscpy(info.backend_name, ocs->ops->name, sizeof(info.backend_name));
	spin_lock_bh(&ocs->state_lock);
	if (ocs->dead) {
		spin_unlock_bh(&ocs->state_lock);
		return -ENODEV;
	}
	info.state = ocs->switching ? MIXNET_OCS_STATE_SWITCHING : MIXNET_OCS_STATE_IDLE;
	info.switch_delay_us = READ_ONCE(ocs->switch_delay_us);
	info.generation = ocs->generation;
	info.reconfigs = ocs->reconfigs;
	info.nxconnects = ocs->nxconnects;
	info.switching_ports = ocs->switching ? ocs->switching_ports : 0;
	info.last_switch_start_ns = ocs->last_start_ns;
	info.last_switch_done_ns = ocs->last_done_ns;
	spin_unlock_bh(&ocs->state_lock);

	return copy_to_user(arg, &info, sizeof(info)) ? -EFAULT : 0;
}

long ocs_ioctl_get(struct mixnet_ocs *ocs, void __user *arg)
{
	struct mixnet_ocs_get get;
	struct mixnet_xconnect *xc;
	u32 tx, n = 0;
	long err = 0;

	if (copy_from_user(&get, arg, sizeof(get)))
		return -EFAULT;
	if (get.version != MIXNET_UAPI_VERSION || get.reserved[0] || get.reserved[1])
		return -EINVAL;

	xc = kmalloc_array(ocs->nports, sizeof(*xc), GFP_KERNEL);
	if (!xc)
		return -ENOMEM;
	mutex_lock(&ocs->apply_lock);
	if (ocs->dead) {
		mutex_unlock(&ocs->apply_lock);
		kfree(xc);
		return -ENODEV;
	}
	for (tx = 0; tx < ocs->nports; tx++) {
		if (ocs->fwd[tx] == OCS_PORT_NONE)
			continue;
		xc[n].tx = tx;
		xc[n].rx = ocs->fwd[tx];
		n++;
	}
	get.generation = ocs->generation;
	mutex_unlock(&ocs->apply_lock);

	if (n > get.count)
		err = -ENOSPC;	/* nothing copied; @count says how many are needed */
	else if (n && copy_to_user(u64_to_user_ptr(get.xconnects), xc, n * sizeof(*xc)))
		err = -EFAULT;
	get.count = n;
	if (err != -EFAULT && copy_to_user(arg, &get, sizeof(get)))
		err = -EFAULT;
	kfree(xc);
	return err;
}

/* ---- APPLY --------------------------------------------------------------------- */

struct ocs_batch {
	struct mixnet_ocs_apply req;
	struct mixnet_xconnect *xc;
	struct mixnet_ocs_release *rel;
};

static int ocs_batch_fail(struct ocs_batch *b, int err, u32 index, bool in_release)
{
	b->req.err_index = index;
	b->req.err_in_release = in_release;
	return err;
}

/* The request itself: layout, mode, flags, bounds of the arrays. */
static int ocs_batch_check_header(struct mixnet_ocs *ocs, const struct mixnet_ocs_apply *a)
{
	if (a->version != MIXNET_UAPI_VERSION || a->reserved[0] || a->reserved[1])
		return -EINVAL;
	if (a->mode != MIXNET_OCS_APPLY_REPLACE && a->mode != MIXNET_OCS_APPLY_MERGE)
		return -EINVAL;
	if (a->flags & ~MIXNET_OCS_APPLY_F_ALL)
		return -EINVAL;
	/* A generation without the flag is a caller bug, not "don't care". */
	if (!(a->flags & MIXNET_OCS_APPLY_F_EXPECT_GEN) && a->expected_generation)
		return -EINVAL;
	if (a->mode == MIXNET_OCS_APPLY_REPLACE && a->nrelease)
		return -EINVAL;
	if (a->count > ocs->nports || a->nrelease > ocs->nports)
		return -E2BIG;
	return 0;
}

/* Checks of the entries that need no state: ranges, duplicates in the batch. */
static int ocs_batch_check(struct mixnet_ocs *ocs, struct ocs_batch *b)
{
	const struct mixnet_ocs_apply *a = &b->req;
	DECLARE_BITMAP(tx_seen, MIXNET_OCS_MAX_PORTS);
	DECLARE_BITMAP(rx_seen, MIXNET_OCS_MAX_PORTS);
	u32 i, n = ocs->nports;

	bitmap_zero(tx_seen, n);
	bitmap_zero(rx_seen, n);
	for (i = 0; i < a->count; i++) {
		u32 tx = b->xc[i].tx, rx = b->xc[i].rx;

		if (tx >= n || rx >= n || tx == rx)
			return ocs_batch_fail(b, -EINVAL, i, false);
		if (test_and_set_bit(tx, tx_seen) || test_and_set_bit(rx, rx_seen))
			return ocs_batch_fail(b, -EINVAL, i, false);
	}
	bitmap_zero(tx_seen, n);	/* now: ports already released */
	for (i = 0; i < a->nrelease; i++) {
		u32 port = b->rel[i].port, sides = b->rel[i].sides;

		if (port >= n || !sides ||
		    sides & ~(MIXNET_OCS_RELEASE_TX | MIXNET_OCS_RELEASE_RX) ||
		    test_and_set_bit(port, tx_seen))
			return ocs_batch_fail(b, -EINVAL, i, true);
	}
	return 0;
}

/* Build the map the batch asks for in next_fwd/next_rev (apply_lock held). */
static int ocs_batch_build(struct mixnet_ocs *ocs, struct ocs_batch *b)
{
	u32 *fwd = ocs->next_fwd, *rev = ocs->next_rev;
	size_t size = ocs->nports * sizeof(u32);
	u32 i;

	if (b->req.mode == MIXNET_OCS_APPLY_REPLACE) {
		memset(fwd, 0xff, size);
		memset(rev, 0xff, size);
	} else {
		memcpy(fwd, ocs->fwd, size);
		memcpy(rev, ocs->rev, size);
	}
	for (i = 0; i < b->req.nrelease; i++) {
		u32 p = b->rel[i].port;

		if ((b->rel[i].sides & MIXNET_OCS_RELEASE_TX) && fwd[p] != OCS_PORT_NONE) {
			rev[fwd[p]] = OCS_PORT_NONE;
			fwd[p] = OCS_PORT_NONE;
		}
		if ((b->rel[i].sides & MIXNET_OCS_RELEASE_RX) && rev[p] != OCS_PORT_NONE) {
			fwd[rev[p]] = OCS_PORT_NONE;
			rev[p] = OCS_PORT_NONE;
		}
	}
	for (i = 0; i < b->req.count; i++) {
		u32 tx = b->xc[i].tx, rx = b->xc[i].rx;

		if (fwd[tx] == rx)
			continue;	/* MERGE of an established cross-connect */
		if (fwd[tx] != OCS_PORT_NONE || rev[rx] != OCS_PORT_NONE)
			return ocs_batch_fail(b, -EADDRINUSE, i, false);
		fwd[tx] = rx;
		rev[rx] = tx;
	}
	return 0;
}

/* Validate against the current state and commit; apply_lock is taken here. */
static int ocs_batch_commit(struct mixnet_ocs *ocs, struct ocs_batch *b, u64 *gen_out)
{
	struct mixnet_ocs_apply *a = &b->req;
	bool dry = a->flags & MIXNET_OCS_APPLY_F_DRY_RUN;
	DECLARE_BITMAP(changed, MIXNET_OCS_MAX_PORTS);
	u32 p, nchanged, nxc = 0, *old_fwd;
	u64 now, gen;
	int err;

	mutex_lock(&ocs->apply_lock);
	for (;;) {
		if (ocs->dead || !ocs->live) {
			err = -ENODEV;
			goto out_unlock;
		}
		/* Only the timer clears it; only APPLY, under apply_lock, sets it. */
		if (dry || !READ_ONCE(ocs->switching))
			break;
		if (!(a->flags & MIXNET_OCS_APPLY_F_WAIT_IDLE)) {
			err = -EBUSY;
			goto out_unlock;
		}
		mutex_unlock(&ocs->apply_lock);
		if (wait_event_interruptible(ocs->idle_wq, !READ_ONCE(ocs->switching) ||
					     READ_ONCE(ocs->dead)))
			return -ERESTARTSYS;	/* nothing changed yet */
		mutex_lock(&ocs->apply_lock);
	}
	*gen_out = ocs->generation;
	if ((a->flags & MIXNET_OCS_APPLY_F_EXPECT_GEN) && a->expected_generation != ocs->generation) {
		err = -ESTALE;
		goto out_unlock;
	}
	err = ocs_batch_build(ocs, b);
	if (err)
		goto out_unlock;

	bitmap_zero(changed, ocs->nports);
	for (p = 0; p < ocs->nports; p++) {
		if (ocs->fwd[p] != ocs->next_fwd[p] || ocs->rev[p] != ocs->next_rev[p])
			__set_bit(p, changed);
		if (ocs->next_fwd[p] != OCS_PORT_NONE)
			nxc++;
	}
	nchanged = bitmap_weight(changed, ocs->nports);
	a->changed_ports = nchanged;
	if (dry)
		goto out_unlock;
	err = xchg(&ocs->fail_next_apply, 0);
	if (err) {
		err = -err;	/* fault knob: the "hardware" refused */
		a->changed_ports = 0;
		goto out_unlock;
	}
	if (!nchanged)
		goto out_unlock;	/* nothing moves: no new generation */
	err = ocs->ops->prepare(ocs);
	if (err) {
		a->changed_ports = 0;
		goto out_unlock;
	}

	spin_lock_bh(&ocs->state_lock);
	old_fwd = ocs->fwd;
	swap(ocs->fwd, ocs->next_fwd);
	swap(ocs->rev, ocs->next_rev);
	bitmap_copy(ocs->changed, changed, ocs->nports);
	ocs->nxconnects = nxc;
	ocs->generation++;
	ocs->reconfigs++;
	WRITE_ONCE(ocs->switching, true);
	ocs->switching_ports = nchanged;
	ocs->ops->switch_start(ocs, old_fwd, ocs->changed);
	/* Taken after the ports went dark: the switch lasts at least the delay. */
	now = ktime_get_ns();
	ocs->last_start_ns = now;
	ocs_event_emit(ocs, MIXNET_OCS_EV_SWITCH_START, nchanged, now);
	hrtimer_start(&ocs->switch_timer,
		      ns_to_ktime(now + (u64)READ_ONCE(ocs->switch_delay_us) * NSEC_PER_USEC),
		      HRTIMER_MODE_ABS_SOFT);
	gen = ocs->generation;
	spin_unlock_bh(&ocs->state_lock);
	*gen_out = gen;
	mutex_unlock(&ocs->apply_lock);

	if (a->flags & MIXNET_OCS_APPLY_F_WAIT_DONE) {
		/* Killable only: the batch is applied, a retry would not be. */
		if (wait_event_killable(ocs->idle_wq, READ_ONCE(ocs->done_generation) >= gen ||
					READ_ONCE(ocs->dead)))
			return -EINTR;
		if (READ_ONCE(ocs->done_generation) < gen)
			return -ENODEV;
	}
	return 0;

out_unlock:
	mutex_unlock(&ocs->apply_lock);
	return err;
}

static int ocs_batch_copy_in(struct mixnet_ocs *ocs, struct ocs_batch *b)
{
	const struct mixnet_ocs_apply *a = &b->req;

	/* Bounds were checked: never allocate from an unchecked user count. */
	if (a->count) {
		b->xc = memdup_user(u64_to_user_ptr(a->xconnects), a->count * sizeof(*b->xc));
		if (IS_ERR(b->xc)) {
			int err = PTR_ERR(b->xc);

			b->xc = NULL;
			return err;
		}
	}
	if (a->nrelease) {
		b->rel = memdup_user(u64_to_user_ptr(a->release), a->nrelease * sizeof(*b->rel));
		if (IS_ERR(b->rel)) {
			int err = PTR_ERR(b->rel);

			b->rel = NULL;
			return err;
		}
	}
	return 0;
}

long ocs_ioctl_apply(struct mixnet_ocs *ocs, struct file *file, void __user *arg)
{
	struct ocs_batch b = {};
	u64 gen;
	int err;

	/* The caller needs CAP_NET_ADMIN in the user namespace of the opener. */
	if (!ns_capable(file->f_cred->user_ns, CAP_NET_ADMIN))
		return -EPERM;
	if (copy_from_user(&b.req, arg, sizeof(b.req)))
		return -EFAULT;
	b.req.err_index = -1;
	b.req.err_in_release = 0;
	b.req.changed_ports = 0;

	spin_lock_bh(&ocs->state_lock);
	gen = ocs->generation;
	spin_unlock_bh(&ocs->state_lock);

	err = ocs_batch_check_header(ocs, &b.req);
	if (!err)
		err = ocs_batch_copy_in(ocs, &b);
	if (!err)
		err = ocs_batch_check(ocs, &b);
	if (!err)
		err = ocs_batch_commit(ocs, &b, &gen);
	b.req.generation = gen;
	/* Out fields also on failure: err_index names the offending entry. */
	if (copy_to_user(arg, &b.req, sizeof(b.req)))
		err = -EFAULT;
	kfree(b.xc);
	kfree(b.rel);
	return err;
}
