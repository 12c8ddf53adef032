// SPDX-License-Identifier: GPL-2.0
/* `mixnet-trafgen matrix` (see cmd_matrix.h). */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_matrix.h"
#include "matrix_file.h"
#include "trafgen.h"

static void print_csv(const struct tg_hosts *hs, const uint64_t *m)
{
	uint32_t n = hs->n, i, j;

	for (j = 0; j < n; j++)
		printf("%s%s", j ? "," : "", hs->h[j].name);
	putchar('\n');
	for (i = 0; i < n; i++) {
		for (j = 0; j < n; j++)
			printf("%s%" PRIu64, j ? "," : "", m[(size_t)i * n + j]);
		putchar('\n');
	}
}

static json_t *layer_json(const struct tg_hosts *hs, uint32_t layer, const uint64_t *m)
{
	json_t *rows = json_array(), *recv = json_array(), *names = json_array();
	uint32_t n = hs->n, i, j;
	uint64_t total = 0;

	for (i = 0; i < n; i++) {
		json_t *row = json_array();
		uint64_t col = 0;

		for (j = 0; j < n; j++) {
			json_array_append_new(row, json_integer((json_int_t)m[(size_t)i * n + j]));
			total += m[(size_t)i * n + j];
			col += m[(size_t)j * n + i];
		}
		json_array_append_new(rows, row);
		json_array_append_new(recv, json_integer((json_int_t)col));
		json_array_append_new(names, json_string(hs->h[i].name));
	}
	return json_pack("{sisIsososo}", "layer", (int)layer, "bytes", (json_int_t)total,
			 "hosts", names, "matrix", rows, "recv_bytes", recv);
}

int tg_cmd_matrix(const struct tg_matrix_opts *o, const struct tg_workload_params *p,
		  const struct tg_hosts *hs)
{
	struct tg_workload *w;
	json_t *layers = NULL;
	uint64_t *m;
	uint32_t l, first = o->one_phase ? o->phase : 0;
	uint32_t last = o->one_phase ? o->phase : p->layers - 1;
	char err[200];
	int rc;

	rc = tg_workload_new(p, &w, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "%s: %s\n", TG_PROG, err);
		return rc == -EINVAL ? TG_EXIT_USAGE : TG_EXIT_FAIL;
	}
	m = malloc(sizeof(*m) * hs->n * hs->n);
	if (o->json)
		layers = json_array();
	rc = !m || (o->json && !layers) ? -ENOMEM : 0;
	for (l = first; !rc && l <= last; l++) {
		rc = tg_workload_matrix(w, l, m);
		if (rc)
			break;
		if (o->json) {
			json_array_append_new(layers, layer_json(hs, l, m));
			continue;
		}
		if (!o->one_phase)
			printf("%s# layer %u\n", l ? "\n" : "", l);
		print_csv(hs, m);
	}
	if (!rc && o->json) {
		rc = cli_json_print(json_pack("{sIsfsfsfsisosO}", "seed", (json_int_t)p->seed,
					      "zipf", p->zipf, "drift", p->drift,
					      "source_shuffle", p->source_shuffle,
					      "experts_per_host", (int)p->experts_per_host,
					      "matrix_files", tg_matrix_files_json(p),
					      "layers", layers));
	}
	json_decref(layers);
	free(m);
	tg_workload_free(w);
	if (rc) {
		fprintf(stderr, "%s: matrix: %s\n", TG_PROG, strerror(-rc));
		return TG_EXIT_FAIL;
	}
	return fflush(stdout) ? TG_EXIT_FAIL : TG_EXIT_OK;
}
