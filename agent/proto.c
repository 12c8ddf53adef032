// SPDX-License-Identifier: GPL-2.0
/*
 * Region protocol codec: netlink-style TLVs built and walked with
 * libmnl's attribute helpers (see proto.h for the format and the rules
 * the decoder enforces).
 */
#include <endian.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "proto.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "the region protocol is little-endian; add byte swapping for this host");

#define MNP_HDRLEN (MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct mnp_hdr)))

/* ---- attribute policy ---------------------------------------------------- */

enum kind { KD_NONE, KD_U8, KD_U32, KD_U64, KD_S32, KD_NAME, KD_IFNAME, KD_TEXT, KD_BIN,
	    KD_NEST, KD_FLAG };

static const struct {
	uint8_t kind;
	uint16_t max;		/* strings: buffer size incl. NUL */
	const char *name;
} pol[__MNP_A_MAX] = {
	[MNP_A_HOST] = { KD_NAME, MNP_NAME_MAX, "host" },
	[MNP_A_REGION] = { KD_NAME, MNP_NAME_MAX, "region" },
	[MNP_A_AGENT] = { KD_NAME, MNP_AGENT_MAX, "agent" },
	[MNP_A_PLAN_ID] = { KD_U64, 0, "plan_id" },
	[MNP_A_EPOCH] = { KD_U64, 0, "epoch" },
	[MNP_A_EPOCH_MS] = { KD_U32, 0, "epoch_ms" },
	[MNP_A_SOURCE] = { KD_U8, 0, "source" },
	[MNP_A_LAYER] = { KD_U32, 0, "layer" },
	[MNP_A_FLAGS] = { KD_U32, 0, "flags" },
	[MNP_A_COLUMN] = { KD_NAME, MNP_NAME_MAX, "column" },
	[MNP_A_ROW] = { KD_NEST, 0, "row" },
	[MNP_A_INDEX] = { KD_U32, 0, "index" },
	[MNP_A_BYTES] = { KD_BIN, 0, "bytes" },
	[MNP_A_STEP] = { KD_U8, 0, "step" },
	[MNP_A_TIMEOUT_MS] = { KD_U32, 0, "timeout_ms" },
	[MNP_A_DRAIN] = { KD_IFNAME, MNP_IFNAME_MAX, "drain" },
	[MNP_A_CIRCUIT] = { KD_NEST, 0, "circuit" },
	[MNP_A_NIC] = { KD_IFNAME, MNP_IFNAME_MAX, "nic" },
	[MNP_A_PEER] = { KD_NAME, MNP_NAME_MAX, "peer" },
	[MNP_A_PEER_NIC] = { KD_IFNAME, MNP_IFNAME_MAX, "peer_nic" },
	[MNP_A_CHANGED] = { KD_FLAG, 0, "changed" },
	[MNP_A_LOWER] = { KD_NEST, 0, "lower" },
	[MNP_A_CARRIER] = { KD_U8, 0, "carrier" },
	[MNP_A_PEER_ADDR] = { KD_BIN, 0, "peer_addr" },
	[MNP_A_PEER_LLADDR] = { KD_BIN, 0, "peer_lladdr" },
	[MNP_A_OPTICAL] = { KD_U8, 0, "optical" },
	[MNP_A_STATUS] = { KD_S32, 0, "status" },
	[MNP_A_MESSAGE] = { KD_TEXT, MNP_MESSAGE_MAX, "message" },
	[MNP_A_VERSION] = { KD_U32, 0, "version" },
};

#define R_REQ	1	/* must be present */
#define R_REP	2	/* may repeat */

struct rule {
	uint16_t attr;
	uint8_t flags;
	uint16_t max;		/* R_REP: most occurrences */
};

struct ruleset {
	const struct rule *r;
	unsigned int n;
};

#define RULES(...) { (const struct rule[]){ __VA_ARGS__ }, \
	sizeof((const struct rule[]){ __VA_ARGS__ }) / sizeof(struct rule) }

