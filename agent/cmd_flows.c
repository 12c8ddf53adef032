// SPDX-License-Identifier: GPL-2.0
/*
 * mixnet-agent flows: attach the traffic sampler to a device, set its
 * peers, show its counters, expire idle flows, detach.
 * Documentation/sampling.md describes the program and the maps.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "flows_cli.h"

#define SHOW_TOP_DEFAULT	20
#define SHOW_INTERVAL_DEFAULT	1000	/* ms */
#define INTERVAL_MAX		3600000	/* ms */
#define EXPIRE_IDLE_DEFAULT	10000	/* ms */

static const char flows_usage[] =
	"usage: mixnet-agent flows attach DEV [--sample N] [--max-flows K] [--peer-slots S]\n"
	"                                     [--peer ADDR]... [--peers-file FILE]\n"
	"       mixnet-agent flows detach DEV\n"
	"       mixnet-agent flows show [DEV] [--top N] [--interval MS] [--json]\n"
	"       mixnet-agent flows peers DEV (ADDR... | --peers-file FILE | --none)\n"
	"       mixnet-agent flows expire DEV [--idle MS]\n"
	"\n"
	"  --sample N     flow table: 1 every packet (default), N about 1 in N, 0 off\n"
	"  --max-flows K  flow table entries (default 16384)\n"
	"  --peer-slots S peer table size including the unknown-peer slot (default 1024)\n"
	"  --interval MS  show rates over MS milliseconds (default 1000; 0 totals only)\n"
	"Pins live under $MIXNET_PIN_ROOT (default " MIXNET_PIN_ROOT ").\n";

enum { OPT_SAMPLE = 256, OPT_MAX_FLOWS, OPT_PEER_SLOTS, OPT_PEER, OPT_PEERS_FILE, OPT_NONE,
       OPT_TOP, OPT_INTERVAL, OPT_IDLE };

static const struct option long_opts[] = {
	{ "sample", required_argument, NULL, OPT_SAMPLE },
	{ "max-flows", required_argument, NULL, OPT_MAX_FLOWS },
	{ "peer-slots", required_argument, NULL, OPT_PEER_SLOTS },
	{ "peer", required_argument, NULL, OPT_PEER },
	{ "peers-file", required_argument, NULL, OPT_PEERS_FILE },
	{ "none", no_argument, NULL, OPT_NONE },
	{ "top", required_argument, NULL, OPT_TOP },
	{ "interval", required_argument, NULL, OPT_INTERVAL },
	{ "idle", required_argument, NULL, OPT_IDLE },
	{ NULL, 0, NULL, 0 },
};

/* What each subcommand accepts; anything else is a usage error. */
struct args {
	struct flows_attach_opts attach;
	struct flows_cli_peers peers;
	bool none, peers_given;
	uint32_t top, interval, idle;
	char **pos;	/* positional arguments */
	int npos;
};

static int parse_num(const struct cli *cli, const char *opt, const char *val,
		     uint32_t min, uint32_t max, uint32_t *out)
{
	if (cli_parse_u32(val, min, max, out)) {
		cli_err(cli, opt, "'%s' is not a number in %u..%u", val, min, max);
		return -1;
	}
	return 0;
}

/* @allowed: the OPT_* values this subcommand takes. */
static int parse_args(const struct cli *cli, int argc, char **argv, const int *allowed,
		      struct args *a)
{
	char opt[32];
	int c, i, li;

