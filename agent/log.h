/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Daemon logging: one line per event on stderr.  Under systemd (stderr
 * connected to the journal, $JOURNAL_STREAM set) each line carries the
 * sd-daemon "<N>" priority prefix so journalctl -p works; elsewhere the
 * level is spelled out.  Tests can redirect lines to a sink.
 */
#ifndef MIXNET_LOG_H
#define MIXNET_LOG_H

#include <syslog.h>	/* LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG */

/* Lines above this level are dropped (default LOG_INFO; -v: LOG_DEBUG). */
void log_set_level(int level);
int log_get_level(void);

/*
 * Send every line to @sink instead of stderr (NULL restores stderr).
 * @line has no trailing newline.
 */
typedef void (*log_sink_fn)(void *priv, int level, const char *line);
void log_set_sink(log_sink_fn sink, void *priv);
/* A sink that drops every line (for tests and benchmarks that check state, not logs). */
void log_discard(void *priv, int level, const char *line);

void mlog(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...)	mlog(LOG_ERR, __VA_ARGS__)
#define log_warn(...)	mlog(LOG_WARNING, __VA_ARGS__)
#define log_info(...)	mlog(LOG_INFO, __VA_ARGS__)
#define log_debug(...)	mlog(LOG_DEBUG, __VA_ARGS__)

#endif /* MIXNET_LOG_H */
