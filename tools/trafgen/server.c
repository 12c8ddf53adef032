// SPDX-License-Identifier: GPL-2.0
/*
 * `mixnet-trafgen serve` (see server.h): one thread, one epoll loop over
 * the listening socket, a signalfd, the driver's control connection and
 * the session's data connections (`streams` per ordered pair, kept for
 * the whole session so slow start is paid once).  A pair's transfer is
 * cut into chunks; each of the pair's connections takes the next chunk
 * when it has room, so faster paths (e.g. the circuits a flow hashes to)
 * carry more.  Memory is bounded: one TG_CHUNK send buffer per outgoing
 * connection, one shared receive buffer and a bit per chunk received;
 * payload is generated and checked on the fly.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "netio.h"
#include "payload.h"
#include "wire.h"
#include "server.h"
#include "trafgen.h"

#define MAX_PENDING	256	/* accepted, not yet identified connections */
#define CTRL_TIMEOUT_MS	10000	/* writing a reply to the driver */
#define SEND_BURST	4	/* chunks per connection per wakeup: fairness */
/* With several connections per pair: unsent bytes a socket may queue, so
 * that a connection on a slow path does not hoard chunks. */
#define NOTSENT_LOWAT	(2 * TG_CHUNK)

enum kind { K_LISTEN = 1, K_SIGNAL, K_CTRL, K_PENDING, K_OUT, K_IN };

struct pending {
	int fd;
	uint8_t buf[TG_DATA_HELLO_LEN];
	size_t got;
};

/* One outgoing data connection (to host j, stream k: out[j * streams + k]). */
struct out_conn {
	int fd;
	bool up;		/* connected, hello sent */
	bool busy;		/* a chunk is being sent */
	uint8_t hdr[TG_XFER_HDR_LEN];
	size_t hdr_off;
	unsigned char *buf;	/* TG_CHUNK, allocated on first use */
	size_t buf_off, buf_len;	/* payload of the chunk: sent, to send */
};

/* This server's transfer to host j in the current phase. */
struct out_pair {
	uint64_t want, produced, sent;
	uint64_t sum;		/* of the chunks produced (tg_sum_chunk) */
	uint64_t key, t_last;
};

/* One incoming data connection (from host i, stream k). */
struct in_conn {
	int fd;
	uint8_t hdr[TG_XFER_HDR_LEN];
	size_t hdr_got;
	uint64_t off;		/* chunk being received: offset, length, got */
	uint32_t len, got;
	struct tg_sum sum;	/* of the chunk's bytes so far */
};

/* The transfer from host i in the current phase. */
struct in_pair {
	uint64_t want, got;
	uint64_t sum;		/* of the chunks received whole */
	int64_t bad;
	uint64_t key, t_last;
	uint8_t *seen;		/* a bit per chunk: duplicates are refused */
};

enum phase_state { PH_IDLE, PH_READY, PH_RUNNING, PH_FAILED };

struct server {
	const struct tg_serve_opts *o;
	char self[TG_ADDR_MAX + 16];
	int ep, lfd, sfd, cfd;
	bool ctrl_dead;		/* drop the control connection after this batch */
	struct tg_linebuf clb;
	struct pending pend[MAX_PENDING];
	bool stop;
	/* session */
	bool in_session;
	uint64_t session;
	uint32_t index, n;
	struct tg_hosts hosts;
	uint32_t streams;	/* connections per pair */
	struct out_pair *out;	/* per host */
	struct in_pair *in;
	struct out_conn *oc;	/* per host and stream */
	struct in_conn *ic;
	bool connecting, connected;
	/* phase */
	enum phase_state ph;
	int64_t seq;
	uint64_t t_go;
	unsigned char *rbuf;
};

static uint64_t tag(enum kind k, uint32_t i)
{
	return (uint64_t)k << 32 | i;
}

