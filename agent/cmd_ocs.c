// SPDX-License-Identifier: GPL-2.0
/*
 * mixnet-agent ocs: list, show and reconfigure OCS devices, and watch
 * their switching events (Documentation/ocs.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "ocs_client.h"

#define OCS_USAGE \
	"usage: mixnet-agent [--json] ocs COMMAND ...\n" \
	"  ocs list\n" \
	"  ocs show OCS\n" \
	"  ocs connect OCS A:B ... [--simplex] [--force] [APPLY-OPTIONS]\n" \
	"  ocs disconnect OCS PORT ... [--simplex] [APPLY-OPTIONS]\n" \
	"  ocs apply OCS A:B ... [--simplex] [APPLY-OPTIONS]\n" \
	"  ocs clear OCS [APPLY-OPTIONS]\n" \
	"  ocs watch OCS [--count K]\n" \
	"APPLY-OPTIONS: --dry-run --expect-generation G --wait\n" \
	"A:B is a duplex circuit (A->B and B->A) unless --simplex; PORT may be A-B.\n"

enum { OPT_SIMPLEX = 1, OPT_DRY_RUN = 2, OPT_EXPECT_GEN = 4, OPT_WAIT = 8, OPT_COUNT = 16,
       OPT_FORCE = 32 };

struct ocs_opts {
	unsigned int given;	/* OPT_* seen */
	uint64_t generation;
	uint32_t count;
};

struct ocs_cmd {
	const char *name;
	int (*run)(struct cli *cli, struct ocs_opts *o, int argc, char **argv);
	unsigned int allowed;	/* OPT_* */
	int min_args, max_args;	/* positional, after the command; -1: any */
};

static void usage(FILE *f)
{
	fputs(OCS_USAGE, f);
}

/* ---- helpers -------------------------------------------------------------- */

static int open_ocs(struct cli *cli, const char *name, int flags, uint32_t *id)
{
	int fd;

	if (ocs_parse_name(name, id)) {
		cli_err(cli, name, "not an OCS name (expected ocsN, N < %d)", MIXNET_OCS_MAX_DEVICES);
		return -EINVAL;
	}
	fd = ocs_open(*id, flags);
	if (fd == -ENOENT || fd == -ENXIO || fd == -ENODEV)
		cli_err(cli, name, "no such OCS (is mixnet.ko loaded?)");
	else if (fd < 0)
		cli_errno(cli, name, fd, "cannot open %s/%s", OCS_DEV_DIR, name);
	return fd;
}

static int read_sysfs(const char *ocs, const char *attr, char *buf, size_t len)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), OCS_SYSFS_CLASS_DIR "/%s/%s", ocs, attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static uint64_t sysfs_u64(const char *ocs, const char *attr)
{
	char buf[32];
	uint64_t v = 0;

	if (!read_sysfs(ocs, attr, buf, sizeof(buf)))
		cli_parse_u64(buf, 0, UINT64_MAX, &v);
	return v;
}

