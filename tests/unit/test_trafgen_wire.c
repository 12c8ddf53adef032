// SPDX-License-Identifier: GPL-2.0
/* Unit tests: mixnet-trafgen's control messages, data headers and payload. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/check_run.h"
#include "payload.h"
#include "wire.h"

/* Encode @m, decode it again into @out (asserting success). */
static void round_trip(const struct tg_msg *m, struct tg_msg *out)
{
	char err[200];
	size_t len;
	char *line = tg_msg_encode(m, &len);

	ck_assert_ptr_nonnull(line);
	ck_assert_uint_eq(len, strlen(line));
	ck_assert_int_eq(line[len - 1], '\n');
	ck_assert_ptr_null(memchr(line, '\n', len - 1));	/* one line */
	ck_assert_msg(tg_msg_decode(line, len - 1, out, err, sizeof(err)) == 0, "%s: %s", line, err);
	free(line);
}

static int decode(const char *s, struct tg_msg *m, char *err, size_t errlen)
{
	return tg_msg_decode(s, strlen(s), m, err, errlen);
}

START_TEST(test_hello_session)
{
	struct tg_msg m = { .op = TG_OP_HELLO, .version = 1, .port = 7766 }, r;
	char err[200];

	strcpy(m.addr, "198.18.0.1");
	round_trip(&m, &r);
	ck_assert_int_eq(r.op, TG_OP_HELLO);
	ck_assert_uint_eq(r.version, 1);
	ck_assert_str_eq(r.addr, "198.18.0.1");
	ck_assert_uint_eq(r.port, 7766);
	tg_msg_free(&r);

	m = (struct tg_msg){ .op = TG_OP_SESSION, .session = 0xfedcba9876543210ULL, .index = 2,
			     .streams = 16 };
	ck_assert_int_eq(tg_hosts_add(&m.hosts, "a=198.18.0.1,198.18.0.2:7000,c=[2001:db8::1]:9",
				      7766, err, sizeof(err)), 0);
	round_trip(&m, &r);
	ck_assert_int_eq(r.op, TG_OP_SESSION);
	ck_assert_uint_eq(r.session, 0xfedcba9876543210ULL);
	ck_assert_uint_eq(r.index, 2);
	ck_assert_uint_eq(r.streams, 16);
	ck_assert_uint_eq(r.hosts.n, 3);
	ck_assert_str_eq(r.hosts.h[0].name, "a");
	ck_assert_str_eq(r.hosts.h[1].name, "198.18.0.2");
	ck_assert_uint_eq(r.hosts.h[1].port, 7000);
	ck_assert_str_eq(r.hosts.h[2].addr, "2001:db8::1");
	ck_assert_uint_eq(r.hosts.h[2].port, 9);
	tg_msg_free(&r);
	tg_msg_free(&m);
}
END_TEST

START_TEST(test_phase_done)
{
	struct tg_msg m = { .op = TG_OP_PHASE, .seq = 41 }, r;
	uint32_t i;

	ck_assert_int_eq(tg_msg_alloc_phase(&m, 3), 0);
	m.want_send[1] = 1ULL << 40;
	m.want_send[2] = 5;
	m.want_recv[2] = 123456789;
	round_trip(&m, &r);
	ck_assert_int_eq(r.op, TG_OP_PHASE);
	ck_assert_int_eq(r.seq, 41);
	ck_assert_uint_eq(r.n, 3);
	for (i = 0; i < 3; i++) {
		ck_assert_uint_eq(r.want_send[i], m.want_send[i]);
		ck_assert_uint_eq(r.want_recv[i], m.want_recv[i]);
	}
	tg_msg_free(&r);
	tg_msg_free(&m);

	m = (struct tg_msg){ .op = TG_OP_DONE, .seq = 7 };
	ck_assert_int_eq(tg_msg_alloc_report(&m, 2), 0);
	ck_assert_int_eq(m.recv[0].bad, -1);
	m.send[1] = (struct tg_xfer){ .bytes = 99, .sum = 0xfedcba9876543210ULL, .usec = 12 };
	m.recv[1] = (struct tg_xfer){ .bytes = 98, .sum = 1, .usec = 13, .bad = 97 };
	round_trip(&m, &r);
	ck_assert_int_eq(r.op, TG_OP_DONE);
	ck_assert_uint_eq(r.send[1].bytes, 99);
	ck_assert_uint_eq(r.send[1].sum, 0xfedcba9876543210ULL);
	ck_assert_uint_eq(r.recv[1].sum, 1);
	ck_assert_uint_eq(r.send[1].usec, 12);
	ck_assert_int_eq(r.send[1].bad, -1);
	ck_assert_uint_eq(r.recv[1].bytes, 98);
	ck_assert_int_eq(r.recv[1].bad, 97);
	ck_assert_int_eq(r.recv[0].bad, -1);
	tg_msg_free(&r);
	tg_msg_free(&m);

	/* an empty progress report (nothing ran) */
	m = (struct tg_msg){ .op = TG_OP_PROGRESS, .seq = 0 };
	round_trip(&m, &r);
	ck_assert_uint_eq(r.n, 0);
	tg_msg_free(&r);
}
END_TEST

