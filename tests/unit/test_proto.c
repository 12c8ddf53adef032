// SPDX-License-Identifier: GPL-2.0
/* Unit tests: the region protocol codec (agent/proto.c). */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../lib/check_run.h"
#include "proto.h"

/* ---- sample messages ------------------------------------------------------ */

static void sample_lowers(struct mnp_msg *m)
{
	struct mnp_lower l = { .nic = "ens1f0", .optical = true, .carrier = true };

	l.peer.family = AF_INET;
	inet_pton(AF_INET, "198.18.0.2", l.peer.a);
	l.has_lladdr = true;
	memcpy(l.peer_lladdr, "\x02\x00\x00\x00\x00\x02", 6);
	ck_assert_int_eq(mnp_add_lower(m, &l), 0);
	memset(&l, 0, sizeof(l));
	snprintf(l.nic, sizeof(l.nic), "ens1f1");
	l.optical = true;
	l.peer.family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::7", l.peer.a);
	ck_assert_int_eq(mnp_add_lower(m, &l), 0);
	memset(&l, 0, sizeof(l));
	snprintf(l.nic, sizeof(l.nic), "eth0");
	l.carrier = true;
	ck_assert_int_eq(mnp_add_lower(m, &l), 0);
}

static void sample(struct mnp_msg *m, uint16_t type)
{
	static const char *const cols[] = { "h0", "h1", "h2" };
	uint64_t row0[] = { 0, 1000000000ull, UINT64_MAX }, row2[] = { 5, 0, 0 };
	struct mnp_circuit c = { .nic = "ens1f0", .peer = "h1", .peer_nic = "ens1f2", .changed = true };

	memset(m, 0, sizeof(*m));
	m->type = type;
	m->seq = 77;
	switch (type) {
	case MNP_HELLO:
		snprintf(m->host, sizeof(m->host), "h0");
		snprintf(m->region, sizeof(m->region), "rack7");
		snprintf(m->agent, sizeof(m->agent), "0.1.0");
		m->plan_id = 0x1122334455667788ull;
		sample_lowers(m);
		break;
	case MNP_WELCOME:
		snprintf(m->region, sizeof(m->region), "rack7");
		m->plan_id = 42;
		m->epoch_ms = 100;
		break;
	case MNP_DEMAND:
		m->epoch = 9;
		m->source = MNP_SRC_SUBMITTED;
		m->has_layer = true;
		m->layer = 3;
		m->flags = MNP_F_PLAN_NOW;
		ck_assert_int_eq(mnp_set_columns(m, 3, cols), 0);
		ck_assert_int_eq(mnp_add_row(m, 0, row0), 0);
		ck_assert_int_eq(mnp_add_row(m, 2, row2), 0);
		break;
	case MNP_STEP:
		m->plan_id = 43;
		m->step = MNP_STEP_CONFIRM;
		m->timeout_ms = 5000;
		ck_assert_int_eq(mnp_add_drain(m, "ens1f0"), 0);
		ck_assert_int_eq(mnp_add_drain(m, "ens2f0"), 0);
		ck_assert_int_eq(mnp_add_circuit(m, &c), 0);
		snprintf(c.nic, sizeof(c.nic), "ens2f0");
		snprintf(c.peer, sizeof(c.peer), "h3");
		c.changed = false;
		ck_assert_int_eq(mnp_add_circuit(m, &c), 0);
		break;
	case MNP_ACK:
		m->plan_id = 43;
		m->step = MNP_STEP_CONFIRM;
		m->status = -ETIMEDOUT;
		snprintf(m->message, sizeof(m->message), "ens1f0 sees nobody");
		sample_lowers(m);
		break;
	case MNP_REJECT:
		m->version = MNP_VERSION;
		m->status = -EPROTONOSUPPORT;
		snprintf(m->message, sizeof(m->message), "speak version 1");
		break;
	}
}

