// SPDX-License-Identifier: GPL-2.0
/*
 * mixnet-agent tm: this host's row of the traffic matrix, i.e. the bytes
 * and bytes/s it sent to each peer over an interval, read from the
 * sampler's per-peer counters (exact, every packet).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "flows_cli.h"

#define TM_INTERVAL_DEFAULT	1000	/* ms */
#define TM_INTERVAL_MAX		3600000

static const char tm_usage[] =
	"usage: mixnet-agent tm [DEV] [--interval MS] [--json]\n"
	"  DEV defaults to mixnet0, or to the only device with a sampler.\n"
	"  Prints per peer the bytes sent in total, during the interval, and per second.\n";

static json_t *entry_json(const struct flows_row_entry *r, bool with_addr)
{
	char a[FLOWS_ADDRSTRLEN];

	if (with_addr)
		return json_pack("{s:s, s:I, s:I, s:I, s:I, s:f, s:f}",
				 "peer", flows_addr_str(r->addr, a, sizeof(a)),
				 "bytes", (json_int_t)r->bytes, "packets", (json_int_t)r->packets,
				 "interval_bytes", (json_int_t)r->d.bytes,
				 "interval_packets", (json_int_t)r->d.packets,
				 "bytes_per_sec", r->d.bytes_per_sec,
				 "packets_per_sec", r->d.packets_per_sec);
	return json_pack("{s:I, s:I, s:I, s:I, s:f, s:f}",
			 "bytes", (json_int_t)r->bytes, "packets", (json_int_t)r->packets,
			 "interval_bytes", (json_int_t)r->d.bytes,
			 "interval_packets", (json_int_t)r->d.packets,
			 "bytes_per_sec", r->d.bytes_per_sec,
			 "packets_per_sec", r->d.packets_per_sec);
}

static void entry_text(const char *name, const struct flows_row_entry *r)
{
	printf("%-39s %14" PRIu64 " %14" PRIu64 " %14.1f\n", name, r->bytes, r->d.bytes,
	       r->d.bytes_per_sec);
}

static int print_row(const struct cli *cli, const char *dev, const struct flows_row *row)
{
	char a[FLOWS_ADDRSTRLEN];
	size_t i;

	if (cli->json) {
		json_t *peers = json_array();

		for (i = 0; i < row->n; i++)
			json_array_append_new(peers, entry_json(&row->peers[i], true));
		return cli_json_print(json_pack("{s:s, s:f, s:o, s:o}", "dev", dev,
						"interval_ms", row->interval_ns / 1e6,
						"peers", peers,
						"unknown", entry_json(&row->unknown, false)));
	}
	printf("%s: demand over %.1f ms\n", dev, row->interval_ns / 1e6);
	printf("%-39s %14s %14s %14s\n", "PEER", "BYTES", "INTERVAL", "BYTES/S");
	for (i = 0; i < row->n; i++)
		entry_text(flows_addr_str(row->peers[i].addr, a, sizeof(a)), &row->peers[i]);
	entry_text("(unknown)", &row->unknown);
	return fflush(stdout) ? -EIO : 0;
}

int cmd_tm(struct cli *cli, int argc, char **argv)
{
	struct flows_error e = { { 0 }, { 0 } };
	struct flows_sampler *s = NULL;
	const struct flows_peer *peers;
	struct flows_tracker t;
	struct flows_row row;
	uint32_t interval = TM_INTERVAL_DEFAULT;
	char dev[IFNAMSIZ] = "";
	uint64_t now;
	size_t n;
	int i, err, rc;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h") ||
		    !strcmp(argv[i], "help")) {
			fputs(tm_usage, stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--interval")) {
			if (i + 1 >= argc) {
				cli_err(cli, argv[i], "needs a value");
				return EXIT_USAGE;
			}
			if (cli_parse_u32(argv[++i], 1, TM_INTERVAL_MAX, &interval)) {
				cli_err(cli, "--interval", "'%s' is not a number in 1..%u", argv[i],
					TM_INTERVAL_MAX);
				return EXIT_USAGE;
			}
		} else if (argv[i][0] == '-') {
			cli_err(cli, argv[i], "unknown option for tm");
			fputs(tm_usage, stderr);
			return EXIT_USAGE;
		} else if (!dev[0]) {
			if (strlen(argv[i]) >= sizeof(dev)) {
				cli_err(cli, argv[i], "not a valid device name");
				return EXIT_USAGE;
			}
			snprintf(dev, sizeof(dev), "%s", argv[i]);
		} else {
			cli_err(cli, argv[i], "unexpected argument (one device at most)");
			return EXIT_USAGE;
		}
	}
	flows_libbpf_verbose(cli->verbose);
	if (!dev[0]) {
		rc = flows_cli_default_dev(cli, dev, sizeof(dev));
		if (rc)
			return rc;
	}
	err = flows_open(dev, flows_cli_pin_root(), &s, &e);
	if (err)
		return flows_cli_fail(cli, err, &e);

	flows_tracker_init(&t);
	flows_row_init(&row);
	err = flows_read_peers(s, &peers, &n, &now);
	if (!err)
		err = flows_row_update(&row, &t, flows_epoch(s), now, peers, n);
	if (!err) {
		flows_cli_sleep_ms(interval);
		err = flows_read_peers(s, &peers, &n, &now);
	}
	if (!err)
		err = flows_row_update(&row, &t, flows_epoch(s), now, peers, n);
	if (err) {
		cli_errno(cli, dev, err, "cannot read the per-peer counters");
		rc = cli_exit_code(err);
	} else {
		rc = print_row(cli, dev, &row) ? EXIT_FAIL : EXIT_OK;
	}
	flows_row_free(&row);
	flows_tracker_free(&t);
	flows_close(s);
	return rc;
}
