/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The mixnet-agent daemon: one thread, one zmq_poll loop over
 *   - the controller's ROUTER and ZAP sockets, the OCS event descriptor
 *     (controller role),
 *   - the host's DEALER and its connection monitor, the fabric event
 *     descriptor (host role),
 *   - a timerfd ticking every epoch, the deadline of the state machines,
 *   - the control socket (status) and the demand socket,
 *   - a signalfd (SIGINT/SIGTERM stop; SIGHUP is logged and ignored) and
 *     an eventfd for daemon_stop().
 * Messages are decoded here and handed to controller.c / host_agent.c.
 */
#ifndef MIXNET_DAEMON_H
#define MIXNET_DAEMON_H

#include <stdbool.h>
#include <stddef.h>

#include "backends.h"
#include "config.h"

struct daemon_opts {
	bool no_signals;	/* leave signals alone (tests); stop with daemon_stop() */
};

struct daemon;

/*
 * Set everything up for @cfg's roles with backends @b (copied; the
 * caller keeps ownership).  Returns 0, or -errno with @why naming what
 * failed (endpoint in use, socket path taken ...).
 */
int daemon_new(const struct config *cfg, const struct daemon_backends *b,
	       const struct daemon_opts *opts, struct daemon **out, char *why, size_t whylen);
/*
 * daemon_new() in two halves, for callers whose backends touch shared
 * state (the sampler's peer set): daemon_claim() takes the local sockets,
 * so a second daemon is refused (-EADDRINUSE) before its backends open;
 * daemon_start() then opens the roles with @b.  If daemon_start() fails,
 * daemon_free() the daemon.
 */
int daemon_claim(const struct config *cfg, const struct daemon_opts *opts, struct daemon **out,
		 char *why, size_t whylen);
int daemon_start(struct daemon *d, const struct daemon_backends *b, char *why, size_t whylen);
/* Run until stopped.  0, or -errno if the loop itself failed. */
int daemon_run(struct daemon *d);
/* Ask daemon_run() to return (from any thread or a signal handler). */
void daemon_stop(struct daemon *d);
void daemon_free(struct daemon *d);

#endif /* MIXNET_DAEMON_H */
