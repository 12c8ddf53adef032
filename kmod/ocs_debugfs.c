// SPDX-License-Identifier: GPL-2.0
/*
 * Fault knobs of OCS devices, netdevsim-style, under
 * /sys/kernel/debug/mixnet/ocsN/:
 *   fail_next_apply  errno (1..4095) the next APPLY fails with after it
 *                    validated, leaving the state untouched; 0 = off.
 *   dead_ports       port list ("3", "1,4-6", "" to clear): these ports
 *                    do not regain light when a switch that moves them
 *                    ends, like a dead transceiver.
 */
#include <linux/bitmap.h>
#include <linux/dcache.h>
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "ocs.h"

static struct dentry *ocs_debugfs_root;
/* The routing netdev may share /sys/kernel/debug/mixnet: remove it only if ours. */
static bool ocs_debugfs_root_ours;

void ocs_debugfs_init(void)
{
	struct dentry *d = debugfs_lookup("mixnet", NULL);

	if (!IS_ERR_OR_NULL(d)) {
		ocs_debugfs_root = d;
		ocs_debugfs_root_ours = false;
	} else {
		ocs_debugfs_root = debugfs_create_dir("mixnet", NULL);
		ocs_debugfs_root_ours = true;
	}
}

void ocs_debugfs_exit(void)
{
	if (ocs_debugfs_root_ours)
		debugfs_remove_recursive(ocs_debugfs_root);
	else
		dput(ocs_debugfs_root);
	ocs_debugfs_root = NULL;
}

static int fail_next_apply_get(void *data, u64 *val)
{
	*val = READ_ONCE(((struct mixnet_ocs *)data)->fail_next_apply);
	return 0;
}

static int fail_next_apply_set(void *data, u64 val)
{
	if (val > MAX_ERRNO)
		return -ERANGE;
	WRITE_ONCE(((struct mixnet_ocs *)data)->fail_next_apply, (int)val);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(fail_next_apply_fops, fail_next_apply_get, fail_next_apply_set, "%llu\n");

static ssize_t dead_ports_read(struct file *file, char __user *ubuf, size_t count, loff_t *ppos)
{
	struct mixnet_ocs *ocs = file->private_data;
	unsigned long *copy;
	ssize_t ret;
	char *text;
	int len;

	copy = bitmap_zalloc(ocs->nports, GFP_KERNEL);
	text = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!copy || !text) {
		ret = -ENOMEM;
		goto out;
	}
	spin_lock_bh(&ocs->state_lock);
	bitmap_copy(copy, ocs->dead_ports, ocs->nports);
	spin_unlock_bh(&ocs->state_lock);
	len = scnprintf(text, PAGE_SIZE, "%*pbl\n", ocs->nports, copy);
	ret = simple_read_from_buffer(ubuf, count, ppos, text, len);
out:
	kfree(text);
	bitmap_free(copy);
	return ret;
}

static ssize_t dead_ports_write(struct file *file, const char __user *ubuf, size_t count,
				loff_t *ppos)
{
	struct mixnet_ocs *ocs = file->private_data;
	unsigned long *dead;
	int err;

	if (*ppos || count > PAGE_SIZE)
		return -EINVAL;
	dead = bitmap_zalloc(ocs->nports, GFP_KERNEL);
	if (!dead)
		return -ENOMEM;
	err = bitmap_parselist_user(ubuf, count, dead, ocs->nports);
	if (!err) {
		spin_lock_bh(&ocs->state_lock);
		bitmap_copy(ocs->dead_ports, dead, ocs->nports);
		spin_unlock_bh(&ocs->state_lock);
	}
	bitmap_free(dead);
	return err ? err : count;
}

static const struct file_operations dead_ports_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.read	= dead_ports_read,
	.write	= dead_ports_write,
	.llseek	= default_llseek,
};

void ocs_debugfs_add(struct mixnet_ocs *ocs)
{
	ocs->debugfs = debugfs_create_dir(dev_name(&ocs->dev), ocs_debugfs_root);
	debugfs_create_file_unsafe("fail_next_apply", 0600, ocs->debugfs, ocs,
				   &fail_next_apply_fops);
	debugfs_create_file("dead_ports", 0600, ocs->debugfs, ocs, &dead_ports_fops);
}

void ocs_debugfs_del(struct mixnet_ocs *ocs)
{
	debugfs_remove_recursive(ocs->debugfs);
	ocs->debugfs = NULL;
}
