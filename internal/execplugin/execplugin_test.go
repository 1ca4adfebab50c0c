package execplugin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/supervisorgo/supervisor/internal/rpc"
	"github.com/supervisorgo/supervisor/plugin"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

// recorder is a slog.Handler keeping every message, with a way to wait
// for one.
type recorder struct {
	mu      sync.Mutex
	lines   []string
	changed chan struct{}
}

func newRecorder() *recorder { return &recorder{changed: make(chan struct{})} }

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *recorder) WithGroup(string) slog.Handler            { return r }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	r.lines = append(r.lines, rec.Level.String()+" "+rec.Message)
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
	return nil
}

// wait waits until a message containing all of subs was logged.
func (r *recorder) wait(t *testing.T, subs ...string) string {
	t.Helper()
	deadline := time.NewTimer(20 * time.Second)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		for _, l := range r.lines {
			ok := true
			for _, s := range subs {
				ok = ok && strings.Contains(l, s)
			}
			if ok {
				r.mu.Unlock()
				return l
			}
		}
		ch := r.changed
		r.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			r.mu.Lock()
			defer r.mu.Unlock()
			t.Fatalf("no log line with %q in:\n%s", subs, strings.Join(r.lines, "\n"))
		}
	}
}

// fakeHost answers calls from the plugin.
type fakeHost struct {
	ns atomic.Pointer[Plugin]

	// supervisor.block waits for release; blocked counts the waiting
	// calls and most the largest count seen.
	release       chan struct{}
	blocked, most atomic.Int64
}

func (h *fakeHost) Identification() string { return "supervisor" }
func (h *fakeHost) Version() string        { return "4.2.5" }
func (h *fakeHost) ServerURL() string      { return "unix:///tmp/supervisor.sock" }
func (h *fakeHost) Call(ctx context.Context, method string, params ...xmlrpc.Value) (xmlrpc.Value, error) {
	switch method {
	case "supervisor.getState":
		return xmlrpc.Struct{{Name: "statecode", Value: 1}, {Name: "statename", Value: "RUNNING"}}, nil
	case "supervisor.echo":
		return params, nil
	case "supervisor.block":
		n := h.blocked.Add(1)
		for m := h.most.Load(); n > m && !h.most.CompareAndSwap(m, n); m = h.most.Load() {
		}
		defer h.blocked.Add(-1)
		select {
		case <-h.release:
		case <-ctx.Done():
		}
		return true, nil
	}
	if ns, ok := strings.CutPrefix(method, "test."); ok {
		for _, m := range h.ns.Load().Methods() {
			if m.Name == ns {
				return m.Call(ctx, params)
			}
		}
	}
	return nil, rpc.UnknownMethod.Fault()
}

var fastTiming = timing{stopGrace: 300 * time.Millisecond, firstDelay: 50 * time.Millisecond, maxDelay: time.Second, stableFor: time.Minute}

type setup struct {
	p    *Plugin
	host *fakeHost
	log  *recorder
}

func helperConfig(mode string, extra ...plugin.KeyValue) []plugin.KeyValue {
	cfg := []plugin.KeyValue{
		{Key: "command", Value: os.Args[0] + " -test.run=^$"},
		{Key: "environment", Value: fmt.Sprintf(`%s="%s",FOO="bar"`, helperEnv, mode)},
		{Key: "max_keys", Value: "100"},
	}
	return append(cfg, extra...)
}

func start(t *testing.T, cfg []plugin.KeyValue) (*setup, error) {
	t.Helper()
	return startTiming(t, cfg, fastTiming)
}

func startTiming(t *testing.T, cfg []plugin.KeyValue, tm timing) (*setup, error) {
	t.Helper()
	s := &setup{host: &fakeHost{}, log: newRecorder()}
	p, err := newPlugin(t.Context(), plugin.InitContext{Name: "test", Config: cfg, Host: s.host, Log: slog.New(s.log)}, tm)
	if err != nil {
		return s, err
	}
	s.p = p
	s.host.ns.Store(p)
	t.Cleanup(func() { p.Close() })
	return s, nil
}

func mustStart(t *testing.T, mode string, extra ...plugin.KeyValue) *setup {
	t.Helper()
	s, err := start(t, helperConfig(mode, extra...))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *setup) call(t *testing.T, name string, params ...xmlrpc.Value) (xmlrpc.Value, error) {
	t.Helper()
	for _, m := range s.p.Methods() {
		if m.Name == name {
			return m.Call(t.Context(), params)
		}
	}
	t.Fatalf("no method %q", name)
	return nil, nil
}

func wantFault(t *testing.T, err error, code int, sub string) {
	t.Helper()
	var f *xmlrpc.Fault
	if !errors.As(err, &f) || f.Code != code || !strings.Contains(f.String, sub) {
		t.Fatalf("err = %v, want fault %d containing %q", err, code, sub)
	}
}