/* Lines of the xconnects attribute, read whole (it may span pages). */
static long sysfs_count_lines(const char *ocs, const char *attr)
{
	char path[256], buf[4096];
	long lines = 0;
	ssize_t n, i;
	int fd;

	snprintf(path, sizeof(path), OCS_SYSFS_CLASS_DIR "/%s/%s", ocs, attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (i = 0; i < n; i++)
			lines += buf[i] == '\n';
	close(fd);
	return n < 0 ? -errno : lines;
}

/* ---- list / show ---------------------------------------------------------------- */

static int ocs_cmd_list(struct cli *cli, struct ocs_opts *o, int argc, char **argv)
{
	json_t *arr = NULL;
	uint32_t *ids;
	size_t n, i;
	int err;

	(void)o; (void)argc; (void)argv;
	err = ocs_list(&ids, &n);
	if (err) {
		cli_errno(cli, OCS_SYSFS_CLASS_DIR, err, "cannot list OCS devices");
		return cli_exit_code(err);
	}
	if (cli->json)
		arr = json_array();
	else
		printf("%-7s %-8s %6s %10s %10s %-9s %10s\n", "NAME", "BACKEND", "PORTS",
		       "XCONNECTS", "GENERATION", "STATE", "DELAY_US");
	for (i = 0; i < n; i++) {
		char name[16], backend[32] = "?", state[32] = "?";
		long nxc;

		snprintf(name, sizeof(name), "ocs%u", ids[i]);
		read_sysfs(name, "backend", backend, sizeof(backend));
		read_sysfs(name, "state", state, sizeof(state));
		nxc = sysfs_count_lines(name, "xconnects");
		if (cli->json) {
			json_array_append_new(arr, json_pack("{s:s, s:i, s:s, s:I, s:I, s:I, s:I, s:s, s:I}",
				"name", name, "id", (int)ids[i], "backend", backend,
				"nports", (json_int_t)sysfs_u64(name, "nports"),
				"xconnects", (json_int_t)(nxc < 0 ? 0 : nxc),
				"generation", (json_int_t)sysfs_u64(name, "generation"),
				"reconfigs", (json_int_t)sysfs_u64(name, "reconfigs"),
				"state", state,
				"switch_delay_us", (json_int_t)sysfs_u64(name, "switch_delay_us")));
		} else {
			printf("%-7s %-8s %6" PRIu64 " %10ld %10" PRIu64 " %-9s %10" PRIu64 "\n",
			       name, backend, sysfs_u64(name, "nports"), nxc < 0 ? 0 : nxc,
			       sysfs_u64(name, "generation"), state,
			       sysfs_u64(name, "switch_delay_us"));
		}
	}
	free(ids);
	if (cli->json)
		return cli_json_print(arr) ? EXIT_FAIL : EXIT_OK;
	return EXIT_OK;
}

static uint32_t peer_of(const struct mixnet_xconnect *xc, uint32_t n, uint32_t tx)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (xc[i].tx == tx)
			return xc[i].rx;
	return UINT32_MAX;
}

static int ocs_cmd_show(struct cli *cli, struct ocs_opts *o, int argc, char **argv)
{
	struct mixnet_ocs_info info;
	struct mixnet_xconnect *xc;
	uint32_t id, n, i;
	uint64_t gen;
	int fd, err;

	(void)o; (void)argc;
	fd = open_ocs(cli, argv[0], O_RDONLY, &id);
	if (fd < 0)
		return cli_exit_code(fd);
	err = ocs_info(fd, &info);
	if (!err)
		err = ocs_get(fd, &xc, &n, &gen);
	close(fd);
	if (err) {
		cli_errno(cli, argv[0], err, "cannot read the OCS");
		return cli_exit_code(err);
	}

	if (cli->json) {
		json_t *root, *arr = json_array(), *circ = json_array();

		for (i = 0; i < n; i++) {
			uint32_t back = peer_of(xc, n, xc[i].rx);

			json_array_append_new(arr, json_pack("{s:i, s:i}", "tx", (int)xc[i].tx,
							     "rx", (int)xc[i].rx));
			if (back == xc[i].tx && xc[i].tx > xc[i].rx)
				continue;	/* listed with its other half */
			json_array_append_new(circ, json_pack("{s:i, s:i, s:b}", "a", (int)xc[i].tx,
							      "b", (int)xc[i].rx, "duplex",
							      back == xc[i].tx));
		}
		root = json_pack("{s:s, s:i, s:s, s:i, s:s, s:I, s:I, s:i, s:i, s:i, s:I, s:I, s:o, s:o}",
				 "name", argv[0], "id", (int)info.id, "backend", info.backend_name,
				 "nports", (int)info.nports, "state", ocs_state_name(info.state),
				 "generation", (json_int_t)gen,
				 "reconfigs", (json_int_t)info.reconfigs,
				 "switch_delay_us", (int)info.switch_delay_us,
				 "switching_ports", (int)info.switching_ports,
				 "nxconnects", (int)n,
				 "last_switch_start_ns", (json_int_t)info.last_switch_start_ns,
				 "last_switch_done_ns", (json_int_t)info.last_switch_done_ns,
				 "xconnects", arr, "circuits", circ);
		free(xc);
		return cli_json_print(root) ? EXIT_FAIL : EXIT_OK;
	}

	printf("%s: backend %s, %u ports, %s, generation %" PRIu64 ", %" PRIu64
	       " reconfigurations, switch delay %u us\n", argv[0], info.backend_name,
	       info.nports, ocs_state_name(info.state), gen, (uint64_t)info.reconfigs,
	       info.switch_delay_us);
	if (info.state == MIXNET_OCS_STATE_SWITCHING)
		printf("  %u ports dark in the switch in progress\n", info.switching_ports);
	else if (info.last_switch_done_ns >= info.last_switch_start_ns && info.last_switch_start_ns)
		printf("  last switch took %" PRIu64 " us\n",
		       (uint64_t)(info.last_switch_done_ns - info.last_switch_start_ns) / 1000);
	printf("  %u cross-connects%s\n", n, n ? ":" : "");
	for (i = 0; i < n; i++) {
		uint32_t back = peer_of(xc, n, xc[i].rx);

		if (back == xc[i].tx && xc[i].tx > xc[i].rx)
			continue;
		printf("    %u %s %u\n", xc[i].tx, back == xc[i].tx ? "<->" : "->", xc[i].rx);
	}
	free(xc);
	return EXIT_OK;
}

