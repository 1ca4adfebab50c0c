// Command child is the program the benchmark suite runs under both
// supervisords: a Go binary, so no shell sits between the daemon and the
// workload.
//
// Usage:
//
//	child idle                    sleep until killed
//	child chatty -every 10ms      one short numbered line per tick on stdout;
//	                              on SIGTERM print "END <n>" and exit 0
//	child bulk -delay 1s -for 5s  after delay, write to stdout as fast as
//	                              possible for the duration, then print
//	                              "wrote <bytes>" on stderr and exit 0
//	child exit -after 1s          exit with -code (0) after the duration
//	child listener                an event listener that answers OK at once and
//	                              reports on stderr when it got the event "last"
//
// Every mode exits on its own once -ttl passes or its parent changes (the
// daemon died), so a benchmark killed hard leaves nothing running for long.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: child idle|chatty|bulk|exit [flags]")
		os.Exit(2)
	}
	mode := os.Args[1]
	fs := flag.NewFlagSet(mode, flag.ExitOnError)
	every := fs.Duration("every", 10*time.Millisecond, "chatty: interval between lines")
	delay := fs.Duration("delay", 0, "bulk: wait before writing")
	dur := fs.Duration("for", 5*time.Second, "bulk: how long to write")
	after := fs.Duration("after", time.Second, "exit: lifetime")
	code := fs.Int("code", 0, "exit: exit status")
	ttl := fs.Duration("ttl", 10*time.Minute, "exit after this long whatever the mode")
	if err := fs.Parse(os.Args[2:]); err != nil {
		os.Exit(2)
	}
	go watchdog(*ttl)
	var err error
	switch mode {
	case "idle":
		for {
			time.Sleep(time.Hour)
		}
	case "chatty":
		err = chatty(*every)
	case "bulk":
		err = bulk(*delay, *dur)
	case "exit":
		time.Sleep(*after)
		os.Exit(*code)
	case "listener":
		err = listener()
	default:
		err = fmt.Errorf("unknown mode %q", mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(1)
	}
}

// watchdog ends the process after ttl, or as soon as its parent is gone.
func watchdog(ttl time.Duration) {
	parent := os.Getppid()
	end := time.After(ttl)
	tick := time.NewTicker(5 * time.Second)
	for {
		select {
		case <-end:
			os.Exit(3)
		case <-tick.C:
			if os.Getppid() != parent {
				os.Exit(4)
			}
		}
	}
}

// chatty writes "%08d chatty line\n" (one write each, so a line is never
// split in the pipe) every interval, and "END <count>\n" on SIGTERM.
func chatty(every time.Duration) error {
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	tick := time.NewTicker(every)
	defer tick.Stop()
	buf := make([]byte, 0, 64)
	for n := 0; ; n++ {
		select {
		case <-term:
			_, err := os.Stdout.Write([]byte("END " + strconv.Itoa(n) + "\n"))
			return err
		case <-tick.C:
		}
		buf = fmt.Appendf(buf[:0], "%08d chatty line\n", n)
		if _, err := os.Stdout.Write(buf); err != nil {
			return err
		}
	}
}

// bulk writes 64 KiB blocks of 64-byte lines for dur and reports the byte
// count on stderr.
func bulk(delay, dur time.Duration) error {
	time.Sleep(delay)
	line := append(bytes.Repeat([]byte("x"), 63), '\n')
	block := bytes.Repeat(line, 1024)
	var total int64
	end := time.Now().Add(dur)
	for time.Now().Before(end) {
		n, err := os.Stdout.Write(block)
		total += int64(n)
		if err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(os.Stderr, "wrote %d\n", total)
	return err
}
