// Package capture takes a child's output from its pipe to where the
// configuration sends it: the channel's log file (with rotation), syslog,
// the main log at debug level, and hooks for events. It follows
// supervisor.dispatchers.POutputDispatcher.
//
// Concurrency: one goroutine at a time writes to a Sink: the daemon's
// output loop (package pump), or, where it has none, Pump, on one goroutine
// per pipe. Reopen, Clear and Close may be called from any goroutine (the
// file writer has its own lock). While a pipe is empty Pump holds no buffer:
// it waits for readability through the runtime's poller and borrows a
// buffer from a pool only to read, so an idle daemon with thousands of
// children keeps little memory.
package capture

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/supervisorgo/supervisor/internal/python"
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
	Process string // process name, for syslog and the main log
	Channel string // "stdout" or "stderr"
	Path    string // log file; "" for none
	// Deferred: the log file need not exist yet and is created by the
	// first write (logfile.Options.Deferred): an AUTO log, which the daemon
	// creates itself.
	Deferred bool
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
	// CaptureMaxBytes > 0 turns on capture mode: output between
	// <!--XSUPERVISOR:BEGIN--> and <!--XSUPERVISOR:END--> goes to a buffer
	// of that size instead of the log, and OnComm gets it at the end token
	// (PROCESS_COMMUNICATION events).
	CaptureMaxBytes int64
	OnComm          func(data []byte)
}

// The capture mode tokens (supervisor.events.ProcessCommunicationEvent).
var (
	BeginToken = []byte("<!--XSUPERVISOR:BEGIN-->")
	EndToken   = []byte("<!--XSUPERVISOR:END-->")
)

// Sink is where one channel's output goes.
type Sink struct {
	opts   Options
	file   *logfile.Writer
	syslog *syslog.Writer
	debug  bool

	// Capture mode (POutputDispatcher.record_output); used by Write only.
	pending   []byte // output not yet logged: it may hold part of a token
	capturing bool
	captured  []byte // the capture log (a BoundIO)
}

// Open opens the channel's log file (creating it) and syslog connection.
func Open(opts Options) (*Sink, error) {
	s := &Sink{opts: opts}
	if opts.Path != "" {
		// Lazy: an idle program's logs hold no descriptor until it writes.
		w, err := logfile.New(logfile.Options{Path: opts.Path, MaxBytes: opts.MaxBytes, Backups: opts.Backups, Lazy: true, Deferred: opts.Deferred})
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

// Write logs one chunk of output, looking for capture-mode tokens when
// capture mode is on (POutputDispatcher.record_output).
func (s *Sink) Write(data []byte) (int, error) {
	n := len(data)
	if s.opts.CaptureMaxBytes <= 0 {
		return n, s.log(data)
	}
	s.pending = append(s.pending, data...)
	var errs []error
	for {
		token := BeginToken
		if s.capturing {
			token = EndToken
		}
		if len(s.pending) <= len(token) {
			break // not enough data to tell
		}
		data := s.pending
		s.pending = nil
		i := bytes.Index(data, token)
		if i < 0 {
			if k := prefixAtEnd(data, token); k > 0 {
				s.pending = append([]byte(nil), data[len(data)-k:]...)
				data = data[:len(data)-k]
			}
			errs = append(errs, s.log(data))
			break
		}
		errs = append(errs, s.log(data[:i]))
		s.toggle()
		s.pending = append([]byte(nil), data[i+len(token):]...)
		if len(s.pending) == 0 {
			break
		}
	}
	return n, errors.Join(errs...)
}

// prefixAtEnd is asynchat's find_prefix_at_end: the length of the longest
// proper prefix of token that data ends with.
func prefixAtEnd(data, token []byte) int {
	l := len(token) - 1
	for l > 0 && !bytes.HasSuffix(data, token[:l]) {
		l--
	}
	return l
}

// toggle is POutputDispatcher.toggle_capturemode.
func (s *Sink) toggle() {
	s.capturing = !s.capturing
	if s.capturing {
		return
	}
	data := s.captured
	s.captured = nil
	if s.opts.OnComm != nil {
		s.opts.OnComm(data)
	}
	if s.debug {
		s.opts.MainLog.Debug(fmt.Sprintf("%s %s emitted a comm event", python.Repr(s.opts.Process), s.opts.Channel), "program", s.opts.Process)
	}
}

// log is POutputDispatcher._log: to the log file and syslog (or, in
// capture mode, the capture buffer), the main log at debug level, and
// OnData.
func (s *Sink) log(data []byte) error {
	if len(data) == 0 {
		return nil
	}
	if s.opts.StripANSI {
		data = StripEscapes(data)
	}
	var err error
	switch {
	case s.capturing:
		// BoundIO.write: past maxbytes, as many bytes as are written are
		// dropped from the front first.
		if int64(len(s.captured)+len(data)) > s.opts.CaptureMaxBytes {
			s.captured = s.captured[min(len(data), len(s.captured)):]
		}
		s.captured = append(s.captured, data...)
	default:
		if s.file != nil {
			_, err = s.file.Write(data)
		}
		if s.syslog != nil {
			for _, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
				s.syslog.Info(s.opts.Process + " " + line)
			}
		}
	}
	if s.debug {
		s.opts.MainLog.Debug(mainlog.OutputMessage(s.opts.Process, s.opts.Channel, data), "program", s.opts.Process)
	}
	if s.opts.OnData != nil {
		s.opts.OnData(data)
	}
	return err
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