static void assert_equal(const struct mnp_msg *a, const struct mnp_msg *b)
{
	uint32_t i;

	ck_assert_uint_eq(a->type, b->type);
	ck_assert_uint_eq(a->seq, b->seq);
	ck_assert_str_eq(a->host, b->host);
	ck_assert_str_eq(a->region, b->region);
	ck_assert_str_eq(a->agent, b->agent);
	ck_assert_uint_eq(a->plan_id, b->plan_id);
	ck_assert_uint_eq(a->epoch_ms, b->epoch_ms);
	ck_assert_uint_eq(a->epoch, b->epoch);
	ck_assert_uint_eq(a->source, b->source);
	ck_assert_int_eq(a->has_layer, b->has_layer);
	ck_assert_uint_eq(a->layer, b->layer);
	ck_assert_uint_eq(a->flags, b->flags);
	ck_assert_uint_eq(a->ncols, b->ncols);
	for (i = 0; i < a->ncols; i++)
		ck_assert_str_eq(a->cols[i], b->cols[i]);
	ck_assert_uint_eq(a->nrows, b->nrows);
	for (i = 0; i < a->nrows; i++) {
		ck_assert_uint_eq(a->rows[i].src, b->rows[i].src);
		ck_assert_mem_eq(a->rows[i].bytes, b->rows[i].bytes, a->ncols * sizeof(uint64_t));
	}
	ck_assert_uint_eq(a->step, b->step);
	ck_assert_uint_eq(a->timeout_ms, b->timeout_ms);
	ck_assert_uint_eq(a->ndrain, b->ndrain);
	for (i = 0; i < a->ndrain; i++)
		ck_assert_str_eq(a->drain[i], b->drain[i]);
	ck_assert_uint_eq(a->ncircuits, b->ncircuits);
	for (i = 0; i < a->ncircuits; i++) {
		ck_assert_str_eq(a->circuits[i].nic, b->circuits[i].nic);
		ck_assert_str_eq(a->circuits[i].peer, b->circuits[i].peer);
		ck_assert_str_eq(a->circuits[i].peer_nic, b->circuits[i].peer_nic);
		ck_assert_int_eq(a->circuits[i].changed, b->circuits[i].changed);
	}
	ck_assert_uint_eq(a->nlowers, b->nlowers);
	for (i = 0; i < a->nlowers; i++) {
		const struct mnp_lower *x = &a->lowers[i], *y = &b->lowers[i];

		ck_assert_str_eq(x->nic, y->nic);
		ck_assert_int_eq(x->optical, y->optical);
		ck_assert_int_eq(x->carrier, y->carrier);
		ck_assert_int_eq(x->peer.family, y->peer.family);
		ck_assert_mem_eq(x->peer.a, y->peer.a, 16);
		ck_assert_int_eq(x->has_lladdr, y->has_lladdr);
		ck_assert_mem_eq(x->peer_lladdr, y->peer_lladdr, 6);
	}
	ck_assert_int_eq(a->status, b->status);
	ck_assert_str_eq(a->message, b->message);
	ck_assert_uint_eq(a->version, b->version);
}

static void encode_ok(const struct mnp_msg *m, void **buf, size_t *len)
{
	struct mnp_err err;
	int rc = mnp_encode(m, buf, len, &err);

	ck_assert_msg(rc == 0, "encode %s: %d %s", mnp_type_name(m->type), rc, err.msg);
}

/* ---- round trips ------------------------------------------------------------ */

START_TEST(test_round_trip)
{
	struct mnp_msg m, d;
	struct mnp_err err;
	void *buf;
	size_t len;

	sample(&m, (uint16_t)_i);
	encode_ok(&m, &buf, &len);
	ck_assert_uint_eq(len % 4, 0);
	ck_assert_int_eq(mnp_decode(buf, len, &d, &err), 0);
	if (m.type != MNP_REJECT)
		m.version = MNP_VERSION;	/* the decoder reports the frame's version */
	assert_equal(&m, &d);
	mnp_msg_free(&d);

	/* An unaligned copy of the frame decodes the same. */
	{
		char *odd = malloc(len + 1);

		memcpy(odd + 1, buf, len);
		ck_assert_int_eq(mnp_decode(odd + 1, len, &d, &err), 0);
		assert_equal(&m, &d);
		mnp_msg_free(&d);
		free(odd);
	}
	free(buf);
	mnp_msg_free(&m);
}
END_TEST