	flows_attach_opts_init(&a->attach);
	a->top = SHOW_TOP_DEFAULT;
	a->interval = SHOW_INTERVAL_DEFAULT;
	a->idle = EXPIRE_IDLE_DEFAULT;
	optind = 0;	/* glibc: full re-initialisation */
	opterr = 0;
	while ((li = -1, c = getopt_long(argc, argv, ":", long_opts, &li)) != -1) {
		const char *name = argv[optind - 1];
		bool ok = false;

		if (li >= 0) {	/* a known option: name it even if its value was separate */
			snprintf(opt, sizeof(opt), "--%s", long_opts[li].name);
			name = opt;
		}

		for (i = 0; allowed[i]; i++)
			ok |= allowed[i] == c;
		if (c == '?' || (c != ':' && !ok)) {
			cli_err(cli, name, "unknown option for '%s' (see mixnet-agent flows help)",
				argv[0]);
			return -1;
		}
		if (c == ':') {
			cli_err(cli, name, "needs a value");
			return -1;
		}
		switch (c) {
		case OPT_SAMPLE:
			if (parse_num(cli, name, optarg, 0, UINT32_MAX, &a->attach.sample_every))
				return -1;
			break;
		case OPT_MAX_FLOWS:
			if (parse_num(cli, name, optarg, 1, FLOWS_MAX_FLOWS_LIMIT,
				      &a->attach.max_flows))
				return -1;
			break;
		case OPT_PEER_SLOTS:
			if (parse_num(cli, name, optarg, 2, FLOWS_PEER_SLOTS_LIMIT,
				      &a->attach.peer_slots))
				return -1;
			break;
		case OPT_PEER:
			a->peers_given = true;
			if (flows_cli_peer_add(cli, &a->peers, optarg))
				return -1;
			break;
		case OPT_PEERS_FILE:
			a->peers_given = true;
			if (flows_cli_peer_file(cli, &a->peers, optarg))
				return -1;
			break;
		case OPT_NONE:
			a->none = true;
			break;
		case OPT_TOP:
			if (parse_num(cli, name, optarg, 0, UINT32_MAX, &a->top))
				return -1;
			break;
		case OPT_INTERVAL:
			if (parse_num(cli, name, optarg, 0, INTERVAL_MAX, &a->interval))
				return -1;
			break;
		case OPT_IDLE:
			if (parse_num(cli, name, optarg, 0, UINT32_MAX, &a->idle))
				return -1;
			break;
		}
	}
	a->pos = argv + optind;
	a->npos = argc - optind;
	return 0;
}

/* Exactly one positional DEV. */
static int one_dev(const struct cli *cli, const struct args *a, const char *sub)
{
	if (a->npos == 1)
		return 0;
	cli_err(cli, sub, a->npos ? "too many arguments ('%s')" : "needs a device%s",
		a->npos ? a->pos[1] : "");
	return -1;
}

static int do_attach(struct cli *cli, int argc, char **argv)
{
	static const int allowed[] = { OPT_SAMPLE, OPT_MAX_FLOWS, OPT_PEER_SLOTS, OPT_PEER,
				       OPT_PEERS_FILE, 0 };
	struct flows_error e = { { 0 }, { 0 } };
	struct args a = { 0 };
	int err, rc = EXIT_USAGE;

	if (parse_args(cli, argc, argv, allowed, &a) || one_dev(cli, &a, "attach"))
		goto out;
	a.attach.pin_root = flows_cli_pin_root();
	a.attach.peers = a.peers.v;
	a.attach.npeers = a.peers.n;
	err = flows_attach(a.pos[0], &a.attach, &e);
	if (err) {
		rc = flows_cli_fail(cli, err, &e);
		goto out;
	}
	if (cli->verbose)
		fprintf(stderr, "%s: sampler attached to %s tc egress, %zu peers\n", cli->prog,
			a.pos[0], a.peers.n);
	rc = EXIT_OK;
out:
	free(a.peers.v);
	return rc;
}

static int do_detach(struct cli *cli, int argc, char **argv)
{
	static const int allowed[] = { 0 };
	struct flows_error e = { { 0 }, { 0 } };
	struct args a = { 0 };
	int err;

	if (parse_args(cli, argc, argv, allowed, &a) || one_dev(cli, &a, "detach"))
		return EXIT_USAGE;
	err = flows_detach(a.pos[0], flows_cli_pin_root(), &e);
	return err ? flows_cli_fail(cli, err, &e) : EXIT_OK;
}

