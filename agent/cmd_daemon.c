// SPDX-License-Identifier: GPL-2.0
/*
 * mixnet-agent daemon [--config FILE]        run in the foreground
 * mixnet-agent daemon --check [--no-secret] [--config FILE]
 *                                            validate the configuration
 * mixnet-agent daemon --gen-keys DIR --name NAME
 *                                            make a CURVE key pair
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "backends.h"
#include "commands.h"
#include "config.h"
#include "curve_keys.h"
#include "daemon.h"
#include "log.h"

static const char usage_text[] =
	"usage: mixnet-agent daemon [--config FILE]\n"
	"       mixnet-agent daemon --check [--no-secret] [--config FILE] [--json]\n"
	"       mixnet-agent daemon --gen-keys DIR --name NAME [--json]\n";

static int usage(struct cli *cli, const char *why)
{
	if (why)
		cli_err(cli, "daemon", "%s", why);
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}

static int load(struct cli *cli, const char *path, unsigned int flags, struct config **cfg)
{
	struct cfg_errors errs;
	unsigned int i;
	int rc;

	rc = config_load(path, flags, cfg, &errs);
	if (!rc)
		return EXIT_OK;
	for (i = 0; i < errs.count && i < CFG_MAX_ERRORS; i++)
		fprintf(stderr, "%s: %s\n", cli->prog, errs.msg[i]);
	if (errs.count > CFG_MAX_ERRORS)
		fprintf(stderr, "%s: ... and %u more errors\n", cli->prog,
			errs.count - CFG_MAX_ERRORS);
	return rc == -EINVAL ? EXIT_USAGE : cli_exit_code(rc);
}

static int gen_keys(struct cli *cli, const char *dir, const char *name)
{
	char pub[CURVE_KEY_Z85_LEN + 1], kpath[512], ppath[512];
	int rc;

	snprintf(kpath, sizeof(kpath), "%s/%s.key", dir, name);
	snprintf(ppath, sizeof(ppath), "%s/%s.pub", dir, name);
	rc = curve_keys_generate(dir, name, pub);
	if (rc) {
		cli_errno(cli, kpath, rc, rc == -EEXIST ? "key files exist, not overwritten" :
			  "cannot write the key pair");
		return cli_exit_code(rc);
	}
	if (cli->json)
		return cli_json_print(json_pack("{s:s, s:s, s:s, s:s}", "name", name,
						"public_key", pub, "secret_key_file", kpath,
						"public_key_file", ppath)) ? EXIT_FAIL : EXIT_OK;
	printf("wrote %s (secret, mode 0600) and %s\n", kpath, ppath);
	printf("for the region configuration ([host %s] or [controller]):\n", name);
	printf("public_key = %s\n", pub);
	return EXIT_OK;
}

static int check(struct cli *cli, const struct config *cfg)
{
	uint32_t i, nics = 0;
	json_t *hosts, *roles;

	for (i = 0; i < cfg->nhosts; i++)
		nics += cfg->hosts[i].noptical;
	if (!cli->json) {
		printf("%s: valid: region %s, %u hosts, %u optical NICs, epoch %u ms, controller %s\n",
		       cfg->path, cfg->region, cfg->nhosts, nics, cfg->epoch_ms, cfg->ctl_endpoint);
		printf("this agent: %s%s%s%s\n", cfg->roles & CFG_ROLE_HOST ? "host " : "",
		       cfg->host, cfg->roles == (CFG_ROLE_HOST | CFG_ROLE_CONTROLLER) ? " + " : "",
		       cfg->roles & CFG_ROLE_CONTROLLER ? "controller" : "");
		return EXIT_OK;
	}
	hosts = json_array();
	roles = json_array();
	for (i = 0; i < cfg->nhosts; i++)
		json_array_append_new(hosts, json_pack("{s:s, s:i}", "name", cfg->hosts[i].name,
						       "optical", cfg->hosts[i].noptical));
	if (cfg->roles & CFG_ROLE_HOST)
		json_array_append_new(roles, json_string("host"));
	if (cfg->roles & CFG_ROLE_CONTROLLER)
		json_array_append_new(roles, json_string("controller"));
	return cli_json_print(json_pack("{s:s, s:b, s:s, s:o, s:s?, s:s, s:i, s:o}", "config",
					cfg->path, "valid", 1, "region", cfg->region, "roles", roles,
					"host", cfg->host[0] ? cfg->host : NULL, "controller",
					cfg->ctl_endpoint, "epoch_ms", cfg->epoch_ms, "hosts",
					hosts)) ? EXIT_FAIL : EXIT_OK;
}

int cmd_daemon(struct cli *cli, int argc, char **argv)
{
	const char *path = CFG_DEFAULT_PATH, *keydir = NULL, *name = NULL;
	struct daemon_backends b;
	struct daemon *d = NULL;
	struct config *cfg = NULL;
	bool do_check = false, no_secret = false;
	char why[256];
	int i, rc;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--config") || !strcmp(a, "-c")) {
			if (++i == argc)
				return usage(cli, "--config needs a file");
			path = argv[i];
		} else if (!strcmp(a, "--check")) {
			do_check = true;
		} else if (!strcmp(a, "--no-secret")) {
			no_secret = true;
		} else if (!strcmp(a, "--gen-keys")) {
			if (++i == argc)
				return usage(cli, "--gen-keys needs a directory");
			keydir = argv[i];
		} else if (!strcmp(a, "--name")) {
			if (++i == argc)
				return usage(cli, "--name needs a name");
			name = argv[i];
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(usage_text, stdout);
			return EXIT_OK;
		} else {
			cli_err(cli, a, "unknown argument");
			return usage(cli, NULL);
		}
	}
	if (keydir || name) {
		if (!keydir || !name)
			return usage(cli, "--gen-keys DIR and --name NAME go together");
		if (do_check)
			return usage(cli, "--gen-keys and --check exclude each other");
		return gen_keys(cli, keydir, name);
	}

	if (no_secret && !do_check)
		return usage(cli, "--no-secret only goes with --check");
	rc = load(cli, path, no_secret ? CFG_LOAD_NO_SECRET : 0, &cfg);
	if (rc)
		return rc;
	if (do_check) {
		rc = check(cli, cfg);
		config_free(cfg);
		return rc;
	}

	if (cli->verbose)
		log_set_level(LOG_DEBUG);
	/* The sockets first: a second daemon must not touch the live sampler. */
	rc = daemon_claim(cfg, NULL, &d, why, sizeof(why));
	if (rc) {
		cli_err(cli, "daemon", "%s", why);
		config_free(cfg);
		return cli_exit_code(rc);
	}
	rc = backends_open(cfg, &b, why, sizeof(why));
	if (rc) {
		cli_err(cli, "daemon", "%s", why);
		daemon_free(d);
		config_free(cfg);
		return rc == -EOPNOTSUPP ? EXIT_FAIL : cli_exit_code(rc);
	}
	rc = daemon_start(d, &b, why, sizeof(why));
	if (rc)
		cli_err(cli, "daemon", "%s", why);
	else
		rc = daemon_run(d);
	daemon_free(d);
	backends_close(&b);
	config_free(cfg);
	return rc ? cli_exit_code(rc) : EXIT_OK;
}