static const struct ruleset msg_rules[__MNP_TYPE_MAX] = {
	[MNP_HELLO] = RULES({ MNP_A_HOST, R_REQ, 0 }, { MNP_A_REGION, R_REQ, 0 },
			    { MNP_A_AGENT, 0, 0 }, { MNP_A_PLAN_ID, 0, 0 },
			    { MNP_A_LOWER, R_REP, MNP_MAX_LOWERS }),
	[MNP_WELCOME] = RULES({ MNP_A_REGION, R_REQ, 0 }, { MNP_A_PLAN_ID, R_REQ, 0 },
			      { MNP_A_EPOCH_MS, R_REQ, 0 }),
	[MNP_DEMAND] = RULES({ MNP_A_EPOCH, R_REQ, 0 }, { MNP_A_SOURCE, R_REQ, 0 },
			     { MNP_A_LAYER, 0, 0 }, { MNP_A_FLAGS, 0, 0 },
			     { MNP_A_COLUMN, R_REQ | R_REP, MNP_MAX_HOSTS },
			     { MNP_A_ROW, R_REQ | R_REP, MNP_MAX_HOSTS }),
	[MNP_STEP] = RULES({ MNP_A_PLAN_ID, R_REQ, 0 }, { MNP_A_STEP, R_REQ, 0 },
			   { MNP_A_TIMEOUT_MS, 0, 0 },
			   { MNP_A_DRAIN, R_REP, MNP_MAX_LOWERS },
			   { MNP_A_CIRCUIT, R_REP, MNP_MAX_CIRCUITS }),
	[MNP_ACK] = RULES({ MNP_A_PLAN_ID, R_REQ, 0 }, { MNP_A_STEP, R_REQ, 0 },
			  { MNP_A_STATUS, R_REQ, 0 }, { MNP_A_MESSAGE, 0, 0 },
			  { MNP_A_LOWER, R_REP, MNP_MAX_LOWERS }),
	[MNP_REJECT] = RULES({ MNP_A_VERSION, R_REQ, 0 }, { MNP_A_STATUS, R_REQ, 0 },
			     { MNP_A_MESSAGE, 0, 0 }),
};

static const struct ruleset row_rules = RULES({ MNP_A_INDEX, R_REQ, 0 }, { MNP_A_BYTES, R_REQ, 0 });
static const struct ruleset circuit_rules = RULES({ MNP_A_NIC, R_REQ, 0 }, { MNP_A_PEER, R_REQ, 0 },
						  { MNP_A_PEER_NIC, R_REQ, 0 },
						  { MNP_A_CHANGED, 0, 0 });
static const struct ruleset lower_rules = RULES({ MNP_A_NIC, R_REQ, 0 }, { MNP_A_CARRIER, R_REQ, 0 },
						{ MNP_A_OPTICAL, 0, 0 }, { MNP_A_PEER_ADDR, 0, 0 },
						{ MNP_A_PEER_LLADDR, 0, 0 });

static const char *const type_names[__MNP_TYPE_MAX] = {
	[MNP_HELLO] = "hello", [MNP_WELCOME] = "welcome", [MNP_DEMAND] = "demand",
	[MNP_STEP] = "step", [MNP_ACK] = "ack", [MNP_REJECT] = "reject",
};

const char *mnp_type_name(unsigned int type)
{
	return type < __MNP_TYPE_MAX && type_names[type] ? type_names[type] : "unknown";
}

const char *mnp_step_name(unsigned int step)
{
	switch (step) {
	case MNP_STEP_DRAIN: return "drain";
	case MNP_STEP_CONFIRM: return "confirm";
	case MNP_STEP_USE: return "use";
	default: return "unknown";
	}
}

static int fail(struct mnp_err *err, uint16_t attr, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct mnp_err *err, uint16_t attr, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->attr = attr;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return -EBADMSG;
}

static const char *aname(uint16_t type)
{
	return type && type < __MNP_A_MAX && pol[type].name ? pol[type].name : "?";
}

/* ---- decoding ------------------------------------------------------------- */

/* Attributes of one level, after the structural walk. */
struct level {
	const struct nlattr *first[__MNP_A_MAX];
	uint32_t count[__MNP_A_MAX];
	const void *buf;
	size_t len;
};

static bool str_ok(const char *s, size_t len, uint8_t kind)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c > 0x7e)
			return false;
		if (c == ' ' && kind != KD_TEXT)
			return false;
		if (kind == KD_IFNAME && (c == '/' || c == ':'))
			return false;
	}
	return true;
}

