// SPDX-License-Identifier: GPL-2.0
/*
 * mixnet-sim: how long does an MoE training iteration take on a fat-tree,
 * an oversubscribed fat-tree, a rail-optimized fabric, a static optical
 * topology or mixnet, and what does each fabric cost?  See
 * Documentation/sim.md.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "sim_cost.h"
#include "sim_run.h"

#define EXIT_USAGE 2

static const char usage[] =
"usage: mixnet-sim --model NAME --servers N --speed GBPS [--fabric LIST] [options]\n"
"       mixnet-sim --sweep [--models LIST] [--speeds LIST] --servers N [--out FILE.csv]\n"
"  --model NAME        %s\n"
"  --servers N         servers of 8 GPUs / 8 NICs (128)\n"
"  --speed GBPS        link speed per NIC: 100, 200, 400, 800 (400)\n"
"  --fabric LIST       fat-tree,oversub3,rail,static-ocs,mixnet (all)\n"
"  --alpha N           optical NICs per server, optical fabrics (6)\n"
"  --switch-ms MS      OCS reconfiguration time (25)\n"
"  --reconfig MODE     predict (default) or blocking: forward all-to-alls\n"
"                      use the previous micro-batch's plan, or wait for theirs\n"
"  --pause-all         a switch holds every circuit of the region (paper),\n"
"                      not only the circuits that change\n"
"  --iterations N      iterations to simulate (1)\n"
"  --seed S            random seed of the expert loads (1)\n"
"  --microbatches N    per iteration (2 x pp)\n"
"  --gpu-tflops F      effective dense TFLOP/s per GPU (400)\n"
"  --nvlink-gbs G      NVSwitch GB/s per GPU and direction, for TP (450)\n"
"  --skew X            std of expert popularity logits (0.5)\n"
"  --tor-servers N     servers per ToR in oversub3 (4)\n"
"  --stop, --spare     planner options (see mixnet-agent plan)\n"
"  --refine            refine Algorithm 1's plans (planner_refine)\n"
"  --switch-policy P   always (paper): apply every new plan; gain: only if\n"
"                      it saves more time than the switch holds flows up\n"
"  --prices FILE       component prices (INI) instead of the paper's\n"
"  --set FIELD=VALUE   override a model field (ep, tp, pp, seq, micro_batch,\n"
"                      layers, experts, topk, hidden, ...); repeatable\n"
"  --json              machine-readable output\n"
"  --global-maxmin     recompute every flow's rate at every change (slow\n"
"                      baseline for benchmarks; same results)\n"
"  --sweep             grid of models x speeds, all fabrics, CSV to --out\n";

struct opts {
	struct sim_config cfg;
	struct cost_model cost;
	const char *model;
	char *fabrics;
	char *models;
	char *speeds;
	const char *out;
	char *sets[32];
	int nsets;
	bool json, sweep;
};

struct row {
	enum fabric_kind kind;
	struct sim_result r;
	double cost, wall_s;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int bad(const char *opt, const char *val)
{
	fprintf(stderr, "mixnet-sim: %s: bad value '%s'\n", opt, val);
	return EXIT_USAGE;
}

/* Parse the list @spec of fabrics; fat-tree always first (the baseline). */
static int fabric_list(const char *spec, enum fabric_kind *kinds, int *n)
{
	char *copy = strdup(spec ? spec : "fat-tree,oversub3,rail,static-ocs,mixnet");
	char *tok, *save = NULL;
	bool seen[FABRIC_COUNT] = { false };
	int k;

	if (!copy)
		return -ENOMEM;
	*n = 0;
	kinds[(*n)++] = FABRIC_FAT_TREE;
	seen[FABRIC_FAT_TREE] = true;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		k = fabric_parse(tok);
		if (k < 0) {
			fprintf(stderr, "mixnet-sim: --fabric: unknown fabric '%s'\n", tok);
			free(copy);
			return -EINVAL;
		}
		if (!seen[k])
			kinds[(*n)++] = (enum fabric_kind)k;
		seen[k] = true;
	}
	free(copy);
	return 0;
}

