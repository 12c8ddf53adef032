// SPDX-License-Identifier: GPL-2.0
/*
 * Attaching the sampler to a device's tc egress through libbpf's bpf_tc_*
 * (clsact) API, pinning its maps, detaching, listing (see flows.h).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "flows_priv.h"
#include "flows_tc.h"
#include "sampler.skel.h"

#ifndef ARPHRD_IP6GRE
#define ARPHRD_IP6GRE 823
#endif

int flows_link_mode(unsigned short type)
{
	switch (type) {
	case ARPHRD_ETHER:
	case ARPHRD_LOOPBACK:
		return MIXNET_LINK_ETHERNET;
	case ARPHRD_NONE:	/* tun, wireguard, mixnet0 */
	case ARPHRD_RAWIP:
	case ARPHRD_PPP:
	case ARPHRD_TUNNEL:
	case ARPHRD_TUNNEL6:
	case ARPHRD_SIT:
	case ARPHRD_IPGRE:
	case ARPHRD_IP6GRE:
		return MIXNET_LINK_L3;
	default:
		return -1;
	}
}

const char *flows_link_mode_name(unsigned int mode)
{
	return mode == MIXNET_LINK_L3 ? "l3" : mode == MIXNET_LINK_ETHERNET ? "ethernet" : "?";
}

void flows_attach_opts_init(struct flows_attach_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->sample_every = 1;
	o->max_flows = MIXNET_SAMPLER_MAX_FLOWS;
	o->peer_slots = MIXNET_SAMPLER_PEER_SLOTS;
}

const char *const flows_pinned_maps[FLOWS_NPINNED_MAPS] = {
	MIXNET_PIN_PEERS, MIXNET_PIN_PEER_INDEX, MIXNET_PIN_PEER_INDEX_CTL,
	MIXNET_PIN_FLOWS, MIXNET_PIN_ERRORS, MIXNET_PIN_INFO,
};

enum pin_state {
	PINS_ABSENT,		/* no pin directory */
	PINS_LIVE,		/* attached to this device, filter in place */
	PINS_STALE,		/* device or filter gone, or an attach that died */
	PINS_FOREIGN,		/* a device of another network namespace */
};

/* What is pinned as @dev under @dir; *@info filled when readable. */
static enum pin_state pin_state(const char *dev, const char *dir,
				struct mixnet_sampler_info *info)
{
	uint32_t fid, pid;
	struct stat st;
	int ifindex;

	memset(info, 0, sizeof(*info));
	if (stat(dir, &st))
		return PINS_ABSENT;
	if (flows_read_info(dir, info) || info->version != MIXNET_SAMPLER_VERSION)
		return PINS_STALE;	/* incomplete attach or another format */
	if (info->netns_ino != flows_netns_ino())
		return PINS_FOREIGN;
	if (flows_dev_lookup(dev, &ifindex, NULL) || (uint32_t)ifindex != info->ifindex)
		return PINS_STALE;
	if (flows_filter_prog_id(ifindex, info->tc_handle, info->tc_priority, &fid) ||
	    flows_pinned_prog_id(dir, &pid) || fid != pid)
		return PINS_STALE;
	return PINS_LIVE;
}

static void unpin_all(const char *dir)
{
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(flows_pinned_maps) / sizeof(flows_pinned_maps[0]); i++) {
		flows_pin_path(path, sizeof(path), dir, flows_pinned_maps[i]);
		unlink(path);
	}
	flows_pin_path(path, sizeof(path), dir, MIXNET_PIN_PROG);
	unlink(path);
}

/*
 * Undo an attachment: our filter (only if it still runs our program), the
 * clsact qdisc if we created it and nobody else has a filter on it, the
 * pins.  @ifindex 0: the device is gone with its tc state.
 */
