/* SPDX-License-Identifier: GPL-2.0 */
/* mixnet-agent's version, reported by `version`, `status` and HELLO. */
#ifndef MIXNET_VERSION_H
#define MIXNET_VERSION_H

#define MIXNET_AGENT_VERSION "0.1.0"

#endif /* MIXNET_VERSION_H */
