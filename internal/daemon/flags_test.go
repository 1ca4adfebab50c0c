package daemon

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseFlags(t *testing.T) {
	tests := []struct {
		args []string
		want *Flags
		err  string
	}{
		{[]string{"-nc", "x.conf"}, &Flags{ConfigFile: "x.conf", Overrides: map[string]string{"nodaemon": "true"}}, ""},
		{[]string{"--config=x", "-e", "debug", "--minp", "300", "-k"}, &Flags{ConfigFile: "x", Overrides: map[string]string{"loglevel": "debug", "minprocs": "300", "nocleanup": "true"}}, ""},
		{[]string{"--check-config", "-c", "f"}, &Flags{Action: ActionCheckConfig, ConfigFile: "f", Overrides: map[string]string{}}, ""},
		{[]string{"-h"}, &Flags{Action: ActionHelp}, ""},
		{[]string{"-v"}, &Flags{Action: ActionVersion}, ""},
		{[]string{"--example-config"}, &Flags{Action: ActionExampleConfig}, ""},
		{[]string{"-c", "a", "-c", "b"}, nil, "conflicting command line option '-c'"},
		{[]string{"a", "b"}, nil, "positional arguments are not supported: ['a', 'b']"},
		{[]string{"-x"}, nil, "option -x not recognized"},
	}
	for _, tc := range tests {
		got, err := ParseFlags(tc.args)
		if tc.err != "" {
			var ue *UsageError
			if !errors.As(err, &ue) || ue.Msg != tc.err {
				t.Errorf("ParseFlags(%q) error = %v, want %q", tc.args, err, tc.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseFlags(%q) = %+v, %v; want %+v", tc.args, got, err, tc.want)
		}
	}
}

// TestUsageErrorsLikeReference compares the usage errors of the reference's
// supervisord with ours, the second line's program name aside.
func TestUsageErrorsLikeReference(t *testing.T) {
	if _, err := os.Stat("/usr/bin/supervisord"); err != nil {
		t.Fatal("the reference /usr/bin/supervisord is missing: install Debian's supervisor package (scripts/test does)")
	}
	for _, args := range [][]string{{"-x"}, {"a", "b"}, {"--nosuch"}, {"-c"}, {"--min=3"}, {"-c", "/nonexistent.conf"}} {
		cmd := exec.Command("/usr/bin/supervisord", args...)
		var refErr bytes.Buffer
		cmd.Stderr = &refErr
		err := cmd.Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("reference %q: %v", args, err)
		}
		var stdout, stderr bytes.Buffer
		code := Main(context.Background(), "/usr/bin/supervisord", args, &stdout, &stderr)
		if code != ee.ExitCode() {
			t.Errorf("%q: exit %d, reference %d", args, code, ee.ExitCode())
		}
		if strings.TrimSpace(stderr.String()) != strings.TrimSpace(refErr.String()) {
			t.Errorf("%q: stderr\n%s\nreference\n%s", args, stderr.String(), refErr.String())
		}
	}
}

func TestCheckConfig(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.conf")
	os.WriteFile(bad, []byte("[supervisord]\n[program:web]\ncommand=/bin/true\nstopsignal=TERMX\n"), 0o644)
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), "supervisord", []string{"--check-config", "-c", bad}, &stdout, &stderr)
	want := "Error: " + bad + `:4: [program:web] stopsignal: unknown signal "TERMX"` + "\n"
	if code != 1 || stderr.String() != want {
		t.Errorf("exit %d, stderr %q; want 1, %q", code, stderr.String(), want)
	}

	stdout.Reset()
	stderr.Reset()
	code = Main(context.Background(), "supervisord", []string{"--check-config", "-c", "../../examples/supervisord.conf"}, &stdout, &stderr)
	if code != 0 || !strings.Contains(stdout.String(), ": OK: 2 groups, 5 processes") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}
}

// TestReferenceExampleConfig loads the reference's own sample file
// (echo_supervisord_conf) with ours.
func TestReferenceExampleConfig(t *testing.T) {
	out, err := exec.Command("/usr/bin/echo_supervisord_conf").Output()
	if err != nil {
		t.Fatalf("echo_supervisord_conf: %v: install Debian's supervisor package (scripts/test does)", err)
	}
	file := filepath.Join(t.TempDir(), "supervisord.conf")
	os.WriteFile(file, out, 0o644)
	var stdout, stderr bytes.Buffer
	if code := Main(context.Background(), "supervisord", []string{"--check-config", "-c", file}, &stdout, &stderr); code != 0 {
		t.Errorf("exit %d: %s", code, stderr.String())
	}
}

func TestExampleConfigIsTheShippedFile(t *testing.T) {
	var stdout, stderr bytes.Buffer
	Main(context.Background(), "supervisord", []string{"--example-config"}, &stdout, &stderr)
	want, _ := os.ReadFile("../../examples/supervisord.conf")
	if !bytes.Equal(stdout.Bytes(), want) {
		t.Error("--example-config does not print examples/supervisord.conf")
	}
}
