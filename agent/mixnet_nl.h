/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Client of the "mixnet" generic netlink family (kmod/netlink.c): routes,
 * lower ports, device stats and events of mixnet routing devices.  One
 * handle is one libmnl socket; the family id and the events group are
 * resolved once, when the handle is opened.
 *
 * Functions return 0 or a negative errno.  When the kernel refused a
 * request, mixnet_nl_error_msg() has its extended-ack text.
 *
 * The message builders and parsers below the socket API need no socket:
 * the unit tests drive them directly.
 */
#ifndef MIXNET_NL_H
#define MIXNET_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/netlink.h>

#include <linux/mixnet.h>

struct mixnet_nl;

struct mixnet_nl_path {
	uint8_t kind;			/* enum mixnet_path_kind */
	uint32_t ifindex;		/* the lower */
	uint8_t lladdr[6];		/* peer (optical) or next hop (electrical) MAC */
	/* Output only (replies, events). */
	uint8_t origin;			/* enum mixnet_path_origin */
	bool live;
	bool has_age;
	uint32_t age_ms;
};

#define MIXNET_NL_MAX_PATHS	(MIXNET_MAX_OPTICAL_PATHS + 1)

struct mixnet_nl_route {
	uint32_t ifindex;		/* the mixnet device */
	int family;			/* AF_INET, AF_INET6, or AF_UNSPEC: the default entry */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} peer;
	unsigned int npaths;
	struct mixnet_nl_path paths[MIXNET_NL_MAX_PATHS];
	/* Output only. */
	uint32_t generation;
	uint8_t via;			/* enum mixnet_route_via */
	bool is_static;
	bool deleted;			/* events: the entry is gone */
};

struct mixnet_nl_port {
	uint32_t dev_ifindex;		/* the mixnet device */
	char dev_name[IF_NAMESIZE];
	uint32_t ifindex;		/* the lower */
	char name[IF_NAMESIZE];
	uint8_t role;			/* enum mixnet_port_role */
	bool carrier;
	bool confirmed;			/* a peer answered in this carrier period */
	uint8_t lladdr[6];
	bool peer_known;
	uint64_t peer_dev_id;
	uint8_t peer_lladdr[6];
	uint64_t hello_tx, hello_rx, hello_bad;
};

struct mixnet_nl_stats {
	uint64_t tx_optical_packets, tx_optical_bytes;
	uint64_t tx_electrical_packets, tx_electrical_bytes;
	uint64_t tx_dropped_noroute, tx_dropped;
	uint64_t rx_packets, rx_bytes;
	uint64_t fallbacks, hello_bad;
};

struct mixnet_nl_dev {
	uint32_t ifindex;
	char name[IF_NAMESIZE];
	uint64_t dev_id;
	uint32_t nroutes;
	uint32_t generation;
	struct mixnet_nl_stats stats;
};

struct mixnet_nl_event {
	uint8_t cmd;			/* MIXNET_CMD_EV_* */
	uint32_t ifindex;		/* the mixnet device */
	char name[IF_NAMESIZE];
	struct mixnet_nl_route route;	/* EV_ROUTE; EV_PATH_*: peer and one path */
	struct mixnet_nl_port port;	/* EV_FALLBACK: ifindex, name, peer */
};

/* ---- socket API ----------------------------------------------------------- */

/* -ENOENT when mixnet.ko is not loaded (no such family); *out is NULL on error. */
int mixnet_nl_open(struct mixnet_nl **out);
void mixnet_nl_close(struct mixnet_nl *nl);
/* Extended-ack text of the last refused request, or NULL. */
const char *mixnet_nl_error_msg(const struct mixnet_nl *nl);

#define MIXNET_NL_F_REPLACE	(1U << 0)	/* replace an existing entry's static paths */

/* Add (or with MIXNET_NL_F_REPLACE replace) a route's static paths. */
int mixnet_nl_route_add(struct mixnet_nl *nl, const struct mixnet_nl_route *r, unsigned int flags);
/* @r names the device and the peer (or the default entry); paths are ignored. */
int mixnet_nl_route_del(struct mixnet_nl *nl, const struct mixnet_nl_route *r);
int mixnet_nl_route_get(struct mixnet_nl *nl, const struct mixnet_nl_route *key,
			struct mixnet_nl_route *out);

typedef int (*mixnet_nl_route_cb)(const struct mixnet_nl_route *r, void *arg);
/*
 * Every route of one device, the default entry first.  -EINTR: the table
 * changed during the dump (entries may be missing or repeated); call
 * again.  A negative return of @cb stops the callbacks and is returned.
 */
int mixnet_nl_route_dump(struct mixnet_nl *nl, uint32_t ifindex, mixnet_nl_route_cb cb, void *arg);
/* A consistent snapshot (retries interrupted dumps); free *routes with free(). */
int mixnet_nl_route_list(struct mixnet_nl *nl, uint32_t ifindex,
			 struct mixnet_nl_route **routes, size_t *n);

