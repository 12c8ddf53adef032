// SPDX-License-Identifier: GPL-2.0
/* Unit tests: mixnet-trafgen's verification, report aggregation and
 * output, host lists and value parsers. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/check_run.h"
#include "hosts.h"
#include "options.h"
#include "report.h"
#include "verify.h"

#define N 3
#define K(i, j) ((i) * N + (j))

/* A clean 3-host phase: every pair i != j sends (i + 1) * 1000 + j bytes. */
static void clean_phase(uint64_t *want, struct tg_xfer *sent, struct tg_xfer *recv)
{
	int i, j;

	for (i = 0; i < N; i++) {
		for (j = 0; j < N; j++) {
			uint64_t b = i == j ? 0 : (uint64_t)(i + 1) * 1000 + (uint64_t)j;

			want[K(i, j)] = b;
			sent[K(i, j)] = (struct tg_xfer){ .bytes = b, .sum = b * 7,
							  .usec = 100, .bad = -1 };
			recv[K(i, j)] = (struct tg_xfer){ .bytes = b, .sum = b * 7,
							  .usec = 500 + (uint64_t)(10 * i + j),
							  .bad = -1 };
		}
	}
}

static struct tg_hosts hosts3(void)
{
	struct tg_hosts hs = { 0 };
	char err[200];

	ck_assert_int_eq(tg_hosts_add(&hs, "h0=198.18.0.1,h1=198.18.0.2,h2=198.18.0.3", 7766,
				      err, sizeof(err)), 0);
	return hs;
}

START_TEST(test_verify_clean)
{
	uint64_t want[N * N];
	struct tg_xfer sent[N * N], recv[N * N];
	struct tg_fault f[4];

	clean_phase(want, sent, recv);
	ck_assert_uint_eq(tg_verify_phase(N, want, sent, recv, f, 4), 0);
	/* the diagonal is never checked */
	recv[K(1, 1)].bytes = 5;
	recv[K(1, 1)].bad = 0;
	ck_assert_uint_eq(tg_verify_phase(N, want, sent, recv, f, 4), 0);
}
END_TEST

START_TEST(test_verify_faults)
{
	uint64_t want[N * N];
	struct tg_xfer sent[N * N], recv[N * N];
	struct tg_hosts hs = hosts3();
	struct tg_fault f[8];
	char buf[300];

	clean_phase(want, sent, recv);
	recv[K(0, 1)].bytes -= 10;			/* lost */
	recv[K(0, 2)].bad = 17;				/* corrupt */
	recv[K(1, 0)].bytes += 1;			/* excess */
	sent[K(1, 2)].bytes -= 1;			/* sender short, receiver full */
	recv[K(2, 0)].sum ^= 1ULL << 63;		/* checksum only */
	ck_assert_uint_eq(tg_verify_phase(N, want, sent, recv, f, 8), 5);
	ck_assert_int_eq(f[0].kind, TG_FAULT_LOST);
	ck_assert_uint_eq(f[0].src, 0);
	ck_assert_uint_eq(f[0].dst, 1);
	ck_assert_str_eq(tg_fault_str(&f[0], &hs, buf, sizeof(buf)),
			 "h0->h1: lost data: 991 of 1001 bytes received (10 lost)");
	ck_assert_int_eq(f[1].kind, TG_FAULT_CORRUPT);
	ck_assert_int_eq(f[1].offset, 17);
	ck_assert_ptr_nonnull(strstr(tg_fault_str(&f[1], &hs, buf, sizeof(buf)),
				     "h0->h2: corrupt data: byte 17 of 1002"));
	ck_assert_int_eq(f[2].kind, TG_FAULT_EXCESS);
	ck_assert_int_eq(f[3].kind, TG_FAULT_SENDER);
	ck_assert_ptr_nonnull(strstr(tg_fault_str(&f[3], &hs, buf, sizeof(buf)),
				     "h1 sent 2001 bytes, 2002 asked for"));
	ck_assert_int_eq(f[4].kind, TG_FAULT_CHECKSUM);
	ck_assert_uint_eq(f[4].src, 2);
	ck_assert_ptr_nonnull(strstr(tg_fault_str(&f[4], &hs, buf, sizeof(buf)), "checksum"));
	/* corruption wins over a short count on the same pair */
	recv[K(0, 1)].bad = 3;
	ck_assert_uint_eq(tg_verify_phase(N, want, sent, recv, f, 8), 5);
	ck_assert_int_eq(f[0].kind, TG_FAULT_CORRUPT);
	/* only @max are stored, all are counted */
	ck_assert_uint_eq(tg_verify_phase(N, want, sent, recv, f, 2), 5);
	ck_assert_str_eq(tg_fault_kind_name(TG_FAULT_LOST), "lost");
	tg_hosts_free(&hs);
}
END_TEST

