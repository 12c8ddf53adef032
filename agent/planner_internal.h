/* SPDX-License-Identifier: GPL-2.0 */
/* The planner's workspace, shared by planner.c and planner_refine.c. */
#ifndef MIXNET_PLANNER_INTERNAL_H
#define MIXNET_PLANNER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <linux/mixnet.h>

/* 16 bytes: the first phase moves a lot of these around. */
struct pair {
	double d;	/* pair demand, both directions */
	uint32_t ij;	/* i << 16 | j, i < j: ascending ij = ascending (i, j) */
	uint32_t c;	/* circuits so far */
};

struct placed_pair {
	uint16_t i, j;
	double d;
};

struct planner {
	uint32_t nmax, amax;
	/* Algorithm 1 */
	struct pair *pairs;		/* nmax * (nmax - 1) / 2 */
	uint32_t *heap;			/* pairs with circuits, indexes */
	double *sample;			/* PLANNER_SAMPLES demands */
	struct pair *radix_tmp;		/* radix sort buffer ... */
	size_t radix_cap;		/* ... of this many pairs */
	struct placed_pair *placed;	/* pairs with >= 1 circuit */
	uint32_t *free_ports;		/* nmax */
	/* port assignment, per NIC (nmax * amax) */
	struct mixnet_xconnect *txmap;	/* {port, nic} sorted by port */
	struct mixnet_xconnect *rxmap;
	uint32_t *first;		/* nmax + 1: first NIC of each host */
	uint32_t *host;			/* host of each NIC */
	uint32_t *old_out, *old_in;	/* ports joined before (NONE) */
	uint32_t *old_peer;		/* NIC of the duplex circuit before */
	uint32_t *new_peer;		/* NIC of the duplex circuit after */
	uint32_t *row;			/* nmax: per-peer counter of one host */
	/* refinement */
	double *eps_out, *eps_in;	/* nmax: bytes on the EPS per server */
};

#endif /* MIXNET_PLANNER_INTERNAL_H */
