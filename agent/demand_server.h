/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's side of the demand API (include/mixnet_demand.h): the
 * Unix socket a training job submits demand matrices to.  Requests are
 * decoded and validated here (lengths, names, counts: nothing from the
 * socket is trusted) and handed to a callback, whose verdict is sent
 * back.
 */
#ifndef MIXNET_DEMAND_SERVER_H
#define MIXNET_DEMAND_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "mixnet_demand.h"
#include "unix_sock.h"

struct demand_submission {
	uint32_t n;
	const uint64_t *bytes;			/* n * n, row-major */
	const char (*names)[MIXNET_DEMAND_NAME_MAX];	/* n names, or NULL */
	bool has_layer;
	uint32_t layer;
	pid_t pid;				/* of the submitter (SO_PEERCRED) */
	uid_t uid;
};

/*
 * Accept (return 0, set *id) or refuse (return -errno, fill @msg) one
 * submission.  The data is only valid during the call.
 */
typedef int (*demand_submit_fn)(void *priv, const struct demand_submission *s, uint64_t *id,
				char *msg, size_t msglen);

struct demand_server {
	struct usock_set set;
	uint32_t max_n;
	demand_submit_fn submit;
	void *priv;
	uint64_t accepted, refused;
};

/*
 * Listen on @path (mode, group: see usock_listen) for matrices of at
 * most @max_n servers.  0 or -errno.
 */
int demand_server_open(struct demand_server *ds, const char *path, mode_t mode,
		       const char *group, uint32_t max_n, demand_submit_fn submit, void *priv);
void demand_server_close(struct demand_server *ds);

static inline int demand_server_pollitems(struct demand_server *ds, zmq_pollitem_t *it, int max)
{
	return usock_set_pollitems(&ds->set, it, max);
}

static inline void demand_server_dispatch(struct demand_server *ds, const zmq_pollitem_t *it,
					  int n)
{
	usock_set_dispatch(&ds->set, it, n);
}

#endif /* MIXNET_DEMAND_SERVER_H */
