// SPDX-License-Identifier: GPL-2.0
/*
 * bpf tier: the daemon's traffic sampler adapter (agent/backends.c:
 * sampler_backend_open) against this machine's kernel, in a network
 * namespace of each test's own with a veth pair, pins under a private
 * directory of the BPF file system.  Real datagrams leave the device;
 * the demand row must count exactly their bytes, per region host.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/check_run.h"
#include "backends.h"
#include "config.h"
#include "curve_keys.h"
#include "flows.h"
#include "shell.h"

static char run_root[64], pin_root[96], dir[64];

/*
 * Device "mx0" (198.18.7.1, this host h0) with its veth peer; h1..h3 are
 * 198.18.7.2..4, resolved statically so every frame is one of ours.
 */
static void setup(void)
{
	FILE *f;
	char path[128], pub[CURVE_KEY_Z85_LEN + 1], name[8], mac[32] = "";
	int h;

	ck_assert_msg(unshare(CLONE_NEWNET) == 0, "unshare: %s", strerror(errno));
	snprintf(pin_root, sizeof(pin_root), "%s/t%d", run_root, getpid());
	setenv("MIXNET_PIN_ROOT", pin_root, 1);
	sh("ip link set lo up");
	sh("echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6");
	sh("ip link add mx0 type veth peer name mx1");
	sh("ip link set mx0 up && ip link set mx1 up && ip addr add 198.18.7.1/24 dev mx0");
	/* sysfs still shows the old namespace: ask ip. */
	f = popen("ip link show mx1 | awk '/link\\/ether/ { print $2 }'", "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(mac, sizeof(mac), f));
	pclose(f);
	mac[strcspn(mac, "\n")] = '\0';
	for (h = 2; h <= 5; h++)
		sh("ip neigh replace 198.18.7.%d lladdr %s dev mx0 nud permanent", h, mac);

	strcpy(dir, "/tmp/mixnet-bpf-agent.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/region.ini", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "[region]\nname = bpf\nalpha = 1\n[agent]\nroles = host\nhost = h0\n"
		"secret_key_file = h0.key\ndevice = mx0\n");
	for (h = 0; h < 4; h++) {
		snprintf(name, sizeof(name), "h%d", h);
		ck_assert_int_eq(curve_keys_generate(dir, name, pub), 0);
		if (!h)
			fprintf(f, "[controller]\nendpoint = tcp://198.18.7.100:7400\npublic_key = %s\n",
				pub);
		fprintf(f, "[host h%d]\nfabric = 198.18.7.%d\nmgmt = 198.18.8.%d\npublic_key = %s\n"
			"electrical = e0\nelectrical_nexthop = 02:00:00:00:00:0%d\noptical = o0 port %d\n",
			h, h + 1, h + 1, pub, h + 1, h);
	}
	ck_assert_int_eq(fclose(f), 0);
}

static void teardown(void)
{
	shell("rm -rf %s %s", pin_root, dir);
}

static struct config *load(void)
{
	struct cfg_errors errs;
	struct config *cfg;
	char path[128];

	snprintf(path, sizeof(path), "%s/region.ini", dir);
	if (config_load(path, 0, &cfg, &errs))
		ck_abort_msg("%s", errs.msg[0]);
	return cfg;
}

static void send_udp(const char *dst, size_t size, int count)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(9) };
	char *buf = calloc(1, size);
	int fd = socket(AF_INET, SOCK_DGRAM, 0), i;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(inet_pton(AF_INET, dst, &sin.sin_addr), 1);
	for (i = 0; i < count; i++)
		ck_assert_int_eq(sendto(fd, buf, size, 0, (struct sockaddr *)&sin, sizeof(sin)),
				 (ssize_t)size);
	close(fd);
	free(buf);
}

/* IPv4 + UDP headers on top of each datagram's payload. */
#define WIRE(size) ((size) + 20 + 8)

