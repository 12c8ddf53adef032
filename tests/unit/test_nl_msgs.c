// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: the rest of the mixnet generic netlink client's messages:
 * family resolution, error and extended-ack parsing, port/device/event
 * replies, the port-set request, and the text helpers of the CLI.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "../lib/check_run.h"
#include "mixnet_nl.h"

#define FAMILY_ID 0x1234

static char buf[MIXNET_NL_REQ_SIZE];

static struct nlmsghdr *genl_msg(uint16_t type, uint8_t cmd)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

	nlh->nlmsg_type = type;
	g->cmd = cmd;
	g->version = 1;
	return nlh;
}

/* CTRL_CMD_NEWFAMILY as the controller sends it: id plus groups. */
START_TEST(test_family)
{
	struct nlmsghdr *nlh = genl_msg(GENL_ID_CTRL, CTRL_CMD_NEWFAMILY);
	struct nlattr *grps, *g;
	uint32_t group = 0;
	uint16_t id = 0;

	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, "mixnet");
	mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, 0x2a);
	grps = mnl_attr_nest_start(nlh, CTRL_ATTR_MCAST_GROUPS);
	g = mnl_attr_nest_start(nlh, 1);
	mnl_attr_put_u32(nlh, CTRL_ATTR_MCAST_GRP_ID, 9);
	mnl_attr_put_strz(nlh, CTRL_ATTR_MCAST_GRP_NAME, "other");
	mnl_attr_nest_end(nlh, g);
	g = mnl_attr_nest_start(nlh, 2);
	mnl_attr_put_strz(nlh, CTRL_ATTR_MCAST_GRP_NAME, "events");
	mnl_attr_put_u32(nlh, CTRL_ATTR_MCAST_GRP_ID, 11);
	mnl_attr_nest_end(nlh, g);
	mnl_attr_nest_end(nlh, grps);

	ck_assert_int_eq(mixnet_nl_parse_family(nlh, "events", &id, &group), 0);
	ck_assert_uint_eq(id, 0x2a);
	ck_assert_uint_eq(group, 11);
	ck_assert_int_eq(mixnet_nl_parse_family(nlh, "nosuch", &id, &group), -ENOENT);
	ck_assert_int_eq(mixnet_nl_parse_family(nlh, NULL, &id, NULL), 0);
}
END_TEST

START_TEST(test_family_malformed)
{
	struct nlmsghdr *nlh = genl_msg(GENL_ID_CTRL, CTRL_CMD_NEWFAMILY);
	uint32_t group;
	uint16_t id;

	mnl_attr_put_u32(nlh, CTRL_ATTR_FAMILY_ID, 0x2a);	/* u32 instead of u16 */
	ck_assert_int_eq(mixnet_nl_parse_family(nlh, "events", &id, &group), -EPROTO);
	nlh = genl_msg(GENL_ID_CTRL, CTRL_CMD_NEWFAMILY);
	ck_assert_int_eq(mixnet_nl_parse_family(nlh, "events", &id, &group), -EPROTO);
}
END_TEST

/* NLMSG_ERROR, capped, with extended-ack TLVs after the original header. */
static struct nlmsghdr *error_msg(int error, bool capped, const char *text, int miss)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlmsgerr *e;
	struct nlmsghdr req = { .nlmsg_len = 64, .nlmsg_type = FAMILY_ID, .nlmsg_seq = 3 };

	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_flags = (capped ? NLM_F_CAPPED : 0) | ((text || miss >= 0) ? NLM_F_ACK_TLVS : 0);
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = error;
	e->msg = req;
	if (!capped) {
		/* The original request follows in full: 64 - 16 more bytes of it. */
		memset(mnl_nlmsg_put_extra_header(nlh, 48), 0xab, 48);
	}
	if (text)
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, text);
	if (miss >= 0)
		mnl_attr_put_u32(nlh, NLMSGERR_ATTR_MISS_TYPE, (uint32_t)miss);
	return nlh;
}

