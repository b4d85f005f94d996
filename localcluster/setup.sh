#!/usr/bin/env bash
# Makes this machine ready for the local cluster and the e2e suite, from Debian packages
# and Go modules only: the real node's packages (root), the Pulumi CLI and plugins, the
# control plane, minikube's storage provisioner, the node's binaries and the images.
# Each step skips what is already built. The Pulumi toolchain builds alongside the rest
# (nothing else needs it before the tests): its module downloads and single-threaded links
# fill the gaps of the other builds. Cold, the whole took 22 minutes on 2 cores (README).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[ "$(id -u)" = 0 ] || { echo "setup.sh: the real node's packages and images need root; run as root" >&2; exit 1; }

# One line per step, with the time since the start and what comes next: a cold run is long.
# Cold figures: README.md (this project's 2-core machine).
t0=$SECONDS
step() { printf '[setup %dm%02ds] %s\n' $(((SECONDS - t0) / 60)) $(((SECONDS - t0) % 60)) "$*" >&2; }

toolchain_log="$(mktemp "${TMPDIR:-/tmp}/monsterstack-toolchain.XXXXXX")"
step "1/6 Pulumi CLI and plugins: building in the background (cold: 22 to 29 min); next: the node's Debian packages"
setsid bash "$here/toolchain/build.sh" >"$toolchain_log" 2>&1 &
toolchain_pid=$!
trap 'kill -- "-$toolchain_pid" 2>/dev/null || true; rm -f "$toolchain_log"' EXIT

bash "$here/node/install.sh" >/dev/null
step "2/6 control plane: etcd, kube-apiserver, controller manager, scheduler, kwok (cold: 13 to 19 min); next: the storage provisioner"
bash "$here/controlplane/build.sh"
step "3/6 minikube's storage provisioner (cold: 2 to 3.5 min); next: the node's binaries"
bash "$here/storage/build.sh"
step "4/6 the node: kubelet, kube-proxy, CoreDNS, NetworkPolicy enforcement, load balancers (cold: 5 to 6.5 min); next: the images"
bash "$here/node/build.sh"
bash "$here/netpol/build.sh"
bash "$here/loadbalancer/build.sh"
step "5/6 the images, from Debian packages (cold: about 1.5 min); next: the Pulumi CLI and plugins"
bash "$here/images/build.sh"

step "6/6 waiting for the Pulumi CLI and plugins (cold: they finish about 2 min after the images)"
toolchain_status=0
wait "$toolchain_pid" || toolchain_status=$?
cat "$toolchain_log"
[ "$toolchain_status" = 0 ] || { echo "setup.sh: the Pulumi toolchain build failed (above)" >&2; exit "$toolchain_status"; }
step "ready"
