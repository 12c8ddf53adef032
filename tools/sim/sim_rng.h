/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Deterministic random numbers for mixnet-sim.  Every random quantity is
 * drawn from a stream seeded by a hash of (seed, what it is for), never
 * from a shared sequence, so results do not depend on event order.
 */
#ifndef MIXNET_SIM_RNG_H
#define MIXNET_SIM_RNG_H

#include <math.h>
#include <stdint.h>

struct rng {
	uint64_t s;
};

static inline uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* A stream for (seed, a, b, c, d). */
static inline struct rng rng_for(uint64_t seed, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
	uint64_t x = seed;
	struct rng r;

	x ^= splitmix64(&x) + a;
	x ^= splitmix64(&x) + b;
	x ^= splitmix64(&x) + c;
	x ^= splitmix64(&x) + d;
	r.s = splitmix64(&x);
	return r;
}

static inline uint64_t rng_u64(struct rng *r)
{
	return splitmix64(&r->s);
}

/* Uniform in (0, 1). */
static inline double rng_unit(struct rng *r)
{
	return ((double)(rng_u64(r) >> 11) + 0.5) / 9007199254740992.0;
}

/* Standard normal (Box-Muller, one of the pair). */
static inline double rng_normal(struct rng *r)
{
	double u = rng_unit(r), v = rng_unit(r);

	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

#endif /* MIXNET_SIM_RNG_H */
