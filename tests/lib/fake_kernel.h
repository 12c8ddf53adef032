/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fake kernel parts for mixnet-agent daemons running in threads of one
 * process (tests/unit/test_daemon.c, tools/bench/agent_reconfig.c): an
 * OCS whose APPLY switches at once (no events), a fabric per host whose
 * discovery follows that OCS, and samplers that see no traffic.  None of
 * them takes time.  Shared by every daemon thread, so locked.
 *
 * The region is laid out as tests/unit/agent_fixture.h writes one: host
 * i's optical NIC k is "o{k}" on OCS port i * alpha + k (tx and rx), its
 * electrical lower is "e0", its fabric address 198.18.0.{i + 1}.
 */
#ifndef MIXNET_TEST_FAKE_KERNEL_H
#define MIXNET_TEST_FAKE_KERNEL_H

#include <stdint.h>

#include "backends.h"

#define FAKE_MAX_HOSTS 64
#define FAKE_MAX_PORTS MIXNET_OCS_MAX_PORTS

extern struct ocs_backend fake_ocs;
extern struct sampler_backend fake_sampler;

/*
 * A region of @nhosts hosts with @alpha optical NICs each: no
 * cross-connects, generation 0, no routes set.  0 or -EINVAL (too large).
 */
int fake_kernel_reset(uint32_t nhosts, uint32_t alpha);

/* Host @h's fabric (mixnet device and lowers). */
struct fabric_backend *fake_fabric(uint32_t h);

/* The RX port TX port @tx is cross-connected to, or -1. */
int32_t fake_ocs_rx(uint32_t tx);

/* How many times host @h was told to set a route. */
unsigned int fake_route_sets(uint32_t h);

#endif /* MIXNET_TEST_FAKE_KERNEL_H */
