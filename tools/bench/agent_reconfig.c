// SPDX-License-Identifier: GPL-2.0
/*
 * Control-plane reconfiguration time of the mixnet-agent daemon.
 *
 * N daemons (default 8 hosts, one of them also the region controller)
 * run in threads of this process, each with its own ZeroMQ context, and
 * talk CURVE over loopback TCP exactly as separate processes would.  The
 * kernel parts are fakes that take no time (tests/lib/fake_kernel.c: an
 * OCS whose APPLY switches at once, fabrics whose discovery follows it);
 * the planner is the real one (agent/planner.c through the daemon's
 * adapter).  A training job submits alternating matrices through the
 * demand API to h1; every submission moves every circuit, so every host
 * takes part in all barrier steps.  The controller's own timings (demand in -> plan ->
 * DRAIN acked -> APPLY -> CONFIRM acked -> USE acked on all hosts) are
 * read from `status` after each reconfiguration.
 *
 * Baseline, same run: one CURVE request/reply round trip between two
 * ZeroMQ contexts on loopback (what one barrier step costs at least).
 *
 * Usage: agent_reconfig [HOSTS [ROUNDS]]
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "../../tests/lib/fake_kernel.h"
#include "control.h"
#include "curve_keys.h"
#include "daemon.h"
#include "log.h"
#include "mixnet_demand.h"

#define MAXH FAKE_MAX_HOSTS
#define ALPHA 3

static uint32_t nhosts;
static char dir[64];

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "agent_reconfig: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

static struct planner_backend *planner;

/* ---- the region --------------------------------------------------------------------------- */

struct agent {
	struct config *cfg;
	struct daemon *d;
	pthread_t thread;
};

static void *run(void *arg)
{
	daemon_run(((struct agent *)arg)->d);
	return NULL;
}

static int free_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    getsockname(fd, (struct sockaddr *)&sin, &len))
		die("free port", errno);
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

static void write_config(uint32_t self, int port, char pubs[][CURVE_KEY_Z85_LEN + 1])
{
	char path[256];
	FILE *f;
	uint32_t i, k;

	snprintf(path, sizeof(path), "%s/h%u.ini", dir, self);
	f = fopen(path, "w");
	if (!f)
		die(path, errno);
	fprintf(f, "[region]\nname = bench\nalpha = %d\nepoch_ms = 1000\n\n", ALPHA);
	fprintf(f, "[controller]\nendpoint = tcp://127.0.0.1:%d\npublic_key = %s\n"
		"hysteresis = 0\n\n", port, pubs[0]);
	fprintf(f, "[agent]\nroles = %s\nhost = h%u\nsecret_key_file = h%u.key\n"
		"control_socket = %s/h%u.control\ndemand_socket = %s/h%u.demand\n\n",
		self ? "host" : "host, controller", self, self, dir, self, dir, self);
	for (i = 0; i < nhosts; i++) {
		fprintf(f, "[host h%u]\nfabric = 198.18.0.%u\nmgmt = 127.0.0.1\npublic_key = %s\n"
			"electrical = e0\nelectrical_nexthop = 02:00:00:00:00:%02x\n", i, i + 1,
			pubs[i], i + 1);
		for (k = 0; k < ALPHA; k++)
			fprintf(f, "optical = o%u port %u\n", k, i * ALPHA + k);
		fprintf(f, "\n");
	}
	fclose(f);
}

