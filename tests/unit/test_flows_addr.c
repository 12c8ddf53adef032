// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: peer addresses in the sampler's 16-byte form, peer lists and
 * their validation (agent/flows_addr.c), and the device-type to link-mode
 * choice that tells the BPF program where the IP header starts.
 */
#include <check.h>
#include <errno.h>
#include <net/if_arp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/check_run.h"
#include "flows.h"
#include "flows_addr.h"

START_TEST(test_parse_v4_mapped)
{
	static const uint8_t want[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 18, 0, 2 };
	struct flows_addr a, b;
	char buf[FLOWS_ADDRSTRLEN];

	ck_assert_int_eq(flows_addr_parse("198.18.0.2", &a), 0);
	ck_assert_mem_eq(a.b, want, 16);
	ck_assert(flows_addr_is_v4(a.b));
	ck_assert_str_eq(flows_addr_str(a.b, buf, sizeof(buf)), "198.18.0.2");
	/* the mapped IPv6 spelling is the same peer */
	ck_assert_int_eq(flows_addr_parse("::ffff:198.18.0.2", &b), 0);
	ck_assert_int_eq(flows_addr_cmp(&a, &b), 0);
}
END_TEST

START_TEST(test_parse_v6)
{
	struct flows_addr a;
	char buf[FLOWS_ADDRSTRLEN];

	ck_assert_int_eq(flows_addr_parse("2001:db8::1", &a), 0);
	ck_assert(!flows_addr_is_v4(a.b));
	ck_assert_uint_eq(a.b[0], 0x20);
	ck_assert_uint_eq(a.b[15], 1);
	ck_assert_str_eq(flows_addr_str(a.b, buf, sizeof(buf)), "2001:db8::1");
}
END_TEST

START_TEST(test_parse_rejects)
{
	static const char *const bad[] = {
		"", "0.0.0.0", "::", "198.18.0", "198.18.0.1/24", "198.18.0.256", " 198.18.0.1",
		"198.18.0.1 ", "host", "2001:db8::1%eth0", "[2001:db8::1]", "198.18.0.1:80",
	};
	struct flows_addr a;
	size_t i;

	memset(&a, 0xab, sizeof(a));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(flows_addr_parse(bad[i], &a) == -EINVAL, "accepted '%s'", bad[i]);
	ck_assert_int_eq(flows_addr_parse(NULL, &a), -EINVAL);
	ck_assert_uint_eq(a.b[0], 0xab);	/* untouched on error */
}
END_TEST

START_TEST(test_peers_read)
{
	static const char text[] =
		"# region 3\n"
		"198.18.0.2\n"
		"\n"
		"   198.18.0.3   # rack 2\n"
		"\t2001:db8::7\r\n";
	struct flows_addr *p = NULL;
	unsigned int line = 0;
	size_t n = 0;
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(flows_peers_read(f, &p, &n, &line), 0);
	fclose(f);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(p[0].b[15], 2);
	ck_assert_uint_eq(p[1].b[15], 3);
	ck_assert_uint_eq(p[2].b[15], 7);
	ck_assert(!flows_addr_is_v4(p[2].b));
	free(p);
}
END_TEST

START_TEST(test_peers_read_bad_line)
{
	static const char text[] = "198.18.0.2\n198.18.0.3\n# ok\n198.18.0.x\n198.18.0.5\n";
	struct flows_addr *p = NULL;
	unsigned int line = 0;
	size_t n = 0;
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(flows_peers_read(f, &p, &n, &line), -EINVAL);
	fclose(f);
	ck_assert_uint_eq(line, 4);
	ck_assert_uint_eq(n, 2);	/* what came before; the caller gives up */
	free(p);
}
END_TEST

START_TEST(test_peers_check)
{
	struct flows_addr p[4];
	size_t bad = 99;

	ck_assert_int_eq(flows_addr_parse("198.18.0.1", &p[0]), 0);
	ck_assert_int_eq(flows_addr_parse("198.18.0.2", &p[1]), 0);
	ck_assert_int_eq(flows_addr_parse("2001:db8::1", &p[2]), 0);
	ck_assert_int_eq(flows_addr_parse("198.18.0.2", &p[3]), 0);

	ck_assert_int_eq(flows_peers_check(p, 3, 3, &bad), 0);
	ck_assert_int_eq(flows_peers_check(NULL, 0, 3, &bad), 0);
	ck_assert_int_eq(flows_peers_check(p, 4, 10, &bad), -EINVAL);
	ck_assert_uint_eq(bad, 3);		/* the second 198.18.0.2 */
	ck_assert_int_eq(flows_peers_check(p, 3, 2, &bad), -E2BIG);
	memset(&p[1], 0, sizeof(p[1]));		/* the free-slot marker */
	ck_assert_int_eq(flows_peers_check(p, 3, 10, &bad), -EINVAL);
	ck_assert_uint_eq(bad, 1);
}
END_TEST

START_TEST(test_link_mode)
{
	ck_assert_int_eq(flows_link_mode(ARPHRD_ETHER), MIXNET_LINK_ETHERNET);
	ck_assert_int_eq(flows_link_mode(ARPHRD_LOOPBACK), MIXNET_LINK_ETHERNET);
	ck_assert_int_eq(flows_link_mode(ARPHRD_NONE), MIXNET_LINK_L3);
	ck_assert_int_eq(flows_link_mode(ARPHRD_RAWIP), MIXNET_LINK_L3);
	ck_assert_int_eq(flows_link_mode(ARPHRD_TUNNEL), MIXNET_LINK_L3);
	ck_assert_int_eq(flows_link_mode(ARPHRD_IEEE80211_RADIOTAP), -1);
	ck_assert_int_eq(flows_link_mode(ARPHRD_INFINIBAND), -1);
	ck_assert_str_eq(flows_link_mode_name(MIXNET_LINK_L3), "l3");
	ck_assert_str_eq(flows_link_mode_name(MIXNET_LINK_ETHERNET), "ethernet");
}
END_TEST

static Suite *flows_addr_suite(void)
{
	Suite *s = suite_create("flows_addr");
	TCase *addr = tcase_create("addr");
	TCase *list = tcase_create("peer_list");
	TCase *dev = tcase_create("device");

	tcase_add_test(addr, test_parse_v4_mapped);
	tcase_add_test(addr, test_parse_v6);
	tcase_add_test(addr, test_parse_rejects);
	tcase_add_test(list, test_peers_read);
	tcase_add_test(list, test_peers_read_bad_line);
	tcase_add_test(list, test_peers_check);
	tcase_add_test(dev, test_link_mode);
	suite_add_tcase(s, addr);
	suite_add_tcase(s, list);
	suite_add_tcase(s, dev);
	return s;
}

int main(void)
{
	return check_run(flows_addr_suite());
}
