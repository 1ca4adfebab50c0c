package ctl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/supervisorgo/supervisor/internal/ctl/pyfmt"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

func TestParseLine(t *testing.T) {
	for _, tc := range []struct {
		line, cmd, arg string
		ok             bool
	}{
		{"status", "status", "", true},
		{"  status  a b ", "status", "a b", true},
		{"?status", "help", "status", true},
		{"?", "help", "", true},
		{"!ls", "", "", false},
		{"-x", "", "-x", true},
		{"foo-bar x", "foo", "-bar x", true},
		{"", "", "", false},
	} {
		cmd, arg, _, ok := parseLine(tc.line)
		if cmd != tc.cmd || arg != tc.arg || ok != tc.ok {
			t.Errorf("parseLine(%q) = %q, %q, %v; want %q, %q, %v", tc.line, cmd, arg, ok, tc.cmd, tc.arg, tc.ok)
		}
	}
}

func TestNamespec(t *testing.T) {
	for _, tc := range []struct {
		spec, group, name string
		hasName           bool
	}{
		{"foo", "foo", "foo", true},
		{"g:p", "g", "p", true},
		{"g:*", "g", "", false},
		{"g:", "g", "", false},
		{"g:p:q", "g", "p:q", true},
	} {
		g, n, h := splitNamespec(tc.spec)
		if g != tc.group || n != tc.name || h != tc.hasName {
			t.Errorf("splitNamespec(%q) = %q %q %v", tc.spec, g, n, h)
		}
	}
	if makeNamespec("a", "a") != "a" || makeNamespec("g", "p") != "g:p" {
		t.Error("makeNamespec")
	}
}

func TestColumnize(t *testing.T) {
	for _, tc := range []struct {
		words []string
		width int
		want  string
	}{
		{nil, 79, "<empty>\n"},
		{[]string{"one"}, 79, "one\n"},
		{[]string{"a", "bb", "c"}, 79, "a  bb  c\n"},
		{[]string{"aaaa", "bbbb", "cccc"}, 10, "aaaa  cccc\nbbbb\n"},
		{[]string{"aaaaaaaaaaaa", "b"}, 5, "aaaaaaaaaaaa\nb\n"},
	} {
		if got := columnize(tc.words, tc.width); got != tc.want {
			t.Errorf("columnize(%q, %d) = %q, want %q", tc.words, tc.width, got, tc.want)
		}
	}
}

func TestFormatStatus(t *testing.T) {
	info := func(g, n, state, desc string) map[string]any {
		return map[string]any{"group": g, "name": n, "statename": state, "description": desc}
	}
	for _, tc := range []struct {
		infos []map[string]any
		want  string
	}{
		{[]map[string]any{info("a", "a", "RUNNING", "pid 1, uptime 0:00:01")},
			"a                                RUNNING   pid 1, uptime 0:00:01\n"},
		{[]map[string]any{info("g", "p", "STOPPED", "")}, "g:p                              STOPPED   \n"},
		{[]map[string]any{info("a-very-long-group-name-here", "and-a-long-process", "FATAL", "x"), info("s", "s", "EXITED", "y")},
			"a-very-long-group-name-here:and-a-long-process   FATAL     x\ns                                                EXITED    y\n"},
	} {
		if got := formatStatus(tc.infos); got != tc.want {
			t.Errorf("formatStatus = %q, want %q", got, tc.want)
		}
	}
	got := formatConfigInfo(map[string]any{"group": "g", "name": "p", "inuse": true, "autostart": false, "group_prio": 999, "process_prio": -1})
	if want := "g:p                              in use    manual    999:-1"; got != want {
		t.Errorf("formatConfigInfo = %q, want %q", got, want)
	}
}

