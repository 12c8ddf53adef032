# Fake kernel parts for in-process daemons, linked into the daemon unit
# test and the reconfiguration benchmark (tools/bench/build.mk).
FAKE_KERNEL_OBJ := $(B)/obj/tests/lib/fake_kernel.o
$(B)/tests/unit/test_daemon: $(FAKE_KERNEL_OBJ)
