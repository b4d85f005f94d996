// Command e2e-apiproxy forwards TCP connections from -listen to -target.
//
// The real e2e node runs in a network namespace of its own, which cannot reach
// the host's 127.0.0.1 where the control plane listens. node/start.sh runs this
// on the host end of the node's veth (e.g. 10.200.0.1:6443 -> 127.0.0.1:<API
// server port>); TLS passes through untouched. It runs until killed.
package main

import (
	"flag"
	"io"
	"log"
	"net"
	"time"
)

func main() {
	listen := flag.String("listen", "", "host:port to listen on")
	target := flag.String("target", "", "host:port to forward to")
	flag.Parse()
	if *listen == "" || *target == "" {
		log.Fatal("usage: e2e-apiproxy -listen HOST:PORT -target HOST:PORT")
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("forwarding %s -> %s", *listen, *target)
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Printf("accept: %v", err)
			time.Sleep(100 * time.Millisecond)
			continue
		}
		go forward(c.(*net.TCPConn), *target)
	}
}

func forward(c *net.TCPConn, target string) {
	defer c.Close()
	u, err := net.DialTimeout("tcp", target, 5*time.Second)
	if err != nil {
		log.Printf("dial %s: %v", target, err)
		return
	}
	defer u.Close()
	done := make(chan struct{}, 2)
	pipe := func(dst, src *net.TCPConn) {
		_, _ = io.Copy(dst, src)
		_ = dst.CloseWrite()
		done <- struct{}{}
	}
	go pipe(u.(*net.TCPConn), c)
	go pipe(c, u.(*net.TCPConn))
	<-done
	<-done
}