func TestResults(t *testing.T) {
	r := func(code int, desc string) map[string]any {
		return map[string]any{"group": "g", "name": "p", "status": code, "description": desc}
	}
	for _, tc := range []struct{ got, want string }{
		{startResult(r(80, "OK")), "g:p: started"},
		{startResult(r(10, "")), "g:p: ERROR (no such process)"},
		{startResult(r(20, "")), "g:p: ERROR (no such file)"},
		{startResult(r(21, "")), "g:p: ERROR (file is not executable)"},
		{startResult(r(60, "")), "g:p: ERROR (already started)"},
		{startResult(r(50, "")), "g:p: ERROR (spawn error)"},
		{startResult(r(40, "")), "g:p: ERROR (abnormal termination)"},
		{signalResult(r(80, ""), "stopped"), "g:p: stopped"},
		{signalResult(r(11, ""), "signalled"), "g:p: ERROR (bad signal name)"},
		{signalResult(r(70, ""), "stopped"), "g:p: ERROR (not running)"},
		{signalResult(r(30, "FAILED: boom"), "stopped"), "FAILED: boom"},
		{clearResult(r(80, "")), "g:p: cleared"},
		{clearResult(r(30, "")), "g:p: ERROR (failed)"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestExitFromFault(t *testing.T) {
	for _, tc := range []struct{ code, ignored, want int }{
		{80, 60, 0}, {60, 60, 0}, {50, 60, 7}, {40, 60, 7}, {70, 60, 7}, {70, 70, 0}, {10, 60, 1}, {30, 70, 1},
	} {
		c := &Controller{}
		c.setExitFromFault(tc.code, tc.ignored)
		if c.exit != tc.want {
			t.Errorf("setExitFromFault(%d, %d) = %d, want %d", tc.code, tc.ignored, c.exit, tc.want)
		}
	}
}

func TestParseCallArg(t *testing.T) {
	for _, tc := range []struct {
		word string
		want any
		err  bool
	}{
		{"5", 5, false},
		{"-12", -12, false},
		{"99999999999", "99999999999", false},
		{"1.5", 1.5, false},
		{"1e3", 1000.0, false},
		{"true", true, false},
		{"false", false, false},
		{"True", "True", false},
		{"abc", "abc", false},
		{"str:5", "5", false},
		{"string:", "", false},
		{"int:7", 7, false},
		{"int:x", nil, true},
		{"int:99999999999", nil, true},
		{"bool:false", false, false},
		{"bool:maybe", nil, true},
		{"float:2", 2.0, false},
		{"double:x", nil, true},
		{`[1, "a", true, 2.5]`, []any{1, "a", true, 2.5}, false},
		{`{"a": {"b": [1]}}`, map[string]any{"a": map[string]any{"b": []any{1}}}, false},
		{`json:"x"`, "x", false},
		{`json:null`, nil, true},
		{`[1,`, nil, true},
		{`[1] x`, nil, true},
		{"g:name", "g:name", false},
		{"inf", "inf", false},
		{"nan", "nan", false},
	} {
		got, err := parseCallArg(tc.word)
		if (err != nil) != tc.err || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("parseCallArg(%q) = %#v, %v; want %#v (error %v)", tc.word, got, err, tc.want, tc.err)
		}
	}
	got, err := parseCallArgs(`a 'b c' "d\"e" int:1`)
	if err != nil || !reflect.DeepEqual(got, []xmlrpc.Value{"a", "b c", `d"e`, 1}) {
		t.Errorf("parseCallArgs = %#v, %v", got, err)
	}
	if _, err := parseCallArgs(`'unclosed`); err == nil {
		t.Error("unclosed quote accepted")
	}
}

// FuzzParseCallArgs: any line either fails or gives values the XML-RPC
// encoder accepts, and a str: word always comes back as its text.
func FuzzParseCallArgs(f *testing.F) {
	for _, s := range []string{"1 2.5 true x", `'{"a": [1, 2]}'`, "str:5 int:6 json:[1]", `"unclosed`, `\`, "[", "{}", "1e400", "int:-2147483648"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		vals, err := parseCallArgs(line)
		if err != nil {
			return
		}
		if _, err := xmlrpc.MarshalCall("x.y", vals...); err != nil {
			t.Fatalf("parseCallArgs(%q) = %#v, which does not encode: %v", line, vals, err)
		}
		if !strings.ContainsAny(line, `'"\`) && !strings.ContainsAny(line, " \t\r\n") && strings.HasPrefix(line, "str:") {
			if len(vals) != 1 || vals[0] != line[4:] {
				t.Fatalf("parseCallArgs(%q) = %#v", line, vals)
			}
		}
	})
}

// TestPFormatLikePython compares pformat with Python's pprint.pformat.
func TestPFormatLikePython(t *testing.T) {
	if testing.Short() {
		t.Skip("runs python3")
	}
	values := []any{
		1, -5, true, false, "x", "it's", `say "hi"`, "tab\there", 2.5, []any{}, map[string]any{},
		[]any{"a", "b", 1},
		map[string]any{"b": 1, "a": []any{1, 2}},
	}
	var long []any
	for i := 0; i < 30; i++ {
		long = append(long, fmt.Sprintf("key-%d", i))
	}
	values = append(values, long, map[string]any{"list": long, "n": 1, "nested": map[string]any{"x": long[:12], "y": "z"}},
		[]any{map[string]any{"name": "alpha", "group": "alpha", "pid": 123, "description": "pid 123, uptime 0:00:01", "statename": "RUNNING"}})
	in, _ := json.Marshal(values)
	py := `import json, pprint, sys
for v in json.load(sys.stdin):
    print(pprint.pformat(v))
    print("\x00")`
	cmd := exec.Command("/usr/bin/python3", "-c", py)
	cmd.Stdin = strings.NewReader(string(in))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	want := strings.Split(string(out), "\n\x00\n")
	for i, v := range values {
		if got := pyfmt.PFormat(v); got != want[i] {
			t.Errorf("PFormat(%#v):\n got %s\nwant %s", v, got, want[i])
		}
	}
}

