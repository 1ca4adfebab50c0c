//go:build linux

package spawn

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/supervisorgo/supervisor/internal/config"
)

// noRaceSleep keeps a helper built with -race from sleeping a second at
// exit (the race runtime's atexit_sleep_ms).
const noRaceSleep = "GORACE=atexit_sleep_ms=0"

// deadline bounds every wait on a child.
const deadline = 30 * time.Second

// output is what a child wrote and how it ended.
type output struct {
	Stdout, Stderr string
	Status         string
	Code           int
}

// collect reads the child's pipes to EOF, then waits for it.
func collect(t *testing.T, c *Child) output {
	t.Helper()
	var out output
	var wg sync.WaitGroup
	read := func(f *os.File, dst *string) {
		if f == nil {
			return
		}
		f.SetReadDeadline(time.Now().Add(deadline))
		b, err := io.ReadAll(f)
		if err != nil {
			t.Errorf("read child output: %v", err)
		}
		*dst = string(b)
	}
	wg.Go(func() { read(c.Stdout, &out.Stdout) })
	wg.Go(func() { read(c.Stderr, &out.Stderr) })
	wg.Wait()
	ctx, cancel := context.WithTimeout(t.Context(), deadline)
	defer cancel()
	st, err := c.Wait(ctx)
	if err != nil {
		t.Fatalf("wait: %v", err)
	}
	if err := c.ClosePipes(); err != nil {
		t.Errorf("ClosePipes: %v", err)
	}
	out.Status, out.Code = st.Describe(), st.Code
	return out
}

// startHelper starts the test binary in a helper mode.
func startHelper(t *testing.T, mode string, o Options, args ...string) *Child {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	o.Path = exe
	o.Argv = append([]string{exe}, args...)
	o.Env = append(o.Env, helperEnv+"="+mode, noRaceSleep)
	if o.Name == "" {
		o.Name = mode
	}
	c, err := Start(t.Context(), o)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		c.SignalGroup(syscall.SIGKILL)
		c.Wait(context.Background())
		c.ClosePipes()
	})
	return c
}

// spawnCase is one spawn compared with the reference (ref.py "spawn").
type spawnCase struct {
	Name           string            `json:"-"`
	Command        string            `json:"command"`
	Process        string            `json:"name"`
	Group          string            `json:"group"`
	Environment    map[string]string `json:"environment"`
	ServerURL      *string           `json:"serverurl"`
	Fallback       *string           `json:"fallback"`
	Directory      *string           `json:"directory"`
	Umask          *int              `json:"umask"`
	UID            *int              `json:"uid"`
	RedirectStderr bool              `json:"redirect_stderr"`
	RunAs          *int              `json:"run_as"`
	RootOnly       bool              `json:"-"`
	NonRootOnly    bool              `json:"-"`
}

type spawnResult struct {
	Spawnerr string `json:"spawnerr"`
	Stdout   string `json:"stdout"`
	Stderr   string `json:"stderr"`
	Status   string `json:"status"`
	Code     int    `json:"code"`
}

func intp(i int) *int { return &i }

// ours spawns a case our way: the config.Process the loader would make,
// Prepare, Start.
func (sc spawnCase) ours(t *testing.T, environ []string) spawnResult {
	t.Helper()
	p := &config.Process{
		Name: sc.Process, Group: sc.Group, Command: sc.Command,
		Environment: sc.Environment, Umask: sc.Umask, RedirectStderr: sc.RedirectStderr,
	}
	if sc.ServerURL != nil {
		p.ServerURL = *sc.ServerURL
	}
	if sc.Directory != nil {
		p.Directory = *sc.Directory
	}
	if sc.UID != nil {
		p.User, p.UID = strconv.Itoa(*sc.UID), *sc.UID
	}
	fallback := ""
	if sc.Fallback != nil {
		fallback = *sc.Fallback
	}
	o, err := Prepare(p, NewEnviron(environ), fallback)
	if err != nil {
		return spawnResult{Spawnerr: err.Error()}
	}
	if sc.RunAs != nil {
		runAs := *sc.RunAs
		o.getuid = func() int { return runAs }
	}
	c, err := Start(t.Context(), o)
	if err != nil {
		return spawnResult{Spawnerr: err.Error()}
	}
	out := collect(t, c)
	return spawnResult{
		Stdout: base64.StdEncoding.EncodeToString([]byte(out.Stdout)),
		Stderr: base64.StdEncoding.EncodeToString([]byte(out.Stderr)),
		Status: out.Status, Code: out.Code,
	}
}