func TestWellBehaved(t *testing.T) {
	s := mustStart(t, "good")
	var names []string
	for _, m := range s.p.Methods() {
		names = append(names, m.Name)
	}
	if !reflect.DeepEqual(names, []string{"echo", "add", "fail", "slow", "callback", "crash", "log", "info", "lastEvent", "long", "dotted.name_1", "flood"}) {
		t.Fatalf("methods = %q", names)
	}
	echo := s.p.Methods()[0]
	if echo.Help != "Return the params.\n@return array" || !reflect.DeepEqual(echo.Signature, []string{"array"}) {
		t.Errorf("echo help %q signature %q", echo.Help, echo.Signature)
	}
	if s.p.Methods()[2].Signature != nil {
		t.Errorf("fail has a signature")
	}
	if got, err := s.call(t, "add", 2, 40); err != nil || got != 42 {
		t.Errorf("add = %v, %v", got, err)
	}
	_, err := s.call(t, "fail")
	wantFault(t, err, 42, "nope: it failed")

	when := time.Date(2026, 11, 25, 13, 45, 0, 0, time.UTC)
	in := []any{1, 1.5, 2.0, true, "s", nil, []byte{0, 1}, when, []any{"x"}, map[string]any{"k": 1}}
	got, err := s.call(t, "echo", in...)
	if err != nil || !reflect.DeepEqual(got, in) {
		t.Errorf("echo = %#v, %v", got, err)
	}

	info, err := s.call(t, "info")
	if err != nil {
		t.Fatal(err)
	}
	m := info.(map[string]any)
	wantEnv := map[string]any{"SUPERVISOR_ENABLED": "1", "SUPERVISOR_RPC_NAMESPACE": "test", "SUPERVISOR_SERVER_URL": "unix:///tmp/supervisor.sock", "FOO": "bar"}
	if !reflect.DeepEqual(m["env"], wantEnv) {
		t.Errorf("env = %v", m["env"])
	}
	wantInit := map[string]any{"namespace": "test", "config": map[string]any{"max_keys": "100"},
		"supervisor": map[string]any{"version": "4.2.5", "api_version": "3.0", "identification": "supervisor"}}
	if !reflect.DeepEqual(m["init"], wantInit) {
		t.Errorf("initialize params = %v", m["init"])
	}
	if got, err := s.call(t, "dotted.name_1"); err != nil || got != "dotted" {
		t.Errorf("dotted = %v, %v", got, err)
	}
	s.log.wait(t, "rpcinterface:test: helper good starting")
	if _, err := s.call(t, "log", "error", "disk full"); err != nil {
		t.Fatal(err)
	}
	s.log.wait(t, "ERROR", "rpcinterface:test: disk full")
	if _, err := s.call(t, "log", "blather", "chatty"); err != nil {
		t.Fatal(err)
	}
	s.log.wait(t, "DEBUG-8", "chatty")
}

func TestCallback(t *testing.T) {
	s := mustStart(t, "good")
	got, err := s.call(t, "callback", "supervisor.getState")
	want := map[string]any{"result": map[string]any{"statecode": 1, "statename": "RUNNING"}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("callback getState = %v, %v", got, err)
	}
	got, err = s.call(t, "callback", "supervisor.nope")
	want = map[string]any{"code": int(rpc.UnknownMethod), "message": "UNKNOWN_METHOD"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("callback nope = %v, %v", got, err)
	}
	// the plugin calls its own namespace while its call is in flight
	got, err = s.call(t, "callback", "test.add", 1, 2)
	if err != nil || !reflect.DeepEqual(got, map[string]any{"result": 3}) {
		t.Errorf("callback test.add = %v, %v", got, err)
	}
	when := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	got, err = s.call(t, "callback", "supervisor.echo", []byte("hi"), when, 2.5)
	want = map[string]any{"result": []any{[]byte("hi"), when, 2.5}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("callback echo = %#v, %v", got, err)
	}
}

func TestCallTimeout(t *testing.T) {
	s := mustStart(t, "good", plugin.KeyValue{Key: "call_timeout", Value: "1"})
	_, err := s.call(t, "slow")
	wantFault(t, err, int(rpc.Failed), "test.slow: no answer within 1s")
	if got, err := s.call(t, "add", 1, 1); err != nil || got != 2 {
		t.Errorf("add after timeout = %v, %v", got, err)
	}
}

