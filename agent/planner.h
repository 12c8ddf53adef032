/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The circuit planner: Algorithm 1 of the MixNet paper (server-pair demand
 * -> optical circuits per pair) and the port assignment that turns circuit
 * counts into OCS cross-connects.  One library used by the region
 * controller, `mixnet-agent plan`, the tests and tools/mixnet-sim, so what
 * is simulated is what is deployed.  Documentation/planner.md explains the
 * algorithm, the decisions below and the measured speed and quality.
 *
 * Memory: nothing here allocates behind the caller's back.  A struct
 * planner is a workspace sized once for a region of n servers
 * (planner_new); planner_run() and planner_assign_ports() then allocate
 * nothing, so a controller can plan every epoch, and the simulator every
 * MoE layer, without touching malloc.  Output arrays are the caller's.
 *
 * Thread safety: a workspace is used by one thread at a time; separate
 * workspaces are independent.
 */
#ifndef MIXNET_PLANNER_H
#define MIXNET_PLANNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/mixnet.h>

/* Largest region a workspace accepts (its memory is O(n^2)). */
#define PLANNER_MAX_SERVERS 4096u
/* Largest optical degree of one server (NICs cabled to the OCS). */
#define PLANNER_MAX_ALPHA 64u

/*
 * What to do when the bottleneck pair (largest estimated completion time)
 * cannot get another circuit because one of its servers has no free
 * optical port left.
 */
enum planner_saturated {
	/*
	 * Drop that pair for good (its server stays full) and keep giving
	 * circuits to the next pairs.  Default: it uses every port some
	 * demand can use; the paper's simulator does this.
	 */
	PLANNER_SKIP = 0,
	/*
	 * Stop planning (Algorithm 1 as printed).  Leaves ports dark that
	 * other pairs could have used; kept for comparison with the paper.
	 */
	PLANNER_STOP = 1,
};

/* What happens to optical ports still free once demand is served. */
enum planner_spare {
	/* Leave them dark (no circuit without demand).  Default. */
	PLANNER_SPARE_NONE = 0,
	/*
	 * Pair free ports up anyway, so future demand may find a circuit:
	 * first re-create circuits of @prev (so nothing lit goes dark for
	 * no reason), then give every server pair without a circuit one,
	 * then second ones ..., always in ascending (i, j) order.
	 */
	PLANNER_SPARE_FILL = 1,
};

struct planner_params {
	enum planner_saturated saturated;
	enum planner_spare spare;
	/*
	 * Optional, for PLANNER_SPARE_FILL: circuits per pair now
	 * established (n*n, symmetric, as planner_run() writes them).
	 * NULL = none.
	 */
	const uint32_t *prev;
	/*
	 * Optional: after Algorithm 1 (before spare filling), run
	 * planner_refine() with these rates.  Not part of the paper; see
	 * planner_refine().
	 */
	bool refine;
	double link_Bps;		/* one circuit, bytes/s per direction */
	const double *eps_Bps;		/* per server electrical bytes/s (> 0) */
};

/* Summary of one planner_run(). */
struct planner_stats {
	uint32_t circuits;		/* duplex circuits placed (sum over i<j) */
	uint32_t demand_circuits;	/* of which placed by Algorithm 1 */
	uint32_t spare_circuits;	/* of which placed by PLANNER_SPARE_FILL */
	uint32_t pairs;			/* server pairs with >= 1 circuit */
	uint32_t demand_pairs;		/* server pairs with demand > 0 */
	uint32_t uncovered_pairs;	/* pairs with demand but no circuit */
	uint32_t free_ports;		/* optical ports left dark */
	double uncovered_bytes;		/* demand of the uncovered pairs */
	/*
	 * Bottleneck estimate: max over pairs with circuits of
	 * pair demand / circuits (bytes per circuit; 0 if no such pair).
	 */
	double bottleneck;
	uint64_t steps;			/* heap top visits (for benchmarks) */
	uint32_t refine_moves;		/* circuits moved by the refinement */
};

struct planner;

/*
 * A workspace for regions of up to @n servers (1..PLANNER_MAX_SERVERS)
 * with up to @max_alpha optical NICs each (1..PLANNER_MAX_ALPHA; bounds
 * the port assignment).  NULL with errno EINVAL or ENOMEM.  Its memory is
 * about 28 bytes per server pair plus 40 bytes per NIC.
 */
