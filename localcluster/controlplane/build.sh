#!/usr/bin/env bash
# Builds, from Go modules only, the binaries of the local e2e control plane:
#
#   <dir>/bin/etcd                     go.etcd.io/etcd/server/v3        (ETCD_VERSION)
#   <dir>/bin/kube-apiserver           k8s.io/kubernetes/cmd/...         (K8S_VERSION)
#   <dir>/bin/kube-controller-manager  k8s.io/kubernetes/cmd/...
#   <dir>/bin/kube-scheduler           k8s.io/kubernetes/cmd/...
#   <dir>/bin/kwok                     sigs.k8s.io/kwok/cmd/kwok        (KWOK_VERSION)
#   and, with E2E_K8S_EXTRA_BINS="kubelet kube-proxy" (node/build.sh sets it),
#   <dir>/bin/kubelet, <dir>/bin/kube-proxy   k8s.io/kubernetes/cmd/... (K8S_VERSION)
#
# <dir> = ${MONSTERSTACK_E2E_CACHE:-$HOME/.cache/monsterstack-e2e}/k8s-<K8S_VERSION>
# Versions: versions.env (next to this file). kubectl is not built: the
# machine's kubectl is used (see start.sh).
#
# Idempotent: a binary whose stamp (<dir>/bin/.<name>.version) matches the
# pinned version is skipped; anything else is (re)built. Builds run one after
# the other with ../lib/gobuild.sh's flags; each build's wall time is printed.
#
# Why wrapper modules: k8s.io/kubernetes (and etcd's server/v3) cannot be
# `go install`ed, their go.mod replace sibling modules with local directories
# (./staging/src/k8s.io/*, ../api, ...). So each binary is built from a small
# module generated under <dir>/src/<name>/ that requires the upstream module
# (as a `tool`) and, for Kubernetes, replaces every staging module with its
# published version v0.<minor>.<patch>; the replace list is derived from the
# upstream go.mod so it follows the pinned version.
#
# Usage: bash localcluster/controlplane/build.sh
# Needs: go >= 1.24 (uses `go get -tool`), the Go module proxy.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
# shellcheck source=../lib/gobuild.sh
source "$here/../lib/gobuild.sh"
LOG_PREFIX=controlplane/build.sh
# shellcheck source=../lib/common.sh
source "$here/../lib/common.sh"

dir="${MONSTERSTACK_E2E_CACHE:-$HOME/.cache/monsterstack-e2e}/k8s-$K8S_VERSION"
bin="$dir/bin"
src="$dir/src"
mkdir -p "$bin" "$src"

export GOTOOLCHAIN=local GOWORK=off GOFLAGS="${GOFLAGS:-} -mod=mod"
STAGING_VERSION="v0.${K8S_VERSION#*.}" # 1.33.13 -> v0.33.13
K8S_MINOR="${K8S_VERSION#*.}"; K8S_MINOR="${K8S_MINOR%%.*}"

up_to_date() { # name version
  [ -x "$bin/$1" ] && [ "$(cat "$bin/.$1.version" 2>/dev/null)" = "$2" ]
}

# build name version moddir package [extra ldflags]
build() {
  local name=$1 version=$2 mod=$3 pkg=$4 extra=${5:-}
  if up_to_date "$name" "$version"; then
    log "$name $version: already built, skipping"
    return
  fi
  log "$name $version: building $pkg"
  local t0 t1
  t0=$(date +%s)
  (cd "$mod" && e2e_go_build "$bin/.$name.tmp" "$pkg" "$extra")
  mv -f "$bin/.$name.tmp" "$bin/$name"
  echo "$version" >"$bin/.$name.version"
  t1=$(date +%s)
  log "$name $version: built in $((t1 - t0))s"
  printf '%s %s %ss\n' "$name" "$version" "$((t1 - t0))" >>"$dir/build-times.txt"
}

