/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Peer addresses as the sampler's maps store them: 16 bytes, IPv4 as the
 * IPv4-mapped IPv6 address ::ffff:a.b.c.d.  Parsing, printing, peer lists.
 */
#ifndef MIXNET_FLOWS_ADDR_H
#define MIXNET_FLOWS_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct flows_addr {
	uint8_t b[16];
};

/* Long enough for any address flows_addr_str() prints. */
#define FLOWS_ADDRSTRLEN 46

/*
 * Parse an IPv4 or IPv6 address (no prefix, no port).  The unspecified
 * address is rejected: all-zero marks free slots.  0 or -EINVAL.
 */
int flows_addr_parse(const char *s, struct flows_addr *a);
/* Print @b (16 bytes): dotted quad for IPv4-mapped, else IPv6.  Returns buf. */
const char *flows_addr_str(const uint8_t *b, char *buf, size_t len);
bool flows_addr_is_v4(const uint8_t *b);
bool flows_addr_is_zero(const uint8_t *b);
/* memcmp order, for qsort() and bsearch() on arrays of struct flows_addr. */
int flows_addr_cmp(const void *a, const void *b);

/*
 * A peer list: one address a line; blank lines and '#' comments ignored.
 * Appends to *@peers (realloc'ed, caller frees) and *@n.  On a bad line
 * returns -EINVAL with its number in *@bad_line; -errno on read errors.
 */
int flows_peers_read(FILE *f, struct flows_addr **peers, size_t *n, unsigned int *bad_line);

/*
 * Validate a peer set before it is applied: no unspecified address, no
 * duplicate (-EINVAL, *@bad = its index), at most @max peers (-E2BIG).
 */
int flows_peers_check(const struct flows_addr *peers, size_t n, size_t max, size_t *bad);

#endif /* MIXNET_FLOWS_ADDR_H */
