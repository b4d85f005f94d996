# shellcheck shell=bash
# shellcheck disable=SC2154 # bin, state and the pinned names come from start.sh and common.sh
# What node/start.sh needs before it changes anything on the host: node_preflight adds one
# line per missing thing to missing[], so that a newcomer reads them all at once.

node_preflight() {
  missing=()
  [ "$(id -u)" = 0 ] || missing+=("root: the node needs uid 0 (network namespace, mounts, cgroups)")
  for b in kubelet kube-proxy coredns e2e-apiproxy e2e-cri-clean; do
    [ -x "$bin/$b" ] || missing+=("$bin/$b: run bash localcluster/node/build.sh")
  done
  for t in containerd containerd-shim-runc-v2 ctr runc iptables ip nsenter flock curl python3 "$KUBECTL"; do
    command -v "$t" >/dev/null || missing+=("command $t: run bash localcluster/node/install.sh (Debian packages)")
  done
  for p in bridge host-local loopback portmap; do
    [ -x "$CNI_BIN_DIR/$p" ] || missing+=("$CNI_BIN_DIR/$p: apt-get install containernetworking-plugins")
  done
  [ -d /sys/fs/cgroup/memory ] || missing+=("cgroup v1 (/sys/fs/cgroup/memory): only cgroup v1 hosts are supported")
  [ -e /proc/sys/net/bridge/bridge-nf-call-iptables ] || missing+=("kernel module br_netfilter: modprobe br_netfilter")
  grep -qw overlay /proc/filesystems || missing+=("overlay filesystem: modprobe overlay")
  [ -n "$APISERVER_PORT" ] || missing+=("E2E_APISERVER_PORT in $state/env")
  [ -f "$state/pki/apiserver-kubelet-client.crt" ] ||
    missing+=("$state/pki/apiserver-kubelet-client.crt: the cluster predates the real node support (kubectl exec/logs); restart it with localcluster/controlplane/start.sh")
  images=()
  resolve_images # sets images[] and PAUSE_IMAGE, or adds to missing[]
}

# images[] and PAUSE_IMAGE from E2E_NODE_IMAGES / E2E_PAUSE_IMAGE (see start.sh):
# a directory with images.env (images/build.sh's output: the archives it names), a
# directory of *.tar, or a list of archives separated by spaces or colons.
resolve_images() {
  local src="${E2E_NODE_IMAGES:-${MONSTERSTACK_E2E_CACHE:-$HOME/.cache/monsterstack-e2e}/images}" f
  if [ -f "$src/images.env" ]; then # images/build.sh's: PAUSE_IMAGE=..., <NAME>_ARCHIVE=...
    # shellcheck source=/dev/null # images/build.sh's output, written at build time
    PAUSE_IMAGE="$(. "$src/images.env" && echo "${PAUSE_IMAGE:-}")"
    # shellcheck source=/dev/null # the same file
    while read -r f; do
      [ -f "$f" ] && images+=("$f") || missing+=("image archive $f (named in $src/images.env)")
    done < <(. "$src/images.env" && set | sed -n "s/^[A-Z0-9_]*_ARCHIVE=//p" | tr -d "'")
  elif [ -d "$src" ]; then
    for f in "$src"/*.tar; do [ -f "$f" ] && images+=("$f"); done
  elif [[ "$src" != *.tar* ]]; then
    missing+=("image directory $src: build the images (bash localcluster/images/build.sh) or set E2E_NODE_IMAGES")
  else
    for f in ${src//:/ }; do
      [ -f "$f" ] && images+=("$f") || missing+=("image archive $f (E2E_NODE_IMAGES)")
    done
  fi
  PAUSE_IMAGE="${E2E_PAUSE_IMAGE:-${PAUSE_IMAGE:-}}"
  [ ${#images[@]} -gt 0 ] || [ ! -d "$src" ] ||
    missing+=("image archives: none in $src; build them (bash localcluster/images/build.sh) or set E2E_NODE_IMAGES")
  [ -n "$PAUSE_IMAGE" ] ||
    missing+=("pause image reference: E2E_PAUSE_IMAGE, or PAUSE_IMAGE in <E2E_NODE_IMAGES directory>/images.env")
}
