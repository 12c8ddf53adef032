// SPDX-License-Identifier: GPL-2.0
/* mixnet-trafgen control messages and data headers (see wire.h). */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

static const char *const op_names[] = {
	[TG_OP_HELLO] = "hello",	[TG_OP_SESSION] = "session",
	[TG_OP_OK] = "ok",		[TG_OP_CONNECT] = "connect",
	[TG_OP_CONNECTED] = "connected", [TG_OP_PHASE] = "phase",
	[TG_OP_READY] = "ready",	[TG_OP_GO] = "go",
	[TG_OP_DONE] = "done",		[TG_OP_ABORT] = "abort",
	[TG_OP_PROGRESS] = "progress",	[TG_OP_BYE] = "bye",
	[TG_OP_ERROR] = "error",
};
#define NOPS (sizeof(op_names) / sizeof(op_names[0]))

const char *tg_op_name(enum tg_op op)
{
	return (unsigned int)op < NOPS && op_names[op] ? op_names[op] : "?";
}

static int has_seq(enum tg_op op)
{
	return op == TG_OP_PHASE || op == TG_OP_READY || op == TG_OP_GO || op == TG_OP_DONE ||
	       op == TG_OP_ABORT || op == TG_OP_PROGRESS || op == TG_OP_ERROR;
}

int tg_msg_alloc_phase(struct tg_msg *m, uint32_t n)
{
	m->want_send = calloc(n, sizeof(*m->want_send));
	m->want_recv = calloc(n, sizeof(*m->want_recv));
	m->n = n;
	return m->want_send && m->want_recv ? 0 : -ENOMEM;
}

int tg_msg_alloc_report(struct tg_msg *m, uint32_t n)
{
	uint32_t i;

	m->n = n;
	if (!n)
		return 0;
	m->send = calloc(n, sizeof(*m->send));
	m->recv = calloc(n, sizeof(*m->recv));
	m->n = n;
	if (!m->send || !m->recv)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		m->send[i].bad = m->recv[i].bad = -1;
	return 0;
}

void tg_msg_free(struct tg_msg *m)
{
	tg_hosts_free(&m->hosts);
	free(m->want_send);
	free(m->want_recv);
	free(m->send);
	free(m->recv);
	m->want_send = m->want_recv = NULL;
	m->send = m->recv = NULL;
}

/* ---- encoding -------------------------------------------------------------- */
static json_t *u64_array(const uint64_t *v, uint32_t n)
{
	json_t *a = json_array();
	uint32_t i;

	for (i = 0; a && i < n; i++)
		json_array_append_new(a, json_integer((json_int_t)v[i]));
	return a;
}

static json_t *xfer_array(const struct tg_xfer *x, uint32_t n, int with_bad)
{
	json_t *a = json_array();
	uint32_t i;

	for (i = 0; a && i < n; i++) {
		char sum[17];
		json_t *o;

		snprintf(sum, sizeof(sum), "%016" PRIx64, x[i].sum);
		o = json_pack("{sIsssI}", "bytes", (json_int_t)x[i].bytes, "sum", sum,
			      "usec", (json_int_t)x[i].usec);

		if (o && with_bad)
			json_object_set_new(o, "bad", json_integer(x[i].bad));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *hosts_array(const struct tg_hosts *hs)
{
	json_t *a = json_array();
	uint32_t i;

	for (i = 0; a && i < hs->n; i++)
		json_array_append_new(a, json_pack("{sssssi}", "name", hs->h[i].name,
						   "addr", hs->h[i].addr, "port", hs->h[i].port));
	return a;
}

char *tg_msg_encode(const struct tg_msg *m, size_t *len)
{
	json_t *o = json_pack("{ss}", "op", tg_op_name(m->op));
	char *s, *line = NULL;
	char id[17];

	if (!o)
		return NULL;
	if (has_seq(m->op))
		json_object_set_new(o, "seq", json_integer(m->seq));
	switch (m->op) {
	case TG_OP_HELLO:
		json_object_set_new(o, "version", json_integer(m->version));
		if (m->addr[0]) {
			json_object_set_new(o, "addr", json_string(m->addr));
			json_object_set_new(o, "port", json_integer(m->port));
		}
		break;
	case TG_OP_SESSION:
		snprintf(id, sizeof(id), "%016" PRIx64, m->session);
		json_object_set_new(o, "id", json_string(id));
		json_object_set_new(o, "index", json_integer(m->index));
		json_object_set_new(o, "streams", json_integer(m->streams));
		json_object_set_new(o, "hosts", hosts_array(&m->hosts));
		break;
	case TG_OP_PHASE:
		json_object_set_new(o, "send", u64_array(m->want_send, m->n));
		json_object_set_new(o, "recv", u64_array(m->want_recv, m->n));
		break;
	case TG_OP_DONE:
	case TG_OP_PROGRESS:
		json_object_set_new(o, "send", xfer_array(m->send, m->n, 0));
		json_object_set_new(o, "recv", xfer_array(m->recv, m->n, 1));
		break;
	case TG_OP_ERROR:
		json_object_set_new(o, "peer", json_integer(m->peer));
		json_object_set_new(o, "errno", json_integer(m->err));
		json_object_set_new(o, "msg", json_string(m->text));
		break;
	default:
		break;
	}
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!s)
		return NULL;
	if (asprintf(&line, "%s\n", s) < 0)
		line = NULL;
	free(s);
	if (line && len)
		*len = strlen(line);
	return line;
}

/* ---- decoding -------------------------------------------------------------- */
__attribute__((format(printf, 3, 4)))
static int bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EPROTO;
}

