// SPDX-License-Identifier: GPL-2.0
/* Unit tests: region configuration parsing and validation (agent/config.c). */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <linux/mixnet.h>

#include "../lib/check_run.h"
#include "agent_fixture.h"
#include "config.h"

static char dir[64];
static char pub0[CURVE_KEY_Z85_LEN + 1], pub1[CURVE_KEY_Z85_LEN + 1], pub2[CURVE_KEY_Z85_LEN + 1];

/*
 * The base configuration; the line numbers matter to the error tests.
 * %s are the public keys of h1 and h2 (h0's is read from its file).
 */
static const char base_fmt[] =
	"[region]\n"				/* 1 */
	"name = r1\n"				/* 2 */
	"alpha = 2\n"				/* 3 */
	"epoch_ms = 50\n"			/* 4 */
	"\n"					/* 5 */
	"[controller]\n"			/* 6 */
	"endpoint = tcp://198.18.1.1:7400\n"	/* 7 */
	"public_key_file = h0.pub\n"		/* 8 */
	"hysteresis = 0.25\n"			/* 9 */
	"\n"					/* 10 */
	"[agent]\n"				/* 11 */
	"roles = host, controller\n"		/* 12 */
	"host = h0\n"				/* 13 */
	"secret_key_file = h0.key\n"		/* 14 */
	"\n"					/* 15 */
	"[host h0]\n"				/* 16 */
	"fabric = 198.18.0.1\n"			/* 17 */
	"mgmt = 198.18.1.1\n"			/* 18 */
	"public_key_file = h0.pub\n"		/* 19 */
	"electrical = eth0\n"			/* 20 */
	"electrical_nexthop = 02:00:00:00:00:01\n"	/* 21 */
	"optical = ens1 port 0\n"		/* 22 */
	"optical = ens2 port 1 rx 9 numa 1\n"	/* 23 */
	"\n"					/* 24 */
	"[host h1]\n"				/* 25 */
	"fabric = 198.18.0.2\n"			/* 26 */
	"mgmt = 198.18.1.2\n"			/* 27 */
	"public_key = %s\n"			/* 28 */
	"electrical = eth0\n"			/* 29 */
	"electrical_nexthop = 02:00:00:00:00:02\n"	/* 30 */
	"optical = ens1 port 2\n"		/* 31 */
	"optical = ens2 port 3\n"		/* 32 */
	"\n"					/* 33 */
	"[host h2]\n"				/* 34 */
	"fabric = 2001:db8::3\n"		/* 35 */
	"mgmt = tcp://198.18.1.3\n"		/* 36 */
	"public_key = %s\n"			/* 37 */
	"electrical = eth0\n"			/* 38 */
	"electrical_nexthop = 02:00:00:00:00:03\n"	/* 39 */
	"optical = ens1 port 4\n"		/* 40 */
	"optical = ens2 port 5\n";		/* 41 */

static char *base_text(void)
{
	char *t = malloc(sizeof(base_fmt) + 128);

	ck_assert_ptr_nonnull(t);
	sprintf(t, base_fmt, pub1, pub2);
	return t;
}

/* Base text with the first occurrence of @from replaced by @to. */
static char *variant(const char *from, const char *to)
{
	char *b = base_text(), *p = strstr(b, from), *t;

	ck_assert_msg(p != NULL, "'%s' not in the base config", from);
	t = malloc(strlen(b) + strlen(to) + 1);
	ck_assert_ptr_nonnull(t);
	memcpy(t, b, (size_t)(p - b));
	strcpy(t + (p - b), to);
	strcat(t, p + strlen(from));
	free(b);
	return t;
}

static int load_text(const char *text, struct config **cfg, struct cfg_errors *errs)
{
	char path[128];

	fx_write(dir, "cfg.ini", text);
	snprintf(path, sizeof(path), "%s/cfg.ini", dir);
	return config_load(path, 0, cfg, errs);
}

