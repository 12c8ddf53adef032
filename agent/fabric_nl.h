/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host agent's fabric backend (backends.h: struct fabric_backend) on
 * the mixnet generic netlink client (mixnet_nl.h): routes, lowers and
 * discovery events of this host's mixnet device.
 *
 * What the kernel does by itself shapes what the adapter does:
 * - discovery installs a *learned* optical path for every peer it hears on
 *   a circuit and the data path uses it; the agent sets *static* paths.  A
 *   static optical path needs the peer's MAC on that circuit, which only
 *   discovery knows: set_route takes it from the path discovery installed
 *   on that lower for that peer (a static path replaces the learned one
 *   on the same lower, keeping its confirmation, so nothing is disturbed);
 * - "route replace" keeps learned paths on lowers it does not name, so a
 *   drained circuit whose learned path was never replaced by a static one
 *   is left by the kernel only when its carrier drops (the switch);
 * - the peer fabric address behind an optical lower is read from the
 *   routing table: the peer of a live optical path on that lower.
 *
 * The pure parts below (no socket) are what the unit tests drive.
 */
#ifndef MIXNET_FABRIC_NL_H
#define MIXNET_FABRIC_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backends.h"
#include "config.h"
#include "mixnet_nl.h"

/* cfg_addr <-> the peer of a netlink route (family and address). */
void fabric_peer_to_route(const struct cfg_addr *a, struct mixnet_nl_route *r);
void fabric_peer_from_route(const struct mixnet_nl_route *r, struct cfg_addr *a);

/*
 * The route set_route asks for: static optical paths on @opt_ifindex
 * (@nopt lowers) with the MAC each one's peer has in @cur (the entry the
 * kernel holds now, NULL if none), plus the electrical path (lower
 * @el_ifindex, next hop @nexthop; none when @el_ifindex is 0).  Lowers
 * on which @cur has no path to the peer (discovery has not seen it there)
 * are left out and flagged in *@unknown (bit i for @opt_ifindex[i]).
 * @want's device and peer are set by the caller.  -E2BIG when @nopt is
 * more than MIXNET_MAX_OPTICAL_PATHS (nothing is dropped silently), else 0.
 */
int fabric_route_want(const struct mixnet_nl_route *cur, const uint32_t *opt_ifindex,
		      uint32_t nopt, uint32_t el_ifindex, const uint8_t *nexthop,
		      struct mixnet_nl_route *want, uint64_t *unknown);

/* Does @cur hold exactly @want's static paths (learned ones aside)? */
bool fabric_route_same(const struct mixnet_nl_route *cur, const struct mixnet_nl_route *want);

/*
 * The lowers of one device (@ports, @nports from a port dump) as the host
 * agent reports them: role, carrier, and for optical ones the peer
 * discovery confirmed in this carrier period (address from a live optical
 * path of @routes on that lower, preferring a region host's address; MAC
 * from the port).  Count, at most @max.
 */
int fabric_lowers_fill(const struct config *cfg, const struct mixnet_nl_port *ports,
		       size_t nports, const struct mixnet_nl_route *routes, size_t nroutes,
		       struct fabric_lower *out, uint32_t max);

/*
 * The optical paths the kernel routes over or was told to: every static
 * one and every live learned one, named by their lower (from @ports).
 * Count, at most @max.
 */
int fabric_paths_fill(const struct mixnet_nl_port *ports, size_t nports,
		      const struct mixnet_nl_route *routes, size_t nroutes,
		      struct fabric_path *out, uint32_t max);

#endif /* MIXNET_FABRIC_NL_H */