static int check_attr(const struct nlattr *a, struct mnp_err *err)
{
	uint16_t type = mnl_attr_get_type(a);
	uint16_t plen = mnl_attr_get_payload_len(a);
	uint8_t kind = pol[type].kind;
	const char *s;

	/* The nested bit says how to read the payload: it must agree. */
	if ((a->nla_type & NLA_F_NESTED) != (kind == KD_NEST ? NLA_F_NESTED : 0) ||
	    (a->nla_type & NLA_F_NET_BYTEORDER))
		return fail(err, type, "%s: wrong attribute flags 0x%x", aname(type),
			    a->nla_type & ~NLA_TYPE_MASK);
	switch (kind) {
	case KD_U8:
		if (mnl_attr_validate(a, MNL_TYPE_U8) < 0)
			return fail(err, type, "%s: length %u, want 1", aname(type), plen);
		break;
	case KD_U32:
	case KD_S32:
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			return fail(err, type, "%s: length %u, want 4", aname(type), plen);
		break;
	case KD_U64:
		if (mnl_attr_validate(a, MNL_TYPE_U64) < 0)
			return fail(err, type, "%s: length %u, want 8", aname(type), plen);
		break;
	case KD_FLAG:
		if (mnl_attr_validate(a, MNL_TYPE_FLAG) < 0)
			return fail(err, type, "%s: flag with a payload", aname(type));
		break;
	case KD_NAME:
	case KD_IFNAME:
	case KD_TEXT:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
			return fail(err, type, "%s: not a NUL-terminated string", aname(type));
		s = mnl_attr_get_str(a);
		/* Exactly one NUL, at the end; nothing hides behind it. */
		if (strlen(s) + 1 != plen || plen < 2)
			return fail(err, type, "%s: empty or embedded NUL", aname(type));
		if (plen > pol[type].max)
			return fail(err, type, "%s: %u bytes, at most %u", aname(type), plen - 1,
				    pol[type].max - 1);
		if (!str_ok(s, plen - 1u, kind))
			return fail(err, type, "%s: invalid characters", aname(type));
		break;
	case KD_NEST:
		if (mnl_attr_validate(a, MNL_TYPE_NESTED) < 0)
			return fail(err, type, "%s: malformed nest", aname(type));
		break;
	case KD_BIN:
		break;	/* lengths depend on context, checked by the caller */
	default:
		return fail(err, type, "unknown attribute type %u", type);
	}
	return 0;
}

/*
 * Walk the attributes in [buf, buf + len): each must be well-formed,
 * allowed by @rs, not repeated unless repeatable, and the last one must
 * end exactly at @len.
 */
static int walk(const void *buf, size_t len, const struct ruleset *rs, const char *where,
		struct level *lv, struct mnp_err *err)
{
	const struct nlattr *a = buf;
	size_t off = 0;
	unsigned int i;
	int rc;

	memset(lv, 0, sizeof(*lv));
	lv->buf = buf;
	lv->len = len;
	while (off < len) {
		int remain = (int)(len - off);
		uint16_t type;
		const struct rule *r = NULL;

		a = (const struct nlattr *)((const char *)buf + off);
		if (!mnl_attr_ok(a, remain))
			return fail(err, 0, "%s: truncated attribute at offset %zu", where, off);
		if ((size_t)MNL_ALIGN(a->nla_len) > (size_t)remain)
			return fail(err, 0, "%s: attribute at offset %zu lacks its padding", where, off);
		type = mnl_attr_get_type(a);
		for (i = 0; i < rs->n; i++)
			if (rs->r[i].attr == type)
				r = &rs->r[i];
		if (!r || type >= __MNP_A_MAX)
			return fail(err, type, "%s: unexpected attribute %u (%s)", where, type,
				    type < __MNP_A_MAX ? aname(type) : "unknown");
		rc = check_attr(a, err);
		if (rc)
			return rc;
		if (lv->count[type] && !(r->flags & R_REP))
			return fail(err, type, "%s: %s given twice", where, aname(type));
		if ((r->flags & R_REP) && lv->count[type] >= r->max)
			return fail(err, type, "%s: more than %u %s", where, r->max, aname(type));
		if (!lv->count[type]++)
			lv->first[type] = a;
		off += MNL_ALIGN(a->nla_len);
	}
	for (i = 0; i < rs->n; i++)
		if ((rs->r[i].flags & R_REQ) && !lv->count[rs->r[i].attr])
			return fail(err, rs->r[i].attr, "%s: missing %s", where,
				    aname(rs->r[i].attr));
	return 0;
}

/* Next attribute of @type after @prev (NULL: the first) in a walked level. */
static const struct nlattr *next_of(const struct level *lv, uint16_t type,
				    const struct nlattr *prev)
{
	const char *end = (const char *)lv->buf + lv->len;
	const char *p = prev ? (const char *)prev + MNL_ALIGN(prev->nla_len) :
			       (const char *)lv->first[type];

	if (!p)
		return NULL;
	while (p < end) {
		const struct nlattr *a = (const struct nlattr *)p;

		if (mnl_attr_get_type(a) == type)
			return a;
		p += MNL_ALIGN(a->nla_len);
	}
	return NULL;
}

static void copy_str(char *dst, const struct nlattr *a)
{
	/* Length was checked against the destination's size by check_attr. */
	memcpy(dst, mnl_attr_get_str(a), mnl_attr_get_payload_len(a));
}

static uint64_t get_u64(const struct nlattr *a)
{
	uint64_t v;

	/* Attribute payloads are only 4-byte aligned. */
	memcpy(&v, mnl_attr_get_payload(a), sizeof(v));
	return v;
}

