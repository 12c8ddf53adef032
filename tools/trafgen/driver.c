// SPDX-License-Identifier: GPL-2.0
/*
 * The driver of `mixnet-trafgen run` (see driver.h).  One thread: a
 * control connection per server, request/answer rounds ("wait until
 * every host answered X") with deadlines, the first failure stops the
 * run, aborts the phase and collects what each server got so far.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "announce.h"
#include "driver.h"
#include "matrix_file.h"
#include "netio.h"
#include "wire.h"
#include "report.h"
#include "trafgen.h"
#include "verify.h"

#define CTRL_WRITE_MS	10000	/* one control message */
#define ABORT_WAIT_MS	5000	/* progress reports after an abort */
#define RETRY_MS	100	/* reconnecting to a server not up yet */
#define MAX_FAULT_LINES	20	/* faulty pairs listed per phase */

struct ctl {
	int fd;
	bool dead;		/* connection lost: skip it from now on */
	bool answered;		/* in the current round */
	struct tg_linebuf lb;
};

struct driver {
	const struct tg_run_opts *o;
	uint32_t n;
	struct ctl *c;
	struct tg_report rep;
	bool rep_ok;
	struct tg_workload *wl;
	struct tg_announce *ann;
	uint64_t session;
	uint64_t *want;			/* n x n: the phase's matrix */
	struct tg_xfer *sent, *recv;	/* n x n, [src * n + dst] */
	bool *reported;			/* host answered done/progress */
	int exit_code;
	int64_t phase;			/* current phase, -1 outside */
	struct tg_phase_result cur;
	uint64_t t_last;		/* when the last answer of a round came */
};

typedef int (*reply_fn)(struct driver *d, uint32_t i, const struct tg_msg *m);

static const char *hstr(const struct driver *d, uint32_t i, char *buf, size_t len)
{
	return tg_host_str(&d->o->hosts.h[i], buf, len);
}

/* Record an error; the first one decides the exit code. */
static void drv_err(struct driver *d, int code, int src, int dst, const char *kind,
		    const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void drv_err(struct driver *d, int code, int src, int dst, const char *kind,
		    const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!d->exit_code)
		d->exit_code = code;
	if (d->rep_ok)
		tg_report_error(&d->rep, d->phase, d->phase >= 0 ? &d->cur : NULL, src, dst,
				kind, msg);
	else
		fprintf(stderr, "%s: %s\n", TG_PROG, msg);
}

