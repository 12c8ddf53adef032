// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs of the mixnet_ocs class: new_sim and del under
 * /sys/class/mixnet_ocs/, and the attributes of each ocsN
 * (Documentation/ABI/sysfs-class-mixnet_ocs).
 */
#include <linux/device.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <net/net_namespace.h>

#include "ocs.h"

/* ---- class: new_sim, del ---------------------------------------------------- */

/* "NPORTS": a simulated OCS whose ports appear in the writer's netns. */
static ssize_t new_sim_store(struct class *cls, struct class_attribute *attr,
			     const char *buf, size_t count)
{
	unsigned int nports;
	int err;

	if (!isdigit(buf[0]))
		return -EINVAL;		/* no sign, no blank, no empty string */
	err = kstrtouint(buf, 10, &nports);
	if (err)
		return err;
	if (nports < MIXNET_OCS_MIN_PORTS || nports > MIXNET_OCS_MAX_PORTS)
		return -ERANGE;
	err = ocs_create(&ocs_sim_ops, nports, ocs_default_switch_delay_us(),
			 current->nsproxy->net_ns, NULL);
	return err ? err : count;
}
static CLASS_ATTR_WO(new_sim);

/* "ocsN": delete it, whatever its ports carry and wherever they are. */
static ssize_t del_store(struct class *cls, struct class_attribute *attr,
			 const char *buf, size_t count)
{
	unsigned int id;
	int err;

	if (strncmp(buf, "ocs", 3) || !isdigit(buf[3]))
		return -EINVAL;
	err = kstrtouint(buf + 3, 10, &id);
	if (err)
		return err;
	err = ocs_delete_by_id(id);
	return err ? err : count;
}
static CLASS_ATTR_WO(del);

static struct attribute *ocs_class_attrs[] = {
	&class_attr_new_sim.attr,
	&class_attr_del.attr,
	NULL,
};

static const struct attribute_group ocs_class_group = {
	.attrs = ocs_class_attrs,
};

const struct attribute_group *ocs_class_groups[] = {
	&ocs_class_group,
	NULL,
};

/* ---- device: ocsN/ ------------------------------------------------------------- */

static ssize_t nports_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", to_ocs(dev)->nports);
}
static DEVICE_ATTR_RO(nports);

static ssize_t backend_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", to_ocs(dev)->ops->name);
}
static DEVICE_ATTR_RO(backend);

static ssize_t switch_delay_us_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(to_ocs(dev)->switch_delay_us));
}

/* Takes effect at the next switch; one in progress keeps its end time. */
static ssize_t switch_delay_us_store(struct device *dev, struct device_attribute *attr,
				     const char *buf, size_t count)
{
	unsigned int us;
	int err;

	if (!isdigit(buf[0]))
		return -EINVAL;
	err = kstrtouint(buf, 10, &us);
	if (err)
		return err;
	if (us > MIXNET_OCS_MAX_SWITCH_DELAY_US)
		return -ERANGE;
	WRITE_ONCE(to_ocs(dev)->switch_delay_us, us);
	return count;
}
static DEVICE_ATTR_RW(switch_delay_us);

/* A counter that changes under state_lock. */
static ssize_t ocs_show_locked(struct device *dev, char *buf, const u64 *counter)
{
	struct mixnet_ocs *ocs = to_ocs(dev);
	u64 v;

	spin_lock_bh(&ocs->state_lock);
	v = *counter;
	spin_unlock_bh(&ocs->state_lock);
	return sysfs_emit(buf, "%llu\n", v);
}

static ssize_t generation_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return ocs_show_locked(dev, buf, &to_ocs(dev)->generation);
}
static DEVICE_ATTR_RO(generation);

static ssize_t reconfigs_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return ocs_show_locked(dev, buf, &to_ocs(dev)->reconfigs);
}
static DEVICE_ATTR_RO(reconfigs);

static ssize_t state_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", READ_ONCE(to_ocs(dev)->switching) ? "switching" : "idle");
}
static DEVICE_ATTR_RO(state);

/*
 * "tx rx" a line.  Up to 1024 lines do not fit a page, so this is a
 * binary attribute; each read() formats the map afresh (compare
 * generation before and after for a consistent view of a big map).
 */
static ssize_t xconnects_read(struct file *file, struct kobject *kobj,
			      struct bin_attribute *attr, char *buf, loff_t off, size_t count)
{
	struct mixnet_ocs *ocs = to_ocs(kobj_to_dev(kobj));
	size_t size = ocs->nports * sizeof("1023 1023\n"), len = 0;
	ssize_t ret = 0;
	char *text;
	u32 tx;

	text = kvmalloc(size, GFP_KERNEL);
	if (!text)
		return -ENOMEM;
	mutex_lock(&ocs->apply_lock);
	for (tx = 0; tx < ocs->nports; tx++)
		if (ocs->fwd[tx] != OCS_PORT_NONE)
			len += scnprintf(text + len, size - len, "%u %u\n", tx, ocs->fwd[tx]);
	mutex_unlock(&ocs->apply_lock);
	if (off < len) {
		ret = min_t(size_t, count, len - off);
		memcpy(buf, text + off, ret);
	}
	kvfree(text);
	return ret;
}
static BIN_ATTR_RO(xconnects, 0);

static struct attribute *ocs_dev_attrs[] = {
	&dev_attr_nports.attr,
	&dev_attr_backend.attr,
	&dev_attr_switch_delay_us.attr,
	&dev_attr_generation.attr,
	&dev_attr_reconfigs.attr,
	&dev_attr_state.attr,
	NULL,
};

static struct bin_attribute *ocs_dev_bin_attrs[] = {
	&bin_attr_xconnects,
	NULL,
};

static const struct attribute_group ocs_dev_group = {
	.attrs = ocs_dev_attrs,
	.bin_attrs = ocs_dev_bin_attrs,
};

const struct attribute_group *ocs_dev_groups[] = {
	&ocs_dev_group,
	NULL,
};
