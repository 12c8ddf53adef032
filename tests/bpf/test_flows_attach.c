// SPDX-License-Identifier: GPL-2.0
/*
 * bpf tier: the agent's sampler library (agent/flows.c) against this
 * machine's kernel.  Each test runs in a network namespace of its own
 * (Check forks per test) with veth or tun devices, and pins under a
 * private directory of the BPF file system.  Real packets are sent
 * through the devices and the counters must match them exactly; attach
 * and detach must leave nothing behind, also when an attach fails at any
 * step.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "../lib/check_run.h"
#include "flows.h"
#include "shell.h"

/* One directory per run (removed by main, even after failed tests), one
 * pin root per test inside it. */
static char run_root[64], pin_root[96];

static void write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	fputs(s, f);
	ck_assert_int_eq(fclose(f), 0);
}

static void setup(void)
{
	ck_assert_msg(unshare(CLONE_NEWNET) == 0, "unshare: %s", strerror(errno));
	snprintf(pin_root, sizeof(pin_root), "%s/t%d", run_root, getpid());
	sh("ip link set lo up");
	/* no IPv6 chatter (router solicitations, MLD) unless a test wants it */
	write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
}

static void teardown(void)
{
	shell("rm -rf %s", pin_root);
}

static void mac_of(const char *dev, char *buf, size_t len)
{
	struct ifreq ifr;
	unsigned char *m;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	ck_assert_int_eq(ioctl(fd, SIOCGIFHWADDR, &ifr), 0);
	close(fd);
	m = (unsigned char *)ifr.ifr_hwaddr.sa_data;
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/*
 * v0 (198.18.5.1/24) <-> v1 in this namespace.  198.18.5.2..9 resolve
 * statically to v1, so every frame leaving v0 is one of ours: no ARP.
 */
static void veth_pair(void)
{
	char mac[32];
	int i;

	sh("ip link add v0 type veth peer name v1");
	sh("ip link set v0 up && ip link set v1 up && ip addr add 198.18.5.1/24 dev v0");
	mac_of("v1", mac, sizeof(mac));
	for (i = 2; i <= 9; i++)
		sh("ip neigh replace 198.18.5.%d lladdr %s dev v0 nud permanent", i, mac);
}

/* Send @count datagrams of @size bytes to @dst:@port from one socket. */
static void send_udp(const char *dst, uint16_t port, size_t size, int count)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	char *buf = calloc(1, size ? size : 1);
	int fd, i;

	memset(&ss, 0, sizeof(ss));
	if (strchr(dst, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		ck_assert_int_eq(inet_pton(AF_INET6, dst, &s6->sin6_addr), 1);
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		ck_assert_int_eq(inet_pton(AF_INET, dst, &s4->sin_addr), 1);
		sl = sizeof(*s4);
	}
	fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	ck_assert_int_ge(fd, 0);
	for (i = 0; i < count; i++)
		ck_assert_msg(sendto(fd, buf, size, 0, (struct sockaddr *)&ss, sl) == (ssize_t)size,
			      "sendto %s: %s", dst, strerror(errno));
	close(fd);
	free(buf);
}

static struct flows_addr addr(const char *s)
{
	struct flows_addr a;

	ck_assert_int_eq(flows_addr_parse(s, &a), 0);
	return a;
}

static struct flows_attach_opts opts_with(const struct flows_addr *peers, size_t n)
{
	struct flows_attach_opts o;

	flows_attach_opts_init(&o);
	o.pin_root = pin_root;
	o.peers = peers;
	o.npeers = n;
	return o;
}

static void attach_ok(const char *dev, const struct flows_attach_opts *o)
{
	struct flows_error e;
	int err = flows_attach(dev, o, &e);

	ck_assert_msg(!err, "attach %s: %s: %s: %s", dev, e.obj, e.msg, strerror(-err));
}

static struct flows_sampler *open_ok(const char *dev)
{
	struct flows_sampler *s;
	struct flows_error e;
	int err = flows_open(dev, pin_root, &s, &e);

	ck_assert_msg(!err, "open %s: %s: %s", dev, e.obj, e.msg);
	return s;
}

static bool exists(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static bool exists(const char *fmt, ...)
{
	char path[256];
	struct stat st;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	return !stat(path, &st);
}

/* Is a clsact qdisc on @dev?  (Probe by creating it, and undo.) */
static bool clsact_present(const char *dev)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)if_nametoindex(dev),
		    .attach_point = BPF_TC_INGRESS);
	int err = bpf_tc_hook_create(&hook);

	if (err == -EEXIST)
		return true;
	ck_assert_int_eq(err, 0);
	hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
	ck_assert_int_eq(bpf_tc_hook_destroy(&hook), 0);
	return false;
}

