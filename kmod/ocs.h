/* SPDX-License-Identifier: GPL-2.0 */
/*
 * OCS devices inside mixnet.ko: one control model (cross-connects,
 * generations, switching, events) shared by every backend, and the
 * backend hooks that make light actually move (ocs_sim.c for now).
 *
 * Locking:
 *  - ocs_registry_lock (ocs_core.c) orders creation and deletion of OCSes;
 *    it is taken before rtnl, never under it.
 *  - ocs->apply_lock (mutex) serialises APPLY and readers of the full map
 *    (GET, sysfs xconnects); it is held while a batch is validated.
 *  - ocs->state_lock (spinlock, BH) protects the switching state, the
 *    maps while they are swapped, the event rings and the fault knobs; the
 *    switch-completion hrtimer (softirq) takes it.
 */
#ifndef _MIXNET_OCS_H
#define _MIXNET_OCS_H

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/hrtimer.h>
#include <linux/kfifo.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

#include <linux/mixnet.h>

/* "No cross-connect" in the tx -> rx and rx -> tx maps. */
#define OCS_PORT_NONE		U32_MAX

struct mixnet_ocs;
struct dentry;

/*
 * What a backend does when light moves.  The core validates and commits
 * the new map; the backend only makes the ports follow it.
 */
struct mixnet_ocs_backend_ops {
	const char *name;			/* "sim" */
	enum mixnet_ocs_backend type;
	/*
	 * Sleepable, the OCS device is registered but not live yet: build
	 * the ports (in @net where they are netdevs).
	 */
	int (*create)(struct mixnet_ocs *ocs, struct net *net);
	/* Sleepable, under apply_lock: get what switch_start needs. */
	int (*prepare)(struct mixnet_ocs *ocs);
	/*
	 * Atomic, under state_lock: the ports in @changed go dark.  @old_fwd
	 * is the map being left, ocs->fwd already holds the new one.
	 */
	void (*switch_start)(struct mixnet_ocs *ocs, const u32 *old_fwd,
			     const unsigned long *changed);
	/* Atomic (softirq), under state_lock: the switch has settled. */
	void (*switch_done)(struct mixnet_ocs *ocs, const unsigned long *changed);
	/* Sleepable, once, after the OCS is dead and its timer stopped. */
	void (*destroy)(struct mixnet_ocs *ocs);
};

struct mixnet_ocs {
	struct device dev;
	struct cdev cdev;
	u32 id;
	u32 nports;
	const struct mixnet_ocs_backend_ops *ops;
	void *backend;			/* the backend's own state */
	struct list_head node;		/* ocs_list, under ocs_registry_lock */

	struct mutex apply_lock;
	spinlock_t state_lock;
	bool live;			/* set once the backend is up */
	bool dead;			/* being deleted: every ioctl fails; READ_ONCE */
	bool switching;			/* state_lock to change, READ_ONCE */
	u32 switch_delay_us;		/* READ_ONCE: sysfs may change it */

	u64 generation;
	u64 reconfigs;
	u64 done_generation;		/* generation whose switch completed; READ_ONCE */
	u32 nxconnects;
	u32 switching_ports;
	u64 last_start_ns;
	u64 last_done_ns;

	u32 *fwd;			/* tx -> rx, OCS_PORT_NONE */
	u32 *rev;			/* rx -> tx, OCS_PORT_NONE */
	/* Scratch for the next apply, under apply_lock. */
	u32 *next_fwd;
	u32 *next_rev;
	unsigned long *changed;		/* ports of the switch in progress */

	struct hrtimer switch_timer;
	wait_queue_head_t idle_wq;	/* switch done, or OCS dead */

	struct list_head readers;	/* struct ocs_reader, under state_lock */
	wait_queue_head_t event_wq;

	/* Fault knobs (ocs_debugfs.c). */
	int fail_next_apply;		/* positive errno, 0 = off */
	unsigned long *dead_ports;	/* under state_lock */
	struct dentry *debugfs;
};

static inline struct mixnet_ocs *to_ocs(struct device *dev)
{
	return container_of(dev, struct mixnet_ocs, dev);
}

/* One open file of /dev/mixnet/ocsN (events are per open file). */
struct ocs_reader {
	struct mixnet_ocs *ocs;
	struct list_head node;		/* ocs->readers */
	struct mutex read_lock;		/* keeps records of one file in order */
	u32 lost;			/* records dropped since the last read */
	DECLARE_KFIFO_PTR(ring, struct mixnet_ocs_event);
};

/* ocs_core.c: registry, class, character device. */
extern struct class mixnet_ocs_class;
int ocs_create(const struct mixnet_ocs_backend_ops *ops, u32 nports,
	       u32 switch_delay_us, struct net *net, struct mixnet_ocs **out);
int ocs_delete_by_id(u32 id);
u32 ocs_default_switch_delay_us(void);

/* ocs_apply.c: the control model. */
int ocs_state_init(struct mixnet_ocs *ocs);
void ocs_state_free(struct mixnet_ocs *ocs);
void ocs_state_kill(struct mixnet_ocs *ocs);
long ocs_ioctl_info(struct mixnet_ocs *ocs, void __user *arg);
long ocs_ioctl_get(struct mixnet_ocs *ocs, void __user *arg);
long ocs_ioctl_apply(struct mixnet_ocs *ocs, struct file *file, void __user *arg);
bool ocs_port_connected(const struct mixnet_ocs *ocs, u32 port);

/* ocs_events.c: per-open-file event rings. */
int ocs_reader_open(struct mixnet_ocs *ocs, struct ocs_reader **out);
void ocs_reader_close(struct ocs_reader *r);
ssize_t ocs_reader_read(struct ocs_reader *r, char __user *buf, size_t count,
			bool nonblock);
__poll_t ocs_reader_poll(struct ocs_reader *r, struct file *file,
			 struct poll_table_struct *wait);
void ocs_event_emit(struct mixnet_ocs *ocs, u32 type, u32 changed_ports, u64 ts);

/* ocs_sysfs.c: class and device attributes. */
extern const struct attribute_group *ocs_class_groups[];
extern const struct attribute_group *ocs_dev_groups[];

/* ocs_debugfs.c: fault knobs under /sys/kernel/debug/mixnet/ocsN/. */
void ocs_debugfs_init(void);
void ocs_debugfs_exit(void);
void ocs_debugfs_add(struct mixnet_ocs *ocs);
void ocs_debugfs_del(struct mixnet_ocs *ocs);

/* ocs_sim.c: the simulated backend and its port netdevs. */
extern const struct mixnet_ocs_backend_ops ocs_sim_ops;
bool ocs_sim_is_port(const struct net_device *dev);

#endif /* _MIXNET_OCS_H */