START_TEST(test_large_demand)
{
	/* A whole 1024-host matrix in one frame (columns as top-level attrs). */
	const uint32_t n = 1024;
	struct mnp_msg m = { .type = MNP_DEMAND, .epoch = 1, .source = MNP_SRC_SUBMITTED }, d;
	char **names = calloc(n, sizeof(*names));
	uint64_t *row = calloc(n, sizeof(*row));
	struct mnp_err err;
	uint32_t i;
	void *buf;
	size_t len;

	for (i = 0; i < n; i++) {
		names[i] = malloc(CFG_NAME_MAX);
		snprintf(names[i], CFG_NAME_MAX, "gpu-server-with-a-long-name-%06u", i);
		row[i] = i * 1000ull;
	}
	ck_assert_int_eq(mnp_set_columns(&m, n, (const char *const *)names), 0);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(mnp_add_row(&m, i, row), 0);
	encode_ok(&m, &buf, &len);
	ck_assert_uint_gt(len, n * n * 8);
	ck_assert_int_eq(mnp_decode(buf, len, &d, &err), 0);
	ck_assert_uint_eq(d.ncols, n);
	ck_assert_uint_eq(d.nrows, n);
	ck_assert_uint_eq(d.rows[n - 1].bytes[n - 1], (n - 1) * 1000ull);
	ck_assert_str_eq(d.cols[n - 1], names[n - 1]);
	mnp_msg_free(&d);
	mnp_msg_free(&m);
	free(buf);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(row);
}
END_TEST

/* ---- the encoder refuses what would not decode ------------------------------ */

static void encode_fails(struct mnp_msg *m, const char *needle)
{
	struct mnp_err err = { 0 };
	void *buf = (void *)1;
	size_t len = 1;

	ck_assert_int_eq(mnp_encode(m, &buf, &len, &err), -EINVAL);
	ck_assert_ptr_null(buf);
	ck_assert_uint_eq(len, 0);
	ck_assert_msg(strstr(err.msg, needle), "'%s' lacks '%s'", err.msg, needle);
	mnp_msg_free(m);
}

START_TEST(test_encode_refuses)
{
	struct mnp_msg m;
	struct mnp_lower l = { .nic = "x" };
	struct mnp_circuit c = { .nic = "a", .peer = "h1", .peer_nic = "b" };
	uint32_t i;

	memset(&m, 0, sizeof(m));
	m.type = 99;
	encode_fails(&m, "unknown message type");

	sample(&m, MNP_HELLO);
	m.host[0] = '\0';
	encode_fails(&m, "host: empty");

	sample(&m, MNP_HELLO);
	snprintf(m.host, sizeof(m.host), "h 0");
	encode_fails(&m, "host: invalid characters");

	sample(&m, MNP_STEP);
	m.step = 9;
	encode_fails(&m, "unknown step 9");

	sample(&m, MNP_STEP);
	ck_assert_int_eq(mnp_add_circuit(&m, &m.circuits[0]), 0);
	encode_fails(&m, "two circuits on ens1f0");

	sample(&m, MNP_DEMAND);
	m.rows[1].src = 0;
	encode_fails(&m, "two rows for h0");

	sample(&m, MNP_DEMAND);
	m.source = 7;
	encode_fails(&m, "unknown demand source 7");

	sample(&m, MNP_ACK);
	m.status = 5;
	encode_fails(&m, "status 5 is not 0 or -errno");

	memset(&m, 0, sizeof(m));
	m.type = MNP_HELLO;
	snprintf(m.host, sizeof(m.host), "h0");
	snprintf(m.region, sizeof(m.region), "r");
	for (i = 0; i <= MNP_MAX_LOWERS; i++) {
		snprintf(l.nic, sizeof(l.nic), "n%u", i);
		ck_assert_int_eq(mnp_add_lower(&m, &l), 0);
	}
	encode_fails(&m, "more than 128 lower");

	memset(&m, 0, sizeof(m));
	m.type = MNP_STEP;
	m.step = MNP_STEP_USE;
	for (i = 0; i <= MNP_MAX_CIRCUITS; i++) {
		snprintf(c.nic, sizeof(c.nic), "n%u", i);
		ck_assert_int_eq(mnp_add_circuit(&m, &c), 0);
	}
	encode_fails(&m, "more than 128 circuit");
}
END_TEST

