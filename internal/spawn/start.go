package spawn

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/supervisorgo/supervisor/internal/config"
)

// Options describes one child to start.
type Options struct {
	// Name is the process name, used in the reference's spawn error texts
	// ("too many open files to spawn 'x'").
	Name string
	// Path is the file to execute and Argv its argument vector, as Argv
	// returns them. Argv[0] is the word of the command, not Path.
	Path string
	Argv []string
	// Env is the child's whole environment (see Env); nil means
	// supervisord's own.
	Env []string
	// Dir is the directory to change to before the exec, "" for none.
	Dir string
	// Umask, if not nil, is the child's umask (see the package doc for
	// how it is set).
	Umask *int
	// UID, if not nil, is the user to run as (the program's user=): the
	// child gets that uid, the user's primary gid and supplementary groups,
	// as ServerOptions.drop_privileges does. HOME, USER and LOGNAME are not
	// changed.
	UID *int
	// RedirectStderr sends the child's fd 2 into its stdout pipe; the
	// child then has no stderr pipe.
	RedirectStderr bool
	// Stdin, if not nil, is the child's fd 0 instead of a pipe (the socket
	// of an fcgi-program). It stays the caller's; Start calls its Fd
	// method, which puts it in blocking mode.
	Stdin *os.File
	// NoStdin gives the child /dev/null as fd 0 instead of a pipe
	// (ignored when Stdin is set).
	NoStdin bool
	// ExtraFiles become the child's fds 3, 4, ... They stay the caller's.
	// The reference has no such thing: its children get fds 0-2 only.
	ExtraFiles []*os.File
	// Pdeathsig, if not 0, is sent to the child when the thread of
	// supervisord that started it dies (Linux only; the reference has no
	// such option). Go threads only end with a goroutine that locked its
	// thread and exited without unlocking, so in practice it is sent when
	// supervisord dies.
	Pdeathsig syscall.Signal
	// Raw hands the output pipes and the exit to a caller that watches
	// many children at once (one epoll loop): Child.Stdout and
	// Child.Stderr are nil and the read ends are Child.StdoutFD and
	// Child.StderrFD instead, non-blocking descriptors that Go's poller
	// never sees; and when the child has a pidfd (Child.Pidfd, Linux 5.3
	// and later) no reaper goroutine is started: the caller calls
	// Child.Reap once the pidfd is readable.
	Raw bool

	// Test seams: getuid replaces os.Getuid; standIn replaces the stand-in
	// shell ("-" means none, so that the synthetic child is used).
	getuid  func() int
	standIn string
}

// Prepare builds the Options for a process of the configuration: its
// command resolved by Argv (program environment PATH, else supervisord's,
// read from environ), its environment by Env, its directory, umask, user
// and redirect_stderr. environ is supervisord's environment
// (NewEnviron(os.Environ())) and serverURL the fallback URL
// (config.Config.ServerURL). An fcgi program's socket (Options.Stdin) is
// the caller's to add.
//
// The error is Argv's: an *Error whose Msg is the spawnerr.
func Prepare(p *config.Process, environ *Environ, serverURL string) (Options, error) {
	lookupPATH, _ := environ.Lookup("PATH")
	path, argv, err := Argv(p.Command, p.Environment, lookupPATH)
	if err != nil {
		return Options{}, err
	}
	o := Options{
		Name:           p.Name,
		Path:           path,
		Argv:           argv,
		Env:            environ.Child(p, serverURL),
		Dir:            p.Directory,
		Umask:          p.Umask,
		RedirectStderr: p.RedirectStderr,
	}
	if p.User != "" {
		uid := p.UID
		o.UID = &uid
	}
	return o, nil
}

// umaskMu guards the process-wide umask: a spawn that sets a umask holds
// it exclusively from before the fork to after the exec, every other spawn
// holds it shared, so no child inherits another program's umask. It is the
// package's only global state, as the umask is the process's.
var umaskMu sync.RWMutex