START_TEST(test_error_and_simple)
{
	struct tg_msg m = { .op = TG_OP_ERROR, .seq = -1, .peer = 3, .err = EBUSY }, r;
	enum tg_op simple[] = { TG_OP_OK, TG_OP_CONNECT, TG_OP_CONNECTED, TG_OP_BYE };
	unsigned int k;

	strcpy(m.text, "h1 is busy: \"quoted\"\n");
	round_trip(&m, &r);
	ck_assert_int_eq(r.op, TG_OP_ERROR);
	ck_assert_int_eq(r.seq, -1);
	ck_assert_int_eq(r.peer, 3);
	ck_assert_int_eq(r.err, EBUSY);
	ck_assert_str_eq(r.text, m.text);
	tg_msg_free(&r);
	for (k = 0; k < sizeof(simple) / sizeof(simple[0]); k++) {
		m = (struct tg_msg){ .op = simple[k] };
		round_trip(&m, &r);
		ck_assert_int_eq(r.op, simple[k]);
		tg_msg_free(&r);
	}
	m = (struct tg_msg){ .op = TG_OP_GO, .seq = 5 };
	round_trip(&m, &r);
	ck_assert_int_eq(r.seq, 5);
	tg_msg_free(&r);
}
END_TEST

START_TEST(test_decode_rejects)
{
	static const char *const bad[] = {
		"", "[]", "{}", "not json", "{\"op\":\"nope\"}", "{\"op\":5}",
		"{\"op\":\"hello\"}", "{\"op\":\"hello\",\"version\":0}",
		"{\"op\":\"hello\",\"version\":1,\"addr\":\"x\"}",		/* port missing */
		"{\"op\":\"go\"}", "{\"op\":\"go\",\"seq\":-1}", "{\"op\":\"go\",\"seq\":\"1\"}",
		"{\"op\":\"go\",\"seq\":1,\"seq\":2}",			/* duplicate key */
		"{\"op\":\"phase\",\"seq\":1,\"send\":[0,1],\"recv\":[0]}",
		"{\"op\":\"phase\",\"seq\":1,\"send\":[0],\"recv\":[0]}",
		"{\"op\":\"phase\",\"seq\":1,\"send\":[0,-1],\"recv\":[0,0]}",
		"{\"op\":\"phase\",\"seq\":1,\"send\":[0,1099511627777],\"recv\":[0,0]}",
		"{\"op\":\"phase\",\"seq\":1,\"send\":[0,1.5],\"recv\":[0,0]}",
		"{\"op\":\"done\",\"seq\":1,\"send\":[],\"recv\":[]}",
		"{\"op\":\"done\",\"seq\":1,\"send\":[{},{}],\"recv\":[{},{}]}",
		"{\"op\":\"done\",\"seq\":1,\"send\":[{\"bytes\":1,\"sum\":\"0\",\"usec\":1},"
			"{\"bytes\":1,\"sum\":\"0000000000000000\",\"usec\":1}],\"recv\":[]}",
		"{\"op\":\"done\",\"seq\":1,\"send\":[{\"bytes\":1,\"sum\":1,\"usec\":1},"
			"{\"bytes\":1,\"sum\":\"0000000000000000\",\"usec\":1}],\"recv\":[]}",
		"{\"op\":\"session\",\"id\":\"00\",\"index\":0,\"hosts\":[]}",
		"{\"op\":\"session\",\"id\":\"0123456789abcdef\",\"index\":0,\"hosts\":["
			"{\"name\":\"a\",\"addr\":\"198.18.0.1\",\"port\":1},"
			"{\"name\":\"b\",\"addr\":\"198.18.0.2\",\"port\":1}]}",	/* no streams */
		"{\"op\":\"session\",\"id\":\"0123456789abcdef\",\"index\":0,\"streams\":17,"
			"\"hosts\":[{\"name\":\"a\",\"addr\":\"198.18.0.1\",\"port\":1},"
			"{\"name\":\"b\",\"addr\":\"198.18.0.2\",\"port\":1}]}",
		"{\"op\":\"session\",\"id\":\"0123456789abcdef\",\"index\":0,\"streams\":0,"
			"\"hosts\":[{\"name\":\"a\",\"addr\":\"198.18.0.1\",\"port\":1},"
			"{\"name\":\"b\",\"addr\":\"198.18.0.2\",\"port\":1}]}",
		"{\"op\":\"session\",\"id\":\"0123456789ABCDEF\",\"index\":0,\"hosts\":[]}",
		"{\"op\":\"session\",\"id\":\"0123456789abcdef\",\"index\":2,\"hosts\":["
			"{\"name\":\"a\",\"addr\":\"198.18.0.1\",\"port\":1},"
			"{\"name\":\"b\",\"addr\":\"198.18.0.2\",\"port\":1}]}",	/* index */
		"{\"op\":\"session\",\"id\":\"0123456789abcdef\",\"index\":0,\"hosts\":["
			"{\"name\":\"a\",\"addr\":\"198.18.0.1\",\"port\":1},"
			"{\"name\":\"a\",\"addr\":\"198.18.0.2\",\"port\":1}]}",	/* dup name */
		"{\"op\":\"session\",\"id\":\"0123456789abcdef\",\"index\":0,\"hosts\":["
			"{\"name\":\"a\",\"addr\":\"198.18.0.1\",\"port\":1},"
			"{\"name\":\"b\",\"addr\":\"host.example\",\"port\":1}]}",	/* not numeric */
		"{\"op\":\"session\",\"id\":\"0123456789abcdef\",\"index\":0,\"hosts\":["
			"{\"name\":\"a b\",\"addr\":\"198.18.0.1\",\"port\":1},"
			"{\"name\":\"b\",\"addr\":\"198.18.0.2\",\"port\":0}]}",
		"{\"op\":\"error\",\"seq\":1,\"peer\":-2,\"errno\":1,\"msg\":\"x\"}",
		"{\"op\":\"error\",\"seq\":1,\"peer\":0,\"errno\":1}",
	};
	struct tg_msg m;
	char err[200];
	unsigned int k;

	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		err[0] = '\0';
		ck_assert_msg(decode(bad[k], &m, err, sizeof(err)) == -EPROTO, "accepted: %s", bad[k]);
		ck_assert_msg(err[0], "no reason for: %s", bad[k]);
		tg_msg_free(&m);
	}
	/* the reason names the field */
	decode("{\"op\":\"phase\",\"seq\":1,\"send\":[0,1],\"recv\":[0,\"x\"]}", &m, err,
	       sizeof(err));
	ck_assert_ptr_nonnull(strstr(err, "'recv'[1]"));
	tg_msg_free(&m);
}
END_TEST