/* ---- malformed frames ----------------------------------------------------------- */

/* A raw frame: header of @type/@version, attributes added by the test. */
static struct nlmsghdr *raw(char *buf, size_t cap, uint16_t type, uint8_t version)
{
	struct nlmsghdr *nlh;
	struct mnp_hdr *hdr;

	memset(buf, 0, cap);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	hdr = mnl_nlmsg_put_extra_header(nlh, sizeof(*hdr));
	hdr->version = version;
	return nlh;
}

static void decode_fails(const void *buf, size_t len, int want, const char *needle)
{
	struct mnp_msg m;
	struct mnp_err err;
	int rc = mnp_decode(buf, len, &m, &err);

	ck_assert_msg(rc == want, "decode gave %d, want %d (%s)", rc, want, err.msg);
	if (needle)
		ck_assert_msg(strstr(err.msg, needle), "'%s' lacks '%s'", err.msg, needle);
	/* Nothing to free after an error: the struct is clean. */
	ck_assert_ptr_null(m.lowers);
	ck_assert_ptr_null(m.rows);
	ck_assert_ptr_null(m.cols);
	ck_assert_ptr_null(m.circuits);
	ck_assert_ptr_null(m.drain);
}

/* @nlh (raw() put it at the start of its buffer) is refused as malformed, naming @needle. */
static void frame_fails(const struct nlmsghdr *nlh, const char *needle)
{
	decode_fails(nlh, nlh->nlmsg_len, -EBADMSG, needle);
}

static void hello_base(struct nlmsghdr *nlh)
{
	mnl_attr_put_strz(nlh, MNP_A_HOST, "h0");
	mnl_attr_put_strz(nlh, MNP_A_REGION, "r");
}

/* A valid HELLO frame for the test to add attributes to. */
static struct nlmsghdr *hello(char *buf, size_t cap)
{
	struct nlmsghdr *nlh = raw(buf, cap, MNP_HELLO, MNP_VERSION);

	hello_base(nlh);
	return nlh;
}

/* A HELLO frame whose host attribute is the @len bytes at @host. */
static struct nlmsghdr *hello_host(char *buf, size_t cap, const void *host, size_t len)
{
	struct nlmsghdr *nlh = raw(buf, cap, MNP_HELLO, MNP_VERSION);

	mnl_attr_put(nlh, MNP_A_HOST, len, host);
	mnl_attr_put_strz(nlh, MNP_A_REGION, "r");
	return nlh;
}

/* The last attribute added to @nlh, which has @size bytes with its header. */
static struct nlattr *last_attr(struct nlmsghdr *nlh, size_t size)
{
	return (struct nlattr *)((char *)mnl_nlmsg_get_payload_tail(nlh) - size);
}

/* Open a lower nest with NIC e0 and, if @carrier >= 0, that carrier value. */
static struct nlattr *start_lower(struct nlmsghdr *nlh, int carrier)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, MNP_A_LOWER);

	mnl_attr_put_strz(nlh, MNP_A_NIC, "e0");
	if (carrier >= 0)
		mnl_attr_put_u8(nlh, MNP_A_CARRIER, (uint8_t)carrier);
	return nest;
}

START_TEST(test_truncation)
{
	struct mnp_msg m, d;
	struct mnp_err err;
	unsigned int t;
	void *buf;
	size_t len, cut;

	/* Every proper prefix of every message type is refused, cleanly. */
	for (t = MNP_HELLO; t < __MNP_TYPE_MAX; t++) {
		sample(&m, (uint16_t)t);
		encode_ok(&m, &buf, &len);
		for (cut = 0; cut < len; cut++) {
			int rc = mnp_decode(buf, cut, &d, &err);

			ck_assert_msg(rc == -EBADMSG, "type %u cut at %zu of %zu: %d", t, cut, len, rc);
		}
		/* A longer frame than the length field says is refused too. */
		{
			char *longer = calloc(1, len + 4);

			memcpy(longer, buf, len);
			decode_fails(longer, len + 4, -EBADMSG, "length field");
			free(longer);
		}
		free(buf);
		mnp_msg_free(&m);
	}
}
END_TEST

