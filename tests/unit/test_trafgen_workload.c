// SPDX-License-Identifier: GPL-2.0
/* Unit tests: mixnet-trafgen's expert-load model and matrix derivation. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/check_run.h"
#include "workload.h"

static struct tg_workload_params params(uint32_t n)
{
	struct tg_workload_params p;

	tg_workload_defaults(&p);
	p.nhosts = n;
	return p;
}

static uint64_t *matrix(const struct tg_workload_params *p, uint32_t layer)
{
	struct tg_workload *w;
	uint64_t *m = calloc((size_t)p->nhosts * p->nhosts, sizeof(*m));
	char err[200];

	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(tg_workload_new(p, &w, err, sizeof(err)), 0);
	ck_assert_int_eq(tg_workload_matrix(w, layer, m), 0);
	tg_workload_free(w);
	return m;
}

static uint64_t sum(const uint64_t *m, size_t k)
{
	uint64_t s = 0;
	size_t i;

	for (i = 0; i < k; i++)
		s += m[i];
	return s;
}

/* max / mean of the off-diagonal entries */
static double peak_ratio(const uint64_t *m, uint32_t n)
{
	uint64_t max = 0, total = 0;
	uint32_t i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			if (i != j) {
				total += m[i * n + j];
				if (m[i * n + j] > max)
					max = m[i * n + j];
			}
	return (double)max / ((double)total / (n * (n - 1)));
}

/* column receiving the most bytes */
static uint32_t hot_column(const uint64_t *m, uint32_t n)
{
	uint64_t best = 0;
	uint32_t i, j, hot = 0;

	for (j = 0; j < n; j++) {
		uint64_t c = 0;

		for (i = 0; i < n; i++)
			c += m[i * n + j];
		if (c > best) {
			best = c;
			hot = j;
		}
	}
	return hot;
}

START_TEST(test_defaults_and_check)
{
	struct tg_workload_params p = params(4);
	char err[200];

	ck_assert_int_eq(tg_workload_check(&p, err, sizeof(err)), 0);
	ck_assert_uint_eq(p.phase_bytes, 4u << 20);
	ck_assert_uint_eq(p.layers, 8);

	p.nhosts = 1;
	ck_assert_int_eq(tg_workload_check(&p, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "hosts"));
	p = params(4);
	p.zipf = -0.1;
	ck_assert_int_eq(tg_workload_check(&p, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "zipf"));
	p.zipf = NAN;
	ck_assert_int_eq(tg_workload_check(&p, err, sizeof(err)), -EINVAL);
	p = params(4);
	p.drift = 1.5;
	ck_assert_int_eq(tg_workload_check(&p, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "drift"));
	p = params(4);
	p.source_shuffle = -1;
	ck_assert_int_eq(tg_workload_check(&p, err, sizeof(err)), -EINVAL);
	p = params(4);
	p.experts_per_host = 0;
	ck_assert_int_eq(tg_workload_check(&p, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "experts"));
	p = params(4);
	p.layers = 0;
	ck_assert_int_eq(tg_workload_check(&p, err, sizeof(err)), -EINVAL);
	p = params(4);
	p.tokens = 10;		/* both size modes */
	p.token_bytes = 10;
	ck_assert_int_eq(tg_workload_check(&p, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "either"));
	p.phase_bytes = 0;
	ck_assert_int_eq(tg_workload_check(&p, err, sizeof(err)), 0);
	p.token_bytes = 0;	/* half of the token mode */
	ck_assert_int_eq(tg_workload_check(&p, err, sizeof(err)), -EINVAL);
	p = params(4);
	p.phase_bytes = (1ULL << 40) + 1;
	ck_assert_int_eq(tg_workload_check(&p, err, sizeof(err)), -EINVAL);
}
END_TEST

