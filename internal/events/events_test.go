package events

import (
	"github.com/supervisorgo/supervisor/internal/config"

	"context"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestIs(t *testing.T) {
	for _, tc := range []struct {
		name, typ string
		want      bool
	}{
		{ProcessStateRunning, ProcessState, true},
		{ProcessStateRunning, Event, true},
		{ProcessStateRunning, ProcessStateRunning, true},
		{ProcessStateRunning, ProcessLog, false},
		{Tick5, Tick, true},
		{ProcessGroupAdded, ProcessGroup, true},
		{ProcessLogStdout, ProcessCommunication, false},
		{"NOPE", Event, false},
	} {
		if got := Is(tc.name, tc.typ); got != tc.want {
			t.Errorf("Is(%s, %s) = %t", tc.name, tc.typ, got)
		}
	}
	if !Known(Tick3600) || Known("TICK_10") {
		t.Error("Known")
	}
	if len(Names()) != 27 {
		t.Errorf("%d names", len(Names()))
	}
}

func TestPayloads(t *testing.T) {
	for _, tc := range []struct {
		e          *E
		name, want string
	}{
		{ProcessStateChange(StateChange{Process: "cat", Group: "g", From: "STOPPED", To: "STARTING", Tries: 0}),
			ProcessStateStarting, "processname:cat groupname:g from_state:STOPPED tries:0"},
		{ProcessStateChange(StateChange{Process: "cat", Group: "g", From: "STARTING", To: "RUNNING", Pid: 12}),
			ProcessStateRunning, "processname:cat groupname:g from_state:STARTING pid:12"},
		{ProcessStateChange(StateChange{Process: "cat", Group: "g", From: "RUNNING", To: "EXITED", Pid: 12, Expected: true}),
			ProcessStateExited, "processname:cat groupname:g from_state:RUNNING expected:1 pid:12"},
		{ProcessStateChange(StateChange{Process: "cat", Group: "g", From: "BACKOFF", To: "FATAL"}),
			ProcessStateFatal, "processname:cat groupname:g from_state:BACKOFF"},
		{ProcessStateChange(StateChange{Process: "cat", Group: "g", From: "STARTING", To: "BACKOFF", Tries: 2}),
			ProcessStateBackoff, "processname:cat groupname:g from_state:STARTING tries:2"},
		{ProcessStateChange(StateChange{Process: "cat", Group: "g", From: "STOPPING", To: "STOPPED", Pid: 3}),
			ProcessStateStopped, "processname:cat groupname:g from_state:STOPPING pid:3"},
		{ProcessLogData("cat", "g", 5, "stderr", []byte("hi\n")), ProcessLogStderr, "processname:cat groupname:g pid:5 channel:stderr\nhi\n"},
		{ProcessLogData("cat", "g", 5, "stdout", []byte("\xff")), ProcessLogStdout, "processname:cat groupname:g pid:5 channel:stdout\nUndecodable: b'\\xff'"},
		{ProcessCommunicationData("cat", "g", 5, "stdout", []byte("x")), ProcessCommunicationStdout, "processname:cat groupname:g pid:5\nx"},
		{Remote("t", "d"), RemoteCommunication, "type:t\nd"},
		{GroupAdded("g"), ProcessGroupAdded, "groupname:g\n"},
		{GroupRemoved("g"), ProcessGroupRemoved, "groupname:g\n"},
		{SupervisorRunning(), SupervisorStateChangeRunning, ""},
		{SupervisorStopping(), SupervisorStateChangeStop, ""},
		{TickAt(60, 120), Tick60, "when:120"},
	} {
		if tc.e.Name != tc.name || tc.e.Payload != tc.want {
			t.Errorf("%s %q, want %s %q", tc.e.Name, tc.e.Payload, tc.name, tc.want)
		}
	}
	if e := ProcessStateChange(StateChange{To: "SHUTDOWN"}); e != nil {
		t.Errorf("event for a non-state: %v", e)
	}
}

func TestBusSerialsAndOrder(t *testing.T) {
	var b Bus
	var got []string
	b.Publish(Remote("none", "")) // no subscriber: no serial used
	unsub := b.Subscribe([]string{ProcessState}, func(e *E) { got = append(got, "a:"+e.Name) })
	b.Subscribe([]string{Event}, func(e *E) { got = append(got, "b:"+e.Name) })
	e1 := ProcessStateChange(StateChange{To: "RUNNING"})
	b.Publish(e1)
	e2 := Remote("x", "y")
	b.Publish(e2)
	unsub()
	b.Publish(TickAt(5, 0))
	if want := []string{"a:PROCESS_STATE_RUNNING", "b:PROCESS_STATE_RUNNING", "b:REMOTE_COMMUNICATION", "b:TICK_5"}; !slices.Equal(got, want) {
		t.Errorf("got %q", got)
	}
	if e1.Serial() != 0 || e2.Serial() != 1 {
		t.Errorf("serials %d %d", e1.Serial(), e2.Serial())
	}
}

func TestEnvelope(t *testing.T) {
	var b Bus
	b.Subscribe([]string{Event}, func(*E) {})
	for range 45 {
		b.Publish(TickAt(5, 0))
	}
	e := Remote("mytype", "mydata")
	b.Publish(e)
	if got, want := Envelope(e, "refsv", "lis", 45), "ver:3.0 server:refsv serial:45 pool:lis poolserial:45 eventname:REMOTE_COMMUNICATION len:18\ntype:mytype\nmydata"; got != want {
		t.Errorf("got %q", got)
	}
	u := Remote("t", "é") // len counts code points
	if h := Headers(u, "s", "p", 0); h["len"] != "8" || h["eventname"] != RemoteCommunication {
		t.Errorf("headers %v", h)
	}
}

func TestQueueDropsOldest(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	var got []int64
	var dropped []string
	q := NewQueue(2, func(e *E, ps int64) {
		<-release
		mu.Lock()
		got = append(got, ps)
		mu.Unlock()
	}, func(e *E) { dropped = append(dropped, e.Payload) })
	defer q.Close()
	q.Push(New(Tick5, "0")) // taken by the goroutine, blocked in deliver
	deadline := time.Now().Add(10 * time.Second)
	for {
		q.mu.Lock()
		n := len(q.buf)
		q.mu.Unlock()
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("first event never taken")
		}
		time.Sleep(time.Millisecond)
	}
	for i := 1; i <= 3; i++ {
		q.Push(New(Tick5, string(rune('0'+i))))
	}
	close(release)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("got %v", got)
		}
		time.Sleep(time.Millisecond)
	}
	if !slices.Equal(got, []int64{0, 2, 3}) || !slices.Equal(dropped, []string{"1"}) {
		t.Errorf("delivered %v dropped %q", got, dropped)
	}
}

func TestTicker(t *testing.T) {
	k := newTicker(time.Unix(3599, 0))
	for _, tc := range []struct {
		at   int64
		want []string
	}{
		{3599, nil},
		{3600, []string{"TICK_5 when:3600", "TICK_60 when:3600", "TICK_3600 when:3600"}},
		{3604, nil},
		{3605, []string{"TICK_5 when:3605"}},
		{3671, []string{"TICK_5 when:3670", "TICK_60 when:3660"}},
	} {
		var got []string
		for _, e := range k.at(time.Unix(tc.at, 0)) {
			got = append(got, e.Name+" "+e.Payload)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("at %d: %q, want %q", tc.at, got, tc.want)
		}
	}
}

func TestTicksStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { Ticks(ctx, &Bus{}); close(done) }()
	cancel()
	<-done
}

// The configuration loader accepts exactly the event types known here.
func TestNamesMatchConfig(t *testing.T) {
	want := slices.Sorted(slices.Values(config.EventTypes))
	if got := Names(); !slices.Equal(got, want) {
		t.Errorf("events %q\nconfig %q", got, want)
	}
}
