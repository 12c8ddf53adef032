# tools/bench: benchmark helper programs (the b-*.sh scripts run them).
PLANNER_BENCH := $(B)/bench/planner-bench
TOOLS += $(PLANNER_BENCH)

$(PLANNER_BENCH): $(B)/obj/tools/bench/planner-bench.o $(AGENT_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
