#!/usr/bin/env bash
# Builds kube-router, whose network policy controller enforces the local cluster's
# NetworkPolicies, from its Go module (version in versions.env) into
# ${MONSTERSTACK_E2E_CACHE:-$HOME/.cache/monsterstack-e2e}/kube-router-<version>/bin.
# Built in the module's own directory, with its own go.sum. Idempotent (bin/.kube-router.version).
#
# Usage: bash localcluster/netpol/build.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/versions.env"
source "$here/../lib/gobuild.sh"
LOG_PREFIX=netpol/build.sh
source "$here/../lib/common.sh"

module="github.com/cloudnativelabs/kube-router/v2@v$KUBE_ROUTER_VERSION"
bin="${MONSTERSTACK_E2E_CACHE:-$HOME/.cache/monsterstack-e2e}/kube-router-$KUBE_ROUTER_VERSION/bin"
export GOTOOLCHAIN=local GOWORK=off GOFLAGS="${GOFLAGS:-} -mod=mod"
if [ -x "$bin/kube-router" ] && [ "$(cat "$bin/.kube-router.version" 2>/dev/null)" = "$module" ]; then
  log "kube-router ($module): already built, skipping"
  exit 0
fi
mkdir -p "$bin"
src="$(go mod download -json "$module" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[ -d "$src" ] || die "go mod download $module gave no source directory"
log "kube-router: building"
t0=$SECONDS
(cd "$src" && e2e_go_build "$bin/.kube-router.tmp" ./cmd/kube-router "")
mv -f "$bin/.kube-router.tmp" "$bin/kube-router"
echo "$module" >"$bin/.kube-router.version"
log "kube-router: built in $((SECONDS - t0))s"