START_TEST(test_summarize_and_totals)
{
	uint64_t want[N * N];
	struct tg_xfer sent[N * N], recv[N * N];
	struct tg_phase_result r = { .usec = 1000 }, r2;
	struct tg_totals t = { 0 };

	clean_phase(want, sent, recv);
	recv[K(1, 2)].usec = 900;
	tg_phase_summarize(N, want, recv, &r);
	ck_assert_uint_eq(r.bytes, 1001 + 1002 + 2000 + 2002 + 3000 + 3001);
	ck_assert_uint_eq(r.pairs, 6);
	ck_assert_uint_eq(r.max_pair_usec, 900);
	ck_assert_uint_eq(r.slow_src, 1);
	ck_assert_uint_eq(r.slow_dst, 2);
	/* a pair with nothing to send is neither counted nor slowest */
	want[K(1, 2)] = 0;
	tg_phase_summarize(N, want, recv, &r);
	ck_assert_uint_eq(r.pairs, 5);
	ck_assert_uint_eq(r.slow_src, 2);
	ck_assert_uint_eq(r.slow_dst, 1);

	r.usec = 1000;
	tg_totals_add(&t, &r);
	r2 = r;
	r2.usec = 3001;
	tg_totals_add(&t, &r2);
	r2.usec = 2000;
	tg_totals_add(&t, &r2);
	ck_assert_uint_eq(t.phases, 3);
	ck_assert_uint_eq(t.usec, 6001);
	ck_assert_uint_eq(t.min_usec, 1000);
	ck_assert_uint_eq(t.max_usec, 3001);
	ck_assert_uint_eq(tg_totals_mean_usec(&t), 2000);
	ck_assert_uint_eq(t.bytes, 3 * r.bytes);
	ck_assert_double_eq_tol(tg_gbps(125000000, 1000000), 1.0, 1e-12);
	ck_assert_double_eq(tg_gbps(5, 0), 0.0);
}
END_TEST

static char *capture(bool json, bool verbose, bool fail)
{
	uint64_t want[N * N];
	struct tg_xfer sent[N * N], recv[N * N];
	struct tg_hosts hs = hosts3();
	struct tg_phase_result r = { .index = 0, .layer = 4, .rep = 1, .usec = 2000 };
	struct tg_report rep;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	clean_phase(want, sent, recv);
	ck_assert_int_eq(tg_report_init(&rep, &hs, f, json, verbose,
					json_pack("{si}", "seed", 9), "title line"), 0);
	tg_phase_summarize(N, want, recv, &r);
	ck_assert_int_eq(tg_report_phase(&rep, &r, N, want, recv), 0);
	r.index = 1;
	r.usec = 4000;
	ck_assert_int_eq(tg_report_phase(&rep, &r, N, want, recv), 0);
	if (fail)
		tg_report_error(&rep, 2, &r, 0, 1, "lost", "h0->h1: lost data");
	ck_assert_int_eq(tg_report_finish(&rep, !fail, 123456), 0);
	tg_report_free(&rep);
	fclose(f);
	tg_hosts_free(&hs);
	return buf;
}

