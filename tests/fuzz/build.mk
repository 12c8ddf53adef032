# Coverage-guided fuzzing of the region protocol decoder (libFuzzer, clang).
# Not part of `make`: `make fuzz` builds, `make fuzz-run` runs for
# FUZZ_SECONDS (default 60) from a corpus seeded with one frame per
# message type; crashes land in build/fuzz/.
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS := -g -O1 -std=c11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -Iinclude/uapi -Iinclude -Iagent

.PHONY: fuzz fuzz-run

fuzz: $(B)/fuzz/fuzz_proto $(B)/fuzz/proto_seeds

$(B)/fuzz/fuzz_proto: tests/fuzz/fuzz_proto.c agent/proto.c agent/proto.h $(AGENT_LIB)
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) tests/fuzz/fuzz_proto.c agent/proto.c -o $@ \
		$(AGENT_LIB) $(PKG_LIBS) -lelf -lz -lm -lpthread

$(B)/fuzz/proto_seeds: tests/fuzz/proto_seeds.c $(AGENT_LIB)
	@mkdir -p $(@D)
	$(CC) $(filter-out -MMD -MP,$(CFLAGS)) $< -o $@ $(AGENT_LIB) $(LDLIBS)

fuzz-run: fuzz
	@mkdir -p $(B)/fuzz/corpus/proto
	$(B)/fuzz/proto_seeds $(B)/fuzz/corpus/proto
	cd $(B)/fuzz && ./fuzz_proto -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
		-print_final_stats=1 corpus/proto
