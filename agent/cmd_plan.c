// SPDX-License-Identifier: GPL-2.0
/*
 * mixnet-agent plan: run the planner on a demand matrix (CSV) and print
 * the circuits per server pair and the estimated all-to-all time.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "demand_matrix.h"
#include "planner.h"

#define PLAN_USAGE \
	"usage: mixnet-agent plan --alpha N[,N...] [--gbps G] [--eps-nics K]\n" \
	"                         [--stop] [--spare] [--refine] [--json] FILE.csv\n" \
	"  --alpha N      optical circuits per server (one value, or one per server)\n" \
	"  --gbps G       rate of one circuit / NIC, Gbit/s per direction (400)\n" \
	"  --eps-nics K   NICs per server on the electrical fabric (2)\n" \
	"  --stop         stop at a saturated bottleneck (paper) instead of skipping it\n" \
	"  --spare        give leftover optical ports circuits without demand\n" \
	"  --refine       improve the plan for the estimated time (not in the paper)\n"

struct plan_opts {
	const char *alpha_arg;
	double gbps;
	uint32_t eps_nics;
	struct planner_params params;
	const char *file;
};

static int parse_alpha(const struct cli *cli, const char *arg, uint32_t n, uint32_t *alpha)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	uint32_t k = 0;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (k == n) {
			cli_err(cli, "--alpha", "%u values for %u servers", k + 1, n);
			ret = -EINVAL;
			goto out;
		}
		if (cli_parse_u32(tok, 0, PLANNER_MAX_ALPHA, &alpha[k])) {
			cli_err(cli, "--alpha", "'%s' is not a number in 0..%u", tok, PLANNER_MAX_ALPHA);
			ret = -EINVAL;
			goto out;
		}
		k++;
	}
	if (k == 1) {
		for (; k < n; k++)
			alpha[k] = alpha[0];
	} else if (k != n) {
		cli_err(cli, "--alpha", "%u values for %u servers (give one, or one per server)", k, n);
		ret = -EINVAL;
	}
out:
	free(copy);
	return ret;
}

static int parse_opts(const struct cli *cli, int argc, char **argv, struct plan_opts *o)
{
	static const struct option longopts[] = {
		{ "alpha", required_argument, NULL, 'a' },
		{ "gbps", required_argument, NULL, 'g' },
		{ "eps-nics", required_argument, NULL, 'e' },
		{ "stop", no_argument, NULL, 's' },
		{ "spare", no_argument, NULL, 'f' },
		{ "refine", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t v;
	int c;

	o->gbps = 400;
	o->eps_nics = 2;
	optind = 0;	/* full reinitialisation (glibc) */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "a:g:e:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			o->alpha_arg = optarg;
			break;
		case 'g':
			if (cli_parse_u32(optarg, 1, 1000000, &v)) {
				cli_err(cli, "--gbps", "'%s' is not a rate in 1..1000000 Gbit/s", optarg);
				return -EINVAL;
			}
			o->gbps = v;
			break;
		case 'e':
			if (cli_parse_u32(optarg, 0, 1024, &o->eps_nics)) {
				cli_err(cli, "--eps-nics", "'%s' is not a number in 0..1024", optarg);
				return -EINVAL;
			}
			break;
		case 's':
			o->params.saturated = PLANNER_STOP;
			break;
		case 'f':
			o->params.spare = PLANNER_SPARE_FILL;
			break;
		case 'r':
			o->params.refine = true;
			break;
		case 'h':
			fputs(PLAN_USAGE, stdout);
			return 1;
		default:
			cli_err(cli, argv[0], "bad option '%s'\n%s", argv[optind - 1], PLAN_USAGE);
			return -EINVAL;
		}
	}
	if (optind != argc - 1) {
		cli_err(cli, argv[0], "need exactly one FILE.csv\n%s", PLAN_USAGE);
		return -EINVAL;
	}
	if (!o->alpha_arg) {
		cli_err(cli, argv[0], "--alpha is required\n%s", PLAN_USAGE);
		return -EINVAL;
	}
	o->file = argv[optind];
	return 0;
}

/* Time for the busier direction of a pair on @c circuits, seconds. */
static double pair_seconds(const struct demand_matrix *m, uint32_t i, uint32_t j,
			   uint32_t c, double link_Bps)
{
	double ij = m->bytes[(size_t)i * m->n + j], ji = m->bytes[(size_t)j * m->n + i];

	return (ij > ji ? ij : ji) / (c * link_Bps);
}

