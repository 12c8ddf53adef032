/* SPDX-License-Identifier: GPL-2.0 */
/* Command-line value parsers of mixnet-trafgen: strict, whole-string. */
#ifndef MIXNET_TRAFGEN_OPTIONS_H
#define MIXNET_TRAFGEN_OPTIONS_H

#include <stdint.h>

/* A byte count: decimal digits with an optional binary suffix K, M, G
 * or T (case-insensitive, optionally followed by "iB" or "B"), within
 * [min, max].  0, -EINVAL or -ERANGE (*out untouched on error). */
int tg_parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* A finite decimal number within [min, max].  0, -EINVAL or -ERANGE. */
int tg_parse_double(const char *s, double min, double max, double *out);

#endif /* MIXNET_TRAFGEN_OPTIONS_H */
