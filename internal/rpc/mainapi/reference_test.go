package mainapi

// Differential tests: the same inputs go through the reference's own code
// (testdata/refapi.py and testdata/refmethods.py, run with Debian's
// python3-supervisor 4.2.5) and through ours, and the results must be
// equal. A missing reference fails these tests: it is never a skip.

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/supervisorgo/supervisor/internal/config"
	"github.com/supervisorgo/supervisor/internal/process"
	"github.com/supervisorgo/supervisor/internal/rpc"
	"github.com/supervisorgo/supervisor/plugin"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

const refPython = "/usr/bin/python3"

// requireReference fails the test when the reference is not installed.
func requireReference(t *testing.T) {
	t.Helper()
	cmd := exec.Command(refPython, "-c", "import supervisor.rpcinterface")
	cmd.Dir = os.TempDir()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the reference is missing (%v: %s): these tests need %s with Debian's python3-supervisor 4.2.5 (apt-get install supervisor)",
			err, out, refPython)
	}
}

// runReference runs a script of testdata with the request as JSON on its
// stdin, from a directory other than the package's, and decodes its
// output into out.
func runReference(t *testing.T, script string, args []string, env []string, req, out any) {
	t.Helper()
	requireReference(t)
	path, err := filepath.Abs(filepath.Join("testdata", script))
	if err != nil {
		t.Fatal(err)
	}
	in, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(refPython, append([]string{path}, args...)...)
	cmd.Dir = t.TempDir()
	cmd.Env = env
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	data, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", script, args, err, stderr.String())
	}
	if err := json.Unmarshal(data, out); err != nil {
		t.Fatalf("%s %v: bad JSON %v\n%s", script, args, err, data)
	}
}

// refMethod is one entry of testdata/reference_methods.json.
type refMethod struct {
	Help      string   `json:"help"`
	Signature []string `json:"signature"`
	Min       int      `json:"min_params"`
	Max       int      `json:"max_params"`
}

