#!/usr/bin/env bash
# Makes this machine ready for the local cluster and the e2e suite, from Debian packages
# and Go modules only: the real node's packages (root), the Pulumi CLI and plugins, the
# control plane, minikube's storage provisioner, the node's binaries and the images.
# Each step skips what is already built. The Pulumi toolchain builds alongside the rest
# (nothing else needs it before the tests): its module downloads and single-threaded links
# fill the gaps of the other builds. Cold, the whole took 22 minutes on 2 cores (README).
set -euo pipefail
e2e="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[ "$(id -u)" = 0 ] || { echo "setup.sh: the real node's packages and images need root; run as root" >&2; exit 1; }

toolchain_log="$(mktemp "${TMPDIR:-/tmp}/monsterstack-toolchain.XXXXXX")"
setsid bash "$e2e/toolchain/build.sh" >"$toolchain_log" 2>&1 &
toolchain_pid=$!
trap 'kill -- "-$toolchain_pid" 2>/dev/null || true; rm -f "$toolchain_log"' EXIT

bash "$e2e/node/install.sh" >/dev/null
bash "$e2e/cluster/build.sh"
bash "$e2e/storage/build.sh"
bash "$e2e/node/build.sh"
bash "$e2e/images/build.sh"

toolchain_status=0
wait "$toolchain_pid" || toolchain_status=$?
cat "$toolchain_log"
[ "$toolchain_status" = 0 ] || { echo "setup.sh: the Pulumi toolchain build failed (above)" >&2; exit "$toolchain_status"; }