static int run_fabrics(const struct opts *o, const struct sim_config *cfg,
		       const enum fabric_kind *kinds, int n, struct row *rows)
{
	char err[256];
	int i, ret;

	for (i = 0; i < n; i++) {
		double t0 = now_s();

		rows[i].kind = kinds[i];
		ret = sim_run(cfg, kinds[i], &rows[i].r, err, sizeof(err));
		if (ret) {
			fprintf(stderr, "mixnet-sim: %s on %s: %s\n", cfg->model.name,
				fabric_name(kinds[i]), err);
			return ret;
		}
		rows[i].wall_s = now_s() - t0;
		rows[i].cost = cost_fabric(&o->cost, kinds[i], cfg->servers, cfg->gbps, cfg->alpha);
	}
	return 0;
}

/* Performance per dollar relative to row 0 (fat-tree). */
static double ppd(const struct row *rows, int i)
{
	return rows[0].r.iteration_s * rows[0].cost / (rows[i].r.iteration_s * rows[i].cost);
}

static void print_text(const struct sim_config *cfg, const struct row *rows, int n)
{
	int i;

	sim_model_print(&cfg->model, stdout);
	printf("%u servers (%u GPUs), %u Gbit/s per NIC, alpha %u, switch %.1f ms, "
	       "%u iteration(s), seed %llu\n\n",
	       cfg->servers, cfg->servers * 8, cfg->gbps, cfg->alpha, cfg->switch_s * 1e3,
	       cfg->iterations, (unsigned long long)cfg->seed);
	printf("%-11s %12s %12s %6s %9s %12s %9s %9s %8s %7s\n", "fabric", "iteration_ms",
	       "all2all_ms", "a2a%", "time/ft", "cost_usd", "cost/ft", "perf/$ft", "reconf", "wall_s");
	for (i = 0; i < n; i++) {
		const struct sim_result *r = &rows[i].r;

		printf("%-11s %12.1f %12.1f %6.1f %9.3f %12.0f %9.3f %9.3f %8.1f %7.2f\n",
		       fabric_name(rows[i].kind), r->iteration_s * 1e3, r->a2a_s * 1e3,
		       100 * r->a2a_s / r->iteration_s, r->iteration_s / rows[0].r.iteration_s,
		       rows[i].cost, rows[i].cost / rows[0].cost, ppd(rows, i), r->reconfigs,
		       rows[i].wall_s);
	}
}

static int print_json(const struct sim_config *cfg, const struct row *rows, int n)
{
	json_t *arr = json_array(), *root;
	int i, err;

	for (i = 0; i < n; i++) {
		const struct sim_result *r = &rows[i].r;

		json_array_append_new(arr, json_pack(
			"{s:s, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:I, s:I, s:f, s:f}",
			"fabric", fabric_name(rows[i].kind),
			"iteration_ms", r->iteration_s * 1e3,
			"all_to_all_ms", r->a2a_s * 1e3,
			"switch_wait_ms", r->switch_wait_s * 1e3,
			"compute_ms", r->compute_s * 1e3,
			"dp_ms", r->dp_s * 1e3,
			"normalized_time", r->iteration_s / rows[0].r.iteration_s,
			"cost_usd", rows[i].cost,
			"normalized_cost", rows[i].cost / rows[0].cost,
			"perf_per_dollar_norm", ppd(rows, i),
			"reconfigs_per_region", r->reconfigs,
			"plans_kept_per_region", r->skipped,
			"ports_changed_per_reconfig", r->ports_changed,
			"optical_fraction", r->optical_fraction,
			"flows", (json_int_t)r->flows,
			"recomputes", (json_int_t)r->recomputes,
			"flows_per_recompute", r->recomputes ? (double)r->recompute_flows / r->recomputes : 0.0,
			"wall_s", rows[i].wall_s));
	}
	root = json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:f, s:s, s:s, s:b, s:i, s:I, s:o}",
			 "model", cfg->model.name, "ep", (int)cfg->model.ep, "tp", (int)cfg->model.tp,
			 "pp", (int)cfg->model.pp, "servers", (int)cfg->servers,
			 "speed_gbps", (int)cfg->gbps, "alpha", (int)cfg->alpha,
			 "switch_ms", cfg->switch_s * 1e3,
			 "reconfig", cfg->reconfig == SIM_RECONFIG_PREDICT ? "predict" : "blocking",
			 "switch_policy", cfg->switch_policy == SIM_SWITCH_GAIN ? "gain" : "always",
			 "refine", (int)cfg->planner.refine,
			 "iterations", (int)cfg->iterations, "seed", (json_int_t)cfg->seed,
			 "fabrics", arr);
	if (!root)
		return EXIT_FAILURE;
	err = json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	fputc('\n', stdout);
	return err ? EXIT_FAILURE : EXIT_SUCCESS;
}

