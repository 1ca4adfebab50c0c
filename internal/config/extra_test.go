package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func loadString(t *testing.T, body string) (*Config, error) {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "s.conf")
	if err := os.WriteFile(file, []byte("[supervisord]\nlogfile="+dir+"/l\npidfile="+dir+"/p\n"+body), 0o644); err != nil {
		t.Fatal(err)
	}
	return Load(file, Options{Env: corpusEnv, Cwd: dir})
}

// TestKeysBeyondReference covers the program keys the reference does not
// have: they default to its behaviour and are checked like its keys.
func TestKeysBeyondReference(t *testing.T) {
	cfg, err := loadString(t, "[program:a]\ncommand=/bin/true\n[program:b]\ncommand=/bin/true\nbackoff_max_secs=30\nrestart_delay_secs=2\nparent_death_signal=term\n")
	if err != nil {
		t.Fatal(err)
	}
	a, b := cfg.Groups[0].Processes[0], cfg.Groups[1].Processes[0]
	if a.BackoffMaxSecs != 0 || a.RestartDelaySecs != 0 || a.ParentDeathSignal != 0 {
		t.Errorf("defaults: %+v", a)
	}
	if b.BackoffMaxSecs != 30 || b.RestartDelaySecs != 2 || b.ParentDeathSignal != syscall.SIGTERM {
		t.Errorf("values: %d %d %v", b.BackoffMaxSecs, b.RestartDelaySecs, b.ParentDeathSignal)
	}
	for _, w := range cfg.Warnings {
		if w.Unknown {
			t.Errorf("warning about a known key: %s", w)
		}
	}
	for _, bad := range []string{"backoff_max_secs=-1", "restart_delay_secs=x", "parent_death_signal=NOPE"} {
		_, err := loadString(t, "[program:c]\ncommand=/bin/true\n"+bad+"\n")
		var ce *Error
		if !errors.As(err, &ce) || ce.Key != strings.Split(bad, "=")[0] || ce.Line != 6 {
			t.Errorf("%s: error %v", bad, err)
		}
	}
}

func TestUnknownKeysWarn(t *testing.T) {
	cfg, err := loadString(t, "[program:a]\ncommand=/bin/true\ncomand=x\n[programs:b]\n")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range cfg.Warnings {
		if w.Unknown {
			got = append(got, w.String())
		}
	}
	if len(got) != 2 || !strings.HasSuffix(got[0], `:6: [program:a] unknown key "comand" ignored`) ||
		!strings.HasSuffix(got[1], `:7: unknown section [programs:b] ignored`) {
		t.Errorf("warnings %q", got)
	}
}
