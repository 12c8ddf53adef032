// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: whole mixnet-sim runs on tiny clusters: closed forms end to
 * end, determinism, conservation, fabric relations, switching, bad
 * configurations.  Bigger runs live in tools/bench/b-sim.sh.
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/check_run.h"
#include "planner.h"
#include "sim_run.h"

/* Mixtral 8x7B cut down: 4 layers, PP2, 2 micro-batches, 8 servers. */
static void tiny(struct sim_config *c)
{
	sim_config_default(c);
	c->model = *sim_model_find("mixtral-8x7b");
	ck_assert_int_eq(sim_model_set(&c->model, "layers=4"), 0);
	ck_assert_int_eq(sim_model_set(&c->model, "pp=2"), 0);
	ck_assert_int_eq(sim_model_set(&c->model, "microbatches=2"), 0);
	c->servers = 8;
	/* skewed and noisy enough that plans differ between layers */
	c->traffic.skew = 1.5;
	c->traffic.src_noise = 1.0;
}

/*
 * No compute, no DP, one layer, one micro-batch, uniform routing: the
 * iteration is 4 all-to-alls (dispatch, combine, and their gradients).
 */
static void bare(struct sim_config *c)
{
	sim_config_default(c);
	c->model = *sim_model_find("mixtral-8x7b");
	ck_assert_int_eq(sim_model_set(&c->model, "layers=1"), 0);
	ck_assert_int_eq(sim_model_set(&c->model, "pp=1"), 0);
	ck_assert_int_eq(sim_model_set(&c->model, "microbatches=1"), 0);
	c->servers = 4;
	c->gpu_flops = 1e30;
	c->nvlink_Bps = 1e30;
	c->grad_bytes = 0;
	c->switch_s = 0;
	c->traffic.skew = c->traffic.mb_noise = c->traffic.src_noise = 0;
}

static int run(const struct sim_config *c, enum fabric_kind k, struct sim_result *r)
{
	char err[256] = "";
	int ret = sim_run(c, k, r, err, sizeof(err));

	ck_assert_msg(ret == 0, "%s: %s", fabric_name(k), err);
	return ret;
}

START_TEST(test_all_to_all_closed_form)
{
	struct sim_config c;
	struct sim_result r;
	const struct sim_model *m;
	double T, X, B;
	uint32_t rps;

	bare(&c);
	m = &c.model;
	rps = 8 / m->tp;
	T = sim_tokens(m);
	/* uniform: a server's ranks send the share not for their own ranks */
	X = rps * T * m->topk * m->hidden * m->act_bytes * (m->ep - rps) / m->ep;
	B = c.gbps * 1e9 / 8;
	run(&c, FABRIC_FAT_TREE, &r);
	ck_assert_double_eq_tol(r.iteration_s, 4 * X / (8 * B), 1e-9 * r.iteration_s);
	ck_assert_double_eq_tol(r.a2a_s, r.iteration_s, 1e-9 * r.iteration_s);
	ck_assert_double_eq(r.optical_fraction, 0);
}
END_TEST

/* mixnet: every pair on circuits, so each all-to-all takes planner_estimate(). */
START_TEST(test_mixnet_matches_planner_estimate)
{
	struct sim_config c;
	struct sim_result r;
	struct traffic *t;
	struct planner *pl;
	struct planner_estimate est;
	double M[16], eps[4];
	uint32_t alpha[4] = { 6, 6, 6, 6 }, circ[16], k;

	bare(&c);
	t = traffic_new(&c.model, &c.traffic, c.seed);
	traffic_matrix(t, 0, 0, 0, M, NULL);
	traffic_free(t);
	pl = planner_new(4, 6);
	ck_assert_int_eq(planner_run(pl, 4, M, alpha, NULL, circ, NULL), 0);
	planner_free(pl);
	for (k = 0; k < 4; k++)
		eps[k] = 2 * c.gbps * 1e9 / 8;
	planner_estimate(4, M, circ, c.gbps * 1e9 / 8, eps, &est);
	ck_assert_double_eq(est.electrical_s, 0);	/* all pairs have circuits */
	run(&c, FABRIC_MIXNET, &r);
	ck_assert_double_eq_tol(r.iteration_s, 4 * est.total_s, 1e-9 * r.iteration_s);
	ck_assert_double_eq_tol(r.optical_fraction, 1, 1e-12);
	/* the OCS was set up for the job's (same) profile: nothing to switch */
	ck_assert_double_eq(r.reconfigs, 0);
	ck_assert_double_eq(r.switch_wait_s, 0);
}
END_TEST

START_TEST(test_deterministic)
{
	struct sim_config c;
	struct sim_result a, b;

	tiny(&c);
	run(&c, FABRIC_MIXNET, &a);
	run(&c, FABRIC_MIXNET, &b);
	ck_assert_double_eq(a.iteration_s, b.iteration_s);
	ck_assert_double_eq(a.a2a_s, b.a2a_s);
	ck_assert_double_eq(a.switch_wait_s, b.switch_wait_s);
	ck_assert_double_eq(a.reconfigs, b.reconfigs);
	ck_assert_uint_eq(a.flows, b.flows);
	c.seed = 2;
	run(&c, FABRIC_MIXNET, &b);
	ck_assert_double_ne(a.a2a_s, b.a2a_s);
}
END_TEST

