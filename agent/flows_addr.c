// SPDX-License-Identifier: GPL-2.0
/* Peer addresses in the sampler's 16-byte form (see flows_addr.h). */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "flows_addr.h"

static const uint8_t v4_mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

bool flows_addr_is_v4(const uint8_t *b)
{
	return !memcmp(b, v4_mapped_prefix, sizeof(v4_mapped_prefix));
}

bool flows_addr_is_zero(const uint8_t *b)
{
	static const uint8_t zero[16];

	return !memcmp(b, zero, sizeof(zero));
}

int flows_addr_parse(const char *s, struct flows_addr *a)
{
	struct flows_addr t;
	struct in_addr v4;

	if (!s)
		return -EINVAL;
	if (inet_pton(AF_INET, s, &v4) == 1) {
		memcpy(t.b, v4_mapped_prefix, sizeof(v4_mapped_prefix));
		memcpy(t.b + 12, &v4, 4);
		if (v4.s_addr == 0)
			return -EINVAL;
	} else if (inet_pton(AF_INET6, s, t.b) != 1 || flows_addr_is_zero(t.b)) {
		return -EINVAL;
	}
	*a = t;
	return 0;
}

const char *flows_addr_str(const uint8_t *b, char *buf, size_t len)
{
	const char *r;

	if (flows_addr_is_v4(b))
		r = inet_ntop(AF_INET, b + 12, buf, len);
	else
		r = inet_ntop(AF_INET6, b, buf, len);
	if (!r && len)
		buf[0] = '\0';
	return buf;
}

int flows_addr_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct flows_addr));
}

int flows_peers_read(FILE *f, struct flows_addr **peers, size_t *n, unsigned int *bad_line)
{
	char *line = NULL, *s, *e;
	unsigned int lineno = 0;
	size_t cap = 0;
	int err = 0;

	while (getline(&line, &cap, f) >= 0) {
		struct flows_addr a, *np;

		lineno++;
		s = line;
		if ((e = strchr(s, '#')))
			*e = '\0';
		while (isspace((unsigned char)*s))
			s++;
		e = s + strlen(s);
		while (e > s && isspace((unsigned char)e[-1]))
			*--e = '\0';
		if (!*s)
			continue;
		if (flows_addr_parse(s, &a)) {
			*bad_line = lineno;
			err = -EINVAL;
			break;
		}
		np = realloc(*peers, (*n + 1) * sizeof(**peers));
		if (!np) {
			err = -ENOMEM;
			break;
		}
		*peers = np;
		np[(*n)++] = a;
	}
	if (!err && ferror(f))
		err = -EIO;
	free(line);
	return err;
}

int flows_peers_check(const struct flows_addr *peers, size_t n, size_t max, size_t *bad)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		if (flows_addr_is_zero(peers[i].b)) {
			*bad = i;
			return -EINVAL;
		}
		/* peer sets are small (a region): quadratic is fine, no copy */
		for (j = 0; j < i; j++) {
			if (!flows_addr_cmp(&peers[i], &peers[j])) {
				*bad = i;
				return -EINVAL;
			}
		}
	}
	if (n > max) {
		*bad = max;
		return -E2BIG;
	}
	return 0;
}