static void sleep_ms(uint32_t ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void ctl_close(struct ctl *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->dead = true;
	tg_linebuf_free(&c->lb);
}

/* In a setup round a failure is a setup failure, in a phase a traffic one. */
static int stage_code(const struct driver *d)
{
	return d->phase >= 0 ? TG_EXIT_FAIL : TG_EXIT_SETUP;
}

static const char *stage_kind(const struct driver *d)
{
	return d->phase >= 0 ? "connection" : "setup";
}

static int send_msg(struct driver *d, uint32_t i, const struct tg_msg *m)
{
	struct ctl *c = &d->c[i];
	char hb[160];
	size_t len;
	char *line;
	int err;

	if (c->dead)
		return -ENOTCONN;
	line = tg_msg_encode(m, &len);
	err = line ? tg_write_all(c->fd, line, len, CTRL_WRITE_MS) : -ENOMEM;
	free(line);
	if (err) {
		drv_err(d, stage_code(d), (int)i, -1, stage_kind(d), "%s: control connection: %s",
			hstr(d, i, hb, sizeof(hb)), strerror(-err));
		ctl_close(c);
	}
	return err;
}

static int send_all(struct driver *d, const struct tg_msg *m)
{
	uint32_t i;

	for (i = 0; i < d->n; i++)
		if (send_msg(d, i, m))
			return -1;
	return 0;
}

/* A server's error message: name it and map it to an exit code. */
static void server_error(struct driver *d, uint32_t i, const struct tg_msg *m)
{
	char hb[160];
	int code = stage_code(d);
	const char *kind = stage_kind(d);

	if (m->err == EBUSY) {
		code = TG_EXIT_BUSY;
		kind = "busy";
	} else if (m->err == EPROTO || m->err == EPROTONOSUPPORT) {
		kind = "protocol";
	}
	drv_err(d, code, -1, -1, kind, "%s: %s", hstr(d, i, hb, sizeof(hb)), m->text);
}

/*
 * One round: wait until every live host sent @op (for phase @seq when
 * >= 0), calling @fn on each.  Errors, closed connections, unexpected
 * messages and the deadline end the round with -1 (recorded), unless
 * @quiet (collecting after an abort): then they only drop that host.
 */
static int wait_all(struct driver *d, enum tg_op op, int64_t seq, uint64_t deadline,
		    reply_fn fn, bool quiet)
{
	struct pollfd *pfd = calloc(d->n, sizeof(*pfd));
	uint32_t *who = calloc(d->n, sizeof(*who));
	char hb[160], why[200];
	uint32_t i, pending = 0;
	uint64_t t_round = tg_now_usec();
	int ret = -1;

	if (!pfd || !who) {
		drv_err(d, TG_EXIT_FAIL, -1, -1, "setup", "out of memory");
		goto out;
	}
	for (i = 0; i < d->n; i++) {
		d->c[i].answered = false;
		pending += !d->c[i].dead;
	}
	while (pending) {
		uint32_t np = 0;
		uint64_t now;
		int rc;

		/* complete lines first: they may have come with an earlier read */
		for (i = 0; i < d->n; i++) {
			struct ctl *c = &d->c[i];
			size_t len;
			char *line;

			while (!c->dead && !c->answered && (line = tg_linebuf_next(&c->lb, &len))) {
				struct tg_msg m;

				if (tg_msg_decode(line, len, &m, why, sizeof(why))) {
					tg_msg_free(&m);
					if (!quiet)
						drv_err(d, stage_code(d), -1, -1, "protocol",
							"%s: bad message: %s", hstr(d, i, hb, sizeof(hb)), why);
					ctl_close(c);
					pending--;
					if (!quiet)
						goto out;
					break;
				}
				if (m.op == TG_OP_ERROR) {
					if (!quiet)
						server_error(d, i, &m);
					else if (d->o->verbose)
						fprintf(stderr, "%s: (after abort) %s: %s\n", TG_PROG,
							hstr(d, i, hb, sizeof(hb)), m.text);
					tg_msg_free(&m);
					if (!quiet)
						goto out;
					continue;
				}
				if (m.op != op || (seq >= 0 && m.seq != seq)) {
					if (!quiet)
						drv_err(d, stage_code(d), -1, -1, "protocol",
							"%s: '%s' (phase %" PRId64 ") while waiting for '%s'",
							hstr(d, i, hb, sizeof(hb)), tg_op_name(m.op), m.seq,
							tg_op_name(op));
					tg_msg_free(&m);
					if (!quiet)
						goto out;
					continue;
				}
				rc = fn ? fn(d, i, &m) : 0;
				tg_msg_free(&m);
				if (rc && !quiet)
					goto out;
				c->answered = true;
				d->t_last = tg_now_usec();
				pending--;
			}
		}
		if (!pending)
			break;
		for (i = 0; i < d->n; i++) {
			if (d->c[i].dead || d->c[i].answered)
				continue;
			pfd[np].fd = d->c[i].fd;
			pfd[np].events = POLLIN;
			who[np++] = i;
		}
		now = tg_now_usec();
		rc = now >= deadline ? 0 : poll(pfd, np, (int)((deadline - now + 999) / 1000));
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0) {
			char list[512] = "";
			size_t off = 0;

			for (i = 0; i < np && off < sizeof(list) - 80; i++)
				off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
							i ? ", " : "", d->o->hosts.h[who[i]].name);
			if (!quiet)
				drv_err(d, d->phase >= 0 ? TG_EXIT_FAIL : TG_EXIT_SETUP, -1, -1,
					d->phase >= 0 ? "timeout" : "setup",
					"no '%s' after %.1f s from: %s", tg_op_name(op),
					(double)(tg_now_usec() - t_round) / 1e6, list);
			goto out;
		}
		for (i = 0; i < np; i++) {
			struct ctl *c = &d->c[who[i]];
			ssize_t k;

			if (!pfd[i].revents)
				continue;
			k = tg_linebuf_fill(&c->lb, c->fd);
			if (k > 0 || k == -EAGAIN)
				continue;
			if (!quiet)
				drv_err(d, stage_code(d), -1, -1, stage_kind(d),
					"%s: control connection %s", hstr(d, who[i], hb, sizeof(hb)),
					k == 0 ? "closed by the server" : strerror((int)-k));
			ctl_close(c);
			pending--;
			if (!quiet)
				goto out;
		}
	}
	ret = 0;
