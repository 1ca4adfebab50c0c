package ctl

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supervisorgo/supervisor/xmlrpc"
)

// fakeServer is a small XML-RPC server for tests: methods are Go
// functions; it may require basic authentication.
type fakeServer struct {
	mu      sync.Mutex
	methods map[string]func(params []any) (any, error)
	calls   []string
	user    string
	pass    string
	url     string // unix://...
	logtail map[string]string
}

func newFakeServer(t *testing.T) *fakeServer {
	t.Helper()
	f := &fakeServer{methods: map[string]func([]any) (any, error){}, logtail: map[string]string{}}
	f.handle("supervisor.getVersion", func([]any) (any, error) { return "3.0", nil })
	dir := shortTempDir(t)
	sock := filepath.Join(dir, "fake.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: f}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	f.url = "unix://" + sock
	return f
}

func (f *fakeServer) handle(method string, fn func([]any) (any, error)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.methods[method] = fn
}

func (f *fakeServer) called() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	user, pass := f.user, f.pass
	f.mu.Unlock()
	if user != "" {
		u, p, ok := r.BasicAuth()
		if !ok || u != user || p != pass {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
	}
	if r.Method == http.MethodGet {
		f.mu.Lock()
		body, ok := f.logtail[r.URL.Path]
		f.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(body))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
		return
	}
	call, err := xmlrpc.DecodeCall(r.Body, nil)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	fn := f.methods[call.Method]
	f.calls = append(f.calls, fmt.Sprintf("%s%s", call.Method, reprParams(call.Params)))
	f.mu.Unlock()
	var v any
	if fn == nil {
		err = &xmlrpc.Fault{Code: 1, String: "UNKNOWN_METHOD"}
	} else {
		v, err = fn(call.Params)
	}
	var out []byte
	if err != nil {
		out, _ = xmlrpc.MarshalResponse(err.(*xmlrpc.Fault))
	} else {
		out, _ = xmlrpc.MarshalResponse(v)
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Write(out)
}

func reprParams(ps []any) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = fmt.Sprintf("%#v", p)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// shortTempDir is a temporary directory with a short path, for unix
// sockets (108 bytes at most).
func shortTempDir(t *testing.T) string {
	t.Helper()
	dir, err := mkdirTemp()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeAll(dir) })
	return dir
}

// runOurs runs our Main in-process and returns its output and exit code.
func runOurs(t *testing.T, stdin string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out syncBuffer
	code := Main(ctx, "/usr/bin/supervisorctl", args, strings.NewReader(stdin), &out, &out)
	return out.String(), code
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}