/* Loading @text fails and some error contains every one of @needles. */
static void expect_error(const char *text, const char *needle1, const char *needle2)
{
	struct cfg_errors errs;
	struct config *cfg = (void *)1;
	unsigned int i;
	int rc = load_text(text, &cfg, &errs);

	ck_assert_int_eq(rc, -EINVAL);
	ck_assert_ptr_null(cfg);
	ck_assert_uint_ge(errs.count, 1);
	for (i = 0; i < errs.count && i < CFG_MAX_ERRORS; i++)
		if (strstr(errs.msg[i], needle1) && (!needle2 || strstr(errs.msg[i], needle2)))
			return;
	for (i = 0; i < errs.count && i < CFG_MAX_ERRORS; i++)
		fprintf(stderr, "  got: %s\n", errs.msg[i]);
	ck_abort_msg("no error with '%s' / '%s'", needle1, needle2 ? needle2 : "");
}

static void expect_variant_error(const char *from, const char *to, const char *n1, const char *n2)
{
	char *t = variant(from, to);

	expect_error(t, n1, n2);
	free(t);
}

/* The base text with @from replaced by @to fails with an error naming @where and @what. */
struct bad_variant {
	const char *from, *to;
	const char *where, *what;
};

static void expect_variant_errors(const struct bad_variant *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		expect_variant_error(v[i].from, v[i].to, v[i].where, v[i].what);
}

#define EXPECT_VARIANT_ERRORS(cases) expect_variant_errors(cases, sizeof(cases) / sizeof(cases[0]))

/* The base text with @from replaced by @to loads; config_free() the result. */
static struct config *load_variant(const char *from, const char *to)
{
	struct cfg_errors errs;
	struct config *cfg;
	char *t = variant(from, to);

	ck_assert_int_eq(load_text(t, &cfg, &errs), 0);
	free(t);
	return cfg;
}

static void setup(void)
{
	fx_mkdtemp(dir);
	fx_key(dir, "h0", pub0);
	fx_key(dir, "h1", pub1);
	fx_key(dir, "h2", pub2);
	fx_key(dir, "stranger", (char[CURVE_KEY_Z85_LEN + 1]){ 0 });
}

static void teardown(void)
{
	fx_rmtree(dir);
}

START_TEST(test_valid_full)
{
	struct cfg_errors errs;
	struct config *cfg;
	char *t = base_text();
	char buf[64];

	ck_assert_int_eq(load_text(t, &cfg, &errs), 0);
	free(t);
	ck_assert_str_eq(cfg->region, "r1");
	ck_assert_uint_eq(cfg->alpha, 2);
	ck_assert_uint_eq(cfg->epoch_ms, 50);
	ck_assert_double_eq(cfg->hysteresis, 0.25);
	ck_assert_uint_eq(cfg->drain_timeout_ms, 200);	/* default */
	ck_assert_str_eq(cfg->ocs_path, "/dev/mixnet/ocs0");	/* default */
	ck_assert_str_eq(cfg->ctl_endpoint, "tcp://198.18.1.1:7400");
	ck_assert_str_eq(cfg->ctl_public_key, pub0);
	ck_assert_uint_eq(cfg->roles, CFG_ROLE_HOST | CFG_ROLE_CONTROLLER);
	ck_assert_int_eq(cfg->self, 0);
	ck_assert_uint_eq(strlen(cfg->secret_key), CURVE_KEY_Z85_LEN);
	ck_assert_str_eq(cfg->device, "mixnet0");
	ck_assert_uint_eq(cfg->demand_socket_mode, 0660);
	ck_assert_uint_eq(cfg->nhosts, 3);

	ck_assert_str_eq(cfg->hosts[0].name, "h0");
	ck_assert_str_eq(cfg_addr_str(&cfg->hosts[0].fabric, buf, sizeof(buf)), "198.18.0.1");
	ck_assert_str_eq(cfg->hosts[0].public_key, pub0);
	ck_assert_uint_eq(cfg->hosts[0].noptical, 2);
	ck_assert_uint_eq(cfg->hosts[0].alpha, 2);
	ck_assert_str_eq(cfg->hosts[0].optical[0].ifname, "ens1");
	ck_assert_uint_eq(cfg->hosts[0].optical[0].tx_port, 0);
	ck_assert_uint_eq(cfg->hosts[0].optical[0].rx_port, 0);	/* rx defaults to port */
	ck_assert_uint_eq(cfg->hosts[0].optical[1].tx_port, 1);
	ck_assert_uint_eq(cfg->hosts[0].optical[1].rx_port, 9);
	ck_assert_uint_eq(cfg->hosts[0].optical[1].numa, 1);
	ck_assert_uint_eq(cfg->hosts[0].optical[1].line, 23);
	ck_assert_str_eq(cfg->hosts[0].electrical, "eth0");
	ck_assert_uint_eq(cfg->hosts[0].electrical_nexthop[5], 1);

	ck_assert_str_eq(cfg->hosts[1].public_key, pub1);
	ck_assert_int_eq(cfg->hosts[2].fabric.family, AF_INET6);
	ck_assert_str_eq(cfg_addr_str(&cfg->hosts[2].fabric, buf, sizeof(buf)), "2001:db8::3");
	ck_assert_str_eq(cfg_addr_str(&cfg->hosts[2].mgmt, buf, sizeof(buf)), "198.18.1.3");

	ck_assert_int_eq(config_host_index(cfg, "h2"), 2);
	ck_assert_int_eq(config_host_index(cfg, "h9"), -1);
	ck_assert_int_eq(config_host_by_fabric(cfg, &cfg->hosts[1].fabric), 1);
	ck_assert_int_eq(config_nic_index(cfg, 1, "ens2"), 1);
	ck_assert_int_eq(config_nic_index(cfg, 1, "ens9"), -1);
	config_free(cfg);
}
END_TEST

