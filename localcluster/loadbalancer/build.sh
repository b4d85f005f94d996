#!/usr/bin/env bash
# Builds MetalLB's controller (go.universe.tf/metallb/controller, as released: its own go.mod
# and go.sum) into ${MONSTERSTACK_E2E_CACHE:-~/.cache/monsterstack-e2e}/metallb-<version>/bin/metallb-controller.
# Idempotent: skipped when bin/.metallb-controller.version names the module. Prints the wall time.
# Usage: bash localcluster/loadbalancer/build.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
# shellcheck source=../lib/gobuild.sh
source "$here/../lib/gobuild.sh"
LOG_PREFIX=loadbalancer/build.sh
# shellcheck source=../lib/common.sh
source "$here/../lib/common.sh"

module="go.universe.tf/metallb@v$METALLB_VERSION"
bin="${MONSTERSTACK_E2E_CACHE:-$HOME/.cache/monsterstack-e2e}/metallb-$METALLB_VERSION/bin"
export GOTOOLCHAIN=local GOWORK=off GOFLAGS="${GOFLAGS:-} -mod=mod"
if [ -x "$bin/metallb-controller" ] && [ "$(cat "$bin/.metallb-controller.version" 2>/dev/null)" = "$module" ]; then
  log "metallb-controller ($module): already built, skipping"
  exit 0
fi
mkdir -p "$bin"
src="$(go mod download -json "$module" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[ -d "$src" ] || die "go mod download $module gave no source directory"
log "metallb-controller: building"
t0=$SECONDS
(cd "$src" && e2e_go_build "$bin/.metallb-controller.tmp" ./controller "")
# Its CustomResourceDefinitions, as released, beside it (start.sh applies them).
rm -rf "$bin/crds" && cp -r "$src/config/crd/bases" "$bin/crds" && chmod -R u+w "$bin/crds"
mv -f "$bin/.metallb-controller.tmp" "$bin/metallb-controller"
echo "$module" >"$bin/.metallb-controller.version"
log "metallb-controller: built in $((SECONDS - t0))s"
