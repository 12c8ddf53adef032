// SPDX-License-Identifier: GPL-2.0
/* CSV demand matrices (see demand_matrix.h). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demand_matrix.h"

/* One field of a line: [start, end) with surrounding blanks trimmed. */
struct field {
	const char *start, *end;
	unsigned int column;	/* 1-based column of start */
};

struct parser {
	struct demand_matrix *m;
	struct demand_error *err;
	unsigned int lineno;
	const char *line, *line_end;	/* the line being parsed */
	bool labelled;		/* header ",h0,h1..": rows start with a label */
	bool have_first;	/* first record (header or data) seen */
	uint32_t rows;		/* data rows stored */
	uint32_t width;		/* fields per line expected */
	struct field *fields;
	size_t nfields, fields_cap;
};

static int fail(struct parser *p, unsigned int column, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct parser *p, unsigned int column, const char *fmt, ...)
{
	va_list ap;

	if (p->err) {
		p->err->line = p->lineno;
		p->err->column = column;
		va_start(ap, fmt);
		vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Split [line, end) at commas into p->fields. */
static int split(struct parser *p, const char *line, const char *end)
{
	const char *s = line;

	p->nfields = 0;
	for (;;) {
		const char *e = s;
		struct field f;

		while (e < end && *e != ',')
			e++;
		f.start = s;
		f.end = e;
		while (f.start < f.end && blank(*f.start))
			f.start++;
		while (f.end > f.start && blank(f.end[-1]))
			f.end--;
		f.column = (unsigned int)(f.start - line) + 1;
		if (p->nfields == p->fields_cap) {
			size_t cap = p->fields_cap ? 2 * p->fields_cap : 64;
			struct field *nf = realloc(p->fields, cap * sizeof(*nf));

			if (!nf)
				return -ENOMEM;
			p->fields = nf;
			p->fields_cap = cap;
		}
		p->fields[p->nfields++] = f;
		if (p->nfields > DEMAND_MATRIX_MAX_N + 1)
			return fail(p, f.column, "more than %u columns", DEMAND_MATRIX_MAX_N);
		if (e == end)
			return 0;
		s = e + 1;
	}
}

/* A plain decimal number: digits, optional '.', optional exponent. */
static bool numeric_syntax(const struct field *f)
{
	const char *s = f->start;
	bool digits = false;

	if (s < f->end && (*s == '-' || *s == '+'))
		s++;
	while (s < f->end && *s >= '0' && *s <= '9') {
		s++;
		digits = true;
	}
	if (s < f->end && *s == '.') {
		s++;
		while (s < f->end && *s >= '0' && *s <= '9') {
			s++;
			digits = true;
		}
	}
	if (!digits)
		return false;
	if (s < f->end && (*s == 'e' || *s == 'E')) {
		s++;
		if (s < f->end && (*s == '-' || *s == '+'))
			s++;
		if (s == f->end || *s < '0' || *s > '9')
			return false;
		while (s < f->end && *s >= '0' && *s <= '9')
			s++;
	}
	return s == f->end;
}

static int parse_value(struct parser *p, const struct field *f, double *out)
{
	char tmp[64];
	size_t len = (size_t)(f->end - f->start);
	double v;

	if (!len)
		return fail(p, f->column, "empty field");
	if (!numeric_syntax(f) || len >= sizeof(tmp))
		return fail(p, f->column, "not a number: '%.*s'", (int)(len > 40 ? 40 : len), f->start);
	if (*f->start == '-')
		return fail(p, f->column, "negative value: '%.*s'", (int)(len > 40 ? 40 : len), f->start);
	memcpy(tmp, f->start, len);
	tmp[len] = '\0';
	v = strtod(tmp, NULL);
	if (!isfinite(v))
		return fail(p, f->column, "value out of range: '%s'", tmp);
	*out = v;
	return 0;
}

static char *field_name(const struct field *f)
{
	const char *s = f->start, *e = f->end;

	if (e - s >= 2 && *s == '"' && e[-1] == '"') {
		s++;
		e--;
	}
	return strndup(s, (size_t)(e - s));
}

static int header(struct parser *p)
{
	struct demand_matrix *m = p->m;
	size_t k, first = p->labelled ? 1 : 0;
	uint32_t n = (uint32_t)(p->nfields - first);

	if (n > DEMAND_MATRIX_MAX_N)
		return fail(p, p->fields[DEMAND_MATRIX_MAX_N + first].column,
			    "more than %u columns", DEMAND_MATRIX_MAX_N);
	m->names = calloc(n, sizeof(char *));
	if (!m->names)
		return -ENOMEM;
	m->n = n;
	for (k = first; k < p->nfields; k++) {
		const struct field *f = &p->fields[k];
		size_t i;

		if (f->start == f->end)
			return fail(p, f->column, "empty host name");
		m->names[k - first] = field_name(f);
		if (!m->names[k - first])
			return -ENOMEM;
		if (!m->names[k - first][0] || strchr(m->names[k - first], '"'))
			return fail(p, f->column, "bad host name");
		for (i = 0; i < k - first; i++)
			if (!strcmp(m->names[i], m->names[k - first]))
				return fail(p, f->column, "duplicate host name '%s'", m->names[i]);
	}
	return 0;
}

static int start_matrix(struct parser *p, uint32_t n)
{
	p->m->n = n;
	p->m->bytes = calloc((size_t)n * n, sizeof(double));
	return p->m->bytes ? 0 : -ENOMEM;
}

static int data_row(struct parser *p)
{
	struct demand_matrix *m = p->m;
	size_t k, first = p->labelled ? 1 : 0;
	int err;

	if (p->nfields != p->width) {
		/* At the first extra field, or just past the end of a short row. */
		unsigned int col = p->nfields > p->width ? p->fields[p->width].column
				   : (unsigned int)(p->line_end - p->line) + 1;

		return fail(p, col, "ragged row: %zu fields, expected %u", p->nfields, p->width);
	}
	if (p->rows >= m->n)
		return fail(p, p->fields[0].column, "more rows than the %u columns", m->n);
	if (p->labelled) {
		const struct field *f = &p->fields[0];
		size_t len = (size_t)(f->end - f->start);
		char *label = field_name(f);
		bool ok;

		if (!label)
			return -ENOMEM;
		ok = !strcmp(label, m->names[p->rows]);
		free(label);
		if (!ok)
			return fail(p, f->column, "row label '%.*s' is not '%s'",
				    (int)(len > 40 ? 40 : len), f->start, m->names[p->rows]);
	}
	for (k = first; k < p->nfields; k++) {
		err = parse_value(p, &p->fields[k], &m->bytes[(size_t)p->rows * m->n + (k - first)]);
		if (err)
			return err;
	}
	p->rows++;
	return 0;
}

/* The first record decides: all numbers = data, otherwise a header. */
static int first_record(struct parser *p)
{
	size_t k, numeric = 0;
	int err;

	for (k = 0; k < p->nfields; k++)
		if (numeric_syntax(&p->fields[k]))
			numeric++;
	if (numeric == 0) {
		/* ",h0,h1": the header of a matrix with row labels */
		p->labelled = p->nfields >= 2 && p->fields[0].start == p->fields[0].end;
		err = header(p);
		if (err)
			return err;
		p->width = (uint32_t)p->nfields;
		return start_matrix(p, p->m->n);
	}
	if (p->nfields > DEMAND_MATRIX_MAX_N)
		return fail(p, p->fields[DEMAND_MATRIX_MAX_N].column, "more than %u columns",
			    DEMAND_MATRIX_MAX_N);
	p->width = (uint32_t)p->nfields;
	err = start_matrix(p, (uint32_t)p->nfields);
	if (err)
		return err;
	return data_row(p);
}

int demand_matrix_parse(const char *buf, size_t len, struct demand_matrix *m,
			struct demand_error *err)
{
	struct parser p = { .m = m, .err = err };
	const char *s = buf, *end = buf + len;
	int ret = 0;

	memset(m, 0, sizeof(*m));
	if (err)
		memset(err, 0, sizeof(*err));
	while (s < end) {
		const char *eol = memchr(s, '\n', (size_t)(end - s));
		const char *le = eol ? eol : end, *t = s, *nul;

		p.lineno++;
		nul = memchr(s, '\0', (size_t)(le - s));
		if (nul) {
			ret = fail(&p, (unsigned int)(nul - s) + 1, "NUL byte");
			goto out;
		}
		if (le > s && le[-1] == '\r')
			le--;
		while (t < le && blank(*t))
			t++;
		if (t < le && *t != '#') {
			p.line = s;
			p.line_end = le;
			ret = split(&p, s, le);
			if (ret)
				goto out;
			ret = p.have_first ? data_row(&p) : first_record(&p);
			if (ret)
				goto out;
			p.have_first = true;
		}
		s = eol ? eol + 1 : end;
	}
	p.lineno++;	/* errors below point just past the end */
	if (!p.have_first)
		ret = fail(&p, 1, "empty matrix");
	else if (!p.rows)
		ret = fail(&p, 1, "no data rows after the header");
	else if (p.rows < m->n)
		ret = fail(&p, 1, "%u rows, expected %u (a square matrix)", p.rows, m->n);
out:
	free(p.fields);
	if (ret)
		demand_matrix_free(m);
	return ret;
}

int demand_matrix_load(const char *path, struct demand_matrix *m, struct demand_error *err)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int ret;

	memset(m, 0, sizeof(*m));
	if (err)
		memset(err, 0, sizeof(*err));
	if (!f)
		return -errno;
	for (;;) {
		size_t got;

		if (cap - len < 65536) {
			char *nb;

			cap = cap ? 2 * cap : 1 << 16;
			if (cap > (size_t)DEMAND_MATRIX_MAX_BYTES + 65536)
				cap = (size_t)DEMAND_MATRIX_MAX_BYTES + 65536;
			nb = realloc(buf, cap);
			if (!nb) {
				ret = -ENOMEM;
				goto out;
			}
			buf = nb;
		}
		errno = 0;
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (len > DEMAND_MATRIX_MAX_BYTES) {
			ret = -EFBIG;
			goto out;
		}
		if (got == 0) {
			if (ferror(f)) {
				ret = errno ? -errno : -EIO;	/* e.g. EISDIR */
				goto out;
			}
			break;
		}
	}
	ret = demand_matrix_parse(buf ? buf : "", len, m, err);
out:
	free(buf);
	if (f != stdin)
		fclose(f);
	return ret;
}

void demand_matrix_free(struct demand_matrix *m)
{
	uint32_t i;

	if (!m)
		return;
	if (m->names)
		for (i = 0; i < m->n; i++)
			free(m->names[i]);
	free(m->names);
	free(m->bytes);
	memset(m, 0, sizeof(*m));
}

const char *demand_matrix_name(const struct demand_matrix *m, uint32_t i,
			       char *buf, size_t buflen)
{
	if (m->names && i < m->n)
		return m->names[i];
	snprintf(buf, buflen, "%u", i);
	return buf;
}