static int decode_lowers(const struct level *lv, struct mnp_msg *m, struct mnp_err *err)
{
	const struct nlattr *a = NULL;
	uint32_t i = 0;

	if (!lv->count[MNP_A_LOWER])
		return 0;
	m->lowers = calloc(lv->count[MNP_A_LOWER], sizeof(*m->lowers));
	if (!m->lowers)
		return -ENOMEM;
	while ((a = next_of(lv, MNP_A_LOWER, a))) {
		struct mnp_lower *l = &m->lowers[i];
		struct level in;
		uint32_t j;
		int rc;

		rc = walk(mnl_attr_get_payload(a), mnl_attr_get_payload_len(a), &lower_rules,
			  "lower", &in, err);
		if (rc)
			return rc;
		copy_str(l->nic, in.first[MNP_A_NIC]);
		if (mnl_attr_get_u8(in.first[MNP_A_CARRIER]) > 1)
			return fail(err, MNP_A_CARRIER, "lower %s: carrier must be 0 or 1", l->nic);
		l->carrier = mnl_attr_get_u8(in.first[MNP_A_CARRIER]);
		if (in.first[MNP_A_OPTICAL]) {
			if (mnl_attr_get_u8(in.first[MNP_A_OPTICAL]) > 1)
				return fail(err, MNP_A_OPTICAL, "lower %s: optical must be 0 or 1",
					    l->nic);
			l->optical = mnl_attr_get_u8(in.first[MNP_A_OPTICAL]);
		}
		if (in.first[MNP_A_PEER_ADDR]) {
			uint16_t plen = mnl_attr_get_payload_len(in.first[MNP_A_PEER_ADDR]);

			if (plen != 4 && plen != 16)
				return fail(err, MNP_A_PEER_ADDR,
					    "lower %s: peer address of %u bytes (4 or 16)", l->nic, plen);
			l->peer.family = plen == 4 ? AF_INET : AF_INET6;
			memcpy(l->peer.a, mnl_attr_get_payload(in.first[MNP_A_PEER_ADDR]), plen);
		}
		if (in.first[MNP_A_PEER_LLADDR]) {
			if (mnl_attr_get_payload_len(in.first[MNP_A_PEER_LLADDR]) != 6)
				return fail(err, MNP_A_PEER_LLADDR,
					    "lower %s: link-layer address not 6 bytes", l->nic);
			l->has_lladdr = true;
			memcpy(l->peer_lladdr, mnl_attr_get_payload(in.first[MNP_A_PEER_LLADDR]), 6);
		}
		for (j = 0; j < i; j++)
			if (!strcmp(m->lowers[j].nic, l->nic))
				return fail(err, MNP_A_LOWER, "lower %s listed twice", l->nic);
		m->nlowers = ++i;
	}
	return 0;
}

static int decode_demand(const struct level *lv, struct mnp_msg *m, struct mnp_err *err)
{
	const struct nlattr *a = NULL;
	uint32_t i = 0, j;
	uint8_t *seen;
	int rc;

	m->epoch = get_u64(lv->first[MNP_A_EPOCH]);
	m->source = mnl_attr_get_u8(lv->first[MNP_A_SOURCE]);
	if (m->source != MNP_SRC_MEASURED && m->source != MNP_SRC_SUBMITTED)
		return fail(err, MNP_A_SOURCE, "unknown demand source %u", m->source);
	if (lv->first[MNP_A_LAYER]) {
		m->has_layer = true;
		m->layer = mnl_attr_get_u32(lv->first[MNP_A_LAYER]);
	}
	if (lv->first[MNP_A_FLAGS]) {
		m->flags = mnl_attr_get_u32(lv->first[MNP_A_FLAGS]);
		if (m->flags & ~MNP_F_ALL)
			return fail(err, MNP_A_FLAGS, "unknown flags 0x%x", m->flags & ~MNP_F_ALL);
	}

	m->ncols = lv->count[MNP_A_COLUMN];
	m->cols = calloc(m->ncols, sizeof(*m->cols));
	if (!m->cols)
		return -ENOMEM;
	while ((a = next_of(lv, MNP_A_COLUMN, a))) {
		copy_str(m->cols[i], a);
		/* Duplicates would make two columns one host: refuse. */
		for (j = 0; j < i; j++)
			if (!strcmp(m->cols[j], m->cols[i]))
				return fail(err, MNP_A_COLUMN, "column %s listed twice", m->cols[i]);
		i++;
	}

	if (lv->count[MNP_A_ROW] > m->ncols)
		return fail(err, MNP_A_ROW, "%u rows for %u columns", lv->count[MNP_A_ROW], m->ncols);
	m->rows = calloc(lv->count[MNP_A_ROW], sizeof(*m->rows));
	seen = calloc(m->ncols, 1);
	if (!m->rows || !seen) {
		free(seen);
		return -ENOMEM;
	}
	a = NULL;
	rc = 0;
	while (!rc && (a = next_of(lv, MNP_A_ROW, a))) {
		struct mnp_row *r = &m->rows[m->nrows];
		struct level in;
		uint16_t blen;

		rc = walk(mnl_attr_get_payload(a), mnl_attr_get_payload_len(a), &row_rules, "row",
			  &in, err);
		if (rc)
			break;
		r->src = mnl_attr_get_u32(in.first[MNP_A_INDEX]);
		if (r->src >= m->ncols) {
			rc = fail(err, MNP_A_INDEX, "row for column %u of %u", r->src, m->ncols);
			break;
		}
		if (seen[r->src]++) {
			rc = fail(err, MNP_A_INDEX, "two rows for %s", m->cols[r->src]);
			break;
		}
		blen = mnl_attr_get_payload_len(in.first[MNP_A_BYTES]);
		if ((size_t)blen != (size_t)m->ncols * sizeof(uint64_t)) {
			rc = fail(err, MNP_A_BYTES, "row %s: %u bytes of values, want %zu",
				  m->cols[r->src], blen, (size_t)m->ncols * sizeof(uint64_t));
			break;
		}
		r->bytes = malloc(blen);
		if (!r->bytes) {
			rc = -ENOMEM;
			break;
		}
		memcpy(r->bytes, mnl_attr_get_payload(in.first[MNP_A_BYTES]), blen);
		m->nrows++;
	}
	free(seen);
	return rc;
}

