// SPDX-License-Identifier: GPL-2.0
/* Unit tests: the OCS name, pair-list and port-list parsers of ocs_client. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/check_run.h"
#include "ocs_client.h"

#define ARGS(...) ((char *const[]){ __VA_ARGS__ })
#define NARGS(...) ((int)(sizeof((char *const[]){ __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(l, dup, np, e, ...) \
	ocs_xc_list_parse((l), NARGS(__VA_ARGS__), ARGS(__VA_ARGS__), (dup), (np), (e))

START_TEST(test_name)
{
	uint32_t id = 77;

	ck_assert_int_eq(ocs_parse_name("ocs0", &id), 0);
	ck_assert_uint_eq(id, 0);
	ck_assert_int_eq(ocs_parse_name("ocs63", &id), 0);
	ck_assert_uint_eq(id, 63);
	ck_assert_int_eq(ocs_parse_name("ocs64", &id), -ERANGE);
	ck_assert_int_eq(ocs_parse_name("ocs99999999999999999999999", &id), -ERANGE);
	ck_assert_int_eq(ocs_parse_name("ocs", &id), -EINVAL);
	ck_assert_int_eq(ocs_parse_name("ocs-1", &id), -EINVAL);
	ck_assert_int_eq(ocs_parse_name("ocs 1", &id), -EINVAL);
	ck_assert_int_eq(ocs_parse_name("ocs1 ", &id), -EINVAL);
	ck_assert_int_eq(ocs_parse_name("OCS1", &id), -EINVAL);
	ck_assert_int_eq(ocs_parse_name("eth0", &id), -EINVAL);
	ck_assert_int_eq(ocs_parse_name(NULL, &id), -EINVAL);
	ck_assert_uint_eq(id, 63);	/* untouched on error */
}
END_TEST

START_TEST(test_pairs_duplex)
{
	struct ocs_xc_list l;
	struct ocs_parse_err e;
	char buf[32];

	ck_assert_int_eq(PARSE(&l, true, 8, &e, "0:1", "2:3,4:5"), 0);
	ck_assert_uint_eq(l.npairs, 3);
	ck_assert_uint_eq(l.count, 6);
	ck_assert_uint_eq(l.xc[0].tx, 0);
	ck_assert_uint_eq(l.xc[0].rx, 1);
	ck_assert_uint_eq(l.xc[1].tx, 1);
	ck_assert_uint_eq(l.xc[1].rx, 0);
	ck_assert_uint_eq(l.xc[5].tx, 5);
	ck_assert_uint_eq(l.xc[5].rx, 4);
	ck_assert_int_eq(l.pairs[2].arg, 1);		/* "4:5" came from argument 1 */
	ck_assert_str_eq(ocs_xc_list_pair_str(&l, 3, true, buf, sizeof(buf)), "2:3");
	ck_assert_str_eq(ocs_xc_list_pair_str(&l, 5, true, buf, sizeof(buf)), "4:5");
	ck_assert_str_eq(ocs_xc_list_pair_str(&l, 6, true, buf, sizeof(buf)), "?");
	ocs_xc_list_free(&l);
	ck_assert_ptr_null(l.xc);
}
END_TEST

START_TEST(test_pairs_simplex)
{
	struct ocs_xc_list l;
	struct ocs_parse_err e;
	char buf[32];

	/* Simplex: 0->1 and 1->2 share no TX and no RX. */
	ck_assert_int_eq(PARSE(&l, false, 0, &e, "0:1", "1:2", "2:0"), 0);
	ck_assert_uint_eq(l.count, 3);
	ck_assert_uint_eq(l.xc[2].tx, 2);
	ck_assert_uint_eq(l.xc[2].rx, 0);
	ck_assert_str_eq(ocs_xc_list_pair_str(&l, 1, false, buf, sizeof(buf)), "1>2");
	ocs_xc_list_free(&l);
	/* The same as duplex reuses ports. */
	ck_assert_int_eq(PARSE(&l, true, 0, &e, "0:1", "1:2"), -EINVAL);
	ck_assert_int_eq(e.arg, 1);
	ck_assert_ptr_nonnull(strstr(e.msg, "'1:2': TX of port 1 is already used by '0:1'"));
	ck_assert_ptr_null(l.xc);	/* freed on error */
	/* Upper bound without a device: MIXNET_OCS_MAX_PORTS. */
	ck_assert_int_eq(PARSE(&l, false, 0, &e, "1023:0"), 0);
	ocs_xc_list_free(&l);
	ck_assert_int_eq(PARSE(&l, false, 0, &e, "1024:0"), -ERANGE);
}
END_TEST

struct bad_pair {
	const char *arg;
	int err;
	const char *msg;
};

