// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: the pure parts of the host agent's fabric backend
 * (agent/fabric_nl.c): which static paths set_route asks for given what
 * the kernel holds (peer MACs from discovery's paths), when a route is
 * already what is wanted (no request at all), the lowers as the agent
 * reports them (peer address from live optical paths, MAC only in the
 * current carrier period), and the paths read back after a restart.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/check_run.h"
#include "agent_fixture.h"
#include "config.h"
#include "fabric_nl.h"

static const uint8_t MAC_A[6] = { 0x02, 0, 0, 0, 0, 0xa1 };
static const uint8_t MAC_B[6] = { 0x02, 0, 0, 0, 0, 0xb2 };
static const uint8_t MAC_C[6] = { 0x02, 0, 0, 0, 0, 0xc3 };
static const uint8_t NEXTHOP[6] = { 0x0a, 0, 0, 0, 0, 0x01 };

static struct mixnet_nl_path path(uint8_t kind, uint32_t ifindex, const uint8_t *mac,
				  uint8_t origin, bool live)
{
	struct mixnet_nl_path p = { .kind = kind, .ifindex = ifindex, .origin = origin,
				    .live = live };

	memcpy(p.lladdr, mac, 6);
	return p;
}

static struct mixnet_nl_route route4(const char *peer)
{
	struct mixnet_nl_route r = { .ifindex = 5, .family = AF_INET };

	ck_assert_int_eq(inet_pton(AF_INET, peer, &r.peer.v4), 1);
	return r;
}

START_TEST(test_peer_conversion)
{
	struct cfg_addr a, b;
	struct mixnet_nl_route r = { 0 };

	ck_assert_int_eq(cfg_addr_parse("198.18.0.7", &a), 0);
	fabric_peer_to_route(&a, &r);
	ck_assert_int_eq(r.family, AF_INET);
	fabric_peer_from_route(&r, &b);
	ck_assert(cfg_addr_eq(&a, &b));
	ck_assert_int_eq(cfg_addr_parse("2001:2::7", &a), 0);
	fabric_peer_to_route(&a, &r);
	ck_assert_int_eq(r.family, AF_INET6);
	fabric_peer_from_route(&r, &b);
	ck_assert(cfg_addr_eq(&a, &b));
	memset(&a, 0, sizeof(a));
	fabric_peer_to_route(&a, &r);
	ck_assert_int_eq(r.family, AF_UNSPEC);
}
END_TEST

/* MACs come from discovery's paths to that peer on each lower; live ones win. */
START_TEST(test_want_takes_macs_from_discovery)
{
	struct mixnet_nl_route cur = route4("198.18.0.2"), want = route4("198.18.0.2");
	uint32_t opt[3] = { 11, 12, 13 };
	uint64_t unknown;

	cur.npaths = 4;
	cur.paths[0] = path(MIXNET_PATH_OPTICAL, 11, MAC_A, MIXNET_PATH_LEARNED, true);
	cur.paths[1] = path(MIXNET_PATH_OPTICAL, 12, MAC_C, MIXNET_PATH_STATIC, false);
	cur.paths[2] = path(MIXNET_PATH_OPTICAL, 12, MAC_B, MIXNET_PATH_LEARNED, true);
	cur.paths[3] = path(MIXNET_PATH_ELECTRICAL, 20, NEXTHOP, MIXNET_PATH_STATIC, true);
	fabric_route_want(&cur, opt, 3, 20, NEXTHOP, &want, &unknown);
	/* Lower 13 has no path to the peer: left out and flagged. */
	ck_assert_uint_eq(unknown, 1u << 2);
	ck_assert_uint_eq(want.npaths, 3);
	ck_assert_uint_eq(want.paths[0].kind, MIXNET_PATH_OPTICAL);
	ck_assert_uint_eq(want.paths[0].ifindex, 11);
	ck_assert_mem_eq(want.paths[0].lladdr, MAC_A, 6);
	ck_assert_uint_eq(want.paths[1].ifindex, 12);
	ck_assert_mem_eq(want.paths[1].lladdr, MAC_B, 6);
	ck_assert_uint_eq(want.paths[2].kind, MIXNET_PATH_ELECTRICAL);
	ck_assert_uint_eq(want.paths[2].ifindex, 20);
	ck_assert_mem_eq(want.paths[2].lladdr, NEXTHOP, 6);

	/* No entry yet: only the electrical path; no electrical lower: nothing. */
	fabric_route_want(NULL, opt, 2, 20, NEXTHOP, &want, &unknown);
	ck_assert_uint_eq(unknown, 3);
	ck_assert_uint_eq(want.npaths, 1);
	ck_assert_uint_eq(want.paths[0].kind, MIXNET_PATH_ELECTRICAL);
	fabric_route_want(NULL, opt, 0, 0, NEXTHOP, &want, &unknown);
	ck_assert_uint_eq(want.npaths, 0);
	ck_assert_uint_eq(unknown, 0);
	/* A stale (not live) path still names the MAC to use. */
	cur.npaths = 1;
	cur.paths[0] = path(MIXNET_PATH_OPTICAL, 11, MAC_C, MIXNET_PATH_STATIC, false);
	fabric_route_want(&cur, opt, 1, 20, NEXTHOP, &want, &unknown);
	ck_assert_uint_eq(unknown, 0);
	ck_assert_mem_eq(want.paths[0].lladdr, MAC_C, 6);
}
END_TEST

START_TEST(test_same_compares_static_paths_only)
{
	struct mixnet_nl_route cur = route4("198.18.0.2"), want = route4("198.18.0.2");

	want.npaths = 2;
	want.paths[0] = path(MIXNET_PATH_OPTICAL, 11, MAC_A, 0, false);
	want.paths[1] = path(MIXNET_PATH_ELECTRICAL, 20, NEXTHOP, 0, false);

	ck_assert(!fabric_route_same(NULL, &want));
	/* The same static paths in another order, plus a learned one: the same. */
	cur.is_static = true;
	cur.npaths = 3;
	cur.paths[0] = path(MIXNET_PATH_OPTICAL, 12, MAC_B, MIXNET_PATH_LEARNED, true);
	cur.paths[1] = path(MIXNET_PATH_ELECTRICAL, 20, NEXTHOP, MIXNET_PATH_STATIC, true);
	cur.paths[2] = path(MIXNET_PATH_OPTICAL, 11, MAC_A, MIXNET_PATH_STATIC, true);
	ck_assert(fabric_route_same(&cur, &want));
	/* A learned-only entry is not what the agent set. */
	cur.is_static = false;
	ck_assert(!fabric_route_same(&cur, &want));
	cur.is_static = true;
	/* Another MAC, another next hop, a missing or an extra static path: different. */
	cur.paths[2].lladdr[5] ^= 1;
	ck_assert(!fabric_route_same(&cur, &want));
	cur.paths[2].lladdr[5] ^= 1;
	cur.paths[1].lladdr[0] ^= 2;
	ck_assert(!fabric_route_same(&cur, &want));
	cur.paths[1].lladdr[0] ^= 2;
	cur.npaths = 2;
	ck_assert(!fabric_route_same(&cur, &want));
	cur.npaths = 3;
	cur.paths[0].origin = MIXNET_PATH_STATIC;
	ck_assert(!fabric_route_same(&cur, &want));
	/* Drained: the wanted route has no optical path, the entry still one. */
	cur.paths[0].origin = MIXNET_PATH_LEARNED;
	want.npaths = 1;
	want.paths[0] = want.paths[1];
	ck_assert(!fabric_route_same(&cur, &want));
	cur.paths[2].origin = MIXNET_PATH_LEARNED;
	ck_assert(fabric_route_same(&cur, &want));
}
END_TEST

static struct config *cfg;
static char dir[64];

static void setup(void)
{
	fx_mkdtemp(dir);
	fx_region(dir, 3, 2, "tcp://127.0.0.1:7400", 0, "host", 0, NULL);
	cfg = fx_load(dir, "region.ini", CFG_LOAD_NO_SECRET);
}

static void teardown(void)
{
	config_free(cfg);
	fx_rmtree(dir);
}

static struct mixnet_nl_port port(uint32_t ifindex, const char *name, uint8_t role, bool carrier,
				  bool confirmed, const uint8_t *peer_mac)
{
	struct mixnet_nl_port p = { .dev_ifindex = 5, .ifindex = ifindex, .role = role,
				    .carrier = carrier, .confirmed = confirmed };

	snprintf(p.name, sizeof(p.name), "%s", name);
	if (peer_mac) {
		p.peer_known = true;
		p.peer_dev_id = 77;
		memcpy(p.peer_lladdr, peer_mac, 6);
	}
	return p;
}

START_TEST(test_lowers_from_ports_and_routes)
{
	struct mixnet_nl_port ports[4] = {
		port(20, "e0", MIXNET_ROLE_ELECTRICAL, true, false, NULL),
		port(11, "o0", MIXNET_ROLE_OPTICAL, true, true, MAC_A),
		/* Carrier, but its last hello was in an earlier period. */
		port(12, "o1", MIXNET_ROLE_OPTICAL, true, false, MAC_B),
		port(13, "o2", MIXNET_ROLE_OPTICAL, false, false, MAC_C),
	};
	struct mixnet_nl_route routes[4];
	struct fabric_lower out[8];
	char buf[64];
	int n;

	/* A stranger (not a region host) and h1 both live behind o0, v6 and v4. */
	routes[0] = route4("198.18.0.1");	/* the default entry is skipped */
	routes[0].family = AF_UNSPEC;
	routes[1] = route4("198.18.9.9");
	routes[1].npaths = 1;
	routes[1].paths[0] = path(MIXNET_PATH_OPTICAL, 11, MAC_A, MIXNET_PATH_LEARNED, true);
	routes[2] = route4("198.18.0.2");
	routes[2].npaths = 2;
	routes[2].paths[0] = path(MIXNET_PATH_OPTICAL, 11, MAC_A, MIXNET_PATH_STATIC, true);
	/* o1's path to h2 is not live (not confirmed in this carrier period). */
	routes[2].paths[1] = path(MIXNET_PATH_OPTICAL, 12, MAC_B, MIXNET_PATH_LEARNED, false);
	routes[3] = route4("198.18.0.3");
	routes[3].npaths = 1;
	routes[3].paths[0] = path(MIXNET_PATH_OPTICAL, 13, MAC_C, MIXNET_PATH_STATIC, false);

	n = fabric_lowers_fill(cfg, ports, 4, routes, 4, out, 8);
	ck_assert_int_eq(n, 4);
	ck_assert_str_eq(out[0].ifname, "e0");
	ck_assert(!out[0].optical);
	ck_assert(out[0].carrier);
	ck_assert_int_eq(out[0].peer.family, 0);

	ck_assert_str_eq(out[1].ifname, "o0");
	ck_assert(out[1].optical && out[1].carrier);
	ck_assert_str_eq(cfg_addr_str(&out[1].peer, buf, sizeof(buf)), "198.18.0.2");
	ck_assert(out[1].has_peer_lladdr);
	ck_assert_mem_eq(out[1].peer_lladdr, MAC_A, 6);

	ck_assert_str_eq(out[2].ifname, "o1");
	ck_assert(out[2].carrier);
	ck_assert_int_eq(out[2].peer.family, 0);
	ck_assert(!out[2].has_peer_lladdr);

	ck_assert_str_eq(out[3].ifname, "o2");
	ck_assert(!out[3].carrier);
	ck_assert_int_eq(out[3].peer.family, 0);

	/* Only a stranger behind o0: reported as such. */
	n = fabric_lowers_fill(cfg, ports, 2, routes, 2, out, 8);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(cfg_addr_str(&out[1].peer, buf, sizeof(buf)), "198.18.9.9");
	/* Bounded by @max. */
	ck_assert_int_eq(fabric_lowers_fill(cfg, ports, 4, routes, 4, out, 2), 2);
}
END_TEST

START_TEST(test_paths_read_back)
{
	struct mixnet_nl_port ports[3] = {
		port(11, "o0", MIXNET_ROLE_OPTICAL, true, true, MAC_A),
		port(12, "o1", MIXNET_ROLE_OPTICAL, true, true, MAC_B),
		port(20, "e0", MIXNET_ROLE_ELECTRICAL, true, false, NULL),
	};
	struct mixnet_nl_route routes[3];
	struct fabric_path out[8];
	char buf[64];
	int n;

	routes[0] = route4("0.0.0.0");
	routes[0].family = AF_UNSPEC;
	routes[0].npaths = 1;
	routes[0].paths[0] = path(MIXNET_PATH_ELECTRICAL, 20, NEXTHOP, MIXNET_PATH_STATIC, true);
	routes[1] = route4("198.18.0.2");
	routes[1].npaths = 3;
	/* Static paths count even when not live: the agent set them. */
	routes[1].paths[0] = path(MIXNET_PATH_OPTICAL, 11, MAC_A, MIXNET_PATH_STATIC, false);
	routes[1].paths[1] = path(MIXNET_PATH_OPTICAL, 12, MAC_B, MIXNET_PATH_LEARNED, false);
	routes[1].paths[2] = path(MIXNET_PATH_ELECTRICAL, 20, NEXTHOP, MIXNET_PATH_STATIC, true);
	routes[2] = route4("198.18.0.3");
	routes[2].npaths = 2;
	routes[2].paths[0] = path(MIXNET_PATH_OPTICAL, 12, MAC_C, MIXNET_PATH_LEARNED, true);
	/* A path on a lower that is gone from the port list is not reported. */
	routes[2].paths[1] = path(MIXNET_PATH_OPTICAL, 99, MAC_C, MIXNET_PATH_STATIC, true);

	n = fabric_paths_fill(ports, 3, routes, 3, out, 8);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(out[0].ifname, "o0");
	ck_assert_str_eq(cfg_addr_str(&out[0].peer, buf, sizeof(buf)), "198.18.0.2");
	ck_assert_str_eq(out[1].ifname, "o1");
	ck_assert_str_eq(cfg_addr_str(&out[1].peer, buf, sizeof(buf)), "198.18.0.3");
	ck_assert_int_eq(fabric_paths_fill(ports, 3, routes, 3, out, 1), 1);
}
END_TEST

static Suite *fabric_suite(void)
{
	Suite *s = suite_create("fabric_nl");
	TCase *tc = tcase_create("routes");
	TCase *tl = tcase_create("lowers");

	tcase_add_test(tc, test_peer_conversion);
	tcase_add_test(tc, test_want_takes_macs_from_discovery);
	tcase_add_test(tc, test_same_compares_static_paths_only);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(tl, setup, teardown);
	tcase_add_test(tl, test_lowers_from_ports_and_routes);
	tcase_add_test(tl, test_paths_read_back);
	suite_add_tcase(s, tl);
	return s;
}

int main(void)
{
	return check_run(fabric_suite());
}
