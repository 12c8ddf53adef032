// SPDX-License-Identifier: GPL-2.0
/*
 * OCS devices: the mixnet_ocs class, the registry of ocsN devices, their
 * character devices /dev/mixnet/ocsN and the module-level init and exit.
 * The control model behind the ioctls lives in ocs_apply.c, events in
 * ocs_events.c, the simulated backend in ocs_sim.c.
 */
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <net/net_namespace.h>

#include "mixnet.h"
#include "ocs.h"

static unsigned int sim_ports;
module_param(sim_ports, uint, 0444);
MODULE_PARM_DESC(sim_ports, "Ports of a simulated OCS ocs0 created at load (0: none; else "
		 __stringify(MIXNET_OCS_MIN_PORTS) ".." __stringify(MIXNET_OCS_MAX_PORTS) ")");

static unsigned int sim_switch_delay_us = 25000;
module_param(sim_switch_delay_us, uint, 0444);
MODULE_PARM_DESC(sim_switch_delay_us, "Initial switching time of simulated OCSes in microseconds (0.."
		 __stringify(MIXNET_OCS_MAX_SWITCH_DELAY_US) ")");

static dev_t ocs_devt;
static DEFINE_IDA(ocs_ida);
static LIST_HEAD(ocs_list);
/* Orders creation and deletion; taken before rtnl, never under it. */
static DEFINE_MUTEX(ocs_registry_lock);
static bool ocs_registry_open;

u32 ocs_default_switch_delay_us(void)
{
	return sim_switch_delay_us;
}

/* ---- character device ---------------------------------------------------- */

static int ocs_open(struct inode *inode, struct file *file)
{
	struct mixnet_ocs *ocs = container_of(inode->i_cdev, struct mixnet_ocs, cdev);
	struct ocs_reader *r;
	int err;

	err = ocs_reader_open(ocs, &r);
	if (err)
		return err;
	get_device(&ocs->dev);
	file->private_data = r;
	return stream_open(inode, file);
}

static int ocs_release(struct inode *inode, struct file *file)
{
	struct ocs_reader *r = file->private_data;
	struct mixnet_ocs *ocs = r->ocs;

	ocs_reader_close(r);
	put_device(&ocs->dev);
	return 0;
}

static long ocs_unlocked_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct ocs_reader *r = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case MIXNET_OCS_IOC_INFO:
		return ocs_ioctl_info(r->ocs, uarg);
	case MIXNET_OCS_IOC_GET:
		return ocs_ioctl_get(r->ocs, uarg);
	case MIXNET_OCS_IOC_APPLY:
		return ocs_ioctl_apply(r->ocs, file, uarg);
	default:
		return -ENOTTY;
	}
}

static ssize_t ocs_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	return ocs_reader_read(file->private_data, buf, count, file->f_flags & O_NONBLOCK);
}

static __poll_t ocs_poll(struct file *file, struct poll_table_struct *wait)
{
	return ocs_reader_poll(file->private_data, file, wait);
}

static const struct file_operations ocs_fops = {
	.owner		= THIS_MODULE,
	.open		= ocs_open,
	.release	= ocs_release,
	.read		= ocs_read,
	.poll		= ocs_poll,
	.unlocked_ioctl	= ocs_unlocked_ioctl,
	/* Every argument is fixed size and 64-bit clean. */
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= no_llseek,
};

/* ---- class ----------------------------------------------------------------- */

/* /dev/mixnet/ocsN, root only: ioctls can re-point a fabric. */
static char *ocs_devnode(struct device *dev, umode_t *mode)
{
	if (mode)
		*mode = 0600;
	return kasprintf(GFP_KERNEL, MIXNET_OCS_DEV_DIR "/%s", dev_name(dev));
}

struct class mixnet_ocs_class = {
	.name		= MIXNET_OCS_CLASS,
	.owner		= THIS_MODULE,
	.devnode	= ocs_devnode,
	.class_groups	= ocs_class_groups,
	.dev_groups	= ocs_dev_groups,
};

static void ocs_dev_release(struct device *dev)
{
	struct mixnet_ocs *ocs = to_ocs(dev);

	ocs_state_free(ocs);
	ida_free(&ocs_ida, ocs->id);
	kfree(ocs);
}

/* ---- registry ---------------------------------------------------------------- */

/* Tear down a registered OCS; the memory goes with its last reference. */
static void ocs_destroy(struct mixnet_ocs *ocs)
{
	ocs_state_kill(ocs);		/* ioctls fail, waiters and readers wake */
	cdev_del(&ocs->cdev);		/* no new opens */
	ocs_debugfs_del(ocs);
	hrtimer_cancel(&ocs->switch_timer);
	if (ocs->live)
		ocs->ops->destroy(ocs);
	device_del(&ocs->dev);
	put_device(&ocs->dev);
}

