package httpd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/supervisorgo/supervisor/internal/config"
	"github.com/supervisorgo/supervisor/internal/testutil"
)

// The reference: Debian's supervisor 4.2.5 and its Python. The tests that
// need them fail, never skip, when they are missing.
const (
	refSupervisord = "/usr/bin/supervisord"
	refPython      = "/usr/bin/python3"
)

// Credentials of the listeners with authentication: the unix socket stores
// the password as {SHA} + hex SHA-1 of "123", the second inet listener in
// plain text.
const (
	testUser      = "user"
	testSHAPass   = "123"
	testSHAStored = "{SHA}40bd001563085fc35165329ea1ff5c5ecbdbbeef"
	testPlainPass = "s3cret pass"
)

// endpoints are the three listeners of a server under test.
type endpoints struct {
	inet     string // 127.0.0.1:port, no authentication
	inetAuth string // 127.0.0.1:port, testUser / testPlainPass
	unix     string // socket path, testUser / testSHAPass
}

// addr returns the network and address of a listener by its case name.
func (e endpoints) addr(which string) (network, addr string) {
	switch which {
	case "inet":
		return "tcp", e.inet
	case "auth":
		return "tcp", e.inetAuth
	case "unix":
		return "unix", e.unix
	}
	panic("unknown listener " + which)
}

func requireReference(t testing.TB) {
	t.Helper()
	for _, p := range []string{refSupervisord, refPython} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("this test compares with the reference, but %s is missing (%v): install Debian's supervisor package (apt-get install supervisor)", p, err)
		}
	}
}

// shortDir is testutil.ShortDir.
func shortDir(t testing.TB) string { return testutil.ShortDir(t) }

// freePort is testutil.FreePort.
func freePort(t testing.TB) int { return testutil.FreePort(t) }

// startReference runs the reference supervisord with the three listeners
// and testdata/fakens.py mounted as "fake"; it is stopped at cleanup.
func startReference(t *testing.T) endpoints {
	t.Helper()
	requireReference(t)
	dir := shortDir(t)
	testdata, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	ep := endpoints{
		inet:     net.JoinHostPort("127.0.0.1", strconv.Itoa(freePort(t))),
		inetAuth: net.JoinHostPort("127.0.0.1", strconv.Itoa(freePort(t))),
		unix:     filepath.Join(dir, "ref.sock"),
	}
	conf := fmt.Sprintf(`[supervisord]
nodaemon = true
logfile = %[1]s/supervisord.log
pidfile = %[1]s/supervisord.pid
childlogdir = %[1]s

[inet_http_server]
port = %[2]s

[inet_http_server:auth]
port = %[3]s
username = %[5]s
password = %[6]s

[unix_http_server]
file = %[4]s
username = %[5]s
password = %[7]s

[rpcinterface:fake]
supervisor.rpcinterface_factory = fakens:make
`, dir, ep.inet, ep.inetAuth, ep.unix, testUser, testPlainPass, testSHAStored)
	confPath := filepath.Join(dir, "supervisord.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(refSupervisord, "-c", confPath)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PYTHONPATH="+testdata)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	// Only the daemon can tell when it listens: poll with a deadline.
	deadline := time.After(20 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for _, which := range []string{"inet", "auth", "unix"} {
		network, addr := ep.addr(which)
		for {
			c, err := net.Dial(network, addr)
			if err == nil {
				c.Close()
				break
			}
			select {
			case err := <-exited:
				exited <- err
				t.Fatalf("reference supervisord exited (%v):\n%s", err, out.String())
			case <-deadline:
				t.Fatalf("reference supervisord does not listen on %s %s:\n%s", network, addr, out.String())
			case <-tick.C:
			}
		}
	}
	return ep
}

// ourServers are the three listeners' sections for our server.
func ourServers(dir string) []config.HTTPServer {
	return []config.HTTPServer{
		{Section: "inet_http_server", Network: "tcp", Host: "127.0.0.1"},
		{Section: "inet_http_server:auth", Name: "auth", Network: "tcp", Host: "127.0.0.1",
			Username: testUser, Password: testPlainPass, HasAuth: true},
		{Section: "unix_http_server", Network: "unix", File: filepath.Join(dir, "our.sock"), Chmod: 0o700,
			Chown: config.Owner{UID: -1, GID: -1}, Username: testUser, Password: testSHAStored, HasAuth: true},
	}
}

// startOurs runs our listeners with the fake namespace; they are shut down
// at cleanup.
func startOurs(t *testing.T, opts Options) (endpoints, *Server) {
	t.Helper()
	dir := shortDir(t)
	if opts.RPC == nil {
		opts.RPC = newRPC(t)
	}
	srv, err := Start(t.Context(), ourServers(dir), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	addrs := srv.Addrs()
	return endpoints{inet: addrs[0].String(), inetAuth: addrs[1].String(), unix: addrs[2].String()}, srv
}

// pyClient runs testdata/client.py against url with the calls and returns
// its JSON answers.
func pyClient(t *testing.T, url string, creds []string, calls [][2]any) []json.RawMessage {
	t.Helper()
	requireReference(t)
	script, err := filepath.Abs(filepath.Join("testdata", "client.py"))
	if err != nil {
		t.Fatal(err)
	}
	in, err := json.Marshal(calls)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), refPython, append([]string{"-I", script, url}, creds...)...)
	cmd.Dir = t.TempDir()
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s %s: %v\n%s", refPython, script, url, err, stderr.String())
	}
	var res []json.RawMessage
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("client.py answered %q: %v", out, err)
	}
	if len(res) != len(calls) {
		t.Fatalf("client.py answered %d calls of %d", len(res), len(calls))
	}
	return res
}
