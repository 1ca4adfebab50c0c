package listener

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supervisorgo/supervisor/internal/events"
)

// stdin records what the pool writes to a listener.
type stdin struct {
	mu   sync.Mutex
	envs []string
	fail bool
}

func (s *stdin) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail {
		return 0, errors.New("broken pipe")
	}
	s.envs = append(s.envs, string(p))
	return len(p), nil
}

func (s *stdin) got() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.envs...)
}

// logBuf collects log lines.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func newPool(t *testing.T, size int) (*Pool, *events.Bus, *logBuf) {
	t.Helper()
	lb := &logBuf{}
	log := slog.New(slog.NewTextHandler(lb, &slog.HandlerOptions{Level: slog.LevelDebug}))
	p := New(Options{Name: "lis", Server: "sv", BufferSize: size, Log: log})
	bus := &events.Bus{}
	bus.Subscribe([]string{events.Event}, p.Accept)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { p.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return p, bus, lb
}

func TestProtocol(t *testing.T) {
	p, bus, lb := newPool(t, 10)
	m := p.Add("lis_00")
	in := &stdin{}
	m.Spawned(in)
	bus.Publish(events.Remote("t", "one"))
	m.Output([]byte("READY\n"))
	if p.Buffered() != 1 || len(in.got()) != 0 {
		t.Fatal("an event went to a listener that is not RUNNING")
	}
	m.SetRunning(true)
	waitFor(t, "first envelope", func() bool { return len(in.got()) == 1 })
	if got, want := in.got()[0], "ver:3.0 server:sv serial:0 pool:lis poolserial:0 eventname:REMOTE_COMMUNICATION len:10\ntype:t\none"; got != want {
		t.Errorf("envelope %q", got)
	}
	if m.State() != Busy {
		t.Errorf("state %s", m.State())
	}
	// FAIL: the event comes back; RESULT split across writes.
	m.Output([]byte("RESULT 4\nFA"))
	m.Output([]byte("IL"))
	if m.State() != Acknowledged || p.Buffered() != 1 {
		t.Fatalf("after FAIL: %s, %d buffered", m.State(), p.Buffered())
	}
	m.Output([]byte("READY\n"))
	waitFor(t, "resent envelope", func() bool { return len(in.got()) == 2 })
	if !strings.Contains(in.got()[1], "serial:0 pool:lis poolserial:0") {
		t.Errorf("resent %q", in.got()[1])
	}
	m.Output([]byte("RESULT 2\nOKREADY\n"))
	if m.State() != Ready || p.Buffered() != 0 {
		t.Fatalf("after OK: %s, %d buffered", m.State(), p.Buffered())
	}
	for _, want := range []string{"lis_00: event was rejected", "lis_00: event was processed", "lis_00: BUSY -> ACKNOWLEDGED",
		"rebuffering event 0 for pool lis (buf size=0, max=10)", "event 0 sent to listener lis_00"} {
		if !strings.Contains(lb.String(), want) {
			t.Errorf("log lacks %q", want)
		}
	}
}

func TestViolations(t *testing.T) {
	for _, tc := range []struct {
		name     string
		busy     bool // an event is in flight before the output
		out      []string
		state    State
		buffered int
		log      string
		sent     int // envelopes written in all
	}{
		{"garbage instead of READY", false, []string{"HELLO!\n"}, Unknown, 1, "has entered the UNKNOWN state", 0},
		{"short data waits", false, []string{"REA"}, Acknowledged, 1, "", 0},
		{"READY in pieces", false, []string{"REA", "DY\n"}, Busy, 0, "", 1},
		{"bad result line", true, []string{"RESULT x\n"}, Unknown, 1, "lis_00: bad result line: 'RESULT x'", 0},
		{"short result line", true, []string{"OK\n"}, Unknown, 1, "bad result line: 'OK'", 0},
		{"result prefix not checked", true, []string{"XXXXXXX2\nOK"}, Acknowledged, 0, "event was processed", 0},
		{"result in pieces", true, []string{"RESULT 2\n", "O", "K"}, Acknowledged, 0, "event was processed", 0},
		{"result of 0 waits for more", true, []string{"RESULT 0\n"}, Busy, 0, "", 0},
		{"result of 0 then READY: rejected and resent", true, []string{"RESULT 0\n", "READY\n"}, Busy, 0, "event was rejected", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, bus, lb := newPool(t, 10)
			m := p.Add("lis_00")
			in := &stdin{}
			m.Spawned(in)
			m.SetRunning(true)
			bus.Publish(events.Remote("t", "x"))
			if tc.busy {
				m.Output([]byte("READY\n"))
				waitFor(t, "envelope", func() bool { return len(in.got()) == 1 })
			}
			for _, o := range tc.out {
				m.Output([]byte(o))
			}
			if tc.sent > 0 {
				waitFor(t, "envelopes", func() bool { return len(in.got()) == tc.sent })
			}
			if m.State() != tc.state || p.Buffered() != tc.buffered {
				t.Errorf("state %s, %d buffered; want %s, %d", m.State(), p.Buffered(), tc.state, tc.buffered)
			}
			if !strings.Contains(lb.String(), tc.log) {
				t.Errorf("log lacks %q:\n%s", tc.log, lb.String())
			}
		})
	}
}