func decodeB64(s string) string {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return "<bad base64 " + s + ">"
	}
	return string(b)
}

// sameSpawn compares two results; "report" outputs are compared as
// decoded reports so that a difference is readable.
func sameSpawn(t *testing.T, name string, got, want spawnResult) {
	t.Helper()
	if got.Spawnerr != want.Spawnerr || got.Status != want.Status || got.Code != want.Code {
		t.Errorf("%s: spawnerr/status\n got %q %q %d\nwant %q %q %d", name,
			got.Spawnerr, got.Status, got.Code, want.Spawnerr, want.Status, want.Code)
	}
	if g, w := decodeB64(got.Stderr), decodeB64(want.Stderr); g != w {
		t.Errorf("%s: stderr\n got %q\nwant %q", name, g, w)
	}
	g, w := decodeB64(got.Stdout), decodeB64(want.Stdout)
	var gr, wr report
	if json.Unmarshal([]byte(g), &gr) == nil && json.Unmarshal([]byte(w), &wr) == nil {
		if !reflect.DeepEqual(gr, wr) {
			t.Errorf("%s: report\n got %+v\nwant %+v", name, gr, wr)
		}
		return
	}
	if g != w {
		t.Errorf("%s: stdout\n got %q\nwant %q", name, g, w)
	}
}

// memberUser finds a user listed as a member of a group in /etc/group, to
// check supplementary groups; "" if there is none.
func memberUser() string {
	f, err := os.Open("/etc/group")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), ":")
		if len(fields) == 4 && fields[3] != "" {
			for _, name := range strings.Split(fields[3], ",") {
				if u, err := user.Lookup(name); err == nil && u.Uid != "0" {
					return u.Uid
				}
			}
		}
	}
	return ""
}

