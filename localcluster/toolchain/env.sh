# shellcheck shell=bash
# Source this file (after running build.sh once) to use the offline Pulumi
# toolchain built by build.sh:
#
#   bash localcluster/toolchain/build.sh && source localcluster/toolchain/env.sh
#   pulumi login "file://$PWD/.e2e-state"   # any file:// backend; never the Pulumi Cloud
#
# It exports:
#   MONSTERSTACK_E2E_CACHE      cache root (default ~/.cache/monsterstack-e2e)
#   MONSTERSTACK_PULUMI_TOOLCHAIN  this toolchain's directory in the cache
#   PATH                        with <toolchain>/bin (pulumi, pulumi-language-nodejs) first
#   PULUMI_HOME                 <toolchain>/pulumi-home (holds the resource plugins)
#   and the variables that keep the CLI from reaching the network.
#
# The toolchain directory name is derived from the versions pinned in
# package-lock.json and a hash of the files in this folder, so build.sh and
# this file always agree on it. Requires node on PATH.

_mst_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
_mst_repo="$(cd "$_mst_dir/../.." && pwd)"

# Versions as pinned by package-lock.json (npm package versions).
# shellcheck disable=SC2317 # the exit below runs when this file is executed, not sourced (return fails)
_mst_versions="$(cd "$_mst_repo" && node -p '
  const p = require("./package-lock.json").packages;
  ["pulumi", "kubernetes", "random", "tls"]
    .map(n => p["node_modules/@pulumi/" + n].version).join(" ")
')" || { echo "env.sh: cannot read versions from $_mst_repo/package-lock.json" >&2; return 1 2>/dev/null || exit 1; }
read -r PULUMI_VERSION PULUMI_KUBERNETES_VERSION PULUMI_RANDOM_VERSION PULUMI_TLS_VERSION <<<"$_mst_versions"
export PULUMI_VERSION PULUMI_KUBERNETES_VERSION PULUMI_RANDOM_VERSION PULUMI_TLS_VERSION

# Hash of the recipe (pins, build scripts, compiler flags and our wrapper sources): changing any
# of them yields a fresh toolchain directory instead of a stale one. The scripts' comment lines
# are left out (not #! lines, which a heredoc may write), so that a comment edit does not cost
# a 20-minute rebuild.
_mst_recipe="$(cd "$_mst_dir" && { sed -e '/^[[:space:]]*#\([^!]\|$\)/d' versions.env build.sh ../lib/gobuild.sh; cat pulumi-resource-pulumi-nodejs langhost/main.go kubernetes/main.go random/main.go tls/main.go exit_with_engine.go; } | sha256sum | cut -c1-10)"

export MONSTERSTACK_E2E_CACHE="${MONSTERSTACK_E2E_CACHE:-$HOME/.cache/monsterstack-e2e}"
export MONSTERSTACK_PULUMI_TOOLCHAIN="$MONSTERSTACK_E2E_CACHE/pulumi-$PULUMI_VERSION-kubernetes-$PULUMI_KUBERNETES_VERSION-random-$PULUMI_RANDOM_VERSION-tls-$PULUMI_TLS_VERSION-$_mst_recipe"

case ":$PATH:" in
  *":$MONSTERSTACK_PULUMI_TOOLCHAIN/bin:"*) ;;
  *) export PATH="$MONSTERSTACK_PULUMI_TOOLCHAIN/bin:$PATH" ;;
esac
export PULUMI_HOME="$MONSTERSTACK_PULUMI_TOOLCHAIN/pulumi-home"

# Keep the CLI offline.
export PULUMI_SKIP_UPDATE_CHECK=true                   # no "new version available" check
export PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=true   # Automation API: don't insist on a CLI version
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true # never download plugins
export PULUMI_IGNORE_AMBIENT_PLUGINS=true              # only use plugins from PULUMI_HOME, not stray pulumi-resource-* on PATH
export PULUMI_DISABLE_CI_DETECTION=true
# Nothing here changes what the CLI asks a user: `pulumi up` still asks for confirmation and
# a passphrase-protected stack for its passphrase (e2e/run.sh sets a test passphrase).

if [ -z "${MONSTERSTACK_E2E_BUILDING:-}" ] && { [ ! -x "$MONSTERSTACK_PULUMI_TOOLCHAIN/bin/pulumi" ] || [ ! -e "$MONSTERSTACK_PULUMI_TOOLCHAIN/.complete" ]; }; then
  echo "env.sh: toolchain not built yet at $MONSTERSTACK_PULUMI_TOOLCHAIN; run: bash $_mst_dir/build.sh" >&2
fi
unset _mst_dir _mst_repo _mst_versions _mst_recipe