struct planner *planner_new(uint32_t n, uint32_t max_alpha);
void planner_free(struct planner *pl);

/*
 * Algorithm 1.  Inputs, for n servers (n <= the workspace's size):
 *   demand[i*n + j]  bytes server i sends to server j (finite, >= 0); the
 *                    planner sums both directions; the diagonal is ignored
 *                    (traffic inside a server never needs a circuit).
 *   alpha[i]         optical degree of server i (<= the workspace's
 *                    max_alpha)
 * Output: circuits[i*n + j] = circuits[j*n + i] = duplex circuits between
 * i and j (caller's array of n*n; zero diagonal).
 *
 * Rule: every pair with demand starts with an infinite estimated
 * completion time T = D/0; repeatedly the pair with the largest T (ties:
 * larger pair demand D first, then smaller i, then smaller j) gets a
 * circuit if both servers have a free port, T becomes D/c.  A pair that
 * cannot is handled per @params->saturated.  So every pair with demand
 * gets one circuit (largest demand first) before any pair gets a second.
 *
 * Returns 0, or -EINVAL (bad n, alpha, demand value, params) or -E2BIG
 * (params->refine on more than PLANNER_REFINE_MAX_SERVERS), leaving
 * @circuits untouched.  @params and @stats may be NULL (defaults / not
 * wanted).  Allocates nothing.
 */
int planner_run(struct planner *pl, uint32_t n, const double *demand,
		const uint32_t *alpha, const struct planner_params *params,
		uint32_t *circuits, struct planner_stats *stats);

/*
 * The plan's per-pair bottleneck value used above: D / c (c >= 1), or
 * +infinity when c == 0 and D > 0, or 0 when D == 0.  Exposed so the
 * reference implementation in the tests uses the same arithmetic.
 */
double planner_pair_time(double pair_demand, uint32_t circuits);

/* Largest region planner_refine() accepts (its cost grows as n^3). */
#define PLANNER_REFINE_MAX_SERVERS 64u

/*
 * Improve a plan (circuits as planner_run() writes them) for
 * planner_estimate()'s all-to-all time, which Algorithm 1 does not
 * optimise: it insists on one circuit for every pair with demand before
 * any second one, so a lightly loaded server can end up with no circuit
 * at all while its pairs crowd its few electrical NICs, and heavy pairs
 * stay on one circuit while light ones hold ports.  Local search: while
 * the bottleneck of the estimate (a pair's circuits or a server's EPS
 * share) can be relieved by giving it one more circuit, taking a port
 * from another circuit of the same servers if none is free, and that
 * lowers (max time, then sum of all pair and server times), do the best
 * such move, or take a circuit away from the bottleneck pair if that is
 * better (its bytes may go faster over the EPS than over one circuit).
 * Never returns a worse plan; deterministic.
 *
 * Returns the number of circuits moved (>= 0), -EINVAL (bad rates or
 * plan), -E2BIG (n > PLANNER_REFINE_MAX_SERVERS).  Allocates nothing.
 */
int planner_refine(struct planner *pl, uint32_t n, const double *demand,
		   const uint32_t *alpha, uint32_t *circuits,
		   double link_Bps, const double *eps_Bps);

/* ---- completion time estimate (`mixnet-agent plan`, the simulator) ---- */

/*
 * Estimated all-to-all time of a directed demand matrix on a plan, under
 * the data-plane rule "a pair with circuits sends all its bytes over
 * them, any other pair uses the electrical fabric":
 *   optical    = max over pairs with c > 0 and both directions d of
 *                bytes(d) / (c * link_Bps)  (a duplex circuit carries
 *                link_Bps in each direction);
 *   electrical = max over servers of max(bytes sent, bytes received over
 *                the EPS) / eps_Bps[server], the EPS core assumed
 *                non-blocking;
 *   total      = max(optical, electrical) (both run concurrently).
 * Rates in bytes per second; @eps_Bps has one entry per server (NULL: no
 * EPS).  No EPS bandwidth for electrical bytes gives +infinity.
 */
