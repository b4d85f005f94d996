#!/usr/bin/env bash
# Builds the real node's binaries, from Go modules only, into
# ${MONSTERSTACK_E2E_CACHE:-$HOME/.cache/monsterstack-e2e}/k8s-<K8S_VERSION>/bin:
#
#   kubelet, kube-proxy   k8s.io/kubernetes/cmd/...: ../controlplane/build.sh with
#                         E2E_K8S_EXTRA_BINS (same wrapper module and flags as
#                         the control plane; builds the control plane too if needed)
#   coredns               gosrc/coredns/main.go + github.com/coredns/coredns
#                         (COREDNS_VERSION in versions.env; our plugin subset)
#   e2e-apiproxy          gosrc/apiproxy: TCP forwarder host veth -> API server
#   e2e-cri-clean         gosrc/cri-clean: removes every pod through CRI (stop.sh)
#
# Our three programs are built in one generated module <dir>/src/node (a copy of
# gosrc/ plus a go.mod requiring coredns, k8s.io/{api,apimachinery,client-go,
# cri-api} at the cluster's v0.<minor>.<patch>). Idempotent: stamps
# bin/.<name>.version (for ours: versions + a hash of gosrc/). Wall times are
# appended to <dir>/build-times.txt.
#
# Usage: bash localcluster/node/build.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../controlplane/versions.env"
source "$here/versions.env"
source "$here/../lib/gobuild.sh"
LOG_PREFIX=node/build.sh
source "$here/../lib/common.sh"

E2E_K8S_EXTRA_BINS="kubelet kube-proxy" bash "$here/../controlplane/build.sh"

dir="${MONSTERSTACK_E2E_CACHE:-$HOME/.cache/monsterstack-e2e}/k8s-$K8S_VERSION"
bin="$dir/bin"
mod="$dir/src/node"
staging="v0.${K8S_VERSION#*.}"
export GOTOOLCHAIN=local GOWORK=off GOFLAGS="${GOFLAGS:-} -mod=mod"

srchash="$(cd "$here/gosrc" && find . -type f -name '*.go' | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-12)"
spec="coredns-$COREDNS_VERSION k8s-$staging src-$srchash"
names=(coredns e2e-apiproxy e2e-cri-clean)
pkgs=(./coredns ./apiproxy ./cri-clean)
need=
for n in "${names[@]}"; do
  [ -x "$bin/$n" ] && [ "$(cat "$bin/.$n.version" 2>/dev/null)" = "$spec" ] || need=1
done
if [ -z "$need" ]; then
  log "${names[*]} ($spec): already built, skipping"
  exit 0
fi

if [ "$(cat "$mod/.spec" 2>/dev/null)" != "$spec" ]; then
  rm -rf "$mod"
  mkdir -p "$mod"
  cp -r "$here/gosrc/." "$mod/"
  printf 'module monsterstack.local/localcluster/node\n\ngo 1.24.0\n' >"$mod/go.mod"
  log "resolving modules (coredns v$COREDNS_VERSION, k8s.io/* $staging)"
  (cd "$mod" && go get "github.com/coredns/coredns@v$COREDNS_VERSION" "k8s.io/api@$staging" \
    "k8s.io/apimachinery@$staging" "k8s.io/client-go@$staging" "k8s.io/cri-api@$staging" 2>&1 | tail -n 3 >&2)
  echo "$spec" >"$mod/.spec"
fi
for i in "${!names[@]}"; do
  n=${names[$i]}
  log "$n: building"
  t0=$(date +%s)
  (cd "$mod" && e2e_go_build "$bin/.$n.tmp" "${pkgs[$i]}" "")
  mv -f "$bin/.$n.tmp" "$bin/$n"
  echo "$spec" >"$bin/.$n.version"
  t1=$(date +%s)
  log "$n: built in $((t1 - t0))s"
  printf '%s %s %ss\n' "$n" "$spec" "$((t1 - t0))" >>"$dir/build-times.txt"
done
ls -l "$bin" >&2
