// SPDX-License-Identifier: GPL-2.0
/* Unit tests: CSV demand matrices (agent/demand_matrix.c). */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/check_run.h"
#include "demand_matrix.h"

static int parse(const char *text, struct demand_matrix *m, struct demand_error *e)
{
	return demand_matrix_parse(text, strlen(text), m, e);
}

START_TEST(test_plain)
{
	struct demand_matrix m;
	struct demand_error e;

	ck_assert_int_eq(parse("0,1e9,2.5\n3,0,0\n0, 7 ,\t0\n", &m, &e), 0);
	ck_assert_uint_eq(m.n, 3);
	ck_assert_ptr_null(m.names);
	ck_assert_double_eq(m.bytes[1], 1e9);
	ck_assert_double_eq(m.bytes[2], 2.5);
	ck_assert_double_eq(m.bytes[3], 3);
	ck_assert_double_eq(m.bytes[7], 7);
	demand_matrix_free(&m);
	ck_assert_ptr_null(m.bytes);
	demand_matrix_free(&m);	/* twice is fine */
}
END_TEST

START_TEST(test_header_comments_crlf)
{
	struct demand_matrix m;
	struct demand_error e;
	char buf[16];

	ck_assert_int_eq(parse("# demand of layer 3\r\n\r\nh0, \"h 1\"\r\n  # more\r\n0,5\r\n6,0\r\n\n",
			       &m, &e), 0);
	ck_assert_uint_eq(m.n, 2);
	ck_assert_ptr_nonnull(m.names);
	ck_assert_str_eq(m.names[0], "h0");
	ck_assert_str_eq(m.names[1], "h 1");
	ck_assert_double_eq(m.bytes[1], 5);
	ck_assert_double_eq(m.bytes[2], 6);
	ck_assert_str_eq(demand_matrix_name(&m, 1, buf, sizeof(buf)), "h 1");
	demand_matrix_free(&m);

	/* no trailing newline, no header: names are indexes */
	ck_assert_int_eq(parse("4", &m, &e), 0);
	ck_assert_uint_eq(m.n, 1);
	ck_assert_str_eq(demand_matrix_name(&m, 0, buf, sizeof(buf)), "0");
	demand_matrix_free(&m);
}
END_TEST

START_TEST(test_row_labels)
{
	struct demand_matrix m;
	struct demand_error e;

	ck_assert_int_eq(parse(",a,b\na,0,1\nb,2,0\n", &m, &e), 0);
	ck_assert_uint_eq(m.n, 2);
	ck_assert_str_eq(m.names[1], "b");
	ck_assert_double_eq(m.bytes[1], 1);
	ck_assert_double_eq(m.bytes[2], 2);
	demand_matrix_free(&m);

	ck_assert_int_eq(parse(",a,b\na,0,1\nc,2,0\n", &m, &e), -EINVAL);
	ck_assert_uint_eq(e.line, 3);
	ck_assert_uint_eq(e.column, 1);
	ck_assert_ptr_nonnull(strstr(e.msg, "'c'"));
	ck_assert_ptr_null(m.bytes);
}
END_TEST