static int decode_step(const struct level *lv, struct mnp_msg *m, struct mnp_err *err)
{
	const struct nlattr *a = NULL;
	uint32_t i = 0, j;

	if (lv->first[MNP_A_TIMEOUT_MS])
		m->timeout_ms = mnl_attr_get_u32(lv->first[MNP_A_TIMEOUT_MS]);
	if (lv->count[MNP_A_DRAIN]) {
		m->drain = calloc(lv->count[MNP_A_DRAIN], sizeof(*m->drain));
		if (!m->drain)
			return -ENOMEM;
		while ((a = next_of(lv, MNP_A_DRAIN, a))) {
			copy_str(m->drain[i], a);
			for (j = 0; j < i; j++)
				if (!strcmp(m->drain[j], m->drain[i]))
					return fail(err, MNP_A_DRAIN, "drain %s listed twice",
						    m->drain[i]);
			m->ndrain = ++i;
		}
	}
	if (lv->count[MNP_A_CIRCUIT]) {
		m->circuits = calloc(lv->count[MNP_A_CIRCUIT], sizeof(*m->circuits));
		if (!m->circuits)
			return -ENOMEM;
		i = 0;
		a = NULL;
		while ((a = next_of(lv, MNP_A_CIRCUIT, a))) {
			struct mnp_circuit *c = &m->circuits[i];
			struct level in;
			int rc;

			rc = walk(mnl_attr_get_payload(a), mnl_attr_get_payload_len(a),
				  &circuit_rules, "circuit", &in, err);
			if (rc)
				return rc;
			copy_str(c->nic, in.first[MNP_A_NIC]);
			copy_str(c->peer, in.first[MNP_A_PEER]);
			copy_str(c->peer_nic, in.first[MNP_A_PEER_NIC]);
			c->changed = in.first[MNP_A_CHANGED] != NULL;
			/* A NIC has one circuit at a time. */
			for (j = 0; j < i; j++)
				if (!strcmp(m->circuits[j].nic, c->nic))
					return fail(err, MNP_A_CIRCUIT, "two circuits on %s", c->nic);
			m->ncircuits = ++i;
		}
	}
	return 0;
}

static int decode_body(const struct level *lv, struct mnp_msg *m, struct mnp_err *err)
{
	if (lv->first[MNP_A_HOST])
		copy_str(m->host, lv->first[MNP_A_HOST]);
	if (lv->first[MNP_A_REGION])
		copy_str(m->region, lv->first[MNP_A_REGION]);
	if (lv->first[MNP_A_AGENT])
		copy_str(m->agent, lv->first[MNP_A_AGENT]);
	if (lv->first[MNP_A_MESSAGE])
		copy_str(m->message, lv->first[MNP_A_MESSAGE]);
	if (lv->first[MNP_A_PLAN_ID])
		m->plan_id = get_u64(lv->first[MNP_A_PLAN_ID]);
	if (lv->first[MNP_A_EPOCH_MS])
		m->epoch_ms = mnl_attr_get_u32(lv->first[MNP_A_EPOCH_MS]);
	if (lv->first[MNP_A_STATUS]) {
		m->status = (int32_t)mnl_attr_get_u32(lv->first[MNP_A_STATUS]);
		if (m->status > 0 || m->status < -4095)
			return fail(err, MNP_A_STATUS, "status %d is not 0 or -errno", m->status);
	}
	if (lv->first[MNP_A_VERSION])
		m->version = mnl_attr_get_u32(lv->first[MNP_A_VERSION]);
	if (lv->first[MNP_A_STEP]) {
		m->step = mnl_attr_get_u8(lv->first[MNP_A_STEP]);
		if (m->step < MNP_STEP_DRAIN || m->step >= __MNP_STEP_MAX)
			return fail(err, MNP_A_STEP, "unknown step %u", m->step);
	}
	switch (m->type) {
	case MNP_DEMAND:
		return decode_demand(lv, m, err);
	case MNP_STEP:
		return decode_step(lv, m, err);
	case MNP_HELLO:
	case MNP_ACK:
		return decode_lowers(lv, m, err);
	default:
		return 0;
	}
}

