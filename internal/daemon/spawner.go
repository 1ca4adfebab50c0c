package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/supervisorgo/supervisor/internal/capture"
	"github.com/supervisorgo/supervisor/internal/config"
	"github.com/supervisorgo/supervisor/internal/events"
	"github.com/supervisorgo/supervisor/internal/listener"
	"github.com/supervisorgo/supervisor/internal/process"
	"github.com/supervisorgo/supervisor/internal/pump"
	"github.com/supervisorgo/supervisor/internal/spawn"
)

// After a child exited its output is read to the end of the pipes. When
// something else (a grandchild) keeps them open, they are closed as soon
// as they hold no unread byte (checked every drainPoll), or drainMax after
// the exit at the latest: what a grandchild writes later is lost, as in the
// reference, which reads once (drain) and closes.
const (
	drainPoll = 20 * time.Millisecond
	drainMax  = 5 * time.Second
)

// settleAfter is how long after the last spawn of the first burst (the
// start-up) the heap left by the start-up is returned to the system.
const settleAfter = time.Second

// spawner starts children (package spawn) and pumps their output into
// their logs (package capture). It implements process.Spawner.
//
// The output pipes of every child and their exits are watched by one
// pump.Loop, which reads the pipes into the sinks, reaps the children and
// calls back once a child's output has been read to its end: only then is
// its exit reported (Child.Done). Where the loop cannot be made (no epoll),
// each child gets a goroutine per pipe and one for its exit instead.
type spawner struct {
	environ   *spawn.Environ // supervisord's environment
	serverURL string
	log       *slog.Logger
	stripANSI bool

	// spawnMu is held shared by spawns and exclusively by reapOrphans, so
	// that a child is known (live) before the orphan reaper can see it.
	spawnMu sync.RWMutex

	mu    sync.Mutex
	live  map[int]bool                 // pids of our children not yet reaped
	stdin map[*config.Process]*os.File // the running child's stdin pipe
	sinks map[*config.Process]*sinks
	fcgi  map[string]*fcgiSocket // by group name
	wg    sync.WaitGroup         // children not yet reported, and their goroutines

	loop *pump.Loop // nil: a goroutine per pipe and per exit

	settleMu sync.Mutex
	settle   *time.Timer // frees the start-up's heap once spawns pause
	settled  bool

	// auto, if set, creates the AUTO log files once spawning pauses.
	auto *autoLogs

	// events, if set, gets the output events and knows the listener
	// pools; it is set before the first spawn.
	events *hub
}

type sinks struct {
	stdout, stderr *capture.Sink
	pid            atomic.Int64 // of the running child, for the output events
}

func newSpawner(cfg *config.Config, log *slog.Logger) *spawner {
	s := &spawner{environ: spawn.NewEnviron(os.Environ()), serverURL: cfg.ServerURL, log: log,
		stripANSI: cfg.Supervisord.StripANSI, sinks: map[*config.Process]*sinks{}, fcgi: map[string]*fcgiSocket{}, live: map[int]bool{},
		stdin: map[*config.Process]*os.File{}}
	if l, err := pump.New(pump.Options{DrainPoll: drainPoll, DrainMax: drainMax}); err == nil {
		s.loop = l
	} else {
		log.Debug(fmt.Sprintf("no output loop, a goroutine per pipe: %v", err))
	}
	return s
}

// spawned counts a spawn towards the start-up burst: when spawns pause
// for settleAfter the first time, the garbage of the start-up is collected
// and the free heap returned to the system (an idle daemon keeps it else).
func (s *spawner) spawned() {
	if s.auto != nil {
		s.auto.poke()
	}
	s.settleMu.Lock()
	defer s.settleMu.Unlock()
	switch {
	case s.settled:
	case s.settle == nil:
		s.settle = time.AfterFunc(settleAfter, func() {
			s.settleMu.Lock()
			s.settled = true
			s.settleMu.Unlock()
			debug.FreeOSMemory()
		})
	default:
		s.settle.Reset(settleAfter)
	}
}