/* Is the sampler's filter on @dev's egress? */
static bool filter_present(const char *dev)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)if_nametoindex(dev),
		    .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, q, .handle = MIXNET_SAMPLER_TC_HANDLE,
		    .priority = MIXNET_SAMPLER_TC_PRIORITY);

	return bpf_tc_query(&hook, &q) == 0;
}

static void assert_nothing_left(const char *dev, bool clsact_expected)
{
	ck_assert_msg(!exists("%s/%s", pin_root, dev), "pins of %s left behind", dev);
	ck_assert_msg(!filter_present(dev), "filter left on %s", dev);
	ck_assert_msg(clsact_present(dev) == clsact_expected, "clsact on %s: %s", dev,
		      clsact_expected ? "removed" : "left behind");
}

/* The counters of @peer in a reading (slot 0 with NULL). */
static const struct flows_peer *find_peer(const struct flows_peer *p, size_t n, const char *peer)
{
	struct flows_addr a;
	size_t i;

	if (!peer)
		return p[0].slot == 0 ? &p[0] : NULL;
	a = addr(peer);
	for (i = 0; i < n; i++)
		if (p[i].slot && !memcmp(p[i].addr, a.b, 16))
			return &p[i];
	return NULL;
}

static void assert_peer(struct flows_sampler *s, const char *peer, uint64_t bytes,
			uint64_t packets)
{
	const struct flows_peer *p, *all;
	size_t n;

	ck_assert_int_eq(flows_read_peers(s, &all, &n, NULL), 0);
	p = find_peer(all, n, peer);
	ck_assert_msg(p != NULL, "peer %s not in the table", peer ? peer : "(unknown)");
	ck_assert_msg(p->bytes == bytes && p->packets == packets,
		      "peer %s: %lu bytes %lu packets, want %lu %lu", peer ? peer : "(unknown)",
		      (unsigned long)p->bytes, (unsigned long)p->packets, (unsigned long)bytes,
		      (unsigned long)packets);
}

/* The one UDP flow to @dst:@dport must have exactly these counters. */
static void assert_udp_flow(struct flows_sampler *s, const char *dst, uint16_t dport,
			    uint64_t bytes, uint64_t packets)
{
	const struct flows_flow *f;
	struct flows_addr a = addr(dst);
	size_t n, i, found = 0;

	ck_assert_int_eq(flows_read_flows(s, &f, &n, NULL), 0);
	for (i = 0; i < n; i++) {
		if (f[i].key.proto != IPPROTO_UDP || f[i].key.dport != dport ||
		    memcmp(f[i].key.daddr, a.b, 16))
			continue;
		found++;
		ck_assert_uint_ne(f[i].key.sport, 0);
		ck_assert_uint_eq(f[i].bytes, bytes);
		ck_assert_uint_eq(f[i].packets, packets);
		ck_assert_uint_gt(f[i].first_ns, 0);
		ck_assert_uint_ge(f[i].last_ns, f[i].first_ns);
	}
	ck_assert_uint_eq(found, 1);
}

static void assert_no_errors(struct flows_sampler *s)
{
	struct mixnet_sampler_errors e;

	ck_assert_int_eq(flows_read_errors(s, &e), 0);
	ck_assert_uint_eq(e.not_ip + e.bad_ip + e.bad_l4 + e.flows_full + e.flows_failed, 0);
}

/* ---- attach, count, detach ---------------------------------------------------------- */