START_TEST(test_missing_file)
{
	struct cfg_errors errs;
	struct config *cfg;

	ck_assert_int_eq(config_load("/nonexistent/mixnet.ini", 0, &cfg, &errs), -ENOENT);
	ck_assert_ptr_null(cfg);
	ck_assert_uint_eq(errs.count, 1);
	ck_assert_ptr_nonnull(strstr(errs.msg[0], "/nonexistent/mixnet.ini"));
}
END_TEST

START_TEST(test_syntax_errors)
{
	static const struct bad_variant cases[] = {
		{ "alpha = 2\n", "alpha 2\n", "cfg.ini:3:", "syntax error" },
		{ "[controller]\n", "[controller\n", "cfg.ini:6:", "syntax error" },
		{ "epoch_ms = 50\n", "epoch_ms = 5000000000000000000000\n",
		  "cfg.ini:4:", "[region] epoch_ms: '5000000000000000000000' out of range" },
		{ "[region]\n", "name = x\n[region]\n", "cfg.ini:1:", "outside any section" },
	};
	char longline[400];

	EXPECT_VARIANT_ERRORS(cases);
	memset(longline, 'x', sizeof(longline));
	memcpy(longline, "epoch_ms = ", 11);
	longline[sizeof(longline) - 2] = '\n';
	longline[sizeof(longline) - 1] = '\0';
	expect_variant_error("epoch_ms = 50\n", longline, "cfg.ini:4:", "line longer than");
}
END_TEST

START_TEST(test_unknown_and_duplicate)
{
	static const struct bad_variant cases[] = {
		{ "epoch_ms = 50\n", "epoch_ms = 50\nepoch = 3\n",
		  "cfg.ini:5:", "[region] epoch: unknown key" },
		{ "[agent]\n", "[agnet]\n", "cfg.ini:11:", "[agnet]: unknown section" },
		{ "alpha = 2\n", "alpha = 2\nalpha = 3\n",
		  "cfg.ini:4:", "[region] alpha: given twice" },
		{ "[host h1]\n", "[host h0]\n",
		  "cfg.ini:25:", "host 'h0' already defined at line 16" },
		{ "[agent]\n", "[region]\nx = 1\n[agent]\n",
		  "cfg.ini:11:", "section given twice (first at line 1)" },
		{ "fabric = 198.18.0.2\n", "fabrik = 198.18.0.2\n",
		  "cfg.ini:26:", "[host h1] fabrik: unknown key" },
	};

	EXPECT_VARIANT_ERRORS(cases);
}
END_TEST