// TestStartReference spawns the same programs the reference's way
// (Subprocess.get_execv_args, make_pipes, fork, _spawn_as_child) and ours
// (Prepare, Start), with the test binary reporting what it got: argv, the
// whole environment in order, working directory, umask, process group,
// uid, gid and groups; plus what it wrote and how it ended, for children
// that fail in the user, directory and exec steps.
func TestStartReference(t *testing.T) {
	requireReference(t)
	exe := sharedHelper(t)
	root := os.Getuid() == 0

	dir, err := os.MkdirTemp("", "spawnref")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	private := filepath.Join(dir, "private")
	os.Mkdir(private, 0o700)
	os.Mkdir(filepath.Join(dir, "work"), 0o755)
	os.WriteFile(filepath.Join(dir, "file"), nil, 0o644)
	os.Mkdir(filepath.Join(dir, "bin"), 0o755)
	os.WriteFile(filepath.Join(dir, "bin/badinterp"), []byte("#!/nonexistent/interp\n"), 0o755)
	os.WriteFile(filepath.Join(dir, "bin/noformat"), []byte("\x01\x02 not a program\n"), 0o755)
	os.WriteFile(filepath.Join(dir, "bin/rootonly"), []byte("#!/bin/sh\n"), 0o700)
	os.Chmod(filepath.Join(dir, "bin/rootonly"), 0o700)

	// supervisord's environment: a duplicate key (the first wins), an
	// entry without "=" (dropped), an empty key, and LC_ALL so that the
	// reference's Python does not add LC_CTYPE (PEP 538).
	environ := []string{
		"LC_ALL=C.UTF-8", "PATH=/usr/bin:/bin", "HOME=/root", "DUP=first",
		"NOEQUALS", "DUP=second", "SUPERVISOR_ENABLED=0", noRaceSleep, "ZZZ=last",
	}
	helper := func(extra map[string]string) map[string]string {
		m := map[string]string{helperEnv: "report"}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	work := filepath.Join(dir, "work")
	sock := "unix:///run/supervisor.sock"
	cases := []spawnCase{
		{Name: "basic", Command: exe + " a 'b c'", Environment: helper(nil), Fallback: &sock},
		{Name: "no server url", Command: exe, Environment: helper(nil)},
		{Name: "program server url", Command: exe, Environment: helper(nil), ServerURL: strp("http://h:1"), Fallback: &sock},
		{Name: "program env overrides", Command: exe, Fallback: &sock, Environment: helper(map[string]string{
			"SUPERVISOR_PROCESS_NAME": "mine", "SUPERVISOR_SERVER_URL": "u", "DUP": "prog", "HOME": "/h", "A": "1", "B": "",
		})},
		{Name: "no group", Command: exe, Group: "-", Environment: helper(nil)},
		{Name: "directory and umask", Command: exe, Environment: helper(nil), Directory: &work, Umask: intp(0o027)},
		{Name: "umask 0", Command: exe, Environment: helper(nil), Umask: intp(0)},
		{Name: "umask 077", Command: exe, Environment: helper(nil), Umask: intp(0o077)},
		{Name: "relative directory", Command: exe, Environment: helper(nil), Directory: strp("work")},
		{Name: "missing directory", Command: exe, Environment: helper(nil), Directory: strp(dir + "/missing")},
		{Name: "directory is a file", Command: exe, Environment: helper(nil), Directory: strp(dir + "/file")},
		{Name: "missing directory, redirected", Command: exe, Environment: helper(nil), Directory: strp(dir + "/missing"), RedirectStderr: true},
		{Name: "output", Command: exe, Environment: map[string]string{helperEnv: "output"}},
		{Name: "output redirected", Command: exe, Environment: map[string]string{helperEnv: "output"}, RedirectStderr: true},
		{Name: "exit 3", Command: exe + " 3", Environment: map[string]string{helperEnv: "exit"}},
		{Name: "exit 255", Command: exe + " 255", Environment: map[string]string{helperEnv: "exit"}},
		{Name: "SIGTERM", Command: exe + " 15", Environment: map[string]string{helperEnv: "kill"}},
		{Name: "SIGKILL", Command: exe + " 9", Environment: map[string]string{helperEnv: "kill"}},
		{Name: "SIGUSR1", Command: exe + " 10", Environment: map[string]string{helperEnv: "kill"}},
		{Name: "signal 40", Command: exe + " 40", Environment: map[string]string{helperEnv: "kill"}},
		{Name: "missing interpreter", Command: "badinterp x", Environment: map[string]string{"PATH": dir + "/bin"}},
		{Name: "exec format error", Command: "noformat", Environment: map[string]string{"PATH": dir + "/bin"}},
		{Name: "not found", Command: "nothere", Environment: map[string]string{"PATH": dir + "/bin"}},
		{Name: "unknown uid", Command: exe, Environment: helper(nil), UID: intp(4242424)},
		{Name: "same uid", Command: exe, Environment: helper(nil), UID: intp(os.Getuid())},
		{Name: "nonroot supervisord", Command: exe, Environment: helper(nil), UID: intp(0), RunAs: intp(65534), Directory: strp(dir + "/missing"), RootOnly: true},
		{Name: "root as nonroot", Command: exe, Environment: helper(nil), UID: intp(0), NonRootOnly: true},
		{Name: "nobody", Command: exe, Environment: helper(nil), UID: intp(65534), Directory: &work, Umask: intp(0o002), RootOnly: true},
		{Name: "nobody, private directory", Command: exe, Environment: helper(nil), UID: intp(65534), Directory: &private, RootOnly: true},
		{Name: "nobody, root-only program", Command: dir + "/bin/rootonly", UID: intp(65534), Directory: &work, RootOnly: true},
	}
	if uid := memberUser(); uid != "" {
		n, _ := strconv.Atoi(uid)
		cases = append(cases, spawnCase{Name: "user with groups", Command: exe, Environment: helper(nil), UID: &n, RootOnly: true})
	}
	var run []spawnCase
	for _, c := range cases {
		if c.RootOnly && !root || c.NonRootOnly && root {
			t.Logf("%s: case left out (root: %v)", c.Name, root)
			continue
		}
		if c.Process == "" {
			c.Process = "web"
		}
		switch c.Group {
		case "":
			c.Group = "grp"
		case "-":
			c.Group = ""
		}
		run = append(run, c)
	}

	// ref.py's json keeps the order of "environment" as Go's encoder
	// writes it: sorted, as Env adds a program's variables.
	var ref []spawnResult
	runRef(t, environ, dir, nil, map[string]any{"mode": "spawn", "cases": groupless(run)}, &ref)
	if len(ref) != len(run) {
		t.Fatalf("ref.py answered %d cases, want %d", len(ref), len(run))
	}
	// Our children inherit our working directory, as the reference's
	// inherit its: the same one.
	t.Chdir(dir)
	for i, c := range run {
		got := c.ours(t, environ)
		sameSpawn(t, c.Name, got, ref[i])
	}
}

// groupless turns an empty group into null for ref.py.
func groupless(cases []spawnCase) []map[string]any {
	out := make([]map[string]any, len(cases))
	for i, c := range cases {
		b, _ := json.Marshal(c)
		var m map[string]any
		json.Unmarshal(b, &m)
		if c.Group == "" {
			m["group"] = nil
		}
		out[i] = m
	}
	return out
}

// TestDecodeWaitStatusReference compares Describe with the reference's
// decode_wait_status over raw wait statuses.
func TestDecodeWaitStatusReference(t *testing.T) {
	raws := []int{
		0, 1 << 8, 3 << 8, 127 << 8, 255 << 8, // exits
		1, 2, 6, 9, 15, 17, 29, 31, 32, 34, 35, 64, // signals
		0x80 | 6, 0x80 | 9, 0x80 | 11, 0x80 | 40, // with core
		0x137f, 0x57f, 0xffff, // stopped, continued
	}
	var ref []struct {
		Code int    `json:"code"`
		Msg  string `json:"msg"`
	}
	runRef(t, []string{"LC_ALL=C.UTF-8"}, os.TempDir(), nil, map[string]any{"mode": "wait", "statuses": raws}, &ref)
	for i, raw := range raws {
		s := DecodeWaitStatus(syscall.WaitStatus(raw))
		if s.Describe() != ref[i].Msg || s.Code != ref[i].Code {
			t.Errorf("0x%04x: got %d %q, want %d %q", raw, s.Code, s.Describe(), ref[i].Code, ref[i].Msg)
		}
	}
}

// TestExitStatus checks the status of real children: exit codes and
// signals, and the fields behind Describe.
func TestExitStatus(t *testing.T) {
	tests := []struct {
		mode, arg string
		want      string
		code      int
		sig       syscall.Signal
	}{
		{"exit", "0", "exit status 0", 0, 0},
		{"exit", "7", "exit status 7", 7, 0},
		{"kill", "15", "terminated by SIGTERM", -1, syscall.SIGTERM},
		{"kill", "9", "terminated by SIGKILL", -1, syscall.SIGKILL},
		{"kill", "2", "terminated by SIGINT", -1, syscall.SIGINT},
		{"kill", "40", "terminated by signal 40", -1, 40},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			t.Parallel()
			c := startHelper(t, tc.mode, Options{}, tc.arg)
			collect(t, c)
			st, err := c.Wait(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if st.Describe() != tc.want || st.Code != tc.code || st.Signal != tc.sig || st.CoreDumped {
				t.Errorf("status %+v (%s), want %q code %d signal %d", st, st.Describe(), tc.want, tc.code, tc.sig)
			}
			if st.Exited() != (tc.sig == 0) {
				t.Errorf("Exited() = %v", st.Exited())
			}
		})
	}
}

