// SPDX-License-Identifier: GPL-2.0
/*
 * bpf_cost: measurements behind tools/bench/b-bpf.sh.
 *
 *   bpf_cost prog [REPEAT [ROUNDS]]
 *	ns per packet of the sampler through BPF_PROG_TEST_RUN (REPEAT runs
 *	per measurement, ROUNDS alternating rounds, best of each) for: an
 *	empty tc program (the baseline), per-peer counting only, per-peer +
 *	per-flow, per-flow sampled 1 in 64.  One IPv4/TCP flow to a known
 *	peer among 64, like the published per-packet costs.
 *
 *   bpf_cost read DEV PERIOD_US SECONDS
 *	the agent reading DEV's per-peer table (flows_read_peers and the
 *	demand row) every PERIOD_US, for SECONDS; then the same loop
 *	without reading (the baseline).  Prints CPU use and time per read.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "flows.h"
#include "sampler.skel.h"
#include "../../tests/bpf/pktbuild.h"

#define NPEERS 64

static double now_s(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int empty_prog(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = -1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	return bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "empty", "GPL", insns, 2, NULL);
}

static struct sampler_bpf *sampler(uint32_t sample_every)
{
	struct flows_index_entry ent[NPEERS];
	struct sampler_bpf *s = sampler_bpf__open();
	uint32_t i;

	if (!s)
		return NULL;
	s->rodata->link_mode = MIXNET_LINK_ETHERNET;
	s->rodata->sample_every = sample_every;
	s->rodata->sample_threshold = sample_every > 1 ?
		(uint32_t)((1ull << 32) / sample_every - 1) : UINT32_MAX;
	if (sampler_bpf__load(s)) {
		sampler_bpf__destroy(s);
		return NULL;
	}
	for (i = 0; i < NPEERS; i++) {
		memset(&ent[i], 0, sizeof(ent[i]));
		ent[i].addr[10] = ent[i].addr[11] = 0xff;
		ent[i].addr[12] = 198;
		ent[i].addr[13] = 18;
		ent[i].addr[14] = 1;
		ent[i].addr[15] = (uint8_t)(i + 1);
		ent[i].slot = i + 1;
	}
	if (flows_index_write(bpf_map__fd(s->maps.peer_index), bpf_map__fd(s->maps.peer_index_ctl),
			      MIXNET_SAMPLER_INDEX_BITS, ent, NPEERS)) {
		sampler_bpf__destroy(s);
		return NULL;
	}
	return s;
}

/* Average ns per run of @fd over @repeat runs of @p. */
static double run_ns(int fd, const struct pkt *p, uint32_t repeat)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p->d, .data_size_in = (uint32_t)p->n,
		    .repeat = repeat);

	if (bpf_prog_test_run_opts(fd, &o)) {
		perror("BPF_PROG_TEST_RUN");
		exit(1);
	}
	return o.duration;	/* the kernel's average per run, in ns */
}

