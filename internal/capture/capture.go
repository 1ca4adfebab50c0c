// Package capture takes a child's output from its pipe to where the
// configuration sends it: the channel's log file (with rotation), syslog,
// the main log at debug level, and hooks for events. It follows
// supervisor.dispatchers.POutputDispatcher.
//
// Concurrency: Pump runs on one goroutine per pipe and is the only writer of
// its Sink; Reopen, Clear and Close may be called from any goroutine (the
// file writer has its own lock). While a pipe is empty Pump holds no buffer:
// it waits for readability through the runtime's poller and borrows a
// buffer from a pool only to read, so an idle daemon with thousands of
// children keeps little memory.
package capture

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"log/syslog"
	"os"
	"strings"
	"sync"
	"syscall"

	"github.com/supervisorgo/supervisor/internal/logfile"
	"github.com/supervisorgo/supervisor/internal/mainlog"
)

// Options describe one output channel of one process.
type Options struct {
	Process  string // process name, for syslog and the main log
	Channel  string // "stdout" or "stderr"
	Path     string // log file; "" for none
	MaxBytes int64
	Backups  int
	Syslog   bool
	// StripANSI removes ANSI escape sequences (supervisord strip_ansi).
	StripANSI bool
	// MainLog, if set and enabled at debug level, gets a copy of the output
	// as "'name' stdout output:\n<data>".
	MainLog *slog.Logger
	// OnData sees every chunk written to the log (PROCESS_LOG events).
	OnData func(data []byte)
}

// Sink is where one channel's output goes.
type Sink struct {
	opts   Options
	file   *logfile.Writer
	syslog *syslog.Writer
	debug  bool
}

// Open opens the channel's log file (creating it) and syslog connection.
func Open(opts Options) (*Sink, error) {
	s := &Sink{opts: opts}
	if opts.Path != "" {
		w, err := logfile.New(logfile.Options{Path: opts.Path, MaxBytes: opts.MaxBytes, Backups: opts.Backups})
		if err != nil {
			return nil, err
		}
		s.file = w
	}
	if opts.Syslog {
		w, err := syslog.New(syslog.LOG_INFO|syslog.LOG_USER, "supervisord")
		if err == nil {
			s.syslog = w
		}
	}
	if opts.MainLog != nil {
		s.debug = opts.MainLog.Enabled(context.Background(), slog.LevelDebug)
	}
	return s, nil
}

// Write logs one chunk of output (POutputDispatcher._log).
func (s *Sink) Write(data []byte) (int, error) {
	n := len(data)
	if n == 0 {
		return 0, nil
	}
	if s.opts.StripANSI {
		data = StripEscapes(data)
	}
	var err error
	if s.file != nil {
		_, err = s.file.Write(data)
	}
	if s.syslog != nil {
		for _, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
			s.syslog.Info(s.opts.Process + " " + line)
		}
	}
	if s.debug {
		s.opts.MainLog.Debug(mainlog.OutputMessage(s.opts.Process, s.opts.Channel, data), "program", s.opts.Process)
	}
	if s.opts.OnData != nil {
		s.opts.OnData(data)
	}
	return n, err
}

// Reopen reopens the log file (SIGUSR2).
func (s *Sink) Reopen() error {
	if s.file == nil {
		return nil
	}
	return s.file.Reopen()
}

// Clear empties the log file (clearProcessLogs).
func (s *Sink) Clear() error {
	if s.file == nil {
		return nil
	}
	return s.file.Clear()
}

// Close closes the log file and syslog connection.
func (s *Sink) Close() error {
	var errs []error
	if s.file != nil {
		errs = append(errs, s.file.Close())
	}
	if s.syslog != nil {
		errs = append(errs, s.syslog.Close())
	}
	return errors.Join(errs...)
}

var _ io.WriteCloser = (*Sink)(nil)

// escapeBegin and the terminators are the reference's ANSI_ESCAPE_BEGIN and
// ANSI_TERMINATORS.
var escapeBegin = []byte("\x1b[")

const terminators = "HfABCDRsuJKhlpm"

// StripEscapes is supervisor.dispatchers.stripEscapes: from each ESC '['
// up to and including the next terminator letter is removed. Like the
// reference it works on one chunk at a time.
func StripEscapes(s []byte) []byte {
	var out []byte
	show := true
	for i := 0; i < len(s); i++ {
		if !show {
			if strings.IndexByte(terminators, s[i]) >= 0 {
				show = true
			}
			continue
		}
		n := bytes.Index(s[i:], escapeBegin)
		if n < 0 {
			return append(out, s[i:]...)
		}
		out = append(out, s[i:i+n]...)
		i += n
		show = false
	}
	return out
}

// bufSize is the most read from a pipe at once (the reference reads up to
// 128 KiB; a pipe holds 64 KiB by default).
const bufSize = 64 << 10

var buffers = sync.Pool{New: func() any { b := make([]byte, bufSize); return &b }}

// Pump copies f (a pipe's read end) to w until EOF or an error, holding no
// buffer while the pipe is empty. It closes nothing.
func Pump(f *os.File, w io.Writer) error {
	rc, err := f.SyscallConn()
	if err != nil {
		_, err = io.Copy(w, f)
		return err
	}
	for {
		var (
			n    int
			rerr error
			bp   *[]byte
		)
		err := rc.Read(func(fd uintptr) bool {
			bp = buffers.Get().(*[]byte)
			n, rerr = syscall.Read(int(fd), *bp)
			if rerr == syscall.EAGAIN {
				buffers.Put(bp)
				bp = nil
				return false
			}
			return true
		})
		if err != nil {
			return ignoreClosed(err)
		}
		if n > 0 {
			w.Write((*bp)[:n])
		}
		if bp != nil {
			buffers.Put(bp)
		}
		if rerr == syscall.EINTR {
			continue
		}
		if rerr != nil {
			return ignoreClosed(rerr)
		}
		if n == 0 {
			return nil
		}
	}
}

// ignoreClosed treats a pipe closed under Pump (the owner gave up waiting
// for EOF) as the end. RawConn.Read reports it with internal/poll's
// unexported ErrFileClosing, recognisable only by its text.
func ignoreClosed(err error) error {
	if errors.Is(err, os.ErrClosed) || errors.Is(err, os.ErrDeadlineExceeded) ||
		strings.Contains(err.Error(), "use of closed file") {
		return nil
	}
	return err
}
