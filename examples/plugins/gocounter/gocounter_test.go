package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/supervisorgo/supervisor/internal/testutil"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

// bin holds supervisord and gocounter, built by TestMain.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gocounter")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = dir
	code := func() int {
		for _, b := range [][2]string{{"supervisord", "../../../cmd/supervisord"}, {"gocounter", "."}} {
			out, err := exec.Command("go", "build", "-o", filepath.Join(dir, b[0]), b[1]).CombinedOutput()
			if err != nil {
				fmt.Fprintf(os.Stderr, "go build %s: %v\n%s", b[1], err, out)
				return 1
			}
		}
		return m.Run()
	}()
	os.RemoveAll(dir)
	os.Exit(code)
}

// daemon is a running supervisord.
type daemon struct {
	url, logfile string
}

// startDaemon runs supervisord with both example plugins mounted and a
// program that does not start by itself; t.Cleanup stops it.
func startDaemon(t *testing.T) *daemon {
	t.Helper()
	dir := t.TempDir()
	port := testutil.FreePort(t)
	pycounter, err := filepath.Abs("../pycounter/counter.py")
	if err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "supervisord.conf")
	err = os.WriteFile(conf, fmt.Appendf(nil, `[supervisord]
nodaemon=true
logfile=%[1]s/supervisord.log
pidfile=%[1]s/supervisord.pid
childlogdir=%[1]s

[inet_http_server]
port=127.0.0.1:%[2]d

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[rpcinterface:gocounter]
supervisor.rpcinterface_factory = exec
command = %[3]s/gocounter
events = PROCESS_STATE

[rpcinterface:pycounter]
supervisor.rpcinterface_factory = exec
command = /usr/bin/python3 %[4]s

[program:sleeper]
command=/bin/sleep 1000
autostart=false
startsecs=0
`, dir, port, bin, pycounter), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(bin, "supervisord"), "-c", conf)
	out, err := os.Create(filepath.Join(dir, "output"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			t.Error("supervisord did not stop on SIGTERM")
			cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(dir, "output"))
			t.Logf("supervisord's output:\n%s", b)
		}
	})
	d := &daemon{url: fmt.Sprintf("http://127.0.0.1:%d/RPC2", port), logfile: filepath.Join(dir, "supervisord.log")}
	d.waitFor(t, "supervisord to run", func() (bool, any) {
		st, err := d.call("supervisor.getState")
		m, _ := st.(map[string]any)
		return err == nil && m["statename"] == "RUNNING", []any{st, err}
	}, exited)
	return d
}

// call makes an XML-RPC call with our own client (for waiting).
func (d *daemon) call(method string, params ...xmlrpc.Value) (xmlrpc.Value, error) {
	body, err := xmlrpc.MarshalCall(method, params...)
	if err != nil {
		return nil, err
	}
	resp, err := http.Post(d.url, "text/xml", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return xmlrpc.DecodeResponse(resp.Body, nil)
}

// waitFor polls cond until it holds; only the daemon can tell, so there
// is nothing to wait on but the answer. It fails after a deadline or when
// stop is closed.
func (d *daemon) waitFor(t *testing.T, what string, cond func() (bool, any), stop <-chan struct{}) {
	t.Helper()
	deadline := time.NewTimer(20 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, last := cond()
		if ok {
			return
		}
		select {
		case <-deadline.C:
			t.Fatalf("waiting for %s: gave up after 20s; last: %v", what, last)
		case <-stop:
			t.Fatalf("waiting for %s: supervisord exited", what)
		case <-tick.C:
		}
	}
}

// pyCalls is Python's xmlrpc.client making calls: each line of its output
// is {"result": R} or {"fault": [code, string]}.
const pyCalls = `
import json, sys, xmlrpc.client
proxy = xmlrpc.client.ServerProxy(sys.argv[1])
out = []
for method, params in json.loads(sys.argv[2]):
    try:
        out.append({"result": getattr(proxy, method)(*params)})
    except xmlrpc.client.Fault as f:
        out.append({"fault": [f.faultCode, f.faultString]})
print(json.dumps(out))
`

type pyCall struct {
	method string
	params []any
	want   string // the JSON of {"result": ...} or {"fault": [...]}
}

// checkWithPython makes the calls with Python's xmlrpc.client and compares
// the answers.
func checkWithPython(t *testing.T, url string, calls []pyCall) {
	t.Helper()
	req := make([][2]any, len(calls))
	for i, c := range calls {
		p := c.params
		if p == nil {
			p = []any{}
		}
		req[i] = [2]any{c.method, p}
	}
	arg, _ := json.Marshal(req)
	out, err := exec.Command("/usr/bin/python3", "-c", pyCalls, url, string(arg)).Output()
	if err != nil {
		t.Fatalf("python3: %v\n%s", err, out)
	}
	var got []json.RawMessage
	if err := json.Unmarshal(out, &got); err != nil || len(got) != len(calls) {
		t.Fatalf("python3 printed %s (%v)", out, err)
	}
	for i, c := range calls {
		if !jsonEqual(t, got[i], c.want) {
			t.Errorf("%s%v\n got %s\nwant %s", c.method, c.params, got[i], c.want)
		}
	}
}

func jsonEqual(t *testing.T, a json.RawMessage, b string) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(b), &y); err != nil {
		t.Fatalf("bad want %s: %v", b, err)
	}
	return reflect.DeepEqual(x, y)
}

