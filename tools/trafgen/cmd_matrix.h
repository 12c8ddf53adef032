/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `mixnet-trafgen matrix`: print the phases' traffic matrices without
 * sending anything, as CSV with a header row of host names (the format
 * `mixnet-agent plan` and `demand submit` read) or as JSON.  Lets the lab
 * and the demo know which pairs a workload makes heavy.
 */
#ifndef MIXNET_TRAFGEN_CMD_MATRIX_H
#define MIXNET_TRAFGEN_CMD_MATRIX_H

#include <stdbool.h>
#include <stdint.h>

#include "hosts.h"
#include "workload.h"

struct tg_matrix_opts {
	uint32_t nhosts;	/* --nhosts: anonymous hosts h0.. */
	bool one_phase;		/* --phase given: print only that layer */
	uint32_t phase;
	bool json;
};

/* Returns an exit code (trafgen.h). */
int tg_cmd_matrix(const struct tg_matrix_opts *o, const struct tg_workload_params *p,
		  const struct tg_hosts *hs);

#endif /* MIXNET_TRAFGEN_CMD_MATRIX_H */
