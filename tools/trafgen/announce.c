// SPDX-License-Identifier: GPL-2.0
/*
 * --announce backend (see announce.h).  The demand API client
 * (include/mixnet_demand.h, agent/demand_client.c) has not landed on main
 * yet, so there is nothing to submit to: opening fails with -ENOSYS and a
 * message that says what is missing, before any traffic is sent.
 * Wiring it: tg_announce_open -> mixnet_demand_connect(path, &d),
 * tg_announce_submit -> mixnet_demand_submit(d, &(struct
 * mixnet_demand_matrix){ n, bytes, names, layer }, &reply) with
 * reply.message copied to @msg, tg_announce_close -> mixnet_demand_close.
 */
#include <errno.h>
#include <stdio.h>

#include "announce.h"

struct tg_announce {
	int unused;
};

int tg_announce_open(const char *path, struct tg_announce **out, char *msg, size_t msglen)
{
	(void)path;
	*out = NULL;
	snprintf(msg, msglen, "the agent's demand API client (include/mixnet_demand.h, "
		 "agent/demand_client.c) is not part of this build yet");
	return -ENOSYS;
}

int tg_announce_submit(struct tg_announce *a, uint32_t n, const uint64_t *bytes,
		       const char *const *names, int32_t layer, char *msg, size_t msglen)
{
	(void)a;
	(void)n;
	(void)bytes;
	(void)names;
	(void)layer;
	snprintf(msg, msglen, "demand API client not available");
	return -ENOSYS;
}

void tg_announce_close(struct tg_announce *a)
{
	(void)a;
}