START_TEST(test_attach_count_detach)
{
	struct flows_addr peers[] = { addr("198.18.5.2") };
	struct flows_attach_opts o = opts_with(peers, 1);
	const struct mixnet_sampler_info *in;
	struct flows_sampler *s;
	struct flows_error e;
	const char *names[] = { "prog", "peers", "peer_index", "peer_index_ctl", "flows", "errors",
				"info" };
	size_t i, nflows;
	const struct flows_flow *f;

	veth_pair();
	ck_assert(!clsact_present("v0"));
	attach_ok("v0", &o);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		ck_assert_msg(exists("%s/v0/%s", pin_root, names[i]), "%s not pinned", names[i]);
	ck_assert(filter_present("v0"));

	s = open_ok("v0");
	in = flows_info(s);
	ck_assert_uint_eq(in->ifindex, if_nametoindex("v0"));
	ck_assert_uint_eq(in->link_mode, MIXNET_LINK_ETHERNET);
	ck_assert_uint_eq(in->sample_every, 1);
	ck_assert_uint_eq(in->qdisc_created, 1);
	ck_assert_int_eq(flows_attached(s), 1);

	send_udp("198.18.5.2", 9000, 1000, 10);	/* a peer */
	send_udp("198.18.5.3", 9001, 200, 5);	/* not a peer */
	assert_peer(s, "198.18.5.2", 10 * 1028, 10);
	assert_peer(s, NULL, 5 * 228, 5);
	assert_udp_flow(s, "198.18.5.2", 9000, 10 * 1028, 10);
	assert_udp_flow(s, "198.18.5.3", 9001, 5 * 228, 5);
	ck_assert_int_eq(flows_read_flows(s, &f, &nflows, NULL), 0);
	ck_assert_uint_eq(nflows, 2);
	assert_no_errors(s);
	flows_close(s);

	ck_assert_int_eq(flows_detach("v0", pin_root, &e), 0);
	assert_nothing_left("v0", false);
}
END_TEST

START_TEST(test_attach_errors)
{
	struct flows_attach_opts o = opts_with(NULL, 0);
	struct flows_sampler *s;
	struct flows_error e;

	veth_pair();
	attach_ok("v0", &o);
	ck_assert_int_eq(flows_attach("v0", &o, &e), -EEXIST);
	ck_assert_str_eq(e.obj, "v0");
	ck_assert_ptr_nonnull(strstr(e.msg, "already attached"));
	/* the first attachment is intact and still counting */
	s = open_ok("v0");
	send_udp("198.18.5.4", 1, 50, 2);
	assert_peer(s, NULL, 2 * 78, 2);
	flows_close(s);

	ck_assert_int_eq(flows_detach("v0", pin_root, &e), 0);
	ck_assert_int_eq(flows_detach("v0", pin_root, &e), -ENOENT);
	ck_assert_ptr_nonnull(strstr(e.msg, "no sampler attached"));
	ck_assert_int_eq(flows_open("v0", pin_root, &s, &e), -ENOENT);

	ck_assert_int_eq(flows_attach("nosuchdev0", &o, &e), -ENODEV);
	ck_assert_str_eq(e.obj, "nosuchdev0");
	ck_assert(!exists("%s/nosuchdev0", pin_root));
	ck_assert_int_eq(flows_attach("../v0", &o, &e), -EINVAL);
	ck_assert_int_eq(flows_detach("../v0", pin_root, &e), -EINVAL);
	ck_assert_int_eq(flows_attach("", &o, &e), -EINVAL);
	assert_nothing_left("v0", false);
}
END_TEST