/* ---- connect / disconnect / apply / clear -------------------------------------------- */

static void apply_flags(const struct ocs_opts *o, struct mixnet_ocs_apply *req)
{
	if (o->given & OPT_DRY_RUN)
		req->flags |= MIXNET_OCS_APPLY_F_DRY_RUN;
	if (o->given & OPT_EXPECT_GEN) {
		req->flags |= MIXNET_OCS_APPLY_F_EXPECT_GEN;
		req->expected_generation = o->generation;
	}
	if (o->given & OPT_WAIT)
		req->flags |= MIXNET_OCS_APPLY_F_WAIT_IDLE | MIXNET_OCS_APPLY_F_WAIT_DONE;
}

/* Report an APPLY, naming the pair or port the kernel pointed at. */
static int apply_report(struct cli *cli, const char *name, const struct ocs_opts *o,
			const struct mixnet_ocs_apply *req, int err,
			const struct ocs_xc_list *list, const uint32_t *ports)
{
	bool duplex = !(o->given & OPT_SIMPLEX);
	char what[64];

	if (err) {
		const char *hint = "";

		if (req->err_index >= 0 && !req->err_in_release && list)
			snprintf(what, sizeof(what), "pair %s",
				 ocs_xc_list_pair_str(list, (uint32_t)req->err_index, duplex,
						      what + 40, sizeof(what) - 40));
		else if (req->err_index >= 0 && req->err_in_release && ports)
			snprintf(what, sizeof(what), "port %u", ports[req->err_index]);
		else
			snprintf(what, sizeof(what), "apply");
		if (err == -EADDRINUSE)
			hint = " (the port is in another circuit: disconnect it first or use --force)";
		else if (err == -EBUSY)
			hint = " (a switch is in progress: retry or use --wait)";
		else if (err == -EPERM)
			hint = " (needs CAP_NET_ADMIN)";
		if (err == -ESTALE)
			cli_err(cli, name, "%s: %s: generation is %" PRIu64 ", not %" PRIu64,
				what, strerror(-err), (uint64_t)req->generation, o->generation);
		else
			cli_err(cli, name, "%s: %s%s", what, strerror(-err), hint);
		return cli_exit_code(err);
	}
	if (cli->json)
		return cli_json_print(json_pack("{s:s, s:I, s:i, s:b, s:b}", "name", name,
						"generation", (json_int_t)req->generation,
						"changed_ports", (int)req->changed_ports,
						"dry_run", !!(o->given & OPT_DRY_RUN),
						"completed", !!(o->given & OPT_WAIT) &&
							     !(o->given & OPT_DRY_RUN)))
			? EXIT_FAIL : EXIT_OK;
	if (o->given & OPT_DRY_RUN)
		printf("%s: dry run ok: %u ports would switch (generation %" PRIu64 ")\n", name,
		       req->changed_ports, (uint64_t)req->generation);
	else if (!req->changed_ports)
		printf("%s: nothing to change (generation %" PRIu64 ")\n", name,
		       (uint64_t)req->generation);
	else
		printf("%s: generation %" PRIu64 ", %u ports %s\n", name, (uint64_t)req->generation,
		       req->changed_ports, (o->given & OPT_WAIT) ? "switched" : "switching");
	return EXIT_OK;
}

