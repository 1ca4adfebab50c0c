package httpd

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/supervisorgo/supervisor/internal/config"
	"github.com/supervisorgo/supervisor/internal/rpc"
)

// logBuffer collects log output from several goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newLog() (*slog.Logger, *logBuffer) {
	b := &logBuffer{}
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.Level(-100)})), b
}

// checkInUse checks the error of a listener whose address is taken.
func checkInUse(t *testing.T, err error, section string) {
	t.Helper()
	var le *ListenError
	if !errors.As(err, &le) {
		t.Fatalf("got %v, want a *ListenError", err)
	}
	if !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("%v does not wrap EADDRINUSE", err)
	}
	if le.Section != section || le.Usage() != msgInUse || !strings.Contains(err.Error(), "["+section+"]") ||
		!strings.HasSuffix(err.Error(), msgInUse) {
		t.Errorf("got %q (usage %q), want the section %q and the reference's message", err, le.Usage(), section)
	}
}

func unixServer(path string) config.HTTPServer {
	return config.HTTPServer{Section: "unix_http_server", Network: "unix", File: path, Chmod: 0o700, Chown: config.Owner{UID: -1, GID: -1}}
}

func startOne(t *testing.T, srv config.HTTPServer, opts Options) *Server {
	t.Helper()
	if opts.RPC == nil {
		opts.RPC = newRPC(t)
	}
	s, err := Start(t.Context(), []config.HTTPServer{srv}, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// rpcPost sends one XML-RPC call over a fresh connection and returns the
// status and body.
func rpcPost(t *testing.T, network, addr, body string) (string, string) {
	t.Helper()
	conv := exchange(t, network, addr, []string{post("/RPC2", body, "")}, nil, false)
	return conv.Answers[0].Status, conv.Answers[0].Body
}

func TestStaleSocketFile(t *testing.T) {
	cases := []struct {
		name  string
		stale func(t *testing.T, path string)
	}{
		{"socket of a dead server", func(t *testing.T, path string) {
			ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
			if err != nil {
				t.Fatal(err)
			}
			ln.SetUnlinkOnClose(false)
			ln.Close()
		}},
		{"regular file", func(t *testing.T, path string) {
			if err := os.WriteFile(path, []byte("x"), 0o600); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(shortDir(t), "s.sock")
			tc.stale(t, path)
			log, logs := newLog()
			s := startOne(t, unixServer(path), Options{Log: log})
			if !strings.Contains(logs.String(), "Unlinking stale socket "+path) {
				t.Errorf("log %q lacks the stale socket message", logs.String())
			}
			if status, _ := rpcPost(t, "unix", path, call(t, "system.listMethods")); status != "200 OK" {
				t.Fatalf("status %s", status)
			}
			if _, err := os.Stat(path + "." + strconv.Itoa(os.Getpid())); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("temporary socket name left behind: %v", err)
			}
			if err := s.Shutdown(t.Context()); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("socket file left after Shutdown: %v", err)
			}
		})
	}
}

func TestLiveSocketRefused(t *testing.T) {
	path := filepath.Join(shortDir(t), "s.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	other := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "other") })}
	done := make(chan struct{})
	go func() { defer close(done); other.Serve(ln) }()
	t.Cleanup(func() { other.Close(); <-done })

	_, err = Start(t.Context(), []config.HTTPServer{unixServer(path)}, Options{RPC: newRPC(t)})
	checkInUse(t, err, "unix_http_server")
	conv := exchange(t, "unix", path, []string{"GET / HTTP/1.1\r\nHost: x\r\n\r\n"}, nil, false)
	if conv.Answers[0].Body != "other" {
		t.Fatalf("the other server's socket was disturbed: %+v", conv.Answers[0])
	}
}

func TestPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dir := shortDir(t)
	servers := []config.HTTPServer{
		unixServer(filepath.Join(dir, "first.sock")),
		{Section: "inet_http_server", Network: "tcp", Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port},
	}
	_, err = Start(t.Context(), servers, Options{RPC: newRPC(t)})
	checkInUse(t, err, "inet_http_server")
	// The listener opened before the failure is closed and its file removed.
	if _, err := os.Lstat(servers[0].File); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket of the first listener left behind: %v", err)
	}
}