static int teardown(const char *dev, const char *dir, const struct mixnet_sampler_info *info,
		    int ifindex, struct flows_error *e)
{
	uint32_t fid, pid;
	int err;

	if (ifindex > 0 && info->tc_handle) {
		struct bpf_tc_hook hook;
		struct bpf_tc_opts o = {
			.sz = sizeof(o), .handle = info->tc_handle, .priority = info->tc_priority,
		};

		flows_egress_hook(&hook, ifindex);
		if (!flows_filter_prog_id(ifindex, info->tc_handle, info->tc_priority, &fid) &&
		    !flows_pinned_prog_id(dir, &pid) && fid == pid) {
			err = bpf_tc_detach(&hook, &o);
			if (err)
				return flows_fail(e, err, dev, "cannot remove the tc egress filter");
		}
		if (info->qdisc_created && flows_tc_clsact_filters(ifindex) == 0) {
			hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
			err = bpf_tc_hook_destroy(&hook);
			if (err && err != -ENOENT && err != -EINVAL)
				return flows_fail(e, err, dev, "cannot remove the clsact qdisc");
		}
	}
	unpin_all(dir);
	if (rmdir(dir) && errno != ENOENT)
		return flows_fail(e, -errno, dir, "cannot remove the pin directory");
	return 0;
}

static int check_attach_opts(const struct flows_attach_opts *o, struct flows_error *e)
{
	if (!o->max_flows || o->max_flows > FLOWS_MAX_FLOWS_LIMIT)
		return flows_fail(e, -ERANGE, "max-flows", "must be 1..%u", FLOWS_MAX_FLOWS_LIMIT);
	if (o->peer_slots < 2 || o->peer_slots > FLOWS_PEER_SLOTS_LIMIT)
		return flows_fail(e, -ERANGE, "peer-slots", "must be 2..%u", FLOWS_PEER_SLOTS_LIMIT);
	return 0;
}

/* Tests: pretend that @step failed right after it succeeded. */
static int injected(const struct flows_attach_opts *o, int step, const char *dev,
		    struct flows_error *e)
{
	if (o->fail_after != step)
		return 0;
	return flows_fail(e, -EIO, dev, "failure injected after attach step %d", step);
}

static int pin_objects(struct sampler_bpf *skel, const char *dir, struct flows_error *e)
{
	struct bpf_map *maps[] = {
		skel->maps.peers, skel->maps.peer_index, skel->maps.peer_index_ctl,
		skel->maps.flows, skel->maps.errors, skel->maps.info,
	};
	char path[PATH_MAX];
	size_t i;
	int err;

	for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		flows_pin_path(path, sizeof(path), dir, flows_pinned_maps[i]);
		err = bpf_map__pin(maps[i], path);
		if (err)
			return flows_fail(e, err, path, "cannot pin map");
	}
	flows_pin_path(path, sizeof(path), dir, MIXNET_PIN_PROG);
	err = bpf_program__pin(skel->progs.mixnet_sampler, path);
	if (err)
		return flows_fail(e, err, path, "cannot pin program");
	return 0;
}

