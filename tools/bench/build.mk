# Benchmark helpers (run by tools/bench/b-*.sh).
TOOLS += $(B)/tools/bench/ocs_apply_lat
$(B)/tools/bench/ocs_apply_lat: $(B)/obj/tools/bench/ocs_apply_lat.o $(AGENT_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
# netdev benchmark (b-netdev.sh)
TOOLS += $(B)/tools/bench/netdev_blast
$(B)/tools/bench/netdev_blast: $(B)/obj/tools/bench/netdev_blast.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^

PLANNER_BENCH := $(B)/bench/planner-bench
TOOLS += $(PLANNER_BENCH)
$(PLANNER_BENCH): $(B)/obj/tools/bench/planner-bench.o $(AGENT_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

TOOLS += $(B)/tools/bench/agent_reconfig
$(B)/tools/bench/agent_reconfig: $(B)/obj/tools/bench/agent_reconfig.o \
		$(B)/obj/tests/lib/fake_kernel.o $(AGENT_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
