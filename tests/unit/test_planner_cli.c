// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: `mixnet-agent plan` end to end (the built agent binary run
 * on temporary CSV files): output, --json, estimate, exit codes, errors.
 */
#include <check.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/check_run.h"

static char agent[PATH_MAX];
static char csv[] = "/tmp/mixnet-plan-XXXXXX";

/* The agent next to this build: build/tests/unit/test_x -> agent/mixnet-agent. */
static void find_agent(void)
{
	char self[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *dir;

	ck_assert_int_gt(len, 0);
	self[len] = '\0';
	dir = dirname(dirname(dirname(dirname(self))));
	snprintf(agent, sizeof(agent), "%s/agent/mixnet-agent", dir);
}

static void write_csv(const char *text)
{
	FILE *f = fopen(csv, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

struct result {
	int status;
	char out[16384];
	char err[4096];
};

static void slurp(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	ssize_t got;

	while (len + 1 < cap && (got = read(fd, buf + len, cap - 1 - len)) > 0)
		len += (size_t)got;
	buf[len] = '\0';
}

/* Run the agent with argv (NULL-terminated, after "mixnet-agent"). */
static void run(struct result *r, const char *const *args)
{
	int out[2], err[2], st;
	pid_t pid;

	ck_assert_int_eq(pipe(out), 0);
	ck_assert_int_eq(pipe(err), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		const char *argv[32] = { "mixnet-agent" };
		int i;

		for (i = 0; args[i] && i < 30; i++)
			argv[i + 1] = args[i];
		dup2(out[1], 1);
		dup2(err[1], 2);
		close(out[0]);
		close(err[0]);
		execv(agent, (char *const *)argv);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	slurp(out[0], r->out, sizeof(r->out));
	slurp(err[0], r->err, sizeof(r->err));
	close(out[0]);
	close(err[0]);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	r->status = WEXITSTATUS(st);
}

static void setup(void)
{
	int fd;

	find_agent();
	ck_assert_msg(access(agent, X_OK) == 0, "%s not built", agent);
	fd = mkstemp(csv);
	ck_assert_int_ge(fd, 0);
	close(fd);
}

static void teardown(void)
{
	unlink(csv);
	strcpy(csv, "/tmp/mixnet-plan-XXXXXX");
}

START_TEST(test_text_output)
{
	struct result r;

	write_csv("a,b,c\n0,1000000000,0\n1000000000,0,10\n0,0,0\n");
	run(&r, (const char *const[]){ "plan", "--alpha", "2", csv, NULL });
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	/*
	 * Algorithm 1 gives every pair with demand a first circuit before any
	 * second one: (b,c) with 10 bytes takes b's other port, so (a,b) has
	 * one circuit: 1e9 bytes per direction at 400 Gbit/s = 20 ms.
	 */
	ck_assert_ptr_nonnull(strstr(r.out, "a                b                       1       2000000000         20\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "b                c                       1               10      2e-07\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "estimated all-to-all: 20 ms (optical 20 ms, electrical 0 ms)"));

	/* with only (a,b) it takes both ports: 10 ms */
	write_csv("a,b,c\n0,1000000000,0\n1000000000,0,0\n0,0,0\n");
	run(&r, (const char *const[]){ "plan", "--alpha", "2", csv, NULL });
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "a                b                       2       2000000000         10\n"));
	ck_assert_ptr_null(strstr(r.out, "\nb                c "));
	ck_assert_ptr_nonnull(strstr(r.out, "estimated all-to-all: 10 ms"));
}
END_TEST

START_TEST(test_json_output)
{
	json_error_t jerr;
	struct result r;
	json_t *root, *pairs, *p;
	double ms;

	write_csv("0,1e9,0\n1e9,0,0\n0,0,0\n");
	run(&r, (const char *const[]){ "--json", "plan", csv, "--alpha", "1,2,3", "--gbps", "100",
				       NULL });
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	root = json_loads(r.out, 0, &jerr);
	ck_assert_msg(root != NULL, "bad JSON: %s", jerr.text);
	ck_assert_int_eq(json_integer_value(json_object_get(root, "servers")), 3);
	ck_assert_int_eq(json_integer_value(json_array_get(json_object_get(root, "alpha"), 2)), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(root, "circuits")), 1);
	pairs = json_object_get(root, "pairs");
	ck_assert_uint_eq(json_array_size(pairs), 1);
	p = json_array_get(pairs, 0);
	ck_assert_str_eq(json_string_value(json_object_get(p, "a")), "0");
	ck_assert_str_eq(json_string_value(json_object_get(p, "b")), "1");
	ck_assert_int_eq(json_integer_value(json_object_get(p, "circuits")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(p, "path")), "optical");
	/* 1e9 bytes on one 100 Gbit/s circuit = 80 ms */
	ms = json_real_value(json_object_get(json_object_get(root, "estimate"), "all_to_all_ms"));
	ck_assert_double_eq_tol(ms, 80, 1e-9);
	json_decref(root);
}
END_TEST

START_TEST(test_electrical_estimate_and_options)
{
	json_error_t jerr;
	struct result r;
	json_t *root, *est;

	/* alpha 0: all on the EPS, 2 NICs x 400 Gbit/s = 100 GB/s: 8e9 -> 80 ms */
	write_csv("0,8e9\n0,0\n");
	run(&r, (const char *const[]){ "plan", "--alpha", "0", "--json", csv, NULL });
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	root = json_loads(r.out, 0, &jerr);
	ck_assert_ptr_nonnull(root);
	est = json_object_get(root, "estimate");
	ck_assert_double_eq_tol(json_real_value(json_object_get(est, "electrical_ms")), 80, 1e-9);
	ck_assert_double_eq_tol(json_real_value(json_object_get(est, "optical_ms")), 0, 1e-12);
	json_decref(root);

	/* no EPS at all: the estimate is unbounded, JSON says null */
	run(&r, (const char *const[]){ "plan", "--alpha", "0", "--eps-nics", "0", "--json", csv, NULL });
	ck_assert_int_eq(r.status, 0);
	root = json_loads(r.out, 0, &jerr);
	ck_assert_ptr_nonnull(root);
	ck_assert(json_is_null(json_object_get(json_object_get(root, "estimate"), "all_to_all_ms")));
	json_decref(root);

	/* --stop and --spare are accepted and reported */
	run(&r, (const char *const[]){ "plan", "--alpha", "3", "--stop", "--spare", "--json", csv, NULL });
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "\"saturated\": \"stop\""));
	ck_assert_ptr_nonnull(strstr(r.out, "\"spare\": \"fill\""));
}
END_TEST