START_TEST(test_bad_options_change_nothing)
{
	struct flows_addr dup[] = { addr("198.18.5.2"), addr("198.18.5.3"), addr("198.18.5.2") };
	struct flows_attach_opts o;
	struct flows_error e;

	veth_pair();
	o = opts_with(dup, 3);
	ck_assert_int_eq(flows_attach("v0", &o, &e), -EINVAL);
	ck_assert_str_eq(e.obj, "198.18.5.2");
	ck_assert_ptr_nonnull(strstr(e.msg, "twice"));
	o = opts_with(dup, 2);
	o.peer_slots = 2;			/* room for one peer only */
	ck_assert_int_eq(flows_attach("v0", &o, &e), -E2BIG);
	o.peer_slots = 1;
	ck_assert_int_eq(flows_attach("v0", &o, &e), -ERANGE);
	o = opts_with(NULL, 0);
	o.max_flows = FLOWS_MAX_FLOWS_LIMIT + 1;
	ck_assert_int_eq(flows_attach("v0", &o, &e), -ERANGE);
	assert_nothing_left("v0", false);
}
END_TEST

/* ---- the clsact qdisc: created only if absent, removed only if ours and empty ------- */

static int foreign_ingress_filter(const char *dev)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)if_nametoindex(dev),
		    .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, to, .handle = 7, .priority = 7);
	int fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "foreign", "GPL", insns, 2, NULL);

	ck_assert_int_ge(fd, 0);
	to.prog_fd = fd;
	ck_assert_int_eq(bpf_tc_attach(&hook, &to), 0);
	return fd;
}

static bool foreign_filter_present(const char *dev)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)if_nametoindex(dev),
		    .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, q, .handle = 7, .priority = 7);

	return bpf_tc_query(&hook, &q) == 0;
}

START_TEST(test_existing_clsact_is_kept)
{
	struct flows_attach_opts o = opts_with(NULL, 0);
	struct flows_sampler *s;
	struct flows_error e;

	veth_pair();
	sh("tc qdisc add dev v0 clsact");
	attach_ok("v0", &o);
	s = open_ok("v0");
	ck_assert_uint_eq(flows_info(s)->qdisc_created, 0);
	flows_close(s);
	ck_assert_int_eq(flows_detach("v0", pin_root, &e), 0);
	assert_nothing_left("v0", true);
}
END_TEST

START_TEST(test_clsact_with_foreign_filter_is_kept)
{
	struct flows_attach_opts o = opts_with(NULL, 0);
	struct flows_error e;
	int fd;

	veth_pair();
	attach_ok("v0", &o);		/* creates clsact */
	fd = foreign_ingress_filter("v0");
	ck_assert_int_eq(flows_detach("v0", pin_root, &e), 0);
	/* ours is gone; clsact stays because somebody else uses it */
	ck_assert(!filter_present("v0"));
	ck_assert(foreign_filter_present("v0"));
	ck_assert(clsact_present("v0"));
	close(fd);
}
END_TEST

START_TEST(test_failed_attach_leaves_nothing)
{
	struct flows_addr peers[] = { addr("198.18.5.2") };
	struct flows_attach_opts o = opts_with(peers, 1);
	struct flows_error e;
	int step, pre;

	veth_pair();
	for (pre = 0; pre <= 1; pre++) {
		if (pre)
			sh("tc qdisc add dev v0 clsact");
		for (step = FLOWS_STEP_LOAD; step < FLOWS_STEP_COUNT; step++) {
			o.fail_after = step;
			ck_assert_int_eq(flows_attach("v0", &o, &e), -EIO);
			ck_assert_msg(!exists("%s/v0", pin_root), "step %d: pins left", step);
			ck_assert_msg(!filter_present("v0"), "step %d: filter left", step);
			ck_assert_msg(clsact_present("v0") == pre, "step %d: clsact %s", step,
				      pre ? "removed" : "left");
		}
	}
	/* and then it works */
	o.fail_after = FLOWS_STEP_NONE;
	attach_ok("v0", &o);
	ck_assert_int_eq(flows_detach("v0", pin_root, &e), 0);
	assert_nothing_left("v0", true);
}
END_TEST

/* ---- devices that go away --------------------------------------------------------------- */

