// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the region protocol decoder (agent/proto.c).
 * Property: mnp_decode() never reads outside the frame, never leaks, and
 * every frame it accepts re-encodes to a frame that decodes to the same
 * message.  Build and run: make fuzz-run [FUZZ_SECONDS=60].
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same(const struct mnp_msg *a, const struct mnp_msg *b)
{
	uint32_t i;

	if (a->type != b->type || a->seq != b->seq || a->plan_id != b->plan_id ||
	    a->ncols != b->ncols || a->nrows != b->nrows || a->ncircuits != b->ncircuits ||
	    a->nlowers != b->nlowers || a->ndrain != b->ndrain || a->status != b->status ||
	    a->step != b->step || strcmp(a->host, b->host) || strcmp(a->message, b->message))
		abort();
	for (i = 0; i < a->nrows; i++)
		if (a->rows[i].src != b->rows[i].src ||
		    memcmp(a->rows[i].bytes, b->rows[i].bytes, a->ncols * sizeof(uint64_t)))
			abort();
	for (i = 0; i < a->nlowers; i++)
		if (memcmp(&a->lowers[i], &b->lowers[i], sizeof(a->lowers[i])))
			abort();
	for (i = 0; i < a->ncircuits; i++)
		if (memcmp(&a->circuits[i], &b->circuits[i], sizeof(a->circuits[i])))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mnp_msg m, again;
	struct mnp_err err;
	void *buf;
	size_t len;
	int rc;

	rc = mnp_decode(data, size, &m, &err);
	if (rc == -EPROTONOSUPPORT || rc == -EBADMSG)
		return 0;
	if (rc)
		abort();	/* -ENOMEM or anything else: not expected here */
	if (mnp_encode(&m, &buf, &len, &err))
		abort();
	if (mnp_decode(buf, len, &again, &err))
		abort();
	same(&m, &again);
	mnp_msg_free(&again);
	mnp_msg_free(&m);
	free(buf);
	return 0;
}