// addFCGI prepares the socket of an fcgi-program group, creating it once
// to refuse a bad one at once as the reference does.
func (s *spawner) addFCGI(g *config.Group) error {
	sock := &fcgiSocket{cfg: g.Socket, log: s.log}
	if err := sock.check(); err != nil {
		return err
	}
	s.mu.Lock()
	s.fcgi[g.Name] = sock
	s.mu.Unlock()
	return nil
}

// sinksFor opens a process's logs on its first spawn; they stay open
// across restarts until the spawner is closed.
func (s *spawner) sinksFor(p *config.Process) (*sinks, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ks, ok := s.sinks[p]; ok {
		return ks, nil
	}
	ks := &sinks{}
	open := func(ch string, lf config.LogFile) (*capture.Sink, error) {
		o := capture.Options{Process: p.Name, Channel: ch, Path: lf.Path, Deferred: lf.Auto, MaxBytes: lf.MaxBytes,
			Backups: lf.Backups, Syslog: lf.Syslog, StripANSI: s.stripANSI, MainLog: s.log,
			CaptureMaxBytes: lf.CaptureMaxBytes}
		if p.EventListener && ch == "stdout" {
			// A listener's stdout is its protocol channel: it is logged,
			// but is neither captured nor turned into events.
			o.CaptureMaxBytes = 0
		} else if h := s.events; h != nil {
			if lf.EventsEnabled {
				o.OnData = func(data []byte) {
					h.bus.Publish(events.ProcessLogData(p.Name, p.Group, int(ks.pid.Load()), ch, data))
				}
			}
			o.OnComm = func(data []byte) {
				h.bus.Publish(events.ProcessCommunicationData(p.Name, p.Group, int(ks.pid.Load()), ch, data))
			}
		}
		return capture.Open(o)
	}
	out, err := open("stdout", p.Stdout)
	if err != nil {
		return nil, err
	}
	errSink, err := open("stderr", p.Stderr)
	if err != nil {
		out.Close()
		return nil, err
	}
	ks.stdout, ks.stderr = out, errSink
	s.sinks[p] = ks
	return ks, nil
}

