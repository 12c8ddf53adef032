// SPDX-License-Identifier: GPL-2.0
/* Command-line helpers shared by `flows` and `tm` (see flows_cli.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flows_cli.h"

const char *flows_cli_pin_root(void)
{
	const char *r = getenv("MIXNET_PIN_ROOT");

	return r && *r ? r : NULL;
}

int flows_cli_fail(const struct cli *cli, int err, const struct flows_error *e)
{
	cli_errno(cli, e->obj[0] ? e->obj : NULL, err, "%s", e->msg);
	return cli_exit_code(err);
}

static int push(struct flows_cli_peers *p, const struct flows_addr *a)
{
	struct flows_addr *v = realloc(p->v, (p->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	p->v = v;
	v[p->n++] = *a;
	return 0;
}

int flows_cli_peer_add(const struct cli *cli, struct flows_cli_peers *p, const char *s)
{
	struct flows_addr a;

	if (flows_addr_parse(s, &a)) {
		cli_err(cli, s, "not an IPv4 or IPv6 peer address");
		return -EINVAL;
	}
	if (push(p, &a)) {
		cli_err(cli, s, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

int flows_cli_peer_file(const struct cli *cli, struct flows_cli_peers *p, const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	unsigned int line = 0;
	int err;

	if (!f) {
		err = -errno;
		cli_errno(cli, path, err, "cannot open peer list");
		return err;
	}
	err = flows_peers_read(f, &p->v, &p->n, &line);
	if (f != stdin)
		fclose(f);
	if (err == -EINVAL)
		cli_err(cli, path, "line %u: not an IPv4 or IPv6 peer address", line);
	else if (err)
		cli_errno(cli, path, err, "cannot read peer list");
	return err;
}

int flows_cli_default_dev(const struct cli *cli, char *dev, size_t len)
{
	char (*names)[IFNAMSIZ] = NULL, list[256] = "";
	struct flows_error e = { { 0 }, { 0 } };
	size_t n, i, found = 0, pick = 0;
	bool mixnet0 = false;
	int err;

	err = flows_list(flows_cli_pin_root(), &names, &n, &e);
	if (err)
		return flows_cli_fail(cli, err, &e);
	for (i = 0; i < n; i++) {
		struct flows_sampler *s;

		/* only samplers of this network namespace */
		if (flows_open(names[i], flows_cli_pin_root(), &s, NULL))
			continue;
		flows_close(s);
		if (!found++)
			pick = i;
		if (!strcmp(names[i], "mixnet0")) {
			mixnet0 = true;
			pick = i;
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
			 list[0] ? ", " : "", names[i]);
	}
	if (!found) {
		cli_err(cli, NULL, "no sampler attached (mixnet-agent flows attach DEV)");
		err = EXIT_NOTFOUND;
	} else if (found > 1 && !mixnet0) {
		cli_err(cli, NULL, "samplers on several devices (%s): name one", list);
		err = EXIT_USAGE;
	} else {
		snprintf(dev, len, "%s", names[pick]);
		err = 0;
	}
	free(names);
	return err;
}

void flows_cli_sleep_ms(uint32_t ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}
