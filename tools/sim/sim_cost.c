// SPDX-License-Identifier: GPL-2.0
/* Fabric cost from component prices (see sim_cost.h). */
#include <errno.h>
#include <float.h>
#include <ini.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sim_cost.h"

void cost_default(struct cost_model *cm)
{
	/* The MixNet paper's prices (USD). */
	static const struct cost_prices table[] = {
		{ 100, 99, 659, 187, 520, 100 },
		{ 200, 239, 1079, 374, 520, 100 },
		{ 400, 659, 1499, 1090, 520, 100 },
		{ 800, 1399, 2248, 1400, 520, 100 },
	};

	memset(cm, 0, sizeof(*cm));
	memcpy(cm->speeds, table, sizeof(table));
	cm->nspeeds = sizeof(table) / sizeof(table[0]);
	cm->fiber_usd_per_m = 0.3;
	cm->fiber_m = 10;
	cm->fat_tree_ports = 6;
	cm->rail_ports = 6;
	cm->oversub = 3;
}

const struct cost_prices *cost_prices_at(const struct cost_model *cm, uint32_t gbps)
{
	uint32_t i;

	for (i = 0; i < cm->nspeeds; i++)
		if (cm->speeds[i].gbps == gbps)
			return &cm->speeds[i];
	return NULL;
}

struct load_ctx {
	struct cost_model *cm;
	char msg[160];		/* the first error */
	int failed;
};

/* inih reports the line of the first handler error; keep its message. */
static int fail_at(struct load_ctx *c, const char *fmt, const char *a, const char *b)
{
	if (!c->failed)
		snprintf(c->msg, sizeof(c->msg), fmt, a, b);
	c->failed = 1;
	return 0;
}

static int on_entry(void *user, const char *section, const char *name, const char *value)
{
	struct load_ctx *c = user;
	struct cost_model *cm = c->cm;
	double v;

	if (cli_parse_double(value, 0, DBL_MAX, &v))
		return fail_at(c, "%s: '%s' is not a number >= 0", name, value);
	if (!strcmp(section, "general")) {
		if (!strcmp(name, "fiber_usd_per_m"))
			cm->fiber_usd_per_m = v;
		else if (!strcmp(name, "fiber_m"))
			cm->fiber_m = v;
		else if (!strcmp(name, "fat_tree_ports_per_nic") && v >= 1)
			cm->fat_tree_ports = v;
		else if (!strcmp(name, "rail_ports_per_nic") && v >= 1)
			cm->rail_ports = v;
		else if (!strcmp(name, "oversub") && v >= 1)
			cm->oversub = v;
		else
			return fail_at(c, "unknown or out-of-range key '%s' in [%s]", name, section);
		return 1;
	} else {
		struct cost_prices *p;
		unsigned long gbps;
		char *end;

		gbps = strtoul(section, &end, 10);
		if (end == section || (*end != 'G' && *end != 'g') || end[1] || !gbps || gbps > 100000)
			return fail_at(c, "unknown section [%s]%s (want [general] or [<N>G])",
				       section, "");
		p = (struct cost_prices *)cost_prices_at(cm, (uint32_t)gbps);
		if (!p) {
			if (cm->nspeeds == COST_MAX_SPEEDS)
				return fail_at(c, "too many speeds%s%s", "", "");
			p = &cm->speeds[cm->nspeeds++];
			memset(p, 0, sizeof(*p));
			p->gbps = (uint32_t)gbps;
		}
		if (!strcmp(name, "transceiver"))
			p->transceiver = v;
		else if (!strcmp(name, "nic"))
			p->nic = v;
		else if (!strcmp(name, "eps_port"))
			p->eps_port = v;
		else if (!strcmp(name, "ocs_port"))
			p->ocs_port = v;
		else if (!strcmp(name, "patch_panel_port"))
			p->patch_port = v;
		else
			return fail_at(c, "unknown key '%s' in [%s]", name, section);
		return 1;
	}
}

int cost_load(struct cost_model *cm, const char *path, char *err, size_t errlen)
{
	struct cost_model tmp = *cm;
	struct load_ctx c = { .cm = &tmp };
	FILE *f = fopen(path, "r");
	int ret;

	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "%s", strerror(-ret));
		return ret;
	}
	ret = ini_parse_file(f, on_entry, &c);
	fclose(f);
	if (ret < 0) {
		snprintf(err, errlen, "cannot parse (%d)", ret);
		return -ENOMEM;
	}
	if (ret > 0) {
		/* the line of the first error, ours or a syntax error */
		snprintf(err, errlen, "line %d: %s", ret, c.failed ? c.msg : "syntax error");
		return -EINVAL;
	}
	*cm = tmp;	/* all or nothing */
	return 0;
}

double cost_eps_nic(const struct cost_model *cm, const struct cost_prices *p, double ports)
{
	return p->nic + (1 + ports) * p->transceiver + ports * p->eps_port +
	       (1 + ports) / 2 * cm->fiber_m * cm->fiber_usd_per_m;
}

double cost_optical_nic(const struct cost_model *cm, const struct cost_prices *p, int patch)
{
	return p->nic + p->transceiver + (patch ? p->patch_port : p->ocs_port) +
	       cm->fiber_m * cm->fiber_usd_per_m;
}

double cost_fabric(const struct cost_model *cm, enum fabric_kind kind, uint32_t servers,
		   uint32_t gbps, uint32_t alpha)
{
	const struct cost_prices *p = cost_prices_at(cm, gbps);
	double per_server;

	if (!p)
		return -1;
	switch (kind) {
	case FABRIC_FAT_TREE:
		per_server = 8 * cost_eps_nic(cm, p, cm->fat_tree_ports);
		break;
	case FABRIC_OVERSUB3:
		per_server = 8 * cost_eps_nic(cm, p, 1 + (cm->fat_tree_ports - 1) / cm->oversub);
		break;
	case FABRIC_RAIL:
		per_server = 8 * cost_eps_nic(cm, p, cm->rail_ports);
		break;
	case FABRIC_STATIC_OCS:
	case FABRIC_MIXNET:
		per_server = alpha * cost_optical_nic(cm, p, kind == FABRIC_STATIC_OCS) +
			     (8 - alpha) * cost_eps_nic(cm, p, cm->fat_tree_ports);
		break;
	default:
		return -1;
	}
	return per_server * servers;
}
