package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// The differential test: every config of testdata/corpus is loaded by the
// reference's own loader (testdata/refconfig.py, run with Debian's
// python3-supervisor) and by ours; the accept/refuse decision and every
// resolved value must agree. The contract between the two is
// testdata/SCHEMA.md.

const refPython = "/usr/bin/python3"

// corpusEnv is the environment both loaders see (SCHEMA.md).
var corpusEnv = []string{
	"PATH=/usr/local/bin:/usr/bin:/bin",
	"HOME=/tmp",
	"TMPDIR=/tmp",
	"LANG=C.UTF-8",
	"SVTEST_APP=webapp",
	"SVTEST_PORT=9123",
	"SVTEST_WORKERS=4",
	"SVTEST_LOGDIR=/tmp",
	"SVTEST_PCT=100%",
	"SVTEST_SPACE=hello world",
	"SVTEST_EMPTY=",
}

// requireReference fails the test (never skips it) when the reference is
// not installed: CI must run the comparison.
func requireReference(t *testing.T) {
	t.Helper()
	out, err := exec.Command(refPython, "-c", "import supervisor.options").CombinedOutput()
	if err != nil {
		t.Fatalf("the reference is missing (%v: %s): install Debian's supervisor package (scripts/test does)", err, out)
	}
}

func referenceDump(t *testing.T, dir, file string) map[string]any {
	t.Helper()
	script, err := filepath.Abs("testdata/refconfig.py")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(refPython, script, file)
	cmd.Dir = dir
	cmd.Env = corpusEnv
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("refconfig.py %s: %v\n%s", file, err, stderr.String())
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("refconfig.py %s: bad JSON: %v\n%s", file, err, out)
	}
	return m
}

// corpusFactory accepts the factories the reference can import in the corpus.
func corpusFactory(name string) bool {
	return name == "supervisor.rpcinterface:make_main_rpcinterface"
}

// corpusCtlFactory accepts the supervisorctl plugin the reference can
// import in the corpus.
func corpusCtlFactory(name string) bool {
	return name == "supervisor.supervisorctl:DefaultControllerPlugin"
}

