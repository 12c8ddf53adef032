# tools/sim: mixnet-sim, the cluster-scale fabric simulator.  Everything
# but main.c is also a library (build/libmixnet-sim.a) for the unit tests;
# it uses the agent's planner from build/libmixnet.a.
SIM := tools/mixnet-sim
SIM_LIB := $(B)/libmixnet-sim.a
SIM_LIB_SRC := $(filter-out tools/sim/main.c,$(wildcard tools/sim/*.c))
SIM_TEST_BIN := $(patsubst tests/unit/%.c,$(B)/tests/unit/%,$(wildcard tests/unit/test_sim*.c))
TOOLS += $(SIM)

$(SIM_LIB): $(patsubst %.c,$(B)/obj/%.o,$(SIM_LIB_SRC))
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^

$(SIM): $(B)/obj/tools/sim/main.o $(SIM_LIB) $(AGENT_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# the sim tests link the simulator library before the agent's
$(patsubst $(B)/tests/%,$(B)/obj/tests/%.o,$(SIM_TEST_BIN)): CPPFLAGS += -Itools/sim
$(SIM_TEST_BIN): $(SIM_LIB)
$(SIM_TEST_BIN): LDLIBS := $(SIM_LIB) $(AGENT_LIB) $(LDLIBS)