/* Integer member @key of @o within [min, max]. */
static int get_int(json_t *o, const char *key, json_int_t min, json_int_t max,
		   json_int_t *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		return bad(err, errlen, "'%s' missing or not an integer", key);
	*out = json_integer_value(v);
	if (*out < min || *out > max)
		return bad(err, errlen, "'%s' %lld out of range %lld-%lld", key,
			   (long long)*out, (long long)min, (long long)max);
	return 0;
}

/* 64-bit value @key as 16 lowercase hex digits (JSON numbers stop at 2^63). */
static int get_hex64(json_t *o, const char *key, uint64_t *out, char *err, size_t errlen)
{
	const char *s = json_string_value(json_object_get(o, key));

	if (!s || strlen(s) != 16 || strspn(s, "0123456789abcdef") != 16)
		return bad(err, errlen, "'%s' must be 16 lowercase hex digits", key);
	*out = strtoull(s, NULL, 16);
	return 0;
}

static int get_u64_array(json_t *o, const char *key, uint32_t n, uint64_t *out,
			 char *err, size_t errlen)
{
	json_t *a = json_object_get(o, key), *v;
	size_t i;

	if (!json_is_array(a) || json_array_size(a) != n)
		return bad(err, errlen, "'%s' must be an array of %u numbers", key, n);
	json_array_foreach(a, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    (uint64_t)json_integer_value(v) > TG_MAX_PAIR_BYTES)
			return bad(err, errlen, "'%s'[%zu]: not a byte count 0-%llu", key, i,
				   (unsigned long long)TG_MAX_PAIR_BYTES);
		out[i] = (uint64_t)json_integer_value(v);
	}
	return 0;
}

static int get_xfers(json_t *o, const char *key, uint32_t n, struct tg_xfer *out,
		     int with_bad, char *err, size_t errlen)
{
	json_t *a = json_object_get(o, key), *v;
	char what[48];
	size_t i;
	int ret;

	if (!json_is_array(a) || json_array_size(a) != n)
		return bad(err, errlen, "'%s' must be an array of %u transfers", key, n);
	json_array_foreach(a, i, v) {
		json_int_t x;

		if (!json_is_object(v))
			return bad(err, errlen, "'%s'[%zu]: not an object", key, i);
		snprintf(what, sizeof(what), "%s[%zu]", key, i);
		ret = get_int(v, "bytes", 0, (json_int_t)TG_MAX_PAIR_BYTES, &x, err, errlen);
		if (ret)
			goto fail;
		out[i].bytes = (uint64_t)x;
		ret = get_hex64(v, "sum", &out[i].sum, err, errlen);
		if (ret)
			goto fail;
		ret = get_int(v, "usec", 0, INT64_MAX, &x, err, errlen);
		if (ret)
			goto fail;
		out[i].usec = (uint64_t)x;
		out[i].bad = -1;
		if (with_bad) {
			ret = get_int(v, "bad", -1, (json_int_t)TG_MAX_PAIR_BYTES, &x, err, errlen);
			if (ret)
				goto fail;
			out[i].bad = x;
		}
	}
	return 0;
fail:
	{
		char inner[160];

		snprintf(inner, sizeof(inner), "%s", err);
		return bad(err, errlen, "%s: %s", what, inner);
	}
}

