// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: route messages of the mixnet generic netlink client.
 * Requests built by mixnet_nl_build_route() parse back to what went in;
 * replies shaped like the kernel's (output-only attributes, several
 * paths) parse into the right fields; malformed replies are refused.
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

static const struct genlmsghdr *genl(const struct nlmsghdr *nlh)
{
	return mnl_nlmsg_get_payload(nlh);
}

static struct mixnet_nl_route v4_route(void)
{
	struct mixnet_nl_route r = { .ifindex = 7, .family = AF_INET };

	inet_pton(AF_INET, "198.18.0.2", &r.peer.v4);
	r.npaths = 3;
	r.paths[0] = (struct mixnet_nl_path){ .kind = MIXNET_PATH_OPTICAL, .ifindex = 11,
					      .lladdr = { 0x02, 1, 2, 3, 4, 5 } };
	r.paths[1] = (struct mixnet_nl_path){ .kind = MIXNET_PATH_OPTICAL, .ifindex = 12,
					      .lladdr = { 0x02, 1, 2, 3, 4, 6 } };
	r.paths[2] = (struct mixnet_nl_path){ .kind = MIXNET_PATH_ELECTRICAL, .ifindex = 13,
					      .lladdr = { 0x0a, 0xbb, 0xcc, 0xdd, 0xee, 0xff } };
	return r;
}

START_TEST(test_new_v4_round_trip)
{
	struct mixnet_nl_route in = v4_route(), out;
	struct nlmsghdr *nlh;
	unsigned int i;

	nlh = mixnet_nl_build_route(buf, FAMILY_ID, MIXNET_CMD_ROUTE_NEW, NLM_F_ACK, 42, &in, 0);
	ck_assert_uint_eq(nlh->nlmsg_type, FAMILY_ID);
	ck_assert_uint_eq(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	ck_assert_uint_eq(nlh->nlmsg_seq, 42);
	ck_assert_uint_eq(genl(nlh)->cmd, MIXNET_CMD_ROUTE_NEW);
	ck_assert_uint_eq(genl(nlh)->version, MIXNET_GENL_VERSION);
	ck_assert_uint_eq(genl(nlh)->reserved, 0);

	ck_assert_int_eq(mixnet_nl_parse_route(nlh, &out), 0);
	ck_assert_uint_eq(out.ifindex, 7);
	ck_assert_int_eq(out.family, AF_INET);
	ck_assert_mem_eq(&out.peer.v4, &in.peer.v4, 4);
	ck_assert_uint_eq(out.npaths, 3);
	for (i = 0; i < 3; i++) {
		ck_assert_uint_eq(out.paths[i].kind, in.paths[i].kind);
		ck_assert_uint_eq(out.paths[i].ifindex, in.paths[i].ifindex);
		ck_assert_mem_eq(out.paths[i].lladdr, in.paths[i].lladdr, 6);
		ck_assert(!out.paths[i].live);
		ck_assert(!out.paths[i].has_age);
	}
	ck_assert(!out.is_static);
	ck_assert(!out.deleted);
}
END_TEST

/* The request carries exactly: ifindex, no flags, one route nest. */
START_TEST(test_new_attrs_exact)
{
	struct mixnet_nl_route in = v4_route();
	struct nlmsghdr *nlh;
	const struct nlattr *a;
	int n = 0, npath = 0;

	nlh = mixnet_nl_build_route(buf, FAMILY_ID, MIXNET_CMD_ROUTE_NEW, NLM_F_ACK, 1, &in, 0);
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		n++;
		ck_assert(mnl_attr_get_type(a) == MIXNET_A_IFINDEX ||
			  mnl_attr_get_type(a) == MIXNET_A_ROUTE);
		if (mnl_attr_get_type(a) == MIXNET_A_ROUTE) {
			const struct nlattr *r;

			mnl_attr_for_each_nested(r, a)
				npath += mnl_attr_get_type(r) == MIXNET_RT_A_PATH;
		}
	}
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(npath, 3);
}
END_TEST

