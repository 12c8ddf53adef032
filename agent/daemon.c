// SPDX-License-Identifier: GPL-2.0
/* The mixnet-agent daemon's event loop (see daemon.h). */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "control.h"
#include "controller.h"
#include "daemon.h"
#include "demand_server.h"
#include "host_agent.h"
#include "log.h"
#include "proto.h"
#include "transport.h"
#include "version.h"

#define MAX_ITEMS (16 + 2 * (USOCK_MAX_CONNS + 1))

struct daemon {
	const struct config *cfg;
	struct daemon_backends b;
	struct daemon_opts opts;
	void *zctx;
	int stop_fd, signal_fd, timer_fd;
	sigset_t old_mask;
	bool masked;
	uint64_t started;

	struct controller *ctl;
	struct tp_server *srv;
	struct tp_member *members;
	uint32_t nmembers;
	uint64_t bad_frames;

	struct host_agent *ha;
	struct tp_client *cli;
	char last_client_error[128];

	struct control_server control;
	bool ctl_recv_failed, host_recv_failed;	/* receive error logged */
	struct demand_server demand;
	uint64_t demand_seq;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- controller side glue ------------------------------------------------------------- */

/*
 * @m as a frame to send (*buf malloc'ed); one that does not encode is
 * logged for @side ("controller", "host"), naming host @to if given.
 */
static int encode_msg(const struct mnp_msg *m, const char *side, const char *to, void **buf,
		      size_t *len)
{
	struct mnp_err err;
	int rc = mnp_encode(m, buf, len, &err);

	if (rc)
		log_err("%s: cannot encode %s%s%s: %s", side, mnp_type_name(m->type),
			to ? " for " : "", to ? to : "", err.msg);
	return rc;
}

static int ctl_send(void *priv, uint32_t h, const struct mnp_msg *m)
{
	struct daemon *d = priv;
	void *buf;
	size_t len;
	int rc;

	rc = encode_msg(m, "controller", d->cfg->hosts[h].name, &buf, &len);
	if (rc)
		return rc;
	rc = tp_server_send(d->srv, h, buf, len);
	free(buf);
	return rc;
}

static uint64_t ctl_clock(void *priv)
{
	(void)priv;
	return now_ns();
}

static void ctl_reject_version(struct daemon *d, uint32_t h, unsigned int version)
{
	struct mnp_msg r = { .type = MNP_REJECT, .version = MNP_VERSION, .status = -EPROTONOSUPPORT };

	snprintf(r.message, sizeof(r.message), "controller speaks protocol version %u, not %u",
		 MNP_VERSION, version);
	ctl_send(d, h, &r);
}

/*
 * A receive error: true when it is about one message (skip it, read on),
 * false when the socket itself fails (ETERM, ENOTSOCK ...): stop reading,
 * logging that once, or the loop would spin on it.
 */
static bool recv_skip(int rc, const char *side, bool *logged)
{
	if (rc == -EBADMSG || rc == -EACCES || rc == -ENOMEM)
		return true;
	if (!*logged)
		log_err("%s: receive: %s", side, strerror(-rc));
	*logged = true;
	return false;
}

static void ctl_readable(struct daemon *d)
{
	uint32_t h;
	void *buf;
	size_t len;
	int rc;

	while ((rc = tp_server_recv(d->srv, &h, &buf, &len)) != -EAGAIN) {
		struct mnp_msg m;
		struct mnp_err err;

		if (rc) {
			if (!recv_skip(rc, "controller", &d->ctl_recv_failed))
				break;
			continue;
		}
		rc = mnp_decode(buf, len, &m, &err);
		free(buf);
		if (rc == -EPROTONOSUPPORT) {
			log_warn("controller: %s speaks protocol version %u", d->cfg->hosts[h].name,
				 m.version);
			ctl_reject_version(d, h, m.version);
			continue;
		}
		if (rc) {
			/* A member sent garbage: its key is valid, its agent is not. */
			if (d->bad_frames++ < 10 || d->bad_frames % 1000 == 0)
				log_warn("controller: malformed message from %s: %s",
					 d->cfg->hosts[h].name, err.msg);
			continue;
		}
		controller_recv(d->ctl, h, &m, now_ns());
		mnp_msg_free(&m);
	}
}

/* ---- host side glue ---------------------------------------------------------------------- */

static int host_send(void *priv, const struct mnp_msg *m)
{
	struct daemon *d = priv;
	void *buf;
	size_t len;
	int rc;

	rc = encode_msg(m, "host", NULL, &buf, &len);
	if (rc)
		return rc;
	rc = tp_client_send(d->cli, buf, len);
	free(buf);
	return rc;
}

static void host_readable(struct daemon *d)
{
	void *buf;
	size_t len;
	int rc;

	while ((rc = tp_client_recv(d->cli, &buf, &len)) != -EAGAIN) {
		struct mnp_msg m;
		struct mnp_err err;

		if (rc) {
			if (!recv_skip(rc, "host", &d->host_recv_failed))
				break;
			continue;
		}
		rc = mnp_decode(buf, len, &m, &err);
		free(buf);
		if (rc) {
			log_warn("host: malformed message from the controller: %s", err.msg);
			continue;
		}
		host_agent_recv(d->ha, &m, now_ns());
		mnp_msg_free(&m);
	}
}

static void host_monitor(struct daemon *d)
{
	enum tp_event ev;

	while ((ev = tp_client_handle_monitor(d->cli)) != TP_EV_NONE) {
		switch (ev) {
		case TP_EV_CONNECTED:
			d->last_client_error[0] = '\0';
			host_agent_connected(d->ha, now_ns());
			break;
		case TP_EV_DISCONNECTED:
			host_agent_disconnected(d->ha, now_ns());
			break;
		case TP_EV_AUTH_FAILED:
			/* libzmq retries: say it once per distinct reason. */
			if (strcmp(d->last_client_error, tp_client_last_error(d->cli))) {
				snprintf(d->last_client_error, sizeof(d->last_client_error), "%s",
					 tp_client_last_error(d->cli));
				log_err("host: %s", d->last_client_error);
			}
			host_agent_disconnected(d->ha, now_ns());
			break;
		default:
			break;
		}
	}
}

/* ---- demand socket ------------------------------------------------------------------------- */

static int on_demand(void *priv, const struct demand_submission *s, uint64_t *id, char *msg,
		     size_t msglen)
{
	struct daemon *d = priv;
	const struct config *cfg = d->cfg;
	uint32_t *idx, i;
	int rc;

	if (!s->names && s->n != cfg->nhosts) {
		snprintf(msg, msglen, "%u servers without names, but the region has %u hosts", s->n,
			 cfg->nhosts);
		return -EINVAL;
	}
	idx = calloc(s->n, sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	for (i = 0; i < s->n; i++) {
		int k = s->names ? config_host_index(cfg, s->names[i]) : (int)i;

		if (k < 0) {
			snprintf(msg, msglen, "%s is not a host of region %s", s->names[i], cfg->region);
			free(idx);
			return -ENOENT;
		}
		idx[i] = (uint32_t)k;
	}
	if (d->ha) {
		rc = host_agent_submit(d->ha, s->n, idx, s->bytes, s->has_layer, s->layer, now_ns(),
				       id, msg, msglen);
	} else {
		rc = controller_submit(d->ctl, s->n, idx, s->bytes, s->has_layer, s->layer, now_ns());
		*id = ++d->demand_seq;
		if (rc)
			snprintf(msg, msglen, "%s", strerror(-rc));
	}
	if (!rc)
		log_info("demand: %ux%u matrix%s from pid %d accepted (#%" PRIu64 ")", s->n, s->n,
			 s->has_layer ? " with a layer" : "", (int)s->pid, *id);
	free(idx);
	return rc;
}

/* ---- control socket ------------------------------------------------------------------------ */

static json_t *status(struct daemon *d)
{
	const struct config *cfg = d->cfg;
	uint64_t now = now_ns();
	json_t *o, *roles = json_array();

	if (cfg->roles & CFG_ROLE_HOST)
		json_array_append_new(roles, json_string("host"));
	if (cfg->roles & CFG_ROLE_CONTROLLER)
		json_array_append_new(roles, json_string("controller"));
	o = json_pack("{s:s, s:i, s:s, s:s?, s:o, s:I}", "version", MIXNET_AGENT_VERSION,
		      "protocol", MNP_VERSION, "region", cfg->region,
		      "name", cfg->host[0] ? cfg->host : NULL, "roles", roles,
		      "uptime_ms", (json_int_t)((now - d->started) / 1000000));
	if (!o)
		return NULL;
	if (d->ctl) {
		const struct tp_server_stats *st = tp_server_stats(d->srv);
		json_t *c = controller_status(d->ctl, now);

		if (c) {
			json_object_set_new(c, "endpoint", json_string(tp_server_endpoint(d->srv)));
			json_object_set_new(c, "handshakes", json_pack("{s:I, s:I, s:s}",
				"accepted", (json_int_t)st->accepted, "refused", (json_int_t)st->refused,
				"last_refused", st->last_refused));
			json_object_set_new(c, "malformed_messages", json_integer((json_int_t)d->bad_frames));
		}
		json_object_set_new(o, "controller", c ? c : json_null());
	}
	if (d->ha) {
		json_t *h = host_agent_status(d->ha, now);

		if (h && d->last_client_error[0])
			json_object_set_new(h, "last_error", json_string(d->last_client_error));
		json_object_set_new(o, "host", h ? h : json_null());
	}
	json_object_set_new(o, "demand_socket", json_pack("{s:s, s:I, s:I}", "path",
		cfg->demand_socket, "accepted", (json_int_t)d->demand.accepted,
		"refused", (json_int_t)d->demand.refused));
	return o;
}

static json_t *on_control(void *priv, const json_t *req, const struct ucred *peer)
{
	struct daemon *d = priv;
	const char *cmd = json_string_value(json_object_get(req, "cmd"));

	(void)peer;
	if (!cmd)
		return control_error(EINVAL, "missing \"cmd\"");
	if (!strcmp(cmd, "status")) {
		json_t *s = status(d);

		return s ? s : control_error(ENOMEM, "out of memory");
	}
	return control_error(EOPNOTSUPP, "unknown command '%s'", cmd);
}

/* ---- setup ------------------------------------------------------------------------------------ */

static int open_controller(struct daemon *d, char *why, size_t whylen)
{
	struct ctl_ops ops = { .priv = d, .send = ctl_send, .clock = ctl_clock };
	struct timespec rt;
	int rc;

	if (!d->b.ocs || !d->b.planner) {
		snprintf(why, whylen, "controller role needs an OCS and a planner backend");
		return -EINVAL;
	}
	rc = tp_members_from_config(d->cfg, &d->members, &d->nmembers);
	if (rc)
		return rc;
	rc = tp_server_open(d->zctx, d->cfg->ctl_endpoint, d->cfg->secret_key, d->members,
			    d->nmembers, &d->srv);
	if (rc) {
		snprintf(why, whylen, "controller endpoint %s: %s", d->cfg->ctl_endpoint,
			 strerror(-rc));
		return rc;
	}
	/* Plan ids from the wall clock: a restarted controller's are larger. */
	clock_gettime(CLOCK_REALTIME, &rt);
	d->ctl = controller_new(d->cfg, d->b.ocs, d->b.planner, &ops,
				(uint64_t)rt.tv_sec * 1000000 + (uint64_t)rt.tv_nsec / 1000);
	if (!d->ctl)
		return -ENOMEM;
	rc = controller_start(d->ctl, now_ns());
	if (rc)
		snprintf(why, whylen, "cannot read the OCS state: %s", strerror(-rc));
	return rc;
}

static int open_host(struct daemon *d, char *why, size_t whylen)
{
	struct host_ops ops = { .priv = d, .send = host_send };
	int rc;

	if (!d->b.sampler || !d->b.fabric) {
		snprintf(why, whylen, "host role needs a sampler and a fabric backend");
		return -EINVAL;
	}
	d->ha = host_agent_new(d->cfg, d->b.sampler, d->b.fabric, &ops);
	if (!d->ha)
		return -ENOMEM;
	rc = tp_client_open(d->zctx, d->cfg->ctl_endpoint, d->cfg->ctl_public_key,
			    d->cfg->secret_key, &d->cfg->hosts[d->cfg->self].mgmt, &d->cli);
	if (rc)
		snprintf(why, whylen, "connecting to %s: %s", d->cfg->ctl_endpoint, strerror(-rc));
	return rc;
}

int daemon_claim(const struct config *cfg, const struct daemon_opts *opts, struct daemon **out,
		 char *why, size_t whylen)
{
	struct itimerspec its = { 0 };
	struct daemon *d;
	int rc;

	*out = NULL;
	why[0] = '\0';
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->cfg = cfg;
	if (opts)
		d->opts = *opts;
	d->stop_fd = d->signal_fd = d->timer_fd = -1;
	d->control.set.listen_fd = d->demand.set.listen_fd = -1;
	d->started = now_ns();

	d->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	d->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	d->zctx = zmq_ctx_new();
	if (d->stop_fd < 0 || d->timer_fd < 0 || !d->zctx) {
		rc = -errno ? -errno : -ENOMEM;
		goto fail;
	}
	if (!d->opts.no_signals) {
		sigset_t mask;

		sigemptyset(&mask);
		sigaddset(&mask, SIGINT);
		sigaddset(&mask, SIGTERM);
		sigaddset(&mask, SIGHUP);
		sigprocmask(SIG_BLOCK, &mask, &d->old_mask);
		d->masked = true;
		d->signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
		if (d->signal_fd < 0) {
			rc = -errno;
			goto fail;
		}
	}
	its.it_value.tv_sec = its.it_interval.tv_sec = cfg->epoch_ms / 1000;
	its.it_value.tv_nsec = its.it_interval.tv_nsec = (long)(cfg->epoch_ms % 1000) * 1000000;
	if (timerfd_settime(d->timer_fd, 0, &its, NULL) < 0) {
		rc = -errno;
		goto fail;
	}

	/* Local sockets first: a second daemon fails here, before touching anything. */
	rc = control_server_open(&d->control, cfg->control_socket, on_control, d);
	if (rc) {
		snprintf(why, whylen, "control socket %s: %s", cfg->control_socket,
			 rc == -EADDRINUSE ? "another daemon is running" : strerror(-rc));
		goto fail;
	}
	rc = demand_server_open(&d->demand, cfg->demand_socket, cfg->demand_socket_mode,
				cfg->demand_socket_group, cfg->nhosts, on_demand, d);
	if (rc) {
		snprintf(why, whylen, "demand socket %s: %s", cfg->demand_socket,
			 rc == -EADDRINUSE ? "another daemon is running" : strerror(-rc));
		goto fail;
	}
	*out = d;
	return 0;
fail:
	if (!why[0])
		snprintf(why, whylen, "%s", strerror(-rc));
	daemon_free(d);
	return rc;
}

int daemon_start(struct daemon *d, const struct daemon_backends *b, char *why, size_t whylen)
{
	int rc;

	why[0] = '\0';
	d->b = *b;
	if (d->cfg->roles & CFG_ROLE_CONTROLLER) {
		rc = open_controller(d, why, whylen);
		if (rc)
			goto fail;
	}
	if (d->cfg->roles & CFG_ROLE_HOST) {
		rc = open_host(d, why, whylen);
		if (rc)
			goto fail;
	}
	return 0;
fail:
	if (!why[0])
		snprintf(why, whylen, "%s", strerror(-rc));
	return rc;
}

int daemon_new(const struct config *cfg, const struct daemon_backends *b,
	       const struct daemon_opts *opts, struct daemon **out, char *why, size_t whylen)
{
	int rc = daemon_claim(cfg, opts, out, why, whylen);

	if (rc)
		return rc;
	rc = daemon_start(*out, b, why, whylen);
	if (rc) {
		daemon_free(*out);
		*out = NULL;
	}
	return rc;
}

void daemon_free(struct daemon *d)
{
	if (!d)
		return;
	control_server_close(&d->control);
	demand_server_close(&d->demand);
	tp_client_close(d->cli);
	host_agent_free(d->ha);
	tp_server_close(d->srv);
	controller_free(d->ctl);
	free(d->members);
	if (d->zctx)
		zmq_ctx_term(d->zctx);
	if (d->signal_fd >= 0)
		close(d->signal_fd);
	if (d->masked)
		sigprocmask(SIG_SETMASK, &d->old_mask, NULL);
	if (d->timer_fd >= 0)
		close(d->timer_fd);
	if (d->stop_fd >= 0)
		close(d->stop_fd);
	free(d);
}

void daemon_stop(struct daemon *d)
{
	uint64_t one = 1;

	if (write(d->stop_fd, &one, sizeof(one)) < 0)
		return;	/* the counter is saturated: a stop is pending anyway */
}

/* ---- the loop ---------------------------------------------------------------------------------- */

static int poll_timeout(const struct daemon *d, uint64_t now)
{
	uint64_t next = UINT64_MAX;

	if (d->ctl)
		next = controller_next_deadline(d->ctl);
	if (d->ha && host_agent_next_deadline(d->ha) < next)
		next = host_agent_next_deadline(d->ha);
	if (next == UINT64_MAX)
		return -1;
	if (next <= now)
		return 0;
	/* Round up: waking early would only spin. */
	return (int)((next - now + 999999) / 1000000);
}

static bool handle_signal(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->signal_fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			log_info("SIGHUP: configuration reload is not supported; restart the daemon");
			continue;
		}
		log_info("stopping on signal %s", strsignal((int)si.ssi_signo));
		return true;
	}
	return false;
}

