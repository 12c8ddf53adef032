// SPDX-License-Identifier: GPL-2.0
/*
 * Region configuration: INI parsing with libinih, then validation (see
 * config.h, Documentation/agent.md "Configuration").
 *
 * libinih does not report line numbers to the handler in Debian's build,
 * so the file is fed through our own line reader (ini_parse_stream),
 * which counts lines and catches over-long ones.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <linux/mixnet.h>

#include "cli.h"
#include "config.h"

/*
 * Optical NICs per host: all may serve one peer, and a kernel route holds
 * at most MIXNET_MAX_OPTICAL_PATHS optical paths.
 */
#define CFG_MAX_OPTICAL		MIXNET_MAX_OPTICAL_PATHS
_Static_assert(CFG_MAX_OPTICAL <= CFG_MAX_ALPHA, "CFG_MAX_ALPHA sizes per-host arrays");

enum section_kind { SEC_NONE, SEC_REGION, SEC_CONTROLLER, SEC_AGENT, SEC_HOST, SEC_BAD };

/* Keys of each section; a bit each in the section's "seen" mask. */
enum {
	K_REGION_NAME, K_REGION_ALPHA, K_REGION_EPOCH, K_REGION_OGBPS, K_REGION_EGBPS,
};
enum {
	K_CTL_ENDPOINT, K_CTL_PUBKEY, K_CTL_PUBKEY_FILE, K_CTL_OCS, K_CTL_HYST,
	K_CTL_DRAIN, K_CTL_CONFIRM, K_CTL_HOLD,
};
enum {
	K_AG_ROLES, K_AG_HOST, K_AG_SECRET, K_AG_CONTROL, K_AG_DEMAND, K_AG_DEMAND_MODE,
	K_AG_DEMAND_GROUP, K_AG_DEVICE,
};
enum {
	K_H_FABRIC, K_H_MGMT, K_H_PUBKEY, K_H_PUBKEY_FILE, K_H_ELEC, K_H_NEXTHOP, K_H_OPTICAL,
	K_H_ALPHA,
};

struct host_seen {
	uint32_t seen;
	unsigned int alpha_line;
	bool alpha_set;
};

struct parse {
	struct config *cfg;
	struct cfg_errors *errs;
	FILE *f;
	char dir[PATH_MAX];		/* of the config file, for relative paths */
	unsigned int line;
	char *lbuf;
	size_t lcap;

	char section[128];		/* current section as written */
	bool new_header;		/* the reader passed a [section] line */
	unsigned int header_line;	/* ... on this line */
	enum section_kind kind;
	int host;			/* current host index (SEC_HOST) */

	uint32_t seen[SEC_HOST];	/* keys seen in the singleton sections */
	unsigned int sec_line[SEC_HOST];	/* first key line of each */
	struct host_seen *hseen;
	uint32_t hosts_cap;
	unsigned int key_line[SEC_HOST][16];	/* line of each singleton key */
};

static const char *const kind_name[] = {
	[SEC_REGION] = "region", [SEC_CONTROLLER] = "controller", [SEC_AGENT] = "agent",
};

