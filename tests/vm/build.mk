# vm tier helpers: C programs the t-ocs-*.sh scripts run inside the VM.
OCS_VM_BINS := $(B)/tests/vm/ocs_abi $(B)/tests/vm/ocs_carrier
TOOLS += $(OCS_VM_BINS)