// Spawn is process.Spawner.
func (s *spawner) Spawn(p *config.Process) (process.Child, error) {
	o, err := spawn.Prepare(p, s.environ, s.serverURL)
	if err != nil {
		return nil, err
	}
	o.Pdeathsig = p.ParentDeathSignal
	ks, err := s.sinksFor(p)
	if err != nil {
		return nil, &spawn.Error{Kind: spawn.PipeFailed, Msg: "unknown error making dispatchers for '" + p.Name + "': " + errText(err)}
	}
	var sock *fcgiSocket
	if p.FastCGI {
		s.mu.Lock()
		sock = s.fcgi[p.Group]
		s.mu.Unlock()
	}
	if sock != nil {
		f, err := sock.acquire()
		if err != nil {
			return nil, &spawn.Error{Kind: spawn.PipeFailed, Msg: fmt.Sprintf("Could not create FastCGI socket %s: %v", sock.cfg.URL, err)}
		}
		o.Stdin = f
	}
	o.Raw = s.loop != nil
	s.spawnMu.RLock()
	c, err := spawn.Start(context.Background(), o)
	if err == nil && c.Pid > 0 {
		s.mu.Lock()
		s.live[c.Pid] = true
		if c.Stdin != nil {
			s.stdin[p] = c.Stdin
		}
		s.mu.Unlock()
	}
	s.spawnMu.RUnlock()
	if err != nil {
		if sock != nil {
			sock.release()
		}
		return nil, err
	}
	s.spawned()
	lc := &liveChild{c: c, done: make(chan process.ExitStatus, 1)}
	ks.pid.Store(int64(c.Pid))
	var member *listener.Member
	if s.events != nil && p.EventListener {
		member = s.events.member(p)
	}
	var stdout io.Writer = ks.stdout
	if member != nil {
		member.Spawned(c.Stdin)
		stdout = listenerOutput{member, ks.stdout}
	}
	// reaped forgets the child's pid and stdin as soon as it is reaped;
	// finished reports the exit once its output has been read.
	reaped := func() {
		s.mu.Lock()
		delete(s.live, c.Pid)
		if s.stdin[p] == c.Stdin {
			delete(s.stdin, p)
		}
		s.mu.Unlock()
	}
	finished := func() {
		c.ClosePipes()
		if sock != nil {
			sock.release()
		}
		if member != nil {
			member.Exited()
		}
		es, err := c.Wait(context.Background())
		status := process.ExitStatus{Code: es.Code, Detail: es.Describe()}
		if err != nil {
			status = process.ExitStatus{Code: -1, Detail: "unknown termination cause: " + err.Error()}
		}
		lc.done <- status
	}
	s.wg.Add(1)
	if s.loop == nil {
		s.pumpGoroutines(c, stdout, ks.stderr, reaped, finished)
		return lc, nil
	}
	outputs := []pump.Output{{FD: c.StdoutFD, W: stdout}, {FD: c.StderrFD, W: ks.stderr}}
	done := func() {
		finished()
		s.wg.Done()
	}
	if member != nil && c.StdoutFD >= 0 {
		// A listener's stdout is its protocol, a round trip per event:
		// it is read on a goroutine of its own through the runtime's
		// poller, which wakes it sooner than the loop's epoll set (twice
		// the events per second). Its exit is reported once that pipe
		// is drained too.
		c.Stdout = os.NewFile(uintptr(c.StdoutFD), "|0")
		c.StdoutFD = -1
		outputs = outputs[1:]
		pumped := make(chan struct{})
		go func() {
			capture.Pump(c.Stdout, stdout)
			close(pumped)
		}()
		done = func() {
			go func() {
				awaitDrain(pumped, c.Stdout)
				c.Stdout.Close()
				<-pumped
				finished()
				s.wg.Done()
			}()
		}
	}
	w := pump.Watch{
		Outputs: outputs,
		Pidfd:   c.Pidfd(),
		Reap: func() bool {
			if !c.Reap() {
				return false
			}
			reaped()
			return true
		},
		Done: done,
	}
	c.StdoutFD, c.StderrFD = -1, -1 // the loop's now
	h := s.loop.Add(w)
	if w.Pidfd < 0 {
		// No pidfd: the spawn package's goroutine reaps the child.
		s.wg.Go(func() {
			<-c.Done()
			reaped()
			s.loop.Exited(h)
		})
	}
	return lc, nil
}

// pumpGoroutines is the path without a pump.Loop: a goroutine per pipe
// and one that waits for the exit, then for the drain (drainPoll,
// drainMax).
func (s *spawner) pumpGoroutines(c *spawn.Child, stdout, stderr io.Writer, reaped, finished func()) {
	var pumps sync.WaitGroup
	if c.Stdout != nil {
		pumps.Go(func() { capture.Pump(c.Stdout, stdout) })
	}
	if c.Stderr != nil {
		pumps.Go(func() { capture.Pump(c.Stderr, stderr) })
	}
	go func() {
		defer s.wg.Done()
		c.Wait(context.Background())
		reaped()
		drained := make(chan struct{})
		go func() { pumps.Wait(); close(drained) }()
		awaitDrain(drained, c.Stdout, c.Stderr)
		c.ClosePipes()
		<-drained
		finished()
	}()
}

// awaitDrain waits, once a child has exited, until its output pipes are
// read to the end (drained is closed), or hold no unread byte (checked
// every drainPoll: a grandchild keeps them open), or drainMax has passed.
func awaitDrain(drained <-chan struct{}, pipes ...*os.File) {
	exited := time.Now()
	tick := time.NewTicker(drainPoll)
	defer tick.Stop()
	for {
		select {
		case <-drained:
			return
		case now := <-tick.C:
			empty := true
			for _, f := range pipes {
				empty = empty && unread(f) == 0
			}
			if empty || now.Sub(exited) > drainMax {
				return
			}
		}
	}
}

func errText(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errnoNames[errno]
	}
	return err.Error()
}

