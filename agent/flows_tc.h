/* SPDX-License-Identifier: GPL-2.0 */
/* tc facts libbpf's bpf_tc_* API does not give: is a clsact hook empty? */
#ifndef MIXNET_FLOWS_TC_H
#define MIXNET_FLOWS_TC_H

/*
 * Number of tc filters on the clsact ingress and egress hooks of the
 * device @ifindex in the current network namespace, or -errno.  Used to
 * remove a clsact qdisc the agent created only when nobody else has put
 * a filter on it since.
 */
int flows_tc_clsact_filters(int ifindex);

#endif /* MIXNET_FLOWS_TC_H */
