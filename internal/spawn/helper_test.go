//go:build linux

package spawn

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"unsafe"
)

// The test binary is also the child of the Start tests: with SPAWNTEST_HELPER
// set to a mode, TestMain runs that mode instead of the tests (the pattern of
// os/exec's helper processes). Arguments come in os.Args[1:].
const helperEnv = "SPAWNTEST_HELPER"

// With SPAWNTEST_FORKER set, TestMain starts the forker first, so that
// every spawn of the tests goes through it (see TestForker).
const forkerEnv = "SPAWNTEST_FORKER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(helperMain(mode, os.Args[1:]))
	}
	if os.Getenv(forkerEnv) != "" {
		if err := StartForker(); err != nil {
			fmt.Fprintln(os.Stderr, "StartForker:", err)
			os.Exit(1)
		}
	}
	code := m.Run()
	if helperDir != "" {
		os.RemoveAll(helperDir)
	}
	os.Exit(code)
}

// report is what the "report" mode prints: everything a spawn sets up.
type report struct {
	Args      []string `json:"args"`
	Env       []string `json:"env"`
	Cwd       string   `json:"cwd"`
	Umask     int      `json:"umask"`
	PgidIsPid bool     `json:"pgid_is_pid"`
	UID       int      `json:"uid"`
	GID       int      `json:"gid"`
	Groups    []int    `json:"groups"`
}

