package web

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/supervisorgo/supervisor/internal/process"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

func TestQuote(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"a", "a"}, {"g:c", "g%3Ac"}, {"g:*", "g%3A%2A"}, {"a b/c", "a%20b/c"},
		{"x_y.z-~", "x_y.z-~"}, {"é", "%C3%A9"}, {"Process a stopped", "Process%20a%20stopped"},
	} {
		if got := quote(tc.in); got != tc.want {
			t.Errorf("quote(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestServes(t *testing.T) {
	for _, tc := range []struct {
		method, path string
		want         bool
	}{
		{"GET", "/", true}, {"GET", "/index.html", true}, {"POST", "/index.html", true},
		{"GET", "/tail.html", true}, {"GET", "/ok.html", true}, {"HEAD", "/", false},
		{"GET", "/other.html", false}, {"GET", "/RPC2", false}, {"PUT", "/ok.html", false},
	} {
		if got := Serves(httptest.NewRequest(tc.method, tc.path, nil)); got != tc.want {
			t.Errorf("Serves(%s %s) = %t, want %t", tc.method, tc.path, got, tc.want)
		}
	}
}

// TestActionsForState: StatusView.actions_for_process, slot by slot.
func TestActionsForState(t *testing.T) {
	names := func(as []action) []string {
		var out []string
		for _, a := range as {
			out = append(out, a.Name)
		}
		return out
	}
	for _, tc := range []struct {
		state process.State
		want  []string
	}{
		{process.Running, []string{"Restart", "Stop", "Clear Log", "Tail -f Stdout", "Tail -f Stderr"}},
		{process.Stopped, []string{"Start", "", "Clear Log", "Tail -f Stdout", "Tail -f Stderr"}},
		{process.Exited, []string{"Start", "", "Clear Log", "Tail -f Stdout", "Tail -f Stderr"}},
		{process.Fatal, []string{"Start", "", "Clear Log", "Tail -f Stdout", "Tail -f Stderr"}},
		{process.Starting, []string{"", "", "Clear Log", "Tail -f Stdout", "Tail -f Stderr"}},
		{process.Backoff, []string{"", "", "Clear Log", "Tail -f Stdout", "Tail -f Stderr"}},
	} {
		if got := names(actionsFor(tc.state, "g:p")); !slices.Equal(got, tc.want) {
			t.Errorf("state %d: %q, want %q", tc.state, got, tc.want)
		}
	}
}

// TestStatusPage: rows sorted by group then name, shading, the message,
// and "No programs to manage".
func TestStatusPage(t *testing.T) {
	info := func(group, name, statename string, state int) xmlrpc.Value {
		return map[string]xmlrpc.Value{"group": group, "name": name, "statename": statename, "state": state, "description": "<d&>"}
	}
	var all []xmlrpc.Value
	call := func(_ context.Context, method string, _ ...xmlrpc.Value) (xmlrpc.Value, error) {
		if method != "supervisor.getAllProcessInfo" {
			t.Errorf("unexpected call %s", method)
		}
		return all, nil
	}
	h := Handler(call, "4.2.5", func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) })
	get := func(path string) string {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		b, _ := io.ReadAll(rec.Result().Body)
		return string(b)
	}
	if page := get("/"); !strings.Contains(page, "No programs to manage") {
		t.Errorf("empty page lacks the notice:\n%s", page)
	}
	all = []xmlrpc.Value{info("zz", "zz", "RUNNING", 20), info("g", "b", "FATAL", 200), info("g", "a", "STOPPED", 0)}
	page := get("/?message=" + quote("hi <there>"))
	ia, ib, iz := strings.Index(page, ">g:a<"), strings.Index(page, ">g:b<"), strings.Index(page, ">zz<")
	if ia < 0 || ib < ia || iz < ib {
		t.Errorf("rows not sorted by group and name (g:a %d, g:b %d, zz %d):\n%s", ia, ib, iz, page)
	}
	for _, want := range []string{`hi &lt;there&gt;`, `&lt;d&amp;&gt;`, `class="statuserror">fatal<`, `class="statusrunning">running<`, `<tr class="shade">`, "4.2.5"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q:\n%s", want, page)
		}
	}
}

// TestActionMessages: each action's redirect, with the reference's text.
func TestActionMessages(t *testing.T) {
	faults := map[string]error{}
	var calls []string
	call := func(_ context.Context, method string, params ...xmlrpc.Value) (xmlrpc.Value, error) {
		calls = append(calls, method)
		if method == "supervisor.getProcessInfo" && params[0] == "nope" {
			return nil, &xmlrpc.Fault{Code: 10, String: "BAD_NAME: nope"}
		}
		if err := faults[method]; err != nil {
			return nil, err
		}
		return true, nil
	}
	h := Handler(call, "4.2.5", func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) })
	do := func(path string) (int, string) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", path, nil)
		req.Host = "example:9001"
		h.ServeHTTP(rec, req)
		return rec.Code, rec.Header().Get("Location")
	}
	for _, tc := range []struct {
		path, fault string
		code        int
		want        string
	}{
		{"/index.html?action=refresh", "", 301, "Page%20refreshed%20at%20Fri%20Jan%20%202%2003%3A04%3A05%202026"},
		{"/index.html?action=stopall", "", 301, "All%20stopped%20at%20Fri%20Jan%20%202%2003%3A04%3A05%202026"},
		{"/index.html?processname=p&action=start", "", 301, "Process%20p%20started"},
		{"/index.html?processname=p&action=start", "supervisor.startProcess:60", 301, "ERROR%3A%20Process%20p%3A%20already%20started"},
		{"/index.html?processname=p&action=start", "supervisor.startProcess:40", 301, "ERROR%3A%20Process%20p%3A%20abnormal%20termination"},
		{"/index.html?processname=p&action=start", "supervisor.startProcess:99", 301, "ERROR%3A%20Process%20p%3A%20unexpected%20rpc%20fault%20%5B99%5D%20X"},
		{"/index.html?processname=p&action=stop", "supervisor.stopProcess:70", 301, "unexpected%20rpc%20fault%20%5B70%5D%20X"},
		{"/index.html?processname=p&action=clearlog", "", 301, "Log%20for%20p%20cleared"},
		{"/index.html?processname=nope&action=start", "", 301, "No%20such%20process%20named%20nope"},
		{"/index.html?processname=p&action=nonsense", "", 500, ""},
		{"/index.html?action=nonsense", "", 500, ""},
	} {
		clear(faults)
		if tc.fault != "" {
			method, code, _ := strings.Cut(tc.fault, ":")
			n := 0
			for _, c := range code {
				n = n*10 + int(c-'0')
			}
			faults[method] = &xmlrpc.Fault{Code: n, String: "X"}
		}
		code, loc := do(tc.path)
		want := ""
		if tc.want != "" {
			want = "http://example:9001/?message=" + tc.want
		}
		if code != tc.code || loc != want {
			t.Errorf("%s (fault %s): %d %q, want %d %q", tc.path, tc.fault, code, loc, tc.code, want)
		}
	}
	if !slices.Contains(calls, "system.multicall") {
		calls = nil
		do("/index.html?action=restartall")
		if !slices.Equal(calls, []string{"system.multicall"}) {
			t.Errorf("restartall made %q, want one system.multicall", calls)
		}
	}
}

func TestOK(t *testing.T) {
	rec := httptest.NewRecorder()
	Handler(nil, "", nil).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/ok.html", nil))
	if rec.Body.String() != "OK" {
		t.Errorf("ok.html: %q", rec.Body.String())
	}
}
