#!/usr/bin/env bash
# Builds MetalLB's controller (go.universe.tf/metallb/controller, as released: its own go.mod
# and go.sum) into ${MONSTERSTACK_E2E_CACHE:-~/.cache/monsterstack-e2e}/metallb-<version>/bin/metallb-controller,
# with its CustomResourceDefinitions beside it (bin/crds, from the same module; start.sh applies them).
# Idempotent (bin/.metallb-controller.version). Usage: bash localcluster/loadbalancer/build.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
# shellcheck source=../lib/gobuild.sh
source "$here/../lib/gobuild.sh"
LOG_PREFIX=loadbalancer/build.sh
# shellcheck source=../lib/common.sh
source "$here/../lib/common.sh"
bin="${MONSTERSTACK_E2E_CACHE:-$HOME/.cache/monsterstack-e2e}/metallb-$METALLB_VERSION/bin"
e2e_build_released metallb-controller "go.universe.tf/metallb@v$METALLB_VERSION" ./controller "$bin"
[ -d "$bin/crds" ] || { cp -r "$src/config/crd/bases" "$bin/.crds.tmp" && chmod -R u+w "$bin/.crds.tmp" && mv "$bin/.crds.tmp" "$bin/crds"; }
