// Command profd is our supervisord (the same daemon.Main as
// cmd/supervisord) with profiling hooks, built by `go run ./bench -profile
// DIR` in place of ./cmd/supervisord.
//
// The first SIGUSR1 starts a CPU profile; the next stops it and writes, next
// to it, a heap profile, the goroutine stacks and runtime.MemStats; and so
// on. Files are named $SVBENCH_PROFILE_PREFIX + "cpu-N.pprof", "heap-N.pprof",
// "goroutines-N.txt", "memstats-N.txt".
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"syscall"

	"github.com/supervisorgo/supervisor/internal/daemon"
)

func main() {
	prefix := os.Getenv("SVBENCH_PROFILE_PREFIX")
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGUSR1)
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		profile(prefix, sigs, done)
	}()
	code := daemon.Main(context.Background(), os.Args[0], os.Args[1:], os.Stdout, os.Stderr)
	close(done)
	<-stopped
	os.Exit(code)
}

// profile toggles the CPU profile on each signal until done is closed.
func profile(prefix string, sigs <-chan os.Signal, done <-chan struct{}) {
	var cpu *os.File
	n := 0
	stop := func() {
		pprof.StopCPUProfile()
		cpu.Close()
		cpu = nil
		if err := snapshot(prefix, n); err != nil {
			fmt.Fprintln(os.Stderr, "profd:", err)
		}
		n++
	}
	for {
		select {
		case <-done:
			if cpu != nil {
				stop()
			}
			return
		case <-sigs:
			if cpu != nil {
				stop()
				continue
			}
			f, err := os.Create(fmt.Sprintf("%scpu-%d.pprof", prefix, n))
			if err != nil {
				fmt.Fprintln(os.Stderr, "profd:", err)
				continue
			}
			if err := pprof.StartCPUProfile(f); err != nil {
				fmt.Fprintln(os.Stderr, "profd:", err)
				f.Close()
				continue
			}
			cpu = f
		}
	}
}

// snapshot writes the heap profile, the goroutine stacks and MemStats.
func snapshot(prefix string, n int) error {
	runtime.GC()
	for _, p := range []struct {
		name  string
		file  string
		debug int
	}{{"heap", "heap-%d.pprof", 0}, {"goroutine", "goroutines-%d.txt", 1}} {
		f, err := os.Create(prefix + fmt.Sprintf(p.file, n))
		if err != nil {
			return err
		}
		err = pprof.Lookup(p.name).WriteTo(f, p.debug)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b, err := json.MarshalIndent(ms, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(prefix+fmt.Sprintf("memstats-%d.txt", n), b, 0o644)
}
