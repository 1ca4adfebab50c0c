//go:build linux

package spawn

import (
	"encoding/json"
	"errors"
	"github.com/supervisorgo/supervisor/internal/python"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// argvCase is one call of Argv, as ref.py's "argv" mode takes it.
type argvCase struct {
	Name        string            `json:"-"`
	Command     string            `json:"command"`
	Environment map[string]string `json:"environment"`
	Path        *string           `json:"path"` // supervisord's PATH; nil: unset
}

// argvResult is ref.py's answer for one case, and ours.
type argvResult struct {
	Path string   `json:"path,omitempty"`
	Argv []string `json:"argv,omitempty"`
	Kind string   `json:"kind,omitempty"`
	Msg  string   `json:"msg,omitempty"`
}

func ourArgv(c argvCase) argvResult {
	lookup := ""
	if c.Path != nil {
		lookup = *c.Path
	}
	path, argv, err := Argv(c.Command, c.Environment, lookup)
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			return argvResult{Kind: "?", Msg: err.Error()}
		}
		return argvResult{Kind: e.Kind.String(), Msg: e.Msg}
	}
	return argvResult{Path: path, Argv: argv}
}

func strp(s string) *string { return &s }

// argvTree makes a directory every user can read, with the files the Argv
// cases look for, and returns its path.
func argvTree(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "spawnargv")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	files := []struct {
		name string
		mode os.FileMode
	}{
		{"bin/prog", 0o755},
		{"bin/noexec", 0o644},
		{"bin/rootonly", 0o700},  // no permission for another user than the owner
		{"bin/owneronly", 0o601}, // execute bit for others only: not for the owner
		{"bin2/prog", 0o755},
		{"bin2/prog2", 0o755},
		{"bin2/dirprog", 0o755}, // shadowed by the directory bin/dirprog
		{"cwdprog", 0o755},
		{"sp ace/prog", 0o755},
		{"it's/prog", 0o755},
	}
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"), f.mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, f.mode); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "bin/dirprog"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("bin/prog", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("nowhere", filepath.Join(dir, "broken")); err != nil {
		t.Fatal(err)
	}
	return dir
}