/* Pair i < j's circuits and bytes both ways: is it worth a line (either is non-zero)? */
static bool pair_listed(const struct demand_matrix *m, const uint32_t *circuits, uint32_t i,
			uint32_t j, uint32_t *c, double *d)
{
	*c = circuits[(size_t)i * m->n + j];
	*d = m->bytes[(size_t)i * m->n + j] + m->bytes[(size_t)j * m->n + i];
	return *c || *d > 0;
}

static int print_text(const struct demand_matrix *m, const uint32_t *alpha,
		      const uint32_t *circuits, const struct plan_opts *o,
		      const struct planner_stats *st, const struct planner_estimate *est)
{
	double link_Bps = o->gbps * 1e9 / 8;
	char ba[16], bb[16];
	uint32_t i, j, n = m->n, lo = alpha[0], hi = alpha[0];

	for (i = 1; i < n; i++) {
		lo = alpha[i] < lo ? alpha[i] : lo;
		hi = alpha[i] > hi ? alpha[i] : hi;
	}
	printf("# %u servers, alpha ", n);
	if (lo == hi)
		printf("%u", lo);
	else
		printf("%u..%u", lo, hi);
	printf(", %.0f Gbit/s per circuit, EPS %u x %.0f Gbit/s per server\n",
	       o->gbps, o->eps_nics, o->gbps);
	printf("%-16s %-16s %8s %16s %10s\n", "a", "b", "circuits", "bytes", "time_ms");
	for (i = 0; i < n; i++) {
		for (j = i + 1; j < n; j++) {
			uint32_t c;
			double d;

			if (!pair_listed(m, circuits, i, j, &c, &d))
				continue;
			printf("%-16s %-16s %8u %16.0f ", demand_matrix_name(m, i, ba, sizeof(ba)),
			       demand_matrix_name(m, j, bb, sizeof(bb)), c, d);
			if (c)
				printf("%10.4g\n", pair_seconds(m, i, j, c, link_Bps) * 1e3);
			else
				printf("%10s\n", "eps");
		}
	}
	printf("circuits %u on %u pairs (%u spare, %u moved by --refine), %u optical ports dark; "
	       "%u pairs with %.0f bytes on the EPS\n",
	       st->circuits, st->pairs, st->spare_circuits, st->refine_moves, st->free_ports,
	       st->uncovered_pairs, est->electrical_bytes);
	printf("estimated all-to-all: %.6g ms (optical %.6g ms, electrical %.6g ms)\n",
	       est->total_s * 1e3, est->optical_s * 1e3, est->electrical_s * 1e3);
	return fflush(stdout) ? EXIT_FAIL : EXIT_OK;
}

/* jansson has no infinity: a missing EPS (--eps-nics 0) becomes null. */
static json_t *json_ms(double s)
{
	return isfinite(s) ? json_real(s * 1e3) : json_null();
}

static int print_json(const struct demand_matrix *m, const uint32_t *alpha,
		      const uint32_t *circuits, const struct plan_opts *o,
		      const struct planner_stats *st, const struct planner_estimate *est)
{
	double link_Bps = o->gbps * 1e9 / 8;
	json_t *root, *pairs, *alphas;
	char ba[16], bb[16];
	uint32_t i, j, n = m->n;

	pairs = json_array();
	alphas = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(alphas, json_integer(alpha[i]));
	for (i = 0; i < n; i++) {
		for (j = i + 1; j < n; j++) {
			uint32_t c;
			double d;

			if (!pair_listed(m, circuits, i, j, &c, &d))
				continue;
			json_array_append_new(pairs, json_pack("{s:s, s:s, s:i, s:f, s:s, s:o}",
				"a", demand_matrix_name(m, i, ba, sizeof(ba)),
				"b", demand_matrix_name(m, j, bb, sizeof(bb)),
				"circuits", (json_int_t)c, "bytes", d,
				"path", c ? "optical" : "electrical",
				"time_ms", c ? json_ms(pair_seconds(m, i, j, c, link_Bps)) : json_null()));
		}
	}
	root = json_pack("{s:i, s:o, s:f, s:i, s:s, s:s, s:b, s:o, s:i, s:i, s:i, s:i, s:i, s:i, s:f, s:{s:o, s:o, s:o}}",
			 "servers", (json_int_t)n, "alpha", alphas, "link_gbps", o->gbps,
			 "eps_nics", (json_int_t)o->eps_nics,
			 "saturated", o->params.saturated == PLANNER_STOP ? "stop" : "skip",
			 "spare", o->params.spare == PLANNER_SPARE_FILL ? "fill" : "none",
			 "refine", (int)o->params.refine,
			 "pairs", pairs,
			 "circuits", (json_int_t)st->circuits,
			 "circuit_pairs", (json_int_t)st->pairs,
			 "spare_circuits", (json_int_t)st->spare_circuits,
			 "refine_moves", (json_int_t)st->refine_moves,
			 "free_ports", (json_int_t)st->free_ports,
			 "uncovered_pairs", (json_int_t)st->uncovered_pairs,
			 "electrical_bytes", est->electrical_bytes,
			 "estimate",
			 "all_to_all_ms", json_ms(est->total_s),
			 "optical_ms", json_ms(est->optical_s),
			 "electrical_ms", json_ms(est->electrical_s));
	return cli_json_print(root) ? EXIT_FAIL : EXIT_OK;
}

