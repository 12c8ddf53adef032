/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared pieces of the mixnet-agent command line: exit codes, error
 * reporting that names the failing object, number parsing, JSON output.
 */
#ifndef MIXNET_CLI_H
#define MIXNET_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

/* Exit codes scripts can rely on (Documentation/mixnet-agent.8.md). */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,		/* the operation failed */
	EXIT_USAGE = 2,		/* bad command line or input file */
	EXIT_PERM = 3,		/* permission denied (CAP_NET_ADMIN missing) */
	EXIT_NOTFOUND = 4,	/* a named device, OCS, peer ... does not exist */
	EXIT_CONFLICT = 5,	/* stale generation, busy switch, already present */
};

struct cli {
	const char *prog;	/* "mixnet-agent" */
	bool json;		/* --json: machine-readable listings */
	bool verbose;		/* -v */
};

/* One command group: `mixnet-agent NAME ...`. */
struct cli_cmd {
	const char *name;
	int (*run)(struct cli *cli, int argc, char **argv);
	const char *usage;
};

/* Print "PROG: OBJ: message" on stderr; @obj may be NULL. */
void cli_err(const struct cli *cli, const char *obj, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Like cli_err, appending ": strerror(err)". */
void cli_errno(const struct cli *cli, const char *obj, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Map a positive errno to one of the exit codes above. */
int cli_exit_code(int err);

/*
 * Strict number parsing: the whole string must be a decimal number within
 * [min, max].  Returns 0 or -EINVAL / -ERANGE; *out is untouched on error.
 */
int cli_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
int cli_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);
/*
 * The same for a finite decimal number (strtod's syntax, no leading
 * space): 0, -EINVAL (not a number, or too close to 0 or infinity to
 * hold), or -ERANGE (outside [min, max]).
 */
int cli_parse_double(const char *s, double min, double max, double *out);

/*
 * Remove every global option (--json, -j, -v/--verbose) from argv, set
 * them in @cli and return the new argc.  Lets users put them anywhere.
 */
int cli_take_global_opts(struct cli *cli, int argc, char **argv);

/* Print @root (consumed) as one JSON document on stdout. 0 or -errno. */
int cli_json_print(json_t *root);

/*
 * The end of a listing built in @out (consumed; NULL: text output): when
 * @rc is EXIT_OK it is printed (EXIT_FAIL if that fails), else dropped.
 */
int cli_json_finish(json_t *out, int rc);

#endif /* MIXNET_CLI_H */
