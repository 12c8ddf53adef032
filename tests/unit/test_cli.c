// SPDX-License-Identifier: GPL-2.0
/* Unit tests: the agent's shared command-line helpers (agent/cli.c). */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/check_run.h"
#include "cli.h"

START_TEST(test_parse_u64_valid)
{
	uint64_t v = 7;

	ck_assert_int_eq(cli_parse_u64("0", 0, 10, &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(cli_parse_u64("18446744073709551615", 0, UINT64_MAX, &v), 0);
	ck_assert_uint_eq(v, UINT64_MAX);
}
END_TEST

START_TEST(test_parse_u64_rejects)
{
	static const char *const bad[] = { "", "-1", "+1", " 1", "1 ", "1x", "0x10", "abc" };
	uint64_t v = 42;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(cli_parse_u64(bad[i], 0, 100, &v) == -EINVAL, "accepted '%s'", bad[i]);
		ck_assert_uint_eq(v, 42);	/* untouched on error */
	}
	ck_assert_int_eq(cli_parse_u64(NULL, 0, 100, &v), -EINVAL);
	ck_assert_int_eq(cli_parse_u64("18446744073709551616", 0, UINT64_MAX, &v), -ERANGE);
	ck_assert_int_eq(cli_parse_u64("101", 0, 100, &v), -ERANGE);
	ck_assert_int_eq(cli_parse_u64("4", 5, 100, &v), -ERANGE);
	ck_assert_uint_eq(v, 42);
}
END_TEST

START_TEST(test_parse_u32_bounds)
{
	uint32_t v = 3;

	ck_assert_int_eq(cli_parse_u32("4294967295", 0, UINT32_MAX, &v), 0);
	ck_assert_uint_eq(v, UINT32_MAX);
	ck_assert_int_eq(cli_parse_u32("4294967296", 0, UINT32_MAX, &v), -ERANGE);
	ck_assert_uint_eq(v, UINT32_MAX);
}
END_TEST

START_TEST(test_parse_double)
{
	static const char *const bad[] = { "", " 1", "1 ", "1x", "nan", "inf", "1e400", "1e-400",
					   "0x", "." };
	double v = 7;
	size_t i;

	ck_assert_int_eq(cli_parse_double("0.25", 0, 1, &v), 0);
	ck_assert_double_eq(v, 0.25);
	ck_assert_int_eq(cli_parse_double("-1.5e3", -2000, 0, &v), 0);
	ck_assert_double_eq(v, -1500);
	v = 42;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(cli_parse_double(bad[i], -1e9, 1e9, &v) == -EINVAL, "accepted '%s'",
			      bad[i]);
		ck_assert_double_eq(v, 42);	/* untouched on error */
	}
	ck_assert_int_eq(cli_parse_double(NULL, 0, 1, &v), -EINVAL);
	ck_assert_int_eq(cli_parse_double("1", 0, 1, &v), 0);	/* bounds are inclusive */
	ck_assert_int_eq(cli_parse_double("1.0001", 0, 1, &v), -ERANGE);
	ck_assert_int_eq(cli_parse_double("-0.1", 0, 1, &v), -ERANGE);
	ck_assert_double_eq(v, 1);
}
END_TEST

START_TEST(test_exit_codes)
{
	ck_assert_int_eq(cli_exit_code(0), EXIT_OK);
	ck_assert_int_eq(cli_exit_code(EPERM), EXIT_PERM);
	ck_assert_int_eq(cli_exit_code(-EACCES), EXIT_PERM);
	ck_assert_int_eq(cli_exit_code(ENODEV), EXIT_NOTFOUND);
	ck_assert_int_eq(cli_exit_code(ESTALE), EXIT_CONFLICT);
	ck_assert_int_eq(cli_exit_code(EBUSY), EXIT_CONFLICT);
	ck_assert_int_eq(cli_exit_code(EINVAL), EXIT_USAGE);
	ck_assert_int_eq(cli_exit_code(EIO), EXIT_FAIL);
}
END_TEST

START_TEST(test_global_opts_anywhere)
{
	char a0[] = "route", a1[] = "--json", a2[] = "show", a3[] = "-v", a4[] = "dev";
	char *argv[] = { a0, a1, a2, a3, a4, NULL };
	struct cli cli = { 0 };
	int argc;

	argc = cli_take_global_opts(&cli, 5, argv);
	ck_assert_int_eq(argc, 3);
	ck_assert(cli.json);
	ck_assert(cli.verbose);
	ck_assert_str_eq(argv[0], "route");
	ck_assert_str_eq(argv[1], "show");
	ck_assert_str_eq(argv[2], "dev");
	ck_assert_ptr_null(argv[3]);
}
END_TEST

static Suite *cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_parse_u64_valid);
	tcase_add_test(tc, test_parse_u64_rejects);
	tcase_add_test(tc, test_parse_u32_bounds);
	tcase_add_test(tc, test_parse_double);
	tcase_add_test(tc, test_exit_codes);
	tcase_add_test(tc, test_global_opts_anywhere);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(cli_suite());
}