static int get_hosts(json_t *o, struct tg_hosts *hs, char *err, size_t errlen)
{
	json_t *a = json_object_get(o, "hosts"), *v;
	size_t i;

	if (!json_is_array(a) || json_array_size(a) < 2 || json_array_size(a) > TG_MAX_HOSTS)
		return bad(err, errlen, "'hosts' must be an array of 2-%u hosts", TG_MAX_HOSTS);
	json_array_foreach(a, i, v) {
		const char *name = json_string_value(json_object_get(v, "name"));
		const char *addr = json_string_value(json_object_get(v, "addr"));
		json_t *port = json_object_get(v, "port");
		char spec[TG_NAME_MAX + TG_ADDR_MAX + 16], why[160];
		int ret;

		if (!name || !addr || !json_is_integer(port) || json_integer_value(port) < 1 ||
		    json_integer_value(port) > 65535)
			return bad(err, errlen, "hosts[%zu]: needs name, addr and port 1-65535", i);
		/* Same rules as the command line: one parser. */
		snprintf(spec, sizeof(spec), strchr(addr, ':') ? "%s%s[%s]:%d" : "%s%s%s:%d",
			 strcmp(name, addr) ? name : "", strcmp(name, addr) ? "=" : "", addr,
			 (int)json_integer_value(port));
		if (strlen(name) >= TG_NAME_MAX || strlen(addr) >= TG_ADDR_MAX)
			return bad(err, errlen, "hosts[%zu]: name or address too long", i);
		ret = tg_hosts_add(hs, spec, 1, why, sizeof(why));
		if (ret == -ENOMEM)
			return ret;
		if (ret)
			return bad(err, errlen, "hosts[%zu]: %s", i, why);
	}
	return 0;
}

int tg_msg_decode(const char *line, size_t len, struct tg_msg *m, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *o;
	json_int_t x;
	const char *op, *s;
	unsigned int i;
	int ret = 0;

	memset(m, 0, sizeof(*m));
	m->seq = -1;
	m->peer = -1;
	o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!o)
		return bad(err, errlen, "not JSON: %s", jerr.text);
	if (!json_is_object(o)) {
		ret = bad(err, errlen, "not a JSON object");
		goto out;
	}
	op = json_string_value(json_object_get(o, "op"));
	for (i = 1; op && i < NOPS; i++)
		if (op_names[i] && !strcmp(op, op_names[i]))
			break;
	if (!op || i >= NOPS) {
		ret = bad(err, errlen, "unknown or missing 'op'%s%s", op ? ": " : "", op ? op : "");
		goto out;
	}
	m->op = (enum tg_op)i;
	if (has_seq(m->op)) {
		ret = get_int(o, "seq", m->op == TG_OP_ERROR ? -1 : 0, INT32_MAX, &x, err, errlen);
		if (ret)
			goto out;
		m->seq = x;
	}
	switch (m->op) {
	case TG_OP_HELLO:
		ret = get_int(o, "version", 1, 65535, &x, err, errlen);
		if (ret)
			goto out;
		m->version = (uint32_t)x;
		s = json_string_value(json_object_get(o, "addr"));
		if (s) {
			if (strlen(s) >= sizeof(m->addr)) {
				ret = bad(err, errlen, "'addr' too long");
				goto out;
			}
			strcpy(m->addr, s);
			ret = get_int(o, "port", 1, 65535, &x, err, errlen);
			if (ret)
				goto out;
			m->port = (uint16_t)x;
		}
		break;
	case TG_OP_SESSION:
		ret = get_hex64(o, "id", &m->session, err, errlen);
		if (ret)
			goto out;
		ret = get_hosts(o, &m->hosts, err, errlen);
		if (ret)
			goto out;
		ret = get_int(o, "index", 0, (json_int_t)m->hosts.n - 1, &x, err, errlen);
		if (ret)
			goto out;
		m->index = (uint32_t)x;
		ret = get_int(o, "streams", 1, TG_MAX_STREAMS, &x, err, errlen);
		if (ret)
			goto out;
		m->streams = (uint32_t)x;
		break;
	case TG_OP_PHASE: {
		json_t *a = json_object_get(o, "send");

		if (!json_is_array(a) || json_array_size(a) < 2 || json_array_size(a) > TG_MAX_HOSTS) {
			ret = bad(err, errlen, "'send' must be an array of 2-%u numbers", TG_MAX_HOSTS);
			goto out;
		}
		ret = tg_msg_alloc_phase(m, (uint32_t)json_array_size(a));
		if (!ret)
			ret = get_u64_array(o, "send", m->n, m->want_send, err, errlen);
		if (!ret)
			ret = get_u64_array(o, "recv", m->n, m->want_recv, err, errlen);
		break;
	}
	case TG_OP_DONE:
	case TG_OP_PROGRESS: {
		json_t *a = json_object_get(o, "send");

		/* an empty progress report: nothing ran in this session */
		if (!json_is_array(a) || json_array_size(a) > TG_MAX_HOSTS ||
		    (json_array_size(a) < 2 && (m->op == TG_OP_DONE || json_array_size(a)))) {
			ret = bad(err, errlen, "'send' must be an array of 2-%u transfers", TG_MAX_HOSTS);
			goto out;
		}
		ret = tg_msg_alloc_report(m, (uint32_t)json_array_size(a));
		if (!ret)
			ret = get_xfers(o, "send", m->n, m->send, 0, err, errlen);
		if (!ret)
			ret = get_xfers(o, "recv", m->n, m->recv, 1, err, errlen);
		break;
	}
	case TG_OP_ERROR:
		ret = get_int(o, "peer", -1, TG_MAX_HOSTS - 1, &x, err, errlen);
		if (ret)
			goto out;
		m->peer = (int32_t)x;
		ret = get_int(o, "errno", 0, 4095, &x, err, errlen);
		if (ret)
			goto out;
		m->err = (int32_t)x;
		s = json_string_value(json_object_get(o, "msg"));
		if (!s) {
			ret = bad(err, errlen, "'msg' missing or not a string");
			goto out;
		}
		snprintf(m->text, sizeof(m->text), "%s", s);
		break;
	default:
		break;
	}
