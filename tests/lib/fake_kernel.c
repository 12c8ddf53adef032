// SPDX-License-Identifier: GPL-2.0
/* Fake kernel parts for in-process daemons (see fake_kernel.h). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fake_kernel.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uint32_t alpha, nports;
static int32_t xc[FAKE_MAX_PORTS];		/* tx port -> rx port, -1 */
static uint64_t gen;
static unsigned int route_sets[FAKE_MAX_HOSTS];
static struct fabric_backend fabric[FAKE_MAX_HOSTS];

/* ---- OCS ------------------------------------------------------------------------------- */

static int ocs_get(void *priv, struct mixnet_xconnect **out, uint32_t *n, uint64_t *g)
{
	uint32_t i, k = 0;

	(void)priv;
	pthread_mutex_lock(&lock);
	*out = calloc(nports, sizeof(**out));
	for (i = 0; *out && i < nports; i++)
		if (xc[i] >= 0)
			(*out)[k++] = (struct mixnet_xconnect){ i, (uint32_t)xc[i] };
	*n = k;
	*g = gen;
	pthread_mutex_unlock(&lock);
	return *out ? 0 : -ENOMEM;
}

static int ocs_apply(void *priv, const struct mixnet_xconnect *x, uint32_t n, uint64_t expected,
		     uint64_t *g, uint32_t *changed)
{
	uint32_t i;
	int rc = 0;

	(void)priv;
	pthread_mutex_lock(&lock);
	for (i = 0; i < n && !rc; i++)
		if (x[i].tx >= nports || x[i].rx >= nports)
			rc = -EINVAL;
	if (!rc && expected != gen)
		rc = -ESTALE;
	if (!rc) {
		for (i = 0; i < nports; i++)
			xc[i] = -1;
		for (i = 0; i < n; i++)
			xc[x[i].tx] = (int32_t)x[i].rx;
		*g = ++gen;
		*changed = n;
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

static int no_fd(void *priv)
{
	(void)priv;
	return -1;
}

static int ocs_read_event(void *priv, struct mixnet_ocs_event *ev)
{
	(void)priv;
	(void)ev;
	return 0;
}

static int ocs_state(void *priv, bool *switching, uint64_t *g)
{
	(void)priv;
	*switching = false;
	pthread_mutex_lock(&lock);
	*g = gen;
	pthread_mutex_unlock(&lock);
	return 0;
}

struct ocs_backend fake_ocs = { .get = ocs_get, .apply = ocs_apply, .event_fd = no_fd,
				.read_event = ocs_read_event, .state = ocs_state };

int32_t fake_ocs_rx(uint32_t tx)
{
	int32_t rx;

	pthread_mutex_lock(&lock);
	rx = tx < nports ? xc[tx] : -1;
	pthread_mutex_unlock(&lock);
	return rx;
}

/* ---- fabric: discovery sees the host whose TX port shines into a NIC's RX port --------- */

static int fab_read_lowers(void *priv, struct fabric_lower *out, uint32_t max)
{
	uint32_t h = (uint32_t)(uintptr_t)priv, k, t;

	if (max < alpha + 1)
		return -ENOSPC;
	memset(out, 0, (alpha + 1) * sizeof(*out));
	pthread_mutex_lock(&lock);
	for (k = 0; k < alpha; k++) {
		snprintf(out[k].ifname, IF_NAMESIZE, "o%u", k);
		out[k].optical = true;
		for (t = 0; t < nports; t++)
			if (xc[t] == (int32_t)(h * alpha + k)) {
				out[k].carrier = true;
				out[k].peer.family = AF_INET;
				out[k].peer.a[0] = 198;
				out[k].peer.a[1] = 18;
				out[k].peer.a[3] = (uint8_t)(t / alpha + 1);
			}
	}
	pthread_mutex_unlock(&lock);
	snprintf(out[alpha].ifname, IF_NAMESIZE, "e0");
	out[alpha].carrier = true;
	return (int)alpha + 1;
}

static int fab_set_route(void *priv, const struct fabric_route *r)
{
	(void)r;
	pthread_mutex_lock(&lock);
	route_sets[(uintptr_t)priv]++;
	pthread_mutex_unlock(&lock);
	return 0;
}

struct fabric_backend *fake_fabric(uint32_t h)
{
	return h < FAKE_MAX_HOSTS ? &fabric[h] : NULL;
}

unsigned int fake_route_sets(uint32_t h)
{
	unsigned int n;

	pthread_mutex_lock(&lock);
	n = h < FAKE_MAX_HOSTS ? route_sets[h] : 0;
	pthread_mutex_unlock(&lock);
	return n;
}

/* ---- sampler ------------------------------------------------------------------------------ */

static int sampler_read_row(void *priv, uint64_t *bytes, uint32_t n)
{
	(void)priv;
	memset(bytes, 0, n * sizeof(*bytes));
	return 0;
}

struct sampler_backend fake_sampler = { .read_row = sampler_read_row };

/* ---- the region ---------------------------------------------------------------------------- */

int fake_kernel_reset(uint32_t hosts, uint32_t nics)
{
	uint32_t i;

	if (!hosts || hosts > FAKE_MAX_HOSTS || !nics || nics > CFG_MAX_ALPHA ||
	    hosts * nics > FAKE_MAX_PORTS)
		return -EINVAL;
	pthread_mutex_lock(&lock);
	alpha = nics;
	nports = hosts * nics;
	for (i = 0; i < FAKE_MAX_PORTS; i++)
		xc[i] = -1;
	gen = 0;
	for (i = 0; i < FAKE_MAX_HOSTS; i++) {
		route_sets[i] = 0;
		fabric[i] = (struct fabric_backend){ .priv = (void *)(uintptr_t)i,
			.set_route = fab_set_route, .read_lowers = fab_read_lowers,
			.event_fd = no_fd };
	}
	pthread_mutex_unlock(&lock);
	return 0;
}
