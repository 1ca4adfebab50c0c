package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestThirdPartyPlugins drives our ports of supervisor_twiddler,
// supervisor_cache and mr.laforge (internal/plugins/...) over HTTP with
// Python's xmlrpc.client (testdata/thirdparty_calls.py) and compares every
// answer with the reference's: the reference supervisord running the
// original plugins, recorded in testdata/thirdparty_reference.json because
// the originals are not installed on a test machine. To record again:
//
//	SUPERVISOR_THIRDPARTY_SRC=DIR go test -run TestThirdPartyPlugins ./internal/daemon/
//
// with DIR holding the originals' packages (supervisor_twiddler/,
// supervisor_cache/, mr/laforge/); scripts/record-thirdparty prepares DIR
// from their git repositories. Outcomes are normalised (pids, times,
// paths, AUTO log names) before they are stored and compared.

// thirdPartyReference is the file of the recorded reference transcript.
const thirdPartyReference = "testdata/thirdparty_reference.json"

// thirdPartyKnownDiffs are the calls whose outcome differs on purpose:
// key -> the reference's outcome, ours, and why.
var thirdPartyKnownDiffs = map[string]struct{ ref, ours, reason string }{
	`laforge.killProcessGroup("sleeper", "CONT")`: {
		ref:  `{"http_error":500}`,
		ours: `{"result":[{"name":"sleeper","group":"sleeper","status":80,"description":"OK"}]}`,
		reason: "the original sorts a dict view (Python 2 code): under Python 3 every call on an existing group " +
			"is an internal error; ours does what it meant (make_allfunc over the running processes)",
	},
}

// thirdPartyMasks are masks beyond apiNormalizer's.
var thirdPartyMasks = []struct {
	re   *regexp.Regexp
	with string
}{
	// The reference lists every name, the whole environment included.
	{regexp.MustCompile(`Available names: [^"]*`), "Available names: ..."},
}