static int do_peers(struct cli *cli, int argc, char **argv)
{
	static const int allowed[] = { OPT_PEERS_FILE, OPT_NONE, 0 };
	struct flows_error e = { { 0 }, { 0 } };
	struct flows_sampler *s = NULL;
	struct args a = { 0 };
	int i, err, rc = EXIT_USAGE;

	if (parse_args(cli, argc, argv, allowed, &a))
		goto out;
	if (a.npos < 1) {
		cli_err(cli, "peers", "needs a device");
		goto out;
	}
	for (i = 1; i < a.npos; i++) {
		a.peers_given = true;
		if (flows_cli_peer_add(cli, &a.peers, a.pos[i]))
			goto out;
	}
	if (a.none == a.peers_given) {
		cli_err(cli, "peers", a.none ? "--none and peers together" :
			"give the peers (ADDR..., --peers-file FILE) or --none");
		goto out;
	}
	err = flows_open(a.pos[0], flows_cli_pin_root(), &s, &e);
	if (!err)
		err = flows_set_peers(s, a.peers.v, a.peers.n, &e);
	rc = err ? flows_cli_fail(cli, err, &e) : EXIT_OK;
out:
	flows_close(s);
	free(a.peers.v);
	return rc;
}

static int do_expire(struct cli *cli, int argc, char **argv)
{
	static const int allowed[] = { OPT_IDLE, 0 };
	struct flows_error e = { { 0 }, { 0 } };
	struct flows_sampler *s;
	struct args a = { 0 };
	size_t removed = 0;
	int err;

	if (parse_args(cli, argc, argv, allowed, &a) || one_dev(cli, &a, "expire"))
		return EXIT_USAGE;
	err = flows_open(a.pos[0], flows_cli_pin_root(), &s, &e);
	if (err)
		return flows_cli_fail(cli, err, &e);
	err = flows_expire(s, (uint64_t)a.idle * 1000000ull, &removed);
	flows_close(s);
	if (err) {
		cli_errno(cli, a.pos[0], err, "cannot expire flows");
		return cli_exit_code(err);
	}
	if (cli->json)
		return cli_json_print(json_pack("{s:s, s:I}", "dev", a.pos[0], "removed",
						(json_int_t)removed)) ? EXIT_FAIL : EXIT_OK;
	printf("%s: %zu idle flows removed\n", a.pos[0], removed);
	return EXIT_OK;
}

/* ---- show -------------------------------------------------------------------------- */

/* One device being shown: two readings @interval apart. */
struct shown {
	char dev[IFNAMSIZ];
	struct flows_sampler *s;
	int attached;
	struct flows_tracker peer_t, flow_t;
	struct flows_row row;
	struct flows_flow *flows;	/* the last reading, owned */
	struct flows_delta *fdelta;
	struct flows_sample *fsamples;
	size_t nflows;
	struct mixnet_sampler_errors errors;
};

static void shown_free(struct shown *d)
{
	flows_close(d->s);
	flows_tracker_free(&d->peer_t);
	flows_tracker_free(&d->flow_t);
	flows_row_free(&d->row);
	free(d->flows);
	free(d->fdelta);
	free(d->fsamples);
}

static int shown_read(struct shown *d)
{
	const struct flows_peer *peers;
	const struct flows_flow *flows;
	uint64_t now;
	size_t n, i;
	int err;

	err = flows_read_peers(d->s, &peers, &n, &now);
	if (!err)
		err = flows_row_update(&d->row, &d->peer_t, flows_epoch(d->s), now, peers, n);
	if (!err)
		err = flows_read_flows(d->s, &flows, &n, &now);
	if (err)
		return err;
	free(d->flows);
	free(d->fdelta);
	free(d->fsamples);
	d->flows = malloc((n ? n : 1) * sizeof(*d->flows));
	d->fdelta = malloc((n ? n : 1) * sizeof(*d->fdelta));
	d->fsamples = malloc((n ? n : 1) * sizeof(*d->fsamples));
	d->nflows = 0;
	if (!d->flows || !d->fdelta || !d->fsamples)
		return -ENOMEM;
	memcpy(d->flows, flows, n * sizeof(*flows));
	d->nflows = n;
	for (i = 0; i < n; i++)
		flows_flow_sample(&flows[i], &d->fsamples[i]);
	err = flows_tracker_update(&d->flow_t, flows_epoch(d->s), now, d->fsamples, n, d->fdelta);
	if (!err)
		err = flows_read_errors(d->s, &d->errors);
	return err;
}