START_TEST(test_error_extack)
{
	char msg[128];
	int err = 0;

	ck_assert_int_eq(mixnet_nl_parse_error(error_msg(-EINVAL, true, "peer4 is not a unicast address", -1),
					       &err, msg, sizeof(msg)), 0);
	ck_assert_int_eq(err, -EINVAL);
	ck_assert_str_eq(msg, "peer4 is not a unicast address");

	/* Uncapped: the TLVs start after the whole original message. */
	ck_assert_int_eq(mixnet_nl_parse_error(error_msg(-ENODEV, false, "no such device", -1),
					       &err, msg, sizeof(msg)), 0);
	ck_assert_int_eq(err, -ENODEV);
	ck_assert_str_eq(msg, "no such device");

	/* Only a missing-attribute TLV: it is named. */
	ck_assert_int_eq(mixnet_nl_parse_error(error_msg(-EINVAL, true, NULL, MIXNET_A_ROUTE),
					       &err, msg, sizeof(msg)), 0);
	ck_assert_str_eq(msg, "missing attribute 4");

	/* Plain ACK. */
	ck_assert_int_eq(mixnet_nl_parse_error(error_msg(0, true, NULL, -1), &err, msg, sizeof(msg)), 0);
	ck_assert_int_eq(err, 0);
	ck_assert_str_eq(msg, "");

	/* Truncated text buffer stays terminated. */
	ck_assert_int_eq(mixnet_nl_parse_error(error_msg(-EEXIST, true, "route exists (replace it instead)", -1),
					       &err, msg, 6), 0);
	ck_assert_str_eq(msg, "route");
}
END_TEST

START_TEST(test_error_done)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	int *code, err = 1;
	char msg[64];

	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_flags = NLM_F_MULTI;
	code = mnl_nlmsg_put_extra_header(nlh, sizeof(int));
	*code = 0;
	ck_assert_int_eq(mixnet_nl_parse_error(nlh, &err, msg, sizeof(msg)), 0);
	ck_assert_int_eq(err, 0);

	*code = -EMSGSIZE;
	nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "dump failed");
	ck_assert_int_eq(mixnet_nl_parse_error(nlh, &err, msg, sizeof(msg)), 0);
	ck_assert_int_eq(err, -EMSGSIZE);
	ck_assert_str_eq(msg, "dump failed");
}
END_TEST

START_TEST(test_error_malformed)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	char msg[64];
	int err;

	nlh->nlmsg_type = NLMSG_ERROR;	/* no payload at all */
	ck_assert_int_eq(mixnet_nl_parse_error(nlh, &err, msg, sizeof(msg)), -EPROTO);
	ck_assert_int_eq(mixnet_nl_parse_error(error_msg(5, true, NULL, -1), &err, msg, sizeof(msg)),
			 -EPROTO);	/* a positive error */
	nlh = genl_msg(FAMILY_ID, MIXNET_CMD_ROUTE_GET);
	ck_assert_int_eq(mixnet_nl_parse_error(nlh, &err, msg, sizeof(msg)), -EPROTO);
}
END_TEST

