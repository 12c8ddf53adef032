/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One simulated training run of mixnet-sim: S servers, an MoE model under
 * TP/EP/PP/DP, a fabric; a discrete-event simulation of 1F1B pipeline
 * schedules whose communication (EP all-to-all, PP point-to-point, DP
 * ring all-reduce) runs as flows on sim_net, and whose computation takes
 * FLOPs / GPU throughput.  The mixnet fabric plans circuits with the
 * agent's planner (planner_run + planner_assign_ports, as the region
 * controller does) before each MoE layer's all-to-all; see
 * Documentation/sim.md for the model and its assumptions.
 */
#ifndef MIXNET_SIM_RUN_H
#define MIXNET_SIM_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "planner.h"
#include "sim_fabric.h"
#include "sim_model.h"
#include "sim_traffic.h"

enum sim_reconfig {
	/*
	 * Forward all-to-alls use circuits planned on the previous
	 * micro-batch's matrix of the same layer, switched as soon as the
	 * region's OCS is idle (hidden behind the attention compute when it
	 * is long enough); backward ones know their matrix (it is the
	 * forward one).  Default.
	 */
	SIM_RECONFIG_PREDICT,
	/* Forward all-to-alls wait for their own matrix (after the gate). */
	SIM_RECONFIG_BLOCKING,
};

enum sim_switch_policy {
	/* Apply every new plan that changes a cross-connect (paper). */
	SIM_SWITCH_ALWAYS,
	/*
	 * Apply it only if the estimated time it saves on this layer's two
	 * all-to-alls (planner_estimate before and after) exceeds the time
	 * the switch would hold their flows up; otherwise keep the circuits.
	 */
	SIM_SWITCH_GAIN,
};

struct sim_config {
	struct sim_model model;
	uint32_t servers;
	uint32_t gbps;			/* per NIC */
	uint32_t alpha;			/* optical NICs per server */
	double switch_s;		/* OCS reconfiguration time */
	uint32_t iterations;
	uint64_t seed;
	double gpu_flops;		/* effective FLOP/s per GPU */
	double nvlink_Bps;		/* per GPU and direction, for TP */
	double grad_bytes;		/* bytes per gradient element in DP */
	uint32_t tor_servers;		/* oversub3 */
	double oversub;
	enum sim_reconfig reconfig;
	/* Paper: every circuit flow of the region waits for a switch; we:
	 * only pairs whose circuits change (the rest stay lit). */
	bool pause_all;
	enum sim_switch_policy switch_policy;
	struct traffic_params traffic;
	struct planner_params planner;
	bool global_maxmin;		/* benchmark baseline (sim_net.h) */
};

void sim_config_default(struct sim_config *c);

struct sim_result {
	double iteration_s;		/* mean over iterations */
	double a2a_s;			/* per iteration, mean over regions */
	double switch_wait_s;		/* of which waiting for the OCS */
	double compute_s;		/* per iteration, mean over regions */
	double dp_s;			/* DP phase, mean over stages */
	double reconfigs;		/* per iteration and region */
	double skipped;			/* plans not applied (SIM_SWITCH_GAIN) */
	double ports_changed;		/* mean per reconfiguration */
	double optical_fraction;	/* of all-to-all bytes */
	uint64_t flows;
	uint64_t recomputes;
	uint64_t recompute_flows;	/* flows re-rated, summed over recomputes */
	uint64_t events;
	double offered_bytes;		/* bytes of all flows started */
	double delivered_bytes;		/* bytes of all flows completed */
	double max_link_excess;		/* rates above capacity (should be ~0) */
};

/*
 * Run; 0, or -EINVAL with a message in @err (bad configuration), -ENOMEM,
 * -EDEADLK (the simulation stalled: a bug or a fabric without a path).
 */
int sim_run(const struct sim_config *cfg, enum fabric_kind kind, struct sim_result *res,
	    char *err, size_t errlen);

#endif /* MIXNET_SIM_RUN_H */