START_TEST(test_data_headers)
{
	struct tg_data_hello h = { .version = TG_PROTO_VERSION, .session = 0x0102030405060708ULL,
				   .src = 3, .dst = 1000, .stream = 15 }, g;
	struct tg_xfer_hdr x = { .seq = 77, .offset = (1ULL << 40) - TG_CHUNK, .len = TG_CHUNK }, y;
	uint8_t buf[TG_DATA_HELLO_LEN], xb[TG_XFER_HDR_LEN];

	tg_data_hello_encode(&h, buf);
	ck_assert_int_eq(memcmp(buf, "MXTH", 4), 0);
	ck_assert_uint_eq(buf[16], 0x08);	/* little-endian */
	ck_assert_int_eq(tg_data_hello_decode(buf, &g), 0);
	ck_assert_uint_eq(g.session, h.session);
	ck_assert_uint_eq(g.src, 3);
	ck_assert_uint_eq(g.dst, 1000);
	ck_assert_uint_eq(g.stream, 15);
	buf[6] = TG_MAX_STREAMS;		/* stream out of range */
	ck_assert_int_eq(tg_data_hello_decode(buf, &g), -EPROTO);
	buf[6] = 0;
	buf[4] = 1;				/* version 1 */
	ck_assert_int_eq(tg_data_hello_decode(buf, &g), -EPROTO);
	buf[4] = TG_PROTO_VERSION;
	ck_assert_int_eq(tg_data_hello_decode(buf, &g), 0);
	buf[0] = 'X';
	ck_assert_int_eq(tg_data_hello_decode(buf, &g), -EPROTO);

	tg_xfer_hdr_encode(&x, xb);
	ck_assert_int_eq(memcmp(xb, "MXTX", 4), 0);
	ck_assert_int_eq(tg_xfer_hdr_decode(xb, &y), 0);
	ck_assert_uint_eq(y.seq, 77);
	ck_assert_uint_eq(y.offset, (1ULL << 40) - TG_CHUNK);
	ck_assert_uint_eq(y.len, TG_CHUNK);
	/* refused: past the largest transfer, empty, over a chunk, unaligned,
	 * reserved bits, bad magic */
	x.offset += TG_CHUNK;
	x.len = 1;
	tg_xfer_hdr_encode(&x, xb);
	ck_assert_int_eq(tg_xfer_hdr_decode(xb, &y), -EPROTO);
	x = (struct tg_xfer_hdr){ .seq = 1, .offset = 0, .len = 0 };
	tg_xfer_hdr_encode(&x, xb);
	ck_assert_int_eq(tg_xfer_hdr_decode(xb, &y), -EPROTO);
	x.len = TG_CHUNK + 1;
	tg_xfer_hdr_encode(&x, xb);
	ck_assert_int_eq(tg_xfer_hdr_decode(xb, &y), -EPROTO);
	x = (struct tg_xfer_hdr){ .seq = 1, .offset = 4096, .len = 100 };
	tg_xfer_hdr_encode(&x, xb);
	ck_assert_int_eq(tg_xfer_hdr_decode(xb, &y), -EPROTO);
	x.offset = 2 * TG_CHUNK;
	tg_xfer_hdr_encode(&x, xb);
	ck_assert_int_eq(tg_xfer_hdr_decode(xb, &y), 0);
	xb[23] = 1;
	ck_assert_int_eq(tg_xfer_hdr_decode(xb, &y), -EPROTO);
	tg_xfer_hdr_encode(&x, xb);
	memcpy(xb, "MXTH", 4);
	ck_assert_int_eq(tg_xfer_hdr_decode(xb, &y), -EPROTO);
}
END_TEST

