/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * mixnet demand API: a training job tells the local mixnet-agent which
 * server-pair traffic matrix its next all-to-all will send, so the region
 * controller can set up circuits before the bytes flow.
 *
 * Copy this header and agent/demand_client.c into your project; they need
 * only libc.  The daemon listens on a Unix socket (default below, set by
 * [agent] demand_socket; access by file mode/group).
 *
 *	struct mixnet_demand *d;
 *	uint64_t bytes[4 * 4] = { ... };	// bytes[i * 4 + j]: i sends to j
 *	const char *names[4] = { "h0", "h1", "h2", "h3" };
 *	struct mixnet_demand_matrix m = { 4, bytes, names, 7 };	// layer 7
 *	struct mixnet_demand_reply r;
 *
 *	if (mixnet_demand_connect(NULL, &d) == 0) {
 *		if (mixnet_demand_submit(d, &m, &r) < 0)
 *			fprintf(stderr, "demand: %s\n", r.message);
 *		mixnet_demand_close(d);
 *	}
 *
 * A submitted matrix is planned at once (no epoch wait, no hysteresis
 * margin) and overrides measured demand for [controller] demand_hold_ms.
 * Documentation/agent.md "Demand API" describes the wire format.
 */
#ifndef MIXNET_DEMAND_H
#define MIXNET_DEMAND_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MIXNET_DEMAND_SOCKET	"/run/mixnet/demand.sock"
#define MIXNET_DEMAND_MAX_N	4096	/* servers in one matrix */
#define MIXNET_DEMAND_NAME_MAX	64	/* host name, with its NUL */
#define MIXNET_DEMAND_MSG_MAX	256	/* reply message, with its NUL */

struct mixnet_demand;

struct mixnet_demand_matrix {
	uint32_t n;			/* servers: 1..MIXNET_DEMAND_MAX_N */
	const uint64_t *bytes;		/* n * n, row-major: bytes[i * n + j] from i to j */
	/*
	 * Region host names of the rows/columns (as in the daemon's
	 * configuration), or NULL: then n must be the region's size and the
	 * order is the configuration's.  Hosts left out send nothing.
	 */
	const char *const *names;
	int32_t layer;			/* MoE layer the matrix is for, or -1 */
};

struct mixnet_demand_reply {
	int32_t status;			/* 0: accepted; else -errno */
	uint64_t id;			/* the daemon's number for this submission */
	char message[MIXNET_DEMAND_MSG_MAX];	/* why, when status != 0 */
};

/*
 * Connect to the daemon at @path (NULL: MIXNET_DEMAND_SOCKET).  0 or
 * -errno (-ENOENT: no daemon socket, -EACCES: not allowed ...).
 */
int mixnet_demand_connect(const char *path, struct mixnet_demand **out);

/*
 * Submit one matrix and wait for the daemon's answer (at most
 * @timeout_ms, set by mixnet_demand_set_timeout, default 10000).
 * Returns 0 when the daemon accepted it; a negative errno when the
 * matrix is invalid (-EINVAL, checked before sending), the connection
 * failed (-EPIPE, -ETIMEDOUT ...) or the daemon refused it (its status,
 * e.g. -ENOENT for an unknown host, -ENOTCONN when it cannot reach the
 * region controller).  @reply (may be NULL) says why.
 */
int mixnet_demand_submit(struct mixnet_demand *d, const struct mixnet_demand_matrix *m,
			 struct mixnet_demand_reply *reply);

int mixnet_demand_set_timeout(struct mixnet_demand *d, int timeout_ms);
void mixnet_demand_close(struct mixnet_demand *d);

/* ---- wire format (for implementers of other clients) ---------------------
 * Stream socket; every integer little-endian.  Request:
 *   0  magic "MXDQ"          4  u16 version (1)   6  u16 type (1: submit)
 *   8  u32 payload length   12  u32 request id (echoed)
 *   payload: u32 n, u32 flags (bit 0: layer valid, bit 1: names follow),
 *            u32 layer, u32 names length, n*n u64 bytes, names: n
 *            NUL-terminated strings back to back.
 * Reply:
 *   0  magic "MXDR"          4  u16 version       6  u16 type (1)
 *   8  u32 payload length   12  u32 request id
 *   payload: s32 status, u32 reserved (0), u64 id, NUL-terminated message.
 */
#define MIXNET_DEMAND_WIRE_VERSION	1
#define MIXNET_DEMAND_WIRE_SUBMIT	1
#define MIXNET_DEMAND_WIRE_HDR		16
#define MIXNET_DEMAND_WIRE_SUBMIT_HDR	16
#define MIXNET_DEMAND_WIRE_REPLY_HDR	16
#define MIXNET_DEMAND_F_LAYER		(1u << 0)
#define MIXNET_DEMAND_F_NAMES		(1u << 1)

#ifdef __cplusplus
}
#endif

#endif /* MIXNET_DEMAND_H */
