#!/usr/bin/env bash
# npm run bench:netpol: what NetworkPolicy enforcement (localcluster/netpol, kube-router) costs at idle, against
# kube-proxy in the same window: the CPU seconds each took over 60 s, with a class of 2
# (tenancy on, so their policies are loaded) deployed and no traffic. On the cluster of
# STATEDIR if given and running, else on one it starts (localcluster/setup.sh first) and stops.
#
# Usage: bash bench/netpol.sh [STATEDIR]        (root)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
state="${1:-}"
if [ -z "$state" ]; then
  bash localcluster/setup.sh >/dev/null
  state="$(mktemp -d "${TMPDIR:-/tmp}/monsterstack-bench-netpol.XXXXXX")"
  trap 'bash "$repo/localcluster/down.sh" "$state" >/dev/null 2>&1 || true' EXIT
  E2E_NODE_SLOT=1 bash localcluster/up.sh "$state" >/dev/null # the e2e suite's slot: npm start's may run
fi
# shellcheck source=../localcluster/toolchain/env.sh
source localcluster/toolchain/env.sh
# shellcheck source=/dev/null # written by localcluster/up.sh at run time
source "$state/env"
export PULUMI_CONFIG_PASSPHRASE=monsterstack-bench-passphrase PULUMI_BACKEND_URL="file://$state/bench-state"
mkdir -p "$state/bench-state"
printf 'np1\nnp2\n' >"$state/bench-roster.txt"
images=(--config "redisImage=$E2E_REDIS_IMAGE" --config redisImagePullPolicy=Never --config "frontendImage=$E2E_FRONTEND_IMAGE"
  --config frontendImagePullPolicy=Never --config "imagebackendImage=$E2E_IMAGEBACKEND_IMAGE" --config imagebackendImagePullPolicy=Never)
npm run --silent build
npm run --silent class -- up --roster "$state/bench-roster.txt" --config tenancy=on "${images[@]}" --out "$state/bench-kubeconfigs" >/dev/null 2>&1
sleep 10

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; } # utime + stime, clock ticks
pid_of() { awk -v n="$1" '$1 == n { print $2 }' "$state/node/pids" | tail -n1; }
netpol=$(awk '$1 == "kube-router" { print $2 }' "$state/netpol/pids" | tail -n1) proxy=$(pid_of kube-proxy) kubelet=$(pid_of kubelet)
hz=$(getconf CLK_TCK) window=60
a=("$(ticks "$netpol")" "$(ticks "$proxy")" "$(ticks "$kubelet")")
sleep "$window"
b=("$(ticks "$netpol")" "$(ticks "$proxy")" "$(ticks "$kubelet")")
cpu() { awk -v d="$1" -v hz="$hz" -v w="$window" 'BEGIN { printf "%6.2f CPU s (%5.2f%% of one core)", d / hz, 100 * d / hz / w }'; }
echo "idle CPU over ${window} s, a class of 2 with tenancy on, no traffic ($(nproc) cores):"
echo "  kube-router (network policies)     $(cpu $((b[0] - a[0])))"
echo "  kube-proxy                         $(cpu $((b[1] - a[1])))"
echo "  kubelet                            $(cpu $((b[2] - a[2])))"
awk -v n=$((b[0] - a[0])) -v p=$((b[1] - a[1])) 'BEGIN { if (p > 0) printf "  kube-router / kube-proxy: %.2fx\n", n / p }'
npm run --silent class -- down --roster "$state/bench-roster.txt" >/dev/null 2>&1 || true
rm -f Pulumi.np1.yaml Pulumi.np2.yaml
