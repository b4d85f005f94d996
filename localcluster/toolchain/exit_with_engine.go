// Copied by build.sh next to the main.go of every plugin it builds (the language host and
// the kubernetes, random and tls providers): the plugin exits as soon as the engine that
// started it is gone. Upstream's own check asks the engine every five minutes, so a
// `pulumi up` killed by a crash, or by a second Ctrl-C, left its plugins running that long.
package main

import (
	"os"
	"time"
)

// How soon an orphaned plugin notices: a getppid(2) per tick costs nothing measurable.
const enginePollInterval = 250 * time.Millisecond

func init() {
	engine := os.Getppid()
	go func() {
		for range time.Tick(enginePollInterval) {
			// An orphan is adopted by init or the nearest subreaper: its parent changes.
			if os.Getppid() != engine {
				os.Exit(2)
			}
		}
	}()
}