int flows_attach(const char *dev, const struct flows_attach_opts *opts, struct flows_error *e)
{
	struct flows_attach_opts o;
	struct mixnet_sampler_info info, old;
	const char *root;
	char dir[PATH_MAX];
	struct sampler_bpf *skel = NULL;
	struct mixnet_peer_stats unknown;
	struct bpf_tc_hook hook;
	struct bpf_tc_opts topts;
	unsigned short type = 0;
	unsigned int ncpu = flows_possible_cpus();
	int ifindex, mode, lock = -1, err, prog_fd;
	uint32_t zero = 0, bits;
	bool dir_made = false, root_missing, no_batch = false;
	struct flows_peer_maps pm;

	flows_quiet_libbpf();
	flows_attach_opts_init(&o);
	if (opts) {
		o = *opts;
		if (!o.max_flows)
			o.max_flows = MIXNET_SAMPLER_MAX_FLOWS;
		if (!o.peer_slots)
			o.peer_slots = MIXNET_SAMPLER_PEER_SLOTS;
	}
	root = o.pin_root ? o.pin_root : MIXNET_PIN_ROOT;
	err = flows_check_dev_name(dev, e);
	if (!err)
		err = check_attach_opts(&o, e);
	if (err)
		return err;
	err = flows_check_peers(o.peers, o.npeers, o.peer_slots, e);
	if (err)
		return err;
	bits = flows_index_bits(o.peer_slots);
	err = flows_dev_lookup(dev, &ifindex, &type);
	if (err)
		return flows_fail(e, err, dev, err == -ENODEV ? "no such device" : "cannot query device");
	mode = flows_link_mode(type);
	if (mode < 0)
		return flows_fail(e, -EOPNOTSUPP, dev, "link type %u is neither Ethernet nor L3", type);

	err = flows_check_pin_root(root, &root_missing, e);
	if (err)
		return err;

	/* Load first: without privileges this fails before anything is created. */
	skel = sampler_bpf__open();
	if (!skel)
		return flows_fail(e, -errno, dev, "cannot open the BPF object");
	skel->rodata->link_mode = mode;
	skel->rodata->sample_every = o.sample_every;
	skel->rodata->sample_threshold = o.sample_every > 1 ?
		(uint32_t)((1ull << 32) / o.sample_every - 1) : UINT32_MAX;
	skel->rodata->index_bits = bits;
	err = bpf_map__set_max_entries(skel->maps.flows, o.sample_every ? o.max_flows : 1);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.peers, o.peer_slots);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.peer_index, 2u << bits);
	if (err) {
		flows_fail(e, err, dev, "cannot size the maps");
		goto out_destroy;
	}
	err = sampler_bpf__load(skel);
	if (err) {
		flows_fail(e, err, dev, err == -EPERM || err == -EACCES ?
		     "cannot load the BPF program (needs CAP_BPF and CAP_NET_ADMIN)" :
		     "cannot load the BPF program (try -v)");
		goto out_destroy;
	}
	if ((err = injected(&o, FLOWS_STEP_LOAD, dev, e)))
		goto out_destroy;

	if (root_missing && mkdir(root, 0700) && errno != EEXIST) {
		err = flows_fail(e, -errno, root, "cannot create the pin directory");
		goto out_destroy;
	}
	lock = flows_lock_root(root, e);
	if (lock < 0) {
		err = lock;
		goto out_destroy;
	}
	flows_dev_dir(dir, sizeof(dir), root, dev);
	switch (pin_state(dev, dir, &old)) {
	case PINS_LIVE:
		err = flows_fail(e, -EEXIST, dev, "sampler already attached (pinned at %s)", dir);
		goto out_destroy;
	case PINS_FOREIGN:
		err = flows_fail(e, -EEXIST, dir,
			   "pinned by a sampler on a device of another network namespace");
		goto out_destroy;
	case PINS_STALE: {
		int old_ifindex = (uint32_t)ifindex == old.ifindex ? ifindex : 0;

		err = teardown(dev, dir, &old, old_ifindex, e);
		if (err)
			goto out_destroy;
		break;
	}
	case PINS_ABSENT:
		break;
	}

	memset(&info, 0, sizeof(info));
	info.version = MIXNET_SAMPLER_VERSION;
	info.ifindex = ifindex;
	info.netns_ino = flows_netns_ino();
	info.link_mode = mode;
	info.sample_every = o.sample_every;
	info.max_flows = o.sample_every ? o.max_flows : 0;
	info.peer_slots = o.peer_slots;
	info.index_bits = bits;
	info.tc_handle = MIXNET_SAMPLER_TC_HANDLE;
	info.tc_priority = MIXNET_SAMPLER_TC_PRIORITY;

	if (mkdir(dir, 0700)) {
		err = flows_fail(e, -errno, dir, "cannot create the pin directory");
		goto out_destroy;
	}
	dir_made = true;
	err = pin_objects(skel, dir, e);
	if (!err)
		err = injected(&o, FLOWS_STEP_PIN, dev, e);
	if (err)
		goto out_unwind;

	memset(&unknown, 0, sizeof(unknown));
	unknown.since_ns = flows_now_ns(CLOCK_MONOTONIC);
	err = flows_write_slot(bpf_map__fd(skel->maps.peers), ncpu, MIXNET_PEER_SLOT_UNKNOWN, &unknown);
	if (err) {
		flows_fail(e, err, MIXNET_PIN_PEERS, "cannot initialise the unknown-peer slot");
		goto out_unwind;
	}
	pm.peers_fd = bpf_map__fd(skel->maps.peers);
	pm.index_fd = bpf_map__fd(skel->maps.peer_index);
	pm.ctl_fd = bpf_map__fd(skel->maps.peer_index_ctl);
	pm.nslots = o.peer_slots;
	pm.bits = bits;
	pm.ncpu = ncpu;
	pm.no_batch = &no_batch;
	err = flows_apply_peers(&pm, o.peers, o.npeers, e);
	if (!err)
		err = injected(&o, FLOWS_STEP_PEERS, dev, e);
	if (err)
		goto out_unwind;

	flows_egress_hook(&hook, ifindex);
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		flows_fail(e, err, dev, "cannot create the clsact qdisc");
		goto out_unwind;
	}
	info.qdisc_created = !err;
	err = injected(&o, FLOWS_STEP_QDISC, dev, e);
	if (err)
		goto out_unwind;

	info.attached_ns = flows_now_ns(CLOCK_MONOTONIC);
	err = bpf_map_update_elem(bpf_map__fd(skel->maps.info), &zero, &info, BPF_ANY);
	if (!err)
		err = bpf_map_freeze(bpf_map__fd(skel->maps.info));
	if (err) {
		flows_fail(e, err, MIXNET_PIN_INFO, "cannot write the info map");
		goto out_unwind;
	}
	err = injected(&o, FLOWS_STEP_INFO, dev, e);
	if (err)
		goto out_unwind;

	prog_fd = bpf_program__fd(skel->progs.mixnet_sampler);
	memset(&topts, 0, sizeof(topts));
	topts.sz = sizeof(topts);
	topts.prog_fd = prog_fd;
	topts.handle = info.tc_handle;
	topts.priority = info.tc_priority;
	err = bpf_tc_attach(&hook, &topts);
	if (err) {
		flows_fail(e, err, dev, err == -EEXIST ?
		     "another tc egress filter uses the sampler's handle and priority" :
		     "cannot attach to tc egress (is there an 'ingress' qdisc instead of clsact?)");
		goto out_unwind;
	}
	err = injected(&o, FLOWS_STEP_ATTACH, dev, e);
	if (err)
		goto out_unwind;

	sampler_bpf__destroy(skel);	/* pins and the filter keep it all alive */
	flows_unlock_root(lock);
	return 0;