static int do_prog(uint32_t repeat, int rounds)
{
	static const char *const names[] = {
		"empty", "per-peer", "per-peer+per-flow", "per-peer+per-flow 1:64",
	};
	static const uint32_t sample[] = { 0, 0, 1, 64 };
	struct sampler_bpf *skel[4] = { NULL };
	double best[4] = { 1e18, 1e18, 1e18, 1e18 };
	struct pkt p = { .n = 0 };
	int fd[4], i, r;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);	/* one CPU: stable numbers */
	ip_frame(&p, "198.18.1.100", "198.18.1.17", IPPROTO_TCP, 40000, 5201, 1400);

	fd[0] = empty_prog();
	for (i = 1; i < 4; i++) {
		skel[i] = sampler(sample[i]);
		if (!skel[i]) {
			fprintf(stderr, "bpf_cost: cannot load the sampler\n");
			return 1;
		}
		fd[i] = bpf_program__fd(skel[i]->progs.mixnet_sampler);
	}
	if (fd[0] < 0) {
		perror("empty program");
		return 1;
	}
	for (i = 0; i < 4; i++)
		run_ns(fd[i], &p, repeat / 10);		/* warm up */
	for (r = 0; r < rounds; r++)
		for (i = 0; i < 4; i++) {
			double ns = run_ns(fd[i], &p, repeat);

			if (ns < best[i])
				best[i] = ns;
		}
	printf("%-26s %8s %9s %7s\n", "program", "ns/pkt", "+ns", "ratio");
	for (i = 0; i < 4; i++)
		printf("%-26s %8.1f %+9.1f %7.2f\n", names[i], best[i], best[i] - best[0],
		       best[0] > 0 ? best[i] / best[0] : 0);
	for (i = 1; i < 4; i++)
		sampler_bpf__destroy(skel[i]);
	return 0;
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One loop every @period_us for @secs; @read: read the table each time. */
static int loop(struct flows_sampler *s, long period_us, double secs, bool read,
		double *cpu_frac, double *us_read, long *reads)
{
	size_t cap = (size_t)(secs * 1e6 / period_us) + 16;
	double *lat = calloc(cap, sizeof(*lat));
	struct timespec next;
	struct rusage r0, r1;
	struct flows_tracker t;
	struct flows_row row;
	double t0 = now_s(CLOCK_MONOTONIC), in_read = 0;
	long n = 0;
	int err = lat ? 0 : -ENOMEM;

	flows_tracker_init(&t);
	flows_row_init(&row);
	getrusage(RUSAGE_SELF, &r0);
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!err && now_s(CLOCK_MONOTONIC) - t0 < secs && (size_t)n < cap) {
		next.tv_nsec += period_us * 1000;
		while (next.tv_nsec >= 1000000000) {
			next.tv_nsec -= 1000000000;
			next.tv_sec++;
		}
		if (read) {
			const struct flows_peer *peers;
			double a = now_s(CLOCK_MONOTONIC);
			uint64_t now;
			size_t np;

			err = flows_read_peers(s, &peers, &np, &now);
			if (!err)
				err = flows_row_update(&row, &t, flows_epoch(s), now, peers, np);
			if (err)
				break;
			if (np != NPEERS + 1) {
				fprintf(stderr, "bpf_cost: %zu peers read, want %d\n", np, NPEERS + 1);
				err = -EINVAL;
				break;
			}
			lat[n] = now_s(CLOCK_MONOTONIC) - a;
			in_read += lat[n];
		}
		n++;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	getrusage(RUSAGE_SELF, &r1);
	flows_row_free(&row);
	flows_tracker_free(&t);
	*cpu_frac = ((r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) +
		     (r1.ru_utime.tv_usec - r0.ru_utime.tv_usec) / 1e6 +
		     (r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) +
		     (r1.ru_stime.tv_usec - r0.ru_stime.tv_usec) / 1e6) / secs;
	/* mean, median, 99th percentile of the reads */
	us_read[0] = n ? in_read * 1e6 / n : 0;
	us_read[1] = us_read[2] = 0;
	if (read && n) {
		qsort(lat, n, sizeof(*lat), dbl_cmp);
		us_read[1] = lat[n / 2] * 1e6;
		us_read[2] = lat[n * 99 / 100] * 1e6;
	}
	*reads = n;
	free(lat);
	return err;
}

static int do_read(const char *dev, long period_us, double secs)
{
	struct flows_sampler *s;
	struct flows_error e;
	double cpu, cpu0, us[3], us0[3];
	long n, n0;
	int err;

	err = flows_open(dev, getenv("MIXNET_PIN_ROOT"), &s, &e);
	if (err) {
		fprintf(stderr, "bpf_cost: %s: %s\n", e.obj, e.msg);
		return 1;
	}
	err = loop(s, period_us, secs, true, &cpu, us, &n);
	if (!err)
		err = loop(s, period_us, secs, false, &cpu0, us0, &n0);
	flows_close(s);
	if (err) {
		fprintf(stderr, "bpf_cost: reading: %s\n", strerror(-err));
		return 1;
	}
	printf("agent reading %d peers every %ld us for %.0f s: %ld reads, "
	       "us per read: median %.1f p99 %.1f mean %.1f\n",
	       NPEERS, period_us, secs, n, us[1], us[2], us[0]);
	printf("cpu_percent read=%.2f baseline(sleep loop)=%.2f extra=%.2f\n", cpu * 100,
	       cpu0 * 100, (cpu - cpu0) * 100);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "prog"))
		return do_prog(argc > 2 ? (uint32_t)atol(argv[2]) : 2000000,
			       argc > 3 ? atoi(argv[3]) : 5);
	if (argc == 5 && !strcmp(argv[1], "read"))
		return do_read(argv[2], atol(argv[3]), atof(argv[4]));
	fprintf(stderr, "usage: bpf_cost prog [REPEAT [ROUNDS]]\n"
			"       bpf_cost read DEV PERIOD_US SECONDS\n");
	return 2;
}
