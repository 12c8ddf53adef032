// SPDX-License-Identifier: GPL-2.0
/*
 * OCS events: every open file of /dev/mixnet/ocsN has its own ring of
 * fixed-size records, so several readers each get every event.  A reader
 * that falls behind loses the newest events, not silently: it reads an
 * OVERFLOW record with the number lost, in order, before anything newer.
 */
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "ocs.h"

int ocs_reader_open(struct mixnet_ocs *ocs, struct ocs_reader **out)
{
	struct ocs_reader *r;
	int err;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	err = kfifo_alloc(&r->ring, MIXNET_OCS_EVENT_RING, GFP_KERNEL);
	if (err)
		goto err_free;
	r->ocs = ocs;
	mutex_init(&r->read_lock);

	spin_lock_bh(&ocs->state_lock);
	if (ocs->dead) {
		spin_unlock_bh(&ocs->state_lock);
		err = -ENODEV;
		goto err_fifo;
	}
	list_add_tail(&r->node, &ocs->readers);
	spin_unlock_bh(&ocs->state_lock);
	*out = r;
	return 0;

err_fifo:
	kfifo_free(&r->ring);
err_free:
	kfree(r);
	return err;
}

void ocs_reader_close(struct ocs_reader *r)
{
	spin_lock_bh(&r->ocs->state_lock);
	list_del(&r->node);
	spin_unlock_bh(&r->ocs->state_lock);
	kfifo_free(&r->ring);
	kfree(r);
}

static void ocs_overflow_record(const struct mixnet_ocs *ocs, struct ocs_reader *r,
				struct mixnet_ocs_event *ev, u64 ts)
{
	*ev = (struct mixnet_ocs_event) {
		.version = MIXNET_UAPI_VERSION,
		.type = MIXNET_OCS_EV_OVERFLOW,
		.generation = ocs->generation,
		.lost = r->lost,
		.timestamp_ns = ts,
	};
	r->lost = 0;
}

static void ocs_reader_push(struct mixnet_ocs *ocs, struct ocs_reader *r,
			    const struct mixnet_ocs_event *ev)
{
	struct mixnet_ocs_event ovf;

	if (r->lost) {
		/* The overflow record goes first, and needs a slot of its own. */
		if (kfifo_avail(&r->ring) < 2) {
			if (r->lost < U32_MAX)
				r->lost++;
			return;
		}
		ocs_overflow_record(ocs, r, &ovf, ev->timestamp_ns);
		kfifo_put(&r->ring, ovf);
	}
	if (!kfifo_put(&r->ring, *ev))
		r->lost = 1;
}

/* Called with ocs->state_lock held, from process or softirq context. */
void ocs_event_emit(struct mixnet_ocs *ocs, u32 type, u32 changed_ports, u64 ts)
{
	const struct mixnet_ocs_event ev = {
		.version = MIXNET_UAPI_VERSION,
		.type = type,
		.generation = ocs->generation,
		.changed_ports = changed_ports,
		.timestamp_ns = ts,
	};
	struct ocs_reader *r;

	lockdep_assert_held(&ocs->state_lock);
	list_for_each_entry(r, &ocs->readers, node)
		ocs_reader_push(ocs, r, &ev);
	wake_up_all(&ocs->event_wq);
}

/* Take the next record; true if there was one.  *dead tells EOF. */
static bool ocs_reader_pop(struct ocs_reader *r, struct mixnet_ocs_event *ev, bool *dead)
{
	struct mixnet_ocs *ocs = r->ocs;
	bool got;

	spin_lock_bh(&ocs->state_lock);
	got = kfifo_get(&r->ring, ev);
	if (!got && r->lost) {
		ocs_overflow_record(ocs, r, ev, ktime_get_ns());
		got = true;
	}
	*dead = ocs->dead;
	spin_unlock_bh(&ocs->state_lock);
	return got;
}

static bool ocs_reader_ready(struct ocs_reader *r)
{
	bool ready;

	spin_lock_bh(&r->ocs->state_lock);
	ready = !kfifo_is_empty(&r->ring) || r->lost || r->ocs->dead;
	spin_unlock_bh(&r->ocs->state_lock);
	return ready;
}

/* Whole records only; blocks for the first one unless @nonblock. */
ssize_t ocs_reader_read(struct ocs_reader *r, char __user *buf, size_t count, bool nonblock)
{
	struct mixnet_ocs_event ev;
	size_t done = 0;
	bool dead;
	int err;

	if (count < sizeof(ev))
		return -EINVAL;
	if (mutex_lock_interruptible(&r->read_lock))
		return -ERESTARTSYS;
	while (done + sizeof(ev) <= count) {
		if (!ocs_reader_pop(r, &ev, &dead)) {
			if (done || dead)
				break;		/* dead and drained: end of file */
			if (nonblock) {
				err = -EAGAIN;
				goto out_err;
			}
			mutex_unlock(&r->read_lock);
			if (wait_event_interruptible(r->ocs->event_wq, ocs_reader_ready(r)))
				return -ERESTARTSYS;
			if (mutex_lock_interruptible(&r->read_lock))
				return -ERESTARTSYS;
			continue;
		}
		if (copy_to_user(buf + done, &ev, sizeof(ev))) {
			err = -EFAULT;
			goto out_err;
		}
		done += sizeof(ev);
	}
	mutex_unlock(&r->read_lock);
	return done;

out_err:
	mutex_unlock(&r->read_lock);
	return done ? done : err;
}

__poll_t ocs_reader_poll(struct ocs_reader *r, struct file *file, struct poll_table_struct *wait)
{
	struct mixnet_ocs *ocs = r->ocs;
	__poll_t mask = 0;

	poll_wait(file, &ocs->event_wq, wait);
	spin_lock_bh(&ocs->state_lock);
	if (!kfifo_is_empty(&r->ring) || r->lost)
		mask |= EPOLLIN | EPOLLRDNORM;
	if (ocs->dead)
		mask |= EPOLLHUP;
	spin_unlock_bh(&ocs->state_lock);
	return mask;
}
