/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The region protocol between host agents and the region controller
 * (Documentation/agent.md "Protocol").  One message per ZeroMQ frame:
 *
 *   struct nlmsghdr   len (whole message), type (enum mnp_type), flags 0,
 *                     seq (sender's counter), pid 0
 *   struct mnp_hdr    version (MNP_VERSION), 3 reserved bytes (0)
 *   attributes        netlink TLVs (libmnl): 4-byte header (len, type),
 *                     payload, padding to 4 bytes
 *
 * Integers are little-endian (the byte order of every host mixnet runs
 * on; the codec refuses to build elsewhere).  The decoder trusts no
 * length: the frame must be exactly nlmsg_len long, every attribute must
 * lie inside its parent and end exactly at its end, every attribute has
 * a fixed type (u8/u32/u64/s32/string/binary/nest/flag) checked by
 * length, unknown, duplicate (unless repeatable), or misplaced
 * attributes are errors, and each message type has required attributes.
 */
#ifndef MIXNET_PROTO_H
#define MIXNET_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define MNP_VERSION		1
#define MNP_MAX_MSG		(16u << 20)	/* largest frame either side accepts */
#define MNP_NAME_MAX		CFG_NAME_MAX
#define MNP_IFNAME_MAX		16
#define MNP_AGENT_MAX		32
#define MNP_MESSAGE_MAX		128
#define MNP_MAX_HOSTS		CFG_MAX_HOSTS
#define MNP_MAX_LOWERS		128		/* per host: optical + electrical */
#define MNP_MAX_CIRCUITS	128		/* per host and message */

enum mnp_type {
	MNP_HELLO = 1,	/* host -> controller: who I am, what the kernel holds */
	MNP_WELCOME,	/* controller -> host: accepted; region parameters */
	MNP_DEMAND,	/* host -> controller: demand rows (measured or submitted) */
	MNP_STEP,	/* controller -> host: one barrier step of a reconfiguration */
	MNP_ACK,	/* host -> controller: a step is done (or failed) */
	MNP_REJECT,	/* either way: message refused (version, region, ...) */
	__MNP_TYPE_MAX,
};

/* Barrier steps of a reconfiguration, in order. */
enum mnp_step {
	MNP_STEP_DRAIN = 1,	/* stop using the NICs in @drain (electrical fallback) */
	MNP_STEP_CONFIRM,	/* OCS switched: report once discovery sees the new peers */
	MNP_STEP_USE,		/* route over exactly these circuits */
	__MNP_STEP_MAX,
};

enum mnp_source {
	MNP_SRC_MEASURED = 1,	/* this host's traffic, sampled over an epoch */
	MNP_SRC_SUBMITTED,	/* pushed by the training job (demand API) */
};

/* DEMAND flags. */
#define MNP_F_PLAN_NOW	(1u << 0)	/* plan at once (no epoch wait, no hysteresis margin) */
#define MNP_F_ALL	MNP_F_PLAN_NOW

enum mnp_attr {
	MNP_A_UNSPEC,
	MNP_A_HOST,		/* string: host name */
	MNP_A_REGION,		/* string */
	MNP_A_AGENT,		/* string: software version */
	MNP_A_PLAN_ID,		/* u64 */
	MNP_A_EPOCH,		/* u64: sender's epoch counter */
	MNP_A_EPOCH_MS,		/* u32 */
	MNP_A_SOURCE,		/* u8: enum mnp_source */
	MNP_A_LAYER,		/* u32: MoE layer the demand is for */
	MNP_A_FLAGS,		/* u32: MNP_F_* */
	MNP_A_COLUMN,		/* string: host of the next demand column (repeatable, in order) */
	MNP_A_ROW,		/* nest: MNP_A_INDEX (source column), MNP_A_BYTES */
	MNP_A_INDEX,		/* u32 */
	MNP_A_BYTES,		/* binary: u64[columns], bytes sent to each column */
	MNP_A_STEP,		/* u8: enum mnp_step */
	MNP_A_TIMEOUT_MS,	/* u32 */
	MNP_A_DRAIN,		/* string: a NIC to stop using (repeatable) */
	MNP_A_CIRCUIT,		/* nest: NIC, PEER, PEER_NIC, [CHANGED] (repeatable) */
	MNP_A_NIC,		/* string: interface name */
	MNP_A_PEER,		/* string: host name */
	MNP_A_PEER_NIC,		/* string */
	MNP_A_CHANGED,		/* flag: circuit is new in this plan */
	MNP_A_LOWER,		/* nest: NIC, CARRIER, [PEER_ADDR, PEER_LLADDR] (repeatable) */
	MNP_A_CARRIER,		/* u8: 0/1 */
	MNP_A_PEER_ADDR,	/* binary 4 or 16: fabric address discovered behind the NIC */
	MNP_A_PEER_LLADDR,	/* binary 6 */
	MNP_A_OPTICAL,		/* u8: 0/1, lower's role */
	MNP_A_STATUS,		/* s32: 0 or -errno */
	MNP_A_MESSAGE,		/* string */
	MNP_A_VERSION,		/* u32: sender's protocol version (REJECT) */
	__MNP_A_MAX,
};
#define MNP_A_MAX (__MNP_A_MAX - 1)

/* The fixed header after struct nlmsghdr. */
struct mnp_hdr {
	uint8_t version;
	uint8_t reserved[3];
};

struct mnp_lower {
	char nic[MNP_IFNAME_MAX];
	bool optical;
	bool carrier;
	struct cfg_addr peer;	/* family 0: nothing discovered */
	bool has_lladdr;
	uint8_t peer_lladdr[6];
};

struct mnp_circuit {
	char nic[MNP_IFNAME_MAX];	/* this host's NIC */
	char peer[MNP_NAME_MAX];	/* host at the other end */
	char peer_nic[MNP_IFNAME_MAX];	/* its NIC */
	bool changed;			/* set up by this reconfiguration */
};

struct mnp_row {
	uint32_t src;			/* column index of the sending host */
	uint64_t *bytes;		/* ncols entries */
};

/*
 * A decoded message.  Which fields mean something depends on @type (see
 * the table in Documentation/agent.md); the others are zero.  Arrays are
 * owned by the message: mnp_msg_free().
 */
struct mnp_msg {
	uint16_t type;
	uint32_t seq;

	char host[MNP_NAME_MAX];	/* HELLO */
	char region[MNP_NAME_MAX];	/* HELLO, WELCOME */
	char agent[MNP_AGENT_MAX];	/* HELLO (optional) */
	uint64_t plan_id;		/* HELLO (last used), WELCOME, STEP, ACK */
	uint32_t epoch_ms;		/* WELCOME */

	uint64_t epoch;			/* DEMAND */
	uint8_t source;			/* DEMAND: enum mnp_source */
	bool has_layer;
	uint32_t layer;			/* DEMAND (optional) */
	uint32_t flags;			/* DEMAND: MNP_F_* */
	uint32_t ncols;
	char (*cols)[MNP_NAME_MAX];
	uint32_t nrows;
	struct mnp_row *rows;

	uint8_t step;			/* STEP, ACK: enum mnp_step */
	uint32_t timeout_ms;		/* STEP (CONFIRM) */
	uint32_t ndrain;
	char (*drain)[MNP_IFNAME_MAX];	/* STEP */
	uint32_t ncircuits;
	struct mnp_circuit *circuits;	/* STEP */

	uint32_t nlowers;
	struct mnp_lower *lowers;	/* HELLO, ACK */
	int32_t status;			/* ACK, REJECT */
	char message[MNP_MESSAGE_MAX];	/* ACK, REJECT (optional) */
	uint32_t version;		/* REJECT */
};

/* Why a frame was refused: the attribute at fault (0: the message). */
struct mnp_err {
	uint16_t attr;
	char msg[128];
};

/*
 * Encode @m into a malloc'ed buffer (*buf, *len).  The result is checked
 * with mnp_decode() before it is returned, so nothing is ever sent that
 * the other side would refuse.  Returns 0, -EINVAL (the message would
 * not decode: a required field missing, a count over its limit, a bad
 * enum; @err says why, may be NULL), -EMSGSIZE (over MNP_MAX_MSG) or
 * -ENOMEM.
 */
int mnp_encode(const struct mnp_msg *m, void **buf, size_t *len, struct mnp_err *err);

/*
 * Decode one frame.  Returns 0 with @m filled (free with mnp_msg_free),
 * -EPROTONOSUPPORT (another protocol version; @m->version and @m->type
 * are set so a REJECT can be sent), -EBADMSG (malformed; @err says
 * why) or -ENOMEM.  On error @m holds nothing to free.
 */
int mnp_decode(const void *buf, size_t len, struct mnp_msg *m, struct mnp_err *err);

void mnp_msg_free(struct mnp_msg *m);

/* Array helpers for building messages (0 or -ENOMEM). */
int mnp_add_circuit(struct mnp_msg *m, const struct mnp_circuit *c);
int mnp_add_lower(struct mnp_msg *m, const struct mnp_lower *l);
int mnp_add_drain(struct mnp_msg *m, const char *nic);
/* Demand: columns first, then rows (bytes copied, ncols entries). */
int mnp_set_columns(struct mnp_msg *m, uint32_t n, const char *const *names);
int mnp_add_row(struct mnp_msg *m, uint32_t src, const uint64_t *bytes);

const char *mnp_type_name(unsigned int type);
const char *mnp_step_name(unsigned int step);

#endif /* MIXNET_PROTO_H */