func ourDump(t *testing.T, dir, file string) map[string]any {
	t.Helper()
	opts := Options{Env: corpusEnv, Cwd: dir, Factory: corpusFactory, CtlFactory: corpusCtlFactory}
	cfg, err := Load(file, opts)
	var m map[string]any
	if err != nil {
		m = map[string]any{"ok": false, "error": err.Error()}
	} else {
		m = dumpConfig(cfg)
	}
	ctl, cerr := LoadCtl(file, opts)
	if cerr == nil {
		m["supervisorctl"], m["ctl_error"] = dumpCtl(ctl), nil
	} else {
		m["supervisorctl"], m["ctl_error"] = nil, cerr.Error()
	}
	// Round-trip through JSON so both sides have the same Go types.
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// oneLineError is the shape of a refusal: "/abs/file.conf:12: message".
var oneLineError = regexp.MustCompile(`^/[^:\n]+/corpus/bad/[^:\n]+(:\d+)?: [^\n]+$`)

func TestDifferentialCorpus(t *testing.T) {
	requireReference(t)
	counts := map[string]int{}
	for _, kind := range []string{"good", "bad"} {
		dir, err := filepath.Abs(filepath.Join("testdata", "corpus", kind))
		if err != nil {
			t.Fatal(err)
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*.conf"))
		counts[kind] = len(files)
		for _, file := range files {
			t.Run(kind+"/"+filepath.Base(file), func(t *testing.T) {
				t.Parallel()
				ref := referenceDump(t, dir, file)
				ours := ourDump(t, dir, file)
				wantOK := kind == "good"
				if ref["ok"] != wantOK {
					t.Fatalf("corpus error: the reference says ok=%v for a %s case: %v", ref["ok"], kind, ref["error"])
				}
				if ours["ok"] != ref["ok"] {
					t.Fatalf("accept/refuse differs: reference ok=%v (%v), ours ok=%v (%v)", ref["ok"], ref["error"], ours["ok"], ours["error"])
				}
				if !wantOK {
					msg, _ := ours["error"].(string)
					if strings.Contains(msg, "\n") || !oneLineError.MatchString(msg) {
						t.Errorf("error is not one line naming a file of the corpus: %q", msg)
					}
					return
				}
				delete(ref, "error")
				delete(ours, "error")
				if (ref["ctl_error"] == nil) != (ours["ctl_error"] == nil) {
					t.Errorf("supervisorctl accept/refuse differs: reference %v, ours %v", ref["ctl_error"], ours["ctl_error"])
				}
				delete(ref, "ctl_error")
				delete(ours, "ctl_error")
				for _, d := range diffValues("", ref, ours) {
					t.Error(d)
				}
			})
		}
	}
	t.Run("corpus size", func(t *testing.T) {
		if counts["good"] < 40 || counts["bad"] < 25 {
			t.Errorf("corpus has %d good and %d bad configs; want at least 40 and 25", counts["good"], counts["bad"])
		}
	})
}

// diffValues lists the paths where two decoded JSON values differ.
func diffValues(path string, want, got any) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: reference %v, ours %v", path, want, got)}
		}
		keys := map[string]bool{}
		for k := range w {
			keys[k] = true
		}
		for k := range g {
			keys[k] = true
		}
		var names []string
		for k := range keys {
			names = append(names, k)
		}
		sort.Strings(names)
		var out []string
		for _, k := range names {
			wv, wok := w[k]
			gv, gok := g[k]
			switch {
			case !wok:
				out = append(out, fmt.Sprintf("%s.%s: only ours has it: %v", path, k, gv))
			case !gok:
				out = append(out, fmt.Sprintf("%s.%s: missing in ours (reference %v)", path, k, wv))
			default:
				out = append(out, diffValues(path+"."+k, wv, gv)...)
			}
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return []string{fmt.Sprintf("%s: reference %v, ours %v", path, want, got)}
		}
		var out []string
		for i := range w {
			out = append(out, diffValues(fmt.Sprintf("%s[%d]", path, i), w[i], g[i])...)
		}
		return out
	}
	if !reflect.DeepEqual(want, got) {
		return []string{fmt.Sprintf("%s: reference %#v, ours %#v", path, want, got)}
	}
	return nil
}

// dumpConfig renders cfg in the schema of testdata/SCHEMA.md.
func dumpConfig(cfg *Config) map[string]any {
	sd := cfg.Supervisord
	nullable := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	var uid any
	if sd.User != "" {
		uid = sd.UID
	}
	warnings := []any{}
	for _, w := range cfg.Warnings {
		if !w.Unknown {
			warnings = append(warnings, w.Msg)
		}
	}
	infos := []any{}
	for _, i := range cfg.Infos {
		infos = append(infos, i)
	}
	servers := []any{}
	for _, s := range cfg.HTTPServers {
		m := map[string]any{"section": s.Section, "name": nullable(s.Name), "username": nil, "password": nil}
		if s.HasAuth {
			m["username"], m["password"] = s.Username, s.Password
		}
		if s.Network == "tcp" {
			m["family"], m["host"], m["port"] = "inet", s.Host, s.Port
		} else {
			m["family"], m["file"], m["chmod"] = "unix", s.File, s.Chmod
			m["chown"] = []any{s.Chown.UID, s.Chown.GID}
		}
		servers = append(servers, m)
	}
	rpcs := []any{}
	for _, r := range cfg.RPCInterfaces {
		rpcs = append(rpcs, map[string]any{"name": r.Name, "factory": r.Factory, "config": dumpKV(r.Config)})
	}
	groups := []any{}
	for _, g := range cfg.Groups {
		procs := []any{}
		for _, p := range g.Processes {
			procs = append(procs, dumpProcess(p))
		}
		m := map[string]any{"name": g.Name, "kind": g.Kind.String(), "priority": g.Priority, "processes": procs}
		if l := g.Listener; l != nil {
			m["buffer_size"], m["result_handler"] = l.BufferSize, l.ResultHandler
			events := []any{}
			for _, e := range l.Events {
				events = append(events, e)
			}
			m["events"] = events
		}
		if s := g.Socket; s != nil {
			sock := map[string]any{"url": s.URL, "backlog": nil, "mode": nil, "owner": nil}
			if s.Backlog > 0 {
				sock["backlog"] = s.Backlog
			}
			if s.Network == "unix" {
				sock["mode"] = s.Mode
				if s.Owner != nil {
					sock["owner"] = []any{s.Owner.UID, s.Owner.GID}
				}
			}
			m["socket"] = sock
		}
		groups = append(groups, m)
	}
	return map[string]any{
		"ok":       true,
		"warnings": warnings,
		"infos":    infos,
		"supervisord": map[string]any{
			"logfile": sd.Logfile, "logfile_maxbytes": sd.LogfileMaxBytes, "logfile_backups": sd.LogfileBackups,
			"loglevel": int(sd.LogLevel), "pidfile": sd.Pidfile, "umask": sd.Umask, "nodaemon": sd.Nodaemon,
			"silent": sd.Silent, "minfds": sd.MinFDs, "minprocs": sd.MinProcs, "nocleanup": sd.NoCleanup,
			"childlogdir": sd.ChildLogDir, "user": nullable(sd.User), "uid": uid, "directory": nullable(sd.Directory),
			"strip_ansi": sd.StripANSI, "environment": sd.Environment, "identifier": sd.Identifier,
			"serverurl": nullable(cfg.ServerURL),
		},
		"servers":       servers,
		"rpcinterfaces": rpcs,
		"groups":        groups,
	}
}