static void add_err(struct parse *p, unsigned int line, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void add_err(struct parse *p, unsigned int line, const char *key, const char *fmt, ...)
{
	struct cfg_errors *e = p->errs;
	char msg[CFG_ERR_LEN / 2];
	va_list ap;
	int n = 0;
	char *out;

	if (!e)
		return;
	if (e->count++ >= CFG_MAX_ERRORS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	out = e->msg[e->count - 1];
	if (line)
		n = snprintf(out, CFG_ERR_LEN, "%s:%u: ", p->cfg->path, line);
	else
		n = snprintf(out, CFG_ERR_LEN, "%s: ", p->cfg->path);
	if (n < 0 || n >= CFG_ERR_LEN)
		return;
	if (p->section[0] || key)
		n += snprintf(out + n, CFG_ERR_LEN - n, "%s%s%s%s%s: ",
			      p->section[0] ? "[" : "", p->section, p->section[0] ? "]" : "",
			      p->section[0] && key ? " " : "", key ? key : "");
	if (n < CFG_ERR_LEN)
		snprintf(out + n, CFG_ERR_LEN - n, "%s", msg);
}

/* Errors about another section than the current one (validation). */
static void add_err_in(struct parse *p, const char *section, unsigned int line, const char *key,
		       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void add_err_in(struct parse *p, const char *section, unsigned int line, const char *key,
		       const char *fmt, ...)
{
	char saved[sizeof(p->section)], msg[CFG_ERR_LEN / 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	memcpy(saved, p->section, sizeof(saved));
	snprintf(p->section, sizeof(p->section), "%s", section);
	add_err(p, line, key, "%s", msg);
	memcpy(p->section, saved, sizeof(saved));
}

/* ---- value parsers ------------------------------------------------------ */

static bool valid_name(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n >= CFG_NAME_MAX || s[0] == '-' || s[0] == '.')
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return false;
	return true;
}

static bool valid_ifname(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n >= IF_NAMESIZE || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (i = 0; i < n; i++)
		if (s[i] == '/' || s[i] == ':' || isspace((unsigned char)s[i]) ||
		    !isprint((unsigned char)s[i]))
			return false;
	return true;
}

int cfg_addr_parse(const char *s, struct cfg_addr *a)
{
	struct cfg_addr t = { 0 };

	if (inet_pton(AF_INET, s, t.a) == 1)
		t.family = AF_INET;
	else if (inet_pton(AF_INET6, s, t.a) == 1)
		t.family = AF_INET6;
	else
		return -EINVAL;
	*a = t;
	return 0;
}

const char *cfg_addr_str(const struct cfg_addr *a, char *buf, size_t len)
{
	if (!a->family || !inet_ntop(a->family, a->a, buf, (socklen_t)len))
		snprintf(buf, len, "(none)");
	return buf;
}

size_t cfg_addr_len(const struct cfg_addr *a)
{
	return a->family == AF_INET ? 4 : a->family == AF_INET6 ? 16 : 0;
}

bool cfg_addr_eq(const struct cfg_addr *x, const struct cfg_addr *y)
{
	return x->family == y->family && x->family &&
	       !memcmp(x->a, y->a, cfg_addr_len(x));
}

static bool unusable_addr(const struct cfg_addr *a)
{
	static const uint8_t zero[16];

	/* The unspecified address and multicast cannot name a host. */
	if (!memcmp(a->a, zero, cfg_addr_len(a)))
		return true;
	if (a->family == AF_INET)
		return a->a[0] >= 224;
	return a->a[0] == 0xff;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char tail;
	int i;

	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &tail) != 6)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		if (!isxdigit((unsigned char)s[i * 3]) || !isxdigit((unsigned char)s[i * 3 + 1]))
			return -EINVAL;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

/*
 * "tcp://A.B.C.D:PORT" or "tcp://[IPV6]:PORT": an address both the
 * controller can bind and hosts can connect to (no wildcard, no names).
 */
static int check_endpoint(const char *s, const char **why)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *rest, *colon;
	struct cfg_addr a;
	uint32_t port;
	size_t hl;

	*why = "expected tcp://ADDRESS:PORT (IPv6 as [ADDRESS])";
	if (strncmp(s, "tcp://", 6) || strlen(s) >= CFG_ENDPOINT_MAX)
		return -EINVAL;
	rest = s + 6;
	if (*rest == '[') {
		const char *close = strchr(rest, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		hl = (size_t)(close - rest - 1);
		if (hl >= sizeof(host))
			return -EINVAL;
		memcpy(host, rest + 1, hl);
		host[hl] = '\0';
		colon = close + 1;
		if (cfg_addr_parse(host, &a) || a.family != AF_INET6)
			return -EINVAL;
	} else {
		colon = strrchr(rest, ':');
		if (!colon)
			return -EINVAL;
		hl = (size_t)(colon - rest);
		if (hl >= sizeof(host))
			return -EINVAL;
		memcpy(host, rest, hl);
		host[hl] = '\0';
		if (cfg_addr_parse(host, &a) || a.family != AF_INET)
			return -EINVAL;
	}
	if (unusable_addr(&a)) {
		*why = "the address must name one host (no wildcard or multicast)";
		return -EINVAL;
	}
	if (cli_parse_u32(colon + 1, 1, 65535, &port)) {
		*why = "port must be 1..65535";
		return -EINVAL;
	}
	return 0;
}

/* Absolute path, or relative to the configuration file's directory. */
static int resolve_path(struct parse *p, const char *v, char *out, size_t len)
{
	int n;

	if (!*v)
		return -EINVAL;
	if (v[0] == '/')
		n = snprintf(out, len, "%s", v);
	else
		n = snprintf(out, len, "%s/%s", p->dir, v);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int check_socket_path(const char *v)
{
	struct sockaddr_un sun;

	if (v[0] != '/' || strlen(v) >= sizeof(sun.sun_path))
		return -EINVAL;
	return 0;
}

/* ---- sections ----------------------------------------------------------- */

static bool take_key(struct parse *p, uint32_t *seen, int bit, const char *key, bool repeatable)
{
	if (!repeatable && (*seen & (1u << bit))) {
		add_err(p, p->line, key, "given twice");
		return false;
	}
	*seen |= 1u << bit;
	return true;
}

/* @key's index in @keys (n of them), or -1 (reported). */
static int lookup_key(struct parse *p, const char *key, const char *const *keys, int n)
{
	int k;

	for (k = 0; k < n; k++)
		if (!strcmp(key, keys[k]))
			return k;
	add_err(p, p->line, key, "unknown key");
	return -1;
}

#define LOOKUP_KEY(p, key, keys) lookup_key(p, key, keys, (int)(sizeof(keys) / sizeof(keys[0])))

/* A key of a singleton section, once only: its index, or -1 (reported). */
static int singleton_key(struct parse *p, enum section_kind sec, const char *key,
			 const char *const *keys, int n)
{
	int k = lookup_key(p, key, keys, n);

	if (k < 0 || !take_key(p, &p->seen[sec], k, key, false))
		return -1;
	p->key_line[sec][k] = p->line;
	return k;
}

#define SINGLETON_KEY(p, sec, key, keys) \
	singleton_key(p, sec, key, keys, (int)(sizeof(keys) / sizeof(keys[0])))

/* Store @v in @out (@len bytes) if @valid says it is one, else report it as not @what. */
static void checked_str(struct parse *p, const char *key, const char *v,
			bool (*valid)(const char *), const char *what, char *out, size_t len)
{
	if (!valid(v))
		add_err(p, p->line, key, "'%s' is not %s", v, what);
	else
		snprintf(out, len, "%s", v);
}

static void u32_key(struct parse *p, const char *key, const char *v, uint32_t min, uint32_t max,
		    uint32_t *out)
{
	int err = cli_parse_u32(v, min, max, out);

	if (err == -ERANGE)
		add_err(p, p->line, key, "'%s' out of range %u..%u", v, min, max);
	else if (err)
		add_err(p, p->line, key, "'%s' is not a decimal number", v);
}

static void double_key(struct parse *p, const char *key, const char *v, double min, double max,
		       bool max_open, double *out)
{
	double d;
	int err = cli_parse_double(v, min, max, &d);

	if (!err && max_open && d >= max)
		err = -ERANGE;
	if (err == -ERANGE)
		add_err(p, p->line, key, "'%s' out of range [%g, %g%c", v, min, max,
			max_open ? ')' : ']');
	else if (err)
		add_err(p, p->line, key, "'%s' is not a number", v);
	else
		*out = d;
}

static void region_key(struct parse *p, const char *key, const char *v)
{
	static const char *const keys[] = { "name", "alpha", "epoch_ms", "optical_gbps",
					     "electrical_gbps" };
	struct config *c = p->cfg;
	int k;

	k = SINGLETON_KEY(p, SEC_REGION, key, keys);
	if (k < 0)
		return;
	switch (k) {
	case K_REGION_NAME:
		checked_str(p, key, v, valid_name, "a valid name (1-63 of A-Z a-z 0-9 . _ -)",
			    c->region, sizeof(c->region));
		break;
	case K_REGION_ALPHA:
		u32_key(p, key, v, 1, CFG_MAX_OPTICAL, &c->alpha);
		break;
	case K_REGION_EPOCH:
		u32_key(p, key, v, 1, 3600000, &c->epoch_ms);
		break;
	case K_REGION_OGBPS:
		double_key(p, key, v, 0.001, 1e6, false, &c->optical_gbps);
		break;
	case K_REGION_EGBPS:
		double_key(p, key, v, 0.001, 1e6, false, &c->electrical_gbps);
		break;
	}
}

static void public_key_value(struct parse *p, const char *key, const char *v, bool file,
			     char out[CURVE_KEY_Z85_LEN + 1])
{
	uint8_t bin[CURVE_KEY_BIN_LEN];
	char path[PATH_MAX], why[128] = "";
	int err;

	if (!file) {
		if (curve_key_parse(v, bin))
			add_err(p, p->line, key, "not a 40-character Z85 CURVE public key");
		else
			memcpy(out, v, CURVE_KEY_Z85_LEN + 1);
		return;
	}
	if (resolve_path(p, v, path, sizeof(path))) {
		add_err(p, p->line, key, "path too long");
		return;
	}
	err = curve_key_read(path, 0, out, why, sizeof(why));
	if (err)
		add_err(p, p->line, key, "%s: %s", path, why[0] ? why : strerror(-err));
}

static void controller_key(struct parse *p, const char *key, const char *v)
{
	static const char *const keys[] = { "endpoint", "public_key", "public_key_file", "ocs",
					     "hysteresis", "drain_timeout_ms",
					     "confirm_timeout_ms", "demand_hold_ms" };
	struct config *c = p->cfg;
	const char *why;
	int k;

	k = SINGLETON_KEY(p, SEC_CONTROLLER, key, keys);
	if (k < 0)
		return;
	switch (k) {
	case K_CTL_ENDPOINT:
		if (check_endpoint(v, &why))
			add_err(p, p->line, key, "'%s': %s", v, why);
		else
			snprintf(c->ctl_endpoint, sizeof(c->ctl_endpoint), "%s", v);
		break;
	case K_CTL_PUBKEY:
	case K_CTL_PUBKEY_FILE:
		public_key_value(p, key, v, k == K_CTL_PUBKEY_FILE, c->ctl_public_key);
		break;
	case K_CTL_OCS:
		if (v[0] != '/' || strlen(v) >= sizeof(c->ocs_path))
			add_err(p, p->line, key, "'%s' is not an absolute path", v);
		else
			snprintf(c->ocs_path, sizeof(c->ocs_path), "%s", v);
		break;
	case K_CTL_HYST:
		double_key(p, key, v, 0, 1, true, &c->hysteresis);
		break;
	case K_CTL_DRAIN:
		u32_key(p, key, v, 1, 600000, &c->drain_timeout_ms);
		break;
	case K_CTL_CONFIRM:
		u32_key(p, key, v, 1, 600000, &c->confirm_timeout_ms);
		break;
	case K_CTL_HOLD:
		u32_key(p, key, v, 0, 3600000, &c->demand_hold_ms);
		break;
	}
}

static void roles_value(struct parse *p, const char *key, const char *v)
{
	char buf[128], *tok, *save = NULL;
	unsigned int roles = 0;

	snprintf(buf, sizeof(buf), "%s", v);
	for (tok = strtok_r(buf, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
		if (!strcmp(tok, "host")) {
			roles |= CFG_ROLE_HOST;
		} else if (!strcmp(tok, "controller")) {
			roles |= CFG_ROLE_CONTROLLER;
		} else {
			add_err(p, p->line, key, "unknown role '%s' (host, controller)", tok);
			return;
		}
	}
	if (!roles)
		add_err(p, p->line, key, "no role given (host, controller or both)");
	p->cfg->roles = roles;
}

static void agent_key(struct parse *p, const char *key, const char *v)
{
	static const char *const keys[] = { "roles", "host", "secret_key_file", "control_socket",
					     "demand_socket", "demand_socket_mode",
					     "demand_socket_group", "device" };
	struct config *c = p->cfg;
	char *end;
	unsigned long mode;
	int k;

	k = SINGLETON_KEY(p, SEC_AGENT, key, keys);
	if (k < 0)
		return;
	switch (k) {
	case K_AG_ROLES:
		roles_value(p, key, v);
		break;
	case K_AG_HOST:
		checked_str(p, key, v, valid_name, "a valid host name", c->host, sizeof(c->host));
		break;
	case K_AG_SECRET:
		if (resolve_path(p, v, c->secret_key_file, sizeof(c->secret_key_file)))
			add_err(p, p->line, key, "path too long");
		break;
	case K_AG_CONTROL:
	case K_AG_DEMAND:
		if (check_socket_path(v))
			add_err(p, p->line, key, "'%s' must be an absolute path of at most %zu bytes",
				v, sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
		else
			snprintf(k == K_AG_CONTROL ? c->control_socket : c->demand_socket,
				 PATH_MAX, "%s", v);
		break;
	case K_AG_DEMAND_MODE:
		errno = 0;
		mode = strtoul(v, &end, 8);
		if (!*v || *end || errno || mode > 0777 || !isdigit((unsigned char)*v))
			add_err(p, p->line, key, "'%s' is not an octal mode 0..0777", v);
		else
			c->demand_socket_mode = (mode_t)mode;
		break;
	case K_AG_DEMAND_GROUP:
		checked_str(p, key, v, valid_name, "a valid group name",
			    c->demand_socket_group, sizeof(c->demand_socket_group));
		break;
	case K_AG_DEVICE:
		checked_str(p, key, v, valid_ifname, "a valid interface name",
			    c->device, sizeof(c->device));
		break;
	}
}

/* "IFNAME port N [rx M] [numa K]" */
static void optical_value(struct parse *p, struct cfg_host *h, const char *key, const char *v)
{
	char buf[192], *tok[8], *save = NULL, *t;
	struct cfg_nic nic = { .line = p->line };
	bool have_port = false, have_rx = false, have_numa = false;
	int ntok = 0, i;
	void *grown;

	if (strlen(v) >= sizeof(buf)) {
		add_err(p, p->line, key, "value too long");
		return;
	}
	snprintf(buf, sizeof(buf), "%s", v);
	for (t = strtok_r(buf, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (ntok == 8) {
			add_err(p, p->line, key, "too many words (IFNAME port N [rx M] [numa K])");
			return;
		}
		tok[ntok++] = t;
	}
	if (ntok < 3 || ntok % 2 == 0) {
		add_err(p, p->line, key, "expected IFNAME port N [rx M] [numa K]");
		return;
	}
	if (!valid_ifname(tok[0])) {
		add_err(p, p->line, key, "'%s' is not a valid interface name", tok[0]);
		return;
	}
	snprintf(nic.ifname, sizeof(nic.ifname), "%s", tok[0]);
	for (i = 1; i < ntok; i += 2) {
		uint32_t *dst, max = MIXNET_OCS_MAX_PORTS - 1;
		bool *flag;

		if (!strcmp(tok[i], "port")) {
			dst = &nic.tx_port;
			flag = &have_port;
		} else if (!strcmp(tok[i], "rx")) {
			dst = &nic.rx_port;
			flag = &have_rx;
		} else if (!strcmp(tok[i], "numa")) {
			dst = &nic.numa;
			flag = &have_numa;
			max = 1023;
		} else {
			add_err(p, p->line, key, "unknown word '%s' (port, rx, numa)", tok[i]);
			return;
		}
		if (*flag) {
			add_err(p, p->line, key, "'%s' given twice", tok[i]);
			return;
		}
		*flag = true;
		if (cli_parse_u32(tok[i + 1], 0, max, dst)) {
			add_err(p, p->line, key, "%s '%s' is not a number in 0..%u", tok[i],
				tok[i + 1], max);
			return;
		}
	}
	if (!have_port) {
		add_err(p, p->line, key, "missing 'port N'");
		return;
	}
	if (!have_rx)
		nic.rx_port = nic.tx_port;
	if (h->noptical == CFG_MAX_OPTICAL) {
		add_err(p, p->line, key, "more than %u optical NICs (the most a kernel route holds)",
			CFG_MAX_OPTICAL);
		return;
	}
	grown = realloc(h->optical, (h->noptical + 1) * sizeof(*h->optical));
	if (!grown) {
		add_err(p, p->line, key, "out of memory");
		return;
	}
	h->optical = grown;
	h->optical[h->noptical++] = nic;
}

static void host_key(struct parse *p, const char *key, const char *v)
{
	static const char *const keys[] = { "fabric", "mgmt", "public_key", "public_key_file",
					     "electrical", "electrical_nexthop", "optical",
					     "alpha" };
	struct cfg_host *h = &p->cfg->hosts[p->host];
	struct host_seen *hs = &p->hseen[p->host];
	const char *a;
	int k;

	k = LOOKUP_KEY(p, key, keys);
	if (k < 0 || !take_key(p, &hs->seen, k, key, k == K_H_OPTICAL))
		return;
	switch (k) {
	case K_H_FABRIC:
		if (cfg_addr_parse(v, &h->fabric) || unusable_addr(&h->fabric))
			add_err(p, p->line, key, "'%s' is not a unicast IPv4 or IPv6 address", v);
		break;
	case K_H_MGMT:
		a = strncmp(v, "tcp://", 6) ? v : v + 6;
		if (cfg_addr_parse(a, &h->mgmt) || unusable_addr(&h->mgmt))
			add_err(p, p->line, key, "'%s' is not a unicast IPv4 or IPv6 address", v);
		break;
	case K_H_PUBKEY:
	case K_H_PUBKEY_FILE:
		public_key_value(p, key, v, k == K_H_PUBKEY_FILE, h->public_key);
		break;
	case K_H_ELEC:
		checked_str(p, key, v, valid_ifname, "a valid interface name",
			    h->electrical, sizeof(h->electrical));
		break;
	case K_H_NEXTHOP:
		if (parse_mac(v, h->electrical_nexthop))
			add_err(p, p->line, key, "'%s' is not a MAC address (xx:xx:xx:xx:xx:xx)", v);
		else if (h->electrical_nexthop[0] & 1)
			add_err(p, p->line, key, "'%s' is a multicast address", v);
		break;
	case K_H_OPTICAL:
		optical_value(p, h, key, v);
		break;
	case K_H_ALPHA:
		hs->alpha_line = p->line;
		hs->alpha_set = true;
		u32_key(p, key, v, 1, CFG_MAX_OPTICAL, &h->alpha);
		break;
	}
}

static int new_host(struct parse *p, const char *name)
{
	struct config *c = p->cfg;
	uint32_t i;

	if (!valid_name(name)) {
		add_err(p, p->header_line, NULL, "'%s' is not a valid host name", name);
		return -1;
	}
	for (i = 0; i < c->nhosts; i++) {
		if (!strcmp(c->hosts[i].name, name)) {
			add_err(p, p->header_line, NULL, "host '%s' already defined at line %u", name,
				c->hosts[i].line);
			return -1;
		}
	}
	if (c->nhosts == CFG_MAX_HOSTS) {
		add_err(p, p->line, NULL, "more than %u hosts", CFG_MAX_HOSTS);
		return -1;
	}
	if (c->nhosts == p->hosts_cap) {
		uint32_t cap = p->hosts_cap ? p->hosts_cap * 2 : 16;
		struct cfg_host *h = realloc(c->hosts, cap * sizeof(*h));
		struct host_seen *s;

		if (!h)
			return -1;
		c->hosts = h;
		s = realloc(p->hseen, cap * sizeof(*s));
		if (!s)
			return -1;
		p->hseen = s;
		p->hosts_cap = cap;
	}
	memset(&c->hosts[c->nhosts], 0, sizeof(c->hosts[0]));
	memset(&p->hseen[c->nhosts], 0, sizeof(p->hseen[0]));
	snprintf(c->hosts[c->nhosts].name, CFG_NAME_MAX, "%s", name);
	c->hosts[c->nhosts].line = p->header_line;
	return (int)c->nhosts++;
}

/* A key of a section different from the previous key's: classify it. */
static void enter_section(struct parse *p, const char *section)
{
	static const enum section_kind single[] = { SEC_REGION, SEC_CONTROLLER, SEC_AGENT };
	size_t i;

	snprintf(p->section, sizeof(p->section), "%s", section);
	p->kind = SEC_BAD;
	for (i = 0; i < sizeof(single) / sizeof(single[0]); i++) {
		if (strcmp(section, kind_name[single[i]]))
			continue;
		if (p->sec_line[single[i]]) {
			add_err(p, p->header_line, NULL, "section given twice (first at line %u)",
				p->sec_line[single[i]]);
			return;
		}
		p->sec_line[single[i]] = p->header_line;
		p->kind = single[i];
		return;
	}
	if (!strncmp(section, "host", 4) && (section[4] == ' ' || section[4] == '\t')) {
		const char *name = section + 5;

		while (*name == ' ' || *name == '\t')
			name++;
		p->host = new_host(p, name);
		if (p->host >= 0)
			p->kind = SEC_HOST;
		return;
	}
	if (!section[0])
		add_err(p, p->line, NULL, "key outside any section");
	else
		add_err(p, p->header_line, NULL,
			"unknown section (region, controller, agent, host NAME)");
}

static int ini_handler_fn(void *user, const char *section, const char *name, const char *value)
{
	struct parse *p = user;

	/* Keys before any [section] are reported at their own line. */
	if (!section[0])
		p->header_line = p->line;
	if (p->new_header || strcmp(section, p->section) || p->kind == SEC_NONE)
		enter_section(p, section);
	p->new_header = false;
	switch (p->kind) {
	case SEC_REGION:
		region_key(p, name, value);
		break;
	case SEC_CONTROLLER:
		controller_key(p, name, value);
		break;
	case SEC_AGENT:
		agent_key(p, name, value);
		break;
	case SEC_HOST:
		host_key(p, name, value);
		break;
	default:
		break;	/* the section's error was reported once */
	}
	return 1;	/* keep going: report every error in one run */
}

/* fgets-like reader for ini_parse_stream that counts lines. */
static char *ini_reader_fn(char *str, int num, void *stream)
{
	struct parse *p = stream;
	ssize_t n = getline(&p->lbuf, &p->lcap, p->f);

	if (n < 0)
		return NULL;
	p->line++;
	if ((size_t)n != strlen(p->lbuf)) {
		add_err_in(p, "", p->line, NULL, "%s", "NUL byte in line");
		snprintf(str, (size_t)num, "\n");
	} else if (n >= num - 1) {
		char msg[64];

		snprintf(msg, sizeof(msg), "line longer than %d characters", num - 3);
		add_err_in(p, "", p->line, NULL, "%s", msg);
		snprintf(str, (size_t)num, "\n");
	} else {
		const char *t = p->lbuf;

		memcpy(str, p->lbuf, (size_t)n + 1);
		while (*t == ' ' || *t == '\t')
			t++;
		if (*t == '[') {
			p->new_header = true;
			p->header_line = p->line;
		}
	}
	return str;
}

/* ---- validation after parsing ------------------------------------------ */

static void missing(struct parse *p, enum section_kind k, const char *key)
{
	if (!p->sec_line[k])
		add_err_in(p, kind_name[k], 0, key, "%s", "missing (and the section is absent)");
	else
		add_err_in(p, kind_name[k], p->sec_line[k], key, "%s", "missing");
}

static void host_err(struct parse *p, const struct cfg_host *h, unsigned int line, const char *key,
		     const char *msg)
{
	char sec[CFG_NAME_MAX + 8];

	snprintf(sec, sizeof(sec), "host %s", h->name);
	add_err_in(p, sec, line ? line : h->line, key, "%s", msg);
}

static void validate_hosts(struct parse *p)
{
	struct config *c = p->cfg;
	char msg[200];
	uint32_t i, j, a, b;

	for (i = 0; i < c->nhosts; i++) {
		struct cfg_host *h = &c->hosts[i];
		struct host_seen *hs = &p->hseen[i];

		if (!(hs->seen & (1u << K_H_FABRIC)))
			host_err(p, h, 0, "fabric", "missing");
		if (!(hs->seen & (1u << K_H_MGMT)))
			host_err(p, h, 0, "mgmt", "missing");
		if (!(hs->seen & (1u << K_H_PUBKEY)) && !(hs->seen & (1u << K_H_PUBKEY_FILE)))
			host_err(p, h, 0, "public_key", "missing (public_key or public_key_file)");
		if ((hs->seen & (1u << K_H_PUBKEY)) && (hs->seen & (1u << K_H_PUBKEY_FILE)))
			host_err(p, h, 0, "public_key", "give public_key or public_key_file, not both");
		if (!(hs->seen & (1u << K_H_ELEC)))
			host_err(p, h, 0, "electrical", "missing");
		if (!(hs->seen & (1u << K_H_NEXTHOP)))
			host_err(p, h, 0, "electrical_nexthop", "missing");
		if (!h->noptical)
			host_err(p, h, 0, "optical", "missing (one line per optical NIC)");

		if (hs->alpha_set) {
			if (h->alpha && h->alpha != h->noptical) {
				snprintf(msg, sizeof(msg), "%u but %u optical NICs are listed",
					 h->alpha, h->noptical);
				host_err(p, h, hs->alpha_line, "alpha", msg);
			}
		} else if (c->alpha && h->noptical && h->noptical != c->alpha) {
			snprintf(msg, sizeof(msg),
				 "%u optical NICs but [region] alpha = %u (set alpha = %u here for a degraded host)",
				 h->noptical, c->alpha, h->noptical);
			host_err(p, h, 0, "optical", msg);
		}
		h->alpha = h->noptical;

		for (a = 0; a < h->noptical; a++) {
			if (!strcmp(h->optical[a].ifname, h->electrical)) {
				snprintf(msg, sizeof(msg), "%s is also the electrical lower",
					 h->optical[a].ifname);
				host_err(p, h, h->optical[a].line, "optical", msg);
			}
			for (b = 0; b < a; b++)
				if (!strcmp(h->optical[a].ifname, h->optical[b].ifname)) {
					snprintf(msg, sizeof(msg), "%s listed twice (line %u)",
						 h->optical[a].ifname, h->optical[b].line);
					host_err(p, h, h->optical[a].line, "optical", msg);
				}
		}

		for (j = 0; j < i; j++) {
			struct cfg_host *o = &c->hosts[j];

			if (h->fabric.family && cfg_addr_eq(&h->fabric, &o->fabric)) {
				snprintf(msg, sizeof(msg), "same address as host %s", o->name);
				host_err(p, h, 0, "fabric", msg);
			}
			/* Shared mgmt addresses are fine: keys tell hosts apart. */
			if (h->public_key[0] && !strcmp(h->public_key, o->public_key)) {
				snprintf(msg, sizeof(msg), "same key as host %s (each host needs its own)",
					 o->name);
				host_err(p, h, 0, "public_key", msg);
			}
		}
	}

	/*
	 * OCS ports: each TX port is one NIC's, each RX port one NIC's, and a
	 * port is not one NIC's TX and another NIC's RX.  Quadratic in NICs
	 * only through the port table, which is bounded.
	 */
	{
		static const uint32_t none = UINT32_MAX;
		uint32_t *tx_owner, *rx_owner;	/* global NIC index per port */
		uint32_t g = 0, total = 0;

		for (i = 0; i < c->nhosts; i++)
			total += c->hosts[i].noptical;
		tx_owner = malloc(MIXNET_OCS_MAX_PORTS * sizeof(*tx_owner));
		rx_owner = malloc(MIXNET_OCS_MAX_PORTS * sizeof(*rx_owner));
		if (!tx_owner || !rx_owner) {
			free(tx_owner);
			free(rx_owner);
			add_err(p, 0, NULL, "out of memory");
			return;
		}
		for (i = 0; i < MIXNET_OCS_MAX_PORTS; i++)
			tx_owner[i] = rx_owner[i] = none;
		(void)total;
		for (i = 0; i < c->nhosts; i++) {
			struct cfg_host *h = &c->hosts[i];

			for (a = 0; a < h->noptical; a++, g++) {
				struct cfg_nic *n = &h->optical[a];

				if (tx_owner[n->tx_port] != none) {
					snprintf(msg, sizeof(msg), "OCS port %u is already cabled (tx)",
						 n->tx_port);
					host_err(p, h, n->line, "optical", msg);
				}
				if (rx_owner[n->rx_port] != none) {
					snprintf(msg, sizeof(msg), "OCS port %u is already cabled (rx)",
						 n->rx_port);
					host_err(p, h, n->line, "optical", msg);
				}
				tx_owner[n->tx_port] = g;
				rx_owner[n->rx_port] = g;
			}
		}
		g = 0;
		for (i = 0; i < c->nhosts; i++) {
			struct cfg_host *h = &c->hosts[i];

			for (a = 0; a < h->noptical; a++, g++) {
				struct cfg_nic *n = &h->optical[a];

				if ((rx_owner[n->tx_port] != none && rx_owner[n->tx_port] != g) ||
				    (tx_owner[n->rx_port] != none && tx_owner[n->rx_port] != g)) {
					snprintf(msg, sizeof(msg),
						 "OCS port shared with another NIC (a port is one NIC's tx and rx)");
					host_err(p, h, n->line, "optical", msg);
				}
			}
		}
		free(tx_owner);
		free(rx_owner);
	}
}

static void validate(struct parse *p, unsigned int flags)
{
	struct config *c = p->cfg;
	char why[160] = "", pub[CURVE_KEY_Z85_LEN + 1];
	uint32_t *seen = p->seen;
	int err;

	p->section[0] = '\0';
	if (!(seen[SEC_REGION] & (1u << K_REGION_NAME)))
		missing(p, SEC_REGION, "name");
	if (!(seen[SEC_REGION] & (1u << K_REGION_ALPHA)))
		missing(p, SEC_REGION, "alpha");
	if (!(seen[SEC_CONTROLLER] & (1u << K_CTL_ENDPOINT)))
		missing(p, SEC_CONTROLLER, "endpoint");
	if (!(seen[SEC_CONTROLLER] & ((1u << K_CTL_PUBKEY) | (1u << K_CTL_PUBKEY_FILE))))
		missing(p, SEC_CONTROLLER, "public_key");
	if ((seen[SEC_CONTROLLER] & (1u << K_CTL_PUBKEY)) &&
	    (seen[SEC_CONTROLLER] & (1u << K_CTL_PUBKEY_FILE)))
		add_err_in(p, "controller", p->key_line[SEC_CONTROLLER][K_CTL_PUBKEY_FILE],
			   "public_key_file", "%s", "give public_key or public_key_file, not both");
	if (!(seen[SEC_AGENT] & (1u << K_AG_ROLES)))
		missing(p, SEC_AGENT, "roles");
	if (!(seen[SEC_AGENT] & (1u << K_AG_SECRET)))
		missing(p, SEC_AGENT, "secret_key_file");
	if (!c->nhosts)
		add_err(p, 0, NULL, "no [host NAME] section: a region needs its hosts");

	validate_hosts(p);

	c->self = c->host[0] ? config_host_index(c, c->host) : -1;
	if (c->host[0] && c->self < 0)
		add_err_in(p, "agent", p->key_line[SEC_AGENT][K_AG_HOST], "host",
			   "no [host %s] section", c->host);
	if ((c->roles & CFG_ROLE_HOST) && !c->host[0] && (seen[SEC_AGENT] & (1u << K_AG_ROLES)))
		add_err_in(p, "agent", p->key_line[SEC_AGENT][K_AG_ROLES], "host", "%s",
			   "role 'host' needs 'host = NAME'");

	/* The secret key must be ours: it has to match the public key others know. */
	if (c->secret_key_file[0] && !(flags & CFG_LOAD_NO_SECRET)) {
		unsigned int line = p->key_line[SEC_AGENT][K_AG_SECRET];

		err = curve_key_read(c->secret_key_file, 1, c->secret_key, why, sizeof(why));
		if (err) {
			add_err_in(p, "agent", line, "secret_key_file", "%s: %s", c->secret_key_file,
				   why[0] ? why : strerror(-err));
		} else if (curve_public_of(c->secret_key, pub)) {
			add_err_in(p, "agent", line, "secret_key_file", "%s", "not a valid secret key");
		} else {
			if ((c->roles & CFG_ROLE_HOST) && c->self >= 0 &&
			    c->hosts[c->self].public_key[0] &&
			    strcmp(pub, c->hosts[c->self].public_key))
				add_err_in(p, "agent", line, "secret_key_file",
					   "does not match the public key of [host %s]", c->host);
			if ((c->roles & CFG_ROLE_CONTROLLER) && c->ctl_public_key[0] &&
			    strcmp(pub, c->ctl_public_key))
				add_err_in(p, "agent", line, "secret_key_file", "%s",
					   "does not match [controller] public key");
		}
		curve_key_wipe(pub, sizeof(pub));
	}
}

static void set_defaults(struct config *c)
{
	c->epoch_ms = 100;
	c->optical_gbps = 100;
	c->electrical_gbps = 100;
	snprintf(c->ocs_path, sizeof(c->ocs_path), "/dev/mixnet/ocs0");
	c->hysteresis = 0.1;
	c->drain_timeout_ms = 200;
	c->confirm_timeout_ms = 5000;
	c->demand_hold_ms = 1000;
	c->self = -1;
	snprintf(c->control_socket, sizeof(c->control_socket), "%s", CFG_DEFAULT_CONTROL_SOCKET);
	snprintf(c->demand_socket, sizeof(c->demand_socket), "%s", CFG_DEFAULT_DEMAND_SOCKET);
	c->demand_socket_mode = 0660;
	snprintf(c->device, sizeof(c->device), "mixnet0");
}

int config_load(const char *path, unsigned int flags, struct config **out,
		struct cfg_errors *errs)
{
	struct cfg_errors local;
	struct parse p = { 0 };
	struct config *c;
	char *slash;
	int rc;

	if (!errs)
		errs = &local;
	memset(errs, 0, sizeof(*errs));
	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	p.cfg = c;
	p.errs = errs;
	set_defaults(c);
	snprintf(c->path, sizeof(c->path), "%s", path);
	snprintf(p.dir, sizeof(p.dir), "%s", path);
	slash = strrchr(p.dir, '/');
	if (slash)
		*(slash == p.dir ? slash + 1 : slash) = '\0';
	else
		snprintf(p.dir, sizeof(p.dir), ".");

	p.f = fopen(path, "re");
	if (!p.f) {
		rc = -errno;
		add_err(&p, 0, NULL, "%s", strerror(-rc));
		config_free(c);
		return rc;
	}
	/* Continuation lines would silently glue values together: off. */
	ini_allow_multiline = false;
	rc = ini_parse_stream(ini_reader_fn, &p, ini_handler_fn, &p);
	if (ferror(p.f))
		add_err(&p, 0, NULL, "read error");
	fclose(p.f);
	free(p.lbuf);
	if (rc > 0)
		add_err_in(&p, "", (unsigned int)rc, NULL, "%s",
			   "syntax error (expected [section], key = value, or a comment)");
	else if (rc < 0)
		add_err(&p, 0, NULL, "out of memory");
	validate(&p, flags);
	free(p.hseen);
	if (errs->count) {
		config_free(c);
		return -EINVAL;
	}
	*out = c;
	return 0;
}

void config_free(struct config *cfg)
{
	uint32_t i;

	if (!cfg)
		return;
	for (i = 0; i < cfg->nhosts; i++)
		free(cfg->hosts[i].optical);
	free(cfg->hosts);
	curve_key_wipe(cfg->secret_key, sizeof(cfg->secret_key));
	free(cfg);
}

int config_host_index(const struct config *cfg, const char *name)
{
	uint32_t i;

	for (i = 0; i < cfg->nhosts; i++)
		if (!strcmp(cfg->hosts[i].name, name))
			return (int)i;
	return -1;
}

int config_host_by_fabric(const struct config *cfg, const struct cfg_addr *addr)
{
	uint32_t i;

	for (i = 0; i < cfg->nhosts; i++)
		if (cfg_addr_eq(&cfg->hosts[i].fabric, addr))
			return (int)i;
	return -1;
}

int config_nic_index(const struct config *cfg, uint32_t h, const char *ifname)
{
	uint32_t i;

	if (h >= cfg->nhosts)
		return -1;
	for (i = 0; i < cfg->hosts[h].noptical; i++)
		if (!strcmp(cfg->hosts[h].optical[i].ifname, ifname))
			return (int)i;
	return -1;
}