START_TEST(test_header_errors)
{
	char buf[256];
	struct nlmsghdr *nlh;
	struct mnp_msg m;
	struct mnp_err err;

	nlh = raw(buf, sizeof(buf), MNP_HELLO, 2);
	hello_base(nlh);
	ck_assert_int_eq(mnp_decode(buf, nlh->nlmsg_len, &m, &err), -EPROTONOSUPPORT);
	ck_assert_uint_eq(m.version, 2);	/* enough to answer with a REJECT */
	ck_assert_uint_eq(m.type, MNP_HELLO);
	ck_assert_ptr_nonnull(strstr(err.msg, "protocol version 2"));

	nlh = raw(buf, sizeof(buf), MNP_HELLO, 0);
	hello_base(nlh);
	ck_assert_int_eq(mnp_decode(buf, nlh->nlmsg_len, &m, &err), -EPROTONOSUPPORT);

	frame_fails(raw(buf, sizeof(buf), 0, MNP_VERSION), "unknown message type 0");
	frame_fails(raw(buf, sizeof(buf), __MNP_TYPE_MAX, MNP_VERSION), "unknown message type");

	nlh = hello(buf, sizeof(buf));
	nlh->nlmsg_flags = 1;
	frame_fails(nlh, "reserved");
	nlh->nlmsg_flags = 0;
	nlh->nlmsg_pid = 5;
	frame_fails(nlh, "reserved");
	nlh->nlmsg_pid = 0;
	((struct mnp_hdr *)mnl_nlmsg_get_payload(nlh))->reserved[1] = 1;
	frame_fails(nlh, "reserved");

	nlh = hello(buf, sizeof(buf));
	nlh->nlmsg_len += 4;	/* claims more than the frame holds */
	decode_fails(buf, nlh->nlmsg_len - 4, -EBADMSG, "length field");

	decode_fails(buf, 3, -EBADMSG, "shorter than the header");
	decode_fails(buf, MNP_MAX_MSG + 1, -EBADMSG, "over the limit");
}
END_TEST

