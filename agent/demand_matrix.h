/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Server-pair demand matrices in CSV, as `mixnet-agent plan` and
 * `demand submit` read them (format in Documentation/planner.md):
 *
 *   # optional comment lines, blank lines ignored
 *   h0,h1,h2              <- optional header: host names (no numbers)
 *   0,1e9,200
 *   5e8,0,0
 *   0,0,0
 *
 * or with row labels (header starting with an empty field):
 *
 *   ,h0,h1
 *   h0,0,1e9
 *   h1,5e8,0
 *
 * Entry (i, j) is the bytes server i sends to server j: a plain decimal
 * number (digits, optional fraction and exponent), finite and >= 0.
 * Ragged rows, a non-square matrix, negative, non-numeric or empty fields
 * and an empty matrix are rejected with the line and column at fault.
 */
#ifndef MIXNET_DEMAND_MATRIX_H
#define MIXNET_DEMAND_MATRIX_H

#include <stddef.h>
#include <stdint.h>

/* Largest accepted matrix (servers); the input file is capped as well. */
#define DEMAND_MATRIX_MAX_N 4096u
#define DEMAND_MATRIX_MAX_BYTES (512u << 20)

struct demand_matrix {
	uint32_t n;
	double *bytes;		/* n * n, row-major: bytes[i * n + j] */
	char **names;		/* n host names from the header, or NULL */
};

/* Where and why parsing failed; line and column are 1-based (0: none). */
struct demand_error {
	unsigned int line;
	unsigned int column;
	char msg[160];
};

/*
 * Parse @len bytes at @buf into @m (zeroed first; free with
 * demand_matrix_free, also after an error).  Returns 0, -EINVAL with @err
 * filled (if not NULL), or -ENOMEM.
 */
int demand_matrix_parse(const char *buf, size_t len, struct demand_matrix *m,
			struct demand_error *err);

/*
 * Read and parse the file at @path ("-" = standard input).  Returns as
 * demand_matrix_parse, or -errno for I/O errors (-EFBIG over
 * DEMAND_MATRIX_MAX_BYTES) with @err->line 0.
 */
int demand_matrix_load(const char *path, struct demand_matrix *m, struct demand_error *err);

void demand_matrix_free(struct demand_matrix *m);

/* Name of server @i: the header's, or "i" written into @buf. */
const char *demand_matrix_name(const struct demand_matrix *m, uint32_t i,
			       char *buf, size_t buflen);

#endif /* MIXNET_DEMAND_MATRIX_H */