int mixnet_nl_port_get(struct mixnet_nl *nl, uint32_t port_ifindex, struct mixnet_nl_port *out);
typedef int (*mixnet_nl_port_cb)(const struct mixnet_nl_port *p, void *arg);
/* Lowers of one mixnet device, or of every one in the namespace (@dev_ifindex 0). */
int mixnet_nl_port_dump(struct mixnet_nl *nl, uint32_t dev_ifindex, mixnet_nl_port_cb cb, void *arg);
/* The same as a consistent snapshot; free *ports with free(). */
int mixnet_nl_port_list(struct mixnet_nl *nl, uint32_t dev_ifindex,
			struct mixnet_nl_port **ports, size_t *n);
int mixnet_nl_port_set_role(struct mixnet_nl *nl, uint32_t port_ifindex, uint8_t role);

int mixnet_nl_dev_get(struct mixnet_nl *nl, uint32_t ifindex, struct mixnet_nl_dev *out);
typedef int (*mixnet_nl_dev_cb)(const struct mixnet_nl_dev *d, void *arg);
int mixnet_nl_dev_dump(struct mixnet_nl *nl, mixnet_nl_dev_cb cb, void *arg);

/*
 * Events.  Subscribe a handle used for nothing else, poll its fd, then
 * read: mixnet_nl_event_read() blocks for one datagram and calls @cb for
 * every event in it.  -ENOBUFS: events were lost (re-read state).
 */
int mixnet_nl_subscribe(struct mixnet_nl *nl);
int mixnet_nl_fd(const struct mixnet_nl *nl);
typedef int (*mixnet_nl_event_cb)(const struct mixnet_nl_event *ev, void *arg);
int mixnet_nl_event_read(struct mixnet_nl *nl, mixnet_nl_event_cb cb, void *arg);

/*
 * Send a request the caller built (see below; NLM_F_ACK is added) and wait
 * for the kernel's answer, discarding any data.  For tools and tests.
 */
int mixnet_nl_request(struct mixnet_nl *nl, struct nlmsghdr *nlh);
uint16_t mixnet_nl_family_id(const struct mixnet_nl *nl);

/* ---- messages (no socket) -------------------------------------------------- */

/* Room any request built below needs. */
#define MIXNET_NL_REQ_SIZE	8192

/*
 * Build a MIXNET_CMD_ROUTE_{NEW,DEL,GET} request for @r in @buf (at least
 * MIXNET_NL_REQ_SIZE bytes): NEW carries the paths and @flags
 * (MIXNET_NL_F_*), DEL and GET only the peer.  @nlm_flags: NLM_F_ACK
 * and/or NLM_F_DUMP (NLM_F_REQUEST is added).
 */
struct nlmsghdr *mixnet_nl_build_route(void *buf, uint16_t family_id, uint8_t cmd,
				       uint16_t nlm_flags, uint32_t seq,
				       const struct mixnet_nl_route *r, unsigned int flags);
struct nlmsghdr *mixnet_nl_build_port_set(void *buf, uint16_t family_id, uint32_t seq,
					  uint32_t port_ifindex, uint8_t role);
/* A request carrying only the device (0: none, e.g. for an all-device dump). */
struct nlmsghdr *mixnet_nl_build_dev_req(void *buf, uint16_t family_id, uint8_t cmd,
					 uint16_t nlm_flags, uint32_t seq, uint32_t ifindex);

/* Parse one message of the family; -EPROTO if it is malformed. */
int mixnet_nl_parse_route(const struct nlmsghdr *nlh, struct mixnet_nl_route *out);
int mixnet_nl_parse_port(const struct nlmsghdr *nlh, struct mixnet_nl_port *out);
int mixnet_nl_parse_dev(const struct nlmsghdr *nlh, struct mixnet_nl_dev *out);
int mixnet_nl_parse_event(const struct nlmsghdr *nlh, struct mixnet_nl_event *out);

/* The controller's answer about a family: its id and the id of group @group. */
int mixnet_nl_parse_family(const struct nlmsghdr *nlh, const char *group,
			   uint16_t *family_id, uint32_t *group_id);
/*
 * An NLMSG_ERROR (or NLMSG_DONE) message: *err gets the (negative) error,
 * @msg the extended-ack text ("" if none; a missing attribute is named).
 */
int mixnet_nl_parse_error(const struct nlmsghdr *nlh, int *err, char *msg, size_t msglen);

/* ---- text ------------------------------------------------------------------------ */

const char *mixnet_nl_kind_name(uint8_t kind);
const char *mixnet_nl_role_name(uint8_t role);
const char *mixnet_nl_origin_name(uint8_t origin);
const char *mixnet_nl_via_name(uint8_t via);
/* "optical"/"electrical" -> role; -EINVAL otherwise. */
int mixnet_nl_role_parse(const char *s, uint8_t *role);
/* Strict "xx:xx:xx:xx:xx:xx" (hex, either case); -EINVAL otherwise. */
int mixnet_nl_lladdr_parse(const char *s, uint8_t mac[6]);
/* @buf needs 18 bytes. */
char *mixnet_nl_lladdr_format(const uint8_t mac[6], char *buf);
/* "198.18.0.2", "2001:2::2" or "default" into @r (family and peer); -EINVAL otherwise. */
int mixnet_nl_peer_parse(const char *s, struct mixnet_nl_route *r);
/* @buf needs INET6_ADDRSTRLEN bytes. */
const char *mixnet_nl_peer_format(const struct mixnet_nl_route *r, char *buf, size_t len);

#endif /* MIXNET_NL_H */
