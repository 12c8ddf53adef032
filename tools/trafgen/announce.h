/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --announce: hand each phase's matrix to the local mixnet-agent's demand
 * API before the phase sends (predicted mode), so the region controller
 * can set up circuits ahead of the bytes.
 *
 * This is the only place that knows the demand API client; the driver
 * sees just these three calls.  Backend: the client library
 * include/mixnet_demand.h + agent/demand_client.c (mixnet_demand_connect,
 * mixnet_demand_submit, mixnet_demand_close).
 */
#ifndef MIXNET_TRAFGEN_ANNOUNCE_H
#define MIXNET_TRAFGEN_ANNOUNCE_H

#include <stddef.h>
#include <stdint.h>

struct tg_announce;

/* Connect to the agent's demand socket @path (NULL: the API's default).
 * 0, or -errno with the reason in @msg. */
int tg_announce_open(const char *path, struct tg_announce **out, char *msg, size_t msglen);

/* Submit the n x n matrix @bytes (row-major, i sends to j) of MoE layer
 * @layer for the hosts @names, and wait for the agent's answer.  0, or
 * -errno with the agent's reason in @msg. */
int tg_announce_submit(struct tg_announce *a, uint32_t n, const uint64_t *bytes,
		       const char *const *names, int32_t layer, char *msg, size_t msglen);

void tg_announce_close(struct tg_announce *a);

#endif /* MIXNET_TRAFGEN_ANNOUNCE_H */
