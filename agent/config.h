/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The region configuration of mixnet-agent: one INI file (parsed with
 * libinih) describing the region, its controller, every host and which
 * of them this agent is.  The same file (apart from [agent]) can be
 * shipped to every host.  Reference: Documentation/agent.md
 * "Configuration"; examples: Documentation/examples/.
 *
 * config_load() validates everything it can without touching the kernel:
 * syntax, types and ranges, uniqueness (names, addresses, keys, OCS
 * ports), cross references, and the key files this agent needs.  Every
 * error names file:line, the section and the key.
 */
#ifndef MIXNET_CONFIG_H
#define MIXNET_CONFIG_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "curve_keys.h"

#define CFG_NAME_MAX		64	/* region and host names, with NUL */
#define CFG_MAX_HOSTS		1024	/* no more than the ports of an OCS */
#define CFG_MAX_ALPHA		64	/* optical NICs per host */
#define CFG_ENDPOINT_MAX	256
#define CFG_MAX_ERRORS		16
#define CFG_ERR_LEN		320

enum cfg_role {
	CFG_ROLE_HOST = 1u << 0,
	CFG_ROLE_CONTROLLER = 1u << 1,
};

/* An IPv4 or IPv6 address (network byte order). */
struct cfg_addr {
	int family;		/* AF_INET or AF_INET6; 0 = unset */
	uint8_t a[16];		/* 4 or 16 bytes used */
};

/* One optical NIC of a host and where its fibres enter/leave the OCS. */
struct cfg_nic {
	char ifname[IF_NAMESIZE];
	uint32_t tx_port;	/* OCS port its transmit fibre enters */
	uint32_t rx_port;	/* OCS port its receive fibre leaves (= tx_port by default) */
	uint32_t numa;		/* locality group: parallel circuits are spread over groups */
	unsigned int line;
};

struct cfg_host {
	char name[CFG_NAME_MAX];
	struct cfg_addr fabric;	/* stable address on its mixnet device */
	struct cfg_addr mgmt;	/* source address of its agent's connection to the controller */
	char public_key[CURVE_KEY_Z85_LEN + 1];	/* Z85 */
	char electrical[IF_NAMESIZE];		/* its electrical lower */
	uint8_t electrical_nexthop[6];		/* where others send its electrical traffic */
	uint32_t alpha;		/* optical degree = noptical */
	uint32_t noptical;
	struct cfg_nic *optical;
	unsigned int line;	/* first line of its section */
};

struct config {
	char path[PATH_MAX];

	/* [region] */
	char region[CFG_NAME_MAX];
	uint32_t alpha;			/* optical NICs per host */
	uint32_t epoch_ms;		/* demand sampling period */
	double optical_gbps;		/* one circuit, each direction */
	double electrical_gbps;		/* one host's electrical fabric link */

	/* [controller] */
	char ctl_endpoint[CFG_ENDPOINT_MAX];	/* tcp://ADDR:PORT it binds, hosts connect to */
	char ctl_public_key[CURVE_KEY_Z85_LEN + 1];
	char ocs_path[PATH_MAX];	/* OCS character device */
	double hysteresis;		/* [0, 1): required relative gain to re-plan */
	uint32_t drain_timeout_ms;
	uint32_t confirm_timeout_ms;
	uint32_t demand_hold_ms;	/* submitted demand overrides measured this long */

	/* [agent]: which member this process is */
	unsigned int roles;		/* enum cfg_role bits */
	char host[CFG_NAME_MAX];	/* this host ("" for a controller-only agent) */
	int self;			/* index of @host in hosts[], -1 if none */
	char secret_key_file[PATH_MAX];
	char secret_key[CURVE_KEY_Z85_LEN + 1];	/* loaded, wiped by config_free */
	char control_socket[PATH_MAX];
	char demand_socket[PATH_MAX];
	mode_t demand_socket_mode;
	char demand_socket_group[CFG_NAME_MAX];	/* "" = the daemon's group */
	char device[IF_NAMESIZE];	/* this host's mixnet netdev */

	uint32_t nhosts;
	struct cfg_host *hosts;		/* in file order */
};

/* Errors of one config_load(), each "FILE:LINE: [SECTION] KEY: message". */
struct cfg_errors {
	unsigned int count;		/* errors found (may exceed what is kept) */
	char msg[CFG_MAX_ERRORS][CFG_ERR_LEN];
};

/* config_load() flags. */
#define CFG_LOAD_NO_SECRET	(1u << 0)	/* do not read [agent] secret_key_file */

/*
 * Load and validate @path.  Returns 0 with *out allocated, or -EINVAL
 * (invalid: @errs lists why), -ENOMEM, or -errno when the file cannot be
 * read (also in @errs).  Nothing is allocated on failure.  @flags:
 * CFG_LOAD_* (CFG_LOAD_NO_SECRET checks a file on a machine that does
 * not hold the agent's secret key; the result cannot run an agent).
 */
int config_load(const char *path, unsigned int flags, struct config **out,
		struct cfg_errors *errs);
void config_free(struct config *cfg);

/* Index of the host named @name, or -1. */
int config_host_index(const struct config *cfg, const char *name);
/* Index of the host whose fabric address is @addr, or -1. */
int config_host_by_fabric(const struct config *cfg, const struct cfg_addr *addr);
/* Index of @ifname among host @h's optical NICs, or -1. */
int config_nic_index(const struct config *cfg, uint32_t h, const char *ifname);

/* Address <-> text (inet_pton/inet_ntop).  0 or -EINVAL. */
int cfg_addr_parse(const char *s, struct cfg_addr *a);
const char *cfg_addr_str(const struct cfg_addr *a, char *buf, size_t len);
bool cfg_addr_eq(const struct cfg_addr *x, const struct cfg_addr *y);
/* Length of the address in bytes (4, 16, 0 when unset). */
size_t cfg_addr_len(const struct cfg_addr *a);

/* Default paths. */
#define CFG_DEFAULT_PATH		"/etc/mixnet/agent.ini"
#define CFG_DEFAULT_CONTROL_SOCKET	"/run/mixnet/control.sock"
#define CFG_DEFAULT_DEMAND_SOCKET	"/run/mixnet/demand.sock"

#endif /* MIXNET_CONFIG_H */
