/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Results of a run: per phase the all-to-all completion time (the slowest
 * pair decides), bytes, throughput, per-pair times; totals; errors.
 * Text rows are printed as phases finish; --json prints one document at
 * the end (Documentation/trafgen.md, "Output").
 */
#ifndef MIXNET_TRAFGEN_REPORT_H
#define MIXNET_TRAFGEN_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "hosts.h"
#include "proto.h"

struct tg_phase_result {
	uint32_t index;		/* phase number in the run */
	uint32_t layer, rep;	/* MoE layer and repetition it stands for */
	bool announced;		/* its matrix went to the demand API first */
	uint64_t usec;		/* driver: go sent .. last done received */
	uint64_t bytes;		/* all pairs */
	uint32_t pairs;		/* pairs with bytes */
	uint64_t max_pair_usec;	/* slowest pair, receiver's clock from go */
	uint32_t slow_src, slow_dst;
};

/* Fill @r's bytes, pairs and slowest pair from a phase's matrix @want and
 * the receivers' reports @recv ([src * n + dst]); index, layer, rep,
 * announced and usec are the caller's. */
void tg_phase_summarize(uint32_t n, const uint64_t *want, const struct tg_xfer *recv,
			struct tg_phase_result *r);

struct tg_totals {
	uint32_t phases;
	uint64_t bytes;
	uint64_t usec;		/* sum of the phases' all-to-all times */
	uint64_t min_usec, max_usec;
};

void tg_totals_add(struct tg_totals *t, const struct tg_phase_result *r);
uint64_t tg_totals_mean_usec(const struct tg_totals *t);

/* Gbit/s of @bytes in @usec (0 when usec is 0). */
double tg_gbps(uint64_t bytes, uint64_t usec);

struct tg_report {
	const struct tg_hosts *hosts;
	FILE *out;
	bool json, verbose;
	json_t *root, *phases, *errors;
	struct tg_totals totals;
	uint32_t nerrors;
};

/* @config (consumed; may be NULL) goes into the JSON document as is;
 * @title is the text output's first line.  0 or -ENOMEM. */
int tg_report_init(struct tg_report *r, const struct tg_hosts *hosts, FILE *out,
		   bool json, bool verbose, json_t *config, const char *title);

/* Record one finished phase (prints its text row, and with verbose its
 * pairs).  0 or -ENOMEM. */
int tg_report_phase(struct tg_report *r, const struct tg_phase_result *pr, uint32_t n,
		    const uint64_t *want, const struct tg_xfer *recv);

/*
 * Record an error (also printed on stderr as "mixnet-trafgen: ...").
 * @phase -1: outside a phase; @src/@dst -1: no pair.  @kind: a
 * tg_fault_kind name or one of connection, timeout, protocol, setup,
 * busy, announce.
 */
void tg_report_error(struct tg_report *r, int64_t phase, const struct tg_phase_result *pr,
		     int src, int dst, const char *kind, const char *msg);

/* Print totals (text) or the whole document (JSON).  @ok: the run
 * succeeded; @wall_usec: whole run incl. setup and pauses. */
int tg_report_finish(struct tg_report *r, bool ok, uint64_t wall_usec);

void tg_report_free(struct tg_report *r);

#endif /* MIXNET_TRAFGEN_REPORT_H */
