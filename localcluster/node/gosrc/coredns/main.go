// Command coredns is a slim CoreDNS for the real e2e node: upstream's
// coremain with only the plugins the node's Corefile uses (no cloud DNS
// providers, etcd, dnstap, forward...), so it builds in a fraction of the time
// of the full binary. The directive order is upstream's (core/dnsserver/
// zdirectives.go) restricted to these plugins; a Corefile naming any other
// plugin is rejected.
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/ready"
)

func init() {
	dnsserver.Directives = []string{
		"bind",
		"ready",
		"health",
		"errors",
		"log",
		"cache",
		"kubernetes",
	}
}

func main() {
	coremain.Run()
}
