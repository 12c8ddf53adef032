// SPDX-License-Identifier: GPL-2.0
/* Daemon logging (see log.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"

static int log_level = LOG_INFO;
static log_sink_fn log_sink;
static void *log_sink_priv;

void log_set_level(int level)
{
	log_level = level;
}

int log_get_level(void)
{
	return log_level;
}

void log_set_sink(log_sink_fn sink, void *priv)
{
	log_sink = sink;
	log_sink_priv = priv;
}

void log_discard(void *priv, int level, const char *line)
{
	(void)priv;
	(void)level;
	(void)line;
}

static const char *level_name(int level)
{
	switch (level) {
	case LOG_ERR: return "error";
	case LOG_WARNING: return "warning";
	case LOG_INFO: return "info";
	default: return "debug";
	}
}

void mlog(int level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (log_sink) {
		log_sink(log_sink_priv, level, line);
		return;
	}
	if (getenv("JOURNAL_STREAM"))
		fprintf(stderr, "<%d>%s\n", level, line);
	else
		fprintf(stderr, "mixnet-agent: %s: %s\n", level_name(level), line);
}