// TestSignalGroup: SignalGroup reaches a grandchild in the child's process
// group; Signal reaches the child only.
func TestSignalGroup(t *testing.T) {
	c := startHelper(t, "grandchild", Options{})
	r := bufio.NewReader(c.Stdout)
	c.Stdout.SetReadDeadline(time.Now().Add(deadline))
	line, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	var pid, pgid, gpid, gpgid int
	if _, err := fmtSscan(line, &pid, &pgid, &gpid, &gpgid); err != nil {
		t.Fatalf("bad line %q: %v", line, err)
	}
	if pid != c.Pid || pgid != c.Pid || gpgid != c.Pid {
		t.Fatalf("child pid %d pgid %d, grandchild %d pgid %d; want all groups %d", pid, pgid, gpid, gpgid, c.Pid)
	}
	if ourPgid := syscall.Getpgrp(); ourPgid == c.Pid {
		t.Fatalf("the child is in our process group")
	}
	if err := c.SignalGroup(syscall.SIGTERM); err != nil {
		t.Fatalf("SignalGroup: %v", err)
	}
	// The grandchild holds the stdout pipe too: EOF means both are gone.
	if _, err := io.ReadAll(r); err != nil {
		t.Fatalf("read to EOF: %v", err)
	}
	st, err := c.Wait(t.Context())
	if err != nil || st.Describe() != "terminated by SIGTERM" {
		t.Fatalf("Wait = %v, %v", st, err)
	}
	if err := c.Signal(syscall.SIGTERM); !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("Signal after exit = %v, want os.ErrProcessDone", err)
	}
	if err := c.SignalGroup(syscall.SIGTERM); !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("SignalGroup after exit = %v, want os.ErrProcessDone", err)
	}
}