out:
	free(pfd);
	free(who);
	return ret;
}

/* ---- setup ---------------------------------------------------------------- */
static int on_hello(struct driver *d, uint32_t i, const struct tg_msg *m)
{
	char hb[160];

	if (m->version == TG_PROTO_VERSION)
		return 0;
	drv_err(d, TG_EXIT_SETUP, -1, -1, "protocol", "%s: speaks protocol %u, not %u",
		hstr(d, i, hb, sizeof(hb)), m->version, TG_PROTO_VERSION);
	return -1;
}

static int retryable(int err)
{
	return err == -ECONNREFUSED || err == -ENETUNREACH || err == -EHOSTUNREACH ||
	       err == -EADDRNOTAVAIL;
}

/* Control connection to host i, retried until @deadline while refused. */
static int connect_one(struct driver *d, uint32_t i, uint64_t deadline)
{
	const struct tg_host *h = &d->o->hosts.h[i];
	struct tg_msg hello = { .op = TG_OP_HELLO, .version = TG_PROTO_VERSION };
	char hb[160];
	int fd, err;

	for (;;) {
		struct pollfd p;
		uint64_t now = tg_now_usec();

		fd = tg_connect_start(h->addr, h->port, NULL);
		err = fd < 0 ? fd : 0;
		if (!err) {
			p.fd = fd;
			p.events = POLLOUT;
			err = poll(&p, 1, now >= deadline ? 0 : (int)((deadline - now + 999) / 1000));
			err = err > 0 ? tg_connect_result(fd) : err == 0 ? -ETIMEDOUT : -errno;
		}
		if (!err)
			break;
		if (fd >= 0)
			close(fd);
		if (!retryable(err) || tg_now_usec() + RETRY_MS * 1000 >= deadline) {
			drv_err(d, TG_EXIT_SETUP, -1, -1, "setup",
				"%s: cannot reach its mixnet-trafgen server: %s",
				hstr(d, i, hb, sizeof(hb)), strerror(-err));
			return -1;
		}
		sleep_ms(RETRY_MS);
	}
	d->c[i].fd = fd;
	d->c[i].dead = false;
	tg_linebuf_init(&d->c[i].lb, TG_MAX_LINE);
	err = tg_write_all(fd, TG_CTRL_MAGIC, TG_MAGIC_LEN, CTRL_WRITE_MS);
	if (err) {
		drv_err(d, TG_EXIT_SETUP, -1, -1, "setup", "%s: %s", hstr(d, i, hb, sizeof(hb)),
			strerror(-err));
		ctl_close(&d->c[i]);
		return -1;
	}
	return send_msg(d, i, &hello);
}

static int setup(struct driver *d)
{
	const struct tg_run_opts *o = d->o;
	uint64_t deadline = tg_now_usec() + (uint64_t)o->connect_timeout_ms * 1000;
	struct tg_msg m = { .op = TG_OP_SESSION };
	uint32_t i;

	for (i = 0; i < d->n; i++)
		if (connect_one(d, i, deadline))
			return -1;
	if (wait_all(d, TG_OP_HELLO, -1, deadline, on_hello, false))
		return -1;
	if (getrandom(&d->session, sizeof(d->session), 0) != sizeof(d->session))
		d->session = tg_now_usec() ^ ((uint64_t)getpid() << 32);
	m.session = d->session;
	m.streams = o->streams;
	m.hosts = o->hosts;
	for (i = 0; i < d->n; i++) {
		m.index = i;
		if (send_msg(d, i, &m))
			return -1;
	}
	deadline = tg_now_usec() + (uint64_t)o->connect_timeout_ms * 1000;
	if (wait_all(d, TG_OP_OK, -1, deadline, NULL, false))
		return -1;
	m = (struct tg_msg){ .op = TG_OP_CONNECT };
	if (send_all(d, &m) || wait_all(d, TG_OP_CONNECTED, -1, deadline, NULL, false))
		return -1;
	return 0;
}

