# vm tier helpers: C programs the t-ocs-*.sh scripts run inside the VM.
OCS_VM_BINS := $(B)/tests/vm/ocs_abi $(B)/tests/vm/ocs_carrier
TOOLS += $(OCS_VM_BINS)
# netdev (t-netdev-*.sh and tools/bench/b-netdev.sh)
NETDEV_VM_BINS := $(B)/tests/vm/netdev_nl $(B)/tests/vm/netdev_pkt
TOOLS += $(NETDEV_VM_BINS)
# The region controller on the simulated OCS (t-agent-ocs.sh).
TOOLS += $(B)/tests/vm/agent_ocs
# The host agent's fabric backend on a real mixnet0 (t-agent-fabric.sh).
TOOLS += $(B)/tests/vm/agent_fabric
