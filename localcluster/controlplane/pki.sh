#!/usr/bin/env bash
# Makes the local cluster's certificates (STATEDIR/pki) and its admin kubeconfig
# (STATEDIR/kubeconfig, group system:masters, certificates embedded). Called by start.sh.
# Everything written is mode 0600 from the start: the keys and the kubeconfig are secrets.
#
# Usage: bash localcluster/controlplane/pki.sh STATEDIR APISERVER_PORT
set -euo pipefail
state=$1 APISERVER_PORT=$2
# shellcheck source=../lib/slot.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/slot.sh"
use_slot "$state" # the Service range of its slot, and so the address of Service default/kubernetes
pki="$state/pki"
umask 077
mkdir -p "$pki"
cd "$pki"
ossl() { openssl "$@" 2>>openssl.log; }
ca() { # <name> <CN>
  ossl req -x509 -newkey rsa:2048 -nodes -days 3650 -sha256 -subj "/CN=$2" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -keyout "$1.key" -out "$1.crt"
}
ca ca monsterstack-e2e-ca
ca front-proxy-ca monsterstack-e2e-front-proxy-ca # request-header authn (aggregation layer)
# sign <name> <subject> <extensions> [<ca>]
sign() {
  local ca=${4:-ca}
  ossl req -new -newkey rsa:2048 -nodes -subj "$2" -keyout "$1.key" -out "$1.csr"
  printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" "$3" >"$1.ext"
  ossl x509 -req -sha256 -days 3650 -in "$1.csr" -CA "$ca.crt" -CAkey "$ca.key" -CAcreateserial -extfile "$1.ext" -out "$1.crt"
  rm -f "$1.csr" "$1.ext"
}
sign apiserver "/CN=kube-apiserver" \
  "$(printf '%s\n' "extendedKeyUsage=serverAuth" \
    "subjectAltName=IP:127.0.0.1,DNS:localhost,IP:$KUBERNETES_SERVICE_IP,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local")"
sign admin "/O=system:masters/CN=monsterstack-e2e-admin" "extendedKeyUsage=clientAuth"
# The API server's client certificate towards kubelets (exec, logs,
# port-forward on a real node, see ../node); kwok ignores it.
sign apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "extendedKeyUsage=clientAuth"
sign front-proxy-client "/CN=front-proxy-client" "extendedKeyUsage=clientAuth" front-proxy-ca
ossl genrsa -out sa.key 2048
ossl rsa -in sa.key -pubout -out sa.pub
chmod 600 ./*.key

b64() { base64 -w0 <"$1"; }
cat >"$state/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: monsterstack-e2e
  cluster:
    server: https://127.0.0.1:$APISERVER_PORT
    certificate-authority-data: $(b64 "$pki/ca.crt")
users:
- name: monsterstack-e2e-admin
  user:
    client-certificate-data: $(b64 "$pki/admin.crt")
    client-key-data: $(b64 "$pki/admin.key")
contexts:
- name: monsterstack-e2e
  context:
    cluster: monsterstack-e2e
    user: monsterstack-e2e-admin
    namespace: default
current-context: monsterstack-e2e
EOF