static int apply_model(struct opts *o, struct sim_config *cfg, const char *name)
{
	const struct sim_model *m = sim_model_find(name);
	int i;

	if (!m) {
		fprintf(stderr, "mixnet-sim: unknown model '%s' (%s)\n", name, sim_model_names());
		return EXIT_USAGE;
	}
	cfg->model = *m;
	for (i = 0; i < o->nsets; i++)
		if (sim_model_set(&cfg->model, o->sets[i]))
			return bad("--set", o->sets[i]);
	return 0;
}

static int do_sweep(struct opts *o)
{
	char *models = strdup(o->models ? o->models
				 : "mixtral-8x7b,mixtral-8x22b,qwen-moe,deepseek-v3");
	char *speeds = strdup(o->speeds ? o->speeds : "100,200,400,800");
	enum fabric_kind kinds[FABRIC_COUNT];
	FILE *out = stdout;
	char *m, *sm = NULL;
	int n, ret = EXIT_SUCCESS;

	if (!models || !speeds || fabric_list(o->fabrics, kinds, &n)) {
		ret = EXIT_USAGE;
		goto done;
	}
	if (o->out && !(out = fopen(o->out, "w"))) {
		fprintf(stderr, "mixnet-sim: %s: %s\n", o->out, strerror(errno));
		ret = EXIT_FAILURE;
		goto done;
	}
	fprintf(out, "model,servers,speed_gbps,fabric,iteration_ms,all_to_all_ms,switch_wait_ms,"
		     "normalized_time,cost_usd,normalized_cost,perf_per_dollar_norm,"
		     "reconfigs_per_region,optical_fraction\n");
	for (m = strtok_r(models, ",", &sm); m; m = strtok_r(NULL, ",", &sm)) {
		char *speeds_copy = strdup(speeds), *sp, *ss = NULL;

		if (!speeds_copy) {
			ret = EXIT_FAILURE;
			break;
		}
		for (sp = strtok_r(speeds_copy, ",", &ss); sp; sp = strtok_r(NULL, ",", &ss)) {
			struct sim_config cfg = o->cfg;
			struct row rows[FABRIC_COUNT];
			int i;

			ret = apply_model(o, &cfg, m);
			if (!ret && cli_parse_u32(sp, 1, 100000, &cfg.gbps))
				ret = bad("--speeds", sp);
			if (!ret && !cost_prices_at(&o->cost, cfg.gbps)) {
				fprintf(stderr, "mixnet-sim: no prices for %u Gbit/s\n", cfg.gbps);
				ret = EXIT_USAGE;
			}
			if (!ret && run_fabrics(o, &cfg, kinds, n, rows))
				ret = EXIT_FAILURE;
			if (ret)
				break;
			for (i = 0; i < n; i++) {
				const struct sim_result *r = &rows[i].r;

				fprintf(out, "%s,%u,%u,%s,%.3f,%.3f,%.3f,%.4f,%.0f,%.4f,%.4f,%.2f,%.4f\n",
					cfg.model.name, cfg.servers, cfg.gbps, fabric_name(rows[i].kind),
					r->iteration_s * 1e3, r->a2a_s * 1e3, r->switch_wait_s * 1e3,
					r->iteration_s / rows[0].r.iteration_s, rows[i].cost,
					rows[i].cost / rows[0].cost, ppd(rows, i), r->reconfigs,
					r->optical_fraction);
			}
			fflush(out);
			fprintf(stderr, "mixnet-sim: %s %u Gbit/s done\n", cfg.model.name, cfg.gbps);
		}
		free(speeds_copy);
		if (ret)
			break;
	}
	if (out != stdout && fclose(out) && !ret)
		ret = EXIT_FAILURE;
done:
	free(models);
	free(speeds);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "servers", required_argument, NULL, 'S' },
		{ "speed", required_argument, NULL, 'b' },
		{ "fabric", required_argument, NULL, 'f' },
		{ "alpha", required_argument, NULL, 'a' },
		{ "switch-ms", required_argument, NULL, 'w' },
		{ "reconfig", required_argument, NULL, 'r' },
		{ "pause-all", no_argument, NULL, 'P' },
		{ "iterations", required_argument, NULL, 'i' },
		{ "seed", required_argument, NULL, 's' },
		{ "microbatches", required_argument, NULL, 'M' },
		{ "gpu-tflops", required_argument, NULL, 'g' },
		{ "nvlink-gbs", required_argument, NULL, 'n' },
		{ "skew", required_argument, NULL, 'k' },
		{ "tor-servers", required_argument, NULL, 't' },
		{ "stop", no_argument, NULL, 'X' },
		{ "spare", no_argument, NULL, 'Y' },
		{ "refine", no_argument, NULL, 'R' },
		{ "switch-policy", required_argument, NULL, 'G' },
		{ "prices", required_argument, NULL, 'p' },
		{ "set", required_argument, NULL, 'e' },
		{ "json", no_argument, NULL, 'j' },
		{ "global-maxmin", no_argument, NULL, 'Z' },
		{ "sweep", no_argument, NULL, 'W' },
		{ "models", required_argument, NULL, 'L' },
		{ "speeds", required_argument, NULL, 'B' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { 0 };
	enum fabric_kind kinds[FABRIC_COUNT];
	struct row rows[FABRIC_COUNT];
	uint32_t u;
	double d;
	int c, n, ret;

	sim_config_default(&o.cfg);
	cost_default(&o.cost);
	o.model = "mixtral-8x22b";
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			o.model = optarg;
			break;
		case 'S':
			if (cli_parse_u32(optarg, 1, 1u << 20, &o.cfg.servers))
				return bad("--servers", optarg);
			break;
		case 'b':
			if (cli_parse_u32(optarg, 1, 100000, &o.cfg.gbps))
				return bad("--speed", optarg);
			break;
		case 'f':
			o.fabrics = optarg;
			break;
		case 'a':
			if (cli_parse_u32(optarg, 1, 7, &o.cfg.alpha))
				return bad("--alpha (1..7)", optarg);
			break;
		case 'w':
			if (cli_parse_double(optarg, 0, 1e6, &d))
				return bad("--switch-ms", optarg);
			o.cfg.switch_s = d / 1e3;
			break;
		case 'r':
			if (!strcmp(optarg, "predict"))
				o.cfg.reconfig = SIM_RECONFIG_PREDICT;
			else if (!strcmp(optarg, "blocking"))
				o.cfg.reconfig = SIM_RECONFIG_BLOCKING;
			else
				return bad("--reconfig", optarg);
			break;
		case 'P':
			o.cfg.pause_all = true;
			break;
		case 'i':
			if (cli_parse_u32(optarg, 1, 1000, &o.cfg.iterations))
				return bad("--iterations", optarg);
			break;
		case 's':
			if (cli_parse_u32(optarg, 0, UINT32_MAX, &u))
				return bad("--seed", optarg);
			o.cfg.seed = u;
			break;
		case 'M':
			if (cli_parse_u32(optarg, 1, 4096, &o.cfg.model.microbatches))
				return bad("--microbatches", optarg);
			if (o.nsets < 32) {
				static char buf[48];

				snprintf(buf, sizeof(buf), "microbatches=%s", optarg);
				o.sets[o.nsets++] = buf;
			}
			break;
		case 'g':
			if (cli_parse_double(optarg, 1e-3, 1e6, &d))
				return bad("--gpu-tflops", optarg);
			o.cfg.gpu_flops = d * 1e12;
			break;
		case 'n':
			if (cli_parse_double(optarg, 1e-3, 1e6, &d))
				return bad("--nvlink-gbs", optarg);
			o.cfg.nvlink_Bps = d * 1e9;
			break;
		case 'k':
			if (cli_parse_double(optarg, 0, 10, &o.cfg.traffic.skew))
				return bad("--skew", optarg);
			break;
		case 't':
			if (cli_parse_u32(optarg, 1, 1u << 20, &o.cfg.tor_servers))
				return bad("--tor-servers", optarg);
			break;
		case 'X':
			o.cfg.planner.saturated = PLANNER_STOP;
			break;
		case 'Y':
			o.cfg.planner.spare = PLANNER_SPARE_FILL;
			break;
		case 'R':
			o.cfg.planner.refine = true;
			break;
		case 'G':
			if (!strcmp(optarg, "always"))
				o.cfg.switch_policy = SIM_SWITCH_ALWAYS;
			else if (!strcmp(optarg, "gain"))
				o.cfg.switch_policy = SIM_SWITCH_GAIN;
			else
				return bad("--switch-policy", optarg);
			break;
		case 'p': {
			char err[256];

			if (cost_load(&o.cost, optarg, err, sizeof(err))) {
				fprintf(stderr, "mixnet-sim: %s: %s\n", optarg, err);
				return EXIT_USAGE;
			}
			break;
		}
		case 'e':
			if (o.nsets == 32)
				return bad("--set (too many)", optarg);
			o.sets[o.nsets++] = optarg;
			break;
		case 'j':
			o.json = true;
			break;
		case 'Z':
			o.cfg.global_maxmin = true;
			break;
		case 'W':
			o.sweep = true;
			break;
		case 'L':
			o.models = optarg;
			break;
		case 'B':
			o.speeds = optarg;
			break;
		case 'o':
			o.out = optarg;
			break;
		case 'h':
			printf(usage, sim_model_names());
			return EXIT_SUCCESS;
		default:
			fprintf(stderr, usage, sim_model_names());
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "mixnet-sim: unexpected argument '%s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (o.sweep)
		return do_sweep(&o);
	ret = apply_model(&o, &o.cfg, o.model);
	if (ret)
		return ret;
	if (!cost_prices_at(&o.cost, o.cfg.gbps)) {
		fprintf(stderr, "mixnet-sim: no prices for %u Gbit/s (add a [%uG] section "
			"with --prices)\n", o.cfg.gbps, o.cfg.gbps);
		return EXIT_USAGE;
	}
	if (fabric_list(o.fabrics, kinds, &n))
		return EXIT_USAGE;
	ret = run_fabrics(&o, &o.cfg, kinds, n, rows);
	if (ret)
		return ret == -EINVAL ? EXIT_USAGE : EXIT_FAILURE;
	if (o.json)
		return print_json(&o.cfg, rows, n);
	print_text(&o.cfg, rows, n);
	return EXIT_SUCCESS;
}