// TestSignal: a child that ignores SIGTERM survives Signal(SIGTERM) and is
// killed by Signal(SIGKILL).
func TestSignal(t *testing.T) {
	c := startHelper(t, "ignoreterm", Options{})
	r := bufio.NewReader(c.Stdout)
	c.Stdout.SetReadDeadline(time.Now().Add(deadline))
	if line, err := r.ReadString('\n'); err != nil || line != "ready\n" {
		t.Fatalf("read %q, %v", line, err)
	}
	if err := c.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("Signal(SIGTERM): %v", err)
	}
	if err := c.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("Signal(SIGKILL): %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), deadline)
	defer cancel()
	st, err := c.Wait(ctx)
	if err != nil || st.Describe() != "terminated by SIGKILL" {
		t.Fatalf("Wait = %v, %v (SIGTERM was not ignored?)", st, err)
	}
}

// TestPipes: stdin pipe, stdin replaced by a file, stdin omitted, stderr
// merged, and the pipes still readable after Wait returned.
func TestPipes(t *testing.T) {
	t.Run("stdin pipe", func(t *testing.T) {
		c := startHelper(t, "cat", Options{})
		c.Stdin.WriteString("hello\n")
		c.Stdin.Close()
		if out := collect(t, c); out.Stdout != "hello\n" || out.Status != "exit status 0" {
			t.Errorf("got %+v", out)
		}
	})
	t.Run("stdin file", func(t *testing.T) {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		w.WriteString("from a file\n")
		w.Close()
		c := startHelper(t, "cat", Options{Stdin: r})
		if c.Stdin != nil {
			t.Errorf("Child.Stdin is set with Options.Stdin")
		}
		if out := collect(t, c); out.Stdout != "from a file\n" {
			t.Errorf("got %+v", out)
		}
	})
	t.Run("no stdin", func(t *testing.T) {
		c := startHelper(t, "cat", Options{NoStdin: true})
		if c.Stdin != nil {
			t.Errorf("Child.Stdin is set with NoStdin")
		}
		if out := collect(t, c); out.Stdout != "" || out.Status != "exit status 0" {
			t.Errorf("got %+v", out)
		}
	})
	t.Run("redirect stderr", func(t *testing.T) {
		c := startHelper(t, "output", Options{RedirectStderr: true})
		if c.Stderr != nil {
			t.Errorf("Child.Stderr is set with RedirectStderr")
		}
		if out := collect(t, c); out.Stdout != "out1\nerr1\nout2\nerr2\n" {
			t.Errorf("got %+v", out)
		}
	})
	t.Run("read after Wait", func(t *testing.T) {
		c := startHelper(t, "output", Options{})
		st, err := c.Wait(t.Context())
		if err != nil || st.Code != 0 {
			t.Fatalf("Wait = %v, %v", st, err)
		}
		if out := collect(t, c); out.Stdout != "out1\nout2\n" || out.Stderr != "err1\nerr2\n" {
			t.Errorf("got %+v", out)
		}
	})
}