START_TEST(test_replace_flag)
{
	struct mixnet_nl_route in = v4_route();
	struct nlmsghdr *nlh;
	const struct nlattr *a;
	uint32_t flags = 0;

	nlh = mixnet_nl_build_route(buf, FAMILY_ID, MIXNET_CMD_ROUTE_NEW, NLM_F_ACK, 1, &in,
				    MIXNET_NL_F_REPLACE);
	/* genetlink refuses NLM_F_REPLACE for new families: it is an attribute. */
	ck_assert_uint_eq(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == MIXNET_A_FLAGS)
			flags = mnl_attr_get_u32(a);
	ck_assert_uint_eq(flags, MIXNET_F_REPLACE);
}
END_TEST

START_TEST(test_v6_and_default)
{
	struct mixnet_nl_route in = { .ifindex = 3, .family = AF_INET6 }, out;
	struct nlmsghdr *nlh;

	inet_pton(AF_INET6, "2001:2::42", &in.peer.v6);
	in.npaths = 1;
	in.paths[0] = (struct mixnet_nl_path){ .kind = MIXNET_PATH_OPTICAL, .ifindex = 9,
					       .lladdr = { 2, 0, 0, 0, 0, 9 } };
	nlh = mixnet_nl_build_route(buf, FAMILY_ID, MIXNET_CMD_ROUTE_NEW, NLM_F_ACK, 1, &in, 0);
	ck_assert_int_eq(mixnet_nl_parse_route(nlh, &out), 0);
	ck_assert_int_eq(out.family, AF_INET6);
	ck_assert_mem_eq(&out.peer.v6, &in.peer.v6, 16);
	ck_assert_uint_eq(out.npaths, 1);

	memset(&in, 0, sizeof(in));
	in.ifindex = 3;
	in.family = AF_UNSPEC;
	in.npaths = 1;
	in.paths[0] = (struct mixnet_nl_path){ .kind = MIXNET_PATH_ELECTRICAL, .ifindex = 4,
					       .lladdr = { 2, 0, 0, 0, 0, 4 } };
	nlh = mixnet_nl_build_route(buf, FAMILY_ID, MIXNET_CMD_ROUTE_NEW, NLM_F_ACK, 1, &in, 0);
	ck_assert_int_eq(mixnet_nl_parse_route(nlh, &out), 0);
	ck_assert_int_eq(out.family, AF_UNSPEC);
	ck_assert_uint_eq(out.npaths, 1);
	ck_assert_uint_eq(out.paths[0].kind, MIXNET_PATH_ELECTRICAL);
}
END_TEST

/* DEL and GET name the peer only: paths in @r are not sent. */
START_TEST(test_del_get_carry_no_paths)
{
	struct mixnet_nl_route in = v4_route(), out;
	struct nlmsghdr *nlh;

	nlh = mixnet_nl_build_route(buf, FAMILY_ID, MIXNET_CMD_ROUTE_DEL, NLM_F_ACK, 5, &in, 0);
	ck_assert_uint_eq(genl(nlh)->cmd, MIXNET_CMD_ROUTE_DEL);
	ck_assert_int_eq(mixnet_nl_parse_route(nlh, &out), 0);
	ck_assert_uint_eq(out.npaths, 0);
	ck_assert_mem_eq(&out.peer.v4, &in.peer.v4, 4);

	nlh = mixnet_nl_build_route(buf, FAMILY_ID, MIXNET_CMD_ROUTE_GET, NLM_F_ACK, 5, &in,
				    MIXNET_NL_F_REPLACE);
	ck_assert_int_eq(mixnet_nl_parse_route(nlh, &out), 0);
	ck_assert_uint_eq(out.npaths, 0);
	/* Flags belong to NEW only. */
	{
		const struct nlattr *a;

		mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
			ck_assert_uint_ne(mnl_attr_get_type(a), MIXNET_A_FLAGS);
	}
}
END_TEST

/* A dump request names the device only (or nothing) and asks for a dump. */
START_TEST(test_dump_request)
{
	struct nlmsghdr *nlh;
	const struct nlattr *a;
	int n = 0;

	nlh = mixnet_nl_build_dev_req(buf, FAMILY_ID, MIXNET_CMD_ROUTE_GET,
				      NLM_F_DUMP | NLM_F_ACK, 9, 21);
	ck_assert_uint_eq(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP | NLM_F_ACK);
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		ck_assert_uint_eq(mnl_attr_get_type(a), MIXNET_A_IFINDEX);
		ck_assert_uint_eq(mnl_attr_get_u32(a), 21);
		n++;
	}
	ck_assert_int_eq(n, 1);
	nlh = mixnet_nl_build_dev_req(buf, FAMILY_ID, MIXNET_CMD_DEV_GET, NLM_F_DUMP, 9, 0);
	ck_assert_uint_eq(mnl_nlmsg_get_payload_len(nlh), sizeof(struct genlmsghdr));
}
END_TEST