func dumpKV(kvs []KeyValue) []any {
	out := []any{}
	for _, kv := range kvs {
		out = append(out, []any{kv.Key, kv.Value})
	}
	return out
}

func dumpProcess(p *Process) map[string]any {
	m := map[string]any{
		"name": p.Name, "command": p.Command, "directory": nil, "umask": nil, "priority": p.Priority,
		"autostart": p.Autostart, "autorestart": p.Autorestart.String(), "startsecs": p.StartSecs,
		"startretries": p.StartRetries, "uid": nil, "stopsignal": int(p.StopSignal),
		"stopwaitsecs": p.StopWaitSecs, "stopasgroup": p.StopAsGroup, "killasgroup": p.KillAsGroup,
		"exitcodes": p.ExitCodes, "redirect_stderr": p.RedirectStderr, "environment": p.Environment,
		"serverurl": nil,
	}
	if p.Directory != "" {
		m["directory"] = p.Directory
	}
	if p.Umask != nil {
		m["umask"] = *p.Umask
	}
	if p.User != "" {
		m["uid"] = p.UID
	}
	if p.ServerURL != "" {
		m["serverurl"] = p.ServerURL
	}
	for _, ch := range []struct {
		name string
		lf   LogFile
	}{{"stdout", p.Stdout}, {"stderr", p.Stderr}} {
		var path any
		switch {
		case ch.lf.Auto:
			path = "AUTO"
		case ch.lf.Path != "":
			path = ch.lf.Path
		}
		m[ch.name+"_logfile"] = path
		m[ch.name+"_logfile_maxbytes"] = ch.lf.MaxBytes
		m[ch.name+"_logfile_backups"] = ch.lf.Backups
		m[ch.name+"_capture_maxbytes"] = ch.lf.CaptureMaxBytes
		m[ch.name+"_events_enabled"] = ch.lf.EventsEnabled
		m[ch.name+"_syslog"] = ch.lf.Syslog
	}
	return m
}

func dumpCtl(c *Ctl) map[string]any {
	nullable := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	plugins := []any{}
	for _, p := range c.Plugins {
		plugins = append(plugins, map[string]any{"name": p.Name, "factory": p.Factory, "config": dumpKV(p.Config)})
	}
	return map[string]any{
		"serverurl": c.ServerURL, "username": nullable(c.Username), "password": nullable(c.Password),
		"prompt": c.Prompt, "history_file": nullable(c.HistoryFile), "plugins": plugins,
	}
}