START_TEST(test_bad_values)
{
	static const struct bad_variant cases[] = {
		{ "name = r1\n", "name = r 1\n", "cfg.ini:2:", "[region] name:" },
		{ "alpha = 2\n", "alpha = 0\n", "cfg.ini:3:", "out of range 1..16" },
		/* A kernel route holds MIXNET_MAX_OPTICAL_PATHS optical paths. */
		{ "alpha = 2\n", "alpha = 17\n", "cfg.ini:3:", "out of range 1..16" },
		{ "optical = ens2 port 3\n", "optical = ens2 port 3\nalpha = 17\n",
		  "cfg.ini:33:", "[host h1] alpha: '17' out of range 1..16" },
		{ "alpha = 2\n", "alpha = two\n", "cfg.ini:3:", "not a decimal number" },
		{ "hysteresis = 0.25\n", "hysteresis = 1\n",
		  "cfg.ini:9:", "[controller] hysteresis: '1' out of range [0, 1)" },
		{ "hysteresis = 0.25\n", "hysteresis = 0.2x\n", "cfg.ini:9:", "not a number" },
		{ "endpoint = tcp://198.18.1.1:7400\n", "endpoint = 198.18.1.1:7400\n",
		  "cfg.ini:7:", "expected tcp://ADDRESS:PORT" },
		{ "endpoint = tcp://198.18.1.1:7400\n", "endpoint = tcp://0.0.0.0:7400\n",
		  "cfg.ini:7:", "no wildcard" },
		{ "endpoint = tcp://198.18.1.1:7400\n", "endpoint = tcp://198.18.1.1:0\n",
		  "cfg.ini:7:", "port must be 1..65535" },
		{ "endpoint = tcp://198.18.1.1:7400\n", "endpoint = tcp://[2001:db8::1:7400\n",
		  "cfg.ini:7:", "expected tcp://" },
		{ "hysteresis = 0.25\n", "hysteresis = 0.25\nocs = dev/ocs0\n",
		  "cfg.ini:10:", "[controller] ocs: 'dev/ocs0' is not an absolute path" },
		{ "roles = host, controller\n", "roles = host, router\n",
		  "cfg.ini:12:", "unknown role 'router'" },
		{ "host = h0\n", "host = h0\ndemand_socket_mode = 0999\n",
		  "cfg.ini:14:", "not an octal mode" },
		{ "host = h0\n", "host = h0\ncontrol_socket = run/c.sock\n",
		  "cfg.ini:14:", "must be an absolute path" },
	};

	EXPECT_VARIANT_ERRORS(cases);
}
END_TEST

START_TEST(test_ipv6_endpoint_ok)
{
	struct config *cfg = load_variant("endpoint = tcp://198.18.1.1:7400\n",
					  "endpoint = tcp://[2001:db8::1]:7400\n");

	ck_assert_str_eq(cfg->ctl_endpoint, "tcp://[2001:db8::1]:7400");
	config_free(cfg);
}
END_TEST

START_TEST(test_bad_host_values)
{
	static const struct bad_variant cases[] = {
		{ "fabric = 198.18.0.2\n", "fabric = 198.18.0.300\n",
		  "cfg.ini:26:", "not a unicast IPv4 or IPv6 address" },
		{ "fabric = 198.18.0.2\n", "fabric = 224.0.0.1\n", "cfg.ini:26:", "not a unicast" },
		{ "mgmt = 198.18.1.2\n", "mgmt = h1.example\n", "cfg.ini:27:", "[host h1] mgmt:" },
		{ "electrical_nexthop = 02:00:00:00:00:02\n",
		  "electrical_nexthop = 02:00:00:00:00\n",
		  "cfg.ini:30:", "not a MAC address" },
		{ "electrical_nexthop = 02:00:00:00:00:02\n",
		  "electrical_nexthop = 01:00:5e:00:00:02\n",
		  "cfg.ini:30:", "multicast" },
		{ "electrical = eth0\n", "electrical = a/b\n",
		  "cfg.ini:20:", "not a valid interface name" },
		{ "public_key = ", "public_key = abc\npublic_key_x = ",
		  "cfg.ini:28:", "not a 40-character Z85 CURVE public key" },
		{ "public_key_file = h0.pub\n", "public_key_file = nope.pub\n",
		  "cfg.ini:8:", "nope.pub: No such file" },
	};

	EXPECT_VARIANT_ERRORS(cases);
}
END_TEST