func argvCases(dir string) []argvCase {
	bin, bin2 := dir+"/bin", dir+"/bin2"
	env := func(path string) map[string]string { return map[string]string{"PATH": path, "OTHER": "x"} }
	return []argvCase{
		{Name: "empty", Command: ""},
		{Name: "blank", Command: " \t\r\n "},
		{Name: "search supervisord PATH", Command: "prog a b", Path: strp(bin)},
		{Name: "program PATH wins", Command: "prog a b", Environment: env(bin2 + ":" + bin), Path: strp(bin)},
		{Name: "program env without PATH", Command: "prog", Environment: map[string]string{"X": "1"}, Path: strp(bin)},
		{Name: "empty program PATH is the cwd", Command: "cwdprog x", Environment: env(""), Path: strp(bin)},
		{Name: "empty program PATH, missing", Command: "prog", Environment: env(""), Path: strp(bin)},
		{Name: "empty PATH entry", Command: "cwdprog", Path: strp(":" + bin)},
		{Name: "relative PATH entry", Command: "prog", Path: strp("bin")},
		{Name: "PATH entry with slash", Command: "prog", Path: strp(bin + "/")},
		{Name: "later entry", Command: "prog2", Path: strp(bin + ":" + bin2)},
		{Name: "empty supervisord PATH uses default", Command: "prog", Path: strp("")},
		{Name: "unset supervisord PATH uses default", Command: "prog"},
		{Name: "default finds sh", Command: "sh -c 'echo hi'"},
		{Name: "default finds true", Command: "true", Path: strp("")},
		{Name: "directory shadows", Command: "dirprog", Path: strp(bin + ":" + bin2)},
		{Name: "not executable", Command: "noexec", Path: strp(bin)},
		{Name: "root only", Command: "rootonly", Path: strp(bin)},
		{Name: "owner has no x", Command: "owneronly", Path: strp(bin)},
		{Name: "absolute", Command: bin + "/prog --flag=1", Path: strp("")},
		{Name: "relative with dot", Command: "./bin/prog x"},
		{Name: "relative with slash", Command: "bin/prog"},
		{Name: "absolute missing", Command: dir + "/missing"},
		{Name: "absolute directory", Command: bin + "/dirprog"},
		{Name: "absolute not executable", Command: bin + "/noexec"},
		{Name: "symlink", Command: dir + "/link"},
		{Name: "broken symlink", Command: dir + "/broken"},
		{Name: "quoted path with space", Command: "'" + dir + "/sp ace/prog' x"},
		{Name: "escaped space", Command: strings.ReplaceAll(dir+"/sp ace/prog", " ", `\ `)},
		{Name: "path with quote", Command: `"` + dir + `/it's/prog"`},
		{Name: "missing with quote", Command: `"it's"`},
		{Name: "missing with double quotes", Command: `'say "hi"'`},
		{Name: "missing with both quotes", Command: `'it'"'"'s "x"'`},
		{Name: "missing with backslash", Command: `'a\b'`},
		{Name: "missing control char", Command: "prog\x01\x7f"},
		{Name: "missing non-ASCII printable", Command: "café☃😀"},
		{Name: "missing non-printable", Command: "x\u00a0\u00ad\u200b\U000e0001"},
		{Name: "missing tab in name", Command: "'a\tb'"},
		{Name: "quotes", Command: `prog 'a b' "c d" e\ f`, Path: strp(bin)},
		{Name: "escapes in double quotes", Command: `prog "a\"b" "x\\y" "x\y" "\$HOME" "\'"`, Path: strp(bin)},
		{Name: "backslash in single quotes", Command: `prog 'a\' 'b\\'`, Path: strp(bin)},
		{Name: "empty words", Command: `prog '' "" x ''`, Path: strp(bin)},
		{Name: "adjacent quotes", Command: `prog a""b a'b'c "a"'b'c`, Path: strp(bin)},
		{Name: "no comments", Command: "prog #comment x#y", Path: strp(bin)},
		{Name: "escaped hash", Command: `prog \#x`, Path: strp(bin)},
		{Name: "no expansion", Command: "prog $HOME ~ *.txt `id` $(id) ; | &", Path: strp(bin)},
		{Name: "whitespace set", Command: "prog\ta\rb\nc\vd\fe", Path: strp(bin)},
		{Name: "backslash newline", Command: "prog a\\\nb", Path: strp(bin)},
		{Name: "non-ASCII words", Command: "prog ünï'c' \"ö\" ß", Path: strp(bin)},
		{Name: "quoted program", Command: `"prog" x`, Path: strp(bin)},
		{Name: "trailing backslash", Command: `prog a\`},
		{Name: "backslash at end in quotes", Command: `prog "a\`},
		{Name: "unterminated double quote", Command: `prog "it's`},
		{Name: "unterminated single quote", Command: `prog 'x`},
		{Name: "unterminated with both quotes", Command: `prog "it's "x`},
		{Name: "unterminated control", Command: "prog '\x02"},
	}
}

// TestArgvReference compares Argv with the reference's
// Subprocess.get_execv_args over the table, run as ourselves and, when we
// are root, as the user nobody (which makes NoPermission reachable).
func TestArgvReference(t *testing.T) {
	dir := argvTree(t)
	cases := argvCases(dir)
	env := []string{"LC_ALL=C.UTF-8", "HOME=/"}

	t.Run("self", func(t *testing.T) {
		var ref []argvResult
		runRef(t, env, dir, nil, map[string]any{"mode": "argv", "cases": cases}, &ref)
		if len(ref) != len(cases) {
			t.Fatalf("ref.py answered %d cases, want %d", len(ref), len(cases))
		}
		// Argv resolves relative names against our working directory.
		t.Chdir(dir)
		for i, c := range cases {
			got := ourArgv(c)
			if !reflect.DeepEqual(got, ref[i]) {
				t.Errorf("%s: Argv(%q)\n got %+v\nwant %+v", c.Name, c.Command, got, ref[i])
			}
		}
	})

	t.Run("nobody", func(t *testing.T) {
		if os.Getuid() != 0 {
			t.Skip("needs root to run both sides as nobody")
		}
		nobody := &syscall.Credential{Uid: 65534, Gid: 65534, Groups: []uint32{}}
		var ref []argvResult
		runRef(t, env, dir, nobody, map[string]any{"mode": "argv", "cases": cases}, &ref)
		in, err := json.Marshal(cases)
		if err != nil {
			t.Fatal(err)
		}
		exe := sharedHelper(t)
		out := runHelper(t, exe, "argv", dir, nobody, in)
		var ours []argvResult
		if err := json.Unmarshal(out, &ours); err != nil {
			t.Fatalf("helper: %v: %q", err, out)
		}
		sawNoPermission := false
		for i, c := range cases {
			if ref[i].Kind == "NoPermission" {
				sawNoPermission = true
			}
			if !reflect.DeepEqual(ours[i], ref[i]) {
				t.Errorf("%s: Argv(%q) as nobody\n got %+v\nwant %+v", c.Name, c.Command, ours[i], ref[i])
			}
		}
		if !sawNoPermission {
			t.Errorf("no case gave NoPermission as nobody")
		}
	})
}

func TestArgvErrorKinds(t *testing.T) {
	dir := argvTree(t)
	tests := []struct {
		command string
		want    Kind
	}{
		{"", BadCommand},
		{"'x", BadCommand},
		{dir + "/missing", NotFound},
		{dir + "/bin/dirprog", NotExecutable},
		{dir + "/bin/noexec", NotExecutable},
	}
	for _, tc := range tests {
		_, _, err := Argv(tc.command, nil, "")
		if !errors.Is(err, tc.want) {
			t.Errorf("Argv(%q) = %v, want kind %v", tc.command, err, tc.want)
		}
		for _, other := range []Kind{BadCommand, NotFound, NotExecutable, NoPermission, PipeFailed, ForkFailed} {
			if other != tc.want && errors.Is(err, other) {
				t.Errorf("Argv(%q) = %v is also %v", tc.command, err, other)
			}
		}
	}
}

// TestPyRepr covers what the differential table cannot carry: bytes that
// are not UTF-8 (JSON has no way to pass them to Python).
func TestPyRepr(t *testing.T) {
	tests := []struct{ in, want string }{
		{"abc", `'abc'`},
		{"it's", `"it's"`},
		{`say "hi"`, `'say "hi"'`},
		{`it's "x"`, `'it\'s "x"'`},
		{"a\\b\t\n\r\x00\x1f\x7f", `'a\\b\t\n\r\x00\x1f\x7f'`},
		{"\xff\xfe", `'\udcff\udcfe'`},
		{"é\u0085\u00a0\u2028\uffff\U0010ffff", `'é\x85\xa0\u2028\uffff\U0010ffff'`},
	}
	for _, tc := range tests {
		if got := python.Repr(tc.in); got != tc.want {
			t.Errorf("python.Repr(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// quoteWords joins words as shlex.join does (every word single-quoted).
func quoteWords(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = "'" + strings.ReplaceAll(w, "'", `'"'"'`) + "'"
	}
	return strings.Join(q, " ")
}

func FuzzSplit(f *testing.F) {
	for _, c := range argvCases("/d") {
		f.Add(c.Command)
	}
	f.Fuzz(func(t *testing.T, s string) {
		words, err := split(s)
		if err != nil {
			return
		}
		again, err := split(quoteWords(words))
		if err != nil {
			t.Fatalf("split(join(%q)): %v", words, err)
		}
		if !slices.Equal(again, words) && !(len(again) == 0 && len(words) == 0) {
			t.Fatalf("split(join(split(%q))) = %q, want %q", s, again, words)
		}
	})
}
