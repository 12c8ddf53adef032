// SPDX-License-Identifier: GPL-2.0
/*
 * Writes one valid frame of each protocol message type into DIR, the
 * starting corpus of fuzz_proto.  Usage: proto_seeds DIR
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "proto.h"

static void build(struct mnp_msg *m, uint16_t type)
{
	static const char *const cols[] = { "h0", "h1", "h2" };
	uint64_t row[] = { 0, 1000, 20 };
	struct mnp_circuit c = { .nic = "ens1f0", .peer = "h1", .peer_nic = "ens1f1", .changed = true };
	struct mnp_lower l = { .nic = "ens1f0", .optical = true, .carrier = true, .has_lladdr = true };

	memset(m, 0, sizeof(*m));
	m->type = type;
	m->seq = 1;
	l.peer.family = AF_INET;
	inet_pton(AF_INET, "198.18.0.2", l.peer.a);
	switch (type) {
	case MNP_HELLO:
		strcpy(m->host, "h0");
		strcpy(m->region, "rack7");
		strcpy(m->agent, "0.1.0");
		mnp_add_lower(m, &l);
		break;
	case MNP_WELCOME:
		strcpy(m->region, "rack7");
		m->plan_id = 7;
		m->epoch_ms = 100;
		break;
	case MNP_DEMAND:
		m->epoch = 3;
		m->source = MNP_SRC_MEASURED;
		m->has_layer = true;
		mnp_set_columns(m, 3, cols);
		mnp_add_row(m, 1, row);
		break;
	case MNP_STEP:
		m->plan_id = 7;
		m->step = MNP_STEP_DRAIN;
		m->timeout_ms = 100;
		mnp_add_drain(m, "ens1f0");
		mnp_add_circuit(m, &c);
		break;
	case MNP_ACK:
		m->plan_id = 7;
		m->step = MNP_STEP_CONFIRM;
		strcpy(m->message, "ok");
		mnp_add_lower(m, &l);
		break;
	case MNP_REJECT:
		m->version = MNP_VERSION;
		m->status = -22;
		strcpy(m->message, "no");
		break;
	}
}

int main(int argc, char **argv)
{
	unsigned int t;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	for (t = MNP_HELLO; t < __MNP_TYPE_MAX; t++) {
		struct mnp_msg m;
		char path[4096];
		void *buf;
		size_t len;
		FILE *f;

		build(&m, (uint16_t)t);
		if (mnp_encode(&m, &buf, &len, NULL)) {
			fprintf(stderr, "cannot encode %s\n", mnp_type_name(t));
			return 1;
		}
		snprintf(path, sizeof(path), "%s/seed-%s", argv[1], mnp_type_name(t));
		f = fopen(path, "wb");
		if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
			perror(path);
			return 1;
		}
		free(buf);
		mnp_msg_free(&m);
	}
	return 0;
}