/* Every rejection names the line and column at fault. */
START_TEST(test_errors_with_position)
{
	static const struct {
		const char *text;
		unsigned int line, column;
		const char *msg;
	} cases[] = {
		{ "", 1, 1, "empty matrix" },
		{ "# only a comment\n\n", 3, 1, "empty matrix" },
		{ "h0,h1\n", 2, 1, "no data rows" },
		{ "0,1\n2,x\n", 2, 3, "not a number" },
		{ "0,1\n2, -4\n", 2, 4, "negative" },
		{ "0,1\n2,-0\n", 2, 3, "negative" },
		{ "0,1\n2\n", 2, 2, "ragged" },
		{ "0,1\n2,3,4\n", 2, 5, "ragged" },
		{ "0,1,2\n1,0,3\n", 3, 1, "2 rows, expected 3" },
		{ "0,1\n1,0\n5,5\n", 3, 1, "more rows" },
		{ "0,,1\n", 1, 3, "empty field" },
		{ "0,1\n2,\n", 2, 3, "empty field" },
		{ "0,0x10\n1,0\n", 1, 3, "not a number" },
		{ "0,inf\n1,0\n", 1, 3, "not a number" },
		{ "0,nan\n1,0\n", 1, 3, "not a number" },
		{ "0,1e999\n1,0\n", 1, 3, "out of range" },
		{ "0,1e\n1,0\n", 1, 3, "not a number" },
		{ "0,.\n1,0\n", 1, 3, "not a number" },
		{ "a,a\n0,1\n1,0\n", 1, 3, "duplicate host name 'a'" },
		{ "a,,b\n", 1, 3, "empty host name" },
		{ "h0,1\n0,1\n", 1, 1, "not a number: 'h0'" },
		{ "0,1\n1,0\0\n", 2, 4, "NUL byte" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct demand_matrix m;
		struct demand_error e;
		size_t len = strlen(cases[i].text);

		if (strstr(cases[i].msg, "NUL"))
			len += 2;	/* the \0 and the \n after it */
		ck_assert_msg(demand_matrix_parse(cases[i].text, len, &m, &e) == -EINVAL,
			      "case %zu accepted", i);
		ck_assert_msg(e.line == cases[i].line && e.column == cases[i].column,
			      "case %zu: line %u column %u (%s), expected %u:%u", i, e.line,
			      e.column, e.msg, cases[i].line, cases[i].column);
		ck_assert_msg(strstr(e.msg, cases[i].msg), "case %zu: '%s' lacks '%s'", i, e.msg,
			      cases[i].msg);
		ck_assert_ptr_null(m.bytes);
		ck_assert_ptr_null(m.names);
		ck_assert_uint_eq(m.n, 0);
	}
}
END_TEST

START_TEST(test_too_wide)
{
	size_t n = DEMAND_MATRIX_MAX_N + 1, i;
	char *text = malloc(2 * n + 2);
	struct demand_matrix m;
	struct demand_error e;

	for (i = 0; i < n; i++) {
		text[2 * i] = '1';
		text[2 * i + 1] = ',';
	}
	text[2 * n - 1] = '\n';
	text[2 * n] = '\0';
	ck_assert_int_eq(parse(text, &m, &e), -EINVAL);
	ck_assert_uint_eq(e.line, 1);
	ck_assert_ptr_nonnull(strstr(e.msg, "columns"));
	free(text);
}
END_TEST

START_TEST(test_load_file)
{
	char path[] = "/tmp/mixnet-demand-XXXXXX";
	struct demand_matrix m;
	struct demand_error e;
	int fd = mkstemp(path);
	FILE *f;

	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	fputs("a,b\n0,10\n20,0\n", f);
	fclose(f);
	ck_assert_int_eq(demand_matrix_load(path, &m, &e), 0);
	ck_assert_uint_eq(m.n, 2);
	ck_assert_double_eq(m.bytes[2], 20);
	demand_matrix_free(&m);
	unlink(path);
	ck_assert_int_eq(demand_matrix_load(path, &m, &e), -ENOENT);
	ck_assert_uint_eq(e.line, 0);
	ck_assert_int_eq(demand_matrix_load("/", &m, &e), -EISDIR);
}
END_TEST

static Suite *demand_suite(void)
{
	Suite *s = suite_create("demand_matrix");
	TCase *tc = tcase_create("csv");

	tcase_add_test(tc, test_plain);
	tcase_add_test(tc, test_header_comments_crlf);
	tcase_add_test(tc, test_row_labels);
	tcase_add_test(tc, test_errors_with_position);
	tcase_add_test(tc, test_too_wide);
	tcase_add_test(tc, test_load_file);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(demand_suite());
}