/* ---- phases --------------------------------------------------------------- */
static int on_report(struct driver *d, uint32_t i, const struct tg_msg *m)
{
	char hb[160];
	uint32_t j, n = d->n;

	if (m->n == 0 && m->op == TG_OP_PROGRESS)
		return 0;	/* the server had nothing running */
	if (m->n != n) {
		drv_err(d, TG_EXIT_FAIL, -1, -1, "protocol", "%s: report for %u hosts, not %u",
			hstr(d, i, hb, sizeof(hb)), m->n, n);
		return -1;
	}
	for (j = 0; j < n; j++) {
		d->sent[(size_t)i * n + j] = m->send[j];
		d->recv[(size_t)j * n + i] = m->recv[j];
	}
	d->reported[i] = true;
	return 0;
}

static void reset_reports(struct driver *d)
{
	size_t k, nn = (size_t)d->n * d->n;

	for (k = 0; k < nn; k++) {
		d->sent[k] = (struct tg_xfer){ .bad = -1 };
		d->recv[k] = (struct tg_xfer){ .bad = -1 };
	}
	memset(d->reported, 0, sizeof(*d->reported) * d->n);
}

/*
 * List faulty pairs.  After an abort, only what a receiver reported:
 * corruption one line each, unfinished transfers together on one line
 * (they are what the stop interrupted, not necessarily lost).
 */
static size_t report_faults(struct driver *d, bool aborted)
{
	struct tg_fault f[MAX_FAULT_LINES];
	size_t nf, k, total = 0, unfinished = 0, off = 0;
	char buf[300], list[400] = "";

	nf = tg_verify_phase(d->n, d->want, d->sent, d->recv, f, MAX_FAULT_LINES);
	for (k = 0; k < nf && k < MAX_FAULT_LINES; k++) {
		const struct tg_fault *x = &f[k];

		if (aborted && !d->reported[x->dst])
			continue;
		if (aborted && x->kind == TG_FAULT_LOST) {
			if (off < sizeof(list) - 80)
				off += (size_t)snprintf(list + off, sizeof(list) - off,
					"%s%s->%s %" PRIu64 "/%" PRIu64, unfinished ? ", " : "",
					d->o->hosts.h[x->src].name, d->o->hosts.h[x->dst].name,
					x->got, x->want);
			unfinished++;
			continue;
		}
		if (aborted && x->kind != TG_FAULT_CORRUPT)
			continue;
		total++;
		drv_err(d, TG_EXIT_FAIL, (int)x->src, (int)x->dst, tg_fault_kind_name(x->kind),
			"%s", tg_fault_str(x, &d->o->hosts, buf, sizeof(buf)));
	}
	if (unfinished)
		drv_err(d, TG_EXIT_FAIL, -1, -1, "incomplete",
			"unfinished when the phase stopped (bytes received/expected): %s%s", list,
			nf > MAX_FAULT_LINES ? ", ..." : "");
	if (nf > MAX_FAULT_LINES && !aborted)
		drv_err(d, TG_EXIT_FAIL, -1, -1, "lost", "... %zu more faulty pairs",
			nf - MAX_FAULT_LINES);
	return total + unfinished;
}

/* After a failure: stop every server, collect what each got, list it. */
static void abort_phase(struct driver *d)
{
	struct tg_msg m = { .op = TG_OP_ABORT, .seq = d->phase };
	uint32_t i;

	reset_reports(d);
	for (i = 0; i < d->n; i++)
		if (!d->c[i].dead)
			send_msg(d, i, &m);
	wait_all(d, TG_OP_PROGRESS, d->phase, tg_now_usec() + ABORT_WAIT_MS * 1000ULL,
		 on_report, true);
	report_faults(d, true);
}

static int announce_phase(struct driver *d, uint32_t layer)
{
	const char **names = calloc(d->n, sizeof(*names));
	char msg[300];
	uint32_t i;
	int err;

	if (!names) {
		drv_err(d, TG_EXIT_FAIL, -1, -1, "announce", "out of memory");
		return -1;
	}
	for (i = 0; i < d->n; i++)
		names[i] = d->o->hosts.h[i].name;
	msg[0] = '\0';
	err = tg_announce_submit(d->ann, d->n, d->want, names, (int32_t)layer, msg, sizeof(msg));
	free(names);
	if (err) {
		drv_err(d, TG_EXIT_ANNOUNCE, -1, -1, "announce",
			"--announce: the agent refused the matrix of layer %u: %s%s%s", layer,
			strerror(-err), msg[0] ? ": " : "", msg);
		return -1;
	}
	return 0;
}