START_TEST(test_row_counts_region_peers)
{
	struct config *cfg = load();
	struct sampler_backend *s;
	uint64_t row[4];
	char why[256];

	ck_assert_msg(sampler_backend_open(cfg, &s, why, sizeof(why)) == 0, "%s", why);
	/* Attached by the agent, pinned where the flows commands look. */
	shell("test -d %s/mx0", pin_root) == 0 ? (void)0 : ck_abort_msg("not pinned");
	/* The first reading has no interval: zeros. */
	ck_assert_int_eq(s->read_row(s->priv, row, 4), 0);
	ck_assert_uint_eq(row[1] + row[2] + row[3], 0);

	send_udp("198.18.7.2", 1000, 10);	/* h1 */
	send_udp("198.18.7.4", 200, 3);		/* h3 */
	send_udp("198.18.7.5", 500, 4);		/* not a region host */
	ck_assert_int_eq(s->read_row(s->priv, row, 4), 0);
	ck_assert_uint_eq(row[0], 0);
	ck_assert_uint_eq(row[1], 10 * WIRE(1000));
	ck_assert_uint_eq(row[2], 0);
	ck_assert_uint_eq(row[3], 3 * WIRE(200));

	/* Per epoch: the next row holds only what was sent since. */
	send_udp("198.18.7.3", 100, 2);		/* h2 */
	ck_assert_int_eq(s->read_row(s->priv, row, 4), 0);
	ck_assert_uint_eq(row[1], 0);
	ck_assert_uint_eq(row[2], 2 * WIRE(100));
	ck_assert_uint_eq(row[3], 0);
	s->close(s->priv);
	free(s);
	config_free(cfg);
}
END_TEST

START_TEST(test_restart_keeps_sampler)
{
	struct config *cfg = load();
	struct sampler_backend *s;
	struct flows_sampler *fs;
	struct flows_error e;
	uint64_t row[4], epoch;
	char why[256];

	ck_assert_msg(sampler_backend_open(cfg, &s, why, sizeof(why)) == 0, "%s", why);
	ck_assert_int_eq(flows_open("mx0", pin_root, &fs, &e), 0);
	epoch = flows_epoch(fs);
	flows_close(fs);
	s->close(s->priv);
	free(s);

	/* The agent went away: the sampler stays attached and keeps counting. */
	send_udp("198.18.7.2", 300, 5);
	ck_assert_msg(sampler_backend_open(cfg, &s, why, sizeof(why)) == 0, "%s", why);
	ck_assert_int_eq(flows_open("mx0", pin_root, &fs, &e), 0);
	ck_assert_uint_eq(flows_epoch(fs), epoch);	/* not re-attached */
	flows_close(fs);
	ck_assert_int_eq(s->read_row(s->priv, row, 4), 0);
	send_udp("198.18.7.2", 300, 1);
	ck_assert_int_eq(s->read_row(s->priv, row, 4), 0);
	ck_assert_uint_eq(row[1], WIRE(300));
	s->close(s->priv);
	free(s);
	ck_assert_int_eq(flows_detach("mx0", pin_root, &e), 0);
	config_free(cfg);
}
END_TEST

START_TEST(test_no_device)
{
	struct config *cfg = load();
	struct sampler_backend *s = (void *)1;
	char why[256];

	sh("ip link del mx0");
	ck_assert_int_eq(sampler_backend_open(cfg, &s, why, sizeof(why)), -ENODEV);
	ck_assert_ptr_null(s);
	ck_assert_msg(strstr(why, "traffic sampler on mx0"), "%s", why);
	config_free(cfg);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("agent_sampler");
	TCase *tc = tcase_create("veth");
	int rc;

	snprintf(run_root, sizeof(run_root), "/sys/fs/bpf/mixnet-agent-test-%d", getpid());
	if (mkdir(run_root, 0755)) {
		perror(run_root);
		return EXIT_FAILURE;
	}
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_row_counts_region_peers);
	tcase_add_test(tc, test_restart_keeps_sampler);
	tcase_add_test(tc, test_no_device);
	suite_add_tcase(su, tc);
	rc = check_run(su);
	shell("rm -rf %s", run_root);
	return rc;
}