START_TEST(test_report_json)
{
	char *out = capture(true, false, true);
	json_error_t e;
	json_t *doc = json_loads(out, 0, &e), *p0, *tot, *err0;

	ck_assert_msg(doc != NULL, "not JSON: %s\n%s", e.text, out);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(doc, "config"), "seed")), 9);
	ck_assert_uint_eq(json_array_size(json_object_get(doc, "phases")), 2);
	p0 = json_array_get(json_object_get(doc, "phases"), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(p0, "layer")), 4);
	ck_assert_int_eq(json_integer_value(json_object_get(p0, "usec")), 2000);
	ck_assert_int_eq(json_integer_value(json_object_get(p0, "pairs")), 6);
	ck_assert_uint_eq(json_array_size(json_object_get(p0, "pair_stats")), 6);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(p0, "slowest"), "src")),
			 "h2");
	ck_assert_str_eq(json_string_value(json_object_get(
		json_array_get(json_object_get(p0, "pair_stats"), 0), "dst")), "h1");
	tot = json_object_get(doc, "total");
	ck_assert_int_eq(json_integer_value(json_object_get(tot, "phases")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(tot, "usec")), 6000);
	ck_assert_int_eq(json_integer_value(json_object_get(tot, "mean_usec")), 3000);
	ck_assert_int_eq(json_integer_value(json_object_get(tot, "max_usec")), 4000);
	ck_assert_int_eq(json_integer_value(json_object_get(tot, "wall_usec")), 123456);
	ck_assert(json_is_false(json_object_get(doc, "ok")));
	err0 = json_array_get(json_object_get(doc, "errors"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(err0, "kind")), "lost");
	ck_assert_str_eq(json_string_value(json_object_get(err0, "src")), "h0");
	ck_assert_str_eq(json_string_value(json_object_get(err0, "dst")), "h1");
	ck_assert_int_eq(json_integer_value(json_object_get(err0, "phase")), 2);
	json_decref(doc);
	free(out);
}
END_TEST

START_TEST(test_report_text)
{
	char *out = capture(false, true, false);

	ck_assert_ptr_nonnull(strstr(out, "title line\n"));
	ck_assert_ptr_nonnull(strstr(out, "slowest_pair"));
	ck_assert_ptr_nonnull(strstr(out, "h2->h1"));		/* slowest: 520 us */
	ck_assert_ptr_nonnull(strstr(out, "h0->h1"));		/* -v: every pair */
	ck_assert_ptr_nonnull(strstr(out, "Mbit/s"));
	ck_assert_ptr_nonnull(strstr(out, "total: 2 phases, 24012 bytes, all-to-all time 6.000 ms "
				     "(mean 3.000, min 2.000, max 4.000 ms)"));
	ck_assert_ptr_nonnull(strstr(out, "every byte verified"));
	free(out);
}
END_TEST

