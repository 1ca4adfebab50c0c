package execplugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supervisorgo/supervisor/internal/jsonrpc"
)

// daemon is supervisord's side of an in-memory connection to a plugin.
type daemon struct {
	conn   *jsonrpc.Conn
	logs   chan map[string]string
	served chan error // ServeConn's result
	cancel context.CancelFunc
}

// serve runs p over in-memory pipes against a fake supervisord that
// answers supervisor.getState and faults every other call.
func serve(t *testing.T, p *Plugin) *daemon {
	t.Helper()
	toPlugin, fromDaemon := io.Pipe()
	toDaemon, fromPlugin := io.Pipe()
	d := &daemon{logs: make(chan map[string]string, 16), served: make(chan error, 1)}
	h := jsonrpc.HandlerFunc(func(ctx context.Context, r *jsonrpc.Request) (any, error) {
		if r.IsNotification() {
			if r.Method == "log" {
				var m map[string]string
				json.Unmarshal(r.Params, &m)
				d.logs <- m
			}
			return nil, nil
		}
		switch r.Method {
		case "supervisor.getState":
			return map[string]any{"statecode": 1, "statename": "RUNNING"}, nil
		case "system.echo":
			return r.Params, nil
		}
		return nil, &jsonrpc.Error{Code: 1, Message: "UNKNOWN_METHOD"}
	})
	d.conn = jsonrpc.NewConn(toDaemon, fromDaemon, jsonrpc.Options{Handler: h})
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel = cancel
	go func() { d.served <- p.ServeConn(ctx, toPlugin, fromPlugin) }()
	t.Cleanup(func() {
		cancel()
		d.conn.Close()
		select {
		case <-d.served:
		case <-time.After(10 * time.Second):
			t.Error("ServeConn did not return")
		}
	})
	return d
}

// call makes a call to the plugin; the answer is the result's JSON or the
// error's "code: message".
func (d *daemon) call(t *testing.T, method string, params string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var raw any
	if params != "" {
		raw = json.RawMessage(params)
	}
	res, err := d.conn.Call(ctx, method, raw)
	if err != nil {
		var je *jsonrpc.Error
		if errors.As(err, &je) {
			return fmt.Sprintf("%d: %s", je.Code, je.Message)
		}
		t.Fatalf("%s: %v", method, err)
	}
	return string(res)
}

// handshake sends initialize and returns the answer.
func (d *daemon) handshake(t *testing.T, config string) string {
	t.Helper()
	return d.call(t, "initialize", `{"namespace":"test","config":`+config+
		`,"supervisor":{"version":"4.2.5","api_version":"3.0","identification":"supervisor"}}`)
}

// testPlugin has a method of each kind.
func testPlugin() *Plugin {
	p := New()
	p.Handle("add", "Add.\n@param int a\n@param int b\n@return int",
		Func2(func(_ context.Context, a, b int) (int, error) { return a + b, nil }))
	p.Handle("store", "", Func3(func(_ context.Context, k, v string, flag bool) (bool, error) { return flag, nil }))
	p.Handle("half", "", Func1(func(_ context.Context, f float64) (float64, error) { return f / 2, nil }))
	p.Handle("none", "", Func0(func(context.Context) (any, error) { return nil, nil }))
	p.Handle("counts", "", Func0(func(context.Context) (map[string]int, error) {
		return map[string]int{"b": 2, "a": 1}, nil
	}))
	p.Handle("custom", "", Func1(func(_ context.Context, v struct{ X int }) (int, error) { return v.X, nil }))
	p.Method("echo", "Return the params.", []string{"array"}, func(_ context.Context, params []any) (any, error) {
		return params, nil
	})
	p.Method("fault", "", nil, func(context.Context, []any) (any, error) {
		return nil, fmt.Errorf("wrapped: %w", Errorf(FaultBadName, "BAD_NAME: %s", "x"))
	})
	p.Method("fail", "", nil, func(context.Context, []any) (any, error) { return nil, errors.New("disk full") })
	p.Method("panic", "", nil, func(context.Context, []any) (any, error) { panic("boom") })
	p.Method("nan", "", nil, func(context.Context, []any) (any, error) { return []any{1, struct{}{}, func() {}}, nil })
	p.Method("dotted.name_1", "", nil, func(context.Context, []any) (any, error) { return "dotted", nil })
	return p
}