int cmd_plan(struct cli *cli, int argc, char **argv)
{
	struct plan_opts o = { 0 };
	struct demand_matrix m;
	struct demand_error derr;
	struct planner_stats st;
	struct planner_estimate est;
	struct planner *pl = NULL;
	uint32_t *alpha = NULL, *circuits = NULL, i, amax = 1;
	double *eps_Bps = NULL;
	int err, ret = EXIT_FAIL;

	err = parse_opts(cli, argc, argv, &o);
	if (err)
		return err > 0 ? EXIT_OK : EXIT_USAGE;
	err = demand_matrix_load(o.file, &m, &derr);
	if (err == -EINVAL) {
		cli_err(cli, o.file, "line %u, column %u: %s", derr.line, derr.column, derr.msg);
		return EXIT_USAGE;
	}
	if (err) {
		cli_errno(cli, o.file, err, "cannot read the demand matrix");
		return err == -EFBIG ? EXIT_USAGE : cli_exit_code(err);
	}
	alpha = calloc(m.n, sizeof(*alpha));
	eps_Bps = calloc(m.n, sizeof(*eps_Bps));
	circuits = calloc((size_t)m.n * m.n, sizeof(*circuits));
	if (!alpha || !eps_Bps || !circuits) {
		cli_errno(cli, o.file, ENOMEM, "planning");
		goto out;
	}
	if (parse_alpha(cli, o.alpha_arg, m.n, alpha)) {
		ret = EXIT_USAGE;
		goto out;
	}
	for (i = 0; i < m.n; i++) {
		if (alpha[i] > amax)
			amax = alpha[i];
		eps_Bps[i] = o.eps_nics * o.gbps * 1e9 / 8;
	}
	if (o.params.refine) {
		if (m.n > PLANNER_REFINE_MAX_SERVERS) {
			cli_err(cli, "--refine", "at most %u servers", PLANNER_REFINE_MAX_SERVERS);
			ret = EXIT_USAGE;
			goto out;
		}
		if (!o.eps_nics) {
			cli_err(cli, "--refine", "needs an electrical fabric (--eps-nics > 0)");
			ret = EXIT_USAGE;
			goto out;
		}
		o.params.link_Bps = o.gbps * 1e9 / 8;
		o.params.eps_Bps = eps_Bps;
	}
	pl = planner_new(m.n, amax);
	if (!pl) {
		cli_errno(cli, o.file, errno, "planner workspace for %u servers", m.n);
		goto out;
	}
	err = planner_run(pl, m.n, m.bytes, alpha, &o.params, circuits, &st);
	if (err) {
		cli_errno(cli, o.file, err, "planning");
		ret = cli_exit_code(err);
		goto out;
	}
	planner_estimate(m.n, m.bytes, circuits, o.gbps * 1e9 / 8, eps_Bps, &est);
	ret = cli->json ? print_json(&m, alpha, circuits, &o, &st, &est)
			: print_text(&m, alpha, circuits, &o, &st, &est);
out:
	planner_free(pl);
	free(circuits);
	free(eps_Bps);
	free(alpha);
	demand_matrix_free(&m);
	return ret;
}