START_TEST(test_attribute_errors)
{
	char buf[512], longname[MNP_NAME_MAX + 1];
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	/* Unknown attribute type. */
	nlh = hello(buf, sizeof(buf));
	mnl_attr_put_u32(nlh, 200, 1);
	frame_fails(nlh, "unexpected attribute 200");

	/* A known attribute that does not belong to this message. */
	nlh = hello(buf, sizeof(buf));
	mnl_attr_put_u8(nlh, MNP_A_STEP, 1);
	frame_fails(nlh, "unexpected attribute");

	/* Duplicate. */
	nlh = hello(buf, sizeof(buf));
	mnl_attr_put_strz(nlh, MNP_A_HOST, "h1");
	frame_fails(nlh, "host given twice");

	/* Missing required. */
	nlh = raw(buf, sizeof(buf), MNP_HELLO, MNP_VERSION);
	mnl_attr_put_strz(nlh, MNP_A_HOST, "h0");
	frame_fails(nlh, "missing region");

	/* Integer of the wrong size. */
	nlh = hello(buf, sizeof(buf));
	mnl_attr_put(nlh, MNP_A_PLAN_ID, 4, "\1\2\3\4");
	frame_fails(nlh, "plan_id: length 4, want 8");

	nlh = raw(buf, sizeof(buf), MNP_WELCOME, MNP_VERSION);
	mnl_attr_put_strz(nlh, MNP_A_REGION, "r");
	mnl_attr_put_u64(nlh, MNP_A_PLAN_ID, 1);
	mnl_attr_put(nlh, MNP_A_EPOCH_MS, 3, "\1\2\3");
	frame_fails(nlh, "epoch_ms: length 3, want 4");

	/* Strings: no NUL, embedded NUL, empty, too long, control characters. */
	frame_fails(hello_host(buf, sizeof(buf), "h0", 2), "not a NUL-terminated string");
	frame_fails(hello_host(buf, sizeof(buf), "h0\0x", 5), "embedded NUL");
	frame_fails(hello_host(buf, sizeof(buf), "", 1), "empty");
	memset(longname, 'a', MNP_NAME_MAX);
	longname[MNP_NAME_MAX] = '\0';
	frame_fails(hello_host(buf, sizeof(buf), longname, sizeof(longname)),
		    "host: 64 bytes, at most 63");
	frame_fails(hello_host(buf, sizeof(buf), "h\x01", 3), "invalid characters");

	/* A nest without the nested flag, and a scalar with it. */
	nlh = hello(buf, sizeof(buf));
	nest = start_lower(nlh, 1);
	mnl_attr_nest_end(nlh, nest);
	nest->nla_type &= ~NLA_F_NESTED;
	frame_fails(nlh, "wrong attribute flags");

	nlh = hello(buf, sizeof(buf));
	mnl_attr_put_u64(nlh, MNP_A_PLAN_ID, 1);
	last_attr(nlh, 12)->nla_type |= NLA_F_NESTED;
	frame_fails(nlh, "wrong attribute flags");

	/* Attribute length under the header size, or past the frame. */
	nlh = hello(buf, sizeof(buf));
	mnl_attr_put_u32(nlh, 31, 0);
	last_attr(nlh, 8)->nla_len = 2;
	frame_fails(nlh, "truncated attribute");

	nlh = hello(buf, sizeof(buf));
	mnl_attr_put_u32(nlh, MNP_A_PLAN_ID, 0);
	last_attr(nlh, 8)->nla_len = 60;
	frame_fails(nlh, "truncated attribute");

	/* Inside a nest: missing required, wrong value, bad address length. */
	nlh = hello(buf, sizeof(buf));
	mnl_attr_nest_end(nlh, start_lower(nlh, -1));
	frame_fails(nlh, "lower: missing carrier");

	nlh = hello(buf, sizeof(buf));
	mnl_attr_nest_end(nlh, start_lower(nlh, 2));
	frame_fails(nlh, "carrier must be 0 or 1");

	nlh = hello(buf, sizeof(buf));
	nest = start_lower(nlh, 1);
	mnl_attr_put(nlh, MNP_A_PEER_ADDR, 5, "\1\2\3\4\5");
	mnl_attr_nest_end(nlh, nest);
	frame_fails(nlh, "peer address of 5 bytes");

	/* A nested attribute that is only allowed at the top level. */
	nlh = hello(buf, sizeof(buf));
	nest = start_lower(nlh, 1);
	mnl_attr_put_strz(nlh, MNP_A_HOST, "h0");
	mnl_attr_nest_end(nlh, nest);
	frame_fails(nlh, "lower: unexpected attribute");
}
END_TEST

/* A DEMAND frame with epoch, source and columns h0, h1, for the test to add rows to. */
static struct nlmsghdr *demand_head(char *buf, size_t cap)
{
	struct nlmsghdr *nlh = raw(buf, cap, MNP_DEMAND, MNP_VERSION);

	mnl_attr_put_u64(nlh, MNP_A_EPOCH, 1);
	mnl_attr_put_u8(nlh, MNP_A_SOURCE, MNP_SRC_MEASURED);
	mnl_attr_put_strz(nlh, MNP_A_COLUMN, "h0");
	mnl_attr_put_strz(nlh, MNP_A_COLUMN, "h1");
	return nlh;
}

static void put_row(struct nlmsghdr *nlh, uint32_t index, const uint64_t *v, size_t n)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, MNP_A_ROW);

	mnl_attr_put_u32(nlh, MNP_A_INDEX, index);
	mnl_attr_put(nlh, MNP_A_BYTES, n * sizeof(*v), v);
	mnl_attr_nest_end(nlh, nest);
}