out:
	json_decref(o);
	return ret;
}

/* ---- binary headers -------------------------------------------------------- */
void tg_data_hello_encode(const struct tg_data_hello *h, uint8_t out[TG_DATA_HELLO_LEN])
{
	uint16_t v = htole16(h->version), st = htole16(h->stream);
	uint32_t s = htole32(h->src), d = htole32(h->dst);
	uint64_t id = htole64(h->session);

	memcpy(out, TG_DATA_MAGIC, 4);
	memcpy(out + 4, &v, 2);
	memcpy(out + 6, &st, 2);
	memcpy(out + 8, &s, 4);
	memcpy(out + 12, &d, 4);
	memcpy(out + 16, &id, 8);
}

int tg_data_hello_decode(const uint8_t in[TG_DATA_HELLO_LEN], struct tg_data_hello *h)
{
	uint16_t v, st;
	uint32_t s, d;
	uint64_t id;

	if (memcmp(in, TG_DATA_MAGIC, 4))
		return -EPROTO;
	memcpy(&v, in + 4, 2);
	memcpy(&st, in + 6, 2);
	memcpy(&s, in + 8, 4);
	memcpy(&d, in + 12, 4);
	memcpy(&id, in + 16, 8);
	if (le16toh(v) != TG_PROTO_VERSION || le16toh(st) >= TG_MAX_STREAMS)
		return -EPROTO;
	h->version = le16toh(v);
	h->stream = le16toh(st);
	h->src = le32toh(s);
	h->dst = le32toh(d);
	h->session = le64toh(id);
	return 0;
}

void tg_xfer_hdr_encode(const struct tg_xfer_hdr *h, uint8_t out[TG_XFER_HDR_LEN])
{
	uint32_t s = htole32(h->seq), l = htole32(h->len), z = 0;
	uint64_t o = htole64(h->offset);

	memcpy(out, TG_XFER_MAGIC, 4);
	memcpy(out + 4, &s, 4);
	memcpy(out + 8, &o, 8);
	memcpy(out + 16, &l, 4);
	memcpy(out + 20, &z, 4);
}

int tg_xfer_hdr_decode(const uint8_t in[TG_XFER_HDR_LEN], struct tg_xfer_hdr *h)
{
	uint32_t s, l, z;
	uint64_t o;

	if (memcmp(in, TG_XFER_MAGIC, 4))
		return -EPROTO;
	memcpy(&s, in + 4, 4);
	memcpy(&o, in + 8, 8);
	memcpy(&l, in + 16, 4);
	memcpy(&z, in + 20, 4);
	o = le64toh(o);
	l = le32toh(l);
	if (z || !l || l > TG_CHUNK || o % TG_CHUNK || o > TG_MAX_PAIR_BYTES - l)
		return -EPROTO;
	h->seq = le32toh(s);
	h->offset = o;
	h->len = l;
	return 0;
}