// Start starts a child as Subprocess.spawn does once get_execv_args has
// succeeded: pipes, fork, then in the child setpgrp, fds, user, directory,
// umask and execve. ctx is only checked before starting: the child's life is
// not tied to it.
//
// A spawn error (the pipes or the fork failed) is an *Error with Kind
// PipeFailed or ForkFailed and the reference's spawnerr as Msg; nothing is
// left open then. A failure inside the child (user, directory, exec) is not
// an error, as in the reference: Start returns a Child that has written
// "supervisor: couldn't ...: ENOENT" and "supervisor: child process was
// not spawned" to its fd 2 and exits with status 127 (see the package doc).
func Start(ctx context.Context, o Options) (*Child, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(o.Argv) == 0 {
		return nil, &Error{Kind: BadCommand, Msg: "command is empty"}
	}
	if o.Pdeathsig != 0 && !pdeathsigSupported {
		return nil, fmt.Errorf("spawn %s: no parent-death signal on %s", o.Name, runtime.GOOS)
	}
	pp, err := makePipes(o)
	if err != nil {
		var errno syscall.Errno
		errors.As(err, &errno)
		msg := fmt.Sprintf("unknown error making dispatchers for '%s': %s", o.Name, errnoName(errno, err))
		if errno == syscall.EMFILE {
			msg = fmt.Sprintf("too many open files to spawn '%s'", o.Name)
		}
		return nil, &Error{Kind: PipeFailed, Msg: msg}
	}
	defer pp.closeChildEnds()
	c := &Child{Stdin: pp.stdin, StdoutFD: -1, StderrFD: -1, pidfd: -1, raw: o.Raw, done: make(chan struct{})}
	if o.Raw {
		c.StdoutFD, c.StderrFD = pp.stdout, pp.stderr
	} else {
		c.Stdout, c.Stderr = pollable(pp.stdout, "|1"), pollable(pp.stderr, "|2")
	}
	pp.stdout, pp.stderr = -1, -1 // the Child's now
	files := []uintptr{uintptr(pp.child[0]), uintptr(pp.child[1]), uintptr(pp.child[2])}
	for _, f := range o.ExtraFiles {
		files = append(files, f.Fd())
	}

	cred, failure := o.credential()
	if failure != "" {
		// _spawn_as_child: the user is set first, so neither the directory
		// nor the exec is tried.
		c.stillborn(o, files[:3], fmt.Sprintf("couldn't setuid to %d: %s\n", *o.UID, failure))
		return c, nil
	}
	sys := &syscall.SysProcAttr{Setpgid: true, Credential: cred}
	setPdeathsig(sys, o.Pdeathsig)
	pid, pidfd, err := startProcess(o, files, sys)
	runtime.KeepAlive(o.ExtraFiles)
	if err != nil {
		var errno syscall.Errno
		errors.As(err, &errno)
		switch errno {
		case syscall.EAGAIN:
			c.ClosePipes()
			return nil, &Error{Kind: ForkFailed, Msg: fmt.Sprintf("Too many processes in process table to spawn '%s'", o.Name)}
		case syscall.ENOMEM:
			c.ClosePipes()
			return nil, &Error{Kind: ForkFailed, Msg: fmt.Sprintf("unknown error during fork for '%s': %s", o.Name, errnoName(errno, err))}
		}
		var msg string
		if chdirFails(o.Dir, cred) {
			msg = fmt.Sprintf("couldn't chdir to %s: %s\n", o.Dir, errnoName(errno, err))
		} else {
			msg = fmt.Sprintf("couldn't exec %s: %s\n", o.Argv[0], errnoName(errno, err))
		}
		c.stillborn(o, files[:3], msg)
		return c, nil
	}
	c.run(pid, pidfd)
	return c, nil
}

// startProcess forks and execs under umaskMu, setting the umask around
// the fork when the child needs one. It returns the child's pid and, where
// the kernel gives one, its pidfd (else -1).
func startProcess(o Options, files []uintptr, sys *syscall.SysProcAttr) (pid, pidfd int, err error) {
	if o.Umask != nil {
		umaskMu.Lock()
		defer umaskMu.Unlock()
		old := syscall.Umask(*o.Umask)
		defer syscall.Umask(old)
	} else {
		umaskMu.RLock()
		defer umaskMu.RUnlock()
	}
	env := o.Env
	if env == nil {
		env = syscall.Environ()
	}
	return forkExec(o.Path, o.Argv, &syscall.ProcAttr{Dir: o.Dir, Env: env, Files: files, Sys: sys})
}

// pollable wraps a non-blocking descriptor in an os.File that uses Go's
// poller; nil for -1.
func pollable(fd int, name string) *os.File {
	if fd < 0 {
		return nil
	}
	return os.NewFile(uintptr(fd), name)
}

// errnoName is errno.errorcode.get(code, code): "ENOENT", or the number
// when Python has no name for it; an error that is no errno gives its text.
func errnoName(errno syscall.Errno, err error) string {
	if errno == 0 {
		return err.Error()
	}
	if n, ok := errnoNames[errno]; ok {
		return n
	}
	return strconv.Itoa(int(errno))
}

// pipes are the two ends of the child's standard fds.
type pipes struct {
	stdin          *os.File // parent end; nil when absent
	stdout, stderr int      // parent read ends, non-blocking; -1 when absent
	child          [3]int   // the child's fds 0, 1, 2
	ownedFiles     []*os.File
	ownedFDs       []int // child ends to close after the fork
}

