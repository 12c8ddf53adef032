// SPDX-License-Identifier: GPL-2.0
/*
 * mixnet-agent demand submit [--layer L] [--socket PATH | --config FILE] FILE.csv
 *
 * Hands a server-pair demand matrix to the local daemon through the demand
 * API (include/mixnet_demand.h), as a training framework would.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "config.h"
#include "demand_matrix.h"
#include "mixnet_demand.h"

static const char usage_text[] =
	"usage: mixnet-agent demand submit [--layer L] [--socket PATH | --config FILE] FILE.csv\n";

/* A matrix as the demand API takes it; the file parser fills it. */
struct matrix {
	uint32_t n;
	uint64_t *bytes;
	char **names;
};

static void matrix_free(struct matrix *m)
{
	uint32_t i;

	for (i = 0; m->names && i < m->n; i++)
		free(m->names[i]);
	free(m->names);
	free(m->bytes);
	memset(m, 0, sizeof(*m));
}

/*
 * Read FILE.csv with the planner's parser (format: Documentation/planner.md)
 * and turn its byte counts (finite, >= 0) into whole bytes.
 */
static int matrix_load(struct cli *cli, const char *path, struct matrix *m)
{
	struct demand_matrix dm;
	struct demand_error err;
	size_t i, cells;
	int rc;

	rc = demand_matrix_load(path, &dm, &err);
	if (rc) {
		if (rc == -EINVAL && err.line)
			cli_err(cli, path, "line %u, column %u: %s", err.line, err.column, err.msg);
		else
			cli_errno(cli, path, rc, "%s", err.msg[0] ? err.msg : "cannot read the matrix");
		demand_matrix_free(&dm);
		return rc == -EINVAL ? EXIT_USAGE : cli_exit_code(rc);
	}
	if (dm.n > MIXNET_DEMAND_MAX_N) {
		cli_err(cli, path, "%u servers, at most %u", dm.n, MIXNET_DEMAND_MAX_N);
		demand_matrix_free(&dm);
		return EXIT_USAGE;
	}
	cells = (size_t)dm.n * dm.n;
	m->n = dm.n;
	m->bytes = calloc(cells, sizeof(*m->bytes));
	if (dm.names)
		m->names = calloc(dm.n, sizeof(*m->names));
	if (!m->bytes || (dm.names && !m->names))
		goto oom;
	for (i = 0; i < cells; i++) {
		if (dm.bytes[i] >= 18446744073709551615.0) {
			cli_err(cli, path, "entry (%zu, %zu) does not fit in 64 bits", i / dm.n + 1,
				i % dm.n + 1);
			demand_matrix_free(&dm);
			matrix_free(m);
			return EXIT_USAGE;
		}
		m->bytes[i] = (uint64_t)(dm.bytes[i] + 0.5);
	}
	for (i = 0; dm.names && i < dm.n; i++) {
		m->names[i] = strdup(dm.names[i]);
		if (!m->names[i])
			goto oom;
	}
	demand_matrix_free(&dm);
	return EXIT_OK;
oom:
	demand_matrix_free(&dm);
	matrix_free(m);
	cli_err(cli, path, "out of memory");
	return EXIT_FAIL;
}

static int submit(struct cli *cli, int argc, char **argv)
{
	const char *sock = MIXNET_DEMAND_SOCKET, *file = NULL;
	struct mixnet_demand_matrix dm = { .layer = -1 };
	struct mixnet_demand_reply reply;
	struct mixnet_demand *d;
	struct matrix m = { 0 };
	char sockbuf[PATH_MAX];
	uint32_t layer;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--layer")) {
			if (++i == argc || cli_parse_u32(argv[i], 0, INT32_MAX, &layer)) {
				cli_err(cli, "--layer", "needs a layer number 0..%d", INT32_MAX);
				return EXIT_USAGE;
			}
			dm.layer = (int32_t)layer;
		} else if (!strcmp(argv[i], "--socket") && i + 1 < argc) {
			sock = argv[++i];
		} else if ((!strcmp(argv[i], "--config") || !strcmp(argv[i], "-c")) && i + 1 < argc) {
			struct cfg_errors errs;
			struct config *cfg;

			rc = config_load(argv[++i], CFG_LOAD_NO_SECRET, &cfg, &errs);
			if (rc) {
				cli_err(cli, argv[i], "%s", errs.count ? errs.msg[0] : strerror(-rc));
				return rc == -EINVAL ? EXIT_USAGE : cli_exit_code(rc);
			}
			snprintf(sockbuf, sizeof(sockbuf), "%s", cfg->demand_socket);
			sock = sockbuf;
			config_free(cfg);
		} else if (argv[i][0] == '-' && argv[i][1]) {
			cli_err(cli, argv[i], "unknown option");
			fputs(usage_text, stderr);
			return EXIT_USAGE;
		} else if (!file) {
			file = argv[i];
		} else {
			cli_err(cli, argv[i], "only one matrix file");
			return EXIT_USAGE;
		}
	}
	if (!file) {
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	rc = matrix_load(cli, file, &m);
	if (rc)
		return rc;

	dm.n = m.n;
	dm.bytes = m.bytes;
	dm.names = (const char *const *)m.names;
	rc = mixnet_demand_connect(sock, &d);
	if (rc) {
		cli_errno(cli, sock, rc, "cannot reach the daemon");
		matrix_free(&m);
		return cli_exit_code(rc);
	}
	rc = mixnet_demand_submit(d, &dm, &reply);
	mixnet_demand_close(d);
	matrix_free(&m);
	if (rc) {
		cli_err(cli, file, "refused: %s", reply.message);
		return cli_exit_code(rc);
	}
	if (cli->json)
		return cli_json_print(json_pack("{s:s, s:I, s:i}", "file", file, "id",
						(json_int_t)reply.id, "servers", dm.n)) ?
		       EXIT_FAIL : EXIT_OK;
	printf("%s: accepted as demand #%llu (%u servers)\n", file, (unsigned long long)reply.id,
	       dm.n);
	return EXIT_OK;
}

int cmd_demand(struct cli *cli, int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "submit"))
		return submit(cli, argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help"))) {
		fputs(usage_text, stdout);
		return EXIT_OK;
	}
	if (argc >= 2)
		cli_err(cli, argv[1], "unknown demand command");
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}