# wrapper name tool@version... : (re)creates <src>/<name> unless its stamp matches
# $spec; the go.mod header may be prepared by the caller in $pre (file).
wrapper() {
  local name=$1 spec=$2 pre=$3
  shift 3
  local mod="$src/$name"
  if [ -f "$mod/.spec" ] && [ "$(cat "$mod/.spec")" = "$spec" ]; then
    return
  fi
  rm -rf "$mod"
  mkdir -p "$mod"
  cp "$pre" "$mod/go.mod"
  log "$name: resolving modules (go get -tool $*)"
  (cd "$mod" && go get -tool "$@" >/dev/null)
  echo "$spec" >"$mod/.spec"
}

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# ---- etcd -------------------------------------------------------------------
if ! up_to_date etcd "$ETCD_VERSION"; then
  printf 'module monsterstack.local/localcluster/controlplane/etcd\n\ngo 1.24.0\n' >"$tmp/etcd.mod"
  wrapper etcd "$ETCD_VERSION" "$tmp/etcd.mod" "go.etcd.io/etcd/server/v3@v$ETCD_VERSION"
  build etcd "$ETCD_VERSION" "$src/etcd" go.etcd.io/etcd/server/v3
else
  log "etcd $ETCD_VERSION: already built, skipping"
fi

# ---- Kubernetes ---------------------------------------------------------------
# E2E_K8S_EXTRA_BINS adds commands of k8s.io/kubernetes/cmd (node/build.sh:
# "kubelet kube-proxy"), built from the same wrapper module with the same flags.
read -r -a extra_bins <<<"${E2E_K8S_EXTRA_BINS:-}"
k8s_bins=(kube-apiserver kube-controller-manager kube-scheduler "${extra_bins[@]}")
need_k8s=
for b in "${k8s_bins[@]}"; do up_to_date "$b" "$K8S_VERSION" || need_k8s=1; done
if [ -n "$need_k8s" ]; then
  upstream_mod="$(cd "$tmp" && go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" |
    sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
  [ -f "$upstream_mod" ] || die "cannot download the go.mod of k8s.io/kubernetes@v$K8S_VERSION"
  {
    printf 'module monsterstack.local/localcluster/controlplane/kubernetes\n\ngo 1.24.0\n\n'
    printf 'require k8s.io/kubernetes v%s\n\n' "$K8S_VERSION"
    printf '// k8s.io/kubernetes replaces these with ./staging/src/...; use the published versions.\nreplace (\n'
    sed -n 's#^[[:space:]]*\(k8s.io/[A-Za-z0-9._-]*\) => \./staging/src/.*#\1#p' "$upstream_mod" |
      while read -r m; do printf '\t%s => %s %s\n' "$m" "$m" "$STAGING_VERSION"; done
    printf ')\n'
  } >"$tmp/kubernetes.mod"
  grep -q "k8s.io/api => k8s.io/api $STAGING_VERSION" "$tmp/kubernetes.mod" ||
    die "found no staging replace directives in $upstream_mod"
  tools=()
  for b in "${k8s_bins[@]}"; do tools+=("k8s.io/kubernetes/cmd/$b@v$K8S_VERSION"); done
  wrapper kubernetes "$K8S_VERSION" "$tmp/kubernetes.mod" "${tools[@]}"
  # Version stamping as hack/lib/version.sh does, so that /version reports
  # v$K8S_VERSION (clients such as kubectl and the Pulumi provider read it).
  vflags=""
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    vflags+=" -X $p.gitVersion=v$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$K8S_MINOR"
    vflags+=" -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  for b in "${k8s_bins[@]}"; do
    build "$b" "$K8S_VERSION" "$src/kubernetes" "k8s.io/kubernetes/cmd/$b" "$vflags"
  done
else
  log "${k8s_bins[*]} $K8S_VERSION: already built, skipping"
fi

# ---- kwok -------------------------------------------------------------------
if ! up_to_date kwok "$KWOK_VERSION"; then
  printf 'module monsterstack.local/localcluster/controlplane/kwok\n\ngo 1.24.0\n' >"$tmp/kwok.mod"
  wrapper kwok "$KWOK_VERSION" "$tmp/kwok.mod" "sigs.k8s.io/kwok/cmd/kwok@v$KWOK_VERSION"
  build kwok "$KWOK_VERSION" "$src/kwok" sigs.k8s.io/kwok/cmd/kwok \
    "-X sigs.k8s.io/kwok/pkg/consts.Version=v$KWOK_VERSION"
else
  log "kwok $KWOK_VERSION: already built, skipping"
fi

log "binaries in $bin:"
ls -l "$bin" >&2