START_TEST(test_bad_params_rejected_by_new)
{
	struct tg_workload_params p = params(4);
	struct tg_workload *w = (struct tg_workload *)&p;
	char err[200];

	p.zipf = 11;
	ck_assert_int_eq(tg_workload_new(&p, &w, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_null(w);
}
END_TEST

START_TEST(test_deterministic)
{
	struct tg_workload_params p = params(6);
	uint64_t *a = matrix(&p, 3), *b = matrix(&p, 3), *c;

	ck_assert_int_eq(memcmp(a, b, 36 * sizeof(*a)), 0);
	p.seed = 2;
	c = matrix(&p, 3);
	ck_assert_int_ne(memcmp(a, c, 36 * sizeof(*a)), 0);
	free(a);
	free(b);
	free(c);
}
END_TEST

START_TEST(test_bytes_exact_diagonal_zero)
{
	struct tg_workload_params p = params(5);
	uint32_t l, i;

	p.phase_bytes = 1000003;	/* not divisible by anything nice */
	for (l = 0; l < p.layers; l++) {
		uint64_t *m = matrix(&p, l);

		ck_assert_uint_eq(sum(m, 25), 1000003);
		for (i = 0; i < 5; i++)
			ck_assert_uint_eq(m[i * 5 + i], 0);
		free(m);
	}
}
END_TEST

START_TEST(test_uniform_when_zipf_zero)
{
	struct tg_workload_params p = params(4);
	uint64_t *m;
	uint32_t i, j;

	p.zipf = 0;
	p.phase_bytes = 1200;
	m = matrix(&p, 5);
	for (i = 0; i < 4; i++)
		for (j = 0; j < 4; j++)
			ck_assert_uint_eq(m[i * 4 + j], i == j ? 0 : 100);
	free(m);
}
END_TEST

START_TEST(test_skew_grows_with_zipf)
{
	struct tg_workload_params p = params(8);
	double prev = 0;
	double s[] = { 0.0, 0.6, 1.2, 2.0 };
	unsigned int k;

	p.source_shuffle = 0;	/* pure column skew: monotone in the exponent */
	p.phase_bytes = 1 << 24;
	for (k = 0; k < sizeof(s) / sizeof(s[0]); k++) {
		uint64_t *m;
		double r;

		p.zipf = s[k];
		m = matrix(&p, 0);
		r = peak_ratio(m, 8);
		free(m);
		if (k == 0)
			ck_assert(r < 1.001);
		else
			ck_assert_msg(r > prev * 1.2, "zipf %.1f: peak/mean %.3f not above %.3f",
				      s[k], r, prev);
		prev = r;
	}
	ck_assert(prev > 3.0);
}
END_TEST

START_TEST(test_skew_moves_between_layers)
{
	struct tg_workload_params p = params(8);
	uint32_t l, hot[16], distinct = 0, i;
	bool seen[8] = { false };

	p.layers = 16;
	p.zipf = 1.5;
	for (l = 0; l < p.layers; l++) {
		uint64_t *m = matrix(&p, l);

		hot[l] = hot_column(m, 8);
		free(m);
	}
	for (i = 0; i < p.layers; i++) {
		if (!seen[hot[i]])
			distinct++;
		seen[hot[i]] = true;
	}
	/* drift 1: the hot host changes; 16 layers over 8 hosts */
	ck_assert_uint_ge(distinct, 3);
}
END_TEST

START_TEST(test_drift_zero_keeps_layers)
{
	struct tg_workload_params p = params(6);
	uint64_t *a, *b;
	uint32_t l;

	/* drift 0 and no per-source reshuffle: every layer the same */
	p.drift = 0;
	p.source_shuffle = 0;
	a = matrix(&p, 0);
	for (l = 1; l < p.layers; l++) {
		b = matrix(&p, l);
		ck_assert_int_eq(memcmp(a, b, 36 * sizeof(*a)), 0);
		free(b);
	}
	free(a);
	/* drift 1: layers differ */
	p.drift = 1;
	a = matrix(&p, 0);
	b = matrix(&p, 1);
	ck_assert_int_ne(memcmp(a, b, 36 * sizeof(*a)), 0);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_source_shuffle_makes_rows_differ)
{
	struct tg_workload_params p = params(4);
	struct tg_workload *w;
	double *l0 = calloc(8, sizeof(double)), *l1 = calloc(8, sizeof(double));
	char err[200];
	double s0 = 0;
	uint32_t e;

	p.zipf = 1.0;
	p.source_shuffle = 0;
	ck_assert_int_eq(tg_workload_new(&p, &w, err, sizeof(err)), 0);
	tg_workload_expert_loads(w, 2, 0, l0);
	tg_workload_expert_loads(w, 2, 3, l1);
	ck_assert_int_eq(memcmp(l0, l1, 8 * sizeof(double)), 0);
	for (e = 0; e < 8; e++)
		s0 += l0[e];
	ck_assert_double_eq_tol(s0, 1.0, 1e-12);
	tg_workload_free(w);

	p.source_shuffle = 1;
	ck_assert_int_eq(tg_workload_new(&p, &w, err, sizeof(err)), 0);
	tg_workload_expert_loads(w, 2, 0, l0);
	tg_workload_expert_loads(w, 2, 3, l1);
	ck_assert_int_ne(memcmp(l0, l1, 8 * sizeof(double)), 0);
	tg_workload_free(w);
	free(l0);
	free(l1);
}
END_TEST

START_TEST(test_token_mode)
{
	struct tg_workload_params p = params(4);
	struct tg_workload *w;
	double *loads = calloc(8, sizeof(double));
	uint32_t i, j;
	char err[200];

	p.phase_bytes = 0;
	p.tokens = 1001;
	p.token_bytes = 8192;
	p.experts_per_host = 2;
	ck_assert_int_eq(tg_workload_new(&p, &w, err, sizeof(err)), 0);
	for (i = 0; i < 4; i++) {
		uint64_t *m = matrix(&p, 1), row = 0;
		double local;

		tg_workload_expert_loads(w, 1, i, loads);
		local = loads[2 * i] + loads[2 * i + 1];
		for (j = 0; j < 4; j++) {
			ck_assert_uint_eq(m[i * 4 + j] % 8192, 0);	/* whole tokens */
			row += m[i * 4 + j] / 8192;
		}
		/* tokens to other hosts = all but the local share (+-1 rounding) */
		ck_assert(fabs((double)row - 1001.0 * (1.0 - local)) <= 1.0);
		ck_assert_uint_eq(m[i * 4 + i], 0);
		free(m);
	}
	tg_workload_free(w);
	free(loads);
}
END_TEST

START_TEST(test_layer_out_of_range)
{
	struct tg_workload_params p = params(3);
	struct tg_workload *w;
	uint64_t m[9];
	char err[200];

	p.layers = 2;
	ck_assert_int_eq(tg_workload_new(&p, &w, err, sizeof(err)), 0);
	ck_assert_int_eq(tg_workload_matrix(w, 2, m), -EINVAL);
	ck_assert_int_eq(tg_workload_matrix(w, 1, m), 0);
	tg_workload_free(w);
}
END_TEST

START_TEST(test_apportion)
{
	double w1[] = { 1, 1, 1 };
	double w2[] = { 0, 2, 1, 0 };
	double w3[] = { 1e-300, 1 };
	double bad[] = { 1, -1 };
	double zero[] = { 0, 0 };
	uint64_t out[4];

	ck_assert_int_eq(tg_apportion(10, w1, 3, out), 0);
	/* 3.33 each; the one spare unit goes to the lowest index */
	ck_assert_uint_eq(out[0], 4);
	ck_assert_uint_eq(out[1], 3);
	ck_assert_uint_eq(out[2], 3);
	ck_assert_int_eq(tg_apportion(7, w2, 4, out), 0);
	ck_assert_uint_eq(out[0], 0);
	ck_assert_uint_eq(out[1], 5);	/* 4.67 */
	ck_assert_uint_eq(out[2], 2);	/* 2.33 */
	ck_assert_uint_eq(out[3], 0);
	ck_assert_int_eq(tg_apportion(1ULL << 40, w3, 2, out), 0);
	ck_assert_uint_eq(out[0] + out[1], 1ULL << 40);
	ck_assert_uint_eq(out[0], 0);
	ck_assert_int_eq(tg_apportion(5, bad, 2, out), -EINVAL);
	ck_assert_int_eq(tg_apportion(5, zero, 2, out), -EINVAL);
	ck_assert_int_eq(tg_apportion(0, w1, 3, out), 0);
	ck_assert_uint_eq(out[0] + out[1] + out[2], 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("trafgen_workload");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_defaults_and_check);
	tcase_add_test(tc, test_bad_params_rejected_by_new);
	tcase_add_test(tc, test_deterministic);
	tcase_add_test(tc, test_bytes_exact_diagonal_zero);
	tcase_add_test(tc, test_uniform_when_zipf_zero);
	tcase_add_test(tc, test_skew_grows_with_zipf);
	tcase_add_test(tc, test_skew_moves_between_layers);
	tcase_add_test(tc, test_drift_zero_keeps_layers);
	tcase_add_test(tc, test_source_shuffle_makes_rows_differ);
	tcase_add_test(tc, test_token_mode);
	tcase_add_test(tc, test_layer_out_of_range);
	tcase_add_test(tc, test_apportion);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(suite());
}