START_TEST(test_device_gone)
{
	struct flows_attach_opts o = opts_with(NULL, 0);
	struct flows_sampler *s;
	struct flows_error e;
	unsigned int old;

	veth_pair();
	attach_ok("v0", &o);
	old = if_nametoindex("v0");
	s = open_ok("v0");
	ck_assert_int_eq(flows_attached(s), 1);
	sh("ip link del v0");
	ck_assert_int_eq(flows_attached(s), 0);		/* stale */
	flows_close(s);

	/* a new v0: attaching replaces the stale pins */
	veth_pair();
	ck_assert_uint_ne(if_nametoindex("v0"), old);
	attach_ok("v0", &o);
	s = open_ok("v0");
	ck_assert_int_eq(flows_attached(s), 1);
	ck_assert_uint_eq(flows_info(s)->ifindex, if_nametoindex("v0"));
	flows_close(s);

	/* detaching a sampler whose device is gone removes the pins */
	sh("ip link del v0");
	ck_assert_int_eq(flows_detach("v0", pin_root, &e), 0);
	ck_assert(!exists("%s/v0", pin_root));
}
END_TEST

START_TEST(test_list)
{
	struct flows_attach_opts o = opts_with(NULL, 0);
	char (*names)[IFNAMSIZ];
	struct flows_error e;
	size_t n;

	ck_assert_int_eq(flows_list(pin_root, &names, &n, &e), 0);
	ck_assert_uint_eq(n, 0);
	free(names);
	veth_pair();
	attach_ok("v1", &o);
	attach_ok("v0", &o);
	ck_assert_int_eq(flows_list(pin_root, &names, &n, &e), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(names[0], "v0");
	ck_assert_str_eq(names[1], "v1");
	free(names);
	ck_assert_int_eq(flows_detach("v0", pin_root, &e), 0);
	ck_assert_int_eq(flows_detach("v1", pin_root, &e), 0);
}
END_TEST

/* ---- peers ----------------------------------------------------------------------------- */

START_TEST(test_peers_come_and_go)
{
	struct flows_addr first[] = { addr("198.18.5.2"), addr("198.18.5.4") };
	struct flows_addr second[] = { addr("198.18.5.4"), addr("198.18.5.5") };
	struct flows_addr bad[] = { addr("198.18.5.6"), addr("198.18.5.6") };
	struct flows_attach_opts o = opts_with(first, 2);
	const struct flows_peer *p, *all;
	struct flows_tracker t;
	struct flows_row row;
	struct flows_sampler *s;
	struct flows_error e;
	uint64_t now;
	size_t n;

	veth_pair();
	o.peer_slots = 3;
	attach_ok("v0", &o);
	s = open_ok("v0");
	flows_tracker_init(&t);
	flows_row_init(&row);
	send_udp("198.18.5.2", 1, 100, 3);
	send_udp("198.18.5.4", 1, 100, 1);
	ck_assert_int_eq(flows_read_peers(s, &all, &n, &now), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(flows_row_update(&row, &t, flows_epoch(s), now, all, n), 0);
	ck_assert_uint_eq(find_peer(all, n, "198.18.5.2")->slot, 1);
	ck_assert_uint_eq(find_peer(all, n, "198.18.5.4")->slot, 2);

	/* .2 leaves, .5 arrives and takes the freed slot from zero */
	ck_assert_int_eq(flows_set_peers(s, second, 2, &e), 0);
	send_udp("198.18.5.5", 1, 100, 2);
	send_udp("198.18.5.2", 1, 100, 1);	/* now unknown */
	send_udp("198.18.5.4", 1, 100, 4);
	ck_assert_int_eq(flows_read_peers(s, &all, &n, &now), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_ptr_null(find_peer(all, n, "198.18.5.2"));
	p = find_peer(all, n, "198.18.5.5");
	ck_assert_uint_eq(p->slot, 1);
	ck_assert_uint_eq(p->bytes, 2 * 128);
	p = find_peer(all, n, "198.18.5.4");
	ck_assert_uint_eq(p->slot, 2);
	ck_assert_uint_eq(p->bytes, 5 * 128);	/* kept its counters */
	ck_assert_uint_eq(find_peer(all, n, NULL)->bytes, 128);

	/* the demand row: what happened since the previous reading */
	ck_assert_int_eq(flows_row_update(&row, &t, flows_epoch(s), now, all, n), 0);
	ck_assert_uint_eq(row.n, 2);
	ck_assert_uint_eq(row.peers[0].addr[15], 4);
	ck_assert_uint_eq(row.peers[0].d.bytes, 4 * 128);
	ck_assert_uint_eq(row.peers[1].addr[15], 5);
	ck_assert_uint_eq(row.peers[1].d.bytes, 2 * 128);
	ck_assert(row.peers[1].d.restarted);
	ck_assert_uint_eq(row.unknown.d.bytes, 128);

	/* bad sets change nothing */
	ck_assert_int_eq(flows_set_peers(s, bad, 2, &e), -EINVAL);
	ck_assert_int_eq(flows_set_peers(s, first, 2, &e), 0);
	ck_assert_int_eq(flows_set_peers(s, second, 2, &e), 0);
	{
		struct flows_addr three[] = { addr("198.18.5.7"), addr("198.18.5.8"),
					      addr("198.18.5.9") };

		ck_assert_int_eq(flows_set_peers(s, three, 3, &e), -E2BIG);
	}
	ck_assert_int_eq(flows_read_peers(s, &all, &n, NULL), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_ptr_nonnull(find_peer(all, n, "198.18.5.4"));
	ck_assert_ptr_nonnull(find_peer(all, n, "198.18.5.5"));
	/* and no peers at all */
	ck_assert_int_eq(flows_set_peers(s, NULL, 0, &e), 0);
	ck_assert_int_eq(flows_read_peers(s, &all, &n, NULL), 0);
	ck_assert_uint_eq(n, 1);
	flows_row_free(&row);
	flows_tracker_free(&t);
	flows_close(s);
	ck_assert_int_eq(flows_detach("v0", pin_root, &e), 0);
}
END_TEST

/* ---- reading ---------------------------------------------------------------------------- */

static int flow_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct flows_flow));
}

START_TEST(test_batch_and_single_reads_agree)
{
	struct flows_addr peers[] = { addr("198.18.5.2"), addr("198.18.5.3"), addr("198.18.5.4") };
	struct flows_attach_opts o = opts_with(peers, 3);
	const struct flows_peer *p;
	const struct flows_flow *f;
	struct flows_peer *p1;
	struct flows_flow *f1;
	struct flows_sampler *s;
	struct flows_error e;
	size_t np, np1, nf, nf1;
	int port;

	veth_pair();
	attach_ok("v0", &o);
	for (port = 1; port <= 300; port++)	/* more flows than one batch */
		send_udp(port % 2 ? "198.18.5.2" : "198.18.5.4", (uint16_t)port, port, 1);
	send_udp("198.18.5.8", 5, 10, 1);
	s = open_ok("v0");

	ck_assert_int_eq(flows_read_peers(s, &p, &np1, NULL), 0);
	p1 = malloc(np1 * sizeof(*p1));
	memcpy(p1, p, np1 * sizeof(*p1));
	ck_assert_int_eq(flows_read_flows(s, &f, &nf1, NULL), 0);
	ck_assert_uint_eq(nf1, 301);
	f1 = malloc(nf1 * sizeof(*f1));
	memcpy(f1, f, nf1 * sizeof(*f1));

	flows_use_batch(s, false);
	ck_assert_int_eq(flows_read_peers(s, &p, &np, NULL), 0);
	ck_assert_uint_eq(np, np1);
	ck_assert_mem_eq(p, p1, np * sizeof(*p));
	ck_assert_int_eq(flows_read_flows(s, &f, &nf, NULL), 0);
	ck_assert_uint_eq(nf, nf1);
	qsort(f1, nf1, sizeof(*f1), flow_cmp);
	qsort((void *)f, nf, sizeof(*f), flow_cmp);
	ck_assert_mem_eq(f, f1, nf * sizeof(*f));
	ck_assert_uint_eq(find_peer(p, np, "198.18.5.3")->bytes, 0);
	free(p1);
	free(f1);
	flows_close(s);
	ck_assert_int_eq(flows_detach("v0", pin_root, &e), 0);
}
END_TEST

START_TEST(test_expire)
{
	struct flows_addr peers[] = { addr("198.18.5.2") };
	struct flows_attach_opts o = opts_with(peers, 1);
	const struct flows_flow *f;
	struct flows_sampler *s;
	struct flows_error e;
	size_t n, removed = 99;

	veth_pair();
	attach_ok("v0", &o);
	s = open_ok("v0");
	send_udp("198.18.5.2", 1, 10, 1);
	send_udp("198.18.5.2", 2, 10, 1);
	send_udp("198.18.5.3", 3, 10, 1);
	ck_assert_int_eq(flows_expire(s, 3600ull * 1000000000, &removed), 0);
	ck_assert_uint_eq(removed, 0);
	ck_assert_int_eq(flows_read_flows(s, &f, &n, NULL), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(flows_expire(s, 0, &removed), 0);
	ck_assert_uint_eq(removed, 3);
	ck_assert_int_eq(flows_read_flows(s, &f, &n, NULL), 0);
	ck_assert_uint_eq(n, 0);
	assert_peer(s, "198.18.5.2", 2 * 38, 2);	/* per-peer untouched */
	send_udp("198.18.5.2", 1, 10, 1);
	assert_udp_flow(s, "198.18.5.2", 1, 38, 1);	/* starts again */
	flows_close(s);
	ck_assert_int_eq(flows_detach("v0", pin_root, &e), 0);
}
END_TEST

START_TEST(test_per_peer_only)
{
	struct flows_addr peers[] = { addr("198.18.5.2") };
	struct flows_attach_opts o = opts_with(peers, 1);
	const struct flows_flow *f;
	struct flows_sampler *s;
	struct flows_error e;
	size_t n;

	veth_pair();
	o.sample_every = 0;
	attach_ok("v0", &o);
	s = open_ok("v0");
	ck_assert_uint_eq(flows_info(s)->max_flows, 0);
	send_udp("198.18.5.2", 1, 500, 7);
	assert_peer(s, "198.18.5.2", 7 * 528, 7);
	ck_assert_int_eq(flows_read_flows(s, &f, &n, NULL), 0);
	ck_assert_uint_eq(n, 0);
	flows_close(s);
	ck_assert_int_eq(flows_detach("v0", pin_root, &e), 0);
}
END_TEST

/* ---- an L3 device: no link-layer header (like mixnet0) -------------------------------------- */

static int tun_open(const char *name)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK);

	ck_assert_int_ge(fd, 0);
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ck_assert_int_eq(ioctl(fd, TUNSETIFF, &ifr), 0);
	return fd;
}

