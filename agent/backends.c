// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon's real backends (backends.h).  This is the integration
 * point: each table is an adapter over a part developed separately.
 *
 *   planner_backend  <- agent/planner.h   (planner_new/run/assign_ports/estimate)
 *   ocs_backend      <- agent/ocs_client.h (ocs_open/info/get/apply/read_events)
 *   sampler_backend  <- agent/flows.h     (per-peer byte counters of the tc program)
 *   fabric_backend   <- agent/mixnet_nl.h (ROUTE_NEW/PORT_GET, "events" group)
 *
 * None of them is on main yet, so a role needing one refuses to start,
 * saying which; nothing here pretends to work.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "backends.h"

int backends_open(const struct config *cfg, struct daemon_backends *b, char *why, size_t whylen)
{
	memset(b, 0, sizeof(*b));
	if (cfg->roles & CFG_ROLE_CONTROLLER) {
		snprintf(why, whylen,
			 "controller role needs the planner and the OCS client, which are not "
			 "integrated in this build yet");
		return -EOPNOTSUPP;
	}
	if (cfg->roles & CFG_ROLE_HOST) {
		snprintf(why, whylen,
			 "host role needs the mixnet netlink client and the traffic sampler, which "
			 "are not integrated in this build yet");
		return -EOPNOTSUPP;
	}
	return 0;
}

void backends_close(struct daemon_backends *b)
{
	if (b->ocs && b->ocs->close)
		b->ocs->close(b->ocs->priv);
	if (b->planner && b->planner->close)
		b->planner->close(b->planner->priv);
	if (b->sampler && b->sampler->close)
		b->sampler->close(b->sampler->priv);
	if (b->fabric && b->fabric->close)
		b->fabric->close(b->fabric->priv);
	memset(b, 0, sizeof(*b));
}
