package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/supervisorgo/supervisor/internal/testutil"
)

// TestAPIDifferential runs the reference supervisord and ours, one after
// the other, on the same configuration, drives each through the same
// scripted sequence of XML-RPC calls (testdata/apicalls.py, Python's
// xmlrpc.client), and compares the two transcripts call by call once pids,
// times, paths and AUTO log names are masked. Differences that are known
// are listed in knownAPIDiffs with both answers, so everything else is
// still compared exactly.

const apiPython = "/usr/bin/python3"

// knownAPIDiff is a known difference between the reference and ours in the
// outcomes of the calls whose key matches key (a regexp, anchored): ours
// must occur in our normalised outcome, and replacing it (every occurrence)
// with ref, together with the other entries that apply, must give the
// reference's outcome exactly.
type knownAPIDiff struct {
	key       string
	ref, ours string
	reason    string
}

var knownAPIDiffs = []knownAPIDiff{
	{
		key:  `supervisor\.readProcessStdoutLog\("manual", 0, 0\)#[23]`,
		ref:  `{"result":"started\n"}`,
		ours: `{"result":""}`,
		reason: "clearProcessLogs and clearAllProcessLogs on a stopped process: the reference removes logs " +
			"through the dispatchers of a running child, so a stopped process keeps its log; ours truncates it",
	},
	{
		key:  `supervisor\.reloadConfig\(\)#4`,
		ref:  `program section program:broken does not specify a command in section 'program:broken' (file: '<DIR>/supervisord.conf')`,
		ours: `<DIR>/supervisord.conf:89: [program:broken] program section program:broken does not specify a command`,
		reason: "CANT_REREAD text: ours is our config error format (file:line: [section] message), the reference's " +
			"is ValueError text ending in section '...' (file: '...')",
	},
}

// apiStep is one line of a transcript: a call's key and its normalised
// outcome.
type apiStep struct {
	key, outcome string
}

func TestAPIDifferential(t *testing.T) {
	requireReferenceDaemon(t)
	if _, err := os.Stat(apiPython); err != nil {
		t.Fatalf("%s is missing: install Debian's python3 and supervisor packages", apiPython)
	}
	script, err := filepath.Abs(filepath.Join("testdata", "apicalls.py"))
	if err != nil {
		t.Fatal(err)
	}
	transcripts := map[string][]apiStep{}
	for _, bin := range []struct{ name, path string }{{"reference", referenceBin}, {"ours", supervisordBin}} {
		t.Run(bin.name, func(t *testing.T) {
			transcripts[bin.name] = runAPIScenario(t, bin.name, bin.path, script)
		})
	}
	ref, ours := transcripts["reference"], transcripts["ours"]
	if ref == nil || ours == nil {
		t.Fatal("a run did not finish")
	}
	compareAPITranscripts(t, ref, ours)
}

func compareAPITranscripts(t *testing.T, ref, ours []apiStep) {
	t.Helper()
	used := make([]bool, len(knownAPIDiffs))
	calls, known := 0, 0
	for i := 0; i < max(len(ref), len(ours)); i++ {
		if i >= len(ref) || i >= len(ours) || ref[i].key != ours[i].key {
			var r, o apiStep
			if i < len(ref) {
				r = ref[i]
			}
			if i < len(ours) {
				o = ours[i]
			}
			t.Fatalf("the transcripts diverge at step %d: reference %q, ours %q", i+1, r.key, o.key)
		}
		key := ref[i].key
		if strings.HasPrefix(ref[i].outcome, `{"error":`) {
			t.Errorf("the scenario did not run as planned: under the reference, %s gave %s", key, ref[i].outcome)
		}
		if !strings.HasPrefix(key, "wait ") && !strings.HasPrefix(key, "config file ") && key != "end" {
			calls++
		}
		if ref[i].outcome == ours[i].outcome {
			continue
		}
		o, applied := ours[i].outcome, []int{}
		for j, kd := range knownAPIDiffs {
			if strings.Contains(o, kd.ours) && regexp.MustCompile(`^(?:`+kd.key+`)$`).MatchString(key) {
				o = strings.ReplaceAll(o, kd.ours, kd.ref)
				applied = append(applied, j)
			}
		}
		if o == ref[i].outcome {
			for _, j := range applied {
				used[j] = true
			}
			known++
			continue
		}
		t.Errorf("%s:\n reference %s\n ours      %s", key, ref[i].outcome, ours[i].outcome)
	}
	for j, kd := range knownAPIDiffs {
		if !used[j] {
			t.Errorf("known difference %q (%s) did not show: remove it from knownAPIDiffs if it is fixed", kd.key, kd.reason)
		}
	}
	t.Logf("%d calls compared (%d steps); %d outcomes differ as known", calls, len(ref), known)
}

