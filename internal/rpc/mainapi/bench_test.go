package mainapi

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/supervisorgo/supervisor/internal/config"
	"github.com/supervisorgo/supervisor/internal/httpd"
	"github.com/supervisorgo/supervisor/internal/process"
	"github.com/supervisorgo/supervisor/internal/rpc"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

// The benchmarks below measure the API as bench's api-1000 scenario uses
// it: 1000 programs, each its own group, all RUNNING, and the calls a
// dashboard makes, from the method alone up to the full HTTP round trip.

const benchProcs = 1000

// benchEnv is 1000 running programs p0000..p0999 (fake children) with
// AUTO-like log paths, mounted in an rpc.Server.
func benchEnv(b *testing.B) (*env, *rpc.Server) {
	b.Helper()
	groups := make([]*config.Group, benchProcs)
	for i := range groups {
		name := fmt.Sprintf("p%04d", i)
		p := prog(name, 999)
		p.StartSecs = 0
		p.Stdout.Path = fmt.Sprintf("/tmp/svbench/%s-stdout---supervisor-x1y2z3.log", name)
		p.Stderr.Path = fmt.Sprintf("/tmp/svbench/%s-stderr---supervisor-x1y2z3.log", name)
		groups[i] = grp(name, 999, p)
	}
	e := newEnv(b, groups...)
	for _, g := range groups {
		e.ok("startProcess", g.Name+":"+g.Name, false)
	}
	for _, g := range groups {
		if _, err := e.proc(g.Name).Await(context.Background(), func(i process.Info) bool { return i.State == process.Running }); err != nil {
			b.Fatal(err)
		}
	}
	srv, err := rpc.New([]rpc.Mount{{Name: "supervisor", Namespace: e.api}}, rpc.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return e, srv
}

func allInfoCall(b *testing.B) []byte {
	body, err := xmlrpc.MarshalCall("supervisor.getAllProcessInfo")
	if err != nil {
		b.Fatal(err)
	}
	return body
}

// multicallBody is system.multicall of 100 getProcessInfo, as bench sends it.
func multicallBody(b *testing.B) []byte {
	var list []any
	for i := range 100 {
		list = append(list, map[string]any{"methodName": "supervisor.getProcessInfo", "params": []any{fmt.Sprintf("p%04d", i)}})
	}
	body, err := xmlrpc.MarshalCall("system.multicall", list)
	if err != nil {
		b.Fatal(err)
	}
	return body
}

// BenchmarkGetAllProcessInfoMethod is the method and the encoding of its
// result, without the request's decoding and HTTP.
func BenchmarkGetAllProcessInfoMethod(b *testing.B) {
	_, srv := benchEnv(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		v, err := srv.Call(ctx, "supervisor.getAllProcessInfo", nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := xmlrpc.MarshalResponse(v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetAllProcessInfoBuild is the method alone: the 1000 structs.
func BenchmarkGetAllProcessInfoBuild(b *testing.B) {
	_, srv := benchEnv(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := srv.Call(ctx, "supervisor.getAllProcessInfo", nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetAllProcessInfoEncode is the encoding of the result alone,
// into a reused buffer.
func BenchmarkGetAllProcessInfoEncode(b *testing.B) {
	_, srv := benchEnv(b)
	v, err := srv.Call(context.Background(), "supervisor.getAllProcessInfo", nil)
	if err != nil {
		b.Fatal(err)
	}
	buf, err := xmlrpc.AppendResponse(nil, v)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if buf, err = xmlrpc.AppendResponse(buf[:0], v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeMulticall100 is the decoding of bench's multicall request.
func BenchmarkDecodeMulticall100(b *testing.B) {
	body := multicallBody(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := xmlrpc.DecodeCallBytes(body, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// benchHandle runs rpc.Server.Handle on body: decode, dispatch, encode.
func benchHandle(b *testing.B, body []byte) {
	_, srv := benchEnv(b)
	ctx := context.Background()
	out, status := srv.Handle(ctx, bytes.NewReader(body))
	if status != http.StatusOK || bytes.Contains(out, []byte("faultCode")) {
		b.Fatalf("status %d: %.300s", status, out)
	}
	b.SetBytes(int64(len(out)))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			out, status := srv.Handle(ctx, bytes.NewReader(body))
			if status != http.StatusOK {
				b.Fatalf("status %d", status)
			}
			srv.Release(out)
		}
	})
}

func BenchmarkHandleGetAllProcessInfo(b *testing.B) { benchHandle(b, allInfoCall(b)) }
func BenchmarkHandleMulticall100(b *testing.B)      { benchHandle(b, multicallBody(b)) }

// benchHTTP posts body over loopback TCP to httpd serving the namespace,
// from GOMAXPROCS clients (one keep-alive connection each), as bench's
// api-1000 does.
func benchHTTP(b *testing.B, body []byte) {
	_, srv := benchEnv(b)
	s, err := httpd.Start(b.Context(), []config.HTTPServer{{Section: "inet_http_server", Network: "tcp", Host: "127.0.0.1"}},
		httpd.Options{RPC: srv})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	url := "http://" + s.Addrs()[0].String() + "/RPC2"
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
		defer client.CloseIdleConnections()
		var buf bytes.Buffer
		for pb.Next() {
			resp, err := client.Post(url, "text/xml", bytes.NewReader(body))
			if err != nil {
				b.Fatal(err)
			}
			buf.Reset()
			_, err = buf.ReadFrom(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK || bytes.Contains(buf.Bytes(), []byte("faultCode")) {
				b.Fatalf("status %d, %v: %.300s", resp.StatusCode, err, buf.Bytes())
			}
		}
	})
}

func BenchmarkHTTPGetAllProcessInfo(b *testing.B) { benchHTTP(b, allInfoCall(b)) }
func BenchmarkHTTPMulticall100(b *testing.B)      { benchHTTP(b, multicallBody(b)) }