static const char *proto_name(uint8_t p)
{
	switch (p) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_ICMP: return "icmp";
	case IPPROTO_ICMPV6: return "icmpv6";
	case IPPROTO_SCTP: return "sctp";
	default: return NULL;
	}
}

static void add_rates(json_t *o, const struct flows_delta *d, double scale)
{
	if (!d->valid)
		return;
	json_object_set_new(o, "interval_bytes", json_integer((json_int_t)(d->bytes * scale)));
	json_object_set_new(o, "interval_packets", json_integer((json_int_t)(d->packets * scale)));
	json_object_set_new(o, "bytes_per_sec", json_real(d->bytes_per_sec * scale));
	json_object_set_new(o, "packets_per_sec", json_real(d->packets_per_sec * scale));
}

static json_t *row_entry_json(const struct flows_row_entry *r, bool with_addr)
{
	char a[FLOWS_ADDRSTRLEN];
	json_t *o = json_object();

	if (with_addr) {
		json_object_set_new(o, "peer", json_string(flows_addr_str(r->addr, a, sizeof(a))));
		json_object_set_new(o, "slot", json_integer(r->slot));
	}
	json_object_set_new(o, "bytes", json_integer((json_int_t)r->bytes));
	json_object_set_new(o, "packets", json_integer((json_int_t)r->packets));
	add_rates(o, &r->d, 1);
	return o;
}

static json_t *shown_json(const struct shown *d, const size_t *order, size_t ntop)
{
	const struct mixnet_sampler_info *in = flows_info(d->s);
	double scale = in->sample_every > 1 ? in->sample_every : 1;
	json_t *o, *peers, *flows;
	char a[FLOWS_ADDRSTRLEN];
	size_t i;

	o = json_pack("{s:s, s:b, s:i, s:s, s:i, s:i, s:i, s:I}",
		      "dev", d->dev, "attached", d->attached == 1, "ifindex", (int)in->ifindex,
		      "link", flows_link_mode_name(in->link_mode),
		      "sample_every", (int)in->sample_every, "max_flows", (int)in->max_flows,
		      "peer_slots", (int)in->peer_slots, "flows_in_table", (json_int_t)d->nflows);
	json_object_set_new(o, "errors", json_pack("{s:I, s:I, s:I, s:I, s:I}",
		"not_ip", (json_int_t)d->errors.not_ip, "bad_ip", (json_int_t)d->errors.bad_ip,
		"bad_l4", (json_int_t)d->errors.bad_l4,
		"flows_full", (json_int_t)d->errors.flows_full,
		"flows_failed", (json_int_t)d->errors.flows_failed));
	peers = json_array();
	for (i = 0; i < d->row.n; i++)
		json_array_append_new(peers, row_entry_json(&d->row.peers[i], true));
	json_object_set_new(o, "peers", peers);
	json_object_set_new(o, "unknown", row_entry_json(&d->row.unknown, false));
	flows = json_array();
	for (i = 0; i < ntop; i++) {
		const struct flows_flow *f = &d->flows[order[i]];
		const char *pn = proto_name(f->key.proto);
		json_t *fo = json_object();

		json_object_set_new(fo, "src", json_string(flows_addr_str(f->key.saddr, a, sizeof(a))));
		json_object_set_new(fo, "dst", json_string(flows_addr_str(f->key.daddr, a, sizeof(a))));
		json_object_set_new(fo, "sport", json_integer(f->key.sport));
		json_object_set_new(fo, "dport", json_integer(f->key.dport));
		json_object_set_new(fo, "proto", json_integer(f->key.proto));
		if (pn)
			json_object_set_new(fo, "protocol", json_string(pn));
		json_object_set_new(fo, "bytes", json_integer((json_int_t)(f->bytes * scale)));
		json_object_set_new(fo, "packets", json_integer((json_int_t)(f->packets * scale)));
		add_rates(fo, &d->fdelta[order[i]], scale);
		json_object_set_new(fo, "first_ns", json_integer((json_int_t)f->first_ns));
		json_object_set_new(fo, "last_ns", json_integer((json_int_t)f->last_ns));
		json_array_append_new(flows, fo);
	}
	json_object_set_new(o, "flows", flows);
	return o;
}

