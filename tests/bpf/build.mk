# The bpf tier's traffic helper: sends and receives known numbers of bytes
# (also used by the vm tier and the benchmarks).
TOOLS += $(B)/tests/bpf/sendrecv