static int run_phase(struct driver *d, uint32_t idx, uint32_t layer, uint32_t rep)
{
	const struct tg_run_opts *o = d->o;
	uint32_t n = d->n, i, j;
	struct tg_msg m = { .op = TG_OP_PHASE, .seq = idx };
	uint64_t t0, deadline;
	int ret = -1;

	d->phase = idx;
	d->cur = (struct tg_phase_result){ .index = idx, .layer = layer, .rep = rep };
	if (tg_workload_matrix(d->wl, layer, d->want)) {
		drv_err(d, TG_EXIT_FAIL, -1, -1, "setup", "out of memory");
		return -1;
	}
	if (o->announce) {
		if (announce_phase(d, layer))
			return -1;
		d->cur.announced = true;
	}
	if (o->pause_ms && (idx > 0 || o->announce))
		sleep_ms(o->pause_ms);
	reset_reports(d);
	if (tg_msg_alloc_phase(&m, n)) {
		drv_err(d, TG_EXIT_FAIL, -1, -1, "setup", "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		for (j = 0; j < n; j++) {
			m.want_send[j] = d->want[(size_t)i * n + j];
			m.want_recv[j] = d->want[(size_t)j * n + i];
		}
		if (send_msg(d, i, &m))
			goto fail;
	}
	deadline = tg_now_usec() + (uint64_t)o->timeout_ms * 1000;
	if (wait_all(d, TG_OP_READY, idx, deadline, NULL, false))
		goto fail;
	m.op = TG_OP_GO;
	t0 = tg_now_usec();
	if (send_all(d, &m))
		goto fail;
	if (wait_all(d, TG_OP_DONE, idx, t0 + (uint64_t)o->timeout_ms * 1000, on_report, false))
		goto fail;
	d->cur.usec = d->t_last - t0;
	if (report_faults(d, false))
		goto out;
	tg_phase_summarize(n, d->want, d->recv, &d->cur);
	if (tg_report_phase(&d->rep, &d->cur, n, d->want, d->recv))
		drv_err(d, TG_EXIT_FAIL, -1, -1, "setup", "cannot write the report");
	else
		ret = 0;
	goto out;
fail:
	abort_phase(d);
out:
	tg_msg_free(&m);
	return ret;
}

/* ---- run ------------------------------------------------------------------ */
static json_t *config_json(const struct tg_run_opts *o)
{
	const struct tg_workload_params *p = &o->wl;
	json_t *hosts = json_array(), *c;
	uint32_t i;

	for (i = 0; hosts && i < o->hosts.n; i++)
		json_array_append_new(hosts, json_pack("{sssssi}", "name", o->hosts.h[i].name,
					"addr", o->hosts.h[i].addr, "port", o->hosts.h[i].port));
	c = json_pack("{sosisisIsIsIsfsfsfsisIsisisisb}", "hosts", hosts,
		      "layers", (int)p->layers, "repeat", (int)o->repeat,
		      "bytes_per_phase", (json_int_t)p->phase_bytes,
		      "tokens", (json_int_t)p->tokens, "token_bytes", (json_int_t)p->token_bytes,
		      "zipf", p->zipf, "drift", p->drift, "source_shuffle", p->source_shuffle,
		      "experts_per_host", (int)p->experts_per_host, "seed", (json_int_t)p->seed,
		      "pause_ms", (int)o->pause_ms, "timeout_ms", (int)o->timeout_ms,
		      "connect_timeout_ms", (int)o->connect_timeout_ms, "announce", o->announce);
	if (c) {
		json_object_set_new(c, "matrix_files", tg_matrix_files_json(p));
		json_object_set_new(c, "streams", json_integer(o->streams));
	}
	return c;
}

