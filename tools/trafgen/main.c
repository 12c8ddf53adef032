// SPDX-License-Identifier: GPL-2.0
/*
 * mixnet-trafgen: MoE expert-parallel all-to-all traffic generator.
 *
 *   mixnet-trafgen serve --bind ADDR[:PORT] [--once] [-v]
 *   mixnet-trafgen run --hosts [NAME=]ADDR[:PORT],... [workload] [run options] [--json]
 *   mixnet-trafgen matrix (--hosts LIST | --nhosts N) [workload] [--phase K] [--json]
 *
 * Documentation/trafgen.md has the whole story; this file only turns the
 * command line into options for server.c, driver.c and cmd_matrix.c.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_matrix.h"
#include "driver.h"
#include "hosts.h"
#include "matrix_file.h"
#include "options.h"
#include "server.h"
#include "trafgen.h"
#include "workload.h"

static const char usage_text[] =
"usage: mixnet-trafgen serve --bind ADDR[:PORT] [--port P] [--once] [-v]\n"
"       mixnet-trafgen run --hosts [NAME=]ADDR[:PORT],... [options] [--json] [-v]\n"
"       mixnet-trafgen matrix (--hosts LIST | --nhosts N) [workload] [--phase K] [--json]\n"
"\n"
"workload (run, matrix):\n"
"  --phases N            MoE layers, one all-to-all each (8)\n"
"  --bytes SIZE          bytes per phase, all pairs together (4M; K/M/G binary)\n"
"  --tokens N --token-bytes SIZE   instead: routed tokens per host and bytes each\n"
"  --zipf S              expert popularity skew, rank r gets (r+1)^-S (1.2; 0 uniform)\n"
"  --drift F             fraction of expert ranks reshuffled per layer (1)\n"
"  --source-shuffle F    fraction reshuffled per source host (0.5)\n"
"  --experts-per-host N  (2)\n"
"  --seed N              (1)\n"
"  --matrix FILE         a phase's matrix from a CSV file instead of the model;\n"
"                        repeat for more phases (cycled over --phases, which\n"
"                        defaults to the number of files); header = --hosts names\n"
"run:\n"
"  --port P              control/data port of hosts given without one (7766)\n"
"  --repeat N            run the layer sequence N times (1)\n"
"  --streams N           TCP connections per host pair, 1-16 (1): a pair's bytes\n"
"                        are spread over them, so it can use parallel circuits\n"
"  --pause MS            pause before each phase but the first (0)\n"
"  --timeout SEC         limit per phase (60)\n"
"  --connect-timeout SEC reaching the servers and connecting them (10)\n"
"  --announce            submit each phase's matrix to the agent's demand API first\n"
"  --announce-socket PATH\n"
"exit codes: 0 every byte verified, 1 bytes lost/corrupt, connection failed or\n"
"timeout, 2 usage, 4 server unreachable/setup failed, 5 server busy,\n"
"6 --announce failed\n";

static int usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage(const char *fmt, ...)
{
	va_list ap;

	if (fmt) {
		fprintf(stderr, "%s: ", TG_PROG);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fprintf(stderr, "\n(%s --help for usage)\n", TG_PROG);
		return TG_EXIT_USAGE;
	}
	fputs(usage_text, stdout);
	return TG_EXIT_OK;
}

enum {
	O_HOSTS = 256, O_PORT, O_PHASES, O_BYTES, O_TOKENS, O_TOKEN_BYTES, O_ZIPF, O_DRIFT,
	O_SHUFFLE, O_EPH, O_SEED, O_MATRIX, O_REPEAT, O_STREAMS, O_PAUSE, O_TIMEOUT, O_CTIMEOUT,
	O_ANNOUNCE, O_ANNOUNCE_SOCK, O_NHOSTS, O_PHASE, O_BIND, O_ONCE, O_INJECT, O_HELP,
};

static const struct option long_opts[] = {
	{ "hosts", required_argument, NULL, O_HOSTS },
	{ "port", required_argument, NULL, O_PORT },
	{ "phases", required_argument, NULL, O_PHASES },
	{ "bytes", required_argument, NULL, O_BYTES },
	{ "tokens", required_argument, NULL, O_TOKENS },
	{ "token-bytes", required_argument, NULL, O_TOKEN_BYTES },
	{ "zipf", required_argument, NULL, O_ZIPF },
	{ "drift", required_argument, NULL, O_DRIFT },
	{ "source-shuffle", required_argument, NULL, O_SHUFFLE },
	{ "experts-per-host", required_argument, NULL, O_EPH },
	{ "seed", required_argument, NULL, O_SEED },
	{ "matrix", required_argument, NULL, O_MATRIX },
	{ "repeat", required_argument, NULL, O_REPEAT },
	{ "streams", required_argument, NULL, O_STREAMS },
	{ "pause", required_argument, NULL, O_PAUSE },
	{ "timeout", required_argument, NULL, O_TIMEOUT },
	{ "connect-timeout", required_argument, NULL, O_CTIMEOUT },
	{ "announce", no_argument, NULL, O_ANNOUNCE },
	{ "announce-socket", required_argument, NULL, O_ANNOUNCE_SOCK },
	{ "nhosts", required_argument, NULL, O_NHOSTS },
	{ "phase", required_argument, NULL, O_PHASE },
	{ "bind", required_argument, NULL, O_BIND },
	{ "once", no_argument, NULL, O_ONCE },
	{ "inject", required_argument, NULL, O_INJECT },
	{ "help", no_argument, NULL, O_HELP },
	{ NULL, 0, NULL, 0 },
};

/* Which options each command takes. */
static bool allowed(const char *cmd, int opt)
{
	bool wl = opt >= O_PHASES && opt <= O_MATRIX;

	if (opt == O_HELP)
		return true;
	if (!strcmp(cmd, "serve"))
		return opt == O_BIND || opt == O_PORT || opt == O_ONCE || opt == O_INJECT;
	if (!strcmp(cmd, "matrix"))
		return wl || opt == O_HOSTS || opt == O_PORT || opt == O_NHOSTS || opt == O_PHASE;
	return wl || opt == O_HOSTS || opt == O_PORT || (opt >= O_REPEAT && opt <= O_ANNOUNCE_SOCK);
}