int mnp_decode(const void *buf, size_t len, struct mnp_msg *m, struct mnp_err *err)
{
	const struct nlmsghdr *nlh;
	const struct mnp_hdr *hdr;
	void *aligned = NULL;
	struct level lv;
	int rc;

	memset(m, 0, sizeof(*m));
	if (err)
		memset(err, 0, sizeof(*err));
	if (len < MNP_HDRLEN)
		return fail(err, 0, "frame of %zu bytes is shorter than the header", len);
	if (len > MNP_MAX_MSG)
		return fail(err, 0, "frame of %zu bytes is over the limit", len);
	/* Transport buffers need not be aligned; attribute access wants 4. */
	if ((uintptr_t)buf & 3) {
		aligned = malloc(len);
		if (!aligned)
			return -ENOMEM;
		memcpy(aligned, buf, len);
		buf = aligned;
	}
	nlh = buf;
	hdr = mnl_nlmsg_get_payload(nlh);
	rc = -EBADMSG;
	if (hdr->version != MNP_VERSION) {
		/* Enough to answer with a REJECT; nothing else is read. */
		m->type = nlh->nlmsg_type;
		m->version = hdr->version;
		if (err) {
			err->attr = 0;
			snprintf(err->msg, sizeof(err->msg), "protocol version %u, this side speaks %u",
				 hdr->version, MNP_VERSION);
		}
		rc = -EPROTONOSUPPORT;
		goto out;
	}
	if (nlh->nlmsg_len != len) {
		fail(err, 0, "length field %u, frame is %zu bytes", nlh->nlmsg_len, len);
		goto out;
	}
	if (nlh->nlmsg_flags || nlh->nlmsg_pid || hdr->reserved[0] || hdr->reserved[1] ||
	    hdr->reserved[2]) {
		fail(err, 0, "reserved header fields are not zero");
		goto out;
	}
	if (!nlh->nlmsg_type || nlh->nlmsg_type >= __MNP_TYPE_MAX) {
		fail(err, 0, "unknown message type %u", nlh->nlmsg_type);
		goto out;
	}
	m->type = nlh->nlmsg_type;
	m->seq = nlh->nlmsg_seq;
	m->version = MNP_VERSION;
	rc = walk((const char *)buf + MNP_HDRLEN, len - MNP_HDRLEN, &msg_rules[m->type],
		  mnp_type_name(m->type), &lv, err);
	if (!rc)
		rc = decode_body(&lv, m, err);
out:
	free(aligned);
	if (rc) {
		uint16_t type = m->type;
		uint32_t version = m->version;

		mnp_msg_free(m);
		if (rc == -EPROTONOSUPPORT) {
			m->type = type;
			m->version = version;
		}
	}
	return rc;
}

void mnp_msg_free(struct mnp_msg *m)
{
	uint32_t i;

	for (i = 0; i < m->nrows; i++)
		free(m->rows[i].bytes);
	free(m->rows);
	free(m->cols);
	free(m->drain);
	free(m->circuits);
	free(m->lowers);
	memset(m, 0, sizeof(*m));
}

/* ---- encoding ------------------------------------------------------------- */

/* All put helpers stop once one did not fit; the caller grows and retries. */
struct enc {
	struct nlmsghdr *nlh;
	size_t cap;
	bool full;
};

static void put_str(struct enc *e, uint16_t type, const char *s)
{
	if (!e->full && !mnl_attr_put_strz_check(e->nlh, e->cap, type, s))
		e->full = true;
}

static void put_u8(struct enc *e, uint16_t type, uint8_t v)
{
	if (!e->full && !mnl_attr_put_u8_check(e->nlh, e->cap, type, v))
		e->full = true;
}

static void put_u32(struct enc *e, uint16_t type, uint32_t v)
{
	if (!e->full && !mnl_attr_put_u32_check(e->nlh, e->cap, type, v))
		e->full = true;
}