static void title(const struct tg_run_opts *o, char *buf, size_t len)
{
	const struct tg_workload_params *p = &o->wl;
	char size[96], streams[32] = "";

	if (o->streams > 1)
		snprintf(streams, sizeof(streams), ", %u streams/pair", o->streams);
	if (p->nmatrices) {
		snprintf(buf, len, "%s: %u hosts, %u layers x %u, %u matrix file%s (%s%s)%s%s",
			 TG_PROG, o->hosts.n, p->layers, o->repeat, p->nmatrices,
			 p->nmatrices > 1 ? "s" : "", p->matrix_files ? p->matrix_files[0] : "?",
			 p->nmatrices > 1 ? ", ..." : "", streams, o->announce ? ", announced" : "");
		return;
	}
	if (p->phase_bytes)
		snprintf(size, sizeof(size), "%" PRIu64 " bytes per phase", p->phase_bytes);
	else
		snprintf(size, sizeof(size), "%" PRIu64 " tokens x %" PRIu64 " bytes per host",
			 p->tokens, p->token_bytes);
	snprintf(buf, len, "%s: %u hosts, %u layers x %u, %s, zipf %g, drift %g, "
		 "source-shuffle %g, %u experts/host, seed %" PRIu64 "%s%s", TG_PROG, o->hosts.n,
		 p->layers, o->repeat, size, p->zipf, p->drift, p->source_shuffle,
		 p->experts_per_host, p->seed, streams, o->announce ? ", announced" : "");
}

static void bye(struct driver *d)
{
	struct tg_msg m = { .op = TG_OP_BYE };
	uint32_t i;

	for (i = 0; i < d->n; i++) {
		if (!d->c[i].dead)
			send_msg(d, i, &m);
		ctl_close(&d->c[i]);
	}
}

int tg_run(const struct tg_run_opts *o)
{
	struct driver d = { .o = o, .n = o->hosts.n, .phase = -1 };
	uint64_t t_start = tg_now_usec();
	size_t nn = (size_t)d.n * d.n;
	char err[200], head[400];
	uint32_t rep, layer, idx = 0, i;
	int rc;

	signal(SIGPIPE, SIG_IGN);
	d.c = calloc(d.n, sizeof(*d.c));
	d.want = calloc(nn, sizeof(*d.want));
	d.sent = calloc(nn, sizeof(*d.sent));
	d.recv = calloc(nn, sizeof(*d.recv));
	d.reported = calloc(d.n, sizeof(*d.reported));
	if (!d.c || !d.want || !d.sent || !d.recv || !d.reported) {
		fprintf(stderr, "%s: out of memory\n", TG_PROG);
		d.exit_code = TG_EXIT_FAIL;
		goto free;
	}
	for (i = 0; i < d.n; i++) {
		d.c[i].fd = -1;
		d.c[i].dead = true;
	}
	rc = tg_workload_new(&o->wl, &d.wl, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "%s: %s\n", TG_PROG, err);
		d.exit_code = rc == -EINVAL ? TG_EXIT_USAGE : TG_EXIT_FAIL;
		goto free;
	}
	title(o, head, sizeof(head));
	if (tg_report_init(&d.rep, &o->hosts, stdout, o->json, o->verbose, config_json(o), head)) {
		fprintf(stderr, "%s: out of memory\n", TG_PROG);
		d.exit_code = TG_EXIT_FAIL;
		goto free;
	}
	d.rep_ok = true;
	if (o->announce) {
		err[0] = '\0';
		rc = tg_announce_open(o->announce_socket, &d.ann, err, sizeof(err));
		if (rc) {
			drv_err(&d, TG_EXIT_ANNOUNCE, -1, -1, "announce",
				"--announce: cannot reach the agent's demand API: %s%s%s",
				strerror(-rc), err[0] ? ": " : "", err);
			goto finish;
		}
	}
	if (setup(&d))
		goto finish;
	for (rep = 0; rep < o->repeat; rep++)
		for (layer = 0; layer < o->wl.layers; layer++)
			if (run_phase(&d, idx++, layer, rep))
				goto finish;
	d.phase = -1;
finish:
	bye(&d);
	if (tg_report_finish(&d.rep, d.exit_code == 0, tg_now_usec() - t_start) && !d.exit_code)
		d.exit_code = TG_EXIT_FAIL;
free:
	if (d.rep_ok)
		tg_report_free(&d.rep);
	if (d.c)
		for (i = 0; i < d.n; i++)
			ctl_close(&d.c[i]);
	tg_announce_close(d.ann);
	tg_workload_free(d.wl);
	free(d.c);
	free(d.want);
	free(d.sent);
	free(d.recv);
	free(d.reported);
	return d.exit_code;
}
