package greeter

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/supervisorgo/supervisor/internal/testutil"
	"github.com/supervisorgo/supervisor/plugin"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

type fakeHost struct{}

func (fakeHost) Call(_ context.Context, method string, _ ...xmlrpc.Value) (xmlrpc.Value, error) {
	if method != "supervisor.getAllProcessInfo" {
		return nil, &xmlrpc.Fault{Code: 1, String: "UNKNOWN_METHOD"}
	}
	return []any{
		map[string]any{"name": "a", "statename": "RUNNING"},
		map[string]any{"name": "b", "statename": "STOPPED"},
		map[string]any{"name": "c", "statename": "RUNNING"},
	}, nil
}
func (fakeHost) Identification() string { return "test" }
func (fakeHost) Version() string        { return "4.2.5" }

func TestNamespace(t *testing.T) {
	f, ok := plugin.Lookup(FactoryName)
	if !ok {
		t.Fatal("the factory is not registered")
	}
	ns, err := f(context.Background(), plugin.InitContext{Name: "greeter", Host: fakeHost{},
		Config: []plugin.KeyValue{{Key: "greeting", Value: "Hi"}}})
	if err != nil {
		t.Fatal(err)
	}
	methods := map[string]plugin.Method{}
	for _, m := range ns.Methods() {
		methods[m.Name] = m
	}
	if got, err := methods["greet"].Call(context.Background(), []xmlrpc.Value{"Ada"}); err != nil || got != "Hi, Ada!" {
		t.Errorf("greet = %v, %v", got, err)
	}
	if got, err := methods["countRunning"].Call(context.Background(), nil); err != nil || got != 2 {
		t.Errorf("countRunning = %v, %v", got, err)
	}
	if _, err := f(context.Background(), plugin.InitContext{Name: "greeter", Host: fakeHost{},
		Config: []plugin.KeyValue{{Key: "colour", Value: "red"}}}); err == nil {
		t.Error("an unknown key was accepted")
	}
}

// TestCustomSupervisord builds examples/custom-supervisord (supervisord
// with this namespace compiled in) and calls the namespace over HTTP.
func TestCustomSupervisord(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "custom-supervisord")
	if out, err := exec.Command("go", "build", "-o", bin, "../../custom-supervisord").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	port := testutil.FreePort(t)
	conf := filepath.Join(dir, "supervisord.conf")
	os.WriteFile(conf, []byte(fmt.Sprintf(`[supervisord]
nodaemon=true
logfile=%[1]s/supervisord.log
pidfile=%[1]s/supervisord.pid
childlogdir=%[1]s

[inet_http_server]
port=127.0.0.1:%[2]d

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[rpcinterface:greeter]
supervisor.rpcinterface_factory = examples.greeter
greeting = Hello

[program:sleeper]
command=/bin/sleep 1000
startsecs=0
`, dir, port)), 0o644)
	cmd := exec.Command(bin, "-c", conf)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
		}
	})
	url := fmt.Sprintf("http://127.0.0.1:%d/RPC2", port)
	call := func(method string, params ...xmlrpc.Value) (xmlrpc.Value, error) {
		body, err := xmlrpc.MarshalCall(method, params...)
		if err != nil {
			return nil, err
		}
		resp, err := http.Post(url, "text/xml", bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		return xmlrpc.DecodeResponse(resp.Body, nil)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		n, err := call("greeter.countRunning")
		if err == nil && n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("countRunning never reached 1: %v, %v", n, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got, err := call("greeter.greet", "world"); err != nil || got != "Hello, world!" {
		t.Errorf("greet = %v, %v", got, err)
	}
	if got, err := call("system.methodSignature", "greeter.greet"); err != nil || !strings.Contains(fmt.Sprint(got), "string string") {
		t.Errorf("methodSignature = %v, %v", got, err)
	}
}