var errnoNames = map[syscall.Errno]string{
	syscall.EACCES: "EACCES", syscall.ENOENT: "ENOENT", syscall.EMFILE: "EMFILE", syscall.ENOSPC: "ENOSPC",
	syscall.EISDIR: "EISDIR", syscall.EROFS: "EROFS",
}

// Errors of WriteStdin.
var (
	errNoStdin     = errors.New("process not running")
	errStdinClosed = errors.New("stdin closed")
)

// WriteStdin writes to the running child's stdin (sendProcessStdin).
func (s *spawner) WriteStdin(p *config.Process, data []byte) error {
	s.mu.Lock()
	f := s.stdin[p]
	s.mu.Unlock()
	if f == nil {
		return errNoStdin
	}
	if _, err := f.Write(data); err != nil {
		if errors.Is(err, syscall.EPIPE) || errors.Is(err, os.ErrClosed) {
			return errStdinClosed
		}
		return err
	}
	return nil
}

// ClearLogs empties a process's log files (clearProcessLogs); a process
// that never ran has no open logs and nothing is done, as in the reference.
func (s *spawner) ClearLogs(p *config.Process) error {
	s.mu.Lock()
	ks := s.sinks[p]
	s.mu.Unlock()
	if ks == nil {
		return nil
	}
	return errors.Join(ks.stdout.Clear(), ks.stderr.Clear())
}

// forget closes and drops the logs of the processes match selects, once
// they are removed (removeProcessGroup, a plugin's RemoveProcess): they
// are stopped, and their output was read to its end before their exit
// was reported. Without it an update that replaces a program would leave
// the old program's log open until the next reload.
func (s *spawner) forget(match func(*config.Process) bool) {
	s.mu.Lock()
	var gone []*sinks
	for p, ks := range s.sinks {
		if match(p) {
			gone = append(gone, ks)
			delete(s.sinks, p)
		}
	}
	s.mu.Unlock()
	for _, ks := range gone {
		ks.stdout.Close()
		ks.stderr.Close()
	}
}

// Reopen reopens every open child log (SIGUSR2).
func (s *spawner) Reopen() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ks := range s.sinks {
		ks.stdout.Reopen()
		ks.stderr.Reopen()
	}
}

// Close waits until every child's exit was reported, stops the output
// loop and closes every log; the children must be gone.
func (s *spawner) Close() {
	s.wg.Wait()
	if s.loop != nil {
		s.loop.Close()
	}
	s.settleMu.Lock()
	s.settled = true
	if s.settle != nil {
		s.settle.Stop()
	}
	s.settleMu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	for p, ks := range s.sinks {
		ks.stdout.Close()
		ks.stderr.Close()
		delete(s.sinks, p)
	}
}

// unread returns how many bytes wait in a pipe (FIONREAD); 0 for nil.
func unread(f *os.File) int {
	if f == nil {
		return 0
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return 0
	}
	n := 0
	rc.Control(func(fd uintptr) {
		var v int32
		if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCINQ, uintptr(unsafe.Pointer(&v))); errno == 0 {
			n = int(v)
		}
	})
	return n
}

// listenerOutput is a listener's stdout: its protocol, then its log.
type listenerOutput struct {
	m   *listener.Member
	log io.Writer
}

func (l listenerOutput) Write(p []byte) (int, error) {
	l.m.Output(p)
	return l.log.Write(p)
}

// liveChild adapts a spawn.Child to process.Child.
type liveChild struct {
	c    *spawn.Child
	done chan process.ExitStatus
}

func (l *liveChild) Pid() int                        { return l.c.Pid }
func (l *liveChild) Done() <-chan process.ExitStatus { return l.done }

func (l *liveChild) Signal(sig syscall.Signal, group bool) error {
	var err error
	if group {
		err = l.c.SignalGroup(sig)
	} else {
		err = l.c.Signal(sig)
	}
	if errors.Is(err, os.ErrProcessDone) {
		return syscall.ESRCH
	}
	return err
}

var _ process.Spawner = (*spawner)(nil)