/* Open a path nest of @kind over lower @ifindex (0: none) with an lladdr of @len bytes. */
static struct nlattr *start_path(struct nlmsghdr *nlh, uint8_t kind, uint32_t ifindex,
				 const char *lladdr, size_t len)
{
	struct nlattr *p = mnl_attr_nest_start(nlh, MIXNET_RT_A_PATH);

	mnl_attr_put_u8(nlh, MIXNET_PATH_A_KIND, kind);
	if (ifindex)
		mnl_attr_put_u32(nlh, MIXNET_PATH_A_IFINDEX, ifindex);
	mnl_attr_put(nlh, MIXNET_PATH_A_LLADDR, len, lladdr);
	return p;
}

/* A reply like the kernel's: generation, via, static, output-only path attributes. */
static struct nlmsghdr *kernel_reply(bool with_age)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	struct nlattr *rt, *p;
	struct in6_addr peer;

	nlh->nlmsg_type = FAMILY_ID;
	g->cmd = MIXNET_CMD_ROUTE_GET;
	inet_pton(AF_INET6, "2001:2::7", &peer);
	mnl_attr_put_u32(nlh, MIXNET_A_IFINDEX, 5);
	mnl_attr_put_u32(nlh, MIXNET_A_GENERATION, 77);
	rt = mnl_attr_nest_start(nlh, MIXNET_A_ROUTE);
	mnl_attr_put(nlh, MIXNET_RT_A_PEER6, 16, &peer);
	mnl_attr_put(nlh, MIXNET_RT_A_STATIC, 0, NULL);
	mnl_attr_put_u8(nlh, MIXNET_RT_A_VIA, MIXNET_VIA_OPTICAL);
	p = start_path(nlh, MIXNET_PATH_OPTICAL, 8, "\x02\x11\x22\x33\x44\x55", 6);
	mnl_attr_put_u8(nlh, MIXNET_PATH_A_ORIGIN, MIXNET_PATH_LEARNED);
	mnl_attr_put_u8(nlh, MIXNET_PATH_A_LIVE, 1);
	if (with_age)
		mnl_attr_put_u32(nlh, MIXNET_PATH_A_AGE_MS, 1234);
	mnl_attr_nest_end(nlh, p);
	p = start_path(nlh, MIXNET_PATH_ELECTRICAL, 2, "\x02\xaa\xbb\xcc\xdd\xee", 6);
	mnl_attr_put_u8(nlh, MIXNET_PATH_A_ORIGIN, MIXNET_PATH_STATIC);
	mnl_attr_put_u8(nlh, MIXNET_PATH_A_LIVE, 0);
	mnl_attr_nest_end(nlh, p);
	mnl_attr_nest_end(nlh, rt);
	return nlh;
}

START_TEST(test_kernel_reply)
{
	struct mixnet_nl_route out;

	ck_assert_int_eq(mixnet_nl_parse_route(kernel_reply(true), &out), 0);
	ck_assert_uint_eq(out.ifindex, 5);
	ck_assert_uint_eq(out.generation, 77);
	ck_assert_int_eq(out.family, AF_INET6);
	ck_assert(out.is_static);
	ck_assert_uint_eq(out.via, MIXNET_VIA_OPTICAL);
	ck_assert_uint_eq(out.npaths, 2);
	ck_assert_uint_eq(out.paths[0].origin, MIXNET_PATH_LEARNED);
	ck_assert(out.paths[0].live);
	ck_assert(out.paths[0].has_age);
	ck_assert_uint_eq(out.paths[0].age_ms, 1234);
	ck_assert_mem_eq(out.paths[0].lladdr, "\x02\x11\x22\x33\x44\x55", 6);
	ck_assert_uint_eq(out.paths[1].kind, MIXNET_PATH_ELECTRICAL);
	ck_assert_uint_eq(out.paths[1].origin, MIXNET_PATH_STATIC);
	ck_assert(!out.paths[1].live);
	ck_assert(!out.paths[1].has_age);

	ck_assert_int_eq(mixnet_nl_parse_route(kernel_reply(false), &out), 0);
	ck_assert(!out.paths[0].has_age);
}
END_TEST