out_unwind:
	if (dir_made)
		teardown(dev, dir, &info, ifindex, NULL);
out_destroy:
	sampler_bpf__destroy(skel);
	flows_unlock_root(lock);
	return err;
}

int flows_detach(const char *dev, const char *pin_root, struct flows_error *e)
{
	const char *root = pin_root ? pin_root : MIXNET_PIN_ROOT;
	struct mixnet_sampler_info info;
	char dir[PATH_MAX];
	int err, lock, ifindex = 0;

	err = flows_check_dev_root(root, dev, e);
	if (err)
		return err;
	lock = flows_lock_root(root, e);
	if (lock < 0)
		return lock;
	flows_dev_dir(dir, sizeof(dir), root, dev);
	switch (pin_state(dev, dir, &info)) {
	case PINS_ABSENT:
		err = flows_fail(e, -ENOENT, dev, "no sampler attached");
		break;
	case PINS_FOREIGN:
		err = flows_fail(e, -EXDEV, dir, "pinned for a device of another network namespace");
		break;
	case PINS_LIVE:
	case PINS_STALE:
		if (info.version == MIXNET_SAMPLER_VERSION &&
		    (flows_dev_lookup(dev, &ifindex, NULL) || (uint32_t)ifindex != info.ifindex))
			ifindex = 0;	/* gone (or a new device of that name) */
		err = teardown(dev, dir, &info, ifindex, e);
		break;
	}
	flows_unlock_root(lock);
	return err;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

int flows_list(const char *pin_root, char (**names)[IFNAMSIZ], size_t *n,
	       struct flows_error *e)
{
	const char *root = pin_root ? pin_root : MIXNET_PIN_ROOT;
	char (*v)[IFNAMSIZ] = NULL;
	struct dirent *de;
	size_t cnt = 0;
	DIR *d;
	int err;

	*names = NULL;
	*n = 0;
	err = flows_pin_root_readable(root, "", e);
	if (err == -ENOENT)
		return 0;
	if (err)
		return err;
	d = opendir(root);
	if (!d)
		return flows_fail(e, -errno, root, "cannot list the pin directory");
	while ((de = readdir(d))) {
		void *nv;

		if (de->d_name[0] == '.' || de->d_type != DT_DIR || strlen(de->d_name) >= IFNAMSIZ)
			continue;
		nv = realloc(v, (cnt + 1) * sizeof(*v));
		if (!nv) {
			closedir(d);
			free(v);
			return flows_fail(e, -ENOMEM, root, "out of memory");
		}
		v = nv;
		snprintf(v[cnt], IFNAMSIZ, "%s", de->d_name);
		for (char *c = v[cnt]; *c; c++)
			if (*c == ':')
				*c = '.';	/* see flows_dev_dir() */
		cnt++;
	}
	closedir(d);
	qsort(v, cnt, sizeof(*v), name_cmp);
	*names = v;
	*n = cnt;
	return 0;
}
