// SPDX-License-Identifier: GPL-2.0
/*
 * vm tier: the host agent's fabric backend (agent/fabric_nl.c) on a real
 * mixnet0.  Run by t-agent-fabric.sh inside network namespace "fa" (host
 * h0) with argv[1] = the region configuration: h0 and h1 (namespace
 * "fb") each have mixnet0, an electrical lower e0 (a veth pair between
 * them) and optical lowers on the simulated ocs0 (h0: ports 0, 1; h1:
 * ports 2, 3) with circuits 0<->2 and 1<->3 established.
 *
 * Checked against the kernel (generic netlink, read with a second
 * handle): opening refuses a missing device or lower and a lower in the
 * wrong role; read_lowers reports the peer discovery sees; set_route puts
 * static paths with discovery's MACs in place, a repeated call changes
 * nothing (not even the generation), removing a circuit from the route
 * keeps the other's confirmation (it stays live); read_paths reads the
 * kernel back as a restarted agent would; the event descriptor becomes
 * readable on a circuit change and drain_events empties it.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../lib/check_run.h"
#include "backends.h"
#include "config.h"
#include "fabric_nl.h"
#include "log.h"
#include "mixnet_nl.h"
#include "ocs_client.h"

static const char *cfg_path;
static struct config *cfg;
static struct fabric_backend *fab;
static struct mixnet_nl *nl;
static uint32_t dev_ifindex;

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static void setup(void)
{
	struct cfg_errors errs;
	char why[256] = "";

	ck_assert_int_eq(config_load(cfg_path, CFG_LOAD_NO_SECRET, &cfg, &errs), 0);
	ck_assert_int_eq(fabric_backend_open(cfg, &fab, why, sizeof(why)), 0);
	ck_assert_int_eq(mixnet_nl_open(&nl), 0);
	dev_ifindex = if_nametoindex("mixnet0");
	ck_assert_uint_ne(dev_ifindex, 0);
}

static void teardown(void)
{
	if (fab) {
		fab->close(fab->priv);
		free(fab);
		fab = NULL;
	}
	mixnet_nl_close(nl);
	config_free(cfg);
}

static const struct cfg_addr *h1(void)
{
	return &cfg->hosts[1].fabric;
}

/* The kernel's entry for h1. */
static int get_h1(struct mixnet_nl_route *out)
{
	struct mixnet_nl_route key = { .ifindex = dev_ifindex };

	fabric_peer_to_route(h1(), &key);
	return mixnet_nl_route_get(nl, &key, out);
}

static uint32_t generation(void)
{
	struct mixnet_nl_dev d;

	ck_assert_int_eq(mixnet_nl_dev_get(nl, dev_ifindex, &d), 0);
	return d.generation;
}

static const struct mixnet_nl_path *path_on(const struct mixnet_nl_route *r, const char *lower)
{
	uint32_t ifindex = if_nametoindex(lower);
	unsigned int i;

	for (i = 0; i < r->npaths; i++)
		if (r->paths[i].ifindex == ifindex)
			return &r->paths[i];
	return NULL;
}

/* Wait until discovery sees h1 behind both optical lowers. */
static void wait_discovered(void)
{
	struct fabric_lower l[8];
	int i, n = 0, k, seen = 0;

	for (i = 0; i < 400 && seen < 2; i++) {
		n = fab->read_lowers(fab->priv, l, 8);
		ck_assert_int_ge(n, 0);
		for (seen = 0, k = 0; k < n; k++)
			seen += l[k].optical && l[k].carrier && cfg_addr_eq(&l[k].peer, h1());
		if (seen < 2)
			sleep_ms(10);
	}
	ck_assert_msg(seen == 2, "discovery did not see h1 behind both circuits");
}

static int set_h1(const char *const *optical, uint32_t n)
{
	struct fabric_route r = {
		.peer = *h1(), .electrical = cfg->hosts[0].electrical,
		.nexthop = cfg->hosts[1].electrical_nexthop,
		.noptical = n, .optical = optical,
	};

	return fab->set_route(fab->priv, &r);
}