START_TEST(test_bad_optical)
{
	static const struct bad_variant cases[] = {
		{ "optical = ens1 port 2\n", "optical = ens1\n",
		  "cfg.ini:31:", "expected IFNAME port N" },
		{ "optical = ens1 port 2\n", "optical = ens1 prt 2\n",
		  "cfg.ini:31:", "unknown word 'prt'" },
		{ "optical = ens1 port 2\n", "optical = ens1 port 2 port 3\n",
		  "cfg.ini:31:", "'port' given twice" },
		{ "optical = ens1 port 2\n", "optical = ens1 port 1024\n",
		  "cfg.ini:31:", "port '1024' is not a number in 0..1023" },
		{ "optical = ens1 port 2\n", "optical = ens1 rx 2\n",
		  "cfg.ini:31:", "missing 'port N'" },
		/* Cabling: a port can only be cabled once. */
		{ "optical = ens1 port 2\n", "optical = ens1 port 1\n",
		  "cfg.ini:31:", "OCS port 1 is already cabled (tx)" },
		{ "optical = ens1 port 2\n", "optical = ens1 port 2 rx 9\n",
		  "cfg.ini:31:", "OCS port 9 is already cabled (rx)" },
		/* Port 9 is h0/ens2's rx: it cannot also be another NIC's tx. */
		{ "optical = ens1 port 4\n", "optical = ens1 port 9 rx 4\n",
		  "cfg.ini:40:", "OCS port shared with another NIC" },
		{ "optical = ens2 port 3\n", "optical = ens1 port 3\n",
		  "cfg.ini:32:", "ens1 listed twice (line 31)" },
		{ "electrical = eth0\nelectrical_nexthop = 02:00:00:00:00:02\n",
		  "electrical = ens1\nelectrical_nexthop = 02:00:00:00:00:02\n",
		  "cfg.ini:31:", "ens1 is also the electrical lower" },
	};

	EXPECT_VARIANT_ERRORS(cases);
}
END_TEST

/* More optical NICs than a kernel route holds is refused at the first extra one. */
START_TEST(test_too_many_optical)
{
	char lines[64 * (MIXNET_MAX_OPTICAL_PATHS + 1)], *t;
	size_t len = 0;
	uint32_t i;

	/* h2 gets ens2..ens17 beside ens1: 17 NICs, the 17th on line 41 + 15. */
	for (i = 0; i < MIXNET_MAX_OPTICAL_PATHS; i++)
		len += (size_t)snprintf(lines + len, sizeof(lines) - len,
					"optical = ens%u port %u\n", i + 2, 100 + i);
	t = variant("optical = ens2 port 5\n", lines);
	expect_error(t, "cfg.ini:56:", "more than 16 optical NICs");
	free(t);
}
END_TEST

START_TEST(test_alpha_mismatch)
{
	struct config *cfg;

	/* One optical NIC where the region says 2. */
	expect_variant_error("optical = ens2 port 3\n", "", "cfg.ini:25:",
			     "1 optical NICs but [region] alpha = 2");
	/* Explicit per-host alpha documents a degraded host: accepted. */
	cfg = load_variant("optical = ens2 port 3\n", "alpha = 1\n");
	ck_assert_uint_eq(cfg->hosts[1].alpha, 1);
	config_free(cfg);
	expect_variant_error("optical = ens2 port 3\n", "optical = ens2 port 3\nalpha = 3\n",
			     "cfg.ini:33:", "[host h1] alpha: 3 but 2 optical NICs are listed");
}
END_TEST

START_TEST(test_missing_keys)
{
	static const struct bad_variant cases[] = {
		{ "name = r1\n", "", "cfg.ini:1:", "[region] name: missing" },
		{ "endpoint = tcp://198.18.1.1:7400\n", "",
		  "cfg.ini:6:", "[controller] endpoint: missing" },
		{ "fabric = 198.18.0.2\n", "", "cfg.ini:25:", "[host h1] fabric: missing" },
		{ "electrical_nexthop = 02:00:00:00:00:02\n", "",
		  "cfg.ini:25:", "[host h1] electrical_nexthop: missing" },
		{ "public_key = ", "# ", "cfg.ini:25:", "[host h1] public_key: missing" },
		{ "roles = host, controller\n", "", "cfg.ini:11:", "[agent] roles: missing" },
		{ "host = h0\n", "", "cfg.ini:12:", "role 'host' needs 'host = NAME'" },
		{ "host = h0\n", "host = h7\n", "cfg.ini:13:", "no [host h7] section" },
		{ "[region]\nname = r1\nalpha = 2\nepoch_ms = 50\n", "",
		  "cfg.ini: [region] name: missing (and the section is absent)", NULL },
	};
	char *t = base_text();

	EXPECT_VARIANT_ERRORS(cases);
	*strstr(t, "[host h0]") = '\0';
	expect_error(t, "no [host NAME] section", NULL);
	free(t);
}
END_TEST