START_TEST(test_demand_errors)
{
	char buf[1024];
	struct nlmsghdr *nlh;
	uint64_t v[3] = { 1, 2, 0 };

	/* Values array not matching the column count. */
	nlh = demand_head(buf, sizeof(buf));
	put_row(nlh, 0, v, 1);
	frame_fails(nlh, "8 bytes of values, want 16");

	/* Row index out of range. */
	nlh = demand_head(buf, sizeof(buf));
	put_row(nlh, 2, v, 2);
	frame_fails(nlh, "row for column 2 of 2");

	/* No row at all. */
	frame_fails(demand_head(buf, sizeof(buf)), "missing row");

	/* Duplicate column. */
	nlh = demand_head(buf, sizeof(buf));
	mnl_attr_put_strz(nlh, MNP_A_COLUMN, "h0");
	put_row(nlh, 0, (uint64_t[3]){ 0 }, 3);
	frame_fails(nlh, "column h0 listed twice");

	/* Unknown flag bits. */
	nlh = demand_head(buf, sizeof(buf));
	mnl_attr_put_u32(nlh, MNP_A_FLAGS, 0x80);
	put_row(nlh, 0, v, 2);
	frame_fails(nlh, "unknown flags 0x80");
}
END_TEST

/*
 * A deterministic mutation run over valid frames (bit flips, byte
 * overwrites, truncation, length-field edits): the decoder must return
 * cleanly, and whatever it accepts must re-encode to a frame that decodes
 * to the same message.  Under valgrind this also checks every read stays
 * inside the frame.  tests/fuzz/ has the coverage-guided version.
 */
START_TEST(test_mutations)
{
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	unsigned int t, i, accepted = 0;

	for (t = MNP_HELLO; t < __MNP_TYPE_MAX; t++) {
		struct mnp_msg m;
		uint8_t *buf, *mut;
		size_t len;

		sample(&m, (uint16_t)t);
		encode_ok(&m, (void **)&buf, &len);
		mnp_msg_free(&m);
		mut = malloc(len);
		for (i = 0; i < 3000; i++) {
			struct mnp_msg d, again;
			size_t mlen = len, pos;
			void *re;
			size_t relen;
			int rc, k, nmut;

			memcpy(mut, buf, len);
			rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
			nmut = 1 + (int)(rng % 3);
			for (k = 0; k < nmut; k++) {
				rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
				pos = (size_t)(rng >> 8) % len;
				switch (rng % 4) {
				case 0: mut[pos] ^= (uint8_t)(1u << (rng >> 40) % 8); break;
				case 1: mut[pos] = (uint8_t)(rng >> 32); break;
				case 2: mlen = pos; break;
				case 3: mut[pos] = (uint8_t)(mut[pos] + 4); break;
				}
			}
			rc = mnp_decode(mut, mlen, &d, NULL);
			ck_assert(rc == 0 || rc == -EBADMSG || rc == -EPROTONOSUPPORT);
			if (rc)
				continue;
			accepted++;
			ck_assert_int_eq(mnp_encode(&d, &re, &relen, NULL), 0);
			ck_assert_int_eq(mnp_decode(re, relen, &again, NULL), 0);
			assert_equal(&d, &again);
			mnp_msg_free(&again);
			mnp_msg_free(&d);
			free(re);
		}
		free(mut);
		free(buf);
	}
	/* Some mutations (e.g. of string contents) are valid messages. */
	ck_assert_uint_gt(accepted, 0);
}
END_TEST

static Suite *proto_suite(void)
{
	Suite *s = suite_create("proto");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_round_trip, MNP_HELLO, __MNP_TYPE_MAX);
	tcase_add_test(tc, test_large_demand);
	tcase_add_test(tc, test_encode_refuses);
	tcase_add_test(tc, test_truncation);
	tcase_add_test(tc, test_header_errors);
	tcase_add_test(tc, test_attribute_errors);
	tcase_add_test(tc, test_demand_errors);
	tcase_add_test(tc, test_mutations);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(proto_suite());
}
