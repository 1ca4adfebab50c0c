package execplugin

import (
	"context"
	"log/slog"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/supervisorgo/supervisor/internal/rpc"
	"github.com/supervisorgo/supervisor/plugin"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

// The benchmarks compare a call through the rpc dispatcher to an
// in-process namespace with the same call to an exec plugin: the added
// latency is the JSON-RPC round trip over the pipes plus the plugin's own
// work. Each reports the median and 99th percentile of one call, and the
// exec ones the median added to the in-process median measured just before:
//
//	go test -run '^$' -bench . -benchtime 20000x ./internal/execplugin

// inProcess is a compiled-in namespace with the methods the plugins have.
type inProcess struct{}

func (inProcess) Methods() []plugin.Method {
	return []plugin.Method{
		{Name: "add", Signature: []string{"int", "int", "int"}, Call: func(_ context.Context, p []xmlrpc.Value) (xmlrpc.Value, error) {
			return p[0].(int) + p[1].(int), nil
		}},
		{Name: "count", Signature: []string{"int"}, Call: func(context.Context, []xmlrpc.Value) (xmlrpc.Value, error) {
			return 0, nil
		}},
		{Name: "countOf", Signature: []string{"int", "string"}, Call: func(context.Context, []xmlrpc.Value) (xmlrpc.Value, error) {
			return 0, nil
		}},
	}
}

// benchServer mounts the in-process namespace and one exec plugin
// configured by cfg as "plug".
func benchServer(b *testing.B, cfg []plugin.KeyValue) *rpc.Server {
	b.Helper()
	host := &serverHost{}
	p, err := newPlugin(b.Context(), plugin.InitContext{Name: "plug", Config: cfg, Host: host,
		Log: slog.New(slog.DiscardHandler)}, fastTiming)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { p.Close() })
	srv, err := rpc.New([]rpc.Mount{{Name: "inproc", Namespace: inProcess{}}, {Name: "plug", Namespace: p}}, rpc.Options{})
	if err != nil {
		b.Fatal(err)
	}
	host.srv.Store(srv)
	return srv
}

// latencies times n calls and returns their durations, sorted.
func latencies(b *testing.B, srv *rpc.Server, n int, method string, params []xmlrpc.Value, want xmlrpc.Value) []time.Duration {
	b.Helper()
	ctx := context.Background()
	d := make([]time.Duration, 0, n)
	for range n {
		start := time.Now()
		got, err := srv.Call(ctx, method, params)
		d = append(d, time.Since(start))
		if err != nil || got != want {
			b.Fatalf("%s = %v, %v; want %v", method, got, err, want)
		}
	}
	slices.Sort(d)
	return d
}

func percentile(d []time.Duration, p float64) time.Duration {
	return d[int(float64(len(d)-1)*p)]
}

// benchCall times b.N calls of method on the exec plugin and reports its
// percentiles and the median added to the same call in process.
func benchCall(b *testing.B, srv *rpc.Server, method string, params []xmlrpc.Value, want xmlrpc.Value) {
	benchCallAs(b, srv, method, method, params, want)
}

// BenchmarkInProcess is the baseline: inproc.add(20, 22) through the
// dispatcher.
func BenchmarkInProcess(b *testing.B) {
	srv := benchServer(b, helperConfig("good"))
	params := []xmlrpc.Value{20, 22}
	b.ResetTimer()
	d := latencies(b, srv, b.N, "inproc.add", params, 42)
	b.StopTimer()
	b.ReportMetric(float64(percentile(d, 0.5).Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(percentile(d, 0.99).Nanoseconds()), "p99-ns")
}

// BenchmarkExec is plug.add(20, 22) served by a Go plugin (the test
// helper, on internal/jsonrpc).
func BenchmarkExec(b *testing.B) {
	benchCall(b, benchServer(b, helperConfig("good")), "add", []xmlrpc.Value{20, 22}, 42)
}

// BenchmarkExecPython is plug.count() served by testdata/kv.py.
func BenchmarkExecPython(b *testing.B) {
	srv := benchServer(b, []plugin.KeyValue{{Key: "command", Value: "/usr/bin/python3 testdata/kv.py"}})
	benchCall(b, srv, "count", nil, 0)
}

// BenchmarkExecGoPackage is plug.countOf(name) served by
// examples/plugins/gocounter, a plugin written with plugin/execplugin
// (as its method count).
func BenchmarkExecGoPackage(b *testing.B) {
	gocounter := filepath.Join(b.TempDir(), "gocounter")
	if out, err := exec.Command("go", "build", "-o", gocounter, "../../examples/plugins/gocounter").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	srv := benchServer(b, []plugin.KeyValue{{Key: "command", Value: gocounter}})
	// gocounter's count is countOf here: same shape, one string parameter.
	benchCallAs(b, srv, "count", "countOf", []xmlrpc.Value{"PROCESS_STATE_RUNNING"}, 0)
}

// benchCallAs is benchCall when the in-process method has another name.
// It warms both paths up, then takes the in-process median as the
// baseline.
func benchCallAs(b *testing.B, srv *rpc.Server, method, inprocMethod string, params []xmlrpc.Value, want xmlrpc.Value) {
	latencies(b, srv, 1000, "plug."+method, params, want)
	base := percentile(latencies(b, srv, 5000, "inproc."+inprocMethod, params, want), 0.5)
	b.ResetTimer()
	d := latencies(b, srv, b.N, "plug."+method, params, want)
	b.StopTimer()
	b.ReportMetric(float64(percentile(d, 0.5).Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(percentile(d, 0.99).Nanoseconds()), "p99-ns")
	b.ReportMetric(float64((percentile(d, 0.5)-base).Nanoseconds())/1e3, "added-p50-µs")
}