int ocs_create(const struct mixnet_ocs_backend_ops *ops, u32 nports,
	       u32 switch_delay_us, struct net *net, struct mixnet_ocs **out)
{
	struct mixnet_ocs *ocs;
	int id, err;

	if (nports < MIXNET_OCS_MIN_PORTS || nports > MIXNET_OCS_MAX_PORTS ||
	    switch_delay_us > MIXNET_OCS_MAX_SWITCH_DELAY_US)
		return -ERANGE;

	mutex_lock(&ocs_registry_lock);
	if (!ocs_registry_open) {
		err = -ENODEV;
		goto err_unlock;
	}
	id = ida_alloc_max(&ocs_ida, MIXNET_OCS_MAX_DEVICES - 1, GFP_KERNEL);
	if (id < 0) {
		err = id == -ENOSPC ? -ENOSPC : id;
		goto err_unlock;
	}
	ocs = kzalloc(sizeof(*ocs), GFP_KERNEL);
	if (!ocs) {
		ida_free(&ocs_ida, id);
		err = -ENOMEM;
		goto err_unlock;
	}
	ocs->id = id;
	ocs->nports = nports;
	ocs->ops = ops;
	ocs->switch_delay_us = switch_delay_us;

	/* From here on the device release frees everything. */
	device_initialize(&ocs->dev);
	ocs->dev.class = &mixnet_ocs_class;
	ocs->dev.devt = MKDEV(MAJOR(ocs_devt), id);
	ocs->dev.release = ocs_dev_release;
	err = ocs_state_init(ocs);
	if (err)
		goto err_put;
	err = dev_set_name(&ocs->dev, "ocs%u", id);
	if (err)
		goto err_put;
	cdev_init(&ocs->cdev, &ocs_fops);
	ocs->cdev.owner = THIS_MODULE;

	err = device_add(&ocs->dev);
	if (err)
		goto err_put;
	/* Ports need the device in sysfs: they are its children. */
	err = ops->create(ocs, net);
	if (err)
		goto err_del;
	ocs->live = true;
	cdev_set_parent(&ocs->cdev, &ocs->dev.kobj);
	err = cdev_add(&ocs->cdev, ocs->dev.devt, 1);
	if (err)
		goto err_destroy;
	ocs_debugfs_add(ocs);
	list_add_tail(&ocs->node, &ocs_list);
	mutex_unlock(&ocs_registry_lock);
	if (out)
		*out = ocs;
	return 0;

err_destroy:
	ocs->live = false;
	ocs_state_kill(ocs);
	ops->destroy(ocs);
err_del:
	device_del(&ocs->dev);
err_put:
	put_device(&ocs->dev);
err_unlock:
	mutex_unlock(&ocs_registry_lock);
	return err;
}

int ocs_delete_by_id(u32 id)
{
	struct mixnet_ocs *ocs;

	mutex_lock(&ocs_registry_lock);
	list_for_each_entry(ocs, &ocs_list, node) {
		if (ocs->id != id)
			continue;
		list_del(&ocs->node);
		ocs_destroy(ocs);
		mutex_unlock(&ocs_registry_lock);
		return 0;
	}
	mutex_unlock(&ocs_registry_lock);
	return -ENOENT;
}

bool mixnet_ocs_is_port(const struct net_device *dev)
{
	return ocs_sim_is_port(dev);
}

/* ---- module init / exit ----------------------------------------------------------- */

static void ocs_registry_close(void)
{
	struct mixnet_ocs *ocs, *tmp;

	mutex_lock(&ocs_registry_lock);
	ocs_registry_open = false;
	list_for_each_entry_safe(ocs, tmp, &ocs_list, node) {
		list_del(&ocs->node);
		ocs_destroy(ocs);
	}
	mutex_unlock(&ocs_registry_lock);
}

int mixnet_ocs_init(void)
{
	int err;

	if (sim_switch_delay_us > MIXNET_OCS_MAX_SWITCH_DELAY_US) {
		pr_err("mixnet: sim_switch_delay_us=%u is over %u\n",
		       sim_switch_delay_us, MIXNET_OCS_MAX_SWITCH_DELAY_US);
		return -EINVAL;
	}
	if (sim_ports && (sim_ports < MIXNET_OCS_MIN_PORTS || sim_ports > MIXNET_OCS_MAX_PORTS)) {
		pr_err("mixnet: sim_ports=%u is outside %u..%u\n", sim_ports,
		       MIXNET_OCS_MIN_PORTS, MIXNET_OCS_MAX_PORTS);
		return -EINVAL;
	}

	err = alloc_chrdev_region(&ocs_devt, 0, MIXNET_OCS_MAX_DEVICES, MIXNET_OCS_CLASS);
	if (err)
		goto err_chrdev;
	err = class_register(&mixnet_ocs_class);
	if (err)
		goto err_class;
	ocs_debugfs_init();

	mutex_lock(&ocs_registry_lock);
	ocs_registry_open = true;
	mutex_unlock(&ocs_registry_lock);

	if (sim_ports) {
		err = ocs_create(&ocs_sim_ops, sim_ports, sim_switch_delay_us, &init_net, NULL);
		if (err) {
			pr_err("mixnet: cannot create ocs0 with %u ports: %d\n", sim_ports, err);
			goto err_sim;
		}
	}
	return 0;

err_sim:
	ocs_registry_close();
	ocs_debugfs_exit();
	class_unregister(&mixnet_ocs_class);
err_class:
	unregister_chrdev_region(ocs_devt, MIXNET_OCS_MAX_DEVICES);
err_chrdev:
	return err;
}

void mixnet_ocs_exit(void)
{
	ocs_registry_close();
	ocs_debugfs_exit();
	class_unregister(&mixnet_ocs_class);
	unregister_chrdev_region(ocs_devt, MIXNET_OCS_MAX_DEVICES);
	ida_destroy(&ocs_ida);
}
