// Command e2e-cri-clean stops and removes every pod sandbox (and with it every
// container) of a CRI runtime, like `crictl rmp --force --all` (crictl is not
// packaged in Debian bookworm). node/stop.sh runs it after the kubelet is
// stopped so that containerd tears pods down properly: containers killed, CNI
// DEL run (veth, IPAM), the pod network namespaces under /run/netns unmounted.
//
// Usage: e2e-cri-clean -endpoint unix:///path/to/containerd.sock [-timeout 60s]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	runtime "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func main() {
	endpoint := flag.String("endpoint", "", "CRI endpoint, unix:///...")
	timeout := flag.Duration("timeout", 60*time.Second, "overall timeout")
	flag.Parse()
	if *endpoint == "" {
		fmt.Fprintln(os.Stderr, "usage: e2e-cri-clean -endpoint unix:///path/to/socket")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	conn, err := grpc.NewClient(*endpoint, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		fail(err)
	}
	defer conn.Close()
	rs := runtime.NewRuntimeServiceClient(conn)
	list, err := rs.ListPodSandbox(ctx, &runtime.ListPodSandboxRequest{})
	if err != nil {
		fail(err)
	}
	failed := 0
	for _, sb := range list.Items {
		name := sb.Metadata.Namespace + "/" + sb.Metadata.Name
		if _, err := rs.StopPodSandbox(ctx, &runtime.StopPodSandboxRequest{PodSandboxId: sb.Id}); err != nil {
			fmt.Fprintf(os.Stderr, "stop %s: %v\n", name, err)
		}
		if _, err := rs.RemovePodSandbox(ctx, &runtime.RemovePodSandboxRequest{PodSandboxId: sb.Id}); err != nil {
			fmt.Fprintf(os.Stderr, "remove %s: %v\n", name, err)
			failed++
			continue
		}
		fmt.Printf("removed pod %s\n", name)
	}
	if failed > 0 {
		fail(fmt.Errorf("%d of %d pod sandboxes not removed", failed, len(list.Items)))
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "e2e-cri-clean:", err)
	os.Exit(1)
}
