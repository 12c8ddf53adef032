# The sampler's benchmark helper (tools/bench/b-bpf.sh): program cost via
# BPF_PROG_TEST_RUN and the agent's cost of reading the peer table.
TOOLS += $(B)/tools/bench/bpf_cost
$(B)/tools/bench/bpf_cost: $(B)/obj/tools/bench/bpf_cost.o $(AGENT_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
