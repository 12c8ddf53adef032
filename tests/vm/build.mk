# vm tier helpers: C programs the t-ocs-*.sh scripts run inside the VM.
OCS_VM_BINS := $(B)/tests/vm/ocs_abi $(B)/tests/vm/ocs_carrier
TOOLS += $(OCS_VM_BINS)
# The region controller on the simulated OCS (t-agent-ocs.sh).
TOOLS += $(B)/tests/vm/agent_ocs
