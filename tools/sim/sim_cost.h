/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Networking cost of a fabric from component prices.  Defaults: the
 * MixNet paper's table (USD; Documentation/sim.md); a price file (INI,
 * parsed with libinih) overrides any of them:
 *
 *   [general]
 *   fiber_usd_per_m = 0.3
 *   fiber_m = 10                 ; length of one link
 *   fat_tree_ports_per_nic = 6   ; switch ports behind one NIC (3 tiers)
 *   rail_ports_per_nic = 6
 *   oversub = 3
 *   [400G]                       ; one section per link speed
 *   transceiver = 659
 *   nic = 1499
 *   eps_port = 1090
 *   ocs_port = 520
 *   patch_panel_port = 100
 *
 * Per NIC on an EPS with P switch ports behind it (fat-tree P = 6;
 * oversubscribed o:1 at the ToR: P = 1 + (6 - 1) / o; rail: its own P):
 *   nic + (1 + P) x transceiver + P x eps_port + (1 + P) / 2 links of fiber
 * Per optical NIC: nic + transceiver + ocs_port (or patch_panel_port) +
 * one link of fiber (the OCS is transparent: no transceiver on its side).
 * Per server: 8 EPS NICs, or alpha optical + (8 - alpha) EPS NICs.
 */
#ifndef MIXNET_SIM_COST_H
#define MIXNET_SIM_COST_H

#include <stddef.h>
#include <stdint.h>

#include "sim_fabric.h"

#define COST_MAX_SPEEDS 16

struct cost_prices {
	uint32_t gbps;
	double transceiver, nic, eps_port, ocs_port, patch_port;
};

struct cost_model {
	struct cost_prices speeds[COST_MAX_SPEEDS];
	uint32_t nspeeds;
	double fiber_usd_per_m;
	double fiber_m;
	double fat_tree_ports;
	double rail_ports;
	double oversub;
};

void cost_default(struct cost_model *cm);

/*
 * Override @cm from the INI file at @path.  0, or -EINVAL with a message
 * naming the line in @err, or -errno if it cannot be read.
 */
int cost_load(struct cost_model *cm, const char *path, char *err, size_t errlen);

/* Prices at @gbps, or NULL if the table has none. */
const struct cost_prices *cost_prices_at(const struct cost_model *cm, uint32_t gbps);

/* Cost of one NIC on an EPS with @ports switch ports behind it. */
double cost_eps_nic(const struct cost_model *cm, const struct cost_prices *p, double ports);
/* Cost of one NIC on an OCS (@patch: on a patch panel instead). */
double cost_optical_nic(const struct cost_model *cm, const struct cost_prices *p, int patch);

/*
 * Networking cost of @servers servers (8 NICs each) on fabric @kind at
 * @gbps, @alpha optical NICs per server for the optical fabrics.
 * Negative if @gbps has no prices.
 */
double cost_fabric(const struct cost_model *cm, enum fabric_kind kind, uint32_t servers,
		   uint32_t gbps, uint32_t alpha);

#endif /* MIXNET_SIM_COST_H */