func TestOptions(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "c.conf")
	os.WriteFile(conf, []byte("[supervisorctl]\nserverurl=unix://%(here)s/x.sock\nusername=cu\npassword=cp\nprompt=mine\nhistory_file=%(here)s/hist\n"), 0o644)
	noSection := filepath.Join(dir, "n.conf")
	os.WriteFile(noSection, []byte("[supervisord]\n"), 0o644)
	for _, tc := range []struct {
		args []string
		want options
		err  string
	}{
		{args: []string{"-c", conf, "status"}, want: options{configFile: conf, serverURL: "unix://" + dir + "/x.sock", username: "cu", password: "cp", prompt: "mine", historyFile: dir + "/hist", args: []string{"status"}}},
		{args: []string{"-c", conf, "-s", "http://h:1", "-u", "u", "-p", "p", "-r", "/h", "-i", "status"}, want: options{configFile: conf, serverURL: "http://h:1", username: "u", password: "p", prompt: "mine", historyFile: "/h", interactive: true, args: []string{"status"}}},
		{args: []string{"-c", conf}, want: options{configFile: conf, serverURL: "unix://" + dir + "/x.sock", username: "cu", password: "cp", prompt: "mine", historyFile: dir + "/hist", interactive: true}},
		{args: []string{"--configuration=" + conf, "--serverurl", "unix:///s", "--history_file=/h2", "x"}, want: options{configFile: conf, serverURL: "unix:///s", username: "cu", password: "cp", prompt: "mine", historyFile: "/h2", args: []string{"x"}}},
		{args: []string{"-c", conf, "-s", "foo"}, err: "invalid value for -s 'foo': value 'foo' is not a URL"},
		{args: []string{"-c", conf, "-s", "a:b", "-s", "c:d"}, err: "conflicting command line option '-s'"},
		{args: []string{"-z"}, err: "option -z not recognized"},
		{args: []string{"-c", dir + "/missing"}, err: "could not find config file " + dir + "/missing"},
		{args: []string{"-c", noSection}, err: ".ini file does not include supervisorctl section"},
	} {
		got, err := parseOptions("supervisorctl", tc.args)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parseOptions(%q) error %v, want %q", tc.args, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseOptions(%q): %v", tc.args, err)
			continue
		}
		got.plugins = nil
		if len(got.args) == 0 {
			got.args = nil
		}
		if !reflect.DeepEqual(*got, tc.want) {
			t.Errorf("parseOptions(%q) =\n%+v\nwant\n%+v", tc.args, *got, tc.want)
		}
	}
}

func TestSearchPaths(t *testing.T) {
	for _, tc := range []struct {
		argv0 string
		first string
	}{
		{"/usr/bin/supervisorctl", "/usr/etc/supervisord.conf"},
		{"supervisorctl", "etc/supervisord.conf"},
		{"bin/supervisorctl", "etc/supervisord.conf"},
	} {
		got := searchPaths(tc.argv0)
		if got[0] != tc.first || got[len(got)-1] != "/etc/supervisor/supervisord.conf" {
			t.Errorf("searchPaths(%q) = %q", tc.argv0, got)
		}
	}
}

func TestComplete(t *testing.T) {
	f := newProcServer(t)
	o := &options{serverURL: f.url, prompt: "supervisor"}
	c := newController(o, "supervisorctl", strings.NewReader(""), io.Discard, io.Discard)
	if err := c.loadPlugins(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		text, line string
		want       []string
	}{
		{"", "", nil}, // every action: checked below
		{"sta", "sta", []string{"start ", "status "}},
		{"s", "help s", []string{"shutdown ", "signal ", "start ", "status ", "stop "}},
		{"", "status ", []string{"alpha ", "grp:red ", "grp:* ", "grp:green ", "rabbit "}},
		{"g", "stop g", []string{"grp:red ", "grp:* ", "grp:green "}},
		{"alpha:", "start alpha:", []string{"alpha:alpha ", "alpha:* "}},
		{"", "update ", []string{"alpha ", "grp ", "rabbit "}},
		{"r", "remove r", []string{"rabbit "}},
		{"x", "version x", nil},
		{"system.l", "call system.l", []string{"system.listMethods "}},
	} {
		got := c.complete(tc.text, tc.line)
		if tc.line == "" {
			if len(got) < 20 || !slices.Contains(got, "call ") || !slices.Contains(got, "help ") {
				t.Errorf("complete of an empty line = %q", got)
			}
			continue
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("complete(%q, %q) = %q, want %q", tc.text, tc.line, got, tc.want)
		}
	}
	// The readline adapter returns the rest of each word.
	rest, n := completer{c}.Do([]rune("stop gr"), 7)
	if n != 2 || len(rest) != 3 || string(rest[0]) != "p:red " {
		t.Errorf("Do = %q, %d", rest, n)
	}
}