// TestUmaskConcurrent: concurrent spawns, with and without a umask, each
// get their own (or supervisord's) umask.
func TestUmaskConcurrent(t *testing.T) {
	own := syscall.Umask(0o022)
	syscall.Umask(own)
	masks := []*int{intp(0o077), nil, intp(0o002), intp(0o027), nil, intp(0)}
	var wg sync.WaitGroup
	for i := range 24 {
		mask := masks[i%len(masks)]
		wg.Go(func() {
			c := startHelper(t, "report", Options{Umask: mask})
			out := collect(t, c)
			var r report
			if err := json.Unmarshal([]byte(out.Stdout), &r); err != nil {
				t.Errorf("report %q: %v", out.Stdout, err)
				return
			}
			want := own
			if mask != nil {
				want = *mask
			}
			if r.Umask != want {
				t.Errorf("umask %04o, want %04o", r.Umask, want)
			}
		})
	}
	wg.Wait()
	if now := syscall.Umask(own); now != own {
		t.Errorf("our umask is %04o after the spawns, want %04o", now, own)
	}
}

// TestPdeathsig: a child started with Pdeathsig gets the signal when the
// process that started it dies. The intermediate (helper "pdeath") starts
// the child ("sigreport") with our pipe as its fd 3, then exits.
func TestPdeathsig(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	mid := startHelper(t, "pdeath", Options{ExtraFiles: []*os.File{w}})
	w.Close()
	br := bufio.NewReader(r)
	r.SetReadDeadline(time.Now().Add(deadline))
	if line, err := br.ReadString('\n'); err != nil || line != "ready\n" {
		t.Fatalf("read %q, %v (intermediate: %s)", line, err, readLine(mid.Stderr))
	}
	mid.Stdin.Close() // the intermediate exits
	if st, err := mid.Wait(t.Context()); err != nil || st.Code != 0 {
		t.Fatalf("intermediate: %v, %v", st, err)
	}
	if line, err := br.ReadString('\n'); err != nil || line != "got user defined signal 1\n" {
		t.Fatalf("read %q, %v, want the child to get SIGUSR1", line, err)
	}
}

func readLine(f *os.File) string {
	f.SetReadDeadline(time.Now().Add(time.Second))
	b, _ := bufio.NewReader(f).ReadString('\n')
	return b
}

// TestCloseOnExec: the child gets fds 0, 1 and 2 only. Go closes every
// descriptor with close-on-exec, and opens all its own with it; one
// without it (inherited by supervisord, or opened with a raw syscall) goes
// to every child until MarkCloseOnExec.
func TestCloseOnExec(t *testing.T) {
	fd, leak := openLeak(t)
	if before := childFDs(t); before[fd] != leak {
		t.Errorf("fd %d (%s) without close-on-exec was not inherited: %v", fd, leak, before)
	}
	if err := MarkCloseOnExec(3); err != nil {
		t.Fatal(err)
	}
	checkStdOnly(t, childFDs(t))
}

