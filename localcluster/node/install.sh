#!/usr/bin/env bash
# Installs the Debian packages the real e2e node needs, only those missing:
#   containerd (1.6.20), runc (1.1.5), containernetworking-plugins (1.1.1),
#   iptables (kubelet, kube-proxy and the CNI plugins call it), ipset (../netpol's
#   kube-router calls it).
# The node also needs, already on this machine: nsenter, flock, mount (util-linux),
# ip (iproute2), openssl, curl, python3. Their absence is reported, not fixed.
# The containerd package does not start a daemon here (its unit is systemd-only
# and PID 1 is not systemd); start.sh runs containerd with its own config.
#
# Usage: bash localcluster/node/install.sh (root; runs `apt-get update` only if
#                                         something is missing)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"

declare -A want=([containerd]=$DEB_CONTAINERD [runc]=$DEB_RUNC
  [containernetworking-plugins]=$DEB_CNI_PLUGINS [iptables]="" [ipset]="")
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

missing=()
for p in "${!want[@]}"; do installed "$p" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { echo "install.sh: missing packages ${missing[*]}; run as root: apt-get install ${missing[*]}" >&2; exit 1; }
  echo "install.sh: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
else
  echo "install.sh: packages already installed" >&2
fi

rc=0
for p in "${!want[@]}"; do
  v="$(dpkg-query -W -f='${Version}' "$p")"
  up="${v#*:}"; up="${up%%[~+-]*}"
  if [ -n "${want[$p]}" ] && [ "$up" != "${want[$p]}" ]; then
    echo "install.sh: $p is $v, expected upstream ${want[$p]} (bookworm); continuing" >&2
  fi
  echo "$p $v"
done
for t in nsenter flock mount umount ip openssl curl python3 setsid; do
  command -v "$t" >/dev/null || { echo "install.sh: $t not found (util-linux/iproute2/openssl/curl/python3)" >&2; rc=1; }
done
exit $rc