static void print_rate(const struct flows_delta *d, double scale)
{
	if (d->valid)
		printf(" %14.1f", d->bytes_per_sec * scale);
	else
		printf(" %14s", "-");
}

static void shown_text(const struct shown *d, const size_t *order, size_t ntop)
{
	const struct mixnet_sampler_info *in = flows_info(d->s);
	double scale = in->sample_every > 1 ? in->sample_every : 1;
	char a[FLOWS_ADDRSTRLEN], ep[FLOWS_ADDRSTRLEN + 8];
	size_t i;

	printf("%s: %s, %s", d->dev, d->attached == 1 ? "attached" : "STALE (device or filter gone)",
	       flows_link_mode_name(in->link_mode));
	if (!in->sample_every)
		printf(", flow table off\n");
	else if (in->sample_every == 1)
		printf(", every packet, %zu/%u flows\n", d->nflows, in->max_flows);
	else
		printf(", 1 in %u packets sampled (flow numbers are estimates), %zu/%u flows\n",
		       in->sample_every, d->nflows, in->max_flows);
	printf("  errors: not_ip %" PRIu64 ", bad_ip %" PRIu64 ", bad_l4 %" PRIu64
	       ", flows_full %" PRIu64 ", flows_failed %" PRIu64 "\n",
	       (uint64_t)d->errors.not_ip, (uint64_t)d->errors.bad_ip, (uint64_t)d->errors.bad_l4,
	       (uint64_t)d->errors.flows_full, (uint64_t)d->errors.flows_failed);
	printf("  %-39s %5s %14s %10s %14s\n", "PEER", "SLOT", "BYTES", "PACKETS", "BYTES/S");
	for (i = 0; i <= d->row.n; i++) {
		const struct flows_row_entry *r = i < d->row.n ? &d->row.peers[i] : &d->row.unknown;

		printf("  %-39s %5u %14" PRIu64 " %10" PRIu64, i < d->row.n ?
		       flows_addr_str(r->addr, a, sizeof(a)) : "(unknown)", r->slot,
		       r->bytes, r->packets);
		print_rate(&r->d, 1);
		putchar('\n');
	}
	if (!in->sample_every)
		return;
	printf("  %-45s %-45s %-6s %14s %10s %14s\n", "SOURCE", "DESTINATION", "PROTO",
	       "BYTES", "PACKETS", "BYTES/S");
	for (i = 0; i < ntop; i++) {
		const struct flows_flow *f = &d->flows[order[i]];
		const char *pn = proto_name(f->key.proto);
		char pbuf[8];

		if (!pn) {
			snprintf(pbuf, sizeof(pbuf), "%u", f->key.proto);
			pn = pbuf;
		}
		snprintf(ep, sizeof(ep), "%s%s%s:%u", flows_addr_is_v4(f->key.saddr) ? "" : "[",
			 flows_addr_str(f->key.saddr, a, sizeof(a)),
			 flows_addr_is_v4(f->key.saddr) ? "" : "]", f->key.sport);
		printf("  %-45s", ep);
		snprintf(ep, sizeof(ep), "%s%s%s:%u", flows_addr_is_v4(f->key.daddr) ? "" : "[",
			 flows_addr_str(f->key.daddr, a, sizeof(a)),
			 flows_addr_is_v4(f->key.daddr) ? "" : "]", f->key.dport);
		printf(" %-45s %-6s %14.0f %10.0f", ep, pn, f->bytes * scale, f->packets * scale);
		print_rate(&d->fdelta[order[i]], scale);
		putchar('\n');
	}
	if (ntop < d->nflows)
		printf("  ... %zu more flows (--top)\n", d->nflows - ntop);
}