static const char *opt_name(int opt)
{
	const struct option *o;

	for (o = long_opts; o->name; o++)
		if (o->val == opt)
			return o->name;
	return "?";
}

/* Numbers: report which option was wrong and why. */
static int bad_value(int opt, const char *arg, int err, const char *range)
{
	return usage("--%s '%s': %s%s%s", opt_name(opt), arg,
		     err == -ERANGE ? "out of range" : "not a valid value",
		     range ? " " : "", range ? range : "");
}

struct cmdline {
	const char *cmd;
	struct tg_run_opts run;
	struct tg_serve_opts serve;
	struct tg_matrix_opts mat;
	const char **host_lists;
	int nhost_lists;
	uint32_t port;
	bool bind_given;
	const char *bind;
	bool bytes_given, tokens_given, phases_given;
	const char *model_opt;		/* a model option given (excludes --matrix) */
	const char **matrix_files;	/* --matrix, in order */
	uint32_t nmatrix_files;
	uint64_t *matrices;		/* their contents, loaded for the hosts */
};

static int parse_opt(struct cmdline *c, int opt, const char *arg)
{
	struct tg_workload_params *wl = &c->run.wl;
	uint64_t v;
	double x;
	int err = 0;

	if (opt >= O_BYTES && opt <= O_SEED)
		c->model_opt = opt_name(opt);
	switch (opt) {
	case O_HOSTS:
		c->host_lists[c->nhost_lists++] = arg;
		break;
	case O_PORT:
		err = cli_parse_u32(arg, 1, 65535, &c->port);
		if (err)
			return bad_value(opt, arg, err, "(1-65535)");
		break;
	case O_PHASES:
		err = cli_parse_u32(arg, 1, TG_MAX_LAYERS, &wl->layers);
		c->phases_given = true;
		break;
	case O_BYTES:
		err = tg_parse_size(arg, 1, TG_MAX_PAIR_BYTES, &wl->phase_bytes);
		c->bytes_given = true;
		break;
	case O_TOKENS:
		err = tg_parse_size(arg, 1, TG_MAX_TOKENS, &wl->tokens);
		c->tokens_given = true;
		break;
	case O_TOKEN_BYTES:
		err = tg_parse_size(arg, 1, TG_MAX_TOKEN_BYTES, &wl->token_bytes);
		c->tokens_given = true;
		break;
	case O_ZIPF:
		err = tg_parse_double(arg, 0, TG_MAX_ZIPF, &wl->zipf);
		if (err)
			return bad_value(opt, arg, err, "(0-10)");
		break;
	case O_DRIFT:
	case O_SHUFFLE:
		err = tg_parse_double(arg, 0, 1, &x);
		if (err)
			return bad_value(opt, arg, err, "(0-1)");
		*(opt == O_DRIFT ? &wl->drift : &wl->source_shuffle) = x;
		break;
	case O_EPH:
		err = cli_parse_u32(arg, 1, TG_MAX_EXPERTS_PER_HOST, &wl->experts_per_host);
		break;
	case O_SEED:
		err = cli_parse_u64(arg, 0, INT64_MAX, &wl->seed);	/* JSON integers */
		break;
	case O_MATRIX:
		if (c->nmatrix_files >= TG_MAX_LAYERS)
			return usage("--matrix: at most %u files", TG_MAX_LAYERS);
		c->matrix_files[c->nmatrix_files++] = arg;
		break;
	case O_REPEAT:
		err = cli_parse_u32(arg, 1, 1000000, &c->run.repeat);
		break;
	case O_STREAMS:
		err = cli_parse_u32(arg, 1, TG_MAX_STREAMS, &c->run.streams);
		if (err)
			return bad_value(opt, arg, err, "(1-16)");
		break;
	case O_PAUSE:
		err = cli_parse_u32(arg, 0, 3600000, &c->run.pause_ms);
		break;
	case O_TIMEOUT:
	case O_CTIMEOUT:
		err = cli_parse_u64(arg, 1, 86400, &v);
		if (err)
			return bad_value(opt, arg, err, "(1-86400 seconds)");
		*(opt == O_TIMEOUT ? &c->run.timeout_ms : &c->run.connect_timeout_ms) =
			(uint32_t)v * 1000;
		break;
	case O_ANNOUNCE:
		c->run.announce = true;
		break;
	case O_ANNOUNCE_SOCK:
		c->run.announce = true;
		c->run.announce_socket = arg;
		break;
	case O_NHOSTS:
		err = cli_parse_u32(arg, 2, TG_MAX_HOSTS, &c->mat.nhosts);
		break;
	case O_PHASE:
		err = cli_parse_u32(arg, 0, TG_MAX_LAYERS - 1, &c->mat.phase);
		c->mat.one_phase = true;
		break;
	case O_BIND:
		c->bind = arg;
		break;
	case O_ONCE:
		c->serve.once = true;
		break;
	case O_INJECT:
		if (tg_inject_parse(arg, &c->serve.inject))
			return usage("--inject '%s': expected corrupt:PEER:OFFSET or "
				     "truncate:PEER:OFFSET", arg);
		break;
	}
	return err ? bad_value(opt, arg, err, NULL) : 0;
}

