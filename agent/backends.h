/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the daemon needs from the parts built elsewhere, as narrow
 * function tables.  The state machines (controller.c, host_agent.c) only
 * see these, so they are unit-tested with fakes, and wiring in the real
 * implementations is an adapter per table (backends.c):
 *
 *   ocs_backend      the OCS character device      (agent/ocs_client.*)
 *   planner_backend  Algorithm 1 + port assignment  (agent/planner.*)
 *   sampler_backend  this host's demand row          (agent/flows.*, BPF maps)
 *   fabric_backend   routes and lowers of mixnet0    (agent/mixnet_nl.*, genetlink)
 *
 * Every function returns 0 (or a count) or a negative errno.  None may
 * block for long: the daemon is one event loop.
 */
#ifndef MIXNET_BACKENDS_H
#define MIXNET_BACKENDS_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/mixnet.h>

#include "config.h"

/* ---- OCS (controller role) --------------------------------------------- */

struct ocs_backend {
	void *priv;
	/*
	 * Every cross-connect established now and the generation they
	 * belong to.  *xc is malloc'ed (NULL when there are none).
	 */
	int (*get)(void *priv, struct mixnet_xconnect **xc, uint32_t *n, uint64_t *generation);
	/*
	 * Make @xc (n entries) the whole cross-connect set, only if the
	 * generation is still @expected (APPLY, mode REPLACE, flag
	 * EXPECT_GEN; no WAIT_* flag: the event loop must not sleep).  On
	 * success *generation is the new generation and *changed_ports the
	 * ports going dark.  -ESTALE: somebody else changed the OCS;
	 * -EBUSY: a switch is in progress (the controller retries).
	 * Returns before the switch completes; completion is an event.
	 */
	int (*apply)(void *priv, const struct mixnet_xconnect *xc, uint32_t n, uint64_t expected,
		     uint64_t *generation, uint32_t *changed_ports);
	/*
	 * Descriptor that polls readable when events are pending, or -1:
	 * then apply() returns only once the switch is done.
	 */
	int (*event_fd)(void *priv);
	/* One pending event: 1 (filled), 0 (none), -errno (-ENODEV: OCS gone). */
	int (*read_event)(void *priv, struct mixnet_ocs_event *ev);
	/* Is a switch in progress, and the generation now (after lost events). */
	int (*state)(void *priv, bool *switching, uint64_t *generation);
	void (*close)(void *priv);
};

/* ---- planner (controller role) ------------------------------------------ */

/* One optical NIC as the planner sees it (config order, host-major). */
struct plan_nic {
	uint32_t tx, rx;	/* OCS ports */
	uint32_t group;		/* NUMA node: spread parallel circuits */
};

/* A duplex circuit: host a's NIC na <-> host b's NIC nb (config indices). */
struct plan_circuit {
	uint32_t a, na;
	uint32_t b, nb;
};

struct plan_request {
	uint32_t n;				/* hosts */
	const double *demand;			/* n * n bytes, [i * n + j]: i sends to j */
	const uint32_t *alpha;			/* optical NICs per host */
	const struct plan_nic *nics;		/* sum(alpha) */
	const struct mixnet_xconnect *cur;	/* established, on the region's ports */
	uint32_t ncur;
};

struct planner_backend {
	void *priv;
	/*
	 * Circuits for the demand, placed on concrete NICs, keeping
	 * established circuits where the plan allows.  @out has room for
	 * sum(alpha) / 2 circuits; *ncircuits is set.
	 */
	int (*plan)(void *priv, const struct plan_request *rq, struct plan_circuit *out,
		    uint32_t *ncircuits);
	/*
	 * Estimated all-to-all time in seconds of @demand (n * n) when pair
	 * (i, j) has circuits[i * n + j] circuits (symmetric), the rest
	 * going electrical (rates from the configuration).
	 */
	double (*estimate)(void *priv, uint32_t n, const double *demand, const uint32_t *circuits);
	void (*close)(void *priv);
};

/* ---- traffic sampler (host role) -------------------------------------------- */

