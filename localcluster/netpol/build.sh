#!/usr/bin/env bash
# Builds kube-router, whose network policy controller enforces the local cluster's
# NetworkPolicies, from its Go module (version in versions.env) into
# ${MONSTERSTACK_E2E_CACHE:-$HOME/.cache/monsterstack-e2e}/kube-router-<version>/bin.
# Built in the module's own directory, with its own go.sum. Idempotent (bin/.kube-router.version).
#
# Usage: bash localcluster/netpol/build.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
# shellcheck source=../lib/gobuild.sh
source "$here/../lib/gobuild.sh"
LOG_PREFIX=netpol/build.sh
# shellcheck source=../lib/common.sh
source "$here/../lib/common.sh"
e2e_build_released kube-router "github.com/cloudnativelabs/kube-router/v2@v$KUBE_ROUTER_VERSION" ./cmd/kube-router \
  "${MONSTERSTACK_E2E_CACHE:-$HOME/.cache/monsterstack-e2e}/kube-router-$KUBE_ROUTER_VERSION/bin"
