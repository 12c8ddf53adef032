/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host agent's state machine: says HELLO when connected, sends its
 * demand row every epoch, and carries out the controller's barrier steps
 * on its own mixnet device (DRAIN: stop using the changing NICs; CONFIRM:
 * report once discovery sees the expected peers; USE: route over exactly
 * the given circuits).  Without a controller it changes nothing: the
 * kernel keeps routing, falling back to electrical on carrier loss.
 *
 * Pure logic like controller.c: time is an argument, the kernel is behind
 * backends.h tables, messages leave through host_ops.send.
 */
#ifndef MIXNET_HOST_AGENT_H
#define MIXNET_HOST_AGENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "backends.h"
#include "config.h"
#include "proto.h"

/* While waiting for discovery, look at the lowers this often (also on events). */
#define HOST_CONFIRM_POLL_MS	10
/* Retry a HELLO that could not be sent this often. */
#define HOST_HELLO_RETRY_MS	50

struct host_ops {
	void *priv;
	/* Send @m to the controller; -EAGAIN when not connected. */
	int (*send)(void *priv, const struct mnp_msg *m);
};

struct host_agent;

/* NULL on -ENOMEM.  Reads the kernel's optical paths back if it can. */
struct host_agent *host_agent_new(const struct config *cfg, const struct sampler_backend *sampler,
				  const struct fabric_backend *fabric, const struct host_ops *ops);
void host_agent_free(struct host_agent *ha);

void host_agent_connected(struct host_agent *ha, uint64_t now);
void host_agent_disconnected(struct host_agent *ha, uint64_t now);
void host_agent_recv(struct host_agent *ha, const struct mnp_msg *m, uint64_t now);
/* Epoch tick: send this host's demand row. */
void host_agent_tick(struct host_agent *ha, uint64_t now);
/* The fabric event descriptor is readable (discovery/carrier changed). */
void host_agent_fabric_event(struct host_agent *ha, uint64_t now);
void host_agent_timeout(struct host_agent *ha, uint64_t now);
uint64_t host_agent_next_deadline(const struct host_agent *ha);

/*
 * Forward a matrix from the demand API to the controller (planned at
 * once).  @idx maps its n rows/columns to config hosts.  0 with *id, or
 * -errno (-ENOTCONN: no controller) with @msg filled.
 */
int host_agent_submit(struct host_agent *ha, uint32_t n, const uint32_t *idx,
		      const uint64_t *bytes, bool has_layer, uint32_t layer, uint64_t now,
		      uint64_t *id, char *msg, size_t msglen);

bool host_agent_controller_connected(const struct host_agent *ha);
uint64_t host_agent_plan_id(const struct host_agent *ha);
/* Host index the circuit on optical NIC @k leads to, -1 if none in use. */
int host_agent_nic_peer(const struct host_agent *ha, uint32_t k);

json_t *host_agent_status(const struct host_agent *ha, uint64_t now);

#endif /* MIXNET_HOST_AGENT_H */