func TestHandshakeFailures(t *testing.T) {
	for _, tc := range []struct {
		mode    string
		timeout string
		want    []string
	}{
		{"exit", "10", []string{"rpcinterface:test: plugin exited with status 3 during initialize"}},
		{"hang", "1", []string{"rpcinterface:test: no answer to initialize within 1s"}},
		{"initerror", "10", []string{"rpcinterface:test: initialize failed: missing max_keys (code 7)"}},
		{"badname", "10", []string{"rpcinterface:test: bad answer to initialize: invalid method name \"_private\""}},
		{"long", "30", []string{"rpcinterface:test: protocol error during initialize: line longer than 16 MiB"}},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			_, err := start(t, helperConfig(tc.mode, plugin.KeyValue{Key: "init_timeout", Value: tc.timeout}))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) || strings.Contains(err.Error(), "\n") {
					t.Errorf("err = %q, want %q on one line", err, w)
				}
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  []plugin.KeyValue
		want string
	}{
		{"no command", []plugin.KeyValue{{Key: "max_keys", Value: "1"}}, "rpcinterface:test: command is required"},
		{"bad timeout", []plugin.KeyValue{{Key: "command", Value: "/bin/true"}, {Key: "call_timeout", Value: "x"}}, "call_timeout"},
		{"bad env", []plugin.KeyValue{{Key: "command", Value: "/bin/true"}, {Key: "environment", Value: `A="`}}, "rpcinterface:test:"},
		{"missing program", []plugin.KeyValue{{Key: "command", Value: "/nonexistent/plugin"}}, "rpcinterface:test:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := start(t, tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestGarbageLines(t *testing.T) {
	s := mustStart(t, "garbage")
	s.log.wait(t, "WARN", "skipped a stdout line", "not a JSON-RPC 2.0 message", "this is not json")
	s.log.wait(t, "WARN", "more garbage before the answer")
	if got, err := s.call(t, "add", 1, 2); err != nil || got != 3 {
		t.Errorf("add = %v, %v", got, err)
	}
}

// callUntil calls method until it succeeds or 20 s pass.
func (s *setup) callUntil(t *testing.T, name string, params ...xmlrpc.Value) xmlrpc.Value {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		v, err := s.call(t, name, params...)
		if err == nil {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still fails: %v", name, err)
		}
		<-time.After(20 * time.Millisecond) // polling a process we cannot observe otherwise
	}
}

func TestCrashAndRestart(t *testing.T) {
	s := mustStart(t, "good")
	_, err := s.call(t, "crash")
	wantFault(t, err, int(rpc.Failed), "test.crash: plugin exited")
	s.log.wait(t, "rpcinterface:test: plugin exited with status 4; restarting in")
	if got := s.callUntil(t, "add", 2, 2); got != 4 {
		t.Errorf("add after restart = %v", got)
	}
	s.log.wait(t, "plugin started with pid")
}

func TestNotRunning(t *testing.T) {
	slow := timing{stopGrace: 300 * time.Millisecond, firstDelay: time.Hour, maxDelay: time.Hour, stableFor: time.Hour}
	s, err := startTiming(t, helperConfig("good"), slow)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.call(t, "crash")
	wantFault(t, err, int(rpc.Failed), "plugin exited")
	s.log.wait(t, "restarting in 1h0m0s")
	_, err = s.call(t, "add", 1, 1)
	wantFault(t, err, int(rpc.Failed), "test.add: plugin not running")
	if err := s.p.Deliver(map[string]string{"eventname": "TICK_5"}, "when:1"); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Deliver = %v", err)
	}
}

func TestLongLineRestarts(t *testing.T) {
	s := mustStart(t, "good")
	_, err := s.call(t, "long")
	wantFault(t, err, int(rpc.Failed), "test.long")
	s.log.wait(t, "broke the protocol (a line longer than 16 MiB)")
	if got := s.callUntil(t, "add", 3, 3); got != 6 {
		t.Errorf("add after restart = %v", got)
	}
}

func TestEvents(t *testing.T) {
	s := mustStart(t, "good")
	if got := s.p.Events(); !reflect.DeepEqual(got, []string{"PROCESS_STATE", "TICK_5"}) {
		t.Errorf("Events = %q", got)
	}
	for name, want := range map[string]bool{"PROCESS_STATE_RUNNING": true, "PROCESS_STATE": true, "TICK_5": true, "TICK_60": false, "PROCESS_LOG_STDOUT": false} {
		if s.p.Subscribed(name) != want {
			t.Errorf("Subscribed(%s) = %t", name, !want)
		}
	}
	h := map[string]string{"ver": "3.0", "eventname": "PROCESS_STATE_RUNNING"}
	if err := s.p.Deliver(h, "processname:cat"); err != nil {
		t.Fatal(err)
	}
	// The notification is written before the call on the same stream, and
	// the helper handles notifications in order on its reader: the first
	// call sees the event.
	got, err := s.call(t, "lastEvent")
	want := map[string]any{"headers": map[string]any{"ver": "3.0", "eventname": "PROCESS_STATE_RUNNING"}, "payload": "processname:cat"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("lastEvent = %v", got)
	}
}