START_TEST(test_open_refuses)
{
	char why[256] = "", saved[IF_NAMESIZE];
	struct fabric_backend *b = NULL;
	struct cfg_nic *nic = &cfg->hosts[0].optical[0];

	snprintf(saved, sizeof(saved), "%s", cfg->device);
	snprintf(cfg->device, sizeof(cfg->device), "nodev0");
	ck_assert_int_eq(fabric_backend_open(cfg, &b, why, sizeof(why)), -ENODEV);
	ck_assert_ptr_null(b);
	ck_assert_msg(strstr(why, "nodev0: no such device"), "%s", why);
	/* A device that is not a mixnet device. */
	snprintf(cfg->device, sizeof(cfg->device), "lo");
	ck_assert_int_eq(fabric_backend_open(cfg, &b, why, sizeof(why)), -EINVAL);
	ck_assert_msg(strstr(why, "lo: not a mixnet device"), "%s", why);
	snprintf(cfg->device, sizeof(cfg->device), "%s", saved);

	snprintf(saved, sizeof(saved), "%s", nic->ifname);
	snprintf(nic->ifname, sizeof(nic->ifname), "nolower0");
	ck_assert_int_eq(fabric_backend_open(cfg, &b, why, sizeof(why)), -ENODEV);
	ck_assert_msg(strstr(why, "nolower0 is not a lower of mixnet0"), "%s", why);
	/* The electrical lower named as an optical NIC: wrong role. */
	snprintf(nic->ifname, sizeof(nic->ifname), "%s", cfg->hosts[0].electrical);
	ck_assert_int_eq(fabric_backend_open(cfg, &b, why, sizeof(why)), -EINVAL);
	ck_assert_msg(strstr(why, "is electrical on mixnet0, the configuration says optical"), "%s",
		      why);
	snprintf(nic->ifname, sizeof(nic->ifname), "%s", saved);
}
END_TEST

START_TEST(test_lowers_see_peer)
{
	struct mixnet_nl_port port;
	struct fabric_lower l[8];
	int n, k, found = 0;

	wait_discovered();
	n = fab->read_lowers(fab->priv, l, 8);
	ck_assert_int_eq(n, 3);
	for (k = 0; k < n; k++) {
		if (!strcmp(l[k].ifname, "e0")) {
			ck_assert(!l[k].optical);
			ck_assert(l[k].carrier);
			found++;
			continue;
		}
		ck_assert(l[k].optical);
		ck_assert(l[k].has_peer_lladdr);
		ck_assert_int_eq(mixnet_nl_port_get(nl, if_nametoindex(l[k].ifname), &port), 0);
		ck_assert_mem_eq(l[k].peer_lladdr, port.peer_lladdr, 6);
		found++;
	}
	ck_assert_int_eq(found, 3);
}
END_TEST

START_TEST(test_set_route_idempotent_and_drain)
{
	const char *both[2] = { "ocs0p0", "ocs0p1" };
	struct mixnet_nl_route r;
	const struct mixnet_nl_path *p0, *p1, *el;
	struct mixnet_nl_port port;
	uint32_t gen;

	wait_discovered();
	ck_assert_int_eq(set_h1(both, 2), 0);
	ck_assert_int_eq(get_h1(&r), 0);
	ck_assert(r.is_static);
	ck_assert_uint_eq(r.via, MIXNET_VIA_OPTICAL);
	p0 = path_on(&r, "ocs0p0");
	p1 = path_on(&r, "ocs0p1");
	el = path_on(&r, "e0");
	ck_assert_ptr_nonnull(p0);
	ck_assert_ptr_nonnull(p1);
	ck_assert_ptr_nonnull(el);
	/* Static, with the MAC discovery saw, and still confirmed (live). */
	ck_assert_uint_eq(p0->origin, MIXNET_PATH_STATIC);
	ck_assert_uint_eq(p1->origin, MIXNET_PATH_STATIC);
	ck_assert(p0->live && p1->live);
	ck_assert_int_eq(mixnet_nl_port_get(nl, if_nametoindex("ocs0p0"), &port), 0);
	ck_assert_mem_eq(p0->lladdr, port.peer_lladdr, 6);
	ck_assert_uint_eq(el->kind, MIXNET_PATH_ELECTRICAL);
	ck_assert_mem_eq(el->lladdr, cfg->hosts[1].electrical_nexthop, 6);

	/* The same route again: no request reaches the table. */
	gen = generation();
	ck_assert_int_eq(set_h1(both, 2), 0);
	ck_assert_int_eq(set_h1(both, 2), 0);
	ck_assert_uint_eq(generation(), gen);

	/* Drain ocs0p1: its static path goes, ocs0p0's stays live throughout. */
	ck_assert_int_eq(set_h1(both, 1), 0);
	ck_assert_int_eq(get_h1(&r), 0);
	p0 = path_on(&r, "ocs0p0");
	ck_assert_ptr_nonnull(p0);
	ck_assert(p0->live);
	ck_assert_uint_eq(p0->origin, MIXNET_PATH_STATIC);
	p1 = path_on(&r, "ocs0p1");
	/* Discovery may have re-learned it already (a hello every second). */
	ck_assert(!p1 || p1->origin == MIXNET_PATH_LEARNED);
	ck_assert_uint_ne(generation(), gen);

	/* Electrical only: the route keeps the electrical path. */
	ck_assert_int_eq(set_h1(NULL, 0), 0);
	ck_assert_int_eq(get_h1(&r), 0);
	ck_assert_ptr_nonnull(path_on(&r, "e0"));
	p0 = path_on(&r, "ocs0p0");
	ck_assert(!p0 || p0->origin == MIXNET_PATH_LEARNED);

	/* A lower that does not exist. */
	both[1] = "nolower0";
	ck_assert_int_eq(set_h1(both, 2), -ENODEV);
}
END_TEST

