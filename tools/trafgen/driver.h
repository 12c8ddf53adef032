/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `mixnet-trafgen run`: the driver.  Connects to every host's server,
 * sets up a session (persistent data connections between all pairs),
 * then per phase hands every server its row and column of the phase's
 * matrix, starts them together, waits for all reports, verifies every
 * transfer and reports times (wire.h, report.h).
 */
#ifndef MIXNET_TRAFGEN_DRIVER_H
#define MIXNET_TRAFGEN_DRIVER_H

#include <stdbool.h>
#include <stdint.h>

#include "hosts.h"
#include "workload.h"

struct tg_run_opts {
	struct tg_hosts hosts;
	struct tg_workload_params wl;
	uint32_t repeat;		/* runs of the layers sequence, >= 1 */
	uint32_t streams;		/* data connections per pair, 1-TG_MAX_STREAMS */
	uint32_t pause_ms;		/* before every phase but the first (all with announce) */
	uint32_t timeout_ms;		/* one phase, from go to the last report */
	uint32_t connect_timeout_ms;	/* reaching the servers, data connections */
	bool json, verbose;
	bool announce;
	const char *announce_socket;	/* NULL: the demand API's default */
};

/* Run the phases; returns an exit code (trafgen.h). */
int tg_run(const struct tg_run_opts *o);

#endif /* MIXNET_TRAFGEN_DRIVER_H */
