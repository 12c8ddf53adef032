/* SPDX-License-Identifier: GPL-2.0 */
/*
 * OCS devices from userspace: find and open /dev/mixnet/ocsN, the INFO,
 * GET and APPLY ioctls, event records, and parsers for the "a:b" pair and
 * port lists the CLI and the region controller take.  Every function
 * returns 0 (or a count) on success and a negative errno on failure.
 */
#ifndef MIXNET_OCS_CLIENT_H
#define MIXNET_OCS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/mixnet.h>

#define OCS_SYSFS_CLASS_DIR	"/sys/class/" MIXNET_OCS_CLASS
#define OCS_DEV_DIR		"/dev/" MIXNET_OCS_DEV_DIR

/* ---- devices ------------------------------------------------------------ */

/* "ocs3" -> 3.  Strict: "ocs", then a decimal number below MAX_DEVICES. */
int ocs_parse_name(const char *name, uint32_t *id);
/* Open /dev/mixnet/ocsN (@flags: O_RDWR, O_NONBLOCK ...); fd or -errno. */
int ocs_open(uint32_t id, int flags);
/* Ids of the OCS devices present, ascending; *ids is malloc'ed. */
int ocs_list(uint32_t **ids, size_t *n);

int ocs_info(int fd, struct mixnet_ocs_info *info);
/*
 * Every established cross-connect (ascending TX) and the generation they
 * belong to.  *xc is malloc'ed (NULL when there are none).
 */
int ocs_get(int fd, struct mixnet_xconnect **xc, uint32_t *count, uint64_t *generation);

/*
 * APPLY.  @req is filled by the caller (version is set here); its out
 * fields (err_index, err_in_release, generation, changed_ports) are
 * valid on return, also on failure.
 */
int ocs_apply(int fd, struct mixnet_ocs_apply *req);

/*
 * Read up to @max event records.  Waits up to @timeout_ms (-1: forever,
 * 0: not at all) for the first.  Returns the number read, 0 on timeout,
 * -ENODEV once the OCS was deleted.
 */
int ocs_read_events(int fd, struct mixnet_ocs_event *ev, size_t max, int timeout_ms);

const char *ocs_state_name(uint32_t state);
const char *ocs_event_name(uint32_t type);

/* ---- parsers -------------------------------------------------------------- */

/* Where a parse failed: which argument, and why (for the user). */
struct ocs_parse_err {
	int arg;		/* index in the argument vector */
	char msg[160];
};

/* One "a:b" item as the user wrote it. */
struct ocs_pair {
	uint32_t a, b;
	int arg;		/* argument it came from */
};

/*
 * A batch of directed cross-connects built from pairs.  Duplex "a:b"
 * gives a->b and b->a; simplex gives a->b.  pair_of[i] is the index in
 * pairs[] that produced xc[i], so kernel errors (err_index) can name the
 * pair the user wrote.
 */
struct ocs_xc_list {
	struct ocs_pair *pairs;
	uint32_t npairs;
	struct mixnet_xconnect *xc;
	uint32_t *pair_of;
	uint32_t count;
};

/*
 * Parse @argc arguments, each "a:b" or several of them separated by
 * commas, into @list.  @nports bounds the port numbers (0: unknown, only
 * MIXNET_OCS_MAX_PORTS).  Rejects (-EINVAL / -ERANGE, @err filled):
 * anything but two decimal numbers around one ':', a port out of range,
 * a self-loop, and a TX or RX port used twice once expanded.
 */
int ocs_xc_list_parse(struct ocs_xc_list *list, int argc, char *const *argv,
		      bool duplex, uint32_t nports, struct ocs_parse_err *err);
void ocs_xc_list_free(struct ocs_xc_list *list);
/* "a:b" of the pair that produced xc[i] ("a>b" for simplex) into @buf. */
const char *ocs_xc_list_pair_str(const struct ocs_xc_list *list, uint32_t i, bool duplex,
				 char *buf, size_t len);

/*
 * Parse port lists: each argument "a", "a-b" or several of them separated
 * by commas.  Rejects malformed items, ports out of range, reversed
 * ranges and a port named twice.  *ports is malloc'ed.
 */
int ocs_parse_ports(int argc, char *const *argv, uint32_t nports, uint32_t **ports,
		    uint32_t *count, struct ocs_parse_err *err);

#endif /* MIXNET_OCS_CLIENT_H */
