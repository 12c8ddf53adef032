// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: mixnet-trafgen --matrix files (matrix_file.h) and the
 * workload's fixed matrices: values, rounding, header rules and every
 * refusal with its file, line and column.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hosts.h"
#include "matrix_file.h"
#include "trafgen.h"
#include "workload.h"

static char path[64];

/* Write @text to a fresh temporary file (its name in path). */
static const char *file_with(const char *text)
{
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/tmp/tg-matrix-test.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

static struct tg_hosts hosts(const char *list)
{
	struct tg_hosts hs = { 0 };
	char err[200];

	ck_assert_int_eq(tg_hosts_add(&hs, list, 7766, err, sizeof(err)), 0);
	return hs;
}

/* Load @text for @list: return code, bytes (n x n) and error. */
static int load(const char *text, const char *list, uint64_t *bytes, char *err, size_t errlen)
{
	struct tg_hosts hs = hosts(list);
	int rc;

	err[0] = '\0';
	rc = tg_matrix_file_load(file_with(text), &hs, bytes, err, errlen);
	unlink(path);
	tg_hosts_free(&hs);
	return rc;
}

/* The error must start with "FILE:WHERE: " and contain @what; bytes untouched. */
static void assert_refused(const char *text, const char *list, const char *where,
			   const char *what)
{
	uint64_t bytes[16];
	char err[400], prefix[128];
	size_t i;

	memset(bytes, 0xaa, sizeof(bytes));
	ck_assert_int_eq(load(text, list, bytes, err, sizeof(err)), -EINVAL);
	snprintf(prefix, sizeof(prefix), "%s%s%s: ", path, where[0] ? ":" : "", where);
	ck_assert_msg(!strncmp(err, prefix, strlen(prefix)), "'%s' does not start with '%s'",
		      err, prefix);
	ck_assert_msg(strstr(err, what), "'%s' does not say '%s'", err, what);
	for (i = 0; i < 16; i++)
		ck_assert_uint_eq(bytes[i], 0xaaaaaaaaaaaaaaaaULL);
}

START_TEST(test_loads_values)
{
	uint64_t b[9];
	char err[400];

	ck_assert_int_eq(load("h0,h1,h2\n0,100,2e3\n5,0,0\n7.0,8,0\n", "h0=198.18.0.1,"
			      "h1=198.18.0.2,h2=198.18.0.3", b, err, sizeof(err)), 0);
	ck_assert_uint_eq(b[0], 0);
	ck_assert_uint_eq(b[1], 100);
	ck_assert_uint_eq(b[2], 2000);
	ck_assert_uint_eq(b[3], 5);
	ck_assert_uint_eq(b[4], 0);
	ck_assert_uint_eq(b[5], 0);
	ck_assert_uint_eq(b[6], 7);
	ck_assert_uint_eq(b[7], 8);
	ck_assert_uint_eq(b[8], 0);
}
END_TEST

/* Comments, blank lines, CRLF, blanks around fields, row labels, quotes. */
START_TEST(test_formats)
{
	uint64_t b[4];
	char err[400];

	ck_assert_int_eq(load("# layer 3\n\n  h0 , h1\r\n# between\n0, 12\r\n 34 ,0\r\n", "h0=10.0.0.1,"
			      "h1=10.0.0.2", b, err, sizeof(err)), 0);
	ck_assert_uint_eq(b[1], 12);
	ck_assert_uint_eq(b[2], 34);
	ck_assert_int_eq(load(",h0,\"h1\"\nh0,0,1\nh1,2,0\n", "h0=10.0.0.1,h1=10.0.0.2", b, err,
			      sizeof(err)), 0);
	ck_assert_uint_eq(b[1], 1);
	ck_assert_uint_eq(b[2], 2);
	/* names default to the addresses */
	ck_assert_int_eq(load("10.0.0.1,10.0.0.2\n0,9\n0,0\n", "10.0.0.1,10.0.0.2", b, err,
			      sizeof(err)), 0);
	ck_assert_uint_eq(b[1], 9);
	ck_assert_uint_eq(b[2], 0);
}
END_TEST

START_TEST(test_rounds_to_bytes)
{
	uint64_t b[4];
	char err[400];

	ck_assert_int_eq(load("a,b\n0,1.5\n0.49,0\n", "a=10.0.0.1,b=10.0.0.2", b, err,
			      sizeof(err)), 0);
	ck_assert_uint_eq(b[1], 2);
	ck_assert_uint_eq(b[2], 0);
	ck_assert_int_eq(load("a,b\n0,1099511627776.4\n0,0\n", "a=10.0.0.1,b=10.0.0.2", b, err,
			      sizeof(err)), 0);
	ck_assert_uint_eq(b[1], TG_MAX_PAIR_BYTES);
}
END_TEST

START_TEST(test_header_must_match_hosts)
{
	const char *h3 = "h0=10.0.0.1,h1=10.0.0.2,h2=10.0.0.3";

	/* order */
	assert_refused("h0,h2,h1\n0,1,1\n1,0,1\n1,1,0\n", h3, "1:4",
		       "host 'h2' where --hosts has 'h1'");
	/* a name --hosts does not have, after comment lines and blanks */
	assert_refused("# x\n\nh0, h1,  hx\n0,1,1\n1,0,1\n1,1,0\n", h3, "3:10",
		       "host 'hx' where --hosts has 'h2'");
	/* too few names: points just past the header */
	assert_refused("h0,h1\n0,1\n1,0\n", h3, "1:6", "host 'h2' of --hosts is missing");
	/* too many */
	assert_refused("h0,h1,h2,h3\n0,1,1,1\n1,0,1,1\n1,1,0,1\n1,1,1,0\n", h3, "1:10",
		       "host 'h3' is not in --hosts");
	/* with row labels the columns shift by one field */
	assert_refused(",h0,h2,h1\nh0,0,1,1\nh2,1,0,1\nh1,1,1,0\n", h3, "1:5",
		       "host 'h2' where --hosts has 'h1'");
	/* no header at all */
	assert_refused("# c\n0,1,1\n1,0,1\n1,1,0\n", h3, "2:1", "no header row");
}
END_TEST

START_TEST(test_values_refused)
{
	const char *h2 = "a=10.0.0.1,b=10.0.0.2";

	assert_refused("a,b\n0,1\n1,0.5\n", h2, "3:3", "b->b: 0.5 bytes; the diagonal must be 0");
	assert_refused(",a,b\na,0,1\nb,1,3\n", h2, "3:5", "b->b: 3 bytes");
	assert_refused("a,b\n0,2e12\n0,0\n", h2, "2:3", "a->b: 2e+12 bytes (at most");
	assert_refused("a,b\n0,1099511627776\n1,0\n", h2, "3:1", "the phase exceeds");
	assert_refused("a,b\n0,0\n0,0\n", h2, "", "carries no bytes");
}
END_TEST

/* The parser's own refusals come with its line and column. */
START_TEST(test_parser_errors_positioned)
{
	const char *h2 = "a=10.0.0.1,b=10.0.0.2";

	assert_refused("a,b\n0,x\n1,0\n", h2, "2:3", "not a number");
	assert_refused("a,b\n0,1,2\n1,0\n", h2, "2:5", "ragged row");
	assert_refused("a,b\n0,-1\n1,0\n", h2, "2:3", "negative value");
	assert_refused("a,b\n0,1\n", h2, "3:1", "1 rows, expected 2");
	assert_refused("a,a\n0,1\n1,0\n", h2, "1:3", "duplicate host name");
	assert_refused("", h2, "1:1", "empty matrix");
}
END_TEST

START_TEST(test_io_errors)
{
	struct tg_hosts hs = hosts("a=10.0.0.1,b=10.0.0.2");
	uint64_t b[4] = { 1, 2, 3, 4 };
	char err[400];

	ck_assert_int_eq(tg_matrix_file_load("/nonexistent/m.csv", &hs, b, err, sizeof(err)),
			 -ENOENT);
	ck_assert_str_eq(err, "/nonexistent/m.csv: No such file or directory");
	ck_assert_int_eq(tg_matrix_file_load("/tmp", &hs, b, err, sizeof(err)), -EISDIR);
	ck_assert_int_eq(tg_matrix_file_load("-", &hs, b, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "standard input"));
	ck_assert_uint_eq(b[0] + b[1] + b[2] + b[3], 10);
	tg_hosts_free(&hs);
}
END_TEST

/* Fixed matrices: phases cycle over them; the workload keeps a copy. */
START_TEST(test_workload_fixed)
{
	uint64_t *m = calloc(2 * 9, sizeof(*m)), out[9];
	const char *files[] = { "x.csv", "y.csv" };
	struct tg_workload_params p;
	struct tg_workload *w;
	char err[200];
	uint32_t l;

	ck_assert_ptr_nonnull(m);
	tg_workload_defaults(&p);
	p.nhosts = 3;
	p.layers = 5;
	p.nmatrices = 2;
	p.matrices = m;
	p.matrix_files = files;
	m[1] = 10;		/* matrix 0: h0->h1 */
	m[9 + 5] = 20;		/* matrix 1: h1->h2 */
	ck_assert_int_eq(tg_workload_new(&p, &w, err, sizeof(err)), 0);
	memset(m, 0xff, 2 * 9 * sizeof(*m));	/* the caller's copy is not used */
	for (l = 0; l < 5; l++) {
		ck_assert_int_eq(tg_workload_matrix(w, l, out), 0);
		ck_assert_uint_eq(out[1], l % 2 ? 0 : 10);
		ck_assert_uint_eq(out[5], l % 2 ? 20 : 0);
	}
	ck_assert_int_eq(tg_workload_matrix(w, 5, out), -EINVAL);
	ck_assert_uint_eq(tg_workload_params(w)->nmatrices, 2);
	tg_workload_free(w);

	/* the checks hold for matrices given directly, too */
	memset(m, 0, 2 * 9 * sizeof(*m));
	m[1] = 1;
	m[9 + 4] = 1;		/* matrix 1: h1->h1 */
	ck_assert_int_eq(tg_workload_new(&p, &w, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_null(w);
	ck_assert_ptr_nonnull(strstr(err, "matrix 1"));
	m[9 + 4] = 0;		/* matrix 1 is now empty */
	ck_assert_int_eq(tg_workload_check(&p, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "matrix 1 carries no bytes"));
	p.matrices = NULL;
	ck_assert_int_eq(tg_workload_check(&p, err, sizeof(err)), -EINVAL);
	free(m);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("trafgen_matrix");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_loads_values);
	tcase_add_test(tc, test_formats);
	tcase_add_test(tc, test_rounds_to_bytes);
	tcase_add_test(tc, test_header_must_match_hosts);
	tcase_add_test(tc, test_values_refused);
	tcase_add_test(tc, test_parser_errors_positioned);
	tcase_add_test(tc, test_io_errors);
	tcase_add_test(tc, test_workload_fixed);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
