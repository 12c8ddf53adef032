/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pieces shared by the `flows` and `tm` commands: pin root from the
 * environment, error reporting of the flows library, peer lists from the
 * command line, choosing a device, sleeping for an interval.
 */
#ifndef MIXNET_FLOWS_CLI_H
#define MIXNET_FLOWS_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "flows.h"

/* MIXNET_PIN_ROOT from the environment, or NULL for the default. */
const char *flows_cli_pin_root(void);

/* Print the library's error for @err and return the matching exit code. */
int flows_cli_fail(const struct cli *cli, int err, const struct flows_error *e);

/* A growing peer list filled from --peer ADDR and --peers-file FILE. */
struct flows_cli_peers {
	struct flows_addr *v;
	size_t n;
};

/* Add one address (-EINVAL and a message naming it if invalid). */
int flows_cli_peer_add(const struct cli *cli, struct flows_cli_peers *p, const char *s);
/* Add every address of FILE ("-": stdin); messages name file and line. */
int flows_cli_peer_file(const struct cli *cli, struct flows_cli_peers *p, const char *path);

/*
 * The device a command without DEV works on: mixnet0 if it has a sampler
 * in this namespace, else the only sampler there is.  0 or an exit code.
 */
int flows_cli_default_dev(const struct cli *cli, char *dev, size_t len);

void flows_cli_sleep_ms(uint32_t ms);

#endif /* MIXNET_FLOWS_CLI_H */