START_TEST(test_l3_device)
{
	struct flows_addr peers[] = { addr("198.18.6.2"), addr("2001:db8:6::2") };
	struct flows_attach_opts o = opts_with(peers, 2);
	struct flows_sampler *s;
	struct flows_error e;
	char buf[2048];
	uint64_t read_bytes = 0;
	ssize_t r;
	int fd;

	fd = tun_open("mxtun0");
	write_file("/proc/sys/net/ipv6/conf/mxtun0/disable_ipv6", "0");
	sh("ip link set mxtun0 up && ip addr add 198.18.6.1/24 dev mxtun0");
	sh("ip addr add 2001:db8:6::1/64 dev mxtun0 nodad");
	attach_ok("mxtun0", &o);
	s = open_ok("mxtun0");
	ck_assert_uint_eq(flows_info(s)->link_mode, MIXNET_LINK_L3);
	while (read(fd, buf, sizeof(buf)) > 0)
		;	/* whatever the kernel sent before */

	send_udp("198.18.6.2", 7000, 500, 4);
	send_udp("2001:db8:6::2", 7001, 300, 3);
	/* IP bytes, no link header: what the tun reader receives */
	assert_peer(s, "198.18.6.2", 4 * 528, 4);
	assert_peer(s, "2001:db8:6::2", 3 * 348, 3);
	assert_udp_flow(s, "198.18.6.2", 7000, 4 * 528, 4);
	assert_udp_flow(s, "2001:db8:6::2", 7001, 3 * 348, 3);
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		if ((buf[0] >> 4 == 4 && buf[9] == IPPROTO_UDP) ||
		    (buf[0] >> 4 == 6 && buf[6] == IPPROTO_UDP))
			read_bytes += (uint64_t)r;
	ck_assert_uint_eq(read_bytes, 4 * 528 + 3 * 348);
	flows_close(s);
	ck_assert_int_eq(flows_detach("mxtun0", pin_root, &e), 0);
	assert_nothing_left("mxtun0", false);
	close(fd);
}
END_TEST

