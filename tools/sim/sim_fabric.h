/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fabrics mixnet-sim compares, as links of a sim_net at server
 * granularity (8 GPUs and 8 NICs per server; NVSwitch inside a server is
 * not a network link):
 *
 *  fat-tree    non-blocking: a server's 8 NICs are its only bottleneck
 *              (up and down link of 8 x B each).
 *  oversub3    3:1 oversubscribed at the ToR: ToRs of tor_servers
 *              servers, ToR up/down links of tor_servers x 8 x B / 3;
 *              traffic between ToRs crosses them.
 *  rail        rail-optimized with PXN (traffic moves to the GPU on the
 *              right rail over NVSwitch first): at server granularity as
 *              non-blocking as fat-tree; it differs in cost only.
 *  static-ocs  TopoOpt-like: alpha NICs on a patch panel with circuits
 *              chosen once for the job, 8 - alpha NICs on a non-blocking
 *              EPS.
 *  mixnet      alpha NICs on a regional OCS reconfigured per MoE layer,
 *              8 - alpha on a non-blocking EPS.
 *
 * Circuits (static-ocs, mixnet): one link per ordered server pair of a
 * region, of capacity circuits x B; a pair with circuits sends all its
 * bytes over them, any other traffic takes the EPS.
 */
#ifndef MIXNET_SIM_FABRIC_H
#define MIXNET_SIM_FABRIC_H

#include <stdbool.h>
#include <stdint.h>

#include "sim_net.h"

enum fabric_kind {
	FABRIC_FAT_TREE,
	FABRIC_OVERSUB3,
	FABRIC_RAIL,
	FABRIC_STATIC_OCS,
	FABRIC_MIXNET,
	FABRIC_COUNT,
};

const char *fabric_name(enum fabric_kind k);
/* -1 if unknown. */
int fabric_parse(const char *name);

static inline bool fabric_optical(enum fabric_kind k)
{
	return k == FABRIC_STATIC_OCS || k == FABRIC_MIXNET;
}

struct fabric {
	enum fabric_kind kind;
	uint32_t servers;
	uint32_t region_servers;
	double nic_Bps;		/* one NIC, bytes/s */
	uint32_t alpha;		/* optical NICs per server (optical fabrics) */
	uint32_t tor_servers;
	double oversub;
	uint32_t *up, *down;	/* per server: EPS host links */
	uint32_t *tor_up, *tor_down;	/* oversub3 */
	uint32_t *circ;		/* region r: circ[r * R * R + a * R + b] */
};

/*
 * Add @kind's links to @net.  @nic_gbps per NIC, @alpha optical NICs
 * (0..8; optical fabrics only), @tor_servers servers per ToR and
 * @oversub ratio (oversub3 only).  0 or -ENOMEM / -EINVAL.
 */
int fabric_build(struct fabric *f, struct net *net, enum fabric_kind kind,
		 uint32_t servers, uint32_t region_servers, double nic_gbps,
		 uint32_t alpha, uint32_t tor_servers, double oversub);
void fabric_free(struct fabric *f);

/* Electrical path from server @a to server @b (a != b); returns its length. */
uint32_t fabric_eps_path(const struct fabric *f, uint32_t a, uint32_t b, uint32_t *path);

/* The circuit link from region @r's server @a to its server @b. */
static inline uint32_t fabric_circuit(const struct fabric *f, uint32_t r, uint32_t a, uint32_t b)
{
	uint32_t R = f->region_servers;

	return f->circ[(size_t)r * R * R + (size_t)a * R + b];
}

#endif /* MIXNET_SIM_FABRIC_H */