// runAPIScenario runs one daemon on the scenario's configuration, runs the
// script against it, checks that the daemon exits after the shutdown call
// and leaves no child behind, and returns the normalised transcript.
func runAPIScenario(t *testing.T, name, bin, script string) []apiStep {
	sockDir := shortDir(t)
	dir := t.TempDir()
	port := freeTCPPort(t)
	token := fmt.Sprintf("%d-%s", os.Getpid(), name)
	// Registered before the daemon's cleanup, so this runs after it: a
	// last resort against children the daemon left behind.
	t.Cleanup(func() {
		for _, pid := range tokenProcesses(token) {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	p := apiConfigParams{sockDir: sockDir, dir: dir, port: port, token: token, script: script}
	body := apiConfigBody(p, "initial")
	d := startDaemon(t, bin, dir, body)
	conf := filepath.Join(dir, "supervisord.conf")
	live, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	header, ok := strings.CutSuffix(string(live), strings.ReplaceAll(body, "@HELPER@", self))
	if !ok {
		t.Fatal("the configuration does not end with the body")
	}
	for _, variant := range []string{"edited", "broken"} {
		text := header + strings.ReplaceAll(apiConfigBody(p, variant), "@HELPER@", self)
		if err := os.WriteFile(conf+"."+variant, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, apiPython, script, "run", filepath.Join(sockDir, "s.sock"),
		fmt.Sprintf("http://127.0.0.1:%d", port), conf)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s\nstdout:\n%s\nlog:\n%s", script, err, stderr.String(), out, d.log())
	}
	t.Logf("the script ran %v", time.Since(start).Round(time.Millisecond))

	select {
	case <-d.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("the daemon did not exit after supervisor.shutdown\nlog:\n%s", d.log())
	}
	if code := d.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("the daemon exited with %d after supervisor.shutdown\noutput:\n%s", code, d.out.String())
	}
	if left := tokenProcesses(token); len(left) > 0 {
		t.Errorf("children left running after shutdown: %v", left)
	}

	n := apiNormalizer{
		paths: strings.NewReplacer(sockDir, "<SOCKDIR>", dir, "<DIR>", self, "<HELPER>",
			"127.0.0.1:"+strconv.Itoa(port), "127.0.0.1:<PORT>"),
		daemonPid: d.cmd.Process.Pid,
	}
	var steps []apiStep
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var raw struct {
			Key     string          `json:"key"`
			Outcome json.RawMessage `json:"outcome"`
		}
		if err := json.Unmarshal([]byte(line), &raw); err != nil {
			t.Fatalf("bad transcript line %q: %v", line, err)
		}
		outcome, err := n.normalize(raw.Outcome)
		if err != nil {
			t.Fatalf("bad outcome in %q: %v", line, err)
		}
		steps = append(steps, apiStep{key: raw.Key, outcome: outcome})
	}
	if len(steps) == 0 || steps[len(steps)-1].key != "end" {
		t.Fatalf("the transcript does not reach the end:\n%s\nstderr:\n%s", out, stderr.String())
	}
	return steps
}

type apiConfigParams struct {
	sockDir, dir string
	port         int
	token        string
	script       string
}

// apiConfigBody is the scenario's configuration after [supervisord]:
// "initial", "edited" (adds [program:added], changes nolog's command,
// removes redir) or "broken" (edited plus a program without a command).
func apiConfigBody(p apiConfigParams, variant string) string {
	env := func(mode string) string {
		return fmt.Sprintf("environment=SUPERVISOR_GO_TEST_HELPER=%q,APIDIFF_TOKEN=%q\n", mode, p.token)
	}
	talk := fmt.Sprintf("command=%s -u %s talk\nenvironment=APIDIFF_TOKEN=%q\n", apiPython, p.script, p.token)
	var b strings.Builder
	fmt.Fprintf(&b, `
[unix_http_server]
file=%s/s.sock

[inet_http_server]
port=127.0.0.1:%d

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[program:fast]
command=@HELPER@
%sstartsecs=0

[program:slow]
command=@HELPER@
%sstartsecs=1

[program:manual]
command=@HELPER@
%sstartsecs=0
autostart=false

[program:bad]
command=@HELPER@ 3
%sstartsecs=0
autorestart=false

[program:missing]
command=/nonexistent/program --flag
startretries=0

[group:x]
programs=xa,xb

[program:xa]
command=@HELPER@
%sstartsecs=0

[program:xb]
command=@HELPER@
%sstartsecs=0
autostart=false

[program:multi]
command=@HELPER@
%sstartsecs=0
numprocs=2
process_name=%%(program_name)s_%%(process_num)d

[program:stubborn]
command=@HELPER@
%sstartsecs=0
stopwaitsecs=1

[program:talker]
%sstartsecs=0
stdout_logfile=%s/talker.out
`, p.sockDir, p.port, env("run"), env("run"), env("run"), env("exit"), env("run"), env("run"),
		env("run"), env("ignore-term"), talk, p.dir)
	nolog := "@HELPER@"
	if variant == "initial" {
		fmt.Fprintf(&b, "\n[program:redir]\n%sstartsecs=0\nredirect_stderr=true\n", talk)
	} else {
		nolog = "@HELPER@ v2"
		fmt.Fprintf(&b, "\n[program:added]\ncommand=@HELPER@\n%sstartsecs=0\n", env("run"))
	}
	fmt.Fprintf(&b, "\n[program:nolog]\ncommand=%s\n%sstartsecs=0\nstdout_logfile=NONE\n", nolog, env("run"))
	if variant == "broken" {
		b.WriteString("\n[program:broken]\nstartsecs=0\n")
	}
	return b.String()
}

// freeTCPPort is testutil.FreePort.
func freeTCPPort(t *testing.T) int { return testutil.FreePort(t) }

// tokenProcesses lists the processes whose environment holds
// APIDIFF_TOKEN=token: the children of one scenario run.
func tokenProcesses(token string) []int {
	want := []byte("APIDIFF_TOKEN=" + token + "\x00")
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err == nil && bytes.Contains(env, want) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// apiNormalizer masks what legitimately differs between two runs in an
// outcome, keeping the order of struct members as the server sent them.
type apiNormalizer struct {
	paths     *strings.Replacer
	daemonPid int
}

var apiTextMasks = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}`), "<TIMESTAMP>"},
	{regexp.MustCompile(`\d{4}-\d\d-\d\d`), "<DATE>"},
	{regexp.MustCompile(`pid \d+`), "pid <PID>"},
	{regexp.MustCompile(`uptime \d+:\d\d:\d\d`), "uptime <UPTIME>"},
	{regexp.MustCompile(`---svtest-[A-Za-z0-9_]+\.log`), "---svtest-<AUTO>.log"},
}

// apiStopDate is the description of a stopped process that ran.
var apiStopDate = regexp.MustCompile(`^[A-Z][a-z]{2} \d\d \d\d:\d\d [AP]M$`)

func (n apiNormalizer) normalize(raw []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var b strings.Builder
	if err := n.value(dec, "", &b); err != nil {
		return "", err
	}
	if _, err := dec.Token(); err != io.EOF {
		return "", errors.New("trailing data")
	}
	return b.String(), nil
}

func (n apiNormalizer) value(dec *json.Decoder, key string, b *strings.Builder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch v := tok.(type) {
	case json.Delim:
		open, end := v, json.Delim('}')
		if open == '[' {
			end = ']'
		}
		b.WriteString(open.String())
		for i := 0; dec.More(); i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			k := ""
			if open == '{' {
				kt, err := dec.Token()
				if err != nil {
					return err
				}
				k = kt.(string)
				writeJSONString(b, k)
				b.WriteByte(':')
			}
			if err := n.value(dec, k, b); err != nil {
				return err
			}
		}
		if tok, err := dec.Token(); err != nil || tok != end {
			return fmt.Errorf("unbalanced %v", open)
		}
		b.WriteString(end.String())
	case string:
		s := n.paths.Replace(v)
		for _, m := range apiTextMasks {
			s = m.re.ReplaceAllString(s, m.with)
		}
		if key == "description" && apiStopDate.MatchString(s) {
			s = "<STOPDATE>"
		}
		writeJSONString(b, s)
	case json.Number:
		s := v.String()
		switch {
		case s == strconv.Itoa(n.daemonPid):
			s = `"<SUPERVISORD_PID>"`
		case key == "now":
			s = `"<NOW>"`
		case s == "0":
		case key == "pid":
			s = `"<PID>"`
		case key == "start" || key == "stop":
			s = `"<TIME>"`
		}
		b.WriteString(s)
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case nil:
		b.WriteString("null")
	}
	return nil
}

func writeJSONString(b *strings.Builder, s string) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	b.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}
