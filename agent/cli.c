// SPDX-License-Identifier: GPL-2.0
/* Shared command-line helpers of mixnet-agent (see cli.h). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void cli_verr(const struct cli *cli, const char *obj, int err,
		     const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", cli && cli->prog ? cli->prog : "mixnet-agent");
	if (obj)
		fprintf(stderr, "%s: ", obj);
	vfprintf(stderr, fmt, ap);
	if (err)
		fprintf(stderr, ": %s", strerror(err));
	fputc('\n', stderr);
}

void cli_err(const struct cli *cli, const char *obj, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_verr(cli, obj, 0, fmt, ap);
	va_end(ap);
}

void cli_errno(const struct cli *cli, const char *obj, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_verr(cli, obj, err < 0 ? -err : err, fmt, ap);
	va_end(ap);
}

int cli_exit_code(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case 0:
		return EXIT_OK;
	case EPERM:
	case EACCES:
		return EXIT_PERM;
	case ENOENT:
	case ENODEV:
	case ENXIO:
		return EXIT_NOTFOUND;
	case ESTALE:
	case EBUSY:
	case EEXIST:
	case EADDRINUSE:
		return EXIT_CONFLICT;
	case EINVAL:
	case E2BIG:
	case ERANGE:
		return EXIT_USAGE;
	default:
		return EXIT_FAIL;
	}
}

int cli_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;	/* no sign, no space, no empty string */
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end != '\0')
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int cli_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t v;
	int err;

	err = cli_parse_u64(s, min, max, &v);
	if (!err)
		*out = (uint32_t)v;
	return err;
}

int cli_parse_double(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	if (!s || !*s || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (*end || errno || !isfinite(v))
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int cli_take_global_opts(struct cli *cli, int argc, char **argv)
{
	int i, n = 0;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j"))
			cli->json = true;
		else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose"))
			cli->verbose = true;
		else
			argv[n++] = argv[i];
	}
	argv[n] = NULL;
	return n;
}

int cli_json_print(json_t *root)
{
	int err;

	if (!root)
		return -ENOMEM;
	err = json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (err)
		return -EIO;
	fputc('\n', stdout);
	return fflush(stdout) ? -errno : 0;
}

int cli_json_finish(json_t *out, int rc)
{
	if (!out)
		return rc;
	if (rc) {
		json_decref(out);
		return rc;
	}
	return cli_json_print(out) ? EXIT_FAIL : EXIT_OK;
}
