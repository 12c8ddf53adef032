/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `--matrix FILE`: one phase's traffic matrix from a CSV file, read with
 * the planner's parser (agent/demand_matrix.h, the format `mixnet-agent
 * plan` and `demand submit` read and `mixnet-trafgen matrix` prints).
 *
 * trafgen adds three rules: a header row of host names is required and
 * must list the --hosts names in the --hosts order (the order decides
 * who sends what to whom); the diagonal is 0 (a host sends nothing to
 * itself); every value is rounded to whole bytes, at most
 * TG_MAX_PAIR_BYTES a pair and a phase, and the matrix carries at least
 * one byte.  Errors name the file, and the line and column at fault
 * ("m.csv:1:4: ...") wherever there is one.
 */
#ifndef MIXNET_TRAFGEN_MATRIX_FILE_H
#define MIXNET_TRAFGEN_MATRIX_FILE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "hosts.h"
#include "workload.h"

/*
 * Load @path for the hosts @hs into @bytes (n x n, row-major: what host
 * i sends to host j).  0; -EINVAL (bad content or "-") or -errno (I/O),
 * with the reason in @err; -ENOMEM.  @bytes is written only on success.
 */
int tg_matrix_file_load(const char *path, const struct tg_hosts *hs, uint64_t *bytes,
			char *err, size_t errlen);

/* The workload's matrix files as a JSON array of names, or JSON null
 * when it uses the model (for --json reports). */
json_t *tg_matrix_files_json(const struct tg_workload_params *p);

#endif /* MIXNET_TRAFGEN_MATRIX_FILE_H */
