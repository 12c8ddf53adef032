// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon's real backends (backends.h).  This is the integration
 * point: each table is an adapter over a part developed separately.
 *
 *   ocs_backend      <- agent/ocs_client.h  (done: below)
 *   planner_backend  <- agent/planner.h     (planner_new/run/assign_ports/estimate)
 *   sampler_backend  <- agent/flows.h       (per-peer byte counters of the tc program)
 *   fabric_backend   <- agent/mixnet_nl.h   (ROUTE_NEW/ROUTE_GET/PORT_GET, "events" group)
 *
 * The planner, the sampler and the netlink client are not on main yet,
 * so a role needing one refuses to start and says which (see the
 * *_backend_open functions below); nothing here pretends to work.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends.h"
#include "ocs_client.h"

/* ---- OCS: the character device through ocs_client ------------------------------------ */

struct ocs_dev {
	int fd;
};

static int ocsb_get(void *priv, struct mixnet_xconnect **xc, uint32_t *n, uint64_t *gen)
{
	return ocs_get(((struct ocs_dev *)priv)->fd, xc, n, gen);
}

static int ocsb_apply(void *priv, const struct mixnet_xconnect *xc, uint32_t n, uint64_t expected,
		      uint64_t *gen, uint32_t *changed)
{
	struct mixnet_ocs_apply req = {
		.mode = MIXNET_OCS_APPLY_REPLACE,
		/* No WAIT_* flag: the daemon's loop must not sleep in the kernel. */
		.flags = MIXNET_OCS_APPLY_F_EXPECT_GEN,
		.count = n,
		.xconnects = (uintptr_t)xc,
		.expected_generation = expected,
	};
	int rc = ocs_apply(((struct ocs_dev *)priv)->fd, &req);

	*gen = req.generation;
	*changed = req.changed_ports;
	return rc;
}

static int ocsb_event_fd(void *priv)
{
	return ((struct ocs_dev *)priv)->fd;
}

static int ocsb_read_event(void *priv, struct mixnet_ocs_event *ev)
{
	int rc = ocs_read_events(((struct ocs_dev *)priv)->fd, ev, 1, 0);

	return rc == -EAGAIN ? 0 : rc;
}

static int ocsb_state(void *priv, bool *switching, uint64_t *gen)
{
	struct mixnet_ocs_info info;
	int rc = ocs_info(((struct ocs_dev *)priv)->fd, &info);

	if (rc)
		return rc;
	*switching = info.state == MIXNET_OCS_STATE_SWITCHING;
	*gen = info.generation;
	return 0;
}

static void ocsb_close(void *priv)
{
	struct ocs_dev *o = priv;

	close(o->fd);
	free(o);
}

int ocs_backend_open(const char *path, struct ocs_backend **out)
{
	struct ocs_backend *b = calloc(1, sizeof(*b));
	struct ocs_dev *o = calloc(1, sizeof(*o));
	int rc;

	if (!b || !o) {
		free(b);
		free(o);
		return -ENOMEM;
	}
	o->fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (o->fd < 0) {
		rc = -errno;
		free(b);
		free(o);
		return rc;
	}
	*b = (struct ocs_backend){
		.priv = o, .get = ocsb_get, .apply = ocsb_apply, .event_fd = ocsb_event_fd,
		.read_event = ocsb_read_event, .state = ocsb_state, .close = ocsb_close,
	};
	*out = b;
	return 0;
}

/*
 * Integration points still open: each will become an adapter like the
 * OCS one above once its part is on main.  Until then the role that needs
 * it does not start.
 */
static int planner_backend_open(const struct config *cfg, struct planner_backend **out,
				char *why, size_t whylen)
{
	(void)cfg;
	*out = NULL;
	snprintf(why, whylen, "the planner (agent/planner.h) is not integrated in this build yet");
	return -EOPNOTSUPP;
}

static int sampler_backend_open(const struct config *cfg, struct sampler_backend **out,
				char *why, size_t whylen)
{
	(void)cfg;
	*out = NULL;
	snprintf(why, whylen,
		 "the traffic sampler (agent/flows.h) is not integrated in this build yet");
	return -EOPNOTSUPP;
}

static int fabric_backend_open(const struct config *cfg, struct fabric_backend **out,
			       char *why, size_t whylen)
{
	(void)cfg;
	*out = NULL;
	snprintf(why, whylen,
		 "the mixnet netlink client (agent/mixnet_nl.h) is not integrated in this build yet");
	return -EOPNOTSUPP;
}

/* ---- the set ----------------------------------------------------------------------------- */

int backends_open(const struct config *cfg, struct daemon_backends *b, char *why, size_t whylen)
{
	int rc = 0;

	memset(b, 0, sizeof(*b));
	if (cfg->roles & CFG_ROLE_CONTROLLER) {
		rc = ocs_backend_open(cfg->ocs_path, &b->ocs);
		if (rc) {
			snprintf(why, whylen, "OCS %s: %s", cfg->ocs_path, strerror(-rc));
			goto fail;
		}
		rc = planner_backend_open(cfg, &b->planner, why, whylen);
		if (rc)
			goto fail;
	}
	if (cfg->roles & CFG_ROLE_HOST) {
		rc = fabric_backend_open(cfg, &b->fabric, why, whylen);
		if (rc)
			goto fail;
		rc = sampler_backend_open(cfg, &b->sampler, why, whylen);
		if (rc)
			goto fail;
	}
	return 0;
fail:
	backends_close(b);
	return rc;
}

void backends_close(struct daemon_backends *b)
{
	if (b->ocs) {
		b->ocs->close(b->ocs->priv);
		free(b->ocs);
	}
	if (b->planner && b->planner->close)
		b->planner->close(b->planner->priv);
	if (b->sampler && b->sampler->close)
		b->sampler->close(b->sampler->priv);
	if (b->fabric && b->fabric->close)
		b->fabric->close(b->fabric->priv);
	memset(b, 0, sizeof(*b));
}