/* open_ocs() for writing, and the OCS's port count (what changes are checked against). */
static int open_ocs_rw(struct cli *cli, const char *name, uint32_t *id, uint32_t *nports)
{
	struct mixnet_ocs_info info;
	int fd = open_ocs(cli, name, O_RDWR, id), err;

	if (fd < 0)
		return fd;
	err = ocs_info(fd, &info);
	if (err) {
		cli_errno(cli, name, err, "cannot read the OCS");
		close(fd);
		return err;
	}
	*nports = info.nports;
	return fd;
}

/* connect (MERGE), apply (REPLACE): pairs from the command line. */
static int run_pairs(struct cli *cli, struct ocs_opts *o, int argc, char **argv, uint32_t mode)
{
	struct mixnet_ocs_apply req = { .mode = mode };
	struct mixnet_ocs_release *rel = NULL;
	struct ocs_parse_err perr;
	struct ocs_xc_list list;
	uint32_t id, nports, i;
	int fd, err, rc;

	fd = open_ocs_rw(cli, argv[0], &id, &nports);
	if (fd < 0)
		return cli_exit_code(fd);
	err = ocs_xc_list_parse(&list, argc - 1, argv + 1, !(o->given & OPT_SIMPLEX), nports, &perr);
	if (err) {
		cli_err(cli, argv[0], "pair %s", perr.msg);
		close(fd);
		return EXIT_USAGE;
	}
	if (o->given & OPT_FORCE) {
		/* Free every port the batch uses, on the sides it uses. */
		rel = calloc(nports, sizeof(*rel));
		if (!rel) {
			ocs_xc_list_free(&list);
			close(fd);
			return EXIT_FAIL;
		}
		for (i = 0; i < list.count; i++) {
			rel[list.xc[i].tx].sides |= MIXNET_OCS_RELEASE_TX;
			rel[list.xc[i].rx].sides |= MIXNET_OCS_RELEASE_RX;
		}
		for (i = 0; i < nports; i++)
			if (rel[i].sides) {
				rel[req.nrelease].sides = rel[i].sides;
				rel[req.nrelease++].port = i;
			}
		req.release = (uintptr_t)rel;
	}
	req.xconnects = (uintptr_t)list.xc;
	req.count = list.count;
	apply_flags(o, &req);
	err = ocs_apply(fd, &req);
	close(fd);
	rc = apply_report(cli, argv[0], o, &req, err, &list, NULL);
	ocs_xc_list_free(&list);
	free(rel);
	return rc;
}

static int ocs_cmd_connect(struct cli *cli, struct ocs_opts *o, int argc, char **argv)
{
	return run_pairs(cli, o, argc, argv, MIXNET_OCS_APPLY_MERGE);
}

static int ocs_cmd_apply(struct cli *cli, struct ocs_opts *o, int argc, char **argv)
{
	return run_pairs(cli, o, argc, argv, MIXNET_OCS_APPLY_REPLACE);
}