START_TEST(test_payload_offsets)
{
	uint64_t key = tg_payload_key(1, 2, 3, 4);
	unsigned char whole[1000], part[1000];
	size_t off, len;

	tg_payload_fill(key, 0, whole, sizeof(whole));
	/* any slice equals the same bytes of the whole stream */
	for (off = 0; off < 40; off++) {
		for (len = 0; len < 30; len += 7) {
			tg_payload_fill(key, off, part, len);
			ck_assert_int_eq(memcmp(part, whole + off, len), 0);
			ck_assert_int_eq(tg_payload_check(key, off, whole + off, len), -1);
		}
	}
	tg_payload_fill(key, 333, part, 600);
	ck_assert_int_eq(memcmp(part, whole + 333, 600), 0);
}
END_TEST

START_TEST(test_payload_detects)
{
	uint64_t key = tg_payload_key(9, 1, 0, 1);
	unsigned char *b = malloc(20000);

	tg_payload_fill(key, 5, b, 20000);
	ck_assert_int_eq(tg_payload_check(key, 5, b, 20000), -1);
	b[12345] ^= 1;
	ck_assert_int_eq(tg_payload_check(key, 5, b, 20000), 12345);
	b[12345] ^= 1;
	b[0] ^= 0x80;
	ck_assert_int_eq(tg_payload_check(key, 5, b, 20000), 0);
	b[0] ^= 0x80;
	/* shifted by one byte, another phase, another pair: all caught */
	ck_assert_int_ge(tg_payload_check(key, 6, b, 20000), 0);
	ck_assert_int_ge(tg_payload_check(tg_payload_key(9, 2, 0, 1), 5, b, 20000), 0);
	ck_assert_int_ge(tg_payload_check(tg_payload_key(9, 1, 1, 0), 5, b, 20000), 0);
	ck_assert_int_ge(tg_payload_check(tg_payload_key(8, 1, 0, 1), 5, b, 20000), 0);
	free(b);
}
END_TEST

