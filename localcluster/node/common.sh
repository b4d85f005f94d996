# shellcheck shell=bash
# shellcheck disable=SC2034 # the names below are used by node/start.sh and node/stop.sh
# Names, addresses and helpers shared by node/start.sh and node/stop.sh (with
# log, die and k from ../lib/common.sh, which this file sources; the caller sets
# LOG_PREFIX). The host-side names and addresses are the cluster's slot's (../lib/slot.sh,
# set by node_paths): two real nodes, one per slot, run side by side on a machine.
# shellcheck source=../lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
# shellcheck source=../lib/slot.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/slot.sh"
# shellcheck source=../lib/waits.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/waits.sh"
APIPROXY_PORT=6443
REAL_NODE_NAME="${E2E_REAL_NODE_NAME:-e2e-node}"
KWOK_TAINT=kwok.x-k8s.io/node=fake:NoSchedule
OWNER_LABEL=monsterstack.local/e2e-node # marks cluster objects start.sh made
RUNC="$(command -v runc || echo /usr/sbin/runc)"
CNI_BIN_DIR=/usr/lib/cni               # Debian's containernetworking-plugins
KUBECTL="${KUBECTL:-kubectl}"
# Host-wide sysctls the kubelet sets (vm.overcommit_memory=1, kernel.panic=10,
# kernel.panic_on_oops=1, and the others if they differ); saved by the first node to start and
# restored by the last to stop (HOST_SAVED).
SYSCTLS=(vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops
  kernel.keys.root_maxkeys kernel.keys.root_maxbytes)
# Paths created outside STATEDIR whatever the configuration (containerd 1.6 shim
# sockets, the kubelet's device-plugin socket and /var/log/containers links,
# libcni's result cache); removed by the last node's stop.sh if absent before, and empty.
HOST_PATHS=(/run/containerd /var/lib/kubelet /var/log/containers /var/log/pods /var/lib/cni)
# What the host was like before the first of the nodes started (sysctls, absent paths), and the
# lock that lets one node at a time save or restore it.
HOST_SAVED=/run/monsterstack-host
HOST_LOCK=/run/monsterstack-host.lock

node_paths() { # STATEDIR: its node's directory, binaries and kubeconfig, and its slot's names
  node="$1/node"
  procs_dir=$node
  bin="${MONSTERSTACK_E2E_CACHE:-$HOME/.cache/monsterstack-e2e}/k8s-$K8S_VERSION/bin"
  kc="$1/kubeconfig"
  use_slot "$1"
  DNS_IP="$NODE_IP"
}
nsn() { nsenter --net="/run/netns/$NETNS" "$@"; } # the network namespace only
lock_holders() { find /proc/[0-9]*/fd -maxdepth 1 -lname "$LOCK" 2>/dev/null | cut -d/ -f3 | sort -un | tr '\n' ' '; }
cgroup_v1_dirs() { awk '$3 == "cgroup" { print $2 }' /proc/self/mounts; }
clean_stale() { # leftovers of a node whose STATEDIR is gone (with the lock held: unused)
  if [ -e "/run/netns/$NETNS" ] || ip link show "$HOST_IF" >/dev/null 2>&1; then
    log "removing the stale network namespace $NETNS of a node that was not stopped"
    ip netns del "$NETNS" 2>/dev/null || true
    ip link del "$HOST_IF" 2>/dev/null || true
  fi
  for h in $(cgroup_v1_dirs); do
    [ ! -d "$h$CGROUP_ROOT" ] || find "$h$CGROUP_ROOT" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
  return 0
}
render() { # template output: ${VAR} from the environment; unknown names fail
  python3 -c 'import os, string, sys
sys.stdout.write(string.Template(open(sys.argv[1]).read()).substitute(os.environ))' "$1" >"$2"
}

# run host|node NAME CMD...: detached (own session), logs/NAME.log, pid recorded.
# NAME must be the executable's basename (stop.sh checks /proc/PID/exe).
run() {
  local where=$1 name=$2
  shift 2
  if [ "$where" = node ]; then set -- nsenter --net="/run/netns/$NETNS" "$@"; fi
  setsid "$@" >"$node/logs/$name.log" 2>&1 </dev/null &
  echo "$name $!" >>"$node/pids"
  log "$name started (pid $!, $where network namespace)"
}