static void put_u64(struct enc *e, uint16_t type, uint64_t v)
{
	if (!e->full && !mnl_attr_put_u64_check(e->nlh, e->cap, type, v))
		e->full = true;
}

static void put_bin(struct enc *e, uint16_t type, size_t len, const void *data)
{
	/* An attribute length is 16 bits: larger payloads cannot be expressed. */
	if (len > UINT16_MAX - MNL_ATTR_HDRLEN) {
		e->full = true;
		return;
	}
	if (!e->full && !mnl_attr_put_check(e->nlh, e->cap, type, len, data))
		e->full = true;
}

static void put_flag(struct enc *e, uint16_t type)
{
	put_bin(e, type, 0, NULL);
}

static struct nlattr *nest_start(struct enc *e, uint16_t type)
{
	struct nlattr *n = NULL;

	if (!e->full) {
		n = mnl_attr_nest_start_check(e->nlh, e->cap, type);
		if (!n)
			e->full = true;
	}
	return n;
}

static void nest_end(struct enc *e, struct nlattr *n)
{
	if (e->full || !n)
		return;
	/* Nest lengths are 16 bits too. */
	if ((char *)mnl_nlmsg_get_payload_tail(e->nlh) - (char *)n > UINT16_MAX) {
		e->full = true;
		return;
	}
	mnl_attr_nest_end(e->nlh, n);
}

static void put_lowers(struct enc *e, const struct mnp_msg *m)
{
	uint32_t i;

	for (i = 0; i < m->nlowers; i++) {
		const struct mnp_lower *l = &m->lowers[i];
		struct nlattr *n = nest_start(e, MNP_A_LOWER);

		put_str(e, MNP_A_NIC, l->nic);
		put_u8(e, MNP_A_CARRIER, l->carrier);
		put_u8(e, MNP_A_OPTICAL, l->optical);
		if (l->peer.family)
			put_bin(e, MNP_A_PEER_ADDR, cfg_addr_len(&l->peer), l->peer.a);
		if (l->has_lladdr)
			put_bin(e, MNP_A_PEER_LLADDR, 6, l->peer_lladdr);
		nest_end(e, n);
	}
}

static void put_body(struct enc *e, const struct mnp_msg *m)
{
	struct nlattr *n;
	uint32_t i;

	switch (m->type) {
	case MNP_HELLO:
		put_str(e, MNP_A_HOST, m->host);
		put_str(e, MNP_A_REGION, m->region);
		if (m->agent[0])
			put_str(e, MNP_A_AGENT, m->agent);
		put_u64(e, MNP_A_PLAN_ID, m->plan_id);
		put_lowers(e, m);
		break;
	case MNP_WELCOME:
		put_str(e, MNP_A_REGION, m->region);
		put_u64(e, MNP_A_PLAN_ID, m->plan_id);
		put_u32(e, MNP_A_EPOCH_MS, m->epoch_ms);
		break;
	case MNP_DEMAND:
		put_u64(e, MNP_A_EPOCH, m->epoch);
		put_u8(e, MNP_A_SOURCE, m->source);
		if (m->has_layer)
			put_u32(e, MNP_A_LAYER, m->layer);
		if (m->flags)
			put_u32(e, MNP_A_FLAGS, m->flags);
		for (i = 0; i < m->ncols; i++)
			put_str(e, MNP_A_COLUMN, m->cols[i]);
		for (i = 0; i < m->nrows; i++) {
			n = nest_start(e, MNP_A_ROW);
			put_u32(e, MNP_A_INDEX, m->rows[i].src);
			put_bin(e, MNP_A_BYTES, (size_t)m->ncols * sizeof(uint64_t), m->rows[i].bytes);
			nest_end(e, n);
		}
		break;
	case MNP_STEP:
		put_u64(e, MNP_A_PLAN_ID, m->plan_id);
		put_u8(e, MNP_A_STEP, m->step);
		if (m->timeout_ms)
			put_u32(e, MNP_A_TIMEOUT_MS, m->timeout_ms);
		for (i = 0; i < m->ndrain; i++)
			put_str(e, MNP_A_DRAIN, m->drain[i]);
		for (i = 0; i < m->ncircuits; i++) {
			const struct mnp_circuit *c = &m->circuits[i];

			n = nest_start(e, MNP_A_CIRCUIT);
			put_str(e, MNP_A_NIC, c->nic);
			put_str(e, MNP_A_PEER, c->peer);
			put_str(e, MNP_A_PEER_NIC, c->peer_nic);
			if (c->changed)
				put_flag(e, MNP_A_CHANGED);
			nest_end(e, n);
		}
		break;
	case MNP_ACK:
		put_u64(e, MNP_A_PLAN_ID, m->plan_id);
		put_u8(e, MNP_A_STEP, m->step);
		put_u32(e, MNP_A_STATUS, (uint32_t)m->status);
		if (m->message[0])
			put_str(e, MNP_A_MESSAGE, m->message);
		put_lowers(e, m);
		break;
	case MNP_REJECT:
		put_u32(e, MNP_A_VERSION, m->version ? m->version : MNP_VERSION);
		put_u32(e, MNP_A_STATUS, (uint32_t)m->status);
		if (m->message[0])
			put_str(e, MNP_A_MESSAGE, m->message);
		break;
	}
}

