// SPDX-License-Identifier: GPL-2.0
/*
 * --announce backend (see announce.h): the agent's demand API client,
 * include/mixnet_demand.h + agent/demand_client.c (in libmixnet.a).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mixnet_demand.h"
#include "announce.h"

struct tg_announce {
	struct mixnet_demand *d;
};

int tg_announce_open(const char *path, struct tg_announce **out, char *msg, size_t msglen)
{
	struct tg_announce *a;
	int err;

	*out = NULL;
	a = calloc(1, sizeof(*a));
	if (!a) {
		snprintf(msg, msglen, "out of memory");
		return -ENOMEM;
	}
	err = mixnet_demand_connect(path, &a->d);
	if (err < 0) {
		snprintf(msg, msglen, "cannot reach the agent's demand socket %s: %s",
			 path ? path : MIXNET_DEMAND_SOCKET, strerror(-err));
		free(a);
		return err;
	}
	*out = a;
	return 0;
}

int tg_announce_submit(struct tg_announce *a, uint32_t n, const uint64_t *bytes,
		       const char *const *names, int32_t layer, char *msg, size_t msglen)
{
	struct mixnet_demand_matrix m = {
		.n = n, .bytes = bytes, .names = names, .layer = layer,
	};
	struct mixnet_demand_reply r = { 0 };
	int err;

	err = mixnet_demand_submit(a->d, &m, &r);
	if (err < 0)
		snprintf(msg, msglen, "%s", r.message[0] ? r.message : strerror(-err));
	return err;
}

void tg_announce_close(struct tg_announce *a)
{
	if (!a)
		return;
	mixnet_demand_close(a->d);
	free(a);
}
