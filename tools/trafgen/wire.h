/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mixnet-trafgen wire protocol (Documentation/trafgen.md, "Protocol").
 *
 * Every server listens on one TCP port.  A connection starts with 4 magic
 * bytes saying what it is:
 *  - "MXTC": a driver's control connection, then JSON objects, one per
 *    line ('\n'), both ways (struct tg_msg);
 *  - "MXTH": a data connection from another server: the rest of a
 *    24-byte hello (session, stream, source and destination index).  A
 *    session has `streams` data connections per ordered pair (parallel
 *    TCP flows, so a pair can use several circuits).  A pair's transfer in
 *    a phase is cut into chunks of TG_CHUNK bytes (the last one shorter),
 *    each sent whole on whichever of the pair's connections is free: a
 *    24-byte chunk header ("MXTX", phase, offset, length) and that many
 *    payload bytes (payload.h, at that offset of the pair's stream).  A
 *    pair with nothing to send in a phase sends nothing.
 * All binary integers are little-endian.
 */
#ifndef MIXNET_TRAFGEN_WIRE_H
#define MIXNET_TRAFGEN_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "hosts.h"

#define TG_MAGIC_LEN		4
#define TG_CTRL_MAGIC		"MXTC"
#define TG_DATA_MAGIC		"MXTH"
#define TG_XFER_MAGIC		"MXTX"
#define TG_DATA_HELLO_LEN	24
#define TG_XFER_HDR_LEN		24
#define TG_MSG_TEXT_MAX		256

enum tg_op {
	TG_OP_HELLO = 1,	/* both ways: version; the server adds its address */
	TG_OP_SESSION,		/* driver: session id, this server's index, all hosts */
	TG_OP_OK,		/* server: session accepted */
	TG_OP_CONNECT,		/* driver: open the data connections */
	TG_OP_CONNECTED,	/* server: n-1 outgoing and n-1 incoming are up */
	TG_OP_PHASE,		/* driver: seq, bytes to send to / receive from each host */
	TG_OP_READY,		/* server: seq, expectations set */
	TG_OP_GO,		/* driver: seq, start sending */
	TG_OP_DONE,		/* server: seq, every transfer sent and received */
	TG_OP_ABORT,		/* driver: report progress, drop the session */
	TG_OP_PROGRESS,		/* server: seq, transfers so far (answer to abort) */
	TG_OP_BYE,		/* driver: session over (the server drops it) */
	TG_OP_ERROR,		/* server: something failed (seq, peer, errno, text) */
};

/* One transfer as its sender or receiver saw it. */
struct tg_xfer {
	uint64_t bytes;		/* payload bytes sent / received */
	uint64_t sum;		/* checksum of those bytes (payload.h) */
	uint64_t usec;		/* from go to the last byte; 0 if none */
	int64_t bad;		/* receiver: offset of the first wrong byte, or -1 */
};

struct tg_msg {
	enum tg_op op;
	uint32_t version;		/* hello */
	char addr[TG_ADDR_MAX];		/* hello from a server: its bind address */
	uint16_t port;			/* ... and port */
	uint64_t session;		/* session */
	uint32_t index;			/* session: the receiving server's host index */
	uint32_t streams;		/* session: data connections per pair (1-TG_MAX_STREAMS) */
	struct tg_hosts hosts;		/* session */
	int64_t seq;			/* phase .. error; -1 when none */
	uint32_t n;			/* entries in the arrays below */
	uint64_t *want_send;		/* phase: bytes to send to host j */
	uint64_t *want_recv;		/* phase: bytes to receive from host i */
	struct tg_xfer *send;		/* done, progress: per destination */
	struct tg_xfer *recv;		/* done, progress: per source */
	int32_t peer;			/* error: host index at fault, or -1 */
	int32_t err;			/* error: positive errno (EBUSY: busy) */
	char text[TG_MSG_TEXT_MAX];	/* error */
};

const char *tg_op_name(enum tg_op op);

/* One line of JSON for @m, with its '\n', NUL-terminated (free()). NULL
 * on allocation failure. */
char *tg_msg_encode(const struct tg_msg *m, size_t *len);

/* Parse and validate one line (without its '\n').  @m is zeroed first;
 * free with tg_msg_free (also after an error).  0 or -EPROTO with the
 * reason in @err. */
int tg_msg_decode(const char *line, size_t len, struct tg_msg *m, char *err, size_t errlen);

void tg_msg_free(struct tg_msg *m);

/* Allocate the arrays of a phase (want_*) or done/progress (send, recv)
 * message for @n hosts, zeroed (bad = -1).  0 or -ENOMEM. */
int tg_msg_alloc_phase(struct tg_msg *m, uint32_t n);
int tg_msg_alloc_report(struct tg_msg *m, uint32_t n);

struct tg_data_hello {
	uint16_t version;
	uint16_t stream;	/* which of the pair's connections (< TG_MAX_STREAMS) */
	uint64_t session;
	uint32_t src, dst;
};

void tg_data_hello_encode(const struct tg_data_hello *h, uint8_t out[TG_DATA_HELLO_LEN]);
/* 0, or -EPROTO (bad magic, version or stream). */
int tg_data_hello_decode(const uint8_t in[TG_DATA_HELLO_LEN], struct tg_data_hello *h);

/* A chunk: bytes [offset, offset + len) of the pair's transfer in phase seq. */
struct tg_xfer_hdr {
	uint32_t seq;
	uint64_t offset;
	uint32_t len;
};

void tg_xfer_hdr_encode(const struct tg_xfer_hdr *h, uint8_t out[TG_XFER_HDR_LEN]);
/* 0, or -EPROTO (bad magic, length 0 or over TG_CHUNK, offset not a
 * multiple of TG_CHUNK, end over TG_MAX_PAIR_BYTES, reserved bits set). */
int tg_xfer_hdr_decode(const uint8_t in[TG_XFER_HDR_LEN], struct tg_xfer_hdr *h);

#endif /* MIXNET_TRAFGEN_WIRE_H */