func TestDescribe(t *testing.T) {
	const u = "unix:///x.sock"
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&xmlrpc.Fault{Code: 10, String: "BAD_NAME: x"}, "error: <class 'xmlrpc.client.Fault'>, <Fault 10: 'BAD_NAME: x'>"},
		{&protocolError{401, "Unauthorized"}, "error: unix:///x.sock refused the username and password (HTTP 401)"},
		{&protocolError{404, "Not Found"}, "error: unix:///x.sock answered HTTP 404 Not Found"},
		{&urlError{"ftp://x"}, "error: Unknown protocol for serverurl ftp://x: check the server URL"},
		{&net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.EACCES)}, "error: unix:///x.sock permission denied: check the socket file's owner and mode"},
		{&net.DNSError{Name: "nohost"}, `error: unix:///x.sock: cannot resolve host "nohost"`},
		{&badResponseError{errors.New("bad")}, "error: unix:///x.sock did not answer with XML-RPC (bad)"},
		{io.ErrUnexpectedEOF, "error: unix:///x.sock closed the connection"},
	} {
		if got := describe(u, tc.err); !strings.HasPrefix(got, tc.want) || strings.Contains(got, "\n") {
			t.Errorf("describe(%v) = %q, want it to start with %q", tc.err, got, tc.want)
		}
	}
}

// TestPermissionDenied runs both supervisorctls as a user who may not
// reach the socket: the reference prints an exception, ours one line
// saying what to check; both exit 1.
func TestPermissionDenied(t *testing.T) {
	requireReference(t)
	t.Parallel()
	dir := shortTempDir(t) // mode 0700
	sock := filepath.Join(dir, "s.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	run := func(bin string) (string, int) {
		cmd := exec.Command(bin, "-s", "unix://"+sock, "status")
		if os.Geteuid() == 0 {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		} else {
			os.Chmod(dir, 0)
			defer os.Chmod(dir, 0o700)
		}
		cmd.Dir = "/"
		out, _ := cmd.CombinedOutput()
		return string(out), cmd.ProcessState.ExitCode()
	}
	os.Chmod(filepath.Dir(oursCtl), 0o755)
	refOut, refCode := run(refCtl)
	out, code := run(oursCtl)
	if !strings.Contains(refOut, "Permission denied") {
		t.Fatalf("the reference printed %q: not the case this test is about", refOut)
	}
	want := "error: unix://" + sock + " permission denied: check the socket file's owner and mode"
	if !strings.HasPrefix(out, want) || strings.Count(out, "\n") != 1 || code != refCode {
		t.Errorf("ours: %q exit %d; want %q... exit %d (the reference: %q)", out, code, want, refCode, refOut)
	}
}

func TestShellOnPipe(t *testing.T) {
	f := newProcServer(t)
	conf := writeConf(t, f, "prompt=mine\n")
	out, code := runOurs(t, "version\nfoo\n\npid\nexit\nversion\n", "-c", conf)
	want := "alpha                            RUNNING   pid 42, uptime 0:00:01\n" +
		"grp:red                          RUNNING   pid 42, uptime 0:00:01\n" +
		"grp:green                        RUNNING   pid 42, uptime 0:00:01\n" +
		"rabbit                           RUNNING   pid 42, uptime 0:00:01\n" +
		"mine> 4.2.5\nmine> *** Unknown syntax: foo\nmine> mine> 99\nmine> \n"
	if out != want || code != 0 {
		t.Errorf("got %q exit %d, want %q", out, code, want)
	}
	// Confirmation asked with -i.
	f.handle("supervisor.shutdown", func([]any) (any, error) { return true, nil })
	out, _ = runOurs(t, "n\n", "-c", conf, "-i", "shutdown")
	if out != "Really shut the remote supervisord process down y/N? " {
		t.Errorf("shutdown refused: %q", out)
	}
	out, _ = runOurs(t, "y\n", "-c", conf, "-i", "shutdown")
	if out != "Really shut the remote supervisord process down y/N? Shut down\n" {
		t.Errorf("shutdown confirmed: %q", out)
	}
}

func TestMainOptions(t *testing.T) {
	var out strings.Builder
	if code := Main(context.Background(), "supervisorctl", []string{"-v"}, nil, &out, &out); code != 0 || out.String() != "4.2.5\n" {
		t.Errorf("-v: %q %d", out.String(), code)
	}
	out.Reset()
	if code := Main(context.Background(), "sctl", []string{"-h"}, nil, &out, &out); code != 0 || !strings.Contains(out.String(), "Usage: sctl [options] [action [arguments]]") {
		t.Errorf("-h: %q %d", out.String(), code)
	}
}