// TestPlugins runs supervisord with gocounter and pycounter mounted: their
// methods are listed and documented, they answer through HTTP, call
// supervisord back, and count the events of a program's start.
func TestPlugins(t *testing.T) {
	d := startDaemon(t)

	list, err := d.call("system.listMethods")
	if err != nil {
		t.Fatal(err)
	}
	listed := fmt.Sprint(list)
	for _, m := range []string{"gocounter.counts", "gocounter.count", "gocounter.state", "pycounter.counts", "pycounter.state"} {
		if !strings.Contains(listed, m) {
			t.Errorf("system.listMethods lacks %s: %v", m, list)
		}
	}

	checkWithPython(t, d.url, []pyCall{
		{"system.methodHelp", []any{"gocounter.count"}, `{"result":"Return the number of events of one name received.\n@param string name\n@return int"}`},
		{"system.methodSignature", []any{"gocounter.count"}, `{"result":["int","string"]}`},
		{"system.methodSignature", []any{"gocounter.counts"}, `{"result":["struct"]}`},
		{"system.methodSignature", []any{"gocounter.state"}, `{"result":["string"]}`},
		{"system.methodHelp", []any{"pycounter.counts"}, `{"result":"Return the number of events received per event name."}`},
		{"system.methodSignature", []any{"pycounter.counts"}, `{"result":["struct"]}`},
		{"system.methodSignature", []any{"pycounter.state"}, `{"result":["string"]}`},
		{"gocounter.state", nil, `{"result":"RUNNING"}`},
		{"pycounter.state", nil, `{"result":"RUNNING"}`},
		{"gocounter.counts", nil, `{"result":{}}`},
		{"pycounter.counts", nil, `{"result":{}}`},
		{"gocounter.count", []any{1}, `{"fault":[2,"INCORRECT_PARAMETERS: parameter 1: int where string is expected"]}`},
		{"gocounter.nope", nil, `{"fault":[1,"UNKNOWN_METHOD"]}`},
		{"supervisor.startProcess", []any{"sleeper"}, `{"result":true}`},
	})

	want := map[string]any{"PROCESS_STATE_STARTING": 1, "PROCESS_STATE_RUNNING": 1}
	for _, ns := range []string{"gocounter", "pycounter"} {
		d.waitFor(t, ns+" to count the start's events", func() (bool, any) {
			got, err := d.call(ns + ".counts")
			return err == nil && reflect.DeepEqual(got, want), []any{got, err}
		}, nil)
	}
	checkWithPython(t, d.url, []pyCall{
		{"gocounter.count", []any{"PROCESS_STATE_RUNNING"}, `{"result":1}`},
		{"system.multicall", []any{[]any{
			map[string]any{"methodName": "gocounter.counts", "params": []any{}},
			map[string]any{"methodName": "pycounter.counts", "params": []any{}},
		}}, `{"result":[{"PROCESS_STATE_STARTING":1,"PROCESS_STATE_RUNNING":1},{"PROCESS_STATE_STARTING":1,"PROCESS_STATE_RUNNING":1}]}`},
	})

	d.waitFor(t, "pycounter's log line", func() (bool, any) {
		b, _ := os.ReadFile(d.logfile)
		return bytes.Contains(b, []byte("rpcinterface:pycounter: pycounter ready")), nil
	}, nil)
}