static int do_show(struct cli *cli, int argc, char **argv)
{
	static const int allowed[] = { OPT_TOP, OPT_INTERVAL, 0 };
	struct flows_error e = { { 0 }, { 0 } };
	char (*names)[IFNAMSIZ] = NULL;
	struct shown *d = NULL;
	struct args a = { 0 };
	size_t n = 0, nd = 0, i;
	json_t *jdevs = NULL;
	int err, rc = EXIT_USAGE, partial = EXIT_OK;

	if (parse_args(cli, argc, argv, allowed, &a))
		return EXIT_USAGE;
	if (a.npos > 1) {
		cli_err(cli, "show", "too many arguments ('%s')", a.pos[1]);
		return EXIT_USAGE;
	}
	if (a.npos == 1) {
		names = calloc(1, sizeof(*names));
		if (!names)
			return EXIT_FAIL;
		snprintf(names[0], IFNAMSIZ, "%s", a.pos[0]);
		n = 1;
	} else {
		err = flows_list(flows_cli_pin_root(), &names, &n, &e);
		if (err)
			return flows_cli_fail(cli, err, &e);
	}
	d = calloc(n ? n : 1, sizeof(*d));
	if (!d) {
		rc = EXIT_FAIL;
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct shown *x = &d[nd];

		err = flows_open(names[i], flows_cli_pin_root(), &x->s, &e);
		/* listing all: skip other namespaces' samplers, report broken
		 * pins (e.g. an attach that died) and go on with the others */
		if (err == -EXDEV && a.npos == 0)
			continue;
		if (err && a.npos == 0) {
			partial = flows_cli_fail(cli, err, &e);
			continue;
		}
		if (err) {
			rc = flows_cli_fail(cli, err, &e);
			goto out;
		}
		snprintf(x->dev, sizeof(x->dev), "%s", names[i]);
		flows_tracker_init(&x->peer_t);
		flows_tracker_init(&x->flow_t);
		flows_row_init(&x->row);
		nd++;
		err = shown_read(x);
		if (err) {
			cli_errno(cli, names[i], err, "cannot read the sampler's maps");
			rc = cli_exit_code(err);
			goto out;
		}
	}
	if (a.interval && nd) {
		flows_cli_sleep_ms(a.interval);
		for (i = 0; i < nd; i++) {
			err = shown_read(&d[i]);
			if (err) {
				cli_errno(cli, d[i].dev, err, "cannot read the sampler's maps");
				rc = cli_exit_code(err);
				goto out;
			}
		}
	}

	if (cli->json)
		jdevs = json_array();
	for (i = 0; i < nd; i++) {
		size_t *order = malloc((d[i].nflows ? d[i].nflows : 1) * sizeof(*order));
		size_t ntop;

		if (!order) {
			rc = EXIT_FAIL;
			goto out;
		}
		d[i].attached = flows_attached(d[i].s);
		ntop = flows_rank(d[i].flows, a.interval ? d[i].fdelta : NULL, d[i].nflows,
				  a.top, order);
		if (jdevs)
			json_array_append_new(jdevs, shown_json(&d[i], order, ntop));
		else
			shown_text(&d[i], order, ntop);
		free(order);
	}
	if (jdevs) {
		json_t *root = json_pack("{s:i, s:o}", "interval_ms", (int)a.interval,
					 "devices", jdevs);

		jdevs = NULL;
		rc = cli_json_print(root) ? EXIT_FAIL : partial;
	} else {
		if (!nd)
			printf("no sampler attached\n");
		rc = partial;
	}
out:
	json_decref(jdevs);
	for (i = 0; i < nd; i++)
		shown_free(&d[i]);
	free(d);
	free(names);
	return rc;
}

int cmd_flows(struct cli *cli, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(struct cli *cli, int argc, char **argv);
	} subs[] = {
		{ "attach", do_attach }, { "detach", do_detach }, { "show", do_show },
		{ "peers", do_peers }, { "expire", do_expire },
	};
	size_t i;

	if (argc < 2) {
		fputs(flows_usage, stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(flows_usage, stdout);
		return EXIT_OK;
	}
	flows_libbpf_verbose(cli->verbose);
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (!strcmp(argv[1], subs[i].name))
			return subs[i].run(cli, argc - 1, argv + 1);
	cli_err(cli, argv[1], "unknown flows command (try 'mixnet-agent flows help')");
	return EXIT_USAGE;
}