/* --refine: the starved-server region of test_planner.c, end to end */
START_TEST(test_refine_option)
{
	char text[1024] = "", cell[32];
	json_error_t jerr;
	struct result r;
	json_t *root;
	double plain, refined;
	int i, j;

	for (i = 0; i < 8; i++) {
		for (j = 0; j < 8; j++) {
			snprintf(cell, sizeof(cell), "%s%d", j ? "," : "",
				 i == j ? 0 : (i == 3 || j == 3) ? 90000000 : 100000000 + i + j);
			strcat(text, cell);
		}
		strcat(text, "\n");
	}
	write_csv(text);
	run(&r, (const char *const[]){ "plan", "--alpha", "6", "--json", csv, NULL });
	ck_assert_int_eq(r.status, 0);
	root = json_loads(r.out, 0, &jerr);
	ck_assert_ptr_nonnull(root);
	plain = json_real_value(json_object_get(json_object_get(root, "estimate"), "all_to_all_ms"));
	json_decref(root);
	run(&r, (const char *const[]){ "plan", "--alpha", "6", "--refine", "--json", csv, NULL });
	ck_assert_int_eq(r.status, 0);
	root = json_loads(r.out, 0, &jerr);
	ck_assert_ptr_nonnull(root);
	refined = json_real_value(json_object_get(json_object_get(root, "estimate"), "all_to_all_ms"));
	ck_assert(json_is_true(json_object_get(root, "refine")));
	ck_assert_int_gt(json_integer_value(json_object_get(root, "refine_moves")), 0);
	json_decref(root);
	ck_assert_double_lt(refined, plain / 2);
	/* refine needs an EPS */
	run(&r, (const char *const[]){ "plan", "--alpha", "6", "--refine", "--eps-nics", "0", csv, NULL });
	ck_assert_int_eq(r.status, 2);
}
END_TEST

START_TEST(test_bad_matrix_exit_usage)
{
	struct result r;

	write_csv("0,1\n2,oops\n");
	run(&r, (const char *const[]){ "plan", "--alpha", "2", csv, NULL });
	ck_assert_int_eq(r.status, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "line 2, column 3: not a number: 'oops'"));
	ck_assert_ptr_nonnull(strstr(r.err, csv));
	ck_assert_str_eq(r.out, "");

	write_csv("0,1,2\n2,0\n");
	run(&r, (const char *const[]){ "plan", "--alpha", "2", csv, NULL });
	ck_assert_int_eq(r.status, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "line 2, column 4: ragged row"));
}
END_TEST

START_TEST(test_bad_arguments)
{
	const char *const *cases[] = {
		(const char *const[]){ "plan", NULL },
		(const char *const[]){ "plan", "--alpha", "2", NULL },
		(const char *const[]){ "plan", "CSV", NULL },
		(const char *const[]){ "plan", "--alpha", "x", "CSV", NULL },
		(const char *const[]){ "plan", "--alpha", "65", "CSV", NULL },
		(const char *const[]){ "plan", "--alpha", "1,2", "CSV", NULL },
		(const char *const[]){ "plan", "--alpha", "1,2,3,4", "CSV", NULL },
		(const char *const[]){ "plan", "--alpha", "2", "--gbps", "0", "CSV", NULL },
		(const char *const[]){ "plan", "--alpha", "2", "--bogus", "CSV", NULL },
		(const char *const[]){ "plan", "--alpha", "2", "CSV", "extra", NULL },
	};
	size_t i, k;

	write_csv("0,1,2\n1,0,2\n2,1,0\n");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *args[16];
		struct result r;

		for (k = 0; cases[i][k]; k++)
			args[k] = strcmp(cases[i][k], "CSV") ? cases[i][k] : csv;
		args[k] = NULL;
		run(&r, args);
		ck_assert_msg(r.status == 2, "case %zu: exit %d", i, r.status);
		ck_assert_msg(r.err[0], "case %zu: no error message", i);
	}
}
END_TEST

START_TEST(test_missing_file)
{
	struct result r;

	run(&r, (const char *const[]){ "plan", "--alpha", "2", "/nonexistent/demand.csv", NULL });
	ck_assert_int_eq(r.status, 4);
	ck_assert_ptr_nonnull(strstr(r.err, "/nonexistent/demand.csv"));
}
END_TEST

static Suite *cli_suite(void)
{
	Suite *s = suite_create("planner_cli");
	TCase *tc = tcase_create("plan");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_text_output);
	tcase_add_test(tc, test_json_output);
	tcase_add_test(tc, test_electrical_estimate_and_options);
	tcase_add_test(tc, test_refine_option);
	tcase_add_test(tc, test_bad_matrix_exit_usage);
	tcase_add_test(tc, test_bad_arguments);
	tcase_add_test(tc, test_missing_file);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(cli_suite());
}