static void logv(const struct server *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void logv(const struct server *s, const char *fmt, ...)
{
	va_list ap;

	if (!s->o->verbose)
		return;
	fprintf(stderr, "%s serve %s: ", TG_PROG, s->self);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static const char *peer_name(const struct server *s, uint32_t i)
{
	return i < s->hosts.n ? s->hosts.h[i].name : "?";
}

static int ep_set(struct server *s, int op, int fd, uint32_t events, uint64_t t)
{
	struct epoll_event ev = { .events = events, .data.u64 = t };

	return epoll_ctl(s->ep, op, fd, &ev) ? -errno : 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);	/* also leaves the epoll set */
	*fd = -1;
}

/* ---- control replies ------------------------------------------------------ */
static void ctrl_send(struct server *s, const struct tg_msg *m)
{
	size_t len;
	char *line;
	int err;

	if (s->cfd < 0 || s->ctrl_dead)
		return;
	line = tg_msg_encode(m, &len);
	err = line ? tg_write_all(s->cfd, line, len, CTRL_TIMEOUT_MS) : -ENOMEM;
	free(line);
	if (err) {
		fprintf(stderr, "%s serve %s: reply to driver: %s\n", TG_PROG, s->self,
			strerror(-err));
		s->ctrl_dead = true;	/* callers may still hold session pointers */
	}
}

static void ctrl_simple(struct server *s, enum tg_op op, int64_t seq)
{
	struct tg_msg m = { .op = op, .seq = seq };

	ctrl_send(s, &m);
}

/* Report an error to the driver (and stderr); @peer -1 when none. */
static void report_err(struct server *s, int peer, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void report_err(struct server *s, int peer, int err, const char *fmt, ...)
{
	struct tg_msg m = {
		.op = TG_OP_ERROR, .peer = peer, .err = err,
		.seq = s->ph == PH_IDLE ? -1 : s->seq,
	};
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m.text, sizeof(m.text), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s serve %s: %s\n", TG_PROG, s->self, m.text);
	ctrl_send(s, &m);
}

/* ---- session -------------------------------------------------------------- */
static uint32_t nconns(const struct server *s)
{
	return s->n * s->streams;
}

static void session_drop(struct server *s)
{
	uint32_t i;

	if (!s->in_session)
		return;
	for (i = 0; i < nconns(s); i++) {
		close_fd(&s->oc[i].fd);
		free(s->oc[i].buf);
		close_fd(&s->ic[i].fd);
	}
	for (i = 0; i < s->n; i++)
		free(s->in[i].seen);
	free(s->out);
	free(s->in);
	free(s->oc);
	free(s->ic);
	s->out = NULL;
	s->in = NULL;
	s->oc = NULL;
	s->ic = NULL;
	tg_hosts_free(&s->hosts);
	s->in_session = s->connecting = s->connected = false;
	s->ph = PH_IDLE;
	s->n = 0;
	logv(s, "session %016" PRIx64 " dropped", s->session);
}

static void ctrl_drop(struct server *s)
{
	s->ctrl_dead = false;
	if (s->cfd < 0)
		return;
	close_fd(&s->cfd);
	tg_linebuf_free(&s->clb);
	session_drop(s);
	logv(s, "driver disconnected");
	if (s->o->once)
		s->stop = true;
}

/* The phase cannot complete: stop sending, keep the session for abort. */
static void phase_fail(struct server *s)
{
	uint32_t c;

	if (s->ph != PH_RUNNING && s->ph != PH_READY)
		return;
	s->ph = PH_FAILED;
	for (c = 0; c < nconns(s); c++)
		if (s->oc[c].fd >= 0)
			ep_set(s, EPOLL_CTL_MOD, s->oc[c].fd, EPOLLIN, tag(K_OUT, c));
}

static void on_session(struct server *s, struct tg_msg *m)
{
	const struct tg_host *me;
	uint32_t i, n = m->hosts.n, nc = n * m->streams;

	if (s->in_session) {
		report_err(s, -1, EBUSY, "a session is already set up on this connection");
		return;
	}
	me = &m->hosts.h[m->index];
	if (strcmp(me->addr, s->o->self.addr) || me->port != s->o->self.port) {
		report_err(s, -1, EINVAL,
			   "session names this host '%s' at %s port %u, but it serves %s",
			   me->name, me->addr, me->port, s->self);
		return;
	}
	s->out = calloc(n, sizeof(*s->out));
	s->in = calloc(n, sizeof(*s->in));
	s->oc = calloc(nc, sizeof(*s->oc));
	s->ic = calloc(nc, sizeof(*s->ic));
	if (!s->out || !s->in || !s->oc || !s->ic) {
		free(s->out);
		free(s->in);
		free(s->oc);
		free(s->ic);
		s->out = NULL;
		s->in = NULL;
		s->oc = NULL;
		s->ic = NULL;
		report_err(s, -1, ENOMEM, "out of memory for %u hosts x %u streams", n, m->streams);
		return;
	}
	for (i = 0; i < n; i++)
		s->in[i].bad = -1;
	for (i = 0; i < nc; i++) {
		s->oc[i].fd = -1;
		s->ic[i].fd = -1;
	}
	s->hosts = m->hosts;		/* take it over */
	memset(&m->hosts, 0, sizeof(m->hosts));
	s->n = s->hosts.n;
	s->streams = m->streams;
	s->index = m->index;
	s->session = m->session;
	s->in_session = true;
	s->ph = PH_IDLE;
	s->seq = -1;
	logv(s, "session %016" PRIx64 ": host %u of %u ('%s'), %u stream%s per pair", s->session,
	     s->index, s->n, s->hosts.h[s->index].name, s->streams, s->streams > 1 ? "s" : "");
	ctrl_simple(s, TG_OP_OK, -1);
}

static void on_connect(struct server *s)
{
	int lowat = NOTSENT_LOWAT;
	uint32_t j, k;
	int fd;

	if (!s->in_session || s->connecting) {
		report_err(s, -1, EPROTO, "connect: %s", s->in_session ? "already connecting" :
			   "no session");
		return;
	}
	s->connecting = true;
	for (j = 0; j < s->n; j++) {
		const struct tg_host *h = &s->hosts.h[j];

		if (j == s->index)
			continue;
		for (k = 0; k < s->streams; k++) {
			fd = tg_connect_start(h->addr, h->port, s->o->self.addr);
			if (fd < 0) {
				report_err(s, (int)j, -fd, "connect to %s (%s port %u): %s", h->name,
					   h->addr, h->port, strerror(-fd));
				return;
			}
			if (s->streams > 1)
				setsockopt(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &lowat, sizeof(lowat));
			s->oc[j * s->streams + k].fd = fd;
			ep_set(s, EPOLL_CTL_ADD, fd, EPOLLOUT, tag(K_OUT, j * s->streams + k));
		}
	}
}

static bool all_connected(const struct server *s)
{
	uint32_t c;

	for (c = 0; c < nconns(s); c++)
		if (c / s->streams != s->index && (!s->oc[c].up || s->ic[c].fd < 0))
			return false;
	return true;
}

/* The pair's connections: all open (a phase with bytes needs each of them). */
static bool pair_open(const struct server *s, const struct out_conn *oc,
		      const struct in_conn *ic, uint32_t j)
{
	uint32_t k;

	for (k = 0; k < s->streams; k++)
		if ((oc && oc[j * s->streams + k].fd < 0) || (ic && ic[j * s->streams + k].fd < 0))
			return false;
	return true;
}

static uint64_t chunks_of(uint64_t bytes)
{
	return (bytes + TG_CHUNK - 1) / TG_CHUNK;
}

/* ---- phases --------------------------------------------------------------- */
static void on_phase(struct server *s, const struct tg_msg *m)
{
	uint32_t j, c;

	if (!s->connected || (s->ph != PH_IDLE)) {
		report_err(s, -1, EPROTO, "phase %" PRId64 ": %s", m->seq,
			   !s->connected ? "data connections not up" : "previous phase not finished");
		return;
	}
	if (m->n != s->n || m->want_send[s->index] || m->want_recv[s->index]) {
		report_err(s, -1, EPROTO, "phase %" PRId64 ": needs %u entries, none to itself",
			   m->seq, s->n);
		return;
	}
	for (j = 0; j < s->n; j++) {
		if (m->want_send[j] && !pair_open(s, s->oc, NULL, j)) {
			report_err(s, (int)j, ENOTCONN, "phase %" PRId64 ": %s->%s: no data connection",
				   m->seq, peer_name(s, s->index), peer_name(s, j));
			return;
		}
		if (m->want_recv[j] && !pair_open(s, NULL, s->ic, j)) {
			report_err(s, (int)j, ENOTCONN, "phase %" PRId64 ": %s->%s: no data connection",
				   m->seq, peer_name(s, j), peer_name(s, s->index));
			return;
		}
	}
	for (c = 0; c < nconns(s); c++) {
		struct out_conn *oc = &s->oc[c];

		if (m->want_send[c / s->streams] && !oc->buf) {
			oc->buf = malloc(TG_CHUNK);
			if (!oc->buf) {
				report_err(s, -1, ENOMEM, "out of memory");
				return;
			}
		}
		oc->busy = false;
		oc->hdr_off = TG_XFER_HDR_LEN;
		oc->buf_off = oc->buf_len = 0;
		s->ic[c].hdr_got = 0;
		s->ic[c].len = s->ic[c].got = 0;
	}
	for (j = 0; j < s->n; j++) {
		struct in_pair *in = &s->in[j];

		free(in->seen);
		in->seen = NULL;
		if (m->want_recv[j]) {
			in->seen = calloc(chunks_of(m->want_recv[j]) / 8 + 1, 1);
			if (!in->seen) {
				report_err(s, -1, ENOMEM, "out of memory");
				return;
			}
		}
	}
	s->seq = m->seq;
	for (j = 0; j < s->n; j++) {
		struct out_pair *o = &s->out[j];
		struct in_pair *in = &s->in[j];

		o->want = m->want_send[j];
		o->produced = o->sent = 0;
		o->sum = 0;
		o->t_last = 0;
		o->key = tg_payload_key(s->session, (uint32_t)m->seq, s->index, j);
		in->want = m->want_recv[j];
		in->got = 0;
		in->sum = 0;
		in->bad = -1;
		in->t_last = 0;
		in->key = tg_payload_key(s->session, (uint32_t)m->seq, j, s->index);
	}
	s->ph = PH_READY;
	s->t_go = 0;
	ctrl_simple(s, TG_OP_READY, s->seq);
}

static void on_go(struct server *s, const struct tg_msg *m)
{
	uint32_t c;

	if (s->ph != PH_READY || m->seq != s->seq) {
		report_err(s, -1, EPROTO, "go %" PRId64 ": phase %" PRId64 " is not ready",
			   m->seq, s->seq);
		return;
	}
	s->ph = PH_RUNNING;
	s->t_go = tg_now_usec();
	for (c = 0; c < nconns(s); c++)
		if (s->out[c / s->streams].want)
			ep_set(s, EPOLL_CTL_MOD, s->oc[c].fd, EPOLLIN | EPOLLOUT, tag(K_OUT, c));
}

static uint64_t since_go(const struct server *s, uint64_t t)
{
	return t > s->t_go && s->t_go ? t - s->t_go : 0;
}

static void send_report(struct server *s, enum tg_op op, int64_t seq)
{
	struct tg_msg m = { .op = op, .seq = seq };
	uint32_t j;

	if (tg_msg_alloc_report(&m, s->n)) {
		tg_msg_free(&m);
		report_err(s, -1, ENOMEM, "out of memory");
		return;
	}
	for (j = 0; j < s->n; j++) {
		m.send[j].bytes = s->out[j].sent;
		m.send[j].sum = s->out[j].sum;
		m.send[j].usec = since_go(s, s->out[j].t_last);
		m.recv[j].bytes = s->in[j].got;
		m.recv[j].sum = s->in[j].sum;
		m.recv[j].usec = since_go(s, s->in[j].t_last);
		m.recv[j].bad = s->in[j].bad;
	}
	ctrl_send(s, &m);
	tg_msg_free(&m);
}

static void on_abort(struct server *s, const struct tg_msg *m)
{
	if (s->in_session && s->seq >= 0)
		send_report(s, TG_OP_PROGRESS, m->seq);
	else
		ctrl_simple(s, TG_OP_PROGRESS, m->seq);	/* nothing ran: empty report */
	session_drop(s);
}

static void check_progress(struct server *s)
{
	uint32_t j;

	if (s->in_session && s->connecting && !s->connected && all_connected(s)) {
		s->connected = true;
		logv(s, "data connections up");
		ctrl_simple(s, TG_OP_CONNECTED, -1);
	}
	if (s->ph != PH_RUNNING)
		return;
	for (j = 0; j < s->n; j++)
		if (s->out[j].sent < s->out[j].want || s->in[j].got < s->in[j].want)
			return;
	s->ph = PH_IDLE;
	send_report(s, TG_OP_DONE, s->seq);
}

/* ---- data ----------------------------------------------------------------- */
static void out_fail(struct server *s, uint32_t c, int err, const char *what)
{
	uint32_t j = c / s->streams;
	const struct tg_host *h = &s->hosts.h[j];

	report_err(s, (int)j, err, "%s->%s (%s port %u): %s: %s", peer_name(s, s->index),
		   h->name, h->addr, h->port, what, strerror(err));
	close_fd(&s->oc[c].fd);
	s->oc[c].up = false;
	phase_fail(s);
}

/* Connection @c takes the pair's next chunk, with the test hooks applied. */
static void out_take_chunk(struct server *s, uint32_t c)
{
	uint32_t j = c / s->streams;
	struct out_conn *oc = &s->oc[c];
	struct out_pair *o = &s->out[j];
	const struct tg_inject *f = &s->o->inject;
	uint64_t len = o->want - o->produced;
	struct tg_xfer_hdr h = { .seq = (uint32_t)s->seq, .offset = o->produced };
	struct tg_sum sum;

	if (len > TG_CHUNK)
		len = TG_CHUNK;
	h.len = (uint32_t)len;
	tg_payload_fill(o->key, o->produced, oc->buf, len);
	tg_sum_init(&sum);
	tg_sum_update(&sum, oc->buf, len);
	o->sum += tg_sum_chunk(o->produced, &sum);
	if (f->kind == TG_INJECT_CORRUPT && f->peer == j && f->offset >= o->produced &&
	    f->offset < o->produced + len)
		oc->buf[f->offset - o->produced] ^= 0x5a;	/* after the checksum */
	/* truncate: the header promises the whole chunk, the bytes stop at offset */
	if (f->kind == TG_INJECT_TRUNCATE && f->peer == j && o->produced + len > f->offset)
		len = f->offset > o->produced ? f->offset - o->produced : 0;
	tg_xfer_hdr_encode(&h, oc->hdr);
	oc->hdr_off = 0;
	oc->buf_off = 0;
	oc->buf_len = len;
	oc->busy = true;
	o->produced += h.len;
}

/* Test hook: every connection of pair @j closes at the truncation offset. */
static void out_truncate(struct server *s, uint32_t j)
{
	struct out_pair *o = &s->out[j];
	uint32_t k;

	logv(s, "test hook: truncating %s->%s after %" PRIu64 " bytes", peer_name(s, s->index),
	     peer_name(s, j), o->sent);
	for (k = 0; k < s->streams; k++) {
		close_fd(&s->oc[j * s->streams + k].fd);
		s->oc[j * s->streams + k].up = false;
	}
	o->want = o->sent;	/* report what really went out */
}

/* Stop asking for EPOLLOUT on the pair's idle connections once it has no chunk left. */
static void out_pair_idle(struct server *s, uint32_t j)
{
	uint32_t k;

	for (k = 0; k < s->streams; k++) {
		struct out_conn *oc = &s->oc[j * s->streams + k];

		if (oc->fd >= 0 && !oc->busy)
			ep_set(s, EPOLL_CTL_MOD, oc->fd, EPOLLIN, tag(K_OUT, j * s->streams + k));
	}
}

static void on_out(struct server *s, uint32_t c, uint32_t events)
{
	uint32_t j = c / s->streams;
	struct out_conn *oc = &s->oc[c];
	struct out_pair *o = &s->out[j];
	const struct tg_inject *f = &s->o->inject;
	int burst;
	ssize_t k;

	if (!oc->up) {		/* connect finished */
		struct tg_data_hello h = {
			.version = TG_PROTO_VERSION, .session = s->session,
			.src = s->index, .dst = j, .stream = (uint16_t)(c % s->streams),
		};
		uint8_t buf[TG_DATA_HELLO_LEN];
		int err = tg_connect_result(oc->fd);

		if (!err) {
			tg_data_hello_encode(&h, buf);
			err = tg_write_all(oc->fd, buf, sizeof(buf), CTRL_TIMEOUT_MS);
		}
		if (err) {
			out_fail(s, c, -err, "connect");
			return;
		}
		oc->up = true;
		ep_set(s, EPOLL_CTL_MOD, oc->fd, EPOLLIN, tag(K_OUT, c));
		return;
	}
	if (events & EPOLLIN) {	/* the receiver never writes: EOF or junk */
		char ch;

		k = recv(oc->fd, &ch, 1, MSG_DONTWAIT);
		if ((k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR)) &&
		    s->ph != PH_RUNNING) {
			/* Between phases: the peer's session ended (abort, bye,
			 * crash); a later phase needing it fails with ENOTCONN. */
			logv(s, "data connection to %s closed", peer_name(s, j));
			close_fd(&oc->fd);
			oc->up = false;
			return;
		}
		if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR)) {
			out_fail(s, c, k == 0 ? ECONNRESET : errno, "connection closed by receiver");
			return;
		}
		if (k > 0) {
			out_fail(s, c, EPROTO, "unexpected data from receiver");
			return;
		}
	}
	if (!(events & EPOLLOUT) || s->ph != PH_RUNNING)
		return;
	for (burst = 0; burst < SEND_BURST; ) {
		if (!oc->busy) {
			if (o->produced == o->want)
				break;
			out_take_chunk(s, c);
			burst++;
		}
		while (oc->hdr_off < TG_XFER_HDR_LEN) {
			k = send(oc->fd, oc->hdr + oc->hdr_off, TG_XFER_HDR_LEN - oc->hdr_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
			if (k < 0) {
				if (errno != EAGAIN && errno != EINTR)
					out_fail(s, c, errno, "send");
				return;
			}
			oc->hdr_off += (size_t)k;
		}
		while (oc->buf_off < oc->buf_len) {
			k = send(oc->fd, oc->buf + oc->buf_off, oc->buf_len - oc->buf_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
			if (k < 0) {
				if (errno != EAGAIN && errno != EINTR)
					out_fail(s, c, errno, "send");
				return;
			}
			oc->buf_off += (size_t)k;
			o->sent += (uint64_t)k;
		}
		if (f->kind == TG_INJECT_TRUNCATE && f->peer == j && o->sent >= f->offset) {
			out_truncate(s, j);
			return;
		}
		oc->busy = false;
	}
	if (o->produced == o->want)
		out_pair_idle(s, j);
	if (o->sent == o->want && !o->t_last)
		o->t_last = tg_now_usec();
}

static void in_fail(struct server *s, uint32_t c, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void in_fail(struct server *s, uint32_t c, int err, const char *fmt, ...)
{
	uint32_t i = c / s->streams;
	char why[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	report_err(s, (int)i, err, "%s->%s: %s", peer_name(s, i), peer_name(s, s->index), why);
	close_fd(&s->ic[c].fd);
	phase_fail(s);
}

/* A chunk header from connection @c: is this chunk expected, and new? */
static int in_chunk_start(struct server *s, uint32_t c)
{
	uint32_t i = c / s->streams;
	struct in_conn *ic = &s->ic[c];
	struct in_pair *in = &s->in[i];
	struct tg_xfer_hdr h;
	uint64_t idx;

	if (tg_xfer_hdr_decode(ic->hdr, &h)) {
		in_fail(s, c, EPROTO, "bad chunk header");
		return -1;
	}
	if (h.seq != (uint32_t)s->seq || h.offset >= in->want ||
	    h.len != (in->want - h.offset < TG_CHUNK ? in->want - h.offset : TG_CHUNK)) {
		in_fail(s, c, EPROTO, "chunk of %u bytes at %" PRIu64 " for phase %u, expected "
			"%" PRIu64 " bytes in chunks of %u for phase %" PRId64, h.len, h.offset,
			h.seq, in->want, TG_CHUNK, s->seq);
		return -1;
	}
	idx = h.offset / TG_CHUNK;
	if (in->seen[idx / 8] & (1u << (idx % 8))) {
		in_fail(s, c, EPROTO, "chunk at %" PRIu64 " received twice", h.offset);
		return -1;
	}
	in->seen[idx / 8] |= (uint8_t)(1u << (idx % 8));
	ic->off = h.offset;
	ic->len = h.len;
	ic->got = 0;
	tg_sum_init(&ic->sum);
	return 0;
}

/* Consume @len received bytes of connection @c: chunk headers, then checked payload. */
static void in_consume(struct server *s, uint32_t c, const unsigned char *p, size_t len)
{
	uint32_t i = c / s->streams;
	struct in_conn *ic = &s->ic[c];
	struct in_pair *in = &s->in[i];

	while (len) {
		size_t k;

		if (ic->hdr_got < TG_XFER_HDR_LEN) {
			/* A failed phase still takes its data (and counts it for the
			 * abort report): refusing it would break the senders too. */
			if (s->ph == PH_IDLE || in->got == in->want) {
				in_fail(s, c, EPROTO, "unexpected data (no transfer expected in phase %"
					PRId64 ")", s->seq);
				return;
			}
			k = TG_XFER_HDR_LEN - ic->hdr_got < len ? TG_XFER_HDR_LEN - ic->hdr_got : len;
			memcpy(ic->hdr + ic->hdr_got, p, k);
			ic->hdr_got += k;
			p += k;
			len -= k;
			if (ic->hdr_got == TG_XFER_HDR_LEN && in_chunk_start(s, c))
				return;
			continue;
		}
		k = ic->len - ic->got < len ? ic->len - ic->got : len;
		if (in->bad < 0 || ic->off + ic->got < (uint64_t)in->bad) {
			int64_t off = tg_payload_check(in->key, ic->off + ic->got, p, k);

			if (off >= 0 && (in->bad < 0 || (int64_t)(ic->off + ic->got) + off < in->bad)) {
				in->bad = (int64_t)(ic->off + ic->got) + off;
				fprintf(stderr, "%s serve %s: %s->%s: byte %" PRId64 " is corrupt\n",
					TG_PROG, s->self, peer_name(s, i), peer_name(s, s->index),
					in->bad);
			}
		}
		tg_sum_update(&ic->sum, p, k);
		ic->got += (uint32_t)k;
		in->got += k;
		p += k;
		len -= k;
		if (ic->got == ic->len) {
			in->sum += tg_sum_chunk(ic->off, &ic->sum);
			ic->hdr_got = 0;
		}
		if (in->got == in->want)
			in->t_last = tg_now_usec();
	}
}

static void on_in(struct server *s, uint32_t c)
{
	uint32_t i = c / s->streams;
	struct in_conn *ic = &s->ic[c];
	struct in_pair *in = &s->in[i];
	int rounds;
	ssize_t k;

	for (rounds = 0; rounds < SEND_BURST && ic->fd >= 0; rounds++) {
		k = recv(ic->fd, s->rbuf, TG_CHUNK, MSG_DONTWAIT);
		if (k > 0) {
			in_consume(s, c, s->rbuf, (size_t)k);
			continue;
		}
		if (k < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (k < 0) {
			in_fail(s, c, errno, "receive: %s", strerror(errno));
		} else if (s->ph != PH_IDLE && in->got < in->want) {
			in_fail(s, c, ECONNRESET, "connection closed after %" PRIu64 " of %" PRIu64
				" bytes", in->got, in->want);
		} else {
			/* Between phases: the peer's session ended (abort, bye,
			 * crash); a later phase needing it fails with ENOTCONN. */
			logv(s, "data connection from %s closed", peer_name(s, i));
			close_fd(&ic->fd);
		}
		return;
	}
}

/* ---- accepting ------------------------------------------------------------ */
static void on_listen(struct server *s)
{
	int fd, slot;

	for (;;) {
		fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		for (slot = 0; slot < MAX_PENDING && s->pend[slot].fd >= 0; slot++)
			;
		if (slot == MAX_PENDING) {
			close(fd);
			continue;
		}
		s->pend[slot].fd = fd;
		s->pend[slot].got = 0;
		ep_set(s, EPOLL_CTL_ADD, fd, EPOLLIN, tag(K_PENDING, (uint32_t)slot));
	}
}

static void take_control(struct server *s, struct pending *p)
{
	if (s->cfd >= 0) {
		struct tg_msg m = { .op = TG_OP_ERROR, .seq = -1, .peer = -1, .err = EBUSY };
		size_t len;
		char *line;

		snprintf(m.text, sizeof(m.text), "%s is busy: another driver's session is running",
			 s->self);
		line = tg_msg_encode(&m, &len);
		if (line)
			tg_write_all(p->fd, line, len, 1000);
		free(line);
		logv(s, "second driver refused (busy)");
		close_fd(&p->fd);
		return;
	}
	s->cfd = p->fd;
	p->fd = -1;
	tg_linebuf_init(&s->clb, TG_MAX_LINE);
	ep_set(s, EPOLL_CTL_MOD, s->cfd, EPOLLIN, tag(K_CTRL, 0));
	logv(s, "driver connected");
}

static void take_data(struct server *s, struct pending *p)
{
	struct tg_data_hello h;
	uint32_t c;

	if (tg_data_hello_decode(p->buf, &h) || !s->in_session || h.session != s->session ||
	    h.dst != s->index || h.src >= s->n || h.src == s->index || h.stream >= s->streams ||
	    s->ic[h.src * s->streams + h.stream].fd >= 0) {
		logv(s, "data connection refused (bad hello, wrong session or duplicate)");
		close_fd(&p->fd);
		return;
	}
	c = h.src * s->streams + h.stream;
	s->ic[c].fd = p->fd;
	p->fd = -1;
	ep_set(s, EPOLL_CTL_MOD, s->ic[c].fd, EPOLLIN, tag(K_IN, c));
}

static void on_pending(struct server *s, uint32_t slot)
{
	struct pending *p = &s->pend[slot];
	size_t need = p->got < TG_MAGIC_LEN ? TG_MAGIC_LEN : TG_DATA_HELLO_LEN;
	ssize_t k;

	k = recv(p->fd, p->buf + p->got, need - p->got, MSG_DONTWAIT);
	if (k <= 0) {
		if (k == 0 || (errno != EAGAIN && errno != EINTR))
			close_fd(&p->fd);
		return;
	}
	p->got += (size_t)k;
	if (p->got < TG_MAGIC_LEN)
		return;
	if (!memcmp(p->buf, TG_CTRL_MAGIC, TG_MAGIC_LEN)) {
		take_control(s, p);
	} else if (!memcmp(p->buf, TG_DATA_MAGIC, TG_MAGIC_LEN)) {
		if (p->got == TG_DATA_HELLO_LEN)
			take_data(s, p);
	} else {
		logv(s, "connection with unknown magic closed");
		close_fd(&p->fd);
	}
}

/* ---- control -------------------------------------------------------------- */
static void on_ctrl_msg(struct server *s, struct tg_msg *m)
{
	switch (m->op) {
	case TG_OP_HELLO: {
		struct tg_msg r = { .op = TG_OP_HELLO, .version = TG_PROTO_VERSION,
				    .port = s->o->self.port };

		if (m->version != TG_PROTO_VERSION) {
			report_err(s, -1, EPROTONOSUPPORT, "protocol version %u, this server speaks %u",
				   m->version, TG_PROTO_VERSION);
			return;
		}
		snprintf(r.addr, sizeof(r.addr), "%s", s->o->self.addr);
		ctrl_send(s, &r);
		break;
	}
	case TG_OP_SESSION:
		on_session(s, m);
		break;
	case TG_OP_CONNECT:
		on_connect(s);
		break;
	case TG_OP_PHASE:
		on_phase(s, m);
		break;
	case TG_OP_GO:
		on_go(s, m);
		break;
	case TG_OP_ABORT:
		on_abort(s, m);
		break;
	case TG_OP_BYE:
		session_drop(s);
		break;
	default:
		report_err(s, -1, EPROTO, "unexpected '%s' from driver", tg_op_name(m->op));
		break;
	}
}

static void on_ctrl(struct server *s)
{
	char err[200], *line;
	size_t len;
	ssize_t k;

	k = tg_linebuf_fill(&s->clb, s->cfd);
	if (k == -EAGAIN)
		return;
	if (k == -EMSGSIZE) {
		report_err(s, -1, EPROTO, "control line longer than %u bytes", TG_MAX_LINE);
		s->ctrl_dead = true;
		return;
	}
	while (!s->ctrl_dead && (line = tg_linebuf_next(&s->clb, &len))) {
		struct tg_msg m;

		if (tg_msg_decode(line, len, &m, err, sizeof(err))) {
			report_err(s, -1, EPROTO, "bad control message: %s", err);
			tg_msg_free(&m);
			s->ctrl_dead = true;
			return;
		}
		on_ctrl_msg(s, &m);
		tg_msg_free(&m);
	}
	if (k <= 0)	/* EOF or error: the driver is gone */
		s->ctrl_dead = true;
}

/* ---- main loop ------------------------------------------------------------ */
static int setup(struct server *s)
{
	sigset_t mask;
	int i;

	s->lfd = s->sfd = s->cfd = s->ep = -1;
	for (i = 0; i < MAX_PENDING; i++)
		s->pend[i].fd = -1;
	s->rbuf = malloc(TG_CHUNK);
	s->ep = epoll_create1(EPOLL_CLOEXEC);
	if (!s->rbuf || s->ep < 0) {
		fprintf(stderr, "%s serve: %s\n", TG_PROG, strerror(s->rbuf ? errno : ENOMEM));
		return TG_EXIT_FAIL;
	}
	s->lfd = tg_listen(s->o->self.addr, s->o->self.port);
	if (s->lfd < 0) {
		fprintf(stderr, "%s serve: listen on %s: %s\n", TG_PROG, s->self, strerror(-s->lfd));
		return TG_EXIT_FAIL;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	s->sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s->sfd < 0 || ep_set(s, EPOLL_CTL_ADD, s->lfd, EPOLLIN, tag(K_LISTEN, 0)) ||
	    ep_set(s, EPOLL_CTL_ADD, s->sfd, EPOLLIN, tag(K_SIGNAL, 0))) {
		fprintf(stderr, "%s serve: %s\n", TG_PROG, strerror(errno));
		return TG_EXIT_FAIL;
	}
	return TG_EXIT_OK;
}

static void teardown(struct server *s)
{
	int i;

	ctrl_drop(s);
	session_drop(s);
	for (i = 0; i < MAX_PENDING; i++)
		close_fd(&s->pend[i].fd);
	close_fd(&s->lfd);
	close_fd(&s->sfd);
	close_fd(&s->ep);
	free(s->rbuf);
}

int tg_serve(const struct tg_serve_opts *o)
{
	struct epoll_event ev[64];
	struct server s = { .o = o };
	int rc, n, i;

	snprintf(s.self, sizeof(s.self), strchr(o->self.addr, ':') ? "[%s]:%u" : "%s:%u",
		 o->self.addr, o->self.port);
	rc = setup(&s);
	if (rc) {
		teardown(&s);
		return rc;
	}
	logv(&s, "listening");
	signal(SIGPIPE, SIG_IGN);
	while (!s.stop) {
		n = epoll_wait(s.ep, ev, 64, -1);
		if (n < 0 && errno != EINTR) {
			fprintf(stderr, "%s serve %s: epoll: %s\n", TG_PROG, s.self, strerror(errno));
			rc = TG_EXIT_FAIL;
			break;
		}
		for (i = 0; i < n && !s.stop; i++) {
			uint32_t idx = (uint32_t)ev[i].data.u64;

			switch ((enum kind)(ev[i].data.u64 >> 32)) {
			case K_LISTEN:
				on_listen(&s);
				break;
			case K_SIGNAL:
				logv(&s, "signal: exiting");
				s.stop = true;
				break;
			case K_CTRL:
				if (s.cfd >= 0 && !s.ctrl_dead)
					on_ctrl(&s);
				break;
			case K_PENDING:
				if (s.pend[idx].fd >= 0)
					on_pending(&s, idx);
				break;
			case K_OUT:
				if (s.in_session && idx < nconns(&s) && s.oc[idx].fd >= 0)
					on_out(&s, idx, ev[i].events | (ev[i].events & (EPOLLERR | EPOLLHUP) ?
									EPOLLIN | EPOLLOUT : 0));
				break;
			case K_IN:
				if (s.in_session && idx < nconns(&s) && s.ic[idx].fd >= 0)
					on_in(&s, idx);
				break;
			}
		}
		check_progress(&s);
		if (s.ctrl_dead)
			ctrl_drop(&s);
	}
	teardown(&s);
	return rc;
}

int tg_inject_parse(const char *spec, struct tg_inject *f)
{
	unsigned long long peer, off;
	char kind[16], end;

	if (!spec || sscanf(spec, "%15[a-z]:%llu:%llu%c", kind, &peer, &off, &end) != 3 ||
	    peer >= TG_MAX_HOSTS || off >= TG_MAX_PAIR_BYTES)
		return -EINVAL;
	if (!strcmp(kind, "corrupt"))
		f->kind = TG_INJECT_CORRUPT;
	else if (!strcmp(kind, "truncate"))
		f->kind = TG_INJECT_TRUNCATE;
	else
		return -EINVAL;
	f->peer = (uint32_t)peer;
	f->offset = off;
	return 0;
}
