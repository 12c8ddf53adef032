/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shell commands for the bpf tier's Check programs (ip link, ip neigh
 * ...): shell() runs one and returns system()'s status, sh() fails the
 * test unless it succeeds.  Header-only.
 */
#ifndef MIXNET_TEST_SHELL_H
#define MIXNET_TEST_SHELL_H

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static inline int shell(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int shell(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

#define sh(...) ck_assert_msg(shell(__VA_ARGS__) == 0, "command failed")

#endif /* MIXNET_TEST_SHELL_H */
