// e2e-procs: the local cluster's processes, as its scripts record them in pids files ("NAME PID"
// lines, in start order; NAME is the executable's basename). A recorded pid is taken for ours
// only while /proc/PID/exe still is NAME: after a crash or a reboot the number may belong to
// another program, which is never signalled and never counted as running.
//
//	e2e-procs running PIDFILE [NAME...]
//	    prints "NAME PID" for each process (the NAMEs', else every one recorded) that still runs;
//	    exits 0 when every one asked for runs, 1 otherwise (a missing file: none runs)
//	e2e-procs stop [-grace 20s] [-log PREFIX] PIDFILE [NAME...]
//	    SIGTERM to each that still runs (the NAMEs in the order given, else all in reverse start
//	    order), waits up to -grace for it to exit, then SIGKILL; says what it stopped on stderr
//	    as "[PREFIX HH:MM:SS] ..."; exits 1 if one still runs
//
// Built on first use by ../procs.sh, from the standard library only.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type entry struct {
	name string
	pid  int
}

// readPids reads a pids file; a missing file holds no entry. Lines it cannot read are skipped:
// a crash may leave a half-written last line.
func readPids(file string) ([]entry, error) {
	f, err := os.Open(file)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var entries []entry
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		fields := strings.Fields(scanner.Text())
		if len(fields) != 2 {
			continue
		}
		pid, err := strconv.Atoi(fields[1])
		if err != nil || pid <= 1 {
			continue
		}
		entries = append(entries, entry{fields[0], pid})
	}
	return entries, scanner.Err()
}

// runs tells whether pid still runs the program called name (a replaced binary reads
// "NAME (deleted)"); a zombie has no exe and no longer runs.
func runs(e entry) bool {
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", e.pid))
	if err != nil {
		return false
	}
	return filepath.Base(strings.TrimSuffix(exe, " (deleted)")) == e.name
}

// pick picks the entries asked for: the last recorded pid of each NAME, in the order given
// (a name never recorded is an entry that does not run), else every entry.
func pick(entries []entry, names []string) []entry {
	if len(names) == 0 {
		return entries
	}
	var picked []entry
	for _, name := range names {
		last := entry{name: name}
		for _, e := range entries {
			if e.name == name {
				last = e
			}
		}
		picked = append(picked, last)
	}
	return picked
}

func running(file string, names []string) int {
	entries, err := readPids(file)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e-procs:", err)
		return 2
	}
	picked := pick(entries, names)
	status := 0
	if len(picked) == 0 {
		status = 1
	}
	for _, e := range picked {
		if e.pid != 0 && runs(e) {
			fmt.Printf("%s %d\n", e.name, e.pid)
		} else {
			status = 1
		}
	}
	return status
}

// waitGone polls until e no longer runs, for at most d.
func waitGone(e entry, d time.Duration) bool {
	for deadline := time.Now().Add(d); ; time.Sleep(100 * time.Millisecond) {
		if !runs(e) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

func stop(args []string) int {
	fs := flag.NewFlagSet("stop", flag.ExitOnError)
	grace := fs.Duration("grace", 20*time.Second, "how long a process has to exit after SIGTERM")
	prefix := fs.String("log", "e2e-procs", "the prefix of the lines it prints")
	_ = fs.Parse(args)
	if fs.NArg() < 1 {
		fmt.Fprintln(os.Stderr, "usage: e2e-procs stop [-grace 20s] [-log PREFIX] PIDFILE [NAME...]")
		return 2
	}
	log := func(format string, a ...any) {
		fmt.Fprintf(os.Stderr, "[%s %s] %s\n", *prefix, time.Now().Format("15:04:05"), fmt.Sprintf(format, a...))
	}
	entries, err := readPids(fs.Arg(0))
	if err != nil {
		log("%v", err)
		return 2
	}
	picked := pick(entries, fs.Args()[1:])
	if fs.NArg() == 1 { // every one, the last started first
		for i, j := 0, len(picked)-1; i < j; i, j = i+1, j-1 {
			picked[i], picked[j] = picked[j], picked[i]
		}
	}
	status := 0
	for _, e := range picked {
		if e.pid == 0 || !runs(e) {
			continue
		}
		if err := syscall.Kill(e.pid, syscall.SIGTERM); err != nil {
			continue // gone meanwhile
		}
		if !waitGone(e, *grace) {
			log("%s (pid %d) ignored SIGTERM for %s; SIGKILL", e.name, e.pid, *grace)
			_ = syscall.Kill(e.pid, syscall.SIGKILL)
			if !waitGone(e, 5*time.Second) {
				log("%s (pid %d) still runs after SIGKILL", e.name, e.pid)
				status = 1
				continue
			}
		}
		log("%s (pid %d) stopped", e.name, e.pid)
	}
	return status
}

func main() {
	if len(os.Args) >= 3 && os.Args[1] == "running" {
		os.Exit(running(os.Args[2], os.Args[3:]))
	}
	if len(os.Args) >= 2 && os.Args[1] == "stop" {
		os.Exit(stop(os.Args[2:]))
	}
	fmt.Fprintln(os.Stderr, "usage: e2e-procs running PIDFILE [NAME...] | e2e-procs stop [-grace 20s] [-log PREFIX] PIDFILE [NAME...]")
	os.Exit(2)
}
