// storage-provisioner: minikube's hostPath provisioner (the `storage-provisioner`
// addon behind minikube's default StorageClass `standard`) run as a host process
// against the e2e cluster.
//
// The provisioning logic is minikube's own package, k8s.io/minikube/pkg/storage
// (NewHostPathProvisioner), driven by the controller of
// sigs.k8s.io/sig-storage-lib-external-provisioner/v6, both imported unchanged
// (versions: localcluster/storage/versions.env and the go.mod that build.sh generates).
// Only the start-up differs from minikube's storage.StartStorageProvisioner:
//
//   - the client comes from a kubeconfig file (--kubeconfig), not from the
//     in-cluster service account (this runs on the host, not in a pod);
//   - the volumes' base directory is a flag (--pv-dir); minikube hard-codes
//     /tmp/hostpath-provisioner;
//   - leader election is off: the library's lock is an Endpoints lock, which
//     current client-go (v0.35.1 here) refuses ("endpoints lock is removed"),
//     so minikube's own StartStorageProvisioner, built from current sources,
//     would exit with "Error creating lock". One process per cluster needs no
//     election.
//
// Usage: storage-provisioner --kubeconfig FILE --pv-dir DIR [--provisioner NAME] [klog flags]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"
	"k8s.io/minikube/pkg/storage"
	"sigs.k8s.io/sig-storage-lib-external-provisioner/v6/controller"
)

func main() {
	kubeconfig := flag.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig file of the cluster (default $KUBECONFIG)")
	pvDir := flag.String("pv-dir", "", "base directory of the volumes, <pv-dir>/<namespace>/<claim> (required; minikube uses /tmp/hostpath-provisioner)")
	name := flag.String("provisioner", "k8s.io/minikube-hostpath", "provisioner name, as in the StorageClass' `provisioner` field")
	klog.InitFlags(flag.CommandLine)
	flag.Parse()

	if *kubeconfig == "" || *pvDir == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: storage-provisioner --kubeconfig FILE --pv-dir DIR [--provisioner NAME] [klog flags]")
		os.Exit(2)
	}
	dir, err := filepath.Abs(*pvDir)
	if err != nil {
		klog.Exitf("--pv-dir: %v", err)
	}

	config, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		klog.Exitf("loading %s: %v", *kubeconfig, err)
	}
	// The user agent stays client-go's default, "storage-provisioner/<version> (...)", as in
	// minikube's pod: the PVs' managedFields name the manager "storage-provisioner".
	client, err := kubernetes.NewForConfig(config)
	if err != nil {
		klog.Exitf("creating client: %v", err)
	}
	// As minikube's StartStorageProvisioner: the controller wants the server version.
	version, err := client.Discovery().ServerVersion()
	if err != nil {
		klog.Exitf("getting server version: %v", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-ctx.Done()
		klog.Infof("signal received, exiting")
		klog.Flush()
		os.Exit(0)
	}()

	klog.Infof("minikube hostpath provisioner %q: volumes under %s, server %s (%s)", *name, dir, config.Host, version.GitVersion)
	pc := controller.NewProvisionController(client, *name, storage.NewHostPathProvisioner(dir), version.GitVersion,
		controller.LeaderElection(false))
	pc.Run(ctx) // does not return
	stop()
}
