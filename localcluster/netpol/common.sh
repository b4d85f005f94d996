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
exited() { # has the recorded pid ended, rather than run kube-router or be on its way to exec it?
  # One read: the pid runs a forked bash, then setsid, then nsenter, then kube-router, and two reads
  # (is it kube-router? is it still one of those?) could straddle the last exec (run CB).
  local exe
  exe="$(readlink "${PROC_ROOT:-/proc}/$(netpol_pid)/exe" 2>/dev/null)" || return 0
  case "$(basename "$exe")" in bash|setsid|nsenter|kube-router) return 1 ;; *) return 0 ;; esac
}
# What kube-router's network policy controller adds in the node's network namespace: the
# jumps it puts in INPUT, FORWARD and OUTPUT (commented "kube-router netpol"), its chains, its ipsets.
OWN_CHAINS='KUBE-(ROUTER|NWPLCY|POD-FW)-'
OWN_SETS='^(KUBE-(SRC|DST)-|kube-router)'
own_rules() { [ -e "/run/netns/$NETNS" ] && nsn iptables-save -t filter | grep -E "kube-router netpol|^:$OWN_CHAINS"; }
own_sets() { [ -e "/run/netns/$NETNS" ] && nsn ipset list -n | grep -E "$OWN_SETS"; }
