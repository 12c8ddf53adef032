// SPDX-License-Identifier: GPL-2.0
/* Unit tests: mixnet-sim's cost model (tools/sim/sim_cost.c). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/check_run.h"
#include "sim_cost.h"

/* Worked by hand from the paper's table, 10 m of fibre at $0.3/m. */
START_TEST(test_default_formulas_400g)
{
	struct cost_model cm;
	const struct cost_prices *p;
	double ft_nic, opt_nic, patch_nic;

	cost_default(&cm);
	p = cost_prices_at(&cm, 400);
	ck_assert_ptr_nonnull(p);
	/* 1499 + 7 x 659 + 6 x 1090 + 3.5 links x $3 */
	ft_nic = 1499 + 7 * 659 + 6 * 1090 + 3.5 * 3;
	ck_assert_double_eq_tol(cost_eps_nic(&cm, p, 6), ft_nic, 1e-9);
	ck_assert_double_eq_tol(ft_nic, 12662.5, 1e-9);
	/* 1499 + 659 + 520 + $3 */
	opt_nic = 1499 + 659 + 520 + 3;
	patch_nic = 1499 + 659 + 100 + 3;
	ck_assert_double_eq_tol(cost_optical_nic(&cm, p, 0), opt_nic, 1e-9);
	ck_assert_double_eq_tol(cost_optical_nic(&cm, p, 1), patch_nic, 1e-9);

	ck_assert_double_eq_tol(cost_fabric(&cm, FABRIC_FAT_TREE, 128, 400, 6),
				128 * 8 * ft_nic, 1e-6);
	ck_assert_double_eq_tol(cost_fabric(&cm, FABRIC_RAIL, 128, 400, 6),
				128 * 8 * ft_nic, 1e-6);
	ck_assert_double_eq_tol(cost_fabric(&cm, FABRIC_MIXNET, 128, 400, 6),
				128 * (6 * opt_nic + 2 * ft_nic), 1e-6);
	ck_assert_double_eq_tol(cost_fabric(&cm, FABRIC_STATIC_OCS, 128, 400, 6),
				128 * (6 * patch_nic + 2 * ft_nic), 1e-6);
	/* 3:1 at the ToR: 1 + 5/3 ports per NIC */
	ck_assert_double_eq_tol(cost_fabric(&cm, FABRIC_OVERSUB3, 1, 400, 6),
				8 * cost_eps_nic(&cm, p, 1 + 5.0 / 3), 1e-6);
	/* mixnet at alpha 6 costs 2.44x less than fat-tree at 400G */
	ck_assert_double_eq_tol(cost_fabric(&cm, FABRIC_FAT_TREE, 1, 400, 6) /
				cost_fabric(&cm, FABRIC_MIXNET, 1, 400, 6), 2.4462, 1e-4);
}
END_TEST

START_TEST(test_all_speeds_and_unknown)
{
	struct cost_model cm;
	uint32_t speeds[] = { 100, 200, 400, 800 }, k;

	cost_default(&cm);
	for (k = 0; k < 4; k++) {
		double ft = cost_fabric(&cm, FABRIC_FAT_TREE, 1, speeds[k], 6);
		double mx = cost_fabric(&cm, FABRIC_MIXNET, 1, speeds[k], 6);

		ck_assert_double_gt(ft, mx);
		ck_assert_double_gt(mx, 0);
	}
	/* the saving grows with speed: OCS ports cost the same at any rate */
	ck_assert_double_lt(cost_fabric(&cm, FABRIC_FAT_TREE, 1, 100, 6) /
			    cost_fabric(&cm, FABRIC_MIXNET, 1, 100, 6),
			    cost_fabric(&cm, FABRIC_FAT_TREE, 1, 800, 6) /
			    cost_fabric(&cm, FABRIC_MIXNET, 1, 800, 6));
	ck_assert_double_lt(cost_fabric(&cm, FABRIC_FAT_TREE, 1, 1600, 6), 0);
	ck_assert_ptr_null(cost_prices_at(&cm, 1600));
}
END_TEST

static char path[] = "/tmp/mixnet-prices-XXXXXX";

static void write_file(const char *text)
{
	FILE *f;
	int fd;

	strcpy(path, "/tmp/mixnet-prices-XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
}

START_TEST(test_price_file_overrides)
{
	struct cost_model cm;
	char err[256];

	cost_default(&cm);
	write_file("; our quote\n[general]\nfat_tree_ports_per_nic = 4\nfiber_m = 0\n"
		   "[400G]\nnic = 1000\n[1600G]\ntransceiver = 2000\nnic = 3000\neps_port = 2500\n"
		   "ocs_port = 520\npatch_panel_port = 100\n");
	ck_assert_int_eq(cost_load(&cm, path, err, sizeof(err)), 0);
	unlink(path);
	/* 400G: nic 1000, 5 transceivers, 4 ports, no fibre */
	ck_assert_double_eq_tol(cost_fabric(&cm, FABRIC_FAT_TREE, 1, 400, 6),
				8 * (1000 + 5 * 659 + 4 * 1090), 1e-6);
	/* a new speed */
	ck_assert_double_eq_tol(cost_fabric(&cm, FABRIC_MIXNET, 1, 1600, 6),
				6 * (3000 + 2000 + 520) + 2 * (3000 + 5 * 2000 + 4 * 2500), 1e-6);
	/* untouched entries keep the paper's values */
	ck_assert_double_eq(cost_prices_at(&cm, 100)->nic, 659);
}
END_TEST

START_TEST(test_price_file_errors)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{ "[400G]\nnic = cheap\n", "line 2: nic: 'cheap' is not a number" },
		{ "[400G]\nnic = -5\n", "line 2: nic" },
		{ "[general]\n\nbogus = 1\n", "line 3: unknown" },
		{ "[fast]\nnic = 1\n", "line 2: unknown section [fast]" },
		{ "[400G]\nnic 1000\n", "line 2: syntax error" },
		{ "[400G]\nwarp_drive = 1\n", "line 2: unknown key 'warp_drive'" },
		{ "[general]\noversub = 0.5\n", "line 2" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cost_model cm;
		char err[256] = "";

		cost_default(&cm);
		write_file(cases[i].text);
		ck_assert_int_eq(cost_load(&cm, path, err, sizeof(err)), -EINVAL);
		unlink(path);
		ck_assert_msg(strstr(err, cases[i].msg), "case %zu: '%s' lacks '%s'", i, err,
			      cases[i].msg);
		/* all or nothing: the table is untouched */
		ck_assert_double_eq(cost_prices_at(&cm, 400)->nic, 1499);
	}
	{
		struct cost_model cm;
		char err[256];

		cost_default(&cm);
		ck_assert_int_eq(cost_load(&cm, "/nonexistent/prices.ini", err, sizeof(err)), -ENOENT);
	}
}
END_TEST

static Suite *cost_suite(void)
{
	Suite *s = suite_create("sim_cost");
	TCase *tc = tcase_create("cost");

	tcase_add_test(tc, test_default_formulas_400g);
	tcase_add_test(tc, test_all_speeds_and_unknown);
	tcase_add_test(tc, test_price_file_overrides);
	tcase_add_test(tc, test_price_file_errors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(cost_suite());
}
