#!/usr/bin/env bash
# Builds localcluster/storage/main.go, which runs minikube's hostPath provisioner
# (k8s.io/minikube/pkg/storage, imported as a Go module) as a host process, into
#
#   <dir>/bin/storage-provisioner
#   <dir> = ${MONSTERSTACK_E2E_CACHE:-$HOME/.cache/monsterstack-e2e}/storage-minikube-<MINIKUBE_VERSION>
#
# The Go module is generated under <dir>/src (main.go copied, go.mod written,
# then `go get k8s.io/minikube@v<version>` and `go mod tidy`); the repository
# holds no go.mod. Idempotent: skipped when <dir>/bin/.storage-provisioner.version
# matches "minikube v<version> main.go <sha256>". Prints the wall time.
#
# Usage: bash localcluster/storage/build.sh
# Needs: go (1.25 or newer, as minikube's go.mod says), the Go module proxy.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
# shellcheck source=../lib/gobuild.sh
source "$here/../lib/gobuild.sh"
LOG_PREFIX=storage/build.sh
# shellcheck source=../lib/common.sh
source "$here/../lib/common.sh"

dir="${MONSTERSTACK_E2E_CACHE:-$HOME/.cache/monsterstack-e2e}/storage-minikube-$MINIKUBE_VERSION"
bin="$dir/bin"
src="$dir/src"
export GOTOOLCHAIN=local GOWORK=off GOFLAGS="${GOFLAGS:-} -mod=mod"

stamp="minikube v$MINIKUBE_VERSION main.go $(sha256sum <"$here/main.go" | cut -c1-16)"
if [ -x "$bin/storage-provisioner" ] && [ "$(cat "$bin/.storage-provisioner.version" 2>/dev/null)" = "$stamp" ]; then
  log "storage-provisioner ($stamp): already built, skipping"
  exit 0
fi

t0=$(date +%s)
log "storage-provisioner ($stamp): resolving modules"
rm -rf "$src"
mkdir -p "$src" "$bin"
cp "$here/main.go" "$src/main.go"
printf 'module monsterstack.local/localcluster/storage\n\ngo 1.25.0\n' >"$src/go.mod"
(cd "$src" && go get "k8s.io/minikube@v$MINIKUBE_VERSION" && go mod tidy) >"$dir/resolve.log" 2>&1 ||
  { tail -n 20 "$dir/resolve.log" >&2; die "module resolution failed (log: $dir/resolve.log)"; }
log "building (minikube $(cd "$src" && go list -m -f '{{.Version}}' k8s.io/minikube)," \
  "$(cd "$src" && go list -m -f '{{.Path}} {{.Version}}' sigs.k8s.io/sig-storage-lib-external-provisioner/v6)," \
  "client-go $(cd "$src" && go list -m -f '{{.Version}}' k8s.io/client-go))"
(cd "$src" && e2e_go_build "$bin/.storage-provisioner.tmp" . "")
mv -f "$bin/.storage-provisioner.tmp" "$bin/storage-provisioner"
echo "$stamp" >"$bin/.storage-provisioner.version"
t1=$(date +%s)
log "storage-provisioner: built in $((t1 - t0))s: $bin/storage-provisioner"
printf 'storage-provisioner %s %ss\n' "$stamp" "$((t1 - t0))" >>"$dir/build-times.txt"
