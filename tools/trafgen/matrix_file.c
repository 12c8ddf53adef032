// SPDX-License-Identifier: GPL-2.0
/* Traffic matrices from CSV files (see matrix_file.h). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demand_matrix.h"
#include "matrix_file.h"
#include "trafgen.h"

/* Where a record (0 = the first non-comment line) and field sit in the file. */
struct pos {
	unsigned int line, column;
	bool empty;		/* the field is empty (or past the end of the line) */
};

static bool skipped(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i == len || s[i] == '#';
}

/*
 * The demand parser reports positions only for its own errors; for ours
 * (names, diagonal, limits) read the file again and find field @field of
 * record @rec the way the parser splits lines: comment and blank lines
 * skipped, fields between commas with blanks trimmed.  A field past the
 * end of the line gets the column just after it.  {0, 0} if not found.
 */
static struct pos locate(const char *path, unsigned int rec, unsigned int field)
{
	struct pos p = { 0, 0, false };
	unsigned int lineno = 0, r = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *f;

	f = fopen(path, "r");
	if (!f)
		return p;
	while ((len = getline(&line, &cap, f)) >= 0) {
		size_t l = (size_t)len, i = 0;
		unsigned int k = 0;

		lineno++;
		if (l && line[l - 1] == '\n')
			l--;
		if (l && line[l - 1] == '\r')
			l--;
		if (skipped(line, l) || r++ != rec)
			continue;
		while (k < field && i < l) {
			if (line[i++] == ',')
				k++;
		}
		if (k < field) {
			p = (struct pos){ lineno, (unsigned int)l + 1, true };
			break;
		}
		while (i < l && (line[i] == ' ' || line[i] == '\t'))
			i++;
		p = (struct pos){ lineno, (unsigned int)i + 1, i == l || line[i] == ',' };
		break;
	}
	free(line);
	fclose(f);
	return p;
}

/* 1 if the header (record 0) starts with an empty field, i.e. rows are labelled. */
static unsigned int row_labels(const char *path)
{
	return locate(path, 0, 0).empty;
}

static int fail_at(char *err, size_t errlen, const char *path, struct pos p,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int fail_at(char *err, size_t errlen, const char *path, struct pos p,
		   const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p.line)
		snprintf(err, errlen, "%s:%u:%u: %s", path, p.line, p.column, msg);
	else
		snprintf(err, errlen, "%s: %s", path, msg);
	return -EINVAL;
}

/* The header must name exactly the --hosts hosts, in their order. */
static int check_names(const char *path, const struct demand_matrix *m, const struct tg_hosts *hs,
		       unsigned int first, char *err, size_t errlen)
{
	uint32_t i;

	for (i = 0; i < m->n && i < hs->n; i++)
		if (strcmp(m->names[i], hs->h[i].name))
			return fail_at(err, errlen, path, locate(path, 0, first + i),
				       "host '%s' where --hosts has '%s' (the header must name the "
				       "--hosts hosts in the same order)", m->names[i], hs->h[i].name);
	if (m->n > hs->n)
		return fail_at(err, errlen, path, locate(path, 0, first + hs->n),
			       "host '%s' is not in --hosts (the header names %u hosts, --hosts %u)",
			       m->names[hs->n], m->n, hs->n);
	if (m->n < hs->n)
		return fail_at(err, errlen, path, locate(path, 0, first + m->n),
			       "host '%s' of --hosts is missing (the header names %u hosts, "
			       "--hosts %u)", hs->h[m->n].name, m->n, hs->n);
	return 0;
}

int tg_matrix_file_load(const char *path, const struct tg_hosts *hs, uint64_t *bytes,
			char *err, size_t errlen)
{
	struct demand_matrix m;
	struct demand_error de;
	unsigned int first;
	uint64_t *out = NULL, total = 0;
	uint32_t n, i, j;
	int ret;

	if (!strcmp(path, "-"))
		return fail_at(err, errlen, path, (struct pos){ 0, 0, false },
			       "give a file; standard input is not supported");
	ret = demand_matrix_load(path, &m, &de);
	if (ret == -ENOMEM) {
		snprintf(err, errlen, "%s: out of memory", path);
		return ret;
	}
	if (ret == -EINVAL)
		return fail_at(err, errlen, path, (struct pos){ de.line, de.column, false }, "%s", de.msg);
	if (ret) {
		snprintf(err, errlen, "%s: %s", path, ret == -EFBIG ? "file too large" : strerror(-ret));
		return ret;
	}
	if (!m.names) {
		ret = fail_at(err, errlen, path, locate(path, 0, 0),
			      "no header row: the first line must name the hosts, as --hosts does "
			      "and in its order");
		goto out;
	}
	/* With row labels (",h0,h1" then "h0,0,5"), values start at field 1. */
	first = row_labels(path);
	ret = check_names(path, &m, hs, first, err, errlen);
	if (ret)
		goto out;
	n = m.n;
	out = malloc(sizeof(*out) * n * n);
	if (!out) {
		snprintf(err, errlen, "%s: out of memory", path);
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		for (j = 0; j < n; j++) {
			double v = m.bytes[(size_t)i * n + j];
			const char *a = hs->h[i].name, *b = hs->h[j].name;

			if (i == j && v != 0) {
				ret = fail_at(err, errlen, path, locate(path, i + 1, first + j),
					      "%s->%s: %g bytes; the diagonal must be 0 (a host sends "
					      "nothing to itself)", a, b, v);
				goto out;
			}
			if (v >= (double)TG_MAX_PAIR_BYTES + 0.5) {
				ret = fail_at(err, errlen, path, locate(path, i + 1, first + j),
					      "%s->%s: %g bytes (at most %llu a pair)", a, b, v,
					      (unsigned long long)TG_MAX_PAIR_BYTES);
				goto out;
			}
			out[(size_t)i * n + j] = (uint64_t)llround(v);
			total += out[(size_t)i * n + j];
			if (total > TG_MAX_PAIR_BYTES) {
				ret = fail_at(err, errlen, path, locate(path, i + 1, first + j),
					      "the phase exceeds %llu bytes at %s->%s",
					      (unsigned long long)TG_MAX_PAIR_BYTES, a, b);
				goto out;
			}
		}
	}
	if (!total)
		ret = fail_at(err, errlen, path, (struct pos){ 0, 0, false },
			      "the matrix carries no bytes (every entry is 0)");
	if (!ret)
		memcpy(bytes, out, sizeof(*out) * n * n);
out:
	free(out);
	demand_matrix_free(&m);
	return ret;
}

json_t *tg_matrix_files_json(const struct tg_workload_params *p)
{
	json_t *a;
	uint32_t k;

	if (!p->nmatrices)
		return json_null();
	a = json_array();
	for (k = 0; a && k < p->nmatrices; k++)
		json_array_append_new(a, json_string(p->matrix_files ? p->matrix_files[k] : "?"));
	return a;
}
