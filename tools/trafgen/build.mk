# mixnet-trafgen: MoE all-to-all traffic generator (Documentation/trafgen.md).
# Its pure logic (workload model, payload, protocol codec, verification,
# report, host lists, value parsers) is a small library that the unit
# tests (tests/unit/test_trafgen_*.c) link as well.
TRAFGEN := tools/mixnet-trafgen
TRAFGEN_LIB := $(B)/tools/trafgen/libtrafgen.a
TRAFGEN_LIB_SRC := $(addprefix tools/trafgen/,hosts.c workload.c matrix_file.c payload.c wire.c verify.c \
	report.c options.c)
TRAFGEN_SRC := $(addprefix tools/trafgen/,main.c cmd_matrix.c server.c driver.c netio.c \
	announce.c)
TOOLS += $(TRAFGEN)

$(TRAFGEN_LIB): $(patsubst %.c,$(B)/obj/%.o,$(TRAFGEN_LIB_SRC))
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^

$(TRAFGEN): $(patsubst %.c,$(B)/obj/%.o,$(TRAFGEN_SRC)) $(TRAFGEN_LIB) $(AGENT_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Unit tests of that library: its headers and the archive.
TRAFGEN_TESTS := $(patsubst tests/unit/%.c,$(B)/tests/unit/%,$(wildcard tests/unit/test_trafgen_*.c))
$(patsubst $(B)/tests/unit/%,$(B)/obj/tests/unit/%.o,$(TRAFGEN_TESTS)): override CFLAGS += -Itools/trafgen
$(TRAFGEN_TESTS): $(TRAFGEN_LIB)
# matrix_file.c (in libtrafgen.a) reads with the planner's parser in
# libmixnet.a, which the link must therefore see again after libtrafgen.a.
$(TRAFGEN_TESTS): override LDLIBS := $(AGENT_LIB) $(LDLIBS)