int daemon_run(struct daemon *d)
{
	const struct config *cfg = d->cfg;
	zmq_pollitem_t it[MAX_ITEMS];
	char roles[32];

	snprintf(roles, sizeof(roles), "%s%s%s", cfg->roles & CFG_ROLE_HOST ? "host" : "",
		 cfg->roles == (CFG_ROLE_HOST | CFG_ROLE_CONTROLLER) ? "+" : "",
		 cfg->roles & CFG_ROLE_CONTROLLER ? "controller" : "");
	log_info("daemon %s started: region %s, %s%s%s, controller %s, epoch %u ms",
		 MIXNET_AGENT_VERSION, cfg->region, roles, cfg->host[0] ? " " : "", cfg->host,
		 cfg->ctl_endpoint, cfg->epoch_ms);
	for (;;) {
		int n = 0, i_stop, i_sig = -1, i_timer, i_router = -1, i_zap = -1, i_ocs = -1;
		int i_dealer = -1, i_mon = -1, i_fab = -1, i_ctl, n_ctl, i_dem, n_dem, rc;
		uint64_t now = now_ns();

		i_stop = n;
		it[n++] = (zmq_pollitem_t){ .fd = d->stop_fd, .events = ZMQ_POLLIN };
		if (d->signal_fd >= 0) {
			i_sig = n;
			it[n++] = (zmq_pollitem_t){ .fd = d->signal_fd, .events = ZMQ_POLLIN };
		}
		i_timer = n;
		it[n++] = (zmq_pollitem_t){ .fd = d->timer_fd, .events = ZMQ_POLLIN };
		if (d->srv) {
			i_router = n;
			it[n++] = (zmq_pollitem_t){ .socket = tp_server_socket(d->srv), .events = ZMQ_POLLIN };
			i_zap = n;
			it[n++] = (zmq_pollitem_t){ .socket = tp_server_zap_socket(d->srv),
						    .events = ZMQ_POLLIN };
			if (d->b.ocs->event_fd(d->b.ocs->priv) >= 0) {
				i_ocs = n;
				it[n++] = (zmq_pollitem_t){ .fd = d->b.ocs->event_fd(d->b.ocs->priv),
							    .events = ZMQ_POLLIN };
			}
		}
		if (d->cli) {
			i_dealer = n;
			it[n++] = (zmq_pollitem_t){ .socket = tp_client_socket(d->cli), .events = ZMQ_POLLIN };
			i_mon = n;
			it[n++] = (zmq_pollitem_t){ .socket = tp_client_monitor_socket(d->cli),
						    .events = ZMQ_POLLIN };
			if (d->b.fabric->event_fd && d->b.fabric->event_fd(d->b.fabric->priv) >= 0) {
				i_fab = n;
				it[n++] = (zmq_pollitem_t){ .fd = d->b.fabric->event_fd(d->b.fabric->priv),
							    .events = ZMQ_POLLIN };
			}
		}
		i_ctl = n;
		n_ctl = control_server_pollitems(&d->control, it + n, MAX_ITEMS - n);
		n += n_ctl;
		i_dem = n;
		n_dem = demand_server_pollitems(&d->demand, it + n, MAX_ITEMS - n);
		n += n_dem;

		rc = zmq_poll(it, n, poll_timeout(d, now));
		if (rc < 0) {
			if (zmq_errno() == EINTR)
				continue;
			log_err("poll: %s", zmq_strerror(zmq_errno()));
			return -zmq_errno();
		}
		now = now_ns();
		if (it[i_stop].revents & ZMQ_POLLIN) {
			log_info("stopping");
			return 0;
		}
		if (i_sig >= 0 && (it[i_sig].revents & ZMQ_POLLIN) && handle_signal(d))
			return 0;
		/* ZAP first: handshakes wait on it. */
		if (i_zap >= 0 && (it[i_zap].revents & ZMQ_POLLIN))
			tp_server_handle_zap(d->srv);
		if (i_router >= 0 && (it[i_router].revents & ZMQ_POLLIN))
			ctl_readable(d);
		if (i_ocs >= 0 && (it[i_ocs].revents & ZMQ_POLLIN))
			controller_ocs_event(d->ctl, now);
		if (i_mon >= 0 && (it[i_mon].revents & ZMQ_POLLIN))
			host_monitor(d);
		if (i_dealer >= 0 && (it[i_dealer].revents & ZMQ_POLLIN))
			host_readable(d);
		if (i_fab >= 0 && (it[i_fab].revents & ZMQ_POLLIN)) {
			if (d->b.fabric->drain_events)
				d->b.fabric->drain_events(d->b.fabric->priv);
			host_agent_fabric_event(d->ha, now);
		}
		if (it[i_timer].revents & ZMQ_POLLIN) {
			uint64_t ticks;

			if (read(d->timer_fd, &ticks, sizeof(ticks)) == sizeof(ticks)) {
				if (d->ha)
					host_agent_tick(d->ha, now);
				if (d->ctl)
					controller_tick(d->ctl, now);
			}
		}
		if (n_ctl)
			control_server_dispatch(&d->control, it + i_ctl, n_ctl);
		if (n_dem)
			demand_server_dispatch(&d->demand, it + i_dem, n_dem);
		now = now_ns();
		if (d->ctl && controller_next_deadline(d->ctl) <= now)
			controller_timeout(d->ctl, now);
		if (d->ha && host_agent_next_deadline(d->ha) <= now)
			host_agent_timeout(d->ha, now);
	}
}