static json_t *status(const char *sock)
{
	json_t *req = json_pack("{s:s}", "cmd", "status"), *reply = NULL;
	int rc = control_request(sock, req, &reply, 10000);

	json_decref(req);
	if (rc)
		die("status", rc);
	return reply;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Baseline: a CURVE request/reply round trip between two contexts on loopback. */
static double curve_rtt(int rounds)
{
	char spub[41], ssec[41], cpub[41], csec[41], ep[64], buf[16];
	void *sctx = zmq_ctx_new(), *cctx = zmq_ctx_new(), *srv, *cli;
	double *t = calloc((size_t)rounds, sizeof(*t)), med;
	size_t len = sizeof(ep);
	int one = 1, i;

	zmq_curve_keypair(spub, ssec);
	zmq_curve_keypair(cpub, csec);
	srv = zmq_socket(sctx, ZMQ_REP);
	cli = zmq_socket(cctx, ZMQ_REQ);
	zmq_setsockopt(srv, ZMQ_CURVE_SERVER, &one, sizeof(one));
	zmq_setsockopt(srv, ZMQ_CURVE_SECRETKEY, ssec, 40);
	zmq_setsockopt(cli, ZMQ_CURVE_SERVERKEY, spub, 40);
	zmq_setsockopt(cli, ZMQ_CURVE_PUBLICKEY, cpub, 40);
	zmq_setsockopt(cli, ZMQ_CURVE_SECRETKEY, csec, 40);
	zmq_bind(srv, "tcp://127.0.0.1:*");
	zmq_getsockopt(srv, ZMQ_LAST_ENDPOINT, ep, &len);
	zmq_connect(cli, ep);
	for (i = -10; i < rounds; i++) {
		double t0 = now_s();

		zmq_send(cli, "ping", 4, 0);
		zmq_recv(srv, buf, sizeof(buf), 0);
		zmq_send(srv, "pong", 4, 0);
		zmq_recv(cli, buf, sizeof(buf), 0);
		if (i >= 0)
			t[i] = now_s() - t0;
	}
	qsort(t, (size_t)rounds, sizeof(*t), cmp_double);
	med = t[rounds / 2];
	free(t);
	one = 0;
	zmq_setsockopt(cli, ZMQ_LINGER, &one, sizeof(one));
	zmq_setsockopt(srv, ZMQ_LINGER, &one, sizeof(one));
	zmq_close(cli);
	zmq_close(srv);
	zmq_ctx_term(cctx);
	zmq_ctx_term(sctx);
	return med;
}

int main(int argc, char **argv)
{
	static char pubs[MAXH][CURVE_KEY_Z85_LEN + 1];
	static struct agent ag[MAXH];
	uint32_t rounds = argc > 2 ? (uint32_t)atoi(argv[2]) : 50, i, r;
	static const char *const phases[] = { "plan", "drain", "apply", "confirm", "use" };
	double *total, *ph[5], rtt;
	uint64_t *m;
	char sock0[256], sock1[256];
	int port;

	nhosts = argc > 1 ? (uint32_t)atoi(argv[1]) : 8;
	if (nhosts < 4 || nhosts > MAXH || nhosts % 4 || rounds < 1) {
		fprintf(stderr, "usage: agent_reconfig [HOSTS (multiple of 4, 4..%d) [ROUNDS]]\n",
			MAXH);
		return 2;
	}
	log_set_sink(log_discard, NULL);
	snprintf(dir, sizeof(dir), "/tmp/mixnet-bench.XXXXXX");
	if (!mkdtemp(dir))
		die("mkdtemp", errno);
	if (fake_kernel_reset(nhosts, ALPHA))
		die("fake kernel", EINVAL);
	for (i = 0; i < nhosts; i++) {
		char name[16];
		int rc;

		snprintf(name, sizeof(name), "h%u", i);
		rc = curve_keys_generate(dir, name, pubs[i]);
		if (rc)
			die("keys", rc);
	}
	port = free_port();
	for (i = 0; i < nhosts; i++)
		write_config(i, port, pubs);
	/* Controller first, then the hosts. */
	for (i = 0; i < nhosts; i++) {
		struct daemon_backends b = { .sampler = &fake_sampler, .fabric = fake_fabric(i) };
		struct daemon_opts o = { .no_signals = true };
		struct cfg_errors errs;
		char path[256], why[256];
		int rc;

		snprintf(path, sizeof(path), "%s/h%u.ini", dir, i);
		rc = config_load(path, 0, &ag[i].cfg, &errs);
		if (rc) {
			fprintf(stderr, "%s\n", errs.msg[0]);
			return 1;
		}
		if (i == 0) {
			b.ocs = &fake_ocs;
			rc = planner_backend_open(ag[0].cfg, &planner, why, sizeof(why));
			if (rc) {
				fprintf(stderr, "planner: %s\n", why);
				return 1;
			}
			b.planner = planner;
		}
		rc = daemon_new(ag[i].cfg, &b, &o, &ag[i].d, why, sizeof(why));
		if (rc) {
			fprintf(stderr, "daemon h%u: %s\n", i, why);
			return 1;
		}
		pthread_create(&ag[i].thread, NULL, run, &ag[i]);
	}
	snprintf(sock0, sizeof(sock0), "%s/h0.control", dir);
	snprintf(sock1, sizeof(sock1), "%s/h1.demand", dir);

	/* Wait for every host to join and the resyncs to settle. */
	for (;;) {
		json_t *s = status(sock0), *hosts = json_object_get(json_object_get(s, "controller"),
								     "hosts"), *h;
		const char *phase = json_string_value(json_object_get(json_object_get(s, "controller"),
									 "phase"));
		size_t k, up = 0;
		bool idle = phase && !strcmp(phase, "idle");

		json_array_foreach(hosts, k, h)
			up += json_is_true(json_object_get(h, "connected"));
		json_decref(s);
		if (up == nhosts && idle)
			break;
		usleep(10000);
	}
	usleep(200000);

	total = calloc(rounds, sizeof(*total));
	for (i = 0; i < 5; i++)
		ph[i] = calloc(rounds, sizeof(*ph[i]));
	m = calloc((size_t)nhosts * nhosts, sizeof(*m));
	for (r = 0; r < rounds; r++) {
		struct mixnet_demand_matrix dm = { .n = nhosts, .bytes = m, .layer = (int32_t)r };
		struct mixnet_demand_reply reply;
		struct mixnet_demand *d;
		json_int_t want;
		json_t *s, *last;
		int rc;

		/*
		 * Two perfect matchings in turn, i <-> i^1 and i <-> i^2 (n is a
		 * multiple of 4): every circuit moves, every host takes part.
		 */
		memset(m, 0, (size_t)nhosts * nhosts * sizeof(*m));
		for (i = 0; i < nhosts; i++) {
			uint32_t p = r % 2 ? i ^ 2u : i ^ 1u;

			m[(size_t)i * nhosts + p] = 1000000;
			m[(size_t)p * nhosts + i] = 1000000;
		}
		s = status(sock0);
		want = json_integer_value(json_object_get(json_object_get(json_object_get(s,
			"controller"), "reconfigs"), "submitted")) + 1;
		json_decref(s);
		rc = mixnet_demand_connect(sock1, &d);
		if (!rc)
			rc = mixnet_demand_submit(d, &dm, &reply);
		mixnet_demand_close(d);
		if (rc) {
			fprintf(stderr, "submit: %s\n", reply.message);
			return 1;
		}
		for (double t0 = now_s();;) {
			s = status(sock0);
			if (json_integer_value(json_object_get(json_object_get(json_object_get(s,
			    "controller"), "reconfigs"), "submitted")) >= want)
				break;
			json_decref(s);
			if (now_s() - t0 > 30) {
				fprintf(stderr, "round %u: no reconfiguration within 30 s\n", r);
				return 1;
			}
			usleep(1000);
		}
		last = json_object_get(json_object_get(json_object_get(s, "controller"),
						       "last_reconfig"), "timings_ms");
		total[r] = json_real_value(json_object_get(last, "total"));
		for (i = 0; i < 5; i++)
			ph[i][r] = json_real_value(json_object_get(last, phases[i]));
		if (json_integer_value(json_object_get(json_object_get(json_object_get(s,
		    "controller"), "last_reconfig"), "unverified"))) {
			fprintf(stderr, "round %u: unverified circuits\n", r);
			return 1;
		}
		json_decref(s);
	}

	for (i = 0; i < nhosts; i++)
		daemon_stop(ag[i].d);
	for (i = 0; i < nhosts; i++) {
		pthread_join(ag[i].thread, NULL);
		daemon_free(ag[i].d);
	}
	planner->close(planner->priv);
	free(planner);
	for (i = 0; i < nhosts; i++)
		config_free(ag[i].cfg);
	rtt = curve_rtt(1000) * 1e3;
	qsort(total, rounds, sizeof(*total), cmp_double);
	printf("reconfig_hosts=%u circuits_moved_per_round=%u rounds=%u\n", nhosts,
	       nhosts / 2 * ALPHA, rounds);
	printf("control_plane_ms median=%.3f p90=%.3f (demand in -> APPLY -> USE acked by all hosts)\n",
	       total[rounds / 2], total[rounds * 9 / 10]);
	printf("phases_ms median:");
	for (i = 0; i < 5; i++) {
		qsort(ph[i], rounds, sizeof(*ph[i]), cmp_double);
		printf(" %s=%.3f", phases[i], ph[i][rounds / 2]);
	}
	printf("\n");
	printf("curve_rtt_ms median=%.3f (baseline: one CURVE round trip, loopback)\n", rtt);
	printf("ratio control/rtt=%.1f control/25ms_switch=%.3f\n", total[rounds / 2] / rtt,
	       total[rounds / 2] / 25.0);
	free(total);
	for (i = 0; i < 5; i++)
		free(ph[i]);
	free(m);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd))
			return 1;
	}
	return 0;
}