static int collect_hosts(struct cmdline *c, struct tg_hosts *hs)
{
	char err[200];
	int i, rc;

	for (i = 0; i < c->nhost_lists; i++) {
		rc = tg_hosts_add(hs, c->host_lists[i], (uint16_t)c->port, err, sizeof(err));
		if (rc == -ENOMEM) {
			fprintf(stderr, "%s: out of memory\n", TG_PROG);
			return TG_EXIT_FAIL;
		}
		if (rc)
			return usage("--hosts: %s", err);
	}
	return 0;
}

/* --matrix files: loaded for @hs (their header must name these hosts). */
static int load_matrices(struct cmdline *c, const struct tg_hosts *hs)
{
	struct tg_workload_params *wl = &c->run.wl;
	size_t nn = (size_t)hs->n * hs->n;
	char err[400];
	uint32_t k;
	int rc;

	if (c->model_opt)
		return usage("--matrix and --%s exclude each other: the files give the bytes",
			     c->model_opt);
	if ((uint64_t)c->nmatrix_files * nn > TG_MAX_PERM_ENTRIES)
		return usage("--matrix: %u files of %u hosts are too many (at most %u entries)",
			     c->nmatrix_files, hs->n, TG_MAX_PERM_ENTRIES);
	c->matrices = malloc(sizeof(*c->matrices) * nn * c->nmatrix_files);
	if (!c->matrices) {
		fprintf(stderr, "%s: out of memory\n", TG_PROG);
		return TG_EXIT_FAIL;
	}
	for (k = 0; k < c->nmatrix_files; k++) {
		rc = tg_matrix_file_load(c->matrix_files[k], hs, &c->matrices[k * nn], err,
					 sizeof(err));
		if (rc == -ENOMEM) {
			fprintf(stderr, "%s: %s\n", TG_PROG, err);
			return TG_EXIT_FAIL;
		}
		if (rc)
			return usage("--matrix %s", err);
	}
	wl->nmatrices = c->nmatrix_files;
	wl->matrices = c->matrices;
	wl->matrix_files = c->matrix_files;
	if (!c->phases_given)
		wl->layers = c->nmatrix_files;
	return 0;
}

static int finish_workload(struct cmdline *c, const struct tg_hosts *hs)
{
	struct tg_workload_params *wl = &c->run.wl;
	char err[200];
	int rc;

	if (c->nmatrix_files) {
		rc = load_matrices(c, hs);
		if (rc)
			return rc;
	} else if (c->tokens_given) {
		if (c->bytes_given)
			return usage("--bytes and --tokens/--token-bytes exclude each other");
		if (!wl->tokens || !wl->token_bytes)
			return usage("--tokens and --token-bytes go together");
		wl->phase_bytes = 0;
	}
	wl->nhosts = hs->n;
	if (tg_workload_check(wl, err, sizeof(err)))
		return usage("%s", err);
	return 0;
}