struct sampler_backend {
	void *priv;
	/*
	 * Bytes this host sent to each region host since the previous call:
	 * bytes[i] for configuration host i (its own entry 0).  The first
	 * call after start may return the bytes since the sampler started.
	 */
	int (*read_row)(void *priv, uint64_t *bytes, uint32_t n);
	void (*close)(void *priv);
};

/* ---- routes and lowers of this host's mixnet device (host role) ------------ */

struct fabric_lower {
	char ifname[IF_NAMESIZE];
	bool optical;
	bool carrier;
	struct cfg_addr peer;		/* fabric address discovered behind it; family 0: none */
	bool has_peer_lladdr;
	uint8_t peer_lladdr[6];
};

/* An optical path the kernel routes over now (read back after a restart). */
struct fabric_path {
	char ifname[IF_NAMESIZE];	/* optical lower */
	struct cfg_addr peer;		/* the peer it carries traffic to */
};

/* The whole route to one peer. */
struct fabric_route {
	struct cfg_addr peer;
	const char *electrical;		/* this host's electrical lower */
	const uint8_t *nexthop;		/* its link-layer next hop to the peer */
	uint32_t noptical;
	const char *const *optical;	/* optical lowers whose circuit reaches the peer */
};

struct fabric_backend {
	void *priv;
	/*
	 * Make the route to @r->peer exactly this: optical paths over
	 * @r->optical (flows hashed across them), else the electrical path.
	 * Replaces what was there; idempotent.
	 */
	int (*set_route)(void *priv, const struct fabric_route *r);
	/* The device's lowers and what discovery sees behind them: count or -errno. */
	int (*read_lowers)(void *priv, struct fabric_lower *out, uint32_t max);
	/*
	 * Optional (NULL): the optical paths of the routing table now, so a
	 * restarted agent continues from the kernel's state: count or -errno.
	 */
	int (*read_paths)(void *priv, struct fabric_path *out, uint32_t max);
	/* Descriptor readable on path/carrier events, or -1 (then polled). */
	int (*event_fd)(void *priv);
	/* Consume pending events (after event_fd polled readable). */
	void (*drain_events)(void *priv);
	void (*close)(void *priv);
};

/*
 * The OCS character device at @path as an ocs_backend (opened O_RDWR |
 * O_NONBLOCK).  0 or -errno; free with ->close() then free().
 */
int ocs_backend_open(const char *path, struct ocs_backend **out);

/*
 * The planner (agent/planner.h) for @cfg's region: Algorithm 1 with the
 * planner's refinement for regions of up to 64 hosts, established circuits
 * kept by the port assignment, estimates at the configured link rates.
 * 0 or -errno with @why; free with ->close() then free().
 */
int planner_backend_open(const struct config *cfg, struct planner_backend **out, char *why,
			 size_t whylen);

/*
 * The traffic sampler of @cfg's [agent] device (pins under
 * $MIXNET_PIN_ROOT or the default): attached with the region's other
 * hosts as peers if it is not, its peer set corrected if it is (counters
 * kept).  read_row() returns per-epoch byte deltas (zeros the first
 * time).  Left attached by close().  0 or -errno with @why.
 */
int sampler_backend_open(const struct config *cfg, struct sampler_backend **out, char *why,
			 size_t whylen);

/*
 * This host's mixnet device ([agent] device) through generic netlink
 * (agent/fabric_nl.c): the device and the configured lowers must exist,
 * in their roles.  0 or -errno with @why; free with ->close() then free().
 */
int fabric_backend_open(const struct config *cfg, struct fabric_backend **out, char *why,
			size_t whylen);

/* The set a daemon runs with; a role's tables must be present. */
struct daemon_backends {
	struct ocs_backend *ocs;
	struct planner_backend *planner;
	struct sampler_backend *sampler;
	struct fabric_backend *fabric;
};

/*
 * Open the real implementations for @cfg's roles.  Returns 0, or -errno
 * with @why naming what is missing (see backends.c for the state of
 * integration).  backends_close() closes whatever was opened.
 */
int backends_open(const struct config *cfg, struct daemon_backends *b, char *why, size_t whylen);
void backends_close(struct daemon_backends *b);

#endif /* MIXNET_BACKENDS_H */