START_TEST(test_read_paths_after_restart)
{
	const char *both[2] = { "ocs0p0", "ocs0p1" };
	struct fabric_path paths[8];
	char why[256];
	int n, i, seen = 0;

	wait_discovered();
	ck_assert_int_eq(set_h1(both, 2), 0);
	/* A restarted agent: a new backend reads what the kernel routes over. */
	fab->close(fab->priv);
	free(fab);
	fab = NULL;
	ck_assert_int_eq(fabric_backend_open(cfg, &fab, why, sizeof(why)), 0);
	n = fab->read_paths(fab->priv, paths, 8);
	ck_assert_int_ge(n, 2);
	for (i = 0; i < n; i++) {
		if (!cfg_addr_eq(&paths[i].peer, h1()))
			continue;
		seen |= !strcmp(paths[i].ifname, "ocs0p0") ? 1 : !strcmp(paths[i].ifname, "ocs0p1") ? 2 : 0;
	}
	ck_assert_int_eq(seen, 3);
}
END_TEST

START_TEST(test_events_wake_and_drain)
{
	struct mixnet_xconnect xc[2] = { { 0, 2 }, { 2, 0 } }, back[4] = {
		{ 0, 2 }, { 1, 3 }, { 2, 0 }, { 3, 1 } };
	struct mixnet_ocs_apply req = { .mode = MIXNET_OCS_APPLY_REPLACE,
					.flags = MIXNET_OCS_APPLY_F_WAIT_DONE,
					.count = 2, .xconnects = (uintptr_t)xc };
	struct pollfd pfd;
	int fd = fab->event_fd(fab->priv), ocs;

	ck_assert_int_ge(fd, 0);
	wait_discovered();
	fab->drain_events(fab->priv);
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	ck_assert_int_eq(poll(&pfd, 1, 0), 0);

	/* Circuit 1<->3 goes: ocs0p1 falls back, the fabric reports it. */
	ocs = ocs_open(0, O_RDWR);
	ck_assert_int_ge(ocs, 0);
	ck_assert_int_eq(ocs_apply(ocs, &req), 0);
	ck_assert_int_eq(poll(&pfd, 1, 2000), 1);
	fab->drain_events(fab->priv);
	pfd.revents = 0;
	ck_assert_int_eq(poll(&pfd, 1, 0), 0);

	req.count = 4;
	req.xconnects = (uintptr_t)back;
	ck_assert_int_eq(ocs_apply(ocs, &req), 0);
	close(ocs);
	wait_discovered();
}
END_TEST

static Suite *fabric_suite(void)
{
	Suite *s = suite_create("agent_fabric");
	TCase *tc = tcase_create("fabric");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_open_refuses);
	tcase_add_test(tc, test_lowers_see_peer);
	tcase_add_test(tc, test_set_route_idempotent_and_drain);
	tcase_add_test(tc, test_read_paths_after_restart);
	tcase_add_test(tc, test_events_wake_and_drain);
	suite_add_tcase(s, tc);
	return s;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: agent_fabric REGION.ini (inside the h0 namespace)\n");
		return 2;
	}
	cfg_path = argv[1];
	log_set_level(LOG_WARNING);
	return check_run(fabric_suite());
}