func helperMain(mode string, args []string) int {
	switch mode {
	case "report":
		// report: print a report as JSON on stdout.
		mask := syscall.Umask(0)
		syscall.Umask(mask)
		cwd, err := os.Getwd()
		if err != nil {
			cwd = "error: " + err.Error()
		}
		groups, _ := syscall.Getgroups()
		slices.Sort(groups)
		r := report{
			Args: args, Env: os.Environ(), Cwd: cwd, Umask: mask,
			PgidIsPid: syscall.Getpgrp() == os.Getpid(),
			UID:       os.Getuid(), GID: os.Getgid(), Groups: groups,
		}
		json.NewEncoder(os.Stdout).Encode(r)
		return 0
	case "output":
		// output: interleaved writes to stdout and stderr, unbuffered.
		os.Stdout.WriteString("out1\n")
		os.Stderr.WriteString("err1\n")
		os.Stdout.WriteString("out2\n")
		os.Stderr.WriteString("err2\n")
		return 0
	case "exit":
		// exit N
		n, _ := strconv.Atoi(args[0])
		return n
	case "kill":
		// kill SIG: die by a signal. The Go runtime catches most signals
		// (and ignores SIGUSR1 and the like): set the default action with
		// a raw rt_sigaction, then wait on a pipe nobody writes.
		n, _ := strconv.Atoi(args[0])
		var act [4]uint64 // struct sigaction, all zero: SIG_DFL
		if _, _, e := syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(n),
			uintptr(unsafe.Pointer(&act)), 0, 8, 0, 0); e != 0 && n != int(syscall.SIGKILL) {
			fmt.Fprintln(os.Stderr, "rt_sigaction:", e)
			return 2
		}
		syscall.Kill(os.Getpid(), syscall.Signal(n))
		r, _, _ := os.Pipe()
		r.Read(make([]byte, 1))
		return 3
	case "ignoreterm":
		// ignoreterm: ignore SIGTERM, say "ready", exit when stdin ends.
		signal.Ignore(syscall.SIGTERM)
		os.Stdout.WriteString("ready\n")
		io.Copy(io.Discard, os.Stdin)
		return 0
	case "block":
		// block: wait for the end of stdin.
		io.Copy(io.Discard, os.Stdin)
		return 0
	case "grandchild":
		// grandchild: start a child of ours in our process group, print
		// "pid pgid grandchild-pid grandchild-pgid", wait for stdin's end.
		exe, _ := os.Executable()
		p, err := os.StartProcess(exe, []string{exe}, &os.ProcAttr{
			Env:   []string{helperEnv + "=block", noRaceSleep},
			Files: []*os.File{os.Stdin, os.Stdout, os.Stderr},
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		gpgid, _ := syscall.Getpgid(p.Pid)
		fmt.Printf("%d %d %d %d\n", os.Getpid(), syscall.Getpgrp(), p.Pid, gpgid)
		io.Copy(io.Discard, os.Stdin)
		return 0
	case "pdeath":
		// pdeath: start a "sigreport" child with Pdeathsig SIGUSR1 and our
		// fd 3 as its fd 3, then exit when stdin ends.
		exe, _ := os.Executable()
		fd3 := os.NewFile(3, "fd3")
		c, err := Start(context.Background(), Options{
			Name: "sigreport", Path: exe, Argv: []string{exe},
			Env:        []string{helperEnv + "=sigreport", noRaceSleep},
			NoStdin:    true,
			ExtraFiles: []*os.File{fd3},
			Pdeathsig:  syscall.SIGUSR1,
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		fmt.Printf("%d\n", c.Pid)
		io.Copy(io.Discard, os.Stdin)
		return 0
	case "sigreport":
		// sigreport: write "ready" to fd 3, then the first SIGUSR1's name.
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGUSR1)
		fd3 := os.NewFile(3, "fd3")
		fd3.WriteString("ready\n")
		sig := <-ch
		fmt.Fprintf(fd3, "got %v\n", sig)
		return 0
	case "argv":
		// argv: run Argv over the argvCase list on stdin (in the working
		// directory), print the argvResult list.
		var cases []argvCase
		if err := json.NewDecoder(os.Stdin).Decode(&cases); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		out := make([]argvResult, len(cases))
		for i, c := range cases {
			out[i] = ourArgv(c)
		}
		json.NewEncoder(os.Stdout).Encode(out)
		return 0
	case "cat":
		// cat: copy stdin to stdout.
		io.Copy(os.Stdout, os.Stdin)
		return 0
	case "emfile":
		// emfile: with no file descriptor left, Start must fail with the
		// reference's spawnerr; print it.
		var lim syscall.Rlimit
		syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
		lim.Cur = 16
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		var hold []*os.File
		for {
			f, err := os.Open(os.DevNull)
			if err != nil {
				break
			}
			hold = append(hold, f)
		}
		// Free one: the first pipe works, the second cannot be made.
		hold[len(hold)-1].Close()
		hold[len(hold)-2].Close()
		_, err := Start(context.Background(), Options{Name: "web", Path: "/bin/true", Argv: []string{"true"}})
		var e *Error
		if errors.As(err, &e) {
			fmt.Printf("%s: %s\n", e.Kind, e.Msg)
		} else {
			fmt.Printf("not an *Error: %v\n", err)
		}
		return 0
	case "fds":
		// fds: print the open file descriptors below 1024 and what they
		// are, found with fcntl and readlink so that nothing is opened.
		open := map[int]string{}
		for fd := 0; fd < 1024; fd++ {
			if _, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFD, 0); e == 0 {
				open[fd], _ = os.Readlink("/proc/self/fd/" + strconv.Itoa(fd))
			}
		}
		json.NewEncoder(os.Stdout).Encode(open)
		return 0
	}
	fmt.Fprintf(os.Stderr, "unknown helper mode %q\n", mode)
	return 2
}

// sharedHelper returns a copy of the test binary that every user can run
// (the go test build directory is private to its owner).
func sharedHelper(t *testing.T) string {
	t.Helper()
	helperOnce.Do(func() {
		exe, err := os.Executable()
		if err != nil {
			helperErr = err
			return
		}
		data, err := os.ReadFile(exe)
		if err != nil {
			helperErr = err
			return
		}
		dir, err := os.MkdirTemp("", "spawnhelper")
		if err != nil {
			helperErr = err
			return
		}
		helperDir = dir
		if err := os.Chmod(dir, 0o755); err != nil {
			helperErr = err
			return
		}
		helperPath = filepath.Join(dir, "spawn.test")
		helperErr = os.WriteFile(helperPath, data, 0o755)
	})
	if helperErr != nil {
		t.Fatalf("copy the test binary: %v", helperErr)
	}
	return helperPath
}

var (
	helperOnce sync.Once
	helperPath string
	helperDir  string
	helperErr  error
)

// runHelper runs exe in a helper mode, in dir, as cred (nil: ourselves),
// with stdin as its input, and returns its stdout.
func runHelper(t *testing.T, exe, mode, dir string, cred *syscall.Credential, stdin []byte) []byte {
	t.Helper()
	cmd := exec.Command(exe)
	cmd.Dir = dir
	cmd.Env = []string{helperEnv + "=" + mode, noRaceSleep}
	cmd.Stdin = bytes.NewReader(stdin)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helper %s: %v\n%s", mode, err, stderr.String())
	}
	return out
}
