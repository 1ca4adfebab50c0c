// Package pycounter holds the test of counter.py, an exec plugin in
// Python; examples/plugins/gocounter's test also runs it under supervisord.
package pycounter

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/supervisorgo/supervisor/internal/jsonrpc"
)

// TestProtocol plays supervisord's side of the protocol with counter.py:
// handshake, events, a call that calls back, a log line, and the exit at
// the end of its input.
func TestProtocol(t *testing.T) {
	cmd := exec.Command("/usr/bin/python3", "counter.py")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	logs := make(chan string, 4)
	conn := jsonrpc.NewConn(stdout, stdin, jsonrpc.Options{Handler: jsonrpc.HandlerFunc(
		func(_ context.Context, r *jsonrpc.Request) (any, error) {
			switch {
			case r.Method == "log":
				logs <- string(r.Params)
				return nil, nil
			case r.Method == "supervisor.getState" && string(r.Params) == "[]":
				return map[string]any{"statecode": 1, "statename": "RUNNING"}, nil
			}
			return nil, &jsonrpc.Error{Code: 1, Message: "UNKNOWN_METHOD"}
		})})
	t.Cleanup(func() {
		conn.Close()
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
		}
	})
	go func() {
		conn.Wait() // stdout has ended: Wait may close the pipes now
		exited <- cmd.Wait()
	}()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	call := func(method string, params any) string {
		t.Helper()
		res, err := conn.Call(ctx, method, params)
		if err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		return string(res)
	}

	got := call("initialize", map[string]any{"namespace": "pycounter", "config": map[string]string{},
		"supervisor": map[string]string{"version": "4.2.5", "api_version": "3.0", "identification": "supervisor"}})
	want := `{"events": ["PROCESS_STATE"], "methods": [` +
		`{"name": "counts", "help": "Return the number of events received per event name.", "signature": [["struct"]]}, ` +
		`{"name": "state", "help": "Return supervisord's state name, asked back.", "signature": [["string"]]}]}`
	if got != want {
		t.Errorf("initialize\n got %s\nwant %s", got, want)
	}
	if got := <-logs; got != `{"level": "info", "message": "pycounter ready"}` {
		t.Errorf("log = %s", got)
	}
	for _, name := range []string{"PROCESS_STATE_STARTING", "PROCESS_STATE_RUNNING", "PROCESS_STATE_RUNNING"} {
		ev, _ := json.Marshal(map[string]any{"headers": map[string]string{"ver": "3.0", "eventname": name},
			"payload": "processname:cat groupname:cat from_state:STOPPED"})
		if err := conn.Notify("event", json.RawMessage(ev)); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct{ method, want string }{
		{"counts", `{"PROCESS_STATE_STARTING": 1, "PROCESS_STATE_RUNNING": 2}`},
		{"state", `"RUNNING"`},
	}
	for _, tc := range tests {
		if got := call(tc.method, []any{}); got != tc.want {
			t.Errorf("%s = %s, want %s", tc.method, got, tc.want)
		}
	}
	stdin.Close()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("counter.py at the end of its input: %v", err)
		}
		exited <- err
	case <-time.After(10 * time.Second):
		t.Fatal("counter.py did not exit at the end of its input")
	}
}

// TestREADME: the README shows counter.py whole; it must be this one.
func TestREADME(t *testing.T) {
	py, err := os.ReadFile("counter.py")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```python\n"+string(py)+"```\n") {
		t.Error("README.md does not show counter.py as it is: copy it into the chapter Extending the API")
	}
}