static uint64_t sum_of(const void *b, size_t len)
{
	struct tg_sum s;

	tg_sum_init(&s);
	tg_sum_update(&s, b, len);
	return tg_sum_final(&s);
}

START_TEST(test_sum_incremental)
{
	unsigned char b[5000];
	uint64_t whole;
	size_t step, off;

	tg_payload_fill(tg_payload_key(1, 1, 1, 1), 0, b, sizeof(b));
	whole = sum_of(b, sizeof(b));
	/* any split gives the same checksum, also unaligned ones */
	for (step = 1; step < 40; step += 3) {
		struct tg_sum s;

		tg_sum_init(&s);
		for (off = 0; off < sizeof(b); off += step)
			tg_sum_update(&s, b + off, sizeof(b) - off < step ? sizeof(b) - off : step);
		ck_assert_uint_eq(tg_sum_final(&s), whole);
	}
	/* the length counts: trailing zero bytes change it */
	ck_assert_uint_ne(sum_of(b, 4096), sum_of(b, 4095));
	memset(b + 4000, 0, 8);
	ck_assert_uint_ne(sum_of(b, 4008), sum_of(b, 4004));
	ck_assert_uint_ne(sum_of("", 0), sum_of("\0", 1));
}
END_TEST

START_TEST(test_sum_detects)
{
	unsigned char b[4096], c[4096];
	uint64_t whole;
	size_t i;

	tg_payload_fill(tg_payload_key(3, 1, 0, 2), 0, b, sizeof(b));
	whole = sum_of(b, sizeof(b));
	/* every single-bit flip in the first words, and some further on */
	for (i = 0; i < 64 * 8; i++) {
		memcpy(c, b, sizeof(b));
		c[i / 8] ^= (unsigned char)(1u << (i % 8));
		ck_assert_uint_ne(sum_of(c, sizeof(c)), whole);
	}
	memcpy(c, b, sizeof(b));
	c[4095] ^= 0x80;
	ck_assert_uint_ne(sum_of(c, sizeof(c)), whole);
	/* two words swapped: same plain sum, different position weights */
	memcpy(c, b, sizeof(b));
	memcpy(c + 800, b + 808, 8);
	memcpy(c + 808, b + 800, 8);
	ck_assert_uint_ne(sum_of(c, sizeof(c)), whole);
}
END_TEST

/* Chunks in any order give the transfer's checksum; offsets count. */
START_TEST(test_sum_chunks)
{
	static unsigned char b[3 * 1000];
	struct tg_sum s[3], t;
	uint64_t key = tg_payload_key(5, 2, 1, 0), fwd = 0, rev = 0;
	int i;

	tg_payload_fill(key, 0, b, sizeof(b));
	for (i = 0; i < 3; i++) {
		tg_sum_init(&s[i]);
		tg_sum_update(&s[i], b + 1000 * i, 1000);
		fwd += tg_sum_chunk(1000 * (uint64_t)i, &s[i]);
	}
	for (i = 2; i >= 0; i--)
		rev += tg_sum_chunk(1000 * (uint64_t)i, &s[i]);
	ck_assert_uint_eq(fwd, rev);
	/* the same bytes claimed at another offset, or a chunk twice instead of another */
	ck_assert_uint_ne(tg_sum_chunk(0, &s[1]) + tg_sum_chunk(1000, &s[0]) +
			  tg_sum_chunk(2000, &s[2]), fwd);
	ck_assert_uint_ne(tg_sum_chunk(0, &s[0]) + tg_sum_chunk(1000, &s[0]) +
			  tg_sum_chunk(2000, &s[2]), fwd);
	/* a chunk's bytes split any way give the same contribution */
	tg_sum_init(&t);
	tg_sum_update(&t, b + 1000, 3);
	tg_sum_update(&t, b + 1003, 997);
	ck_assert_uint_eq(tg_sum_chunk(1000, &t), tg_sum_chunk(1000, &s[1]));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("trafgen_wire");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_hello_session);
	tcase_add_test(tc, test_phase_done);
	tcase_add_test(tc, test_error_and_simple);
	tcase_add_test(tc, test_decode_rejects);
	tcase_add_test(tc, test_sum_chunks);
	tcase_add_test(tc, test_data_headers);
	tcase_add_test(tc, test_payload_offsets);
	tcase_add_test(tc, test_payload_detects);
	tcase_add_test(tc, test_sum_incremental);
	tcase_add_test(tc, test_sum_detects);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(suite());
}
