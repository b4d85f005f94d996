#!/usr/bin/env bash
# npm run bench:cloud: what `--cloud` (localcluster/loadbalancer, a WaitForFirstConsumer class) costs.
#   1. Cold build: MetalLB's controller, against minikube's storage provisioner (the baseline), each from
#      an empty Go build cache and an empty module cache (modules downloaded from the proxy).
#   2. Start and idle CPU: the plain cluster, then the --cloud one (up.sh), each left idle (no stack) for
#      20 s, then the CPU its processes use over 60 s (every process whose executable is in the cache, and
#      the node's containerd, shims and runc).
# Read the ratios: the machines are shared. About 10 minutes on 2 cores. Needs root and setup.sh done.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
bash localcluster/setup.sh >/dev/null
# shellcheck source=../localcluster/toolchain/env.sh
source localcluster/toolchain/env.sh
cache="${MONSTERSTACK_E2E_CACHE:-$HOME/.cache/monsterstack-e2e}"
scratch="$(mktemp -d)"
state=
trap '[ -z "$state" ] || bash localcluster/down.sh "$state" >/dev/null 2>&1; chmod -R u+w "$scratch" 2>/dev/null; rm -rf "$scratch"' EXIT

# cold <label> <build.sh>: the build from empty caches, into a scratch cache dir; prints wall and CPU s.
cold() {
  local label=$1 t
  rm -rf "$scratch/go" && mkdir -p "$scratch/go"
  t="$( { TIMEFORMAT='%R %U %S'; time env MONSTERSTACK_E2E_CACHE="$scratch/out" GOCACHE="$scratch/go/cache" \
    GOMODCACHE="$scratch/go/mod" bash "$2" >/dev/null 2>&1; } 2>&1 | tail -n 1)"
  read -r wall user sys <<<"$t"
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.1f", u + s }')
  printf '%-52s wall %6.1f s   cpu %6.1f s\n' "$label" "$wall" "$cpu"
  chmod -R u+w "$scratch/go" && rm -rf "$scratch/go" "$scratch/out"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
idle_plain=0 idle_cloud=0

cold "cold build: minikube's storage provisioner (baseline)" localcluster/storage/build.sh
base=$cpu
cold "cold build: MetalLB's controller" localcluster/loadbalancer/build.sh
echo "MetalLB's controller / storage provisioner, cold: $(ratio "$cpu" "$base") of the CPU time"

# The CPU seconds (user + system) the cluster's processes used over SECONDS.
cluster_cpu() {
  python3 - "$cache" "$1" <<'PY'
import os, re, sys, time
cache, seconds = sys.argv[1], float(sys.argv[2])
tick = os.sysconf("SC_CLK_TCK")
ours = re.compile(r"^/usr/s?bin/(containerd|containerd-shim\S*|runc)$")
def sample():
    total = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            exe = os.readlink(f"/proc/{pid}/exe")
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if exe.startswith(cache + "/") or ours.match(exe):
            total[pid] = (int(fields[11]) + int(fields[12])) / tick
    return total
before = sample(); time.sleep(seconds); after = sample()
print(f"{sum(v - before.get(p, 0) for p, v in after.items()):.1f}")
PY
}
for mode in plain cloud; do
  state="$(mktemp -d "${TMPDIR:-/tmp}/monsterstack-bench-cloud.XXXXXX")"
  flag=
  [ "$mode" = plain ] || flag=--cloud
  t0=$(date +%s.%N)
  E2E_NODE_SLOT=1 bash localcluster/up.sh $flag "$state" >/dev/null 2>"$scratch/up.log" || { tail -n 20 "$scratch/up.log" >&2; exit 1; }
  started=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  sleep 20
  used=$(cluster_cpu 60)
  printf '%-6s cluster: up.sh %5.1f s; idle: %5.1f CPU s in 60 s (%4.1f%% of one core)\n' "$mode" "$started" "$used" "$(awk -v u="$used" 'BEGIN { print u / 60 * 100 }')"
  if [ "$mode" = plain ]; then idle_plain=$used; else idle_cloud=$used; fi
  bash localcluster/down.sh "$state" >/dev/null 2>&1
  state=
done
echo "idle CPU, --cloud / plain: $(ratio "$idle_cloud" "$idle_plain")"