START_TEST(test_pairs_bad)
{
	static const struct bad_pair bad[] = {
		{ "", -EINVAL, "empty item" },
		{ "1", -EINVAL, "expected a pair" },
		{ "1:", -EINVAL, "'' is not a port number" },
		{ ":1", -EINVAL, "'' is not a port number" },
		{ "1:2:3", -EINVAL, "expected a pair" },
		{ "a:b", -EINVAL, "'a' is not a port number" },
		{ "-1:2", -EINVAL, "'-1' is not a port number" },
		{ "+1:2", -EINVAL, "'+1' is not a port number" },
		{ " 1:2", -EINVAL, "' 1' is not a port number" },
		{ "1:2 ", -EINVAL, "'2 ' is not a port number" },
		{ "0x1:2", -EINVAL, "'0x1' is not a port number" },
		{ "1.0:2", -EINVAL, "not a port number" },
		{ "1:8", -ERANGE, "port 8 is out of range (0..7)" },
		{ "4294967296:1", -ERANGE, "out of range" },
		{ "99999999999999999999999:1", -ERANGE, "out of range" },
		{ "3:3", -EINVAL, "connected to itself" },
		{ "0:1,", -EINVAL, "empty item" },
		{ ",0:1", -EINVAL, "empty item" },
		{ "0:1,,2:3", -EINVAL, "empty item" },
		{ "0:1,2:1", -EINVAL, "RX of port 1 is already used by '0:1'" },
	};
	struct ocs_xc_list l;
	struct ocs_parse_err e;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[] = { "5:6", (char *)bad[i].arg };
		int r = ocs_xc_list_parse(&l, 2, argv, true, 8, &e);

		ck_assert_msg(r == bad[i].err, "'%s': got %d, want %d", bad[i].arg, r, bad[i].err);
		ck_assert_msg(e.arg == 1, "'%s': error points at argument %d", bad[i].arg, e.arg);
		ck_assert_msg(strstr(e.msg, bad[i].msg), "'%s': message '%s' lacks '%s'",
			      bad[i].arg, e.msg, bad[i].msg);
		ck_assert_ptr_null(l.xc);
	}
}
END_TEST

START_TEST(test_ports)
{
	struct ocs_parse_err e;
	uint32_t *p, n;

	ck_assert_int_eq(ocs_parse_ports(3, ARGS("3", "0-1,7", "5-5"), 8, &p, &n, &e), 0);
	ck_assert_uint_eq(n, 5);
	ck_assert_uint_eq(p[0], 3);
	ck_assert_uint_eq(p[1], 0);
	ck_assert_uint_eq(p[2], 1);
	ck_assert_uint_eq(p[3], 7);
	ck_assert_uint_eq(p[4], 5);
	free(p);
	ck_assert_int_eq(ocs_parse_ports(1, ARGS("0-1023"), 0, &p, &n, &e), 0);
	ck_assert_uint_eq(n, 1024);
	free(p);
	ck_assert_int_eq(ocs_parse_ports(0, ARGS(NULL), 8, &p, &n, &e), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(p);
}
END_TEST

START_TEST(test_ports_bad)
{
	static const struct bad_pair bad[] = {
		{ "", -EINVAL, "empty item" },
		{ "x", -EINVAL, "'x' is not a port number" },
		{ "-1", -EINVAL, "'' is not a port number" },
		{ "1-", -EINVAL, "'' is not a port number" },
		{ "1-2-3", -EINVAL, "'2-3' is not a port number" },
		{ "3-1", -EINVAL, "range ends before it starts" },
		{ "8", -ERANGE, "port 8 is out of range (0..7)" },
		{ "6-8", -ERANGE, "out of range" },
		{ "2,2", -EINVAL, "port 2 is named twice" },
		{ "1-3,3", -EINVAL, "port 3 is named twice" },
		{ "4", -EINVAL, "port 4 is named twice" },	/* argument 0 has 4 */
		{ "1:2", -EINVAL, "not a port number" },
	};
	struct ocs_parse_err e;
	uint32_t *p, n;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[] = { "4", (char *)bad[i].arg };
		int r = ocs_parse_ports(2, argv, 8, &p, &n, &e);

		ck_assert_msg(r == bad[i].err, "'%s': got %d, want %d", bad[i].arg, r, bad[i].err);
		ck_assert_msg(e.arg == 1, "'%s': error points at argument %d", bad[i].arg, e.arg);
		ck_assert_msg(strstr(e.msg, bad[i].msg), "'%s': message '%s' lacks '%s'",
			      bad[i].arg, e.msg, bad[i].msg);
		ck_assert_ptr_null(p);
		ck_assert_uint_eq(n, 0);
	}
}
END_TEST

START_TEST(test_names_of_values)
{
	ck_assert_str_eq(ocs_state_name(MIXNET_OCS_STATE_IDLE), "idle");
	ck_assert_str_eq(ocs_state_name(MIXNET_OCS_STATE_SWITCHING), "switching");
	ck_assert_str_eq(ocs_state_name(9), "unknown");
	ck_assert_str_eq(ocs_event_name(MIXNET_OCS_EV_SWITCH_START), "switch-start");
	ck_assert_str_eq(ocs_event_name(MIXNET_OCS_EV_SWITCH_DONE), "switch-done");
	ck_assert_str_eq(ocs_event_name(MIXNET_OCS_EV_OVERFLOW), "overflow");
	ck_assert_str_eq(ocs_event_name(0), "unknown");
}
END_TEST

static Suite *ocs_parse_suite(void)
{
	Suite *s = suite_create("ocs_parse");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_name);
	tcase_add_test(tc, test_pairs_duplex);
	tcase_add_test(tc, test_pairs_simplex);
	tcase_add_test(tc, test_pairs_bad);
	tcase_add_test(tc, test_ports);
	tcase_add_test(tc, test_ports_bad);
	tcase_add_test(tc, test_names_of_values);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(ocs_parse_suite());
}
