/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `mixnet-trafgen serve`: one per host.  Listens on the host's fabric
 * address for a driver's control connection and the other servers' data
 * connections; sends and receives what the driver's phases say, checks
 * every received byte, and reports per transfer (proto.h).
 */
#ifndef MIXNET_TRAFGEN_SERVER_H
#define MIXNET_TRAFGEN_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "hosts.h"

/* Test hooks (Documentation/trafgen.md): damage what this server sends
 * to host index @peer at payload byte @offset of every transfer. */
enum tg_inject_kind {
	TG_INJECT_NONE,
	TG_INJECT_CORRUPT,	/* flip the byte at offset (after the CRC) */
	TG_INJECT_TRUNCATE,	/* close the connection after offset bytes */
};

struct tg_inject {
	enum tg_inject_kind kind;
	uint32_t peer;
	uint64_t offset;
};

/* Parse "corrupt:PEER:OFFSET" or "truncate:PEER:OFFSET".  0 or -EINVAL. */
int tg_inject_parse(const char *spec, struct tg_inject *f);

struct tg_serve_opts {
	struct tg_host self;	/* bind address and port (name unused) */
	bool once;		/* exit when the first driver disconnects */
	bool verbose;
	struct tg_inject inject;
};

/* Run the server until SIGINT/SIGTERM (or --once).  Returns an exit code. */
int tg_serve(const struct tg_serve_opts *o);

#endif /* MIXNET_TRAFGEN_SERVER_H */