func referenceMethods(t *testing.T) map[string]refMethod {
	t.Helper()
	data, err := os.ReadFile("testdata/reference_methods.json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]refMethod
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestHelpMatchesReference: every method of 4.2.5 is there, with the raw
// docstring and the signature the reference's system namespace reports,
// and the dispatcher's parser reads the same signature from the help.
func TestHelpMatchesReference(t *testing.T) {
	ref := referenceMethods(t)
	ns, err := New(context.Background(), plugin.InitContext{Name: "supervisor", Host: &fakeHost{}})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range ns.Methods() {
		names = append(names, m.Name)
		r, ok := ref[m.Name]
		if !ok {
			t.Errorf("%s is not a method of the reference", m.Name)
			continue
		}
		if m.Help != r.Help {
			t.Errorf("%s help:\n%q\nreference:\n%q", m.Name, m.Help, r.Help)
		}
		if !slices.Equal(m.Signature, r.Signature) {
			t.Errorf("%s signature %q, reference %q", m.Name, m.Signature, r.Signature)
		}
		if sig, ok := rpc.ParseSignature(m.Help); !ok || !slices.Equal(sig, m.Signature) {
			t.Errorf("%s: the help parses to %q (%t), the method says %q", m.Name, sig, ok, m.Signature)
		}
	}
	if len(names) != len(ref) {
		t.Errorf("%d methods, the reference has %d", len(names), len(ref))
	}
	if len(slices.Compact(slices.Sorted(slices.Values(names)))) != len(names) {
		t.Errorf("duplicate method names: %q", names)
	}
}

// TestReferenceMethodsFile checks that testdata/reference_methods.json is
// what the installed reference says.
func TestReferenceMethodsFile(t *testing.T) {
	var live map[string]refMethod
	runReference(t, "refmethods.py", nil, nil, nil, &live)
	if want := referenceMethods(t); !reflect.DeepEqual(live, want) {
		t.Errorf("testdata/reference_methods.json is out of date: regenerate it with testdata/refmethods.py")
	}
}

// infoCase is a getProcessInfo input for refapi.py's info mode.
type infoCase struct {
	Name       string  `json:"name"`
	Group      string  `json:"group"`
	State      int     `json:"state"`
	Start      float64 `json:"start"`
	Stop       float64 `json:"stop"`
	Now        float64 `json:"now"`
	Pid        int     `json:"pid"`
	ExitStatus *int    `json:"exitstatus"`
	SpawnErr   *string `json:"spawnerr"`
	Stdout     *string `json:"stdout_logfile"`
	Stderr     *string `json:"stderr_logfile"`

	start, stop, now time.Time
}

// moment is a timestamp both as the reference's float and as a time.
func moment(sec int64, frac int) (float64, time.Time) {
	if sec == 0 && frac == 0 {
		return 0, time.Time{}
	}
	ns := int64(frac) * 1e8 // tenths of a second: exact enough as floats
	return float64(sec) + float64(frac)/10, time.Unix(sec, ns)
}

func infoCases() []infoCase {
	r := rand.New(rand.NewPCG(1, 2))
	states := []process.State{process.Stopped, process.Starting, process.Running, process.Backoff,
		process.Stopping, process.Exited, process.Fatal, process.Unknown}
	bases := []int64{0, 1, 86400, 1700000000, 1735689599, math.MaxInt32 - 3, math.MaxInt32, math.MaxInt32 + 7, 1 << 33}
	deltas := []int64{-3600, -1, 0, 3, 59, 3599, 4010, 86399, 86400, 86401, 2*86400 + 1, 5*86400 + 26294, 400 * 86400}
	strp := func(s string) *string { return &s }
	intp := func(n int) *int { return &n }
	var cases []infoCase
	for i := 0; i < 400; i++ {
		c := infoCase{Name: "p", Group: "p", State: int(states[i%len(states)]), Pid: r.IntN(40000)}
		if i%3 == 1 {
			c.Name, c.Group = "web_01", "web"
		}
		startSec := bases[r.IntN(len(bases))]
		c.Start, c.start = moment(startSec, r.IntN(10))
		stopSec := int64(0)
		if r.IntN(4) > 0 {
			stopSec = bases[r.IntN(len(bases))] + int64(r.IntN(100000))
		}
		c.Stop, c.stop = moment(stopSec, r.IntN(10))
		c.Now, c.now = moment(max(startSec+deltas[r.IntN(len(deltas))], 1), r.IntN(10))
		switch r.IntN(3) {
		case 0:
			c.ExitStatus = intp(r.IntN(256))
		case 1:
			c.ExitStatus = intp(-1)
		}
		switch r.IntN(3) {
		case 0:
			c.SpawnErr = strp("Exited too quickly (process log may have details)")
		case 1:
			c.SpawnErr = strp("")
		}
		switch r.IntN(3) {
		case 0:
			c.Stdout, c.Stderr = strp("/var/log/p.out"), strp("/var/log/p.err")
		case 1:
			c.Stdout = strp("/var/log/p.out")
		}
		cases = append(cases, c)
	}
	return cases
}

func (c infoCase) info() process.Info {
	deref := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	info := process.Info{Name: c.Name, Group: c.Group, State: process.State(c.State), Pid: c.Pid,
		Start: c.start, Stop: c.stop, SpawnErr: deref(c.SpawnErr),
		Config: &config.Process{Name: c.Name, Stdout: config.LogFile{Path: deref(c.Stdout)},
			Stderr: config.LogFile{Path: deref(c.Stderr)}}}
	if c.ExitStatus != nil {
		info.ExitStatus = *c.ExitStatus
	}
	return info
}

// pairs renders a struct as the reference script does: [[key, value]...],
// through JSON so that both sides have the same types.
func pairs(t *testing.T, v any) any {
	t.Helper()
	var conv func(v any) any
	conv = func(v any) any {
		switch x := v.(type) {
		case xmlrpc.Struct:
			out := make([]any, len(x))
			for i, m := range x {
				out[i] = []any{m.Name, conv(m.Value)}
			}
			return out
		case []any:
			out := make([]any, len(x))
			for i, e := range x {
				out[i] = conv(e)
			}
			return out
		}
		return v
	}
	data, err := json.Marshal(conv(v))
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestProcessInfoDifferential compares getProcessInfo's whole struct (keys,
// order, values, description) with the reference's for a table of states,
// timestamps (fractional, beyond 2038, clock set back), pids, exit
// statuses, spawn errors and log files, in several time zones.
func TestProcessInfoDifferential(t *testing.T) {
	cases := infoCases()
	for _, zone := range []string{"UTC", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham"} {
		t.Run(zone, func(t *testing.T) {
			loc, err := time.LoadLocation(zone)
			if err != nil {
				t.Fatalf("time zone %s: %v (install tzdata)", zone, err)
			}
			var want []any
			runReference(t, "refapi.py", []string{"info"}, []string{"TZ=" + zone, "LANG=C"}, cases, &want)
			if len(want) != len(cases) {
				t.Fatalf("%d answers for %d cases", len(want), len(cases))
			}
			a := &api{loc: loc}
			for i, c := range cases {
				got := pairs(t, a.processInfo(c.Group, c.info(), c.now))
				if !reflect.DeepEqual(got, want[i]) {
					t.Errorf("case %d %+v:\n got %v\nwant %v", i, c, got, want[i])
				}
			}
		})
	}
}

// TestSignalDifferential compares the signal parameter's parsing with
// supervisor.datatypes.signal_number.
func TestSignalDifferential(t *testing.T) {
	values := []any{"HUP", "hup", "SIGHUP", " sigterm ", "TERM", "KILL", "USR1", "SIGUSR2", "CLD", "IOT", "POLL",
		"RTMIN", "RTMAX", "SIGRTMIN+1", "SIG_DFL", "_IGN", "SIG_SETMASK", "SIG", "", " ", "FOO", "sig_foo",
		"0", "1", "15", " 9 ", "+2", "-1", "31", "32", "33", "34", "35", "64", "65", "1_5", "1__5", "0x1",
		"１５", "9999999999999999999999", "15.0",
		0, 1, 9, 15, 31, 32, 34, 64, -15, 100, true, false, 1.9, 15.5, -0.5}
	var want []any
	runReference(t, "refapi.py", []string{"signal"}, nil, values, &want)
	for i, v := range values {
		var got any
		sig, err := signalArg(v)
		switch f, ok := asFault(err); {
		case err == nil:
			got = float64(sig)
		case ok && f.Code == int(rpc.BadSignal) && f.String == "BAD_SIGNAL: "+pyStr(v):
			got = "BAD_SIGNAL"
		case ok:
			got = f.String
		default:
			got = "ERROR"
		}
		if !reflect.DeepEqual(got, want[i]) {
			t.Errorf("signal %#v: got %v, reference %v", v, got, want[i])
		}
	}
}

// TestIntDifferential compares int() of text (log offsets) with Python's.
func TestIntDifferential(t *testing.T) {
	values := []string{"0", "12", " 12 ", "\t-3\n", "+4", "1_000", "1__0", "_1", "1_", "", " ", "0x10", "010",
		"1.5", "1e3", "٣", "１２", "12a", "- 1", "9223372036854775807", "-9223372036854775808", "\u20031\u2003"}
	var want []*float64
	runReference(t, "refapi.py", []string{"int"}, nil, values, &want)
	for i, s := range values {
		n, err := parsePyInt(s)
		switch {
		case want[i] == nil && err == nil:
			t.Errorf("int(%q) = %d, the reference refuses it", s, n)
		case want[i] != nil && err != nil:
			t.Errorf("int(%q): %v, the reference gives %v", s, err, *want[i])
		case want[i] != nil && float64(n) != *want[i]:
			t.Errorf("int(%q) = %d, the reference gives %v", s, n, *want[i])
		}
	}
}

// The configurations of TestConfigDifferential: a common base and variants.
const confHeader = `[supervisord]
logfile=%(here)s/supervisord.log
pidfile=%(here)s/supervisord.pid
childlogdir=%(here)s
`

const confBase = `
[program:cat]
command=/bin/cat
[program:auto]
command=/bin/cat
stdout_logfile=AUTO
stdout_logfile_maxbytes=1MB
[program:multi]
command=/bin/cat
process_name=%(program_name)s_%(process_num)02d
numprocs=2
[group:grp]
programs=x,y
priority=50
[program:x]
command=/bin/cat -n
[program:y]
command=/bin/cat
priority=10
directory=/tmp
user=root
stderr_logfile=NONE
[eventlistener:ev]
command=/bin/cat
events=PROCESS_STATE,TICK_5
[fcgi-program:fc]
command=/bin/cat
socket=unix://%(here)s/fc.sock
[program:idle]
command=/bin/cat
environment=A="1",B="2"
stdout_logfile=NONE
exitcodes=0,2
stopsignal=HUP
serverurl=http://127.0.0.1:9001
umask=022
redirect_stderr=true
`

func TestConfigDifferential(t *testing.T) {
	edit := func(pairs ...string) string {
		s := confBase
		for i := 0; i < len(pairs); i += 2 {
			if !strings.Contains(s, pairs[i]) {
				t.Fatalf("the base has no %q", pairs[i])
			}
			s = strings.Replace(s, pairs[i], pairs[i+1], 1)
		}
		return s
	}
	// Each body gets confHeader in front, unless it starts with its own.
	cases := []struct{ name, old, new string }{
		{"same", confBase, confBase},
		{"command, added, group members", confBase, edit(
			"command=/bin/cat\n[program:auto]", "command=/bin/cat -u\n[program:auto]",
			"programs=x,y", "programs=x",
			"[program:idle]", "[program:new]\ncommand=/bin/true\n[program:idle]")},
		{"auto to a file, listener, socket", confBase, edit(
			"stdout_logfile=AUTO", "stdout_logfile=%(here)s/auto.log",
			"events=PROCESS_STATE,TICK_5", "events=PROCESS_STATE,TICK_5\nbuffer_size=20",
			"fc.sock", "fc2.sock")},
		{"kind changed, removed", confBase, edit(
			"[program:cat]\ncommand=/bin/cat", "[eventlistener:cat]\ncommand=/bin/cat\nevents=TICK_60",
			"[program:multi]\ncommand=/bin/cat\nprocess_name=%(program_name)s_%(process_num)02d\nnumprocs=2\n", "")},
		{"supervisord environment", confBase, confHeader + "environment=X=\"1\"\n" + confBase},
		{"numprocs, priority, maxbytes", confBase, edit(
			"numprocs=2", "numprocs=3",
			"priority=50", "priority=60",
			"stdout_logfile_maxbytes=1MB", "stdout_logfile_maxbytes=2MB")},
		{"auto unchanged, events reordered", edit("events=PROCESS_STATE,TICK_5", "events=TICK_5,PROCESS_STATE"), confBase},
		{"unreadable", confBase, "[program:broken\n"},
		{"no program section", confBase, "[supervisord]\n[program:x]\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			oldPath, newPath := filepath.Join(dir, "old.conf"), filepath.Join(dir, "new.conf")
			for path, body := range map[string]string{oldPath: tc.old, newPath: tc.new} {
				if !strings.HasPrefix(body, "[") {
					body = confHeader + body
				}
				if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			idle := []string{"idle", "fc"}
			env := []string{"PATH=/usr/bin:/bin", "HOME=" + dir, "LANG=C.UTF-8"}

			var want struct {
				Before []any `json:"before"`
				Reload any   `json:"reload"`
				After  []any `json:"after"`
			}
			runReference(t, "refapi.py", []string{"config"}, env,
				map[string]any{"old": oldPath, "new": newPath, "idle": idle}, &want)

			opts := config.Options{Env: env, Cwd: dir, Hostname: "testhost"}
			oldCfg, err := config.Load(oldPath, opts)
			if err != nil {
				t.Fatal(err)
			}
			e := newEnv(t)
			e.host.cfg = oldCfg
			for _, g := range oldCfg.Groups {
				if !slices.Contains(idle, g.Name) {
					if err := e.host.AddGroup(context.Background(), g); err != nil {
						t.Fatal(err)
					}
				}
			}
			before := pairs(t, e.ok("getAllConfigInfo"))
			if newCfg, err := config.Load(newPath, opts); err != nil {
				e.host.rereadErr = err
			} else {
				e.host.next = newCfg
			}
			var reload any
			v, err := e.call("reloadConfig")
			if f, ok := asFault(err); ok {
				reload = map[string]any{"fault": float64(f.Code)}
			} else if err != nil {
				t.Fatal(err)
			} else {
				reload = pairs(t, v)
			}
			after := pairs(t, e.ok("getAllConfigInfo"))

			for _, c := range []struct {
				what      string
				got, want any
			}{{"getAllConfigInfo before", before, want.Before}, {"reloadConfig", reload, want.Reload},
				{"getAllConfigInfo after", after, want.After}} {
				got, ref := normalizeAuto(c.got), normalizeAuto(c.want)
				if tc.name == "auto unchanged, events reordered" && c.what == "reloadConfig" {
					// The reference keeps an event listener's events in
					// the order of a Python set, which follows the
					// interpreter's random string hashing: the same
					// reordering is reported as a change in some runs
					// and not in others. Ours compares them as a set.
					unchanged := []any{[]any{[]any{"fc", "idle"}, []any{}, []any{}}}
					changed := []any{[]any{[]any{"fc", "idle"}, []any{"ev"}, []any{}}}
					if !reflect.DeepEqual(normalizeAuto(unchanged), got) ||
						(!reflect.DeepEqual(ref, normalizeAuto(unchanged)) && !reflect.DeepEqual(ref, normalizeAuto(changed))) {
						t.Errorf("%s:\n got %s\nreference %s", c.what, jsonText(got), jsonText(ref))
					}
					continue
				}
				if !reflect.DeepEqual(got, ref) {
					t.Errorf("%s:\n got %s\nwant %s", c.what, jsonText(got), jsonText(ref))
				}
			}
		})
	}
}

// autoName matches the name given to an AUTO log file (the reference's
// mkstemp suffix is random).
var autoName = regexp.MustCompile(`^(.*/[^/]+-(?:stdout|stderr)---supervisor-)[^/]*\.log$`)

func normalizeAuto(v any) any {
	switch x := v.(type) {
	case string:
		return autoName.ReplaceAllString(x, "${1}RANDOM.log")
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalizeAuto(e)
		}
		return out
	}
	return v
}

func jsonText(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}

// TestUptimeFormat: the uptime in a RUNNING process's description is
// str(timedelta) of whole seconds.
func TestUptimeFormat(t *testing.T) {
	for secs, want := range map[int64]string{0: "0:00:00", 59: "0:00:59", 3600: "1:00:00", 86399: "23:59:59",
		86400: "1 day, 0:00:00", 2*86400 + 61: "2 days, 0:01:01", -5: "0:00:00"} {
		if got := uptime(secs); got != want {
			t.Errorf("uptime(%d) = %q, want %q", secs, got, want)
		}
	}
}
