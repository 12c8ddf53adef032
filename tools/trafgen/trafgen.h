/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mixnet-trafgen: MoE expert-parallel all-to-all traffic generator.
 * Limits, defaults and exit codes shared by its parts
 * (Documentation/trafgen.md).
 */
#ifndef MIXNET_TRAFGEN_H
#define MIXNET_TRAFGEN_H

#include <stdint.h>

#define TG_PROG			"mixnet-trafgen"
#define TG_DEFAULT_PORT		7766
#define TG_MAX_HOSTS		1024u
#define TG_NAME_MAX		64	/* host name, with its NUL */
#define TG_ADDR_MAX		46	/* INET6_ADDRSTRLEN */
#define TG_PROTO_VERSION	2
/* Largest transfer of one pair in one phase, and of one phase in total. */
#define TG_MAX_PAIR_BYTES	(1ULL << 40)
/* Unit of a transfer on the wire (wire.h); one send buffer of this size
 * per outgoing connection, one shared receive buffer. */
#define TG_CHUNK		(64u * 1024u)
/* Data connections per ordered pair (--streams). */
#define TG_MAX_STREAMS		16u
/* Longest control line (a phase message carries 2 x n numbers). */
#define TG_MAX_LINE		(1u << 20)

/* Exit codes of `mixnet-trafgen run` (and of serve for usage/bind errors). */
enum {
	TG_EXIT_OK = 0,		/* every phase done, every byte verified */
	TG_EXIT_FAIL = 1,	/* bytes lost/corrupt, connection failed, timeout */
	TG_EXIT_USAGE = 2,	/* bad command line or input */
	TG_EXIT_SETUP = 4,	/* a server unreachable, or data connections failed */
	TG_EXIT_BUSY = 5,	/* a server is running another driver's session */
	TG_EXIT_ANNOUNCE = 6,	/* --announce: demand API unavailable or refused */
};

#endif /* MIXNET_TRAFGEN_H */