/* ---- environment errors ------------------------------------------------------------------------ */

START_TEST(test_no_bpffs)
{
	struct flows_attach_opts o = opts_with(NULL, 0);
	struct flows_sampler *s;
	struct flows_error e;
	char root[64];

	veth_pair();
	snprintf(root, sizeof(root), "/tmp/mixnet-nobpffs-%d/mixnet", getpid());
	o.pin_root = root;
	ck_assert_int_eq(flows_attach("v0", &o, &e), -ENOTSUP);
	ck_assert_ptr_nonnull(strstr(e.msg, "BPF file system"));
	ck_assert_int_eq(flows_detach("v0", root, &e), -ENOTSUP);
	ck_assert_int_eq(flows_open("v0", root, &s, &e), -ENOTSUP);
	root[strlen(root) - strlen("/mixnet")] = '\0';
	ck_assert(!exists("%s", root));
	ck_assert_int_eq(mkdir(root, 0700), 0);	/* exists, but is not a bpffs */
	o.pin_root = root;
	ck_assert_int_eq(flows_attach("v0", &o, &e), -ENOTSUP);
	ck_assert_str_eq(e.obj, root);
	rmdir(root);
	assert_nothing_left("v0", false);
}
END_TEST

START_TEST(test_no_permission)
{
	struct flows_attach_opts o = opts_with(NULL, 0);
	struct flows_error e;
	int err;

	veth_pair();
	ck_assert_int_eq(setresgid(65534, 65534, 65534), 0);
	ck_assert_int_eq(setresuid(65534, 65534, 65534), 0);	/* drops every capability */
	err = flows_attach("v0", &o, &e);
	ck_assert_msg(err == -EPERM || err == -EACCES, "attach as nobody: %d", err);
	ck_assert_ptr_nonnull(strstr(e.msg, "CAP_BPF"));
	ck_assert(!exists("%s", pin_root));	/* nothing created, not even the root */
}
END_TEST