func TestReadySpuriousData(t *testing.T) {
	p, _, _ := newPool(t, 10)
	m := p.Add("lis_00")
	m.Spawned(&stdin{})
	m.Output([]byte("READY\nREADY\n"))
	if m.State() != Unknown {
		t.Errorf("state %s", m.State())
	}
}

func TestDeathInFlightRebuffers(t *testing.T) {
	p, bus, _ := newPool(t, 10)
	a, b := p.Add("lis_00"), p.Add("lis_01")
	inA, inB := &stdin{}, &stdin{}
	a.Spawned(inA)
	a.SetRunning(true)
	a.Output([]byte("READY\n"))
	bus.Publish(events.Remote("t", "x"))
	waitFor(t, "envelope to a", func() bool { return len(inA.got()) == 1 })
	a.Exited()
	if p.Buffered() != 1 {
		t.Fatalf("%d buffered", p.Buffered())
	}
	b.Spawned(inB)
	b.SetRunning(true)
	b.Output([]byte("READY\n"))
	waitFor(t, "envelope to b", func() bool { return len(inB.got()) == 1 })
	if inA.got()[0] != inB.got()[0] {
		t.Errorf("a got %q, b got %q", inA.got()[0], inB.got()[0])
	}
}

func TestWriteErrorTriesNext(t *testing.T) {
	p, bus, lb := newPool(t, 10)
	a, b := p.Add("lis_00"), p.Add("lis_01")
	inA, inB := &stdin{fail: true}, &stdin{}
	for _, x := range []struct {
		m  *Member
		in *stdin
	}{{a, inA}, {b, inB}} {
		x.m.Spawned(x.in)
		x.m.SetRunning(true)
		x.m.Output([]byte("READY\n"))
	}
	bus.Publish(events.Remote("t", "x"))
	waitFor(t, "envelope to b", func() bool { return len(inB.got()) == 1 })
	if !strings.Contains(lb.String(), "epipe occurred while sending event 0 to listener lis_00, listener state unchanged") {
		t.Errorf("log: %s", lb.String())
	}
}

func TestOverflowDropsOldest(t *testing.T) {
	p, bus, lb := newPool(t, 3)
	for i := range 5 {
		bus.Publish(events.Remote("t", fmt.Sprint(i)))
	}
	if p.Buffered() != 3 {
		t.Errorf("%d buffered", p.Buffered())
	}
	for _, want := range []string{"pool lis event buffer overflowed, discarding event 0", "discarding event 1"} {
		if !strings.Contains(lb.String(), want) {
			t.Errorf("log lacks %q", want)
		}
	}
	m := p.Add("lis_00")
	in := &stdin{}
	m.Spawned(in)
	m.SetRunning(true)
	m.Output([]byte("READY\n"))
	waitFor(t, "envelope", func() bool { return len(in.got()) == 1 })
	if !strings.Contains(in.got()[0], "serial:2 pool:lis poolserial:2") {
		t.Errorf("first delivered %q", in.got()[0])
	}
}

func TestResultLength(t *testing.T) {
	for _, tc := range []struct {
		line string
		n    int
		ok   bool
	}{
		{"RESULT 2", 2, true}, {"RESULT  12 ", 12, true}, {"RESULT +3", 3, true}, {"RESULT 1_0", 10, true},
		{"RESULT ", 0, false}, {"RESULT -1", 0, false}, {"RESULT 1__0", 0, false}, {"RESULT 1_", 0, false},
		{"RESULT", 0, false}, {"RESULT 99999999999", 0, false}, {"RESULT 2x", 0, false},
	} {
		n, ok := resultLength([]byte(tc.line))
		if n != tc.n || ok != tc.ok {
			t.Errorf("%q: %d %t", tc.line, n, ok)
		}
	}
}

func FuzzOutput(f *testing.F) {
	for _, s := range []string{"READY\n", "RESULT 2\nOK", "READY\nRESULT 4\nFAILREADY\n", "RESULT x\n", "\xff\n"} {
		f.Add([]byte(s), uint8(3))
	}
	f.Fuzz(func(t *testing.T, data []byte, cut uint8) {
		p := New(Options{Name: "lis", BufferSize: 2})
		m := p.Add("l")
		m.Spawned(&stdin{})
		m.SetRunning(true)
		p.Accept(events.Remote("t", "x"))
		c := int(cut) % (len(data) + 1)
		m.Output(data[:c])
		p.dispatch()
		m.Output(data[c:])
		p.dispatch()
		if n := p.Buffered(); n > 2 {
			t.Fatalf("%d buffered", n)
		}
	})
}
