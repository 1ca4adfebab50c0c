package capture

import (
	"bytes"
	"encoding/json"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// TestStripEscapesLikeReference compares StripEscapes with the reference's
// supervisor.dispatchers.stripEscapes over random byte strings.
func TestStripEscapesLikeReference(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	alphabet := []string{"a", "b", "\x1b", "[", "m", "H", "3", "1;32", "\n", "\x1b[", "\x1b[0m", "K", "é"}
	var inputs []string
	for i := 0; i < 1000; i++ {
		var b strings.Builder
		for n := r.IntN(12); n > 0; n-- {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		inputs = append(inputs, b.String())
	}
	const script = `
import json, sys
from supervisor.dispatchers import stripEscapes
out = [stripEscapes(s.encode("utf-8", "surrogateescape")).decode("utf-8", "surrogateescape") for s in json.load(sys.stdin)]
json.dump(out, sys.stdout)
`
	in, _ := json.Marshal(inputs)
	cmd := exec.Command("/usr/bin/python3", "-c", script)
	cmd.Dir = t.TempDir()
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("the reference did not run (%v): install Debian's supervisor package (scripts/test does)", err)
	}
	var want []string
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatal(err)
	}
	for i, s := range inputs {
		if got := string(StripEscapes([]byte(s))); got != want[i] {
			t.Errorf("StripEscapes(%q) = %q, reference %q", s, got, want[i])
		}
	}
}

// TestPumpIsExact sends random chunks through a pipe into a rotating log
// and checks that the backups and the current file hold exactly what was
// written, in order.
func TestPumpIsExact(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.log")
	sink, err := Open(Options{Process: "p", Channel: "stdout", Path: path, MaxBytes: 10000, Backups: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var pumpErr error
	wg.Go(func() { pumpErr = Pump(pr, sink) })
	var sent bytes.Buffer
	r := rand.New(rand.NewPCG(7, 8))
	for i := 0; i < 500; i++ {
		chunk := make([]byte, r.IntN(5000))
		for j := range chunk {
			chunk[j] = byte('a' + r.IntN(26))
		}
		sent.Write(chunk)
		if _, err := pw.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	pw.Close()
	wg.Wait()
	if pumpErr != nil {
		t.Fatal(pumpErr)
	}
	var got []byte
	backups, _ := filepath.Glob(path + ".*")
	for i := len(backups); i >= 1; i-- {
		b, err := os.ReadFile(path + "." + strconv.Itoa(i))
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, b...)
	}
	cur, _ := os.ReadFile(path)
	got = append(got, cur...)
	if !bytes.Equal(got, sent.Bytes()) {
		t.Fatalf("logs hold %d bytes, %d were sent (equal prefix: %t)", len(got), sent.Len(), bytes.HasPrefix(sent.Bytes(), got))
	}
	if len(backups) < 10 {
		t.Errorf("only %d rotations", len(backups))
	}
}

func TestPumpReturnsOnClose(t *testing.T) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pw.Close()
	done := make(chan error)
	go func() { done <- Pump(pr, io.Discard) }()
	pr.Close()
	if err := <-done; err != nil {
		t.Errorf("Pump after Close: %v", err)
	}
}

// TestCaptureMode follows the reference's record_output: output between
// the tokens goes to OnComm, not the log, whatever the chunking.
func TestCaptureMode(t *testing.T) {
	stream := "before <!--XSUPERVISOR:BEGIN-->comm one<!--XSUPERVISOR:END--> middle " +
		"<!--XSUPERVISOR:BEGIN-->two<!--XSUPERVISOR:END-->after and more text"
	for _, chunk := range []int{1, 3, 7, 24, 1000} {
		path := filepath.Join(t.TempDir(), "log")
		var comms []string
		var data bytes.Buffer
		sink, err := Open(Options{Process: "p", Channel: "stdout", Path: path, CaptureMaxBytes: 100,
			OnComm: func(b []byte) { comms = append(comms, string(b)) }, OnData: func(b []byte) { data.Write(b) }})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(stream); i += chunk {
			sink.Write([]byte(stream[i:min(i+chunk, len(stream))]))
		}
		sink.Close()
		got, _ := os.ReadFile(path)
		// The tail shorter than a token stays pending, as in the reference.
		if want := "before  middle after and more text"; !strings.HasPrefix(want, string(got)) || len(got) < len(want)-len(BeginToken) {
			t.Errorf("chunk %d: log %q", chunk, got)
		}
		if len(comms) != 2 || comms[0] != "comm one" || comms[1] != "two" {
			t.Errorf("chunk %d: comms %q", chunk, comms)
		}
	}
}

func TestCaptureBufferBound(t *testing.T) {
	var comms []string
	sink, _ := Open(Options{Process: "p", Channel: "stdout", CaptureMaxBytes: 40,
		OnComm: func(b []byte) { comms = append(comms, string(b)) }})
	sink.Write([]byte("<!--XSUPERVISOR:BEGIN-->"))
	sink.Write([]byte("0123456789abcdefghijklmnopqrst")) // 30 bytes: kept
	sink.Write([]byte("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123")) // 30 more: 60 > 40
	sink.Write([]byte("<!--XSUPERVISOR:END-->x"))
	// BoundIO drops as many bytes from the front as it is given.
	if len(comms) != 1 || comms[0] != "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123" {
		t.Errorf("comms %q", comms)
	}
}