struct planner_estimate {
	double optical_s;
	double electrical_s;
	double total_s;
	double optical_bytes;		/* bytes carried by circuits */
	double electrical_bytes;	/* bytes carried by the EPS */
};

void planner_estimate(uint32_t n, const double *demand, const uint32_t *circuits,
		      double link_Bps, const double *eps_Bps,
		      struct planner_estimate *est);

/* ---- port assignment ------------------------------------------------- */

/*
 * One optical NIC of a host and the OCS ports its fibres are plugged into.
 * Its transmit fibre enters the OCS at @tx, its receive fibre leaves at
 * @rx; on an OCS with one duplex port per NIC (mixnet's simulated OCS)
 * tx == rx.  @group is the NIC's NUMA node (or any locality class):
 * parallel circuits of one server pair are spread over groups.
 */
struct planner_nic {
	uint32_t tx;
	uint32_t rx;
	uint32_t group;
};

/*
 * The cabling map of a region: host h's optical NICs are
 * nics[first[h]] .. nics[first[h] + alpha[h] - 1] (first[] is the prefix
 * sum of alpha[]).  Every tx port appears once among all tx ports, every
 * rx port once among rx ports.
 */
struct planner_cabling {
	uint32_t n;			/* hosts */
	const uint32_t *alpha;		/* optical NICs per host */
	const struct planner_nic *nics;	/* sum(alpha) entries, host-major */
};

/* One duplex circuit as placed: host a's NIC na <-> host b's NIC nb. */
struct planner_circuit {
	uint32_t a, na;
	uint32_t b, nb;
	bool kept;		/* existed before on exactly these ports */
};

struct planner_assignment {
	/* In: caller's arrays and their capacities (entries). */
	struct mixnet_xconnect *xconnects;	/* 2 per circuit: a->b, b->a */
	uint32_t xconnects_cap;			/* >= sum(alpha) always suffices */
	struct planner_circuit *circuits;	/* may be NULL */
	uint32_t circuits_cap;			/* >= sum(alpha) / 2 suffices */
	/* Out. */
	uint32_t nxconnects;
	uint32_t ncircuits;
	uint32_t kept;		/* circuits left untouched */
	uint32_t added;		/* circuits newly set up */
	uint32_t removed;	/* previous circuits (of this region) dropped */
	/*
	 * OCS ports of the region whose cross-connect changes (as input or
	 * as output): the ports that go dark during the switch.
	 */
	uint32_t ports_changed;
	/*
	 * Previous cross-connects touching the region's ports without
	 * forming a duplex circuit between two of its hosts (half circuits,
	 * loops back to the same host, links to a foreign port): dropped,
	 * their ports counted in ports_changed.
	 */
	uint32_t stray;
	/*
	 * Previous cross-connects entirely on ports outside the cabling map
	 * (another region's slice of a shared OCS): ignored, never in the
	 * output; a caller applying with REPLACE must add them back.
	 */
	uint32_t foreign;
};

/*
 * Turn circuit counts (as planner_run() writes them, for cabling->n hosts)
 * into cross-connects, given the cross-connects established now (@cur,
 * @ncur; may be 0).  Keeps every established duplex circuit the plan still
 * wants on the same ports (fewest ports changed), then places the others:
 * for each new circuit of pair (a, b) it picks on each side the free NIC
 * whose group carries the fewest circuits of that pair so far, preferring
 * a NIC whose old circuit is being dropped (its port changes anyway) over
 * a dark one, then the lowest index.  Pairs are handled in ascending
 * (a, b) order, so the result is deterministic.
 *
 * Output order: circuits by (a, na), xconnects sorted by tx port.
 * Returns 0, or -EINVAL (bad cabling: a port used twice, a port that is
 * one NIC's tx and another's rx, UINT32_MAX as a port; circuits not
 * symmetric or exceeding a host's alpha; two established cross-connects
 * sharing a region port), -ENOSPC (an output array too small), -E2BIG
 * (cabling larger than the workspace).  On error *out's outputs are
 * unspecified.  Allocates nothing.
 */
int planner_assign_ports(struct planner *pl, const struct planner_cabling *cabling,
			 const uint32_t *circuits,
			 const struct mixnet_xconnect *cur, uint32_t ncur,
			 struct planner_assignment *out);

#endif /* MIXNET_PLANNER_H */