func TestCloseStubborn(t *testing.T) {
	s := mustStart(t, "stubborn")
	pid := s.p.cur.cmd.Process.Pid
	done := make(chan error, 1)
	began := time.Now()
	go func() { done <- s.p.Close() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("Close did not return")
	}
	if d := time.Since(began); d < 2*fastTiming.stopGrace {
		t.Errorf("Close took %s: it cannot have waited for EOF and SIGTERM", d)
	}
	s.log.wait(t, "helper: stdin closed") // it saw EOF and kept running
	if err := syscallKill(pid); err == nil {
		t.Errorf("pid %d still exists", pid)
	}
	s.p.Close() // idempotent
	_, err := s.call(t, "add", 1, 1)
	wantFault(t, err, int(rpc.Failed), "not running")
}

func TestCloseWellBehaved(t *testing.T) {
	s := mustStart(t, "good")
	if err := s.p.Close(); err != nil {
		t.Fatal(err)
	}
	s.log.wait(t, "helper: stdin closed")
}

func TestRegistered(t *testing.T) {
	if _, ok := plugin.Lookup(FactoryName); !ok {
		t.Fatal("exec factory not registered")
	}
}

func TestPythonKV(t *testing.T) {
	dir, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	log := newRecorder()
	ns, err := New(t.Context(), plugin.InitContext{Name: "kv", Host: &fakeHost{}, Log: slog.New(log), Config: []plugin.KeyValue{
		{Key: "command", Value: "/usr/bin/python3 kv.py"},
		{Key: "directory", Value: dir},
		{Key: "max_keys", Value: "2"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.(plugin.Closer).Close() })
	methods := map[string]plugin.Method{}
	for _, m := range ns.Methods() {
		methods[m.Name] = m
	}
	call := func(name string, params ...xmlrpc.Value) (xmlrpc.Value, error) {
		t.Helper()
		m, ok := methods[name]
		if !ok {
			t.Fatalf("kv has no method %q", name)
		}
		return m.Call(t.Context(), params)
	}
	if got, err := call("store", "a", "1"); err != nil || got != true {
		t.Fatalf("store = %v, %v", got, err)
	}
	if got, err := call("store", "b", "2"); err != nil || got != true {
		t.Fatalf("store = %v, %v", got, err)
	}
	_, err = call("store", "c", "3")
	wantFault(t, err, 10, "max_keys")
	if got, err := call("get", "a"); err != nil || got != "1" {
		t.Fatalf("get = %v, %v", got, err)
	}
	_, err = call("get", "zz")
	wantFault(t, err, 10, "BAD_NAME: zz")
	if got, err := call("count"); err != nil || got != 2 {
		t.Fatalf("count = %v, %v", got, err)
	}
	if sig := methods["store"].Signature; !reflect.DeepEqual(sig, []string{"boolean", "string", "string"}) {
		t.Errorf("store signature = %q", sig)
	}
	log.wait(t, "INFO", "rpcinterface:kv: kv plugin ready")
}

// TestCallFlood: a plugin that sends a thousand calls into supervisord at
// once has at most maxCallsIn of them served at a time; the others get
// the FAILED fault at once, and the plugin keeps working.
func TestCallFlood(t *testing.T) {
	s := mustStart(t, "good")
	s.host.release = make(chan struct{})
	const n = 1000
	type answer struct {
		v   xmlrpc.Value
		err error
	}
	done := make(chan answer, 1)
	go func() {
		v, err := s.call(t, "flood", n, "supervisor.block")
		done <- answer{v, err}
	}()
	deadline := time.Now().Add(30 * time.Second)
	for s.host.blocked.Load() < maxCallsIn {
		if time.Now().After(deadline) {
			t.Fatalf("only %d calls in flight", s.host.blocked.Load())
		}
		time.Sleep(time.Millisecond)
	}
	close(s.host.release)
	a := <-done
	if a.err != nil {
		t.Fatal(a.err)
	}
	counts := a.v.(map[string]any)
	ok, _ := counts["ok"].(int)
	failed, _ := counts[strconv.Itoa(int(rpc.Failed))].(int)
	if ok+failed != n || failed == 0 || ok < maxCallsIn {
		t.Errorf("counts %v", counts)
	}
	if most := s.host.most.Load(); most > maxCallsIn {
		t.Errorf("%d calls in flight at once", most)
	}
	if got, err := s.call(t, "add", 1, 2); err != nil || got != 3 {
		t.Errorf("add after the flood = %v, %v", got, err)
	}
}
