# SPDX-License-Identifier: GPL-2.0
# mixnet: one Makefile drives the kernel module, the BPF programs, the
# agent, the tools and the tests.  Parts add their userspace targets in
# their own build.mk fragments (included below).
#
#   make            build everything
#   make check      install missing packages, build, run every test tier
#   make demo       the end-to-end demonstration
#   make bench      the benchmarks
#   make sparse     sparse on the kernel module
#   make deps       install missing Debian packages (no-op when present)

.DEFAULT_GOAL := all
SHELL := /bin/bash
TOP := $(CURDIR)

# ---- kernel module ------------------------------------------------------
# Against the running kernel when it can load modules and has headers,
# otherwise against the newest Debian linux-headers-*-amd64 (the VM's).
ifeq ($(KDIR),)
  ifneq ($(wildcard /proc/modules),)
    KDIR := $(wildcard /lib/modules/$(shell uname -r)/build)
  endif
endif
ifeq ($(KDIR),)
  KDIR := $(shell ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1)
endif
KMOD := kmod/mixnet.ko

# ---- userspace ------------------------------------------------------------
CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool
PKGS := libbpf libmnl jansson inih libzmq
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wno-format-nonliteral
CFLAGS ?= -O2 -g
override CFLAGS += -std=c11 -D_GNU_SOURCE $(WARN) -MMD -MP \
	-Iinclude/uapi -Iinclude -Iagent -Ibuild/bpf $(PKG_CFLAGS)
LDLIBS += $(PKG_LIBS) -lelf -lz -lm -lpthread

B := build
AGENT := agent/mixnet-agent
# Everything in agent/ but the CLI front end is a library the agent, the
# tests and the tools link against.
AGENT_MAIN_SRC := agent/main.c $(wildcard agent/cmd_*.c)
AGENT_LIB_SRC := $(filter-out $(AGENT_MAIN_SRC),$(wildcard agent/*.c))
AGENT_LIB := $(B)/libmixnet.a

BPF_SRC := $(wildcard bpf/*.bpf.c)
BPF_OBJ := $(patsubst bpf/%.bpf.c,$(B)/bpf/%.bpf.o,$(BPF_SRC))
BPF_SKEL := $(patsubst bpf/%.bpf.c,$(B)/bpf/%.skel.h,$(BPF_SRC))

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(B)/tests/unit/%,$(UNIT_SRC))
BPFTEST_SRC := $(wildcard tests/bpf/test_*.c)
BPFTEST_BIN := $(patsubst tests/bpf/%.c,$(B)/tests/bpf/%,$(BPFTEST_SRC))

# Filled by the build.mk fragments.
TOOLS :=
BENCH :=

.PHONY: all deps kmod sparse bpf agent tools tests check demo bench clean \
	check-unit check-bpf check-vm check-e2e

all: kmod bpf agent tools tests

deps:
	@tools/deps

# ---- kernel ----------------------------------------------------------------
kmod: $(KMOD)
$(KMOD): $(wildcard kmod/*.c kmod/*.h kmod/Kbuild) Kbuild include/uapi/linux/mixnet.h
	@test -n "$(KDIR)" -a -f "$(KDIR)/Makefile" || { \
		echo "no kernel headers: install linux-headers-amd64 or set KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(TOP) W=1 modules

# sparse over every module source; any warning fails.
sparse:
	@out=$$($(MAKE) -s -C $(KDIR) M=$(TOP) W=1 C=2 modules 2>&1); rc=$$?; \
	warn=$$(echo "$$out" | grep -E 'warning:|error:' | grep -v 'due to unavailability of vmlinux'); \
	if [ $$rc -ne 0 ] || [ -n "$$warn" ]; then echo "$$out"; echo "sparse: FAILED" >&2; exit 1; fi; \
	echo "sparse: clean"

# ---- BPF -------------------------------------------------------------------
# CO-RE: vmlinux.h comes from the BTF of the kernel being targeted (the
# running kernel's, or MIXNET_BTF=path); the object runs on any BTF kernel.
MIXNET_BTF ?= /sys/kernel/btf/vmlinux
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror \
	-Ibuild/bpf -Ibpf -Iinclude -Iinclude/uapi

bpf: $(BPF_SKEL)
$(B)/bpf/vmlinux.h:
	@mkdir -p $(@D)
	$(BPFTOOL) btf dump file $(MIXNET_BTF) format c > $@.tmp && mv $@.tmp $@
$(B)/bpf/%.bpf.o: bpf/%.bpf.c $(B)/bpf/vmlinux.h $(wildcard bpf/*.h) include/mixnet_sampler.h
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@
$(B)/bpf/%.skel.h: $(B)/bpf/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@.tmp && mv $@.tmp $@

# ---- agent -----------------------------------------------------------------
$(B)/obj/%.o: %.c | $(BPF_SKEL)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(AGENT_LIB): $(patsubst %.c,$(B)/obj/%.o,$(AGENT_LIB_SRC))
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^

agent: $(AGENT)
$(AGENT): $(patsubst %.c,$(B)/obj/%.o,$(AGENT_MAIN_SRC)) $(AGENT_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# ---- tests -----------------------------------------------------------------
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null)
tests: $(UNIT_BIN) $(BPFTEST_BIN)
$(B)/tests/%: $(B)/obj/tests/%.o $(AGENT_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

# ---- parts' own targets ------------------------------------------------------
include $(sort $(wildcard */build.mk tools/*/build.mk tests/*/build.mk))

tools: $(TOOLS)

# ---- check / demo / bench ----------------------------------------------------
# Each tier writes PASS/FAIL lines to build/results/<tier>; the summary
# counts them.  A tier that cannot run fails (MIXNET_SKIP_VM=1 skips the
# VM tiers explicitly).
check: deps
	@$(MAKE) --no-print-directory all
	@tests/run-check

check-unit check-bpf check-vm check-e2e: check-%: all
	@tests/run-check $*

demo: deps
	@$(MAKE) --no-print-directory all
	@tools/demo

bench: deps
	@$(MAKE) --no-print-directory all
	@tools/bench/run

clean:
	-$(MAKE) -C $(KDIR) M=$(TOP) clean 2>/dev/null
	rm -rf $(B) $(AGENT) $(TOOLS)

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