START_TEST(test_hosts_parse)
{
	struct tg_hosts hs = { 0 };
	struct tg_host h;
	char err[200], buf[200];

	ck_assert_int_eq(tg_host_parse("198.18.0.1", 7766, &h, err, sizeof(err)), 0);
	ck_assert_str_eq(h.name, "198.18.0.1");
	ck_assert_uint_eq(h.port, 7766);
	ck_assert_str_eq(tg_host_str(&h, buf, sizeof(buf)), "198.18.0.1:7766");
	ck_assert_int_eq(tg_host_parse("gpu-3.a_b=198.18.1.9:80", 7766, &h, err, sizeof(err)), 0);
	ck_assert_str_eq(h.name, "gpu-3.a_b");
	ck_assert_str_eq(h.addr, "198.18.1.9");
	ck_assert_uint_eq(h.port, 80);
	ck_assert_str_eq(tg_host_str(&h, buf, sizeof(buf)), "gpu-3.a_b (198.18.1.9:80)");
	ck_assert_int_eq(tg_host_parse("2001:DB8::0:1", 1, &h, err, sizeof(err)), 0);
	ck_assert_str_eq(h.addr, "2001:db8::1");		/* normalized */
	ck_assert_int_eq(tg_host_parse("x=[2001:db8::1]:5", 1, &h, err, sizeof(err)), 0);
	ck_assert_uint_eq(h.port, 5);
	ck_assert_str_eq(tg_host_str(&h, buf, sizeof(buf)), "x ([2001:db8::1]:5)");

	ck_assert_int_eq(tg_host_parse("", 1, &h, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(tg_host_parse("host.example", 1, &h, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "not a numeric IPv4 address"));
	ck_assert_int_eq(tg_host_parse("198.18.0.1:0", 1, &h, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "bad port"));
	ck_assert_int_eq(tg_host_parse("198.18.0.1:65536", 1, &h, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(tg_host_parse("198.18.0.1:1x", 1, &h, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(tg_host_parse("a b=198.18.0.1", 1, &h, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "bad host name"));
	ck_assert_int_eq(tg_host_parse("=198.18.0.1", 1, &h, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(tg_host_parse("[2001:db8::1", 1, &h, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(tg_host_parse("[2001:db8::1]x", 1, &h, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(tg_host_parse("[198.18.0.1]:5", 1, &h, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(tg_host_parse("198.18.0.256", 1, &h, err, sizeof(err)), -EINVAL);

	ck_assert_int_eq(tg_hosts_add(&hs, "a=198.18.0.1,b=198.18.0.2", 7766, err, sizeof(err)), 0);
	ck_assert_int_eq(tg_hosts_add(&hs, "198.18.0.3", 7000, err, sizeof(err)), 0);
	ck_assert_uint_eq(hs.n, 3);
	ck_assert_uint_eq(hs.h[2].port, 7000);
	/* rejected lists leave the old one intact */
	ck_assert_int_eq(tg_hosts_add(&hs, "c=198.18.0.4,a=198.18.0.5", 1, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "host name 'a' given twice"));
	ck_assert_int_eq(tg_hosts_add(&hs, "198.18.0.1:7766", 1, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "given twice (host 'a')"));
	ck_assert_int_eq(tg_hosts_add(&hs, "198.18.0.9,", 1, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(tg_hosts_add(&hs, ",198.18.0.9", 1, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(tg_hosts_add(&hs, "198.18.0.8,,198.18.0.9", 1, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(tg_hosts_add(&hs, "", 1, err, sizeof(err)), -EINVAL);
	ck_assert_uint_eq(hs.n, 3);
	/* the same address on another port is another host */
	ck_assert_int_eq(tg_hosts_add(&hs, "198.18.0.1:7767", 1, err, sizeof(err)), 0);
	ck_assert_uint_eq(hs.n, 4);
	tg_hosts_free(&hs);
	ck_assert_int_eq(tg_hosts_anon(&hs, 3), 0);
	ck_assert_str_eq(hs.h[2].name, "h2");
	ck_assert_str_eq(tg_host_str(&hs.h[2], buf, sizeof(buf)), "h2");
	tg_hosts_free(&hs);
	ck_assert_int_eq(tg_hosts_anon(&hs, 0), -EINVAL);
}
END_TEST

START_TEST(test_hosts_limit)
{
	struct tg_hosts hs = { 0 };
	size_t cap = (TG_MAX_HOSTS + 1) * 16;
	char *list = malloc(cap), err[200];
	unsigned int i;
	size_t off = 0;

	for (i = 0; i <= TG_MAX_HOSTS; i++)
		off += (size_t)snprintf(list + off, cap - off, "%s198.18.%u.%u", i ? "," : "",
					i / 250, i % 250 + 1);
	ck_assert_int_eq(tg_hosts_add(&hs, list, 1, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "more than 1024 hosts"));
	ck_assert_uint_eq(hs.n, 0);
	*strrchr(list, ',') = '\0';	/* exactly the limit */
	ck_assert_int_eq(tg_hosts_add(&hs, list, 1, err, sizeof(err)), 0);
	ck_assert_uint_eq(hs.n, TG_MAX_HOSTS);
	tg_hosts_free(&hs);
	free(list);
}
END_TEST

START_TEST(test_parse_values)
{
	uint64_t v = 7;
	double d = 7;

	ck_assert_int_eq(tg_parse_size("4M", 1, UINT64_MAX, &v), 0);
	ck_assert_uint_eq(v, 4u << 20);
	ck_assert_int_eq(tg_parse_size("3k", 1, UINT64_MAX, &v), 0);
	ck_assert_uint_eq(v, 3072);
	ck_assert_int_eq(tg_parse_size("2GiB", 1, UINT64_MAX, &v), 0);
	ck_assert_uint_eq(v, 2ULL << 30);
	ck_assert_int_eq(tg_parse_size("1tb", 1, UINT64_MAX, &v), 0);
	ck_assert_uint_eq(v, 1ULL << 40);
	ck_assert_int_eq(tg_parse_size("123", 1, UINT64_MAX, &v), 0);
	ck_assert_uint_eq(v, 123);
	v = 7;
	ck_assert_int_eq(tg_parse_size("", 1, 10, &v), -EINVAL);
	ck_assert_int_eq(tg_parse_size("-1", 0, 10, &v), -EINVAL);
	ck_assert_int_eq(tg_parse_size(" 1", 0, 10, &v), -EINVAL);
	ck_assert_int_eq(tg_parse_size("1X", 0, 10, &v), -EINVAL);
	ck_assert_int_eq(tg_parse_size("1Mx", 0, UINT64_MAX, &v), -EINVAL);
	ck_assert_int_eq(tg_parse_size("1.5M", 0, UINT64_MAX, &v), -EINVAL);
	ck_assert_int_eq(tg_parse_size("0", 1, 10, &v), -ERANGE);
	ck_assert_int_eq(tg_parse_size("1K", 1, 1000, &v), -ERANGE);
	ck_assert_int_eq(tg_parse_size("99999999999999999999", 0, UINT64_MAX, &v), -ERANGE);
	ck_assert_int_eq(tg_parse_size("16777216T", 0, UINT64_MAX, &v), -ERANGE);
	ck_assert_uint_eq(v, 7);

	ck_assert_int_eq(tg_parse_double("1.25", 0, 10, &d), 0);
	ck_assert_double_eq(d, 1.25);
	ck_assert_int_eq(tg_parse_double("0", 0, 1, &d), 0);
	ck_assert_double_eq(d, 0);
	d = 7;
	ck_assert_int_eq(tg_parse_double("", 0, 1, &d), -EINVAL);
	ck_assert_int_eq(tg_parse_double("nan", 0, 1, &d), -EINVAL);
	ck_assert_int_eq(tg_parse_double("inf", 0, 1e300, &d), -EINVAL);
	ck_assert_int_eq(tg_parse_double("1x", 0, 10, &d), -EINVAL);
	ck_assert_int_eq(tg_parse_double(" 1", 0, 10, &d), -EINVAL);
	ck_assert_int_eq(tg_parse_double("1.01", 0, 1, &d), -ERANGE);
	ck_assert_int_eq(tg_parse_double("-0.5", 0, 1, &d), -ERANGE);
	ck_assert_double_eq(d, 7);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("trafgen_report");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_verify_clean);
	tcase_add_test(tc, test_verify_faults);
	tcase_add_test(tc, test_summarize_and_totals);
	tcase_add_test(tc, test_report_json);
	tcase_add_test(tc, test_report_text);
	tcase_add_test(tc, test_hosts_parse);
	tcase_add_test(tc, test_hosts_limit);
	tcase_add_test(tc, test_parse_values);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(suite());
}