START_TEST(test_conservation_and_capacity)
{
	struct sim_config c;
	struct sim_result r;
	int k;

	tiny(&c);
	for (k = 0; k < FABRIC_COUNT; k++) {
		run(&c, (enum fabric_kind)k, &r);
		ck_assert_double_gt(r.offered_bytes, 0);
		ck_assert_double_eq_tol(r.delivered_bytes, r.offered_bytes, 1e-9 * r.offered_bytes);
		ck_assert_double_le(r.max_link_excess, 1e-9);
		ck_assert_double_gt(r.iteration_s, r.compute_s);
	}
}
END_TEST

START_TEST(test_fabric_relations)
{
	struct sim_config c;
	struct sim_result ft, rail, over, stat, mix;

	tiny(&c);
	c.tor_servers = 2;	/* the 4-server region spans two ToRs */
	run(&c, FABRIC_FAT_TREE, &ft);
	run(&c, FABRIC_RAIL, &rail);
	run(&c, FABRIC_OVERSUB3, &over);
	run(&c, FABRIC_STATIC_OCS, &stat);
	run(&c, FABRIC_MIXNET, &mix);
	ck_assert_double_eq(ft.iteration_s, rail.iteration_s);
	ck_assert_double_gt(over.a2a_s, ft.a2a_s);
	ck_assert_double_eq(stat.reconfigs, 0);
	ck_assert_double_gt(mix.reconfigs, 0);
	ck_assert_double_gt(stat.optical_fraction, 0.5);
	/* the same compute everywhere */
	ck_assert_double_eq_tol(mix.compute_s, ft.compute_s, 1e-9 * ft.compute_s);
}
END_TEST

START_TEST(test_switching_costs_time)
{
	struct sim_config c;
	struct sim_result fast, slow, paused, gain;

	tiny(&c);
	c.switch_s = 0;
	run(&c, FABRIC_MIXNET, &fast);
	ck_assert_double_eq(fast.switch_wait_s, 0);
	c.switch_s = 0.025;
	c.reconfig = SIM_RECONFIG_BLOCKING;
	run(&c, FABRIC_MIXNET, &slow);
	ck_assert_double_gt(slow.switch_wait_s, 0);
	ck_assert_double_gt(slow.iteration_s, fast.iteration_s);
	/* holding every circuit is never better than holding the changed ones */
	c.pause_all = true;
	run(&c, FABRIC_MIXNET, &paused);
	ck_assert_double_ge(paused.switch_wait_s, slow.switch_wait_s);
	/* skipping unprofitable switches waits less */
	c.pause_all = false;
	c.switch_policy = SIM_SWITCH_GAIN;
	run(&c, FABRIC_MIXNET, &gain);
	ck_assert_double_le(gain.switch_wait_s, slow.switch_wait_s);
	ck_assert_double_le(gain.reconfigs, slow.reconfigs);
}
END_TEST

START_TEST(test_bad_configurations)
{
	struct sim_config c;
	struct sim_result r;
	char err[256];

	tiny(&c);
	c.servers = 12;		/* not a multiple of pp x region */
	ck_assert_int_eq(sim_run(&c, FABRIC_FAT_TREE, &r, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "servers"));
	tiny(&c);
	ck_assert_int_eq(sim_model_set(&c.model, "tp=3"), 0);
	ck_assert_int_eq(sim_run(&c, FABRIC_FAT_TREE, &r, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "tp"));
	tiny(&c);
	ck_assert_int_eq(sim_model_set(&c.model, "ep=3"), 0);
	ck_assert_int_eq(sim_run(&c, FABRIC_FAT_TREE, &r, err, sizeof(err)), -EINVAL);
	tiny(&c);
	c.alpha = 8;		/* no EPS left for pipeline and DP traffic */
	ck_assert_int_eq(sim_run(&c, FABRIC_MIXNET, &r, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "alpha"));
	tiny(&c);
	c.iterations = 0;
	ck_assert_int_eq(sim_run(&c, FABRIC_FAT_TREE, &r, err, sizeof(err)), -EINVAL);
	/* model field parsing */
	ck_assert_int_eq(sim_model_set(&c.model, "ep"), -EINVAL);
	ck_assert_int_eq(sim_model_set(&c.model, "ep=-1"), -EINVAL);
	ck_assert_int_eq(sim_model_set(&c.model, "warp=9"), -EINVAL);
	ck_assert_int_eq(sim_model_set(&c.model, "hidden=1e3"), 0);
	ck_assert_double_eq(c.model.hidden, 1000);
	ck_assert_ptr_null(sim_model_find("gpt-5"));
	ck_assert_ptr_nonnull(sim_model_find("DeepSeek-R1"));
}
END_TEST

static Suite *run_suite(void)
{
	Suite *s = suite_create("sim_run");
	TCase *tc = tcase_create("run");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_all_to_all_closed_form);
	tcase_add_test(tc, test_mixnet_matches_planner_estimate);
	tcase_add_test(tc, test_deterministic);
	tcase_add_test(tc, test_conservation_and_capacity);
	tcase_add_test(tc, test_fabric_relations);
	tcase_add_test(tc, test_switching_costs_time);
	tcase_add_test(tc, test_bad_configurations);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(run_suite());
}
