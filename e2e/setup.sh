#!/usr/bin/env bash
# Makes this machine ready for the local cluster and the e2e suite, from Debian packages
# and Go modules only: the real node's packages (root), the Pulumi CLI and plugins, the
# control plane, minikube's storage provisioner, the node's binaries and the images.
# Each step skips what is already built; cold, the whole takes about 35 minutes on 2 cores.
set -euo pipefail
e2e="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[ "$(id -u)" = 0 ] || { echo "setup.sh: the real node's packages and images need root; run as root" >&2; exit 1; }
bash "$e2e/node/install.sh" >/dev/null
bash "$e2e/toolchain/build.sh"
bash "$e2e/cluster/build.sh"
bash "$e2e/storage/build.sh"
bash "$e2e/node/build.sh"
bash "$e2e/images/build.sh"
