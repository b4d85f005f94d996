# shellcheck shell=bash
# The control plane's processes and their flags (sourced by start.sh, after procs.sh):
#   start_etcd PORT PEER_PORT, start_apiserver PORT ETCD_PORT, start_controller_manager PORT,
#   start_scheduler PORT, start_kwok PORT LB_INGRESS_IP
# Each starts its process detached (procs.sh's run) and returns; start.sh waits for them.
# Expects: bin (the binaries), state (STATEDIR), pki, kc (the admin kubeconfig), here.
: "${bin:?}" "${state:?}" "${pki:?}" "${kc:?}" "${here:?}"
use_slot "$state" # SERVICE_CIDR: its slot's Service range (../lib/slot.sh, sourced by start.sh)
POD_CIDR=10.244.0.1/16 # kwok hands out pod IPs from here (no networking behind them)

start_etcd() {
  run etcd "$bin/etcd" \
    --name=e2e \
    --data-dir="$state/etcd" \
    --listen-client-urls="http://127.0.0.1:$1" \
    --advertise-client-urls="http://127.0.0.1:$1" \
    --listen-peer-urls="http://127.0.0.1:$2" \
    --initial-advertise-peer-urls="http://127.0.0.1:$2" \
    --initial-cluster="e2e=http://127.0.0.1:$2" \
    --initial-cluster-state=new \
    --unsafe-no-fsync=true \
    --quota-backend-bytes=$((2 * 1024 * 1024 * 1024)) \
    --log-level=warn
}

# --endpoint-reconciler-type=none: the Endpoints of Service default/kubernetes
# cannot hold 127.0.0.1 (loopback addresses are invalid there), so don't try.
# The front-proxy (request-header) CA makes the extension-apiserver-authentication
# ConfigMap complete; without it the controller manager and scheduler log errors.
start_apiserver() {
  run kube-apiserver "$bin/kube-apiserver" \
    --bind-address=127.0.0.1 \
    --advertise-address=127.0.0.1 \
    --secure-port="$1" \
    --etcd-servers="http://127.0.0.1:$2" \
    --cert-dir="$pki" \
    --tls-cert-file="$pki/apiserver.crt" \
    --tls-private-key-file="$pki/apiserver.key" \
    --client-ca-file="$pki/ca.crt" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$pki/sa.pub" \
    --service-account-signing-key-file="$pki/sa.key" \
    --service-cluster-ip-range="$SERVICE_CIDR" \
    --service-node-port-range=30000-32767 \
    --authorization-mode=RBAC \
    --requestheader-client-ca-file="$pki/front-proxy-ca.crt" \
    --requestheader-allowed-names=front-proxy-client \
    --requestheader-username-headers=X-Remote-User \
    --requestheader-group-headers=X-Remote-Group \
    --requestheader-extra-headers-prefix=X-Remote-Extra- \
    --proxy-client-cert-file="$pki/front-proxy-client.crt" \
    --proxy-client-key-file="$pki/front-proxy-client.key" \
    --endpoint-reconciler-type=none \
    --kubelet-client-certificate="$pki/apiserver-kubelet-client.crt" \
    --kubelet-client-key="$pki/apiserver-kubelet-client.key" \
    --kubelet-preferred-address-types=InternalIP,Hostname \
    --allow-privileged=true \
    --profiling=false \
    --v=1
}

# Any kubeconfig with system:masters works for the components.
common_flags=(
  --kubeconfig="$kc"
  --authentication-kubeconfig="$kc"
  --authorization-kubeconfig="$kc"
  --bind-address=127.0.0.1
  --leader-elect=false
  --profiling=false
  --v=1
)

start_controller_manager() {
  run kube-controller-manager "$bin/kube-controller-manager" "${common_flags[@]}" \
    --secure-port="$1" \
    --cert-dir="$pki/kcm" \
    --controllers='*' \
    --use-service-account-credentials=false \
    --service-account-private-key-file="$pki/sa.key" \
    --root-ca-file="$pki/ca.crt" \
    --cluster-signing-cert-file="$pki/ca.crt" \
    --cluster-signing-key-file="$pki/ca.key" \
    --service-cluster-ip-range="$SERVICE_CIDR" \
    --pvclaimbinder-sync-period=5s
}

start_scheduler() {
  run kube-scheduler "$bin/kube-scheduler" "${common_flags[@]}" \
    --secure-port="$1" \
    --cert-dir="$pki/scheduler"
}

# Default node/pod stages are kwok's built-in ones (used when the config has
# none); the config adds one Stage: LoadBalancer Services get an ingress IP.
# HOME is pointed into the state dir so that no ~/.kwok/kwok.yaml is read.
# LB_INGRESS_IP "none": kwok leaves LoadBalancer Services alone (a load balancer controller runs).
start_kwok() {
  : >"$state/kwok.yaml"
  [ "$2" = none ] || sed "s/\${LB_INGRESS_IP}/$2/" "$here/kwok/stage-load-balancer.yaml" >"$state/kwok.yaml"
  run kwok env HOME="$state/kwok-home" "$bin/kwok" \
    --config="$state/kwok.yaml" \
    --kubeconfig="$kc" \
    --manage-all-nodes=false \
    --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --cidr="$POD_CIDR" \
    --node-ip=127.0.0.1 \
    --node-lease-duration-seconds=40 \
    --server-address="127.0.0.1:$1"
}
