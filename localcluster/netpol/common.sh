# shellcheck shell=bash
# shellcheck disable=SC2034 # used by netpol/start.sh and netpol/stop.sh
# Paths and checks shared by netpol/start.sh and netpol/stop.sh (after ../node/common.sh).
netpol_paths() { # STATEDIR
  use_slot "$1" # its node's network namespace and Service range (../lib/slot.sh)
  dir="$1/netpol"
  netpol_bin="${MONSTERSTACK_E2E_CACHE:-$HOME/.cache/monsterstack-e2e}/kube-router-$KUBE_ROUTER_VERSION/bin/kube-router"
}
netpol_pid() { awk '$1 == "kube-router" { pid = $2 } END { print pid }' "$dir/pids" 2>/dev/null; }
running() { procs running "$dir/pids" kube-router >/dev/null; } # is the recorded pid still kube-router?
still_execing() { # is the recorded pid still on its way to exec kube-router?
  local exe
  exe="$(readlink "/proc/$(netpol_pid)/exe" 2>/dev/null)" || return 1
  # The background job is a forked bash until it execs setsid (a loaded machine shows it), then nsenter.
  case "$(basename "$exe")" in bash|setsid|nsenter) return 0 ;; *) return 1 ;; esac
}
# What kube-router's network policy controller adds in the node's network namespace: the
# jumps it puts in INPUT, FORWARD and OUTPUT (commented "kube-router netpol"), its chains, its ipsets.
OWN_CHAINS='KUBE-(ROUTER|NWPLCY|POD-FW)-'
OWN_SETS='^(KUBE-(SRC|DST)-|kube-router)'
own_rules() { [ -e "/run/netns/$NETNS" ] && nsn iptables-save -t filter | grep -E "kube-router netpol|^:$OWN_CHAINS"; }
own_sets() { [ -e "/run/netns/$NETNS" ] && nsn ipset list -n | grep -E "$OWN_SETS"; }
