/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host lists: `--hosts [NAME=]ADDR[:PORT],...` (ADDR IPv4, or IPv6 in
 * brackets when a port follows).  NAME defaults to ADDR; it is what
 * errors, reports and --announce call the host (use the region's host
 * names for --announce).
 */
#ifndef MIXNET_TRAFGEN_HOSTS_H
#define MIXNET_TRAFGEN_HOSTS_H

#include <stddef.h>
#include <stdint.h>

#include "trafgen.h"

struct tg_host {
	char name[TG_NAME_MAX];
	char addr[TG_ADDR_MAX];	/* numeric, as inet_ntop prints it */
	uint16_t port;
};

struct tg_hosts {
	uint32_t n;
	struct tg_host *h;
};

/*
 * Parse one host spec "[NAME=]ADDR[:PORT]" into @h, @port when none is
 * given.  Returns 0 or -EINVAL with a reason in @err.
 */
int tg_host_parse(const char *spec, uint16_t port, struct tg_host *h,
		  char *err, size_t errlen);

/*
 * Append the comma-separated hosts of @list to @hs (duplicate names or
 * duplicate ADDR:PORT are rejected; at most TG_MAX_HOSTS).  On error
 * @hs is unchanged.  0, -EINVAL (@err says why) or -ENOMEM.
 */
int tg_hosts_add(struct tg_hosts *hs, const char *list, uint16_t port,
		 char *err, size_t errlen);

/* Hosts named h0..h(n-1) without addresses (for `matrix --nhosts`). */
int tg_hosts_anon(struct tg_hosts *hs, uint32_t n);

void tg_hosts_free(struct tg_hosts *hs);

/* "name (addr:port)" or just "name" when name == addr, into @buf. */
const char *tg_host_str(const struct tg_host *h, char *buf, size_t len);

#endif /* MIXNET_TRAFGEN_HOSTS_H */