func TestListenErrors(t *testing.T) {
	dir := shortDir(t)
	cases := []struct {
		name string
		srv  config.HTTPServer
		want string
	}{
		{"missing directory", unixServer(filepath.Join(dir, "no", "s.sock")), "Cannot open an HTTP server: socket.error reported errno.ENOENT (2)"},
		{"path too long", unixServer(filepath.Join(dir, strings.Repeat("x", 120))), "Cannot open an HTTP server: socket.error reported AF_UNIX path too long"},
		{"address not local", config.HTTPServer{Section: "inet_http_server", Network: "tcp", Host: "192.0.2.1", Port: 9}, "Cannot open an HTTP server: socket.error reported errno.EADDRNOTAVAIL (99)"},
		{"bad network", config.HTTPServer{Section: "x", Network: "udp"}, `Cannot determine socket type "udp"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Start(t.Context(), []config.HTTPServer{tc.srv}, Options{RPC: newRPC(t)})
			var le *ListenError
			if !errors.As(err, &le) || le.Usage() != tc.want {
				t.Fatalf("got %v, want usage %q", err, tc.want)
			}
		})
	}
}

func TestSocketModeAndOwner(t *testing.T) {
	path := filepath.Join(shortDir(t), "s.sock")
	srv := unixServer(path)
	srv.Chmod = 0o660
	if os.Geteuid() == 0 {
		srv.Chown = config.Owner{UID: 12345, GID: 23456}
		startOne(t, srv, Options{})
		fi, err := os.Lstat(path)
		if err != nil {
			t.Fatal(err)
		}
		st := fi.Sys().(*syscall.Stat_t)
		if fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o660 || st.Uid != 12345 || st.Gid != 23456 {
			t.Fatalf("socket mode %v owner %d:%d, want socket 0660 12345:23456", fi.Mode(), st.Uid, st.Gid)
		}
		return
	}
	// Not root: chown to another user is the reference's error.
	srv.Chown = config.Owner{UID: 0, GID: 0}
	_, err := Start(t.Context(), []config.HTTPServer{srv}, Options{RPC: newRPC(t)})
	var le *ListenError
	if !errors.As(err, &le) || !strings.HasPrefix(le.Usage(), "Not permitted to chown "+path+" to uid/gid (0, 0); adjust \"sockchown\"") {
		t.Fatalf("got %v", err)
	}
}

func TestNoAuthLogged(t *testing.T) {
	log, logs := newLog()
	_, _ = startOurs(t, Options{Log: log})
	out := logs.String()
	if !strings.Contains(out, "Server 'inet_http_server' running without any HTTP authentication checking") {
		t.Errorf("log %q lacks the CRIT line for inet_http_server", out)
	}
	if strings.Contains(out, "Server 'unix_http_server'") || strings.Contains(out, "Server 'inet_http_server:auth'") {
		t.Errorf("log %q names a server that has authentication", out)
	}
}

func TestShutdownWaitsForCalls(t *testing.T) {
	g := newGate()
	path := filepath.Join(shortDir(t), "s.sock")
	s := startOne(t, unixServer(path), Options{RPC: newRPC(t, rpc.Mount{Name: "gate", Namespace: g})})
	answered := make(chan string, 1)
	body := call(t, "gate.wait")
	go func() {
		conv, err := exchangeErr("unix", path, []string{post("/RPC2", body, "")}, nil, false)
		if err != nil {
			answered <- err.Error()
			return
		}
		answered <- conv.Answers[0].Status + " " + conv.Answers[0].Body
	}()
	recv(t, g.entered, "the call to start")
	stopped := make(chan error, 1)
	go func() { stopped <- s.Shutdown(context.Background()) }()
	close(g.release)
	if a := recv(t, answered, "the answer"); !strings.HasPrefix(a, "200 OK") || !strings.Contains(a, "<boolean>1</boolean>") {
		t.Fatalf("in-flight call answered %q", a)
	}
	if err := recv(t, stopped, "Shutdown"); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket file left after Shutdown: %v", err)
	}
	if _, err := net.Dial("unix", path); err == nil {
		t.Error("still accepting after Shutdown")
	}
}

func TestShutdownDeadlineCancelsCalls(t *testing.T) {
	g := newGate()
	s := startOne(t, config.HTTPServer{Section: "inet_http_server", Network: "tcp", Host: "127.0.0.1"},
		Options{RPC: newRPC(t, rpc.Mount{Name: "gate", Namespace: g})})
	addr := s.Addrs()[0].String()
	answered := make(chan struct{})
	req := post("/RPC2", call(t, "gate.wait"), "")
	go func() {
		defer close(answered)
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Error(err)
			return
		}
		defer c.Close()
		io.WriteString(c, req)
		io.Copy(io.Discard, c) // until the server closes the connection
	}()
	recv(t, g.entered, "the call to start")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := s.Shutdown(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Shutdown with an ended context: %v", err)
	}
	recv(t, g.canceled, "the call's context to end")
	recv(t, answered, "the connection to close")
}

func TestClientGoneCancelsCall(t *testing.T) {
	g := newGate()
	s := startOne(t, config.HTTPServer{Section: "inet_http_server", Network: "tcp", Host: "127.0.0.1"},
		Options{RPC: newRPC(t, rpc.Mount{Name: "gate", Namespace: g})})
	c, err := net.Dial("tcp", s.Addrs()[0].String())
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, post("/RPC2", call(t, "gate.wait"), ""))
	recv(t, g.entered, "the call to start")
	c.Close()
	recv(t, g.canceled, "the call's context to end")
}

// TestLongCallsDoNotBlock: calls waiting in a method do not delay others,
// on the same listener or another.
func TestLongCallsDoNotBlock(t *testing.T) {
	g := newGate()
	ep, _ := startOurs(t, Options{RPC: newRPC(t, rpc.Mount{Name: "gate", Namespace: g})})
	const waiting = 6
	var wg sync.WaitGroup
	for i := range waiting {
		network, addr := ep.addr([]string{"inet", "unix"}[i%2])
		creds := ""
		if network == "unix" {
			creds = basic(b64(testUser + ":" + testSHAPass))
		}
		req := post("/RPC2", call(t, "gate.wait"), creds)
		wg.Go(func() {
			conv, err := exchangeErr(network, addr, []string{req}, nil, false)
			if err != nil {
				t.Error(err)
			} else if conv.Answers[0].Status != "200 OK" {
				t.Errorf("waiting call answered %s", conv.Answers[0].Status)
			}
		})
	}
	for range waiting {
		recv(t, g.entered, "the calls to start")
	}
	for range 20 {
		if status, _ := rpcPost(t, "tcp", ep.inet, call(t, "system.listMethods")); status != "200 OK" {
			t.Fatalf("status %s while calls wait", status)
		}
	}
	close(g.release)
	wg.Wait()
}

func TestBodyLimit(t *testing.T) {
	s := startOne(t, config.HTTPServer{Section: "inet_http_server", Network: "tcp", Host: "127.0.0.1"}, Options{MaxBodyBytes: 200})
	addr := s.Addrs()[0].String()
	conv := exchange(t, "tcp", addr, []string{post("/RPC2", call(t, "fake.echo", strings.Repeat("x", 200)), "")}, []string{"Connection"}, true)
	a := conv.Answers[0]
	if a.Status != "413 Request Entity Too Large" || a.Header["Connection"] != "close" || a.Body != string(ErrorPage(413)) || !conv.Closed {
		t.Fatalf("got %+v closed=%v", a, conv.Closed)
	}
	if status, _ := rpcPost(t, "tcp", addr, call(t, "fake.echo", "x")); status != "200 OK" {
		t.Fatalf("small call: %s", status)
	}
}

func TestHooks(t *testing.T) {
	hook := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, name+" "+r.URL.Path) })
	}
	h := NewHandler(unixServer("unused"), Options{RPC: newRPC(t), LogTail: hook("logtail"), MainLogTail: hook("main"), Web: hook("web")})
	authed := NewHandler(config.HTTPServer{Username: "u", Password: "p"}, Options{RPC: newRPC(t), Web: hook("web")})
	cases := []struct {
		h      http.Handler
		target string
		auth   bool
		status int
		body   string
	}{
		{h, "/logtail/foo/stderr", false, 200, "logtail /logtail/foo/stderr"},
		{h, "/logtailx", false, 200, "logtail /logtailx"},
		{h, "/mainlogtail", false, 200, "main /mainlogtail"},
		{h, "/%6Dainlogtail", false, 200, "main /mainlogtail"},
		{h, "/", false, 200, "web /"},
		{h, "/index.html?x=1", false, 200, "web /index.html"},
		{h, "/RPC2x", false, 400, string(ErrorPage(400))},
		{NewHandler(unixServer("unused"), Options{RPC: newRPC(t)}), "/logtail/x", false, 404, string(ErrorPage(404))},
		{authed, "/", false, 401, string(ErrorPage(401))},
		{authed, "/", true, 200, "web /"},
	}
	for _, tc := range cases {
		r, err := http.NewRequest("GET", tc.target, nil)
		if err != nil {
			t.Fatal(err)
		}
		r.RequestURI = tc.target
		if tc.auth {
			r.SetBasicAuth("u", "p")
		}
		w := newRecorder()
		tc.h.ServeHTTP(w, r)
		if w.code != tc.status || w.body.String() != tc.body || w.header.Get("Server") != "Medusa/1.12" {
			t.Errorf("GET %s: %d %q %v, want %d %q", tc.target, w.code, w.body.String(), w.header, tc.status, tc.body)
		}
	}
}

// recorder is a minimal http.ResponseWriter.
type recorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{header: http.Header{}, code: 200} }

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(code int)        { r.code = code }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }

func TestRequestURI(t *testing.T) {
	cases := []struct{ in, want string }{
		{"/RPC2", "/RPC2"},
		{"/RPC2?a%20b", "/RPC2?a%20b"},
		{"/%52PC2", "/RPC2"},
		{"/%52PC2?q%41", "/RPC2?q%41"},
		{"/%52PC2?", "/RPC2"},
		{"/a%2fb%zz%4", "/a/b%zz%4"},
		{"/x%3F?y", "/x??y"},
		{"/p%3Fq?r?s", "/p?q?r?s"},
	}
	for _, tc := range cases {
		if got := requestURI(tc.in); got != tc.want {
			t.Errorf("requestURI(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestDecodeBase64(t *testing.T) {
	cases := []struct {
		in   string
		want string
		ok   bool
	}{
		{"dXNlcjoxMjM=", "user:123", true},
		{"dXNlcjoxMjM", "", false},
		{"dXNl cjox\nMjM=", "user:123", true},
		{"!dXNlcjoxMjM=junk", "user:123", true},
		{"YQ==", "a", true},
		{"YQ", "", false},
		{"Y", "", false},
		{"YWI=YWI=", "ab", true},
		{"", "", true},
		{"====", "", true},
		{"Y=Q==", "a", true},
	}
	for _, tc := range cases {
		got, ok := decodeBase64(tc.in)
		if ok != tc.ok || (ok && string(got) != tc.want) {
			t.Errorf("decodeBase64(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// TestReferenceRefusesOurs: the reference, started on the port and the
// socket our server holds, refuses with the message our ListenError
// carries, and leaves our socket alone.
func TestReferenceRefusesOurs(t *testing.T) {
	requireReference(t)
	ours, _ := startOurs(t, Options{})
	for _, which := range []string{"inet", "unix"} {
		t.Run(which, func(t *testing.T) {
			dir := shortDir(t)
			section := "[inet_http_server]\nport = " + ours.inet + "\n"
			if which == "unix" {
				section = "[unix_http_server]\nfile = " + ours.unix + "\n"
			}
			conf := filepath.Join(dir, "supervisord.conf")
			body := "[supervisord]\nnodaemon = true\nlogfile = " + dir + "/l.log\npidfile = " + dir + "/p.pid\n" + section
			if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, refSupervisord, "-c", conf)
			cmd.Dir = dir
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(string(out), "Error: "+msgInUse+"\n") {
				t.Fatalf("reference: %v\n%s", err, out)
			}
			if status, _ := rpcPost(t, "tcp", ours.inet, call(t, "system.listMethods")); status != "200 OK" {
				t.Fatalf("our server answers %s afterwards", status)
			}
			conv := exchange(t, "unix", ours.unix, []string{post("/RPC2", call(t, "system.listMethods"), basic(b64(testUser+":"+testSHAPass)))}, nil, false)
			if conv.Answers[0].Status != "200 OK" {
				t.Fatalf("our socket answers %s afterwards", conv.Answers[0].Status)
			}
		})
	}
}