static int ocs_cmd_disconnect(struct cli *cli, struct ocs_opts *o, int argc, char **argv)
{
	struct mixnet_ocs_apply req = { .mode = MIXNET_OCS_APPLY_MERGE };
	struct mixnet_ocs_release *rel;
	struct ocs_parse_err perr;
	uint32_t id, nports, *ports, n, i;
	int fd, err, rc;

	fd = open_ocs_rw(cli, argv[0], &id, &nports);
	if (fd < 0)
		return cli_exit_code(fd);
	err = ocs_parse_ports(argc - 1, argv + 1, nports, &ports, &n, &perr);
	if (err) {
		cli_err(cli, argv[0], "port %s", perr.msg);
		close(fd);
		return EXIT_USAGE;
	}
	rel = calloc(n, sizeof(*rel));
	if (!rel) {
		free(ports);
		close(fd);
		return EXIT_FAIL;
	}
	for (i = 0; i < n; i++) {
		rel[i].port = ports[i];
		/* Duplex: the port's circuit both ways; simplex: what it sends. */
		rel[i].sides = (o->given & OPT_SIMPLEX) ? MIXNET_OCS_RELEASE_TX :
			       MIXNET_OCS_RELEASE_TX | MIXNET_OCS_RELEASE_RX;
	}
	req.release = (uintptr_t)rel;
	req.nrelease = n;
	apply_flags(o, &req);
	err = ocs_apply(fd, &req);
	close(fd);
	rc = apply_report(cli, argv[0], o, &req, err, NULL, ports);
	free(rel);
	free(ports);
	return rc;
}

static int ocs_cmd_clear(struct cli *cli, struct ocs_opts *o, int argc, char **argv)
{
	struct mixnet_ocs_apply req = { .mode = MIXNET_OCS_APPLY_REPLACE };
	uint32_t id;
	int fd, err;

	(void)argc;
	fd = open_ocs(cli, argv[0], O_RDWR, &id);
	if (fd < 0)
		return cli_exit_code(fd);
	apply_flags(o, &req);
	err = ocs_apply(fd, &req);
	close(fd);
	return apply_report(cli, argv[0], o, &req, err, NULL, NULL);
}

/* ---- watch ---------------------------------------------------------------------------- */

