/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The region controller's state machine: collects demand, decides when
 * to re-plan (hysteresis), applies plans to the OCS and walks the hosts
 * through the reconfiguration barrier:
 *
 *   DRAIN    hosts stop using the NICs whose circuits change (electrical
 *            fallback); untouched circuits keep carrying traffic
 *   SWITCH   one APPLY of the whole cross-connect set, with the expected
 *            generation; wait for the OCS's SWITCH_DONE event
 *   CONFIRM  hosts report what discovery sees behind each changed NIC;
 *            a circuit is verified only if both ends see each other
 *   USE      hosts route over exactly the verified circuits
 *
 * Pure logic: time comes in as arguments, the OCS and the planner are
 * backends.h tables, messages go out through ctl_ops.send.  So it runs
 * the same in the daemon and in unit tests with fakes.
 * Documentation/agent.md describes the rules (hysteresis, timeouts,
 * restart).
 */
#ifndef MIXNET_CONTROLLER_H
#define MIXNET_CONTROLLER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "backends.h"
#include "config.h"
#include "proto.h"

/* The switch must report done within this long, else the reconfiguration aborts. */
#define CTL_SWITCH_TIMEOUT_MS	15000
/* While the OCS is busy with somebody else's switch, retry APPLY this often. */
#define CTL_BUSY_RETRY_MS	5
/* A host's measured demand older than this many epochs counts as zero. */
#define CTL_STALE_EPOCHS	3

struct ctl_ops {
	void *priv;
	/* Send @m to host @h (config index); -errno if it cannot be sent now. */
	int (*send)(void *priv, uint32_t h, const struct mnp_msg *m);
	/*
	 * Optional: the monotonic clock (ns) for the timing breakdown, so the
	 * time spent planning or applying inside one event is measured too.
	 * NULL: timings use the @now given with each event.
	 */
	uint64_t (*clock)(void *priv);
};

enum ctl_phase { CTL_IDLE, CTL_DRAIN, CTL_SWITCH, CTL_CONFIRM, CTL_USE };

/* What triggered a reconfiguration. */
enum ctl_reason { CTL_R_MEASURED, CTL_R_SUBMITTED, CTL_R_RESYNC, CTL_R_ABORT };

/* Timing of the last reconfiguration, in nanoseconds per phase. */
struct ctl_timings {
	uint64_t plan;		/* demand in -> planner done */
	uint64_t drain;		/* DRAIN sent -> all hosts acked */
	uint64_t apply;		/* APPLY ioctl */
	uint64_t switch_;	/* APPLY done -> SWITCH_DONE */
	uint64_t confirm;	/* CONFIRM sent -> all hosts acked */
	uint64_t use;		/* USE sent -> all hosts acked */
	uint64_t total;
	uint64_t control;	/* total minus switch and confirm: our own overhead */
};

struct ctl_result {
	uint64_t plan_id;
	enum ctl_reason reason;
	bool has_layer;
	uint32_t layer;
	uint32_t added, removed, kept, unverified, ports, hosts;
	bool aborted;
	char error[128];
	struct ctl_timings t;
	uint64_t finished_ns;
};

struct controller;

/*
 * A controller for @cfg using @ocs and @planner.  Plan ids start at
 * @first_plan_id (the daemon passes the wall clock in microseconds, so a
 * restarted controller's ids are larger).  NULL on -ENOMEM.
 */
struct controller *controller_new(const struct config *cfg, const struct ocs_backend *ocs,
				  const struct planner_backend *planner,
				  const struct ctl_ops *ops, uint64_t first_plan_id);
void controller_free(struct controller *c);

/*
 * Read the OCS back: the circuits established now become the current
 * plan (unverified until hosts confirm them), cross-connects on ports
 * outside the region are kept as they are.  Call once at start.
 */
int controller_start(struct controller *c, uint64_t now);

/* A message from host @h (index as authenticated by the transport). */
void controller_recv(struct controller *c, uint32_t h, const struct mnp_msg *m, uint64_t now);
/* The transport lost host @h (it must say HELLO again). */
void controller_host_lost(struct controller *c, uint32_t h);
/* The OCS event descriptor is readable. */
void controller_ocs_event(struct controller *c, uint64_t now);
/* Epoch tick: re-plan on measured demand if the hysteresis rule says so. */
void controller_tick(struct controller *c, uint64_t now);
/* Timeouts and retries: call when controller_next_deadline() has passed. */
void controller_timeout(struct controller *c, uint64_t now);
uint64_t controller_next_deadline(const struct controller *c);

/*
 * A demand matrix pushed by the training job (via a host's DEMAND or the
 * local demand socket): rows/cols are config host indices in @idx (n of
 * them), @bytes is n * n.  Planned at once.  Returns 0 or -errno.
 */
int controller_submit(struct controller *c, uint32_t n, const uint32_t *idx,
		      const uint64_t *bytes, bool has_layer, uint32_t layer, uint64_t now);

enum ctl_phase controller_phase(const struct controller *c);
uint64_t controller_plan_id(const struct controller *c);
/* Circuits of the current plan: *n of them (valid until the next call in). */
const struct plan_circuit *controller_circuits(const struct controller *c, uint32_t *n,
					       const bool **verified);
const struct ctl_result *controller_last(const struct controller *c);
uint64_t controller_reconfigs(const struct controller *c);
bool controller_host_connected(const struct controller *c, uint32_t h, uint64_t now);
const char *ctl_phase_name(enum ctl_phase p);
const char *ctl_reason_name(enum ctl_reason r);

/* Status for `mixnet-agent status` (new reference). */
json_t *controller_status(const struct controller *c, uint64_t now);

#endif /* MIXNET_CONTROLLER_H */
