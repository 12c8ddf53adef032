// SPDX-License-Identifier: GPL-2.0
/* Host lists of mixnet-trafgen (see hosts.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hosts.h"

static int valid_name(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len >= TG_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
			return 0;
	}
	return 1;
}

static int parse_port(const char *s, uint16_t *port)
{
	unsigned long v = 0;
	const char *p;

	if (!*s || strlen(s) > 5)
		return -EINVAL;
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v == 0 || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

/* Numeric address @s (IPv4, or IPv6 when @v6) normalized into @out. */
static int norm_addr(const char *s, int v6, char *out)
{
	unsigned char bin[16];
	int af = v6 ? AF_INET6 : AF_INET;

	if (inet_pton(af, s, bin) != 1)
		return -EINVAL;
	return inet_ntop(af, bin, out, TG_ADDR_MAX) ? 0 : -EINVAL;
}

int tg_host_parse(const char *spec, uint16_t port, struct tg_host *h,
		  char *err, size_t errlen)
{
	char buf[TG_NAME_MAX + TG_ADDR_MAX + 16], *addr, *eq, *ps = NULL;
	struct tg_host t = { .port = port };
	int v6 = 0;

	if (!spec || !*spec) {
		snprintf(err, errlen, "empty host");
		return -EINVAL;
	}
	if (strlen(spec) >= sizeof(buf)) {
		snprintf(err, errlen, "'%.40s...': too long", spec);
		return -EINVAL;
	}
	strcpy(buf, spec);
	addr = buf;
	eq = strchr(buf, '=');
	if (eq) {
		*eq = '\0';
		if (!valid_name(buf, strlen(buf))) {
			snprintf(err, errlen, "'%s': bad host name '%s' (1-%d of A-Z a-z 0-9 . _ -)",
				 spec, buf, TG_NAME_MAX - 1);
			return -EINVAL;
		}
		strcpy(t.name, buf);
		addr = eq + 1;
	}
	if (*addr == '[') {
		char *close = strchr(addr, ']');

		if (!close) {
			snprintf(err, errlen, "'%s': missing ']'", spec);
			return -EINVAL;
		}
		*close = '\0';
		addr++;
		v6 = 1;
		if (close[1] == ':')
			ps = close + 2;
		else if (close[1]) {
			snprintf(err, errlen, "'%s': junk after ']'", spec);
			return -EINVAL;
		}
	} else {
		char *c = strchr(addr, ':');

		if (c && strchr(c + 1, ':')) {
			v6 = 1;		/* bare IPv6, no port */
		} else if (c) {
			*c = '\0';
			ps = c + 1;
		}
	}
	if (ps && parse_port(ps, &t.port)) {
		snprintf(err, errlen, "'%s': bad port '%s' (1-65535)", spec, ps);
		return -EINVAL;
	}
	if (norm_addr(addr, v6, t.addr)) {
		snprintf(err, errlen, "'%s': '%s' is not a numeric IPv%d address", spec, addr,
			 v6 ? 6 : 4);
		return -EINVAL;
	}
	if (!t.name[0])
		strcpy(t.name, t.addr);
	*h = t;
	return 0;
}

int tg_hosts_add(struct tg_hosts *hs, const char *list, uint16_t port,
		 char *err, size_t errlen)
{
	struct tg_host *all;
	char *copy, *tok, *save = NULL;
	uint32_t n = hs->n, i, cap = hs->n + 1;
	const char *c;
	int ret = 0;

	for (c = list ? list : ""; *c; c++)
		cap += *c == ',';
	if (cap > TG_MAX_HOSTS + 1)
		cap = TG_MAX_HOSTS + 1;
	copy = strdup(list ? list : "");
	all = malloc(sizeof(*all) * cap);
	if (!copy || !all) {
		free(copy);
		free(all);
		return -ENOMEM;
	}
	if (n)
		memcpy(all, hs->h, sizeof(*all) * n);
	if (!*copy) {
		snprintf(err, errlen, "empty host list");
		ret = -EINVAL;
	}
	for (tok = strtok_r(copy, ",", &save); tok && !ret; tok = strtok_r(NULL, ",", &save)) {
		struct tg_host h;

		if (n == TG_MAX_HOSTS) {
			snprintf(err, errlen, "more than %u hosts", TG_MAX_HOSTS);
			ret = -EINVAL;
			break;
		}
		ret = tg_host_parse(tok, port, &h, err, errlen);
		for (i = 0; i < n && !ret; i++) {
			if (!strcmp(all[i].name, h.name)) {
				snprintf(err, errlen, "'%s': host name '%s' given twice", tok, h.name);
				ret = -EINVAL;
			} else if (!strcmp(all[i].addr, h.addr) && all[i].port == h.port) {
				snprintf(err, errlen, "'%s': address %s port %u given twice (host '%s')",
					 tok, h.addr, h.port, all[i].name);
				ret = -EINVAL;
			}
		}
		if (!ret)
			all[n++] = h;
	}
	/* strtok_r skips empty tokens: ",," or a trailing comma is an error. */
	if (!ret && (strstr(list, ",,") || list[0] == ',' || list[strlen(list) - 1] == ',')) {
		snprintf(err, errlen, "'%s': empty entry in host list", list);
		ret = -EINVAL;
	}
	free(copy);
	if (ret) {
		free(all);
		return ret;
	}
	free(hs->h);
	hs->h = all;
	hs->n = n;
	return 0;
}

int tg_hosts_anon(struct tg_hosts *hs, uint32_t n)
{
	uint32_t i;

	if (n == 0 || n > TG_MAX_HOSTS)
		return -EINVAL;
	hs->h = calloc(n, sizeof(*hs->h));
	if (!hs->h)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		snprintf(hs->h[i].name, sizeof(hs->h[i].name), "h%u", i);
	hs->n = n;
	return 0;
}

void tg_hosts_free(struct tg_hosts *hs)
{
	free(hs->h);
	hs->h = NULL;
	hs->n = 0;
}

const char *tg_host_str(const struct tg_host *h, char *buf, size_t len)
{
	int v6 = strchr(h->addr, ':') != NULL;

	if (!h->addr[0])
		snprintf(buf, len, "%s", h->name);
	else if (!strcmp(h->name, h->addr))
		snprintf(buf, len, v6 ? "[%s]:%u" : "%s:%u", h->addr, h->port);
	else
		snprintf(buf, len, v6 ? "%s ([%s]:%u)" : "%s (%s:%u)", h->name, h->addr, h->port);
	return buf;
}
