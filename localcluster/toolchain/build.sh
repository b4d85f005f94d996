#!/usr/bin/env bash
# Builds, from Go modules only, the Pulumi CLI, our Node.js language host and the kubernetes,
# random and tls plugins into the cache (env.sh), so that the CLI runs with no network.
# Usage: bash localcluster/toolchain/build.sh && source localcluster/toolchain/env.sh. Why not
# `go install`, what it writes, the pins to bump with package-lock.json: ../README.md.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
MONSTERSTACK_E2E_BUILDING=1 source "$here/env.sh"
# shellcheck source=../lib/gobuild.sh
source "$here/../lib/gobuild.sh"
tc="$MONSTERSTACK_PULUMI_TOOLCHAIN"

# shellcheck source=versions.env
source "$here/versions.env"
missing_pin() { echo "build.sh: no Go source pinned for @pulumi/$1 $2; add it to $here/versions.env" >&2; exit 1; }
[ -n "${K8S_PROVIDER_MODULE_VERSION:-}" ] || missing_pin kubernetes "$PULUMI_KUBERNETES_VERSION"
[ -n "${TF_RANDOM_MODULE_VERSION:-}" ] || missing_pin random "$PULUMI_RANDOM_VERSION"
[ -n "${TF_TLS_MODULE_VERSION:-}" ] || missing_pin tls "$PULUMI_TLS_VERSION"

plugins=(kubernetes random tls)
plugin_version() {
  case "$1" in
    kubernetes) echo "$PULUMI_KUBERNETES_VERSION" ;;
    random) echo "$PULUMI_RANDOM_VERSION" ;;
    tls) echo "$PULUMI_TLS_VERSION" ;;
  esac
}
plugin_path() { echo "$PULUMI_HOME/plugins/resource-$1-v$(plugin_version "$1")/pulumi-resource-$1"; }

is_complete() {
  [ -e "$tc/.complete" ] && [ -x "$tc/bin/pulumi" ] && [ -x "$tc/bin/pulumi-language-nodejs" ] || return 1
  local p
  for p in "${plugins[@]}"; do [ -x "$(plugin_path "$p")" ] || return 1; done
}

if is_complete; then
  echo "build.sh: toolchain ready (cached) at $tc"
  exit 0
fi

command -v go >/dev/null || { echo "build.sh: go not found" >&2; exit 1; }
mkdir -p "$tc/bin" "$tc/src" "$tc/out" "$PULUMI_HOME"

# One build at a time per toolchain directory.
exec 9>"$tc/.lock"
if command -v flock >/dev/null; then flock 9; fi
if is_complete; then echo "build.sh: toolchain ready (cached) at $tc"; exit 0; fi

export GOFLAGS="-mod=mod -buildvcs=false"
export CGO_ENABLED=0
log="$tc/build.log"
echo "build.sh: building Pulumi toolchain into $tc (log: $log)"
: >"$tc/timings.txt"

# build <name> <output> <workdir> <ldflags> <package> [extra go build flags...]
build() {
  local name="$1" out="$2" dir="$3" ldflags="$4" pkg="$5" start secs
  shift 5
  start=$(date +%s)
  echo "build.sh: building $name ..."
  if ! (cd "$dir" && e2e_go_build "$out.tmp" "$pkg" "$ldflags" "$@") >>"$log" 2>&1; then
    echo "build.sh: building $name FAILED; last lines of $log:" >&2
    tail -n 30 "$log" >&2
    exit 1
  fi
  mv -f "$out.tmp" "$out"
  secs=$(($(date +%s) - start))
  echo "$name ${secs}s" >>"$tc/timings.txt"
  echo "build.sh: built $name in ${secs}s"
}

sdkver="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_MODULE_VERSION"

# ---- pulumi CLI and language host (one wrapper module) ----------------------
w="$tc/src/cli"
mkdir -p "$w/langhost"
cat >"$w/go.mod" <<EOF
module monsterstack.local/localcluster/toolchain/cli

go $GO_MOD_VERSION

require (
	github.com/pulumi/pulumi/pkg/v3 $PULUMI_MODULE_VERSION
	github.com/pulumi/pulumi/sdk/v3 $PULUMI_MODULE_VERSION
)

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard $CLIPBOARD_FORK_VERSION
EOF
cp "$here/langhost/main.go" "$here/exit_with_engine.go" "$w/langhost/"
[ -x "$tc/bin/pulumi" ] ||
  build pulumi "$tc/bin/pulumi" "$w" "$sdkver" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
[ -x "$tc/bin/pulumi-language-nodejs" ] ||
  build pulumi-language-nodejs "$tc/bin/pulumi-language-nodejs" "$w" "$sdkver -X main.version=$PULUMI_VERSION" ./langhost

# Dynamic providers (pulumi.dynamic.Resource) run through this plugin.
install -m 755 "$here/pulumi-resource-pulumi-nodejs" "$tc/bin/pulumi-resource-pulumi-nodejs"

# ---- kubernetes -------------------------------------------------------------
if [ ! -x "$(plugin_path kubernetes)" ]; then
  w="$tc/src/kubernetes"
  mkdir -p "$w"
  cat >"$w/go.mod" <<EOF
