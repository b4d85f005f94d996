#!/usr/bin/env bash
# npm run bench:gobuild: what localcluster/lib/gobuild.sh's compiler settings save on a cold
# build, against plain `go build -p 2 -trimpath -ldflags "-s -w"` in the same run (the machines
# are shared: read the ratios). Needs `bash localcluster/setup.sh` once: it reuses the toolchain's
# wrapper modules, whose Go modules are then downloaded, so only compiling is timed. About 12
# minutes on 2 cores.
#   1. the random provider (localcluster/toolchain/random) from an empty build cache, baseline then ours;
#   2. pulumi-kubernetes's Go SDK package core/v1 alone (its dependencies cached), optimized
#      then unoptimized (-N -l), as localcluster/toolchain/build.sh compiles that SDK.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../localcluster/toolchain/env.sh
source "$repo/localcluster/toolchain/env.sh"
# shellcheck source=../localcluster/lib/gobuild.sh
source "$repo/localcluster/lib/gobuild.sh"
src="$MONSTERSTACK_PULUMI_TOOLCHAIN/src"
{ [ -f "$src/random/go.mod" ] && [ -f "$src/kubernetes/go.mod" ]; } || { echo "bench/gobuild.sh: run bash localcluster/setup.sh first (no $src)" >&2; exit 1; }
export GOWORK=off GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=0
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# timed <label> <command...>: runs it, prints wall and CPU seconds, sets $cpu.
timed() {
  local label=$1 t
  shift
  t="$( { TIMEFORMAT='%R %U %S'; time "$@" >/dev/null 2>&1; } 2>&1 | tail -n 1)"
  read -r wall user sys <<<"$t"
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.1f", u + s }')
  printf '%-58s wall %7.1f s   cpu %7.1f s\n' "$label" "$wall" "$cpu"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

cd "$src/random"
export GOCACHE="$scratch/cache-plain"
timed "random provider, plain go build, empty cache" go build -p 2 -trimpath -ldflags "-s -w" -o "$scratch/plain" .
plain=$cpu
export GOCACHE="$scratch/cache-ours"
timed "random provider, e2e_go_build, empty cache" e2e_go_build "$scratch/ours" . ""
ours=$cpu
sizes="binaries $(stat -c %s "$scratch/plain") and $(stat -c %s "$scratch/ours") bytes"
echo "random provider: e2e_go_build / plain = $(ratio "$ours" "$plain") of the CPU time ($sizes)"

cd "$src/kubernetes"
pkg=github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1
export GOCACHE="$scratch/cache-sdk"
rm -rf "$scratch/cache-plain" "$scratch/cache-ours"
# Its dependencies once, with the flags both timed builds share.
mapfile -t deps < <(go list -deps "$pkg" | grep -vx "$pkg")
GOGC=off GOMEMLIMIT=3GiB go build -trimpath -gcflags=all=-dwarf=false "${deps[@]}"
timed "sdk core/v1 alone, optimized" env GOGC=off GOMEMLIMIT=3GiB go build -trimpath -gcflags=all=-dwarf=false "$pkg"
optimized=$cpu
timed "sdk core/v1 alone, -N -l" env GOGC=off GOMEMLIMIT=3GiB go build -trimpath -gcflags=all=-dwarf=false "-gcflags=$pkg=-N -l -dwarf=false" "$pkg"
echo "pulumi-kubernetes SDK core/v1: -N -l / optimized = $(ratio "$cpu" "$optimized") of the CPU time"
