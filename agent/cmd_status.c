// SPDX-License-Identifier: GPL-2.0
/*
 * mixnet-agent status [--socket PATH | --config FILE] [--json]
 *
 * Asks the running daemon over its control socket: role, peers
 * connected, the plan in force, the last reconfiguration's timings.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "config.h"
#include "control.h"

static const char usage_text[] =
	"usage: mixnet-agent status [--socket PATH | --config FILE] [--json]\n";

static json_int_t num(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static void print_duration(json_int_t ms)
{
	if (ms < 10000)
		printf("%" JSON_INTEGER_FORMAT " ms", ms);
	else if (ms < 3600000)
		printf("%" JSON_INTEGER_FORMAT " s", ms / 1000);
	else
		printf("%" JSON_INTEGER_FORMAT " h %" JSON_INTEGER_FORMAT " min", ms / 3600000,
		       ms / 60000 % 60);
}

static void print_controller(const json_t *c)
{
	const json_t *hosts = json_object_get(c, "hosts"), *circ = json_object_get(c, "circuits");
	const json_t *last = json_object_get(c, "last_reconfig"), *h, *rc, *hs, *t;
	size_t i, up = 0, verified = 0;

	printf("controller %s: %s, plan %" JSON_INTEGER_FORMAT ", OCS generation %"
	       JSON_INTEGER_FORMAT ", demand %s\n", str(c, "endpoint"), str(c, "phase"),
	       num(c, "plan_id"), num(c, "ocs_generation"), str(c, "demand"));
	json_array_foreach(hosts, i, h)
		up += json_is_true(json_object_get(h, "connected"));
	printf("  peers: %zu of %zu connected:", up, json_array_size(hosts));
	json_array_foreach(hosts, i, h)
		printf(" %s%s", str(h, "name"), json_is_true(json_object_get(h, "connected")) ? "" :
		       "(down)");
	printf("\n");
	hs = json_object_get(c, "handshakes");
	if (num(hs, "refused"))
		printf("  refused handshakes: %" JSON_INTEGER_FORMAT ", last: %s\n", num(hs, "refused"),
		       str(hs, "last_refused"));
	json_array_foreach(circ, i, h)
		verified += json_is_true(json_object_get(h, "verified"));
	printf("  circuits: %zu (%zu verified)\n", json_array_size(circ), verified);
	json_array_foreach(circ, i, h)
		printf("    %s/%s <-> %s/%s%s\n", str(h, "a"), str(h, "a_nic"), str(h, "b"),
		       str(h, "b_nic"), json_is_true(json_object_get(h, "verified")) ? "" :
		       "  (not verified, not used)");
	rc = json_object_get(c, "reconfigs");
	printf("  reconfigurations: %" JSON_INTEGER_FORMAT " measured, %" JSON_INTEGER_FORMAT
	       " submitted, %" JSON_INTEGER_FORMAT " aborted, %" JSON_INTEGER_FORMAT
	       " held by hysteresis\n", num(rc, "measured"), num(rc, "submitted"),
	       num(rc, "aborted"), num(rc, "held_by_hysteresis"));
	if (!json_is_object(last))
		return;
	printf("  last: plan %" JSON_INTEGER_FORMAT " (%s", num(last, "plan_id"), str(last, "reason"));
	if (json_object_get(last, "layer"))
		printf(", layer %" JSON_INTEGER_FORMAT, num(last, "layer"));
	printf(") ");
	print_duration(num(last, "ago_ms"));
	printf(" ago: +%" JSON_INTEGER_FORMAT " -%" JSON_INTEGER_FORMAT " =%" JSON_INTEGER_FORMAT
	       " circuits, %" JSON_INTEGER_FORMAT " ports, %" JSON_INTEGER_FORMAT " hosts, %"
	       JSON_INTEGER_FORMAT " unverified%s%s\n", num(last, "added"), num(last, "removed"),
	       num(last, "kept"), num(last, "ports"), num(last, "hosts"), num(last, "unverified"),
	       *str(last, "error") ? ": " : "", str(last, "error"));
	t = json_object_get(last, "timings_ms");
	printf("    plan %.3f ms, drain %.3f ms, apply %.3f ms, switch %.3f ms, confirm %.3f ms, "
	       "use %.3f ms; total %.3f ms, control %.3f ms\n",
	       json_real_value(json_object_get(t, "plan")), json_real_value(json_object_get(t, "drain")),
	       json_real_value(json_object_get(t, "apply")),
	       json_real_value(json_object_get(t, "switch")),
	       json_real_value(json_object_get(t, "confirm")), json_real_value(json_object_get(t, "use")),
	       json_real_value(json_object_get(t, "total")),
	       json_real_value(json_object_get(t, "control")));
}

static void print_host(const json_t *h)
{
	const json_t *nics = json_object_get(h, "nics"), *n;
	size_t i;

	printf("host %s: controller %s %s, plan %" JSON_INTEGER_FORMAT ", epoch %" JSON_INTEGER_FORMAT
	       ", demand rows sent %" JSON_INTEGER_FORMAT " (%" JSON_INTEGER_FORMAT " not sent)\n",
	       str(h, "name"), str(h, "controller"),
	       json_is_true(json_object_get(h, "connected")) ? "connected" : "NOT connected",
	       num(h, "plan_id"), num(h, "epoch"), num(h, "demand_sent"), num(h, "demand_unsent"));
	if (*str(h, "last_error"))
		printf("  last error: %s\n", str(h, "last_error"));
	if (*str(h, "rejected"))
		printf("  refused by the controller: %s\n", str(h, "rejected"));
	json_array_foreach(nics, i, n)
		printf("  %s -> %s\n", str(n, "nic"), *str(n, "peer") ? str(n, "peer") : "(electrical)");
}

static void print_status(const json_t *s)
{
	const json_t *roles = json_object_get(s, "roles"), *r, *c, *h, *dem;
	size_t i;

	printf("mixnet-agent %s, region %s", str(s, "version"), str(s, "region"));
	if (*str(s, "name"))
		printf(", host %s", str(s, "name"));
	printf(", roles");
	json_array_foreach(roles, i, r)
		printf("%s%s", i ? "+" : " ", json_string_value(r));
	printf(", up ");
	print_duration(num(s, "uptime_ms"));
	printf("\n");
	c = json_object_get(s, "controller");
	if (json_is_object(c))
		print_controller(c);
	h = json_object_get(s, "host");
	if (json_is_object(h))
		print_host(h);
	dem = json_object_get(s, "demand_socket");
	printf("demand socket %s: %" JSON_INTEGER_FORMAT " accepted, %" JSON_INTEGER_FORMAT
	       " refused\n", str(dem, "path"), num(dem, "accepted"), num(dem, "refused"));
}

int cmd_status(struct cli *cli, int argc, char **argv)
{
	const char *sock = CFG_DEFAULT_CONTROL_SOCKET, *cfgpath = NULL;
	char sockbuf[PATH_MAX];
	json_t *req, *reply;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--socket") && i + 1 < argc) {
			sock = argv[++i];
		} else if ((!strcmp(argv[i], "--config") || !strcmp(argv[i], "-c")) && i + 1 < argc) {
			cfgpath = argv[++i];
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage_text, stdout);
			return EXIT_OK;
		} else {
			cli_err(cli, argv[i], "unknown argument");
			fputs(usage_text, stderr);
			return EXIT_USAGE;
		}
	}
	if (cfgpath) {
		struct cfg_errors errs;
		struct config *cfg;

		/* Status needs no secret: it may run as any user. */
		rc = config_load(cfgpath, CFG_LOAD_NO_SECRET, &cfg, &errs);
		if (rc) {
			cli_err(cli, cfgpath, "%s", errs.count ? errs.msg[0] : strerror(-rc));
			return rc == -EINVAL ? EXIT_USAGE : cli_exit_code(rc);
		}
		snprintf(sockbuf, sizeof(sockbuf), "%s", cfg->control_socket);
		sock = sockbuf;
		config_free(cfg);
	}
	req = json_pack("{s:s}", "cmd", "status");
	rc = control_request(sock, req, &reply, 5000);
	json_decref(req);
	if (rc) {
		if (rc == -ENOENT || rc == -ECONNREFUSED)
			cli_err(cli, sock, "no daemon is listening");
		else
			cli_errno(cli, sock, rc, "status request failed");
		return rc == -ECONNREFUSED ? EXIT_NOTFOUND : cli_exit_code(rc);
	}
	if (json_object_get(reply, "error")) {
		cli_err(cli, sock, "daemon: %s", str(reply, "error"));
		rc = (int)num(reply, "errno");
		json_decref(reply);
		return cli_exit_code(rc ? rc : EIO);
	}
	if (cli->json)
		return cli_json_print(reply) ? EXIT_FAIL : EXIT_OK;
	print_status(reply);
	json_decref(reply);
	return EXIT_OK;
}