module monsterstack.local/localcluster/toolchain/kubernetes

go $GO_MOD_VERSION

require (
	github.com/pulumi/pulumi-kubernetes/provider/v4 $K8S_PROVIDER_MODULE_VERSION
	github.com/pulumi/pulumi-kubernetes/sdk/v4 $K8S_SDK_MODULE_VERSION
)
EOF
  cp "$here/kubernetes/main.go" "$here/exit_with_engine.go" "$w/"
  # The schema and Terraform mapping ship in the provider module; embed them.
  moddir=$(cd "$w" && go mod download -json "github.com/pulumi/pulumi-kubernetes/provider/v4@$K8S_PROVIDER_MODULE_VERSION" |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);if(j.Error){console.error(j.Error);process.exit(1)}process.stdout.write(j.Dir)})')
  install -m 644 "$moddir/cmd/pulumi-resource-kubernetes/schema.json" "$w/schema.json"
  install -m 644 "$moddir/cmd/pulumi-resource-kubernetes/terraform-mapping.json" "$w/terraform-mapping.json"
  # pulumi-kubernetes's Go SDK, which this program does not use, compiled unoptimized: ../README.md.
  build pulumi-resource-kubernetes "$tc/out/pulumi-resource-kubernetes" "$w" \
    "-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$PULUMI_KUBERNETES_VERSION" . \
    "-gcflags=github.com/pulumi/pulumi-kubernetes/sdk/v4/...=-N -l -dwarf=false"
fi

# ---- random / tls (Terraform providers through the bridge) ------------------
# The wrapper's module path lies under the upstream one, so that it may import internal/provider.
tf_wrapper() { # <name> <upstream module> <upstream version>
  local w="$tc/src/$1"
  mkdir -p "$w"
  cat >"$w/go.mod" <<EOF
module $2/monsterstack-e2e

go $GO_MOD_VERSION

require (
	github.com/pulumi/pulumi-terraform-bridge/v3 $TF_BRIDGE_MODULE_VERSION
	$2 $3
)

replace github.com/hashicorp/terraform-plugin-sdk/v2 => github.com/pulumi/terraform-plugin-sdk/v2 $TF_PLUGIN_SDK_FORK_VERSION
EOF
  cp "$here/$1/main.go" "$here/exit_with_engine.go" "$w/"
}
if [ ! -x "$(plugin_path random)" ]; then
  tf_wrapper random github.com/terraform-providers/terraform-provider-random "$TF_RANDOM_MODULE_VERSION"
  build pulumi-resource-random "$tc/out/pulumi-resource-random" "$tc/src/random" "-X main.version=$PULUMI_RANDOM_VERSION" .
fi
if [ ! -x "$(plugin_path tls)" ]; then
  tf_wrapper tls github.com/hashicorp/terraform-provider-tls "$TF_TLS_MODULE_VERSION"
  build pulumi-resource-tls "$tc/out/pulumi-resource-tls" "$tc/src/tls" "-X main.version=$PULUMI_TLS_VERSION" .
fi

# ---- install the resource plugins into PULUMI_HOME (offline) ----------------
for p in "${plugins[@]}"; do
  if [ ! -x "$(plugin_path "$p")" ]; then
    "$tc/bin/pulumi" plugin install resource "$p" "$(plugin_version "$p")" \
      --file "$tc/out/pulumi-resource-$p" --reinstall >>"$log" 2>&1
  fi
  rm -f "$tc/out/pulumi-resource-$p" # PULUMI_HOME holds the copy
done

cat >"$tc/SOURCES.txt" <<EOF
Built by localcluster/toolchain/build.sh (recipe ${tc##*-}) from Go modules:
pulumi                  github.com/pulumi/pulumi/pkg/v3@$PULUMI_MODULE_VERSION ./cmd/pulumi
pulumi-language-nodejs  localcluster/toolchain/langhost (our own) on github.com/pulumi/pulumi/sdk/v3@$PULUMI_MODULE_VERSION
kubernetes $PULUMI_KUBERNETES_VERSION       github.com/pulumi/pulumi-kubernetes/provider/v4@$K8S_PROVIDER_MODULE_VERSION (+ sdk/v4@$K8S_SDK_MODULE_VERSION)
random $PULUMI_RANDOM_VERSION           github.com/terraform-providers/terraform-provider-random@$TF_RANDOM_MODULE_VERSION via pulumi-terraform-bridge/v3@$TF_BRIDGE_MODULE_VERSION (localcluster/toolchain/random)
tls $PULUMI_TLS_VERSION               github.com/hashicorp/terraform-provider-tls@$TF_TLS_MODULE_VERSION via pulumi-terraform-bridge/v3@$TF_BRIDGE_MODULE_VERSION (localcluster/toolchain/tls)
EOF

# ---- final check (offline) --------------------------------------------------
v=$("$tc/bin/pulumi" version)
[ "$v" = "v$PULUMI_VERSION" ] || { echo "build.sh: pulumi version is $v, expected v$PULUMI_VERSION" >&2; exit 1; }
"$tc/bin/pulumi" plugin ls >>"$log" 2>&1
touch "$tc/.complete"
echo "build.sh: toolchain ready at $tc"
cat "$tc/timings.txt"