int mnp_encode(const struct mnp_msg *m, void **buf, size_t *len, struct mnp_err *err)
{
	struct mnp_msg check;
	struct mnp_hdr *hdr;
	struct enc e = { 0 };
	size_t cap = 1024;
	int rc;

	*buf = NULL;
	*len = 0;
	if (!m->type || m->type >= __MNP_TYPE_MAX) {
		fail(err, 0, "unknown message type %u", m->type);
		return -EINVAL;
	}
	for (;;) {
		void *p = realloc(e.nlh, cap);

		if (!p) {
			free(e.nlh);
			return -ENOMEM;
		}
		memset(p, 0, cap);
		e.nlh = mnl_nlmsg_put_header(p);
		e.nlh->nlmsg_type = m->type;
		e.nlh->nlmsg_seq = m->seq;
		hdr = mnl_nlmsg_put_extra_header(e.nlh, sizeof(*hdr));
		hdr->version = MNP_VERSION;
		e.cap = cap;
		e.full = false;
		put_body(&e, m);
		if (!e.full)
			break;
		if (cap >= MNP_MAX_MSG) {
			free(e.nlh);
			if (err)
				snprintf(err->msg, sizeof(err->msg), "message over %u bytes", MNP_MAX_MSG);
			return -EMSGSIZE;
		}
		cap *= 2;
	}
	/* Never send what the other side would refuse. */
	rc = mnp_decode(e.nlh, e.nlh->nlmsg_len, &check, err);
	mnp_msg_free(&check);
	if (rc) {
		free(e.nlh);
		return rc == -ENOMEM ? rc : -EINVAL;
	}
	*len = e.nlh->nlmsg_len;
	*buf = e.nlh;
	return 0;
}

/* ---- builders ------------------------------------------------------------- */

static int grow(void *arrp, uint32_t n, size_t size)
{
	void **arr = arrp;
	void *p;

	/* One more entry; arrays are short (bounded by the MNP_MAX_* limits). */
	p = realloc(*arr, ((size_t)n + 1) * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	return 0;
}

/* Entries are copied first: @c may point into the array being grown. */
int mnp_add_circuit(struct mnp_msg *m, const struct mnp_circuit *c)
{
	struct mnp_circuit copy = *c;

	if (grow(&m->circuits, m->ncircuits, sizeof(copy)))
		return -ENOMEM;
	m->circuits[m->ncircuits++] = copy;
	return 0;
}

int mnp_add_lower(struct mnp_msg *m, const struct mnp_lower *l)
{
	struct mnp_lower copy = *l;

	if (grow(&m->lowers, m->nlowers, sizeof(copy)))
		return -ENOMEM;
	m->lowers[m->nlowers++] = copy;
	return 0;
}

int mnp_add_drain(struct mnp_msg *m, const char *nic)
{
	char copy[MNP_IFNAME_MAX];

	snprintf(copy, sizeof(copy), "%s", nic);
	if (grow(&m->drain, m->ndrain, sizeof(*m->drain)))
		return -ENOMEM;
	memcpy(m->drain[m->ndrain++], copy, sizeof(copy));
	return 0;
}

int mnp_set_columns(struct mnp_msg *m, uint32_t n, const char *const *names)
{
	uint32_t i;

	free(m->cols);
	m->ncols = 0;
	m->cols = calloc(n ? n : 1, sizeof(*m->cols));
	if (!m->cols)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		snprintf(m->cols[i], MNP_NAME_MAX, "%s", names[i]);
	m->ncols = n;
	return 0;
}

int mnp_add_row(struct mnp_msg *m, uint32_t src, const uint64_t *bytes)
{
	uint64_t *copy = malloc((m->ncols ? m->ncols : 1) * sizeof(*copy));

	if (!copy)
		return -ENOMEM;
	if (grow(&m->rows, m->nrows, sizeof(*m->rows))) {
		free(copy);
		return -ENOMEM;
	}
	memcpy(copy, bytes, m->ncols * sizeof(*copy));
	m->rows[m->nrows].src = src;
	m->rows[m->nrows].bytes = copy;
	m->nrows++;
	return 0;
}