static int ocs_cmd_watch(struct cli *cli, struct ocs_opts *o, int argc, char **argv)
{
	struct mixnet_ocs_event ev[16];
	uint64_t seen = 0;
	uint32_t id;
	int fd, n, i;

	(void)argc;
	fd = open_ocs(cli, argv[0], O_RDONLY, &id);
	if (fd < 0)
		return cli_exit_code(fd);
	while (!(o->given & OPT_COUNT) || seen < o->count) {
		n = ocs_read_events(fd, ev, sizeof(ev) / sizeof(ev[0]), -1);
		if (n == -ENODEV) {
			cli_err(cli, argv[0], "the OCS was deleted");
			close(fd);
			return EXIT_NOTFOUND;
		}
		if (n < 0) {
			cli_errno(cli, argv[0], n, "cannot read events");
			close(fd);
			return cli_exit_code(n);
		}
		for (i = 0; i < n && (!(o->given & OPT_COUNT) || seen < o->count); i++, seen++) {
			if (cli->json) {
				json_t *j = json_pack("{s:s, s:s, s:I, s:i, s:i, s:I}", "name", argv[0],
						      "type", ocs_event_name(ev[i].type),
						      "generation", (json_int_t)ev[i].generation,
						      "changed_ports", (int)ev[i].changed_ports,
						      "lost", (int)ev[i].lost,
						      "timestamp_ns", (json_int_t)ev[i].timestamp_ns);

				/* One object a line: a stream, not one document. */
				json_dumpf(j, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
				json_decref(j);
				putchar('\n');
			} else if (ev[i].type == MIXNET_OCS_EV_OVERFLOW) {
				printf("%s: overflow: %u events lost\n", argv[0], ev[i].lost);
			} else {
				printf("%s: generation %" PRIu64 " %s, %u ports, at %" PRIu64 ".%06" PRIu64 "\n",
				       argv[0], (uint64_t)ev[i].generation, ocs_event_name(ev[i].type),
				       ev[i].changed_ports, (uint64_t)ev[i].timestamp_ns / 1000000000,
				       (uint64_t)ev[i].timestamp_ns / 1000 % 1000000);
			}
			fflush(stdout);
		}
	}
	close(fd);
	return EXIT_OK;
}

/* ---- dispatch -------------------------------------------------------------------------- */

static const struct ocs_cmd ocs_cmds[] = {
	{ "list", ocs_cmd_list, 0, 0, 0 },
	{ "show", ocs_cmd_show, 0, 1, 1 },
	{ "connect", ocs_cmd_connect, OPT_SIMPLEX | OPT_FORCE | OPT_DRY_RUN | OPT_EXPECT_GEN | OPT_WAIT, 2, -1 },
	{ "disconnect", ocs_cmd_disconnect, OPT_SIMPLEX | OPT_DRY_RUN | OPT_EXPECT_GEN | OPT_WAIT, 2, -1 },
	{ "apply", ocs_cmd_apply, OPT_SIMPLEX | OPT_DRY_RUN | OPT_EXPECT_GEN | OPT_WAIT, 1, -1 },
	{ "clear", ocs_cmd_clear, OPT_DRY_RUN | OPT_EXPECT_GEN | OPT_WAIT, 1, 1 },
	{ "watch", ocs_cmd_watch, OPT_COUNT, 1, 1 },
};

static const struct option ocs_long_opts[] = {
	{ "simplex", no_argument, NULL, OPT_SIMPLEX },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "expect-generation", required_argument, NULL, OPT_EXPECT_GEN },
	{ "wait", no_argument, NULL, OPT_WAIT },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int cmd_ocs(struct cli *cli, int argc, char **argv)
{
	const struct ocs_cmd *cmd = NULL;
	struct ocs_opts o = { 0 };
	int c, npos;
	size_t i;

	if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	for (i = 0; i < sizeof(ocs_cmds) / sizeof(ocs_cmds[0]); i++)
		if (!strcmp(argv[1], ocs_cmds[i].name))
			cmd = &ocs_cmds[i];
	if (!cmd) {
		cli_err(cli, argv[1], "unknown ocs command");
		usage(stderr);
		return EXIT_USAGE;
	}

	/* Options may come anywhere after the command (getopt permutes). */
	argc--;
	argv++;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", ocs_long_opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return EXIT_OK;
		}
		if (c == '?' || c == ':') {
			cli_err(cli, cmd->name, "bad option '%s'", argv[optind - 1]);
			return EXIT_USAGE;
		}
		if (!(cmd->allowed & (unsigned int)c)) {
			cli_err(cli, cmd->name, "option '%s' does not apply here", argv[optind - 1]);
			return EXIT_USAGE;
		}
		o.given |= (unsigned int)c;
		if (c == OPT_EXPECT_GEN && cli_parse_u64(optarg, 0, UINT64_MAX, &o.generation)) {
			cli_err(cli, cmd->name, "--expect-generation '%s': not a generation number",
				optarg);
			return EXIT_USAGE;
		}
		if (c == OPT_COUNT && cli_parse_u32(optarg, 1, UINT32_MAX, &o.count)) {
			cli_err(cli, cmd->name, "--count '%s': expected a positive number", optarg);
			return EXIT_USAGE;
		}
	}
	npos = argc - optind;
	if (npos < cmd->min_args || (cmd->max_args >= 0 && npos > cmd->max_args)) {
		cli_err(cli, cmd->name, "wrong number of arguments");
		usage(stderr);
		return EXIT_USAGE;
	}
	return cmd->run(cli, &o, npos, argv + optind);
}