/* A reply for device 5 whose route nest (*rt) is open, with a @peer4 of @len bytes. */
static struct nlmsghdr *reply_head(struct nlattr **rt, const void *peer4, size_t len)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

	g->cmd = MIXNET_CMD_ROUTE_GET;
	mnl_attr_put_u32(nlh, MIXNET_A_IFINDEX, 5);
	*rt = mnl_attr_nest_start(nlh, MIXNET_A_ROUTE);
	mnl_attr_put(nlh, MIXNET_RT_A_PEER4, len, peer4);
	return nlh;
}

/* Close the route nest @rt: the reply must be refused. */
static void assert_refused(struct nlmsghdr *nlh, struct nlattr *rt)
{
	struct mixnet_nl_route out;

	mnl_attr_nest_end(nlh, rt);
	ck_assert_int_eq(mixnet_nl_parse_route(nlh, &out), -EPROTO);
}

/* Replies that are not well formed are refused, never half-parsed silently. */
START_TEST(test_malformed)
{
	static const char mac[] = "\x02\x11\x22\x33\x44\x55";
	struct mixnet_nl_route out, in = v4_route();
	struct nlmsghdr *nlh;
	struct nlattr *rt;
	unsigned int i;

	/* No route nest. */
	nlh = mixnet_nl_build_dev_req(buf, FAMILY_ID, MIXNET_CMD_ROUTE_GET, 0, 1, 3);
	ck_assert_int_eq(mixnet_nl_parse_route(nlh, &out), -EPROTO);

	/* Two peers. */
	nlh = reply_head(&rt, &in.peer.v4, 4);
	mnl_attr_put(nlh, MIXNET_RT_A_DEFAULT, 0, NULL);
	assert_refused(nlh, rt);

	/* A peer4 of the wrong length. */
	nlh = reply_head(&rt, &in.peer.v4, 3);
	assert_refused(nlh, rt);

	/* A path without its lower. */
	nlh = reply_head(&rt, &in.peer.v4, 4);
	mnl_attr_nest_end(nlh, start_path(nlh, MIXNET_PATH_OPTICAL, 0, mac, 6));
	assert_refused(nlh, rt);

	/* An lladdr of 5 bytes. */
	nlh = reply_head(&rt, &in.peer.v4, 4);
	mnl_attr_nest_end(nlh, start_path(nlh, MIXNET_PATH_OPTICAL, 8, mac, 5));
	assert_refused(nlh, rt);

	/* More paths than a route can hold. */
	nlh = reply_head(&rt, &in.peer.v4, 4);
	for (i = 0; i < MIXNET_NL_MAX_PATHS + 1; i++)
		mnl_attr_nest_end(nlh, start_path(nlh, MIXNET_PATH_OPTICAL, 8 + i, mac, 6));
	assert_refused(nlh, rt);

	/* Too short for a generic netlink header. */
	nlh = mnl_nlmsg_put_header(buf);
	ck_assert_int_eq(mixnet_nl_parse_route(nlh, &out), -EPROTO);
}
END_TEST

/* The builder never writes more paths than the format allows. */
START_TEST(test_build_caps_paths)
{
	struct mixnet_nl_route in = v4_route(), out;
	struct nlmsghdr *nlh;

	in.npaths = 1000;
	nlh = mixnet_nl_build_route(buf, FAMILY_ID, MIXNET_CMD_ROUTE_NEW, NLM_F_ACK, 1, &in, 0);
	ck_assert_int_eq(mixnet_nl_parse_route(nlh, &out), 0);
	ck_assert_uint_eq(out.npaths, MIXNET_NL_MAX_PATHS);
}
END_TEST

static Suite *nl_route_suite(void)
{
	Suite *s = suite_create("nl_route");
	TCase *tc = tcase_create("route");

	tcase_add_test(tc, test_new_v4_round_trip);
	tcase_add_test(tc, test_new_attrs_exact);
	tcase_add_test(tc, test_replace_flag);
	tcase_add_test(tc, test_v6_and_default);
	tcase_add_test(tc, test_del_get_carry_no_paths);
	tcase_add_test(tc, test_dump_request);
	tcase_add_test(tc, test_kernel_reply);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_build_caps_paths);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(nl_route_suite());
}