static int cmd_serve(struct cmdline *c)
{
	char err[200];

	if (!c->bind)
		return usage("serve: --bind ADDR[:PORT] is required (the host's fabric address)");
	if (tg_host_parse(c->bind, (uint16_t)c->port, &c->serve.self, err, sizeof(err)))
		return usage("--bind: %s", err);
	if (!strcmp(c->serve.self.addr, "0.0.0.0") || !strcmp(c->serve.self.addr, "::"))
		return usage("--bind %s: give the host's own fabric address, not a wildcard "
			     "(data connections are made from it)", c->bind);
	return tg_serve(&c->serve);
}

static int cmd_run(struct cmdline *c)
{
	int rc;

	if (!c->nhost_lists)
		return usage("run: --hosts is required");
	rc = collect_hosts(c, &c->run.hosts);
	if (!rc && c->run.hosts.n < 2)
		rc = usage("--hosts: need at least 2 hosts, got %u", c->run.hosts.n);
	if (!rc)
		rc = finish_workload(c, &c->run.hosts);
	if (!rc)
		rc = tg_run(&c->run);
	tg_hosts_free(&c->run.hosts);
	return rc;
}

static int cmd_matrix_main(struct cmdline *c)
{
	struct tg_hosts hs = { 0 };
	int rc;

	if (!!c->nhost_lists == !!c->mat.nhosts)
		return usage("matrix: give either --hosts or --nhosts");
	rc = c->nhost_lists ? collect_hosts(c, &hs) : tg_hosts_anon(&hs, c->mat.nhosts);
	if (rc < 0)
		rc = TG_EXIT_FAIL;
	if (!rc && hs.n < 2)
		rc = usage("--hosts: need at least 2 hosts, got %u", hs.n);
	if (!rc)
		rc = finish_workload(c, &hs);
	if (!rc && c->mat.one_phase && c->mat.phase >= c->run.wl.layers)
		rc = usage("--phase %u: only %u phases (0-%u)", c->mat.phase, c->run.wl.layers,
			   c->run.wl.layers - 1);
	if (!rc)
		rc = tg_cmd_matrix(&c->mat, &c->run.wl, &hs);
	tg_hosts_free(&hs);
	return rc;
}

int main(int argc, char **argv)
{
	struct cli cli = { .prog = TG_PROG };
	struct cmdline c = { .port = TG_DEFAULT_PORT };
	int opt, rc;

	argc = cli_take_global_opts(&cli, argc, argv);
	if (argc < 2)
		return usage("missing command: serve, run or matrix");
	c.cmd = argv[1];
	if (!strcmp(c.cmd, "--help") || !strcmp(c.cmd, "-h") || !strcmp(c.cmd, "help"))
		return usage(NULL);
	if (strcmp(c.cmd, "serve") && strcmp(c.cmd, "run") && strcmp(c.cmd, "matrix"))
		return usage("unknown command '%s' (serve, run or matrix)", c.cmd);
	tg_workload_defaults(&c.run.wl);
	c.run.repeat = 1;
	c.run.streams = 1;
	c.run.timeout_ms = 60000;
	c.run.connect_timeout_ms = 10000;
	c.run.json = c.mat.json = cli.json;
	c.run.verbose = c.serve.verbose = cli.verbose;
	c.host_lists = calloc((size_t)argc, sizeof(*c.host_lists));
	c.matrix_files = calloc((size_t)argc, sizeof(*c.matrix_files));
	if (!c.host_lists || !c.matrix_files) {
		free(c.host_lists);
		free(c.matrix_files);
		return TG_EXIT_FAIL;
	}
	optind = 2;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		if (opt == '?') {
			rc = usage("%s: unknown option or missing value '%s'", c.cmd, argv[optind - 1]);
			goto out;
		}
		if (opt == 'h' || opt == O_HELP) {
			rc = usage(NULL);
			goto out;
		}
		if (!allowed(c.cmd, opt)) {
			rc = usage("%s does not take --%s", c.cmd, opt_name(opt));
			goto out;
		}
		rc = parse_opt(&c, opt, optarg);
		if (rc)
			goto out;
	}
	if (optind < argc) {
		rc = usage("%s: unexpected argument '%s'", c.cmd, argv[optind]);
		goto out;
	}
	if (!strcmp(c.cmd, "serve"))
		rc = cmd_serve(&c);
	else if (!strcmp(c.cmd, "run"))
		rc = cmd_run(&c);
	else
		rc = cmd_matrix_main(&c);
out:
	free(c.host_lists);
	free(c.matrix_files);
	free(c.matrices);
	return rc;
}