func TestHandshake(t *testing.T) {
	tests := []struct {
		name  string
		setup func(p *Plugin)
		want  string
	}{
		{"methods in order with typed signatures", func(p *Plugin) {
			p.Handle("add", "Add.", Func2(func(_ context.Context, a, b int) (int, error) { return a + b, nil }))
			p.Handle("custom", "", Func1(func(_ context.Context, v struct{ X int }) (int, error) { return v.X, nil }))
			p.Handle("forced", "", Func1(func(_ context.Context, v any) (any, error) { return v, nil }).WithSignature("string", "int"))
			p.Method("raw", "Raw.", []string{"array", "struct"}, func(context.Context, []any) (any, error) { return nil, nil })
		}, `{"methods":[{"name":"add","help":"Add.","signature":[["int","int","int"]]},{"name":"custom"},` +
			`{"name":"forced","signature":[["string","int"]]},{"name":"raw","help":"Raw.","signature":[["array","struct"]]}]}`},
		{"events deduplicated", func(p *Plugin) {
			p.Subscribe(func(context.Context, Event) {}, "PROCESS_STATE", "TICK_5")
			p.Subscribe(func(context.Context, Event) {}, "TICK_5", "PROCESS_GROUP")
		}, `{"events":["PROCESS_STATE","TICK_5","PROCESS_GROUP"],"methods":[]}`},
		{"init reads config and registers", func(p *Plugin) {
			p.OnInit(func(_ context.Context, in Init) error {
				if in.Namespace != "test" || in.Config["greeting"] != "hi" || in.Supervisor.APIVersion != "3.0" {
					return fmt.Errorf("bad init %+v", in)
				}
				p.Method("late_"+in.Config["greeting"], "", nil, func(context.Context, []any) (any, error) { return nil, nil })
				return nil
			})
		}, `{"methods":[{"name":"late_hi"}]}`},
		{"init error", func(p *Plugin) {
			p.OnInit(func(context.Context, Init) error { return errors.New("max_keys is required") })
		}, `30: max_keys is required`},
		{"init fault", func(p *Plugin) {
			p.OnInit(func(context.Context, Init) error { return Errorf(7, "no") })
		}, `7: no`},
		{"init panic", func(p *Plugin) {
			p.OnInit(func(context.Context, Init) error { panic("oops") })
		}, `30: panic: oops`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := New()
			tc.setup(p)
			d := serve(t, p)
			if got := d.handshake(t, `{"greeting":"hi"}`); got != tc.want {
				t.Errorf("answer\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestCalls(t *testing.T) {
	d := serve(t, testPlugin())
	d.handshake(t, `{}`)
	tests := []struct {
		name, method, params, want string
	}{
		{"typed", "add", `[20,22]`, `42`},
		{"three params", "store", `["k","v",true]`, `true`},
		{"too few", "add", `[1]`, `2: INCORRECT_PARAMETERS: 1 parameters where 2 are expected`},
		{"no params", "add", ``, `2: INCORRECT_PARAMETERS: 0 parameters where 2 are expected`},
		{"wrong type", "add", `[1,"2"]`, `2: INCORRECT_PARAMETERS: parameter 2: string where int is expected`},
		{"nil where int", "add", `[null,1]`, `2: INCORRECT_PARAMETERS: parameter 1: nil where int is expected`},
		{"int as double", "half", `[3]`, `1.5`},
		{"double keeps fraction", "half", `[4.0]`, `2.0`},
		{"nil result", "none", `[]`, `null`},
		{"typed map sorted", "counts", `[]`, `{"a":1,"b":2}`},
		{"struct param refused", "custom", `[{"X":1}]`,
			`2: INCORRECT_PARAMETERS: parameter 1: struct where struct { X int } is expected`},
		{"raw values round trip", "echo", `[1,2.5,true,"s",null,{"$base64":"aGk="},{"$datetime":"20261125T13:45:00"},[{"a":[]}],{"$base64":"aGk=","x":1}]`,
			`[1,2.5,true,"s",null,{"$base64":"aGk="},{"$datetime":"20261125T13:45:00"},[{"a":[]}],{"$base64":"aGk=","x":1}]`},
		{"bad base64", "echo", `[{"$base64":"!!"}]`, `2: INCORRECT_PARAMETERS: execplugin: value cannot be converted: $base64: illegal base64 data at input byte 0`},
		{"params object", "echo", `{"a":1}`, `2: INCORRECT_PARAMETERS: execplugin: value cannot be converted: params is not an array`},
		{"fault", "fault", `[]`, `10: BAD_NAME: x`},
		{"error", "fail", `[]`, `30: FAILED: disk full`},
		{"panic", "panic", `[]`, `30: FAILED: panic: boom`},
		{"unencodable", "nan", `[]`, `30: FAILED: cannot encode the result: execplugin: value cannot be converted: func(): json: unsupported type: func()`},
		{"unknown", "nope", `[]`, `1: UNKNOWN_METHOD`},
		{"dotted", "dotted.name_1", `[]`, `"dotted"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := d.call(t, tc.method, tc.params); got != tc.want {
				t.Errorf("%s(%s)\n got %s\nwant %s", tc.method, tc.params, got, tc.want)
			}
		})
	}
}

// TestConcurrentCalls: a call that waits for a later call is served while
// it waits.
func TestConcurrentCalls(t *testing.T) {
	p := New()
	release := make(chan struct{})
	p.Handle("wait", "", Func0(func(ctx context.Context) (bool, error) {
		select {
		case <-release:
			return true, nil
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}))
	p.Handle("release", "", Func0(func(context.Context) (bool, error) { close(release); return true, nil }))
	d := serve(t, p)
	d.handshake(t, `{}`)
	waited := make(chan string, 1)
	go func() { waited <- d.call(t, "wait", `[]`) }()
	if got := d.call(t, "release", `[]`); got != "true" {
		t.Fatalf("release = %s", got)
	}
	if got := <-waited; got != "true" {
		t.Fatalf("wait = %s", got)
	}
}

func TestCallBack(t *testing.T) {
	p := New()
	p.Method("ask", "", nil, func(ctx context.Context, params []any) (any, error) {
		name, _ := params[0].(string)
		return p.Call(ctx, name, params[1:]...)
	})
	d := serve(t, p)
	if _, err := p.Call(context.Background(), "supervisor.getState"); err != nil && !errors.Is(err, ErrNotServing) {
		t.Errorf("Call before the connection: %v", err)
	}
	d.handshake(t, `{}`)
	tests := []struct{ name, params, want string }{
		{"result", `["supervisor.getState"]`, `{"statecode":1,"statename":"RUNNING"}`},
		{"typed values", `["system.echo",{"$base64":"aGk="},2.0,[1,"x"]]`, `[{"$base64":"aGk="},2.0,[1,"x"]]`},
		{"fault passes through", `["supervisor.nope"]`, `1: UNKNOWN_METHOD`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := d.call(t, "ask", tc.params); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
	var f *Fault
	if _, err := p.Call(t.Context(), "x.y"); !errors.As(err, &f) || f.Code != 1 || f.Message != "UNKNOWN_METHOD" {
		t.Errorf("Call fault = %v", err)
	}
}

func TestLog(t *testing.T) {
	p := New()
	if err := p.Log(LevelInfo, "early"); !errors.Is(err, ErrNotServing) {
		t.Errorf("Log before Serve = %v", err)
	}
	d := serve(t, p)
	d.handshake(t, `{}`)
	for _, tc := range []struct {
		level Level
		msg   string
	}{{LevelInfo, "ready"}, {LevelError, "line\nbreak"}, {LevelBlather, "x=1"}} {
		if err := p.Logf(tc.level, "%s", tc.msg); err != nil {
			t.Fatal(err)
		}
		got := <-d.logs
		if got["level"] != string(tc.level) || got["message"] != tc.msg {
			t.Errorf("log = %v, want %s %q", got, tc.level, tc.msg)
		}
	}
}

func event(name, payload string) string {
	b, _ := json.Marshal(map[string]any{"headers": map[string]string{"ver": "3.0", "eventname": name,
		"len": fmt.Sprint(len(payload))}, "payload": payload})
	return string(b)
}

func TestEvents(t *testing.T) {
	p := New()
	var (
		mu    sync.Mutex
		state []string
		ticks int
	)
	done := make(chan struct{})
	p.Subscribe(func(ctx context.Context, e Event) {
		// A handler may call supervisord while events keep arriving.
		if _, err := p.Call(ctx, "supervisor.getState"); err != nil {
			t.Errorf("Call from an event handler: %v", err)
		}
		mu.Lock()
		defer mu.Unlock()
		state = append(state, e.Name+" "+e.Fields()["processname"]+" "+e.Headers["len"])
	}, "PROCESS_STATE")
	p.Subscribe(func(_ context.Context, e Event) {
		mu.Lock()
		defer mu.Unlock()
		ticks++
		if e.Name == "TICK_60" {
			close(done)
		}
	}, "TICK_5", "TICK_60", "EVENT")
	d := serve(t, p)
	d.handshake(t, `{}`)
	sends := []struct{ name, payload string }{
		{"PROCESS_STATE_STARTING", "processname:cat groupname:cat from_state:STOPPED tries:0"},
		{"PROCESS_GROUP_ADDED", "groupname:cat"},
		{"TICK_5", "when:5"},
		{"PROCESS_STATE_RUNNING", "processname:cat groupname:cat from_state:STARTING pid:2766"},
		{"PROCESS_LOG_STDOUT", "processname:cat groupname:cat pid:2766 channel:stdout\nhello"},
		{"TICK_60", "when:60"},
	}
	for _, s := range sends {
		if err := d.conn.Notify("event", json.RawMessage(event(s.name, s.payload))); err != nil {
			t.Fatal(err)
		}
	}
	d.conn.Notify("event", json.RawMessage(`{"headers":"not an object"}`)) // skipped
	<-done
	mu.Lock()
	defer mu.Unlock()
	want := []string{"PROCESS_STATE_STARTING cat 56", "PROCESS_STATE_RUNNING cat 58"}
	if fmt.Sprint(state) != fmt.Sprint(want) {
		t.Errorf("PROCESS_STATE handler saw %q, want %q", state, want)
	}
	if ticks != 6 { // EVENT covers every type, each delivered once
		t.Errorf("second handler saw %d events, want 6", ticks)
	}
}

// TestEndOfInput: EOF on the plugin's input ends Serve with nil, after the
// events already received are handled and the calls in progress return.
func TestEndOfInput(t *testing.T) {
	p := New()
	var got []string
	p.Subscribe(func(_ context.Context, e Event) { got = append(got, e.Name) }, "TICK_5")
	inCall := make(chan struct{})
	p.Handle("block", "", Func0(func(ctx context.Context) (bool, error) {
		close(inCall)
		<-ctx.Done() // the connection's end cancels calls in progress
		return true, nil
	}))
	d := serve(t, p)
	d.handshake(t, `{}`)
	for range 50 {
		d.conn.Notify("event", json.RawMessage(event("TICK_5", "when:5")))
	}
	go d.conn.Call(context.Background(), "block", nil)
	<-inCall
	d.conn.Close()
	select {
	case err := <-d.served:
		if err != nil {
			t.Errorf("ServeConn = %v, want nil", err)
		}
		d.served <- err // for the cleanup
	case <-time.After(10 * time.Second):
		t.Fatal("ServeConn did not return at EOF")
	}
	if len(got) != 50 {
		t.Errorf("%d events handled before Serve returned, want 50", len(got))
	}
	if _, err := p.Call(context.Background(), "supervisor.getState"); !errors.Is(err, ErrNotServing) {
		t.Errorf("Call after Serve = %v", err)
	}
	if err := p.ServeConn(context.Background(), strings.NewReader(""), io.Discard); err == nil {
		t.Error("a second ServeConn was accepted")
	}
}

func TestCancel(t *testing.T) {
	p := New()
	d := serve(t, p)
	d.handshake(t, `{}`)
	d.cancel()
	select {
	case err := <-d.served:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("ServeConn = %v, want context.Canceled", err)
		}
		d.served <- err
	case <-time.After(10 * time.Second):
		t.Fatal("ServeConn did not return when ctx ended")
	}
}

// TestLineTooLong: a line over 16 MiB ends Serve with ErrLineTooLong.
func TestLineTooLong(t *testing.T) {
	r, w := io.Pipe()
	go func() {
		w.Write([]byte(`{"jsonrpc":"2.0","method":"event","params":"` + strings.Repeat("x", 17<<20) + "\"}\n"))
		w.Close()
	}()
	err := New().ServeConn(t.Context(), r, io.Discard)
	if !errors.Is(err, ErrLineTooLong) {
		t.Errorf("ServeConn = %v, want ErrLineTooLong", err)
	}
}

func TestRegistrationPanics(t *testing.T) {
	noop := func(context.Context, []any) (any, error) { return nil, nil }
	tests := []struct {
		name string
		do   func(p *Plugin)
	}{
		{"leading underscore", func(p *Plugin) { p.Method("_x", "", nil, noop) }},
		{"leading dot", func(p *Plugin) { p.Method(".x", "", nil, noop) }},
		{"space", func(p *Plugin) { p.Method("a b", "", nil, noop) }},
		{"initialize", func(p *Plugin) { p.Method("initialize", "", nil, noop) }},
		{"twice", func(p *Plugin) { p.Method("x", "", nil, noop); p.Method("x", "", nil, noop) }},
		{"nil func", func(p *Plugin) { p.Method("x", "", nil, nil) }},
		{"empty signature", func(p *Plugin) { p.Method("x", "", []string{}, noop) }},
		{"zero typed", func(p *Plugin) { p.Handle("x", "", Typed{}) }},
		{"no event types", func(p *Plugin) { p.Subscribe(func(context.Context, Event) {}) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			tc.do(New())
		})
	}
}

func TestRegisterAfterHandshake(t *testing.T) {
	p := New()
	d := serve(t, p)
	d.handshake(t, `{}`)
	defer func() {
		if recover() == nil {
			t.Error("Method after the handshake did not panic")
		}
	}()
	p.Method("late", "", nil, func(context.Context, []any) (any, error) { return nil, nil })
}

func TestCovers(t *testing.T) {
	tests := []struct {
		typ, name string
		want      bool
	}{
		{"PROCESS_STATE", "PROCESS_STATE_RUNNING", true},
		{"PROCESS_STATE", "PROCESS_STATE", true},
		{"PROCESS_STATE_RUNNING", "PROCESS_STATE_STOPPED", false},
		{"TICK", "TICK_3600", true},
		{"TICK_5", "TICK_60", false},
		{"tick_5", "TICK_5", true},
		{"EVENT", "REMOTE_COMMUNICATION", true},
		{"PROCESS_LOG", "PROCESS_LOG_STDERR", true},
		{"PROCESS_LOG", "PROCESS_STATE_RUNNING", false},
		{"SUPERVISOR_STATE_CHANGE", "SUPERVISOR_STATE_CHANGE_STOPPING", true},
	}
	for _, tc := range tests {
		if got := covers(tc.typ, tc.name); got != tc.want {
			t.Errorf("covers(%s, %s) = %v, want %v", tc.typ, tc.name, got, tc.want)
		}
	}
}

func TestFields(t *testing.T) {
	tests := []struct {
		payload string
		want    string
	}{
		{"processname:cat groupname:cat from_state:STARTING pid:2766", "map[from_state:STARTING groupname:cat pid:2766 processname:cat]"},
		{"processname:a channel:stdout\nline with x:y", "map[channel:stdout processname:a]"},
		{"when:5", "map[when:5]"},
		{"", "map[]"},
		{"novalue k:v:w", "map[k:v:w]"},
	}
	for _, tc := range tests {
		if got := fmt.Sprint(Event{Payload: tc.payload}.Fields()); got != tc.want {
			t.Errorf("Fields(%q) = %s, want %s", tc.payload, got, tc.want)
		}
	}
}
