/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Flow-level network for mixnet-sim: links with capacities, flows with a
 * fixed path and a size, rates by max-min fairness (progressive filling),
 * recomputed whenever flows arrive, finish or a capacity changes.  Only
 * the connected component (flows sharing links, transitively) touched by
 * a change is recomputed: max-min allocations decompose over components.
 *
 * Time is in seconds, sizes in bytes, rates in bytes per second.
 */
#ifndef MIXNET_SIM_NET_H
#define MIXNET_SIM_NET_H

#include <stdbool.h>
#include <stdint.h>

#define NET_MAX_PATH 6

struct net;

/* Called when a flow has delivered all its bytes, at time @t. */
typedef void (*net_done_fn)(void *user, uint32_t flow, uint64_t tag, double t);

struct net *net_new(net_done_fn done, void *user);
void net_free(struct net *net);

/* A link of @capacity bytes/s (> 0).  Returns its id. */
uint32_t net_add_link(struct net *net, double capacity);
/* Change a link's capacity at the current time (>= 0; 0 stalls its flows). */
void net_set_capacity(struct net *net, uint32_t link, double capacity);
double net_capacity(const struct net *net, uint32_t link);
uint32_t net_nlinks(const struct net *net);

/*
 * Start a flow of @bytes over @path (1..NET_MAX_PATH link ids) at time
 * @t (>= the network's current time).  @tag comes back in the done
 * callback.  A flow of 0 bytes completes at @t.  Returns the flow id
 * (ids are reused after completion), or UINT32_MAX on a bad path.
 */
uint32_t net_add_flow(struct net *net, double t, double bytes,
		      const uint32_t *path, uint32_t npath, uint64_t tag);

/* Time of the next flow completion (INFINITY if none will happen). */
double net_next_time(struct net *net);
/*
 * Move to time @t (>= now, <= net_next_time()), completing every flow
 * that finishes by then (within 1 ns) and calling back for each.
 */
void net_advance(struct net *net, double t);

double net_now(const struct net *net);
uint32_t net_active_flows(const struct net *net);
/* Current rate of an active flow, bytes/s. */
double net_flow_rate(const struct net *net, uint32_t flow);

/*
 * Benchmark baseline: recompute the rates of every active flow at every
 * change instead of only the affected component (same results, slower).
 */
void net_set_global(struct net *net, bool global);

/* Statistics for benchmarks and tests. */
struct net_stats {
	uint64_t flows;			/* flows started */
	uint64_t recomputes;		/* component recomputations */
	uint64_t recompute_flows;	/* flows visited by them */
	double delivered;		/* bytes delivered by completed flows */
	double max_link_excess;		/* max over recomputes of (sum of
					 * rates on a link) / capacity - 1 */
};
void net_stats(const struct net *net, struct net_stats *st);

#endif /* MIXNET_SIM_NET_H */
