/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test fixtures shared by the agent's unit tests: scratch directories,
 * files, and a generated region (keys + INI file) on loopback addresses,
 * loaded.
 * Header-only: each test program is one .c file.
 */
#ifndef MIXNET_TEST_AGENT_FIXTURE_H
#define MIXNET_TEST_AGENT_FIXTURE_H

#include <check.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "curve_keys.h"

static inline int fx_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/*
 * The source tree: $TOP (set by tests/run-check), else three levels above
 * this binary (build/tests/unit/test_x).
 */
static inline const char *fx_top(void)
{
	static char top[4096];
	const char *env = getenv("TOP");
	ssize_t n;
	int i;

	if (env)
		return env;
	n = readlink("/proc/self/exe", top, sizeof(top) - 1);
	if (n <= 0)
		return ".";
	top[n] = '\0';
	for (i = 0; i < 4; i++) {
		char *slash = strrchr(top, '/');

		if (!slash)
			return ".";
		*slash = '\0';
	}
	return top;
}

/* A fresh directory under /tmp; @dir must hold 64 bytes. */
static inline void fx_mkdtemp(char *dir)
{
	strcpy(dir, "/tmp/mixnet-ut.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static inline void fx_rmtree(const char *dir)
{
	nftw(dir, fx_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static inline void fx_write(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* Read DIR/NAME.pub into @pub (generating the pair if absent). */
static inline void fx_key(const char *dir, const char *name, char pub[CURVE_KEY_Z85_LEN + 1])
{
	char path[512], why[128];
	int rc;

	rc = curve_keys_generate(dir, name, pub);
	if (rc == -EEXIST) {
		snprintf(path, sizeof(path), "%s/%s.pub", dir, name);
		rc = curve_key_read(path, 0, pub, why, sizeof(why));
	}
	ck_assert_int_eq(rc, 0);
}

/*
 * Write DIR/FILE (fx_region: region.ini) for hosts h0..h{n-1}, @alpha optical NICs each
 * (host i's NIC k is "o{k}" on OCS port i*alpha+k), keys in DIR, the
 * controller at @endpoint with h0's key, management addresses
 * 127.0.0.1 for every host unless @distinct_mgmt (then 127.0.0.{i+1}).
 * [agent] says host @self (or none if < 0) with @roles.
 */
static inline void fx_region_as(const char *dir, const char *file, unsigned int n,
				unsigned int alpha, const char *endpoint, int self, const char *roles,
				int distinct_mgmt, const char *extra_controller)
{
	char pub[CURVE_KEY_Z85_LEN + 1], name[32];
	size_t cap = 4096 + n * (512 + alpha * 64), len = 0;
	char *text = malloc(cap);
	unsigned int i, k;

	ck_assert_ptr_nonnull(text);
#define FX_ADD(...) (len += (size_t)snprintf(text + len, cap - len, __VA_ARGS__))
	FX_ADD("[region]\nname = test\nalpha = %u\nepoch_ms = 20\n\n", alpha);
	fx_key(dir, "h0", pub);
	FX_ADD("[controller]\nendpoint = %s\npublic_key_file = h0.pub\n%s\n", endpoint,
	       extra_controller ? extra_controller : "");
	FX_ADD("[agent]\nroles = %s\n", roles);
	if (self >= 0)
		FX_ADD("host = h%d\nsecret_key_file = h%d.key\n", self, self);
	else
		FX_ADD("secret_key_file = h0.key\n");
	FX_ADD("control_socket = %s/%s.control\ndemand_socket = %s/%s.demand\n\n", dir, file, dir,
	       file);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "h%u", i);
		fx_key(dir, name, pub);
		FX_ADD("[host h%u]\nfabric = 198.18.0.%u\nmgmt = 127.0.0.%u\npublic_key = %s\n"
		       "electrical = e0\nelectrical_nexthop = 02:00:00:00:01:%02x\n",
		       i, i + 1, distinct_mgmt ? i + 1 : 1, pub, i + 1);
		for (k = 0; k < alpha; k++)
			FX_ADD("optical = o%u port %u numa %u\n", k, i * alpha + k, k % 2);
		FX_ADD("\n");
	}
#undef FX_ADD
	fx_write(dir, file, text);
	free(text);
}

/* DIR/FILE loaded with @flags (CFG_LOAD_*); a fixture that does not load fails the test. */
static inline struct config *fx_load(const char *dir, const char *file, unsigned int flags)
{
	struct cfg_errors errs;
	struct config *cfg;
	char path[PATH_MAX];
	unsigned int i;

	ck_assert_int_lt(snprintf(path, sizeof(path), "%s/%s", dir, file), sizeof(path));
	if (config_load(path, flags, &cfg, &errs)) {
		for (i = 0; i < errs.count && i < CFG_MAX_ERRORS; i++)
			fprintf(stderr, "%s\n", errs.msg[i]);
		ck_abort_msg("fixture %s does not load", path);
	}
	return cfg;
}

static inline void fx_region(const char *dir, unsigned int n, unsigned int alpha,
			     const char *endpoint, int self, const char *roles, int distinct_mgmt,
			     const char *extra_controller)
{
	fx_region_as(dir, "region.ini", n, alpha, endpoint, self, roles, distinct_mgmt,
		     extra_controller);
}

#endif /* MIXNET_TEST_AGENT_FIXTURE_H */
