# shellcheck shell=bash
# shellcheck disable=SC2034 # the names below are used by the scripts that source this file
# The machine-side names and addresses of a local cluster's real node. A machine runs two real
# nodes at once, one per slot: slot 0 is npm start's, slot 1 the e2e suite's (e2e/run.sh), so the
# suite runs while a newcomer's npm start does. Each slot has its own network namespace, veth,
# addresses, Service range and load balancers' pool, its own containerd directory, cgroup root
# and lock. A cluster keeps the slot it was created in (STATEDIR/slot, written by up.sh from
# E2E_NODE_SLOT): its Services' addresses are in etcd.
#
#   use_slot STATEDIR   sets SLOT and the names below for that cluster (slot 0 if it has none)
#   record_slot STATEDIR  a new cluster's slot: E2E_NODE_SLOT, else 0
use_slot() {
  SLOT="$(cat "$1/slot" 2>/dev/null || echo 0)"
  case "$SLOT" in
    #  network namespace      host end of the veth; host and node addresses (a /30)   pods                     Services                    load balancers (--cloud)
    0) NETNS=monsterstack-node  HOST_IF=msnode0 HOST_IP=10.200.0.1 NODE_IP=10.200.0.2 POD_CIDR=10.201.0.0/24 SERVICE_CIDR=10.96.0.0/12  LB_POOL=10.200.1.0/24 ;;
    1) NETNS=monsterstack-node1 HOST_IF=msnode1 HOST_IP=10.200.0.5 NODE_IP=10.200.0.6 POD_CIDR=10.201.1.0/24 SERVICE_CIDR=10.112.0.0/12 LB_POOL=10.200.2.0/24 ;;
    *) echo "slot.sh: $1/slot says '$SLOT': a slot is 0 (npm start's) or 1 (the e2e suite's)" >&2; return 1 ;;
  esac
  local suffix=${SLOT#0}
  RUN_DIR=/run/monsterstack-e2e-node$suffix          # containerd socket, runc state
  LOCK=/run/monsterstack-e2e-node$suffix.lock        # flock; holds the STATEDIR
  CGROUP_ROOT=/monsterstack-e2e-node$suffix          # kubelet cgroupRoot, in every v1 hierarchy
  KUBERNETES_SERVICE_IP="${SERVICE_CIDR%.0.0/*}.0.1" # Service default/kubernetes: the range's first address
}
record_slot() {
  case "${E2E_NODE_SLOT:-0}" in
    0 | 1) echo "${E2E_NODE_SLOT:-0}" >"$1/slot" ;;
    *) echo "slot.sh: E2E_NODE_SLOT=$E2E_NODE_SLOT: a slot is 0 (npm start's) or 1 (the e2e suite's)" >&2; return 1 ;;
  esac
}
# The locks of every slot: the host's settings are restored when the last node stops (node/common.sh).
ALL_SLOT_LOCKS=(/run/monsterstack-e2e-node.lock /run/monsterstack-e2e-node1.lock)