static Suite *attach_suite(void)
{
	Suite *s = suite_create("flows_attach");
	TCase *life = tcase_create("lifecycle");
	TCase *qdisc = tcase_create("qdisc");
	TCase *read = tcase_create("reading");
	TCase *env = tcase_create("environment");
	TCase *all[] = { life, qdisc, read, env };
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		tcase_add_checked_fixture(all[i], setup, teardown);
		tcase_set_timeout(all[i], 60);
		suite_add_tcase(s, all[i]);
	}
	tcase_add_test(life, test_attach_count_detach);
	tcase_add_test(life, test_attach_errors);
	tcase_add_test(life, test_bad_options_change_nothing);
	tcase_add_test(life, test_device_gone);
	tcase_add_test(life, test_list);
	tcase_add_test(qdisc, test_existing_clsact_is_kept);
	tcase_add_test(qdisc, test_clsact_with_foreign_filter_is_kept);
	tcase_add_test(qdisc, test_failed_attach_leaves_nothing);
	tcase_add_test(read, test_peers_come_and_go);
	tcase_add_test(read, test_batch_and_single_reads_agree);
	tcase_add_test(read, test_expire);
	tcase_add_test(read, test_per_peer_only);
	tcase_add_test(read, test_l3_device);
	tcase_add_test(env, test_no_bpffs);
	tcase_add_test(env, test_no_permission);
	return s;
}

int main(void)
{
	int rc;

	snprintf(run_root, sizeof(run_root), "/sys/fs/bpf/mixnet-test-%d", getpid());
	if (mkdir(run_root, 0755)) {
		perror(run_root);
		return EXIT_FAILURE;
	}
	rc = check_run(attach_suite());
	shell("rm -rf %s", run_root);
	return rc;
}