START_TEST(test_uniqueness)
{
	char from[80], to[80];

	expect_variant_error("fabric = 198.18.0.2\n", "fabric = 198.18.0.1\n", "cfg.ini:25:",
			     "[host h1] fabric: same address as host h0");
	snprintf(from, sizeof(from), "public_key = %s\n", pub2);
	snprintf(to, sizeof(to), "public_key = %s\n", pub1);
	expect_variant_error(from, to, "cfg.ini:34:", "same key as host h1");
}
END_TEST

START_TEST(test_secret_key_checks)
{
	char path[128];

	/* The secret key must belong to this host and the controller. */
	expect_variant_error("secret_key_file = h0.key\n", "secret_key_file = h1.key\n", "cfg.ini:14:",
			     "does not match the public key of [host h0]");
	expect_variant_error("roles = host, controller\nhost = h0\nsecret_key_file = h0.key\n",
			     "roles = controller\nsecret_key_file = h1.key\n", "cfg.ini:13:",
			     "does not match [controller] public key");
	/* A public key where the secret one belongs: valid Z85, wrong key. */
	fx_write(dir, "wrong.key", pub1);
	snprintf(path, sizeof(path), "%s/wrong.key", dir);
	ck_assert_int_eq(chmod(path, 0600), 0);
	expect_variant_error("secret_key_file = h0.key\n", "secret_key_file = wrong.key\n",
			     "cfg.ini:14:", "does not match the public key of [host h0]");
	/* A secret key readable by others is refused. */
	snprintf(path, sizeof(path), "%s/h0.key", dir);
	ck_assert_int_eq(chmod(path, 0640), 0);
	expect_variant_error("roles", "roles", "cfg.ini:14:", "accessible by group or others");
	ck_assert_int_eq(chmod(path, 0600), 0);
	expect_variant_error("secret_key_file = h0.key\n", "secret_key_file = absent.key\n",
			     "cfg.ini:14:", "absent.key: No such file");
}
END_TEST

START_TEST(test_many_errors_reported)
{
	struct cfg_errors errs;
	struct config *cfg;
	char *t = variant("alpha = 2\n", "alpha = x\nfoo = 1\n");
	char *t2;

	/* Several independent mistakes come back in one run. */
	t2 = strstr(t, "fabric = 198.18.0.2");
	memcpy(t2, "fabric = 198.18.0.1", 19);
	ck_assert_int_eq(load_text(t, &cfg, &errs), -EINVAL);
	ck_assert_uint_ge(errs.count, 3);
	free(t);
}
END_TEST

/* The shipped examples parse (all but their secret key, which is site-local). */
START_TEST(test_examples_parse)
{
	static const char *const ex[] = { "host.ini", "controller.ini", "combined.ini" };
	struct config *cfg;
	char examples[PATH_MAX];
	unsigned int i;

	ck_assert_int_lt(snprintf(examples, sizeof(examples), "%s/Documentation/examples", fx_top()),
			 sizeof(examples));
	for (i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		cfg = fx_load(examples, ex[i], CFG_LOAD_NO_SECRET);
		ck_assert_uint_ge(cfg->nhosts, 2);
		config_free(cfg);
	}
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_valid_full);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_syntax_errors);
	tcase_add_test(tc, test_unknown_and_duplicate);
	tcase_add_test(tc, test_bad_values);
	tcase_add_test(tc, test_ipv6_endpoint_ok);
	tcase_add_test(tc, test_bad_host_values);
	tcase_add_test(tc, test_bad_optical);
	tcase_add_test(tc, test_alpha_mismatch);
	tcase_add_test(tc, test_too_many_optical);
	tcase_add_test(tc, test_missing_keys);
	tcase_add_test(tc, test_uniqueness);
	tcase_add_test(tc, test_secret_key_checks);
	tcase_add_test(tc, test_many_errors_reported);
	tcase_add_test(tc, test_examples_parse);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(config_suite());
}
