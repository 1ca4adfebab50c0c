package execplugin

import (
	"context"
	"log/slog"
	"reflect"
	"sync/atomic"
	"testing"

	"github.com/supervisorgo/supervisor/internal/rpc"
	"github.com/supervisorgo/supervisor/plugin"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

// serverHost is a plugin.Host backed by a real dispatcher, as the daemon's.
type serverHost struct{ srv atomic.Pointer[rpc.Server] }

func (h *serverHost) Identification() string { return "supervisor" }
func (h *serverHost) Version() string        { return "4.2.5" }
func (h *serverHost) Call(ctx context.Context, method string, params ...xmlrpc.Value) (xmlrpc.Value, error) {
	return h.srv.Load().Call(ctx, method, params)
}

// TestThroughDispatcher mounts the plugin in an rpc.Server: the system
// namespace sees its methods, unknown names never reach it, and a call
// from the plugin back into its own namespace goes through the dispatcher.
func TestThroughDispatcher(t *testing.T) {
	host := &serverHost{}
	p, err := newPlugin(t.Context(), plugin.InitContext{Name: "test", Config: helperConfig("good"), Host: host,
		Log: slog.New(slog.DiscardHandler)}, fastTiming)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	srv, err := rpc.New([]rpc.Mount{{Name: "test", Namespace: p}}, rpc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	host.srv.Store(srv)
	ctx := t.Context()
	call := func(method string, params ...xmlrpc.Value) (xmlrpc.Value, error) {
		t.Helper()
		return srv.Call(ctx, method, params)
	}

	list, err := call("system.listMethods")
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, m := range list.([]any) {
		found[m.(string)] = true
	}
	for _, want := range []string{"test.echo", "test.add", "test.dotted.name_1", "system.multicall"} {
		if !found[want] {
			t.Errorf("listMethods lacks %s: %v", want, list)
		}
	}
	if sig, err := call("system.methodSignature", "test.add"); err != nil || asJSON(t, sig) != `["int","int","int"]` {
		t.Errorf("methodSignature = %v, %v", sig, err)
	}
	if help, err := call("system.methodHelp", "test.echo"); err != nil || help != "Return the params.\n@return array" {
		t.Errorf("methodHelp = %v, %v", help, err)
	}
	_, err = call("test.nope")
	wantFault(t, err, int(rpc.UnknownMethod), "UNKNOWN_METHOD")
	if got, err := call("test.dotted.name_1"); err != nil || got != "dotted" {
		t.Errorf("dotted = %v, %v", got, err)
	}
	got, err := call("test.callback", "test.add", 20, 22)
	if err != nil || !reflect.DeepEqual(got, map[string]any{"result": 42}) {
		t.Errorf("callback = %v, %v", got, err)
	}
	got, err = call("system.multicall", []any{
		map[string]any{"methodName": "test.add", "params": []any{1, 2}},
		map[string]any{"methodName": "test.fail", "params": []any{}},
	})
	want := `[3,{"faultCode":42,"faultString":"nope: it failed"}]`
	if err != nil || asJSON(t, got) != want {
		t.Errorf("multicall = %#v, %v", got, err)
	}
}

// asJSON is v in its JSON form, for comparing in-process values (which may
// be typed slices or ordered structs) with what the wire would carry.
func asJSON(t *testing.T, v xmlrpc.Value) string {
	t.Helper()
	b, err := toJSON(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
