// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon's real backends (backends.h).  This is the integration
 * point: each table is an adapter over a part developed separately.
 *
 *   ocs_backend      <- agent/ocs_client.h  (done)
 *   planner_backend  <- agent/planner.h     (done)
 *   sampler_backend  <- agent/flows.h       (done)
 *   fabric_backend   <- agent/mixnet_nl.h   (done: agent/fabric_nl.c)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/socket.h>

#include "backends.h"
#include "flows.h"
#include "flows_cli.h"
#include "ocs_client.h"
#include "planner.h"

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

/* ---- planner: Algorithm 1 (+ refinement) and port assignment ------------------------ */

struct planner_dev {
	struct planner *pl;
	uint32_t n, nnics;
	uint32_t *counts;		/* n * n circuits per pair */
	double link_Bps;
	double *eps_Bps;		/* per host */
	struct planner_nic *nics;
	struct mixnet_xconnect *xc;
	struct planner_circuit *circ;
};

static int plb_plan(void *priv, const struct plan_request *rq, struct plan_circuit *out,
		    uint32_t *nout)
{
	struct planner_dev *p = priv;
	struct planner_params params = {
		.saturated = PLANNER_SKIP,
		.spare = PLANNER_SPARE_NONE,
		/* Refine for the same estimate the hysteresis rule compares. */
		.refine = rq->n <= PLANNER_REFINE_MAX_SERVERS,
		.link_Bps = p->link_Bps,
		.eps_Bps = p->eps_Bps,
	};
	struct planner_cabling cab = { .n = rq->n, .alpha = rq->alpha, .nics = p->nics };
	struct planner_assignment asg = {
		.xconnects = p->xc, .xconnects_cap = p->nnics + 1,
		.circuits = p->circ, .circuits_cap = p->nnics / 2 + 1,
	};
	uint32_t i;
	int rc;

	if (rq->n != p->n)
		return -EINVAL;
	for (i = 0; i < p->nnics; i++)
		p->nics[i] = (struct planner_nic){ rq->nics[i].tx, rq->nics[i].rx, rq->nics[i].group };
	rc = planner_run(p->pl, rq->n, rq->demand, rq->alpha, &params, p->counts, NULL);
	if (!rc)
		rc = planner_assign_ports(p->pl, &cab, p->counts, rq->cur, rq->ncur, &asg);
	if (rc)
		return rc;
	for (i = 0; i < asg.ncircuits; i++)
		out[i] = (struct plan_circuit){ p->circ[i].a, p->circ[i].na, p->circ[i].b,
						p->circ[i].nb };
	*nout = asg.ncircuits;
	return 0;
}

static double plb_estimate(void *priv, uint32_t n, const double *demand, const uint32_t *circuits)
{
	struct planner_dev *p = priv;
	struct planner_estimate est;

	planner_estimate(n, demand, circuits, p->link_Bps, p->eps_Bps, &est);
	return est.total_s;
}

static void plb_close(void *priv)
{
	struct planner_dev *p = priv;

	planner_free(p->pl);
	free(p->counts);
	free(p->eps_Bps);
	free(p->nics);
	free(p->xc);
	free(p->circ);
	free(p);
}

int planner_backend_open(const struct config *cfg, struct planner_backend **out, char *why,
			 size_t whylen)
{
	struct planner_backend *b = calloc(1, sizeof(*b));
	struct planner_dev *p = calloc(1, sizeof(*p));
	uint32_t i, max_alpha = 1;

	*out = NULL;
	if (!b || !p)
		goto oom;
	p->n = cfg->nhosts;
	for (i = 0; i < cfg->nhosts; i++) {
		p->nnics += cfg->hosts[i].noptical;
		if (cfg->hosts[i].noptical > max_alpha)
			max_alpha = cfg->hosts[i].noptical;
	}
	p->pl = planner_new(p->n, max_alpha);
	p->counts = calloc((size_t)p->n * p->n, sizeof(*p->counts));
	p->eps_Bps = calloc(p->n, sizeof(*p->eps_Bps));
	p->nics = calloc(p->nnics + 1, sizeof(*p->nics));
	p->xc = calloc(p->nnics + 1, sizeof(*p->xc));
	p->circ = calloc(p->nnics / 2 + 1, sizeof(*p->circ));
	if (!p->pl || !p->counts || !p->eps_Bps || !p->nics || !p->xc || !p->circ)
		goto oom;
	p->link_Bps = cfg->optical_gbps * 1e9 / 8;
	for (i = 0; i < p->n; i++)
		p->eps_Bps[i] = cfg->electrical_gbps * 1e9 / 8;
	*b = (struct planner_backend){ .priv = p, .plan = plb_plan, .estimate = plb_estimate,
				       .close = plb_close };
	*out = b;
	return 0;
oom:
	if (p)
		plb_close(p);
	free(b);
	snprintf(why, whylen, "planner: out of memory");
	return -ENOMEM;
}

/* ---- sampler: the BPF per-peer counters on this host's mixnet device ----------------- */