func TestThirdPartyPlugins(t *testing.T) {
	if _, err := os.Stat(apiPython); err != nil {
		t.Fatalf("%s is missing: install Debian's python3", apiPython)
	}
	script, err := filepath.Abs(filepath.Join("testdata", "thirdparty_calls.py"))
	if err != nil {
		t.Fatal(err)
	}
	if src := os.Getenv("SUPERVISOR_THIRDPARTY_SRC"); src != "" {
		requireReferenceDaemon(t)
		meta := t.TempDir()
		// mr.laforge's getMrLaForgeVersion asks pkg_resources for its
		// distribution: give it the metadata an installed 0.9 has.
		egg := filepath.Join(meta, "mr.laforge-0.9.egg-info")
		if err := os.MkdirAll(egg, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(egg, "PKG-INFO"), []byte("Metadata-Version: 1.0\nName: mr.laforge\nVersion: 0.9\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Setenv("PYTHONPATH", src+string(os.PathListSeparator)+meta)
		steps := runThirdPartyScenario(t, referenceBin, script)
		var b bytes.Buffer
		b.WriteString("[\n")
		for i, s := range steps {
			line, _ := json.Marshal(map[string]string{"key": s.key, "outcome": s.outcome})
			b.Write(line)
			if i < len(steps)-1 {
				b.WriteString(",")
			}
			b.WriteString("\n")
		}
		b.WriteString("]\n")
		if err := os.WriteFile(thirdPartyReference, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("recorded %d steps into %s", len(steps), thirdPartyReference)
	}
	data, err := os.ReadFile(thirdPartyReference)
	if err != nil {
		t.Fatal(err)
	}
	var recorded []struct{ Key, Outcome string }
	if err := json.Unmarshal(data, &recorded); err != nil {
		t.Fatalf("%s: %v", thirdPartyReference, err)
	}
	ours := runThirdPartyScenario(t, supervisordBin, script)
	if len(ours) != len(recorded) {
		t.Errorf("%d steps, the reference had %d", len(ours), len(recorded))
	}
	calls, same, known := 0, 0, 0
	used := map[string]bool{}
	for i := 0; i < min(len(ours), len(recorded)); i++ {
		ref, got := recorded[i], ours[i]
		if ref.Key != got.key {
			t.Fatalf("the transcripts diverge at step %d: reference %q, ours %q", i+1, ref.Key, got.key)
		}
		if strings.HasPrefix(ref.Outcome, `{"error":`) {
			t.Errorf("the recording did not run as planned at %s: %s", ref.Key, ref.Outcome)
		}
		isCall := !strings.HasPrefix(ref.Key, "wait ") && ref.Key != "end"
		if isCall {
			calls++
		}
		if kd, ok := thirdPartyKnownDiffs[ref.Key]; ok && ref.Outcome == kd.ref && got.outcome == kd.ours {
			used[ref.Key] = true
			known++
			continue
		}
		if ref.Outcome != got.outcome {
			t.Errorf("%s:\n reference %s\n ours      %s", ref.Key, ref.Outcome, got.outcome)
			continue
		}
		if isCall {
			same++
		}
	}
	for key, kd := range thirdPartyKnownDiffs {
		if !used[key] {
			t.Errorf("known difference at %s (%s) did not show", key, kd.reason)
		}
	}
	t.Logf("%d calls compared with the reference running the original plugins: %d equal, %d differ as known", calls, same, known)
}

// runThirdPartyScenario runs bin on the scenario's configuration, runs the
// script against it, checks the main log lines twiddler.log wrote, and
// returns the normalised transcript.
func runThirdPartyScenario(t *testing.T, bin, script string) []apiStep {
	t.Helper()
	sockDir := shortDir(t)
	dir := t.TempDir()
	token := fmt.Sprintf("%d-thirdparty-%s", os.Getpid(), filepath.Base(bin))
	t.Cleanup(func() {
		for _, pid := range tokenProcesses(token) {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	env := fmt.Sprintf("environment=SUPERVISOR_GO_TEST_HELPER=\"run\",APIDIFF_TOKEN=%q\n", token)
	d := startDaemon(t, bin, dir, fmt.Sprintf(`
[unix_http_server]
file=%s/s.sock

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[rpcinterface:twiddler]
supervisor.rpcinterface_factory = supervisor_twiddler.rpcinterface:make_twiddler_rpcinterface

[rpcinterface:twiddler_wl]
supervisor.rpcinterface_factory = supervisor_twiddler.rpcinterface:make_twiddler_rpcinterface
whitelist = getAPIVersion, log

[rpcinterface:cache]
supervisor.rpcinterface_factory = supervisor_cache.rpcinterface:make_cache_rpcinterface

[rpcinterface:laforge]
supervisor.rpcinterface_factory = mr.laforge.rpcinterface:make_laforge_rpcinterface

[program:sleeper]
command=@HELPER@
%sstartsecs=0

[program:stubborn]
command=@HELPER@
environment=SUPERVISOR_GO_TEST_HELPER="ignore-term",APIDIFF_TOKEN=%q
startsecs=0
stopwaitsecs=4

[group:grp]
programs=member

[program:member]
command=@HELPER@
%sstartsecs=0
autostart=false
`, sockDir, env, token, env))
	sock := filepath.Join(sockDir, "s.sock")
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(sock); err == nil {
			break
		}
		select {
		case <-d.done:
			t.Fatalf("%s exited at start-up:\n%s", bin, d.out.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not create its socket\n%s", bin, d.log())
		}
	}

	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, apiPython, script, sock, self, token)
	cmd.Dir = t.TempDir() // not the package directory
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s\nstdout:\n%s\nlog:\n%s", script, err, stderr.String(), out, d.log())
	}
	d.waitLog(10*time.Second, `INFO twiddler says hello`, `WARN twiddler warns`, `CRIT twiddler critical`,
		`INFO allowed by the whitelist`)
	if strings.Contains(d.log(), "twiddler debug") {
		t.Errorf("a DEBG line reached the main log at loglevel info")
	}

	n := apiNormalizer{
		paths:     strings.NewReplacer(sockDir, "<SOCKDIR>", dir, "<DIR>", self, "<HELPER>", token, "<TOKEN>"),
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
		for _, m := range thirdPartyMasks {
			outcome = m.re.ReplaceAllString(outcome, m.with)
		}
		steps = append(steps, apiStep{key: raw.Key, outcome: outcome})
	}
	if len(steps) == 0 || steps[len(steps)-1].key != "end" {
		t.Fatalf("the transcript does not reach the end:\n%s\nstderr:\n%s", out, stderr.String())
	}
	return steps
}