START_TEST(test_port_set_request)
{
	struct nlmsghdr *nlh = mixnet_nl_build_port_set(buf, FAMILY_ID, 8, 33, MIXNET_ROLE_OPTICAL);
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	struct mixnet_nl_port p;

	ck_assert_uint_eq(g->cmd, MIXNET_CMD_PORT_SET);
	ck_assert_uint_eq(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	/* No device attribute: the port names its master. */
	ck_assert_int_eq(mixnet_nl_parse_port(nlh, &p), -EPROTO);
	mnl_attr_put_u32(nlh, MIXNET_A_IFINDEX, 4);
	ck_assert_int_eq(mixnet_nl_parse_port(nlh, &p), 0);
	ck_assert_uint_eq(p.ifindex, 33);
	ck_assert_uint_eq(p.role, MIXNET_ROLE_OPTICAL);
}
END_TEST

START_TEST(test_port_reply)
{
	struct nlmsghdr *nlh = genl_msg(FAMILY_ID, MIXNET_CMD_PORT_GET);
	struct mixnet_nl_port p;
	struct nlattr *n;

	mnl_attr_put_u32(nlh, MIXNET_A_IFINDEX, 4);
	mnl_attr_put_strz(nlh, MIXNET_A_IFNAME, "mixnet0");
	n = mnl_attr_nest_start(nlh, MIXNET_A_PORT);
	mnl_attr_put_u32(nlh, MIXNET_PORT_A_IFINDEX, 9);
	mnl_attr_put_strz(nlh, MIXNET_PORT_A_IFNAME, "ocs0p1");
	mnl_attr_put_u8(nlh, MIXNET_PORT_A_ROLE, MIXNET_ROLE_OPTICAL);
	mnl_attr_put_u8(nlh, MIXNET_PORT_A_CARRIER, 1);
	mnl_attr_put_u8(nlh, MIXNET_PORT_A_CONFIRMED, 1);
	mnl_attr_put(nlh, MIXNET_PORT_A_LLADDR, 6, "\x02\x01\x02\x03\x04\x05");
	mnl_attr_put_u64(nlh, MIXNET_PORT_A_HELLO_TX, 10);
	mnl_attr_put_u64(nlh, MIXNET_PORT_A_HELLO_RX, 9);
	mnl_attr_put_u64(nlh, MIXNET_PORT_A_HELLO_BAD, 1);
	mnl_attr_put_u64(nlh, MIXNET_PORT_A_PEER_DEV_ID, 0xdeadbeef01ULL);
	mnl_attr_put(nlh, MIXNET_PORT_A_PEER_LLADDR, 6, "\x02\x09\x08\x07\x06\x05");
	mnl_attr_nest_end(nlh, n);

	ck_assert_int_eq(mixnet_nl_parse_port(nlh, &p), 0);
	ck_assert_uint_eq(p.dev_ifindex, 4);
	ck_assert_str_eq(p.dev_name, "mixnet0");
	ck_assert_uint_eq(p.ifindex, 9);
	ck_assert_str_eq(p.name, "ocs0p1");
	ck_assert(p.carrier && p.confirmed && p.peer_known);
	ck_assert_uint_eq(p.peer_dev_id, 0xdeadbeef01ULL);
	ck_assert_uint_eq(p.hello_tx, 10);
	ck_assert_uint_eq(p.hello_rx, 9);
	ck_assert_uint_eq(p.hello_bad, 1);
	ck_assert_mem_eq(p.peer_lladdr, "\x02\x09\x08\x07\x06\x05", 6);

	/* A name longer than IFNAMSIZ is refused. */
	nlh = genl_msg(FAMILY_ID, MIXNET_CMD_PORT_GET);
	mnl_attr_put_u32(nlh, MIXNET_A_IFINDEX, 4);
	n = mnl_attr_nest_start(nlh, MIXNET_A_PORT);
	mnl_attr_put_u32(nlh, MIXNET_PORT_A_IFINDEX, 9);
	mnl_attr_put_strz(nlh, MIXNET_PORT_A_IFNAME, "a-name-longer-than-ifnamsiz");
	mnl_attr_nest_end(nlh, n);
	ck_assert_int_eq(mixnet_nl_parse_port(nlh, &p), -EPROTO);
}
END_TEST

START_TEST(test_dev_reply)
{
	struct nlmsghdr *nlh = genl_msg(FAMILY_ID, MIXNET_CMD_DEV_GET);
	struct mixnet_nl_dev d;
	struct nlattr *n;

	mnl_attr_put_u32(nlh, MIXNET_A_IFINDEX, 4);
	mnl_attr_put_strz(nlh, MIXNET_A_IFNAME, "mixnet0");
	mnl_attr_put_u64(nlh, MIXNET_A_DEV_ID, 0x1122334455667788ULL);
	mnl_attr_put_u32(nlh, MIXNET_A_NROUTES, 100000);
	mnl_attr_put_u32(nlh, MIXNET_A_GENERATION, 5);
	n = mnl_attr_nest_start(nlh, MIXNET_A_STATS);
	mnl_attr_put_u64(nlh, MIXNET_STATS_A_TX_OPTICAL_PACKETS, 1);
	mnl_attr_put_u64(nlh, MIXNET_STATS_A_TX_OPTICAL_BYTES, 2);
	mnl_attr_put_u64(nlh, MIXNET_STATS_A_TX_ELECTRICAL_PACKETS, 3);
	mnl_attr_put_u64(nlh, MIXNET_STATS_A_TX_ELECTRICAL_BYTES, 4);
	mnl_attr_put_u64(nlh, MIXNET_STATS_A_TX_DROPPED_NOROUTE, 5);
	mnl_attr_put_u64(nlh, MIXNET_STATS_A_FALLBACKS, 6);
	mnl_attr_put_u64(nlh, MIXNET_STATS_A_HELLO_BAD, 7);
	mnl_attr_put_u64(nlh, MIXNET_STATS_A_RX_PACKETS, 8);
	mnl_attr_put_u64(nlh, MIXNET_STATS_A_RX_BYTES, 9);
	mnl_attr_put_u64(nlh, MIXNET_STATS_A_TX_DROPPED, 10);
	mnl_attr_nest_end(nlh, n);

	ck_assert_int_eq(mixnet_nl_parse_dev(nlh, &d), 0);
	ck_assert_str_eq(d.name, "mixnet0");
	ck_assert_uint_eq(d.dev_id, 0x1122334455667788ULL);
	ck_assert_uint_eq(d.nroutes, 100000);
	ck_assert_uint_eq(d.generation, 5);
	ck_assert_uint_eq(d.stats.tx_optical_packets, 1);
	ck_assert_uint_eq(d.stats.tx_optical_bytes, 2);
	ck_assert_uint_eq(d.stats.tx_electrical_packets, 3);
	ck_assert_uint_eq(d.stats.tx_electrical_bytes, 4);
	ck_assert_uint_eq(d.stats.tx_dropped_noroute, 5);
	ck_assert_uint_eq(d.stats.fallbacks, 6);
	ck_assert_uint_eq(d.stats.hello_bad, 7);
	ck_assert_uint_eq(d.stats.rx_packets, 8);
	ck_assert_uint_eq(d.stats.rx_bytes, 9);
	ck_assert_uint_eq(d.stats.tx_dropped, 10);
}
END_TEST

START_TEST(test_events)
{
	struct nlmsghdr *nlh;
	struct mixnet_nl_event ev;
	struct nlattr *n, *p;
	struct in_addr peer;

	inet_pton(AF_INET, "198.18.0.3", &peer);

	nlh = genl_msg(FAMILY_ID, MIXNET_CMD_EV_PATH_DOWN);
	mnl_attr_put_u32(nlh, MIXNET_A_IFINDEX, 4);
	mnl_attr_put_strz(nlh, MIXNET_A_IFNAME, "mixnet0");
	n = mnl_attr_nest_start(nlh, MIXNET_A_ROUTE);
	mnl_attr_put(nlh, MIXNET_RT_A_PEER4, 4, &peer);
	p = mnl_attr_nest_start(nlh, MIXNET_RT_A_PATH);
	mnl_attr_put_u8(nlh, MIXNET_PATH_A_KIND, MIXNET_PATH_OPTICAL);
	mnl_attr_put_u32(nlh, MIXNET_PATH_A_IFINDEX, 8);
	mnl_attr_put(nlh, MIXNET_PATH_A_LLADDR, 6, "\x02\x11\x22\x33\x44\x55");
	mnl_attr_put_u8(nlh, MIXNET_PATH_A_LIVE, 0);
	mnl_attr_nest_end(nlh, p);
	mnl_attr_nest_end(nlh, n);
	ck_assert_int_eq(mixnet_nl_parse_event(nlh, &ev), 0);
	ck_assert_uint_eq(ev.cmd, MIXNET_CMD_EV_PATH_DOWN);
	ck_assert_str_eq(ev.name, "mixnet0");
	ck_assert_uint_eq(ev.route.ifindex, 4);
	ck_assert_int_eq(ev.route.family, AF_INET);
	ck_assert_mem_eq(&ev.route.peer.v4, &peer, 4);
	ck_assert_uint_eq(ev.route.npaths, 1);
	ck_assert_uint_eq(ev.route.paths[0].ifindex, 8);

	nlh = genl_msg(FAMILY_ID, MIXNET_CMD_EV_ROUTE);
	mnl_attr_put_u32(nlh, MIXNET_A_IFINDEX, 4);
	mnl_attr_put_u32(nlh, MIXNET_A_GENERATION, 12);
	n = mnl_attr_nest_start(nlh, MIXNET_A_ROUTE);
	mnl_attr_put(nlh, MIXNET_RT_A_PEER4, 4, &peer);
	mnl_attr_put(nlh, MIXNET_RT_A_DELETED, 0, NULL);
	mnl_attr_nest_end(nlh, n);
	ck_assert_int_eq(mixnet_nl_parse_event(nlh, &ev), 0);
	ck_assert(ev.route.deleted);
	ck_assert_uint_eq(ev.route.generation, 12);
	ck_assert_uint_eq(ev.route.npaths, 0);

	nlh = genl_msg(FAMILY_ID, MIXNET_CMD_EV_FALLBACK);
	mnl_attr_put_u32(nlh, MIXNET_A_IFINDEX, 4);
	mnl_attr_put_strz(nlh, MIXNET_A_IFNAME, "mixnet0");
	n = mnl_attr_nest_start(nlh, MIXNET_A_PORT);
	mnl_attr_put_u32(nlh, MIXNET_PORT_A_IFINDEX, 8);
	mnl_attr_put_strz(nlh, MIXNET_PORT_A_IFNAME, "ocs0p0");
	mnl_attr_put_u64(nlh, MIXNET_PORT_A_PEER_DEV_ID, 77);
	mnl_attr_nest_end(nlh, n);
	ck_assert_int_eq(mixnet_nl_parse_event(nlh, &ev), 0);
	ck_assert_uint_eq(ev.cmd, MIXNET_CMD_EV_FALLBACK);
	ck_assert_str_eq(ev.port.name, "ocs0p0");
	ck_assert_str_eq(ev.port.dev_name, "mixnet0");
	ck_assert_uint_eq(ev.port.peer_dev_id, 77);

	/* A command that is not an event. */
	nlh = genl_msg(FAMILY_ID, MIXNET_CMD_ROUTE_NEW);
	mnl_attr_put_u32(nlh, MIXNET_A_IFINDEX, 4);
	ck_assert_int_eq(mixnet_nl_parse_event(nlh, &ev), -EPROTO);
	/* A fallback without its port. */
	nlh = genl_msg(FAMILY_ID, MIXNET_CMD_EV_FALLBACK);
	mnl_attr_put_u32(nlh, MIXNET_A_IFINDEX, 4);
	ck_assert_int_eq(mixnet_nl_parse_event(nlh, &ev), -EPROTO);
}
END_TEST

START_TEST(test_text)
{
	struct mixnet_nl_route r = { .family = 99 };
	uint8_t mac[6] = { 9, 9, 9, 9, 9, 9 }, role = 7;
	char s[INET6_ADDRSTRLEN];

	ck_assert_int_eq(mixnet_nl_lladdr_parse("02:aB:cd:EF:00:ff", mac), 0);
	ck_assert_mem_eq(mac, "\x02\xab\xcd\xef\x00\xff", 6);
	ck_assert_str_eq(mixnet_nl_lladdr_format(mac, s), "02:ab:cd:ef:00:ff");
	ck_assert_int_eq(mixnet_nl_lladdr_parse("02:ab:cd:ef:00", mac), -EINVAL);
	ck_assert_int_eq(mixnet_nl_lladdr_parse("02:ab:cd:ef:00:fg", mac), -EINVAL);
	ck_assert_int_eq(mixnet_nl_lladdr_parse("02-ab-cd-ef-00-ff", mac), -EINVAL);
	ck_assert_int_eq(mixnet_nl_lladdr_parse("02:ab:cd:ef:00:ff ", mac), -EINVAL);
	ck_assert_int_eq(mixnet_nl_lladdr_parse("", mac), -EINVAL);
	ck_assert_mem_eq(mac, "\x02\xab\xcd\xef\x00\xff", 6);	/* untouched on error */

	ck_assert_int_eq(mixnet_nl_role_parse("optical", &role), 0);
	ck_assert_uint_eq(role, MIXNET_ROLE_OPTICAL);
	ck_assert_int_eq(mixnet_nl_role_parse("electrical", &role), 0);
	ck_assert_uint_eq(role, MIXNET_ROLE_ELECTRICAL);
	ck_assert_int_eq(mixnet_nl_role_parse("Optical", &role), -EINVAL);
	ck_assert_int_eq(mixnet_nl_role_parse("", &role), -EINVAL);

	ck_assert_int_eq(mixnet_nl_peer_parse("198.18.0.1", &r), 0);
	ck_assert_int_eq(r.family, AF_INET);
	ck_assert_str_eq(mixnet_nl_peer_format(&r, s, sizeof(s)), "198.18.0.1");
	ck_assert_int_eq(mixnet_nl_peer_parse("2001:2::1", &r), 0);
	ck_assert_int_eq(r.family, AF_INET6);
	ck_assert_str_eq(mixnet_nl_peer_format(&r, s, sizeof(s)), "2001:2::1");
	ck_assert_int_eq(mixnet_nl_peer_parse("default", &r), 0);
	ck_assert_int_eq(r.family, AF_UNSPEC);
	ck_assert_str_eq(mixnet_nl_peer_format(&r, s, sizeof(s)), "default");
	ck_assert_int_eq(mixnet_nl_peer_parse("198.18.0.256", &r), -EINVAL);
	ck_assert_int_eq(mixnet_nl_peer_parse("198.18.0.1/24", &r), -EINVAL);
	ck_assert_int_eq(mixnet_nl_peer_parse("mixnet0", &r), -EINVAL);
	ck_assert_int_eq(r.family, AF_UNSPEC);	/* untouched on error */

	ck_assert_str_eq(mixnet_nl_via_name(MIXNET_VIA_DEFAULT), "default");
	ck_assert_str_eq(mixnet_nl_via_name(200), "unknown");
	ck_assert_str_eq(mixnet_nl_kind_name(MIXNET_PATH_OPTICAL), "optical");
	ck_assert_str_eq(mixnet_nl_origin_name(MIXNET_PATH_LEARNED), "learned");
	ck_assert_str_eq(mixnet_nl_role_name(MIXNET_ROLE_ELECTRICAL), "electrical");
}
END_TEST

/* The hello frame header is part of the wire format: its layout is frozen. */
START_TEST(test_hello_layout)
{
	ck_assert_uint_eq(sizeof(struct mixnet_hello), 24);
	ck_assert_uint_eq(__builtin_offsetof(struct mixnet_hello, dev_id), 8);
	ck_assert_uint_eq(__builtin_offsetof(struct mixnet_hello, seq), 16);
	ck_assert_uint_eq(MIXNET_ETH_P_HELLO, 0x88B5);
}
END_TEST

static Suite *nl_msgs_suite(void)
{
	Suite *s = suite_create("nl_msgs");
	TCase *tc = tcase_create("msgs");

	tcase_add_test(tc, test_family);
	tcase_add_test(tc, test_family_malformed);
	tcase_add_test(tc, test_error_extack);
	tcase_add_test(tc, test_error_done);
	tcase_add_test(tc, test_error_malformed);
	tcase_add_test(tc, test_port_set_request);
	tcase_add_test(tc, test_port_reply);
	tcase_add_test(tc, test_dev_reply);
	tcase_add_test(tc, test_events);
	tcase_add_test(tc, test_text);
	tcase_add_test(tc, test_hello_layout);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(nl_msgs_suite());
}
