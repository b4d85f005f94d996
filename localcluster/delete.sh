#!/usr/bin/env bash
# npm run delete: removes the local cluster npm start made, running or stopped, with its data
# (etcd, the volumes), as minikube delete does: without asking, saying what it removed. Stack
# dev's state, backend and passphrase stay in the cache: the next npm start makes a new cluster
# and `pulumi up` creates the app again there, its counter at 1.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
[ "$(id -u)" = 0 ] || { echo "npm run delete: the local cluster runs as root: run it as root. Nothing was changed." >&2; exit 1; }
# shellcheck source=paths.sh
source localcluster/paths.sh
with_local_lock "npm run delete" "$0" "$@"
# shellcheck source=toolchain/env.sh
source localcluster/toolchain/env.sh 2>/dev/null
if [ ! -d "$LOCAL_CLUSTER" ]; then
  echo "npm run delete: no local cluster in $LOCAL_CLUSTER; nothing to delete"
  exit 0
fi
# The volumes, by the claim they were made for: minikube's provisioner names them <namespace>/<claim>.
volumes="$(cd "$LOCAL_CLUSTER/hostpath-provisioner" 2>/dev/null && find . -mindepth 2 -maxdepth 2 -type d | sed 's#^\./##' | sort)" || true
bash localcluster/down.sh "$LOCAL_CLUSTER"
[ ! -e "$LOCAL_CLUSTER" ] || { echo "npm run delete: $LOCAL_CLUSTER is still there (above)" >&2; exit 1; }
echo "npm run delete: removed the local cluster in $LOCAL_CLUSTER: its objects (etcd's data), its certificates and $(grep -c . <<<"$volumes") volume(s)${volumes:+:}"
[ -z "$volumes" ] || while read -r volume; do echo "  $volume"; done <<<"$volumes"
echo "Stack dev's state is kept in $LOCAL_DIR; the next npm start makes a new cluster."
