// SPDX-License-Identifier: GPL-2.0
/* Fabric topologies as sim_net links (see sim_fabric.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim_fabric.h"

static const char *const names[FABRIC_COUNT] = {
	[FABRIC_FAT_TREE] = "fat-tree",
	[FABRIC_OVERSUB3] = "oversub3",
	[FABRIC_RAIL] = "rail",
	[FABRIC_STATIC_OCS] = "static-ocs",
	[FABRIC_MIXNET] = "mixnet",
};

const char *fabric_name(enum fabric_kind k)
{
	return k < FABRIC_COUNT ? names[k] : "?";
}

int fabric_parse(const char *name)
{
	int k;

	for (k = 0; k < FABRIC_COUNT; k++)
		if (!strcmp(name, names[k]))
			return k;
	if (!strcmp(name, "topoopt"))
		return FABRIC_STATIC_OCS;
	return -1;
}

int fabric_build(struct fabric *f, struct net *net, enum fabric_kind kind,
		 uint32_t servers, uint32_t region_servers, double nic_gbps,
		 uint32_t alpha, uint32_t tor_servers, double oversub)
{
	uint32_t s, eps_nics = 8, R = region_servers, regions, r, a, b;

	memset(f, 0, sizeof(*f));
	if (kind >= FABRIC_COUNT || !servers || !R || servers % R || !(nic_gbps > 0) || alpha > 8)
		return -EINVAL;
	f->kind = kind;
	f->servers = servers;
	f->region_servers = R;
	f->nic_Bps = nic_gbps * 1e9 / 8;
	f->alpha = fabric_optical(kind) ? alpha : 0;
	f->tor_servers = tor_servers;
	f->oversub = oversub;
	if (fabric_optical(kind))
		eps_nics = 8 - alpha;
	f->up = calloc(servers, sizeof(uint32_t));
	f->down = calloc(servers, sizeof(uint32_t));
	if (!f->up || !f->down)
		goto nomem;
	for (s = 0; s < servers; s++) {
		/* an optical fabric with alpha 8 has no EPS: links of 0 */
		f->up[s] = net_add_link(net, eps_nics * f->nic_Bps);
		f->down[s] = net_add_link(net, eps_nics * f->nic_Bps);
	}
	if (kind == FABRIC_OVERSUB3) {
		uint32_t tors;

		if (!tor_servers || !(oversub >= 1)) {
			fabric_free(f);
			return -EINVAL;
		}
		tors = (servers + tor_servers - 1) / tor_servers;
		f->tor_up = calloc(tors, sizeof(uint32_t));
		f->tor_down = calloc(tors, sizeof(uint32_t));
		if (!f->tor_up || !f->tor_down)
			goto nomem;
		for (s = 0; s < tors; s++) {
			double cap = tor_servers * 8 * f->nic_Bps / oversub;

			f->tor_up[s] = net_add_link(net, cap);
			f->tor_down[s] = net_add_link(net, cap);
		}
	}
	if (fabric_optical(kind)) {
		regions = servers / R;
		f->circ = malloc((size_t)regions * R * R * sizeof(uint32_t));
		if (!f->circ)
			goto nomem;
		for (r = 0; r < regions; r++)
			for (a = 0; a < R; a++)
				for (b = 0; b < R; b++)
					f->circ[(size_t)r * R * R + a * R + b] =
						a == b ? UINT32_MAX : net_add_link(net, 0);
	}
	return 0;
nomem:
	fabric_free(f);
	return -ENOMEM;
}

void fabric_free(struct fabric *f)
{
	free(f->up);
	free(f->down);
	free(f->tor_up);
	free(f->tor_down);
	free(f->circ);
	memset(f, 0, sizeof(*f));
}

uint32_t fabric_eps_path(const struct fabric *f, uint32_t a, uint32_t b, uint32_t *path)
{
	uint32_t n = 0;

	path[n++] = f->up[a];
	if (f->kind == FABRIC_OVERSUB3 && a / f->tor_servers != b / f->tor_servers) {
		path[n++] = f->tor_up[a / f->tor_servers];
		path[n++] = f->tor_down[b / f->tor_servers];
	}
	path[n++] = f->down[b];
	return n;
}