struct sampler_dev {
	const struct config *cfg;
	const char *pin_root;
	struct flows_sampler *s;
	struct flows_tracker t;
	struct flows_row row;
};

/* Region hosts but this one, as the sampler writes addresses (IPv4 mapped). */
static struct flows_addr *region_peers(const struct config *cfg, size_t *n)
{
	struct flows_addr *a = calloc(cfg->nhosts + 1, sizeof(*a));
	uint32_t i;

	*n = 0;
	if (!a)
		return NULL;
	for (i = 0; i < cfg->nhosts; i++) {
		const struct cfg_addr *f = &cfg->hosts[i].fabric;

		if ((int)i == cfg->self)
			continue;
		if (f->family == AF_INET) {
			a[*n].b[10] = a[*n].b[11] = 0xff;
			memcpy(a[*n].b + 12, f->a, 4);
		} else {
			memcpy(a[*n].b, f->a, 16);
		}
		(*n)++;
	}
	return a;
}

static int host_of(const struct config *cfg, const uint8_t *b)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	struct cfg_addr a = { 0 };

	if (!memcmp(b, mapped, sizeof(mapped))) {
		a.family = AF_INET;
		memcpy(a.a, b + 12, 4);
	} else {
		a.family = AF_INET6;
		memcpy(a.a, b, 16);
	}
	return config_host_by_fabric(cfg, &a);
}

static int smb_read_row(void *priv, uint64_t *bytes, uint32_t n)
{
	struct sampler_dev *d = priv;
	const struct flows_peer *peers;
	size_t np, i;
	uint64_t now;
	int rc;

	rc = flows_read_peers(d->s, &peers, &np, &now);
	if (!rc)
		rc = flows_row_update(&d->row, &d->t, flows_epoch(d->s), now, peers, np);
	if (rc)
		return rc;
	memset(bytes, 0, n * sizeof(*bytes));
	for (i = 0; i < d->row.n; i++) {
		int h = host_of(d->cfg, d->row.peers[i].addr);

		/* The first reading has no interval yet: zeros. */
		if (h >= 0 && (uint32_t)h < n && d->row.peers[i].d.valid)
			bytes[h] = d->row.peers[i].d.bytes;
	}
	return 0;
}

static void smb_close(void *priv)
{
	struct sampler_dev *d = priv;

	/* The sampler stays attached: a restarted agent continues from it. */
	flows_close(d->s);
	flows_tracker_free(&d->t);
	flows_row_free(&d->row);
	free(d);
}

int sampler_backend_open(const struct config *cfg, struct sampler_backend **out, char *why,
			 size_t whylen)
{
	struct sampler_backend *b = calloc(1, sizeof(*b));
	struct sampler_dev *d = calloc(1, sizeof(*d));
	struct flows_error err = { "", "" };
	struct flows_addr *peers = NULL;
	size_t npeers;
	int rc;

	*out = NULL;
	if (!b || !d || !(peers = region_peers(cfg, &npeers))) {
		rc = -ENOMEM;
		snprintf(err.obj, sizeof(err.obj), "sampler");
		snprintf(err.msg, sizeof(err.msg), "out of memory");
		goto fail;
	}
	d->cfg = cfg;
	flows_tracker_init(&d->t);
	flows_row_init(&d->row);
	/* The pin root of the `flows` commands: $MIXNET_PIN_ROOT or the default. */
	d->pin_root = flows_cli_pin_root();
	rc = flows_open(cfg->device, d->pin_root, &d->s, &err);
	if (rc == -ENOENT) {
		/* Not attached yet: the host agent owns the sampler of its device. */
		struct flows_attach_opts o;

		flows_attach_opts_init(&o);
		o.pin_root = d->pin_root;
		o.peers = peers;
		o.npeers = npeers;
		rc = flows_attach(cfg->device, &o, &err);
		if (!rc)
			rc = flows_open(cfg->device, d->pin_root, &d->s, &err);
	} else if (!rc) {
		/* Attached before (agent restart): keep its counters, fix the peer set. */
		rc = flows_set_peers(d->s, peers, npeers, &err);
	}
	if (rc)
		goto fail;
	free(peers);
	*b = (struct sampler_backend){ .priv = d, .read_row = smb_read_row, .close = smb_close };
	*out = b;
	return 0;
fail:
	snprintf(why, whylen, "traffic sampler on %s: %s: %s: %s", cfg->device, err.obj, err.msg,
		 strerror(-rc));
	free(peers);
	if (d) {
		if (d->s)
			flows_close(d->s);
		flows_tracker_free(&d->t);
		flows_row_free(&d->row);
	}
	free(d);
	free(b);
	return rc;
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
	if (b->planner) {
		b->planner->close(b->planner->priv);
		free(b->planner);
	}
	if (b->sampler) {
		b->sampler->close(b->sampler->priv);
		free(b->sampler);
	}
	if (b->fabric) {
		b->fabric->close(b->fabric->priv);
		free(b->fabric);
	}
	memset(b, 0, sizeof(*b));
}