// openLeak opens a file without close-on-exec, as supervisord's parent
// may have left one: its fd and name.
func openLeak(t *testing.T) (int, string) {
	t.Helper()
	leak := filepath.Join(t.TempDir(), "leak")
	if err := os.WriteFile(leak, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	fd, err := syscall.Open(leak, syscall.O_RDONLY, 0) // no O_CLOEXEC
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	return fd, leak
}

// childFDs starts a child that lists its open descriptors.
func childFDs(t *testing.T) map[int]string {
	t.Helper()
	out := collect(t, startHelper(t, "fds", Options{}))
	var open map[int]string
	if err := json.Unmarshal([]byte(out.Stdout), &open); err != nil {
		t.Fatalf("fds %q: %v", out.Stdout, err)
	}
	return open
}

// checkStdOnly fails for any descriptor above 2 but those the child's Go
// runtime opens itself (cgroup files, to size GOMAXPROCS).
func checkStdOnly(t *testing.T, open map[int]string) {
	t.Helper()
	for n, what := range open {
		if n > 2 && !strings.HasPrefix(what, "/sys/fs/cgroup/") {
			t.Errorf("child has fd %d (%s)", n, what)
		}
	}
}

// TestStillborn: a child that fails before its exec, with the stand-in
// and synthetically.
func TestStillborn(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	missing := t.TempDir() + "/missing"
	want := "supervisor: couldn't chdir to " + missing + ": ENOENT\nsupervisor: child process was not spawned\n"
	for _, standIn := range []string{"", "-", "/nonexistent/sh"} {
		t.Run("standin="+standIn, func(t *testing.T) {
			c, err := Start(t.Context(), Options{Name: "x", Path: exe, Argv: []string{exe}, Dir: missing, standIn: standIn})
			if err != nil {
				t.Fatal(err)
			}
			if (c.Pid == 0) != (standIn != "") {
				t.Errorf("Pid = %d", c.Pid)
			}
			out := collect(t, c)
			if out.Stderr != want || out.Stdout != "" || out.Status != "exit status 127" || out.Code != 127 {
				t.Errorf("got %+v", out)
			}
			if c.Pid == 0 {
				if err := c.Signal(syscall.SIGTERM); !errors.Is(err, os.ErrProcessDone) {
					t.Errorf("Signal = %v", err)
				}
				if err := c.SignalGroup(syscall.SIGTERM); !errors.Is(err, os.ErrProcessDone) {
					t.Errorf("SignalGroup = %v", err)
				}
			}
		})
	}
}

// TestPipeFailed runs Start without file descriptors left (in a helper, to
// keep our limit): the reference's spawnerr.
func TestPipeFailed(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	out := runHelper(t, exe, "emfile", "", nil, nil)
	if got, want := string(out), "PipeFailed: too many open files to spawn 'web'\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestStartErrors(t *testing.T) {
	if _, err := Start(t.Context(), Options{Name: "x"}); !errors.Is(err, BadCommand) {
		t.Errorf("empty Argv: %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Start(ctx, Options{Name: "x", Path: "/bin/true", Argv: []string{"true"}}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// TestEnv checks Env's rules directly (the reference comparison is in
// TestStartReference).
func TestEnv(t *testing.T) {
	p := &config.Process{Name: "web_01", Group: "web", Environment: map[string]string{"B": "2", "A": "1", "HOME": "/srv"}}
	got := Env([]string{"HOME=/root", "X", "HOME=/other", "PATH=/bin"}, p, "unix:///s")
	want := []string{"HOME=/srv", "PATH=/bin", "SUPERVISOR_ENABLED=1", "SUPERVISOR_SERVER_URL=unix:///s",
		"SUPERVISOR_PROCESS_NAME=web_01", "SUPERVISOR_GROUP_NAME=web", "A=1", "B=2"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Env =\n%q\nwant\n%q", got, want)
	}
	p.ServerURL = "http://x:1"
	if v, _ := lookupEnv(Env(nil, p, "unix:///s"), "SUPERVISOR_SERVER_URL"); v != "http://x:1" {
		t.Errorf("program serverurl: %q", v)
	}
	p.ServerURL = ""
	if _, ok := lookupEnv(Env(nil, p, ""), "SUPERVISOR_SERVER_URL"); ok {
		t.Errorf("SUPERVISOR_SERVER_URL set without a URL")
	}
}

func BenchmarkStart(b *testing.B) {
	o := Options{Name: "true", Path: "/bin/true", Argv: []string{"true"}, Env: []string{}}
	for b.Loop() {
		c, err := Start(b.Context(), o)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Wait(b.Context()); err != nil {
			b.Fatal(err)
		}
		c.ClosePipes()
	}
}

func fmtSscan(s string, v ...any) (int, error) { return fmt.Sscan(s, v...) }