// makePipes is ServerOptions.make_pipes: stdin, stdout and, unless
// redirected, stderr pipes. The parent ends are non-blocking, the child's
// blocking; every end is close-on-exec.
func makePipes(o Options) (_ *pipes, err error) {
	pp := &pipes{stdout: -1, stderr: -1}
	defer func() {
		if err != nil {
			pp.closeParentEnds()
			pp.closeChildEnds()
		}
	}()
	switch {
	case o.Stdin != nil:
		pp.child[0] = int(o.Stdin.Fd())
	case o.NoStdin:
		f, err := os.Open(os.DevNull)
		if err != nil {
			return nil, err
		}
		pp.ownedFiles = append(pp.ownedFiles, f)
		pp.child[0] = int(f.Fd())
	default:
		r, w, err := os.Pipe()
		if err != nil {
			return nil, err
		}
		pp.stdin = w
		pp.ownedFiles = append(pp.ownedFiles, r)
		pp.child[0] = int(r.Fd())
	}
	r, w, err := readPipe()
	if err != nil {
		return nil, err
	}
	pp.stdout, pp.child[1], pp.child[2] = r, w, w
	pp.ownedFDs = append(pp.ownedFDs, w)
	if !o.RedirectStderr {
		r, w, err := readPipe()
		if err != nil {
			return nil, err
		}
		pp.stderr, pp.child[2] = r, w
		pp.ownedFDs = append(pp.ownedFDs, w)
	}
	return pp, nil
}

// readPipe makes a pipe whose read end (the parent's) is non-blocking and
// whose write end (the child's) is blocking, both close-on-exec.
func readPipe() (r, w int, err error) {
	p, err := pipeCloexec()
	if err != nil {
		return -1, -1, os.NewSyscallError("pipe2", err)
	}
	if err := syscall.SetNonblock(p[0], true); err != nil {
		syscall.Close(p[0])
		syscall.Close(p[1])
		return -1, -1, os.NewSyscallError("fcntl", err)
	}
	return p[0], p[1], nil
}

func (pp *pipes) closeChildEnds() {
	for _, f := range pp.ownedFiles {
		f.Close()
	}
	for _, fd := range pp.ownedFDs {
		syscall.Close(fd)
	}
	pp.ownedFiles, pp.ownedFDs = nil, nil
}

func (pp *pipes) closeParentEnds() {
	if pp.stdin != nil {
		pp.stdin.Close()
	}
	for _, fd := range []int{pp.stdout, pp.stderr} {
		if fd >= 0 {
			syscall.Close(fd)
		}
	}
}

// credential is ServerOptions.drop_privileges, decided in the parent: the
// credential to give the child (nil to keep supervisord's), or the message
// the reference's child writes after "couldn't setuid to <uid>: ".
func (o *Options) credential() (*syscall.Credential, string) {
	if o.UID == nil {
		return nil, ""
	}
	uid := *o.UID
	u, err := user.LookupId(strconv.Itoa(uid))
	if err != nil {
		return nil, fmt.Sprintf("Can't find uid %d", uid)
	}
	getuid := os.Getuid
	if o.getuid != nil {
		getuid = o.getuid
	}
	switch cur := getuid(); {
	case cur == uid:
		return nil, ""
	case cur != 0:
		return nil, "Can't drop privilege as nonroot user"
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return nil, fmt.Sprintf("Can't find uid %d", uid)
	}
	// The primary group first, then every group listing the user as a
	// member (os/user's list also holds the primary group: skip it).
	groups := []uint32{uint32(gid)}
	if ids, err := u.GroupIds(); err == nil {
		for _, s := range ids {
			if g, err := strconv.Atoi(s); err == nil && g != gid {
				groups = append(groups, uint32(g))
			}
		}
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: groups}, ""
}

// chdirFails tells, after a failed fork/exec, whether the child's chdir
// is what failed (Go's child reports only an errno, not the step). It
// checks what chdir needs: the directory exists, is a directory and can be
// searched by the child's user. With a credential the search permission is
// read from mode bits (ACLs are not consulted).
func chdirFails(dir string, cred *syscall.Credential) bool {
	if dir == "" {
		return false
	}
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		return true
	}
	if cred == nil {
		return access(dir, 1 /* X_OK */) != nil
	}
	if cred.Uid == 0 {
		return false
	}
	p := filepath.Clean(dir)
	var prefixes []string
	if filepath.IsAbs(p) {
		prefixes = append(prefixes, "/")
	} else {
		prefixes = append(prefixes, ".")
	}
	acc := ""
	if filepath.IsAbs(p) {
		acc = "/"
	}
	for _, part := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
		if part == "" || part == "." {
			continue
		}
		acc = filepath.Join(acc, part)
		prefixes = append(prefixes, acc)
	}
	for _, d := range prefixes {
		st, err := os.Stat(d)
		if err != nil || !searchable(st, cred) {
			return true
		}
	}
	return false
}

// searchable reads the execute (search) bit that applies to cred.
func searchable(st fs.FileInfo, cred *syscall.Credential) bool {
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return true
	}
	mode := st.Mode().Perm()
	if sys.Uid == cred.Uid {
		return mode&0o100 != 0
	}
	inGroup := sys.Gid == cred.Gid
	for _, g := range cred.Groups {
		inGroup = inGroup || sys.Gid == g
	}
	if inGroup {
		return mode&0o010 != 0
	}
	return mode&0o001 != 0
}
