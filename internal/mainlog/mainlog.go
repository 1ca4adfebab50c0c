package mainlog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"log/syslog"
	"sync"

	"github.com/supervisorgo/supervisor/internal/config"
	"github.com/supervisorgo/supervisor/internal/logfile"
)

// SyslogTarget is the magic logfile value that sends the main log to the
// local syslog instead of a file (loggers.handle_file).
const SyslogTarget = "syslog"

// SyslogTag is the ident of the main log's syslog messages. The reference
// never calls openlog, so Python's syslog module uses the base name of
// sys.argv[0], which is supervisord.
const SyslogTag = "supervisord"

// reopenMessage is logged at INFO before the files are reopened
// (ServerOptions.reopenlogs).
const reopenMessage = "supervisord logreopen"

// SyslogWriter is the part of *syslog.Writer the syslog output uses. Every
// line goes out with Info: the reference calls syslog.syslog(msg), whose
// priority is always LOG_INFO whatever the record's level.
type SyslogWriter interface {
	Info(m string) error
	Close() error
}

// Options configures the main log (the [supervisord] logfile, loglevel,
// nodaemon and silent settings).
type Options struct {
	// Logfile is the main log's path, or SyslogTarget. Empty means no file
	// (the reference always has one; this serves tests and tools that
	// only want the stdout copy).
	Logfile string
	// MaxBytes and Backups are logfile_maxbytes and logfile_backups: the
	// file rotates as logfile.Writer describes. MaxBytes 0 never rotates.
	MaxBytes int64
	Backups  int
	// Level is the minimum level written; nil means LevelInfo. Use
	// LevelFromConfig for the configuration's loglevel.
	Level slog.Leveler
	// Stdout, if not nil, gets a copy of every line, before the file or
	// syslog does. The daemon passes os.Stdout when nodaemon is set and
	// silent is not. It is never closed.
	Stdout io.Writer
	// AppendAttrs appends structured attributes to the lines of every
	// output (see HandlerOptions). Off by default.
	AppendAttrs bool
	// Syslog is used when Logfile is SyslogTarget. Nil means the local
	// syslog daemon through log/syslog (facility LOG_USER, tag SyslogTag).
	Syslog SyslogWriter
}

// OptionsFromConfig returns the Options that make_logger derives from the
// [supervisord] section: logfile, logfile_maxbytes, logfile_backups,
// loglevel, and a copy of the log on stdout when nodaemon is set and silent
// is not.
func OptionsFromConfig(sd *config.Supervisord, stdout io.Writer) Options {
	opts := Options{
		Logfile:  sd.Logfile,
		MaxBytes: sd.LogfileMaxBytes,
		Backups:  sd.LogfileBackups,
		Level:    LevelFromConfig(sd.LogLevel),
	}
	if sd.Nodaemon && !sd.Silent {
		opts.Stdout = stdout
	}
	return opts
}

// Outputs owns the files and connections behind the main log's handler:
// it reopens them on SIGUSR2 and closes them.
type Outputs struct {
	core   *core
	logger *slog.Logger
	file   *logfile.Writer // nil unless Logfile is a path
	syslog *syslogTarget   // nil unless Logfile is SyslogTarget

	closeOnce sync.Once
	closeErr  error
}

// Open builds the main log as ServerOptions.make_logger does: a copy on
// opts.Stdout if set, then the file (created if missing and opened for
// appending, rotated as logfile.Writer describes) or the syslog. It returns
// the logger to pass to the rest of the daemon and the Outputs to reopen
// and close. Opening a file that cannot be created is an error (the
// reference dies with a traceback there; a logfile in a directory that does
// not exist is already refused by the configuration).
//
// A syslog daemon that cannot be reached is not an error: as with the
// reference's syslog.syslog, the lines are lost until one answers (the
// connection is retried at every record).
func Open(opts Options) (*slog.Logger, *Outputs, error) {
	o := &Outputs{core: &core{}}
	if opts.Stdout != nil {
		o.core.targets = append(o.core.targets, &writerTarget{w: opts.Stdout})
	}
	switch opts.Logfile {
	case "":
	case SyslogTarget:
		o.syslog = &syslogTarget{w: opts.Syslog}
		if opts.Syslog == nil {
			o.syslog.dial = dialSyslog
			if w, err := dialSyslog(); err == nil {
				o.syslog.w = w
			}
		}
		o.core.targets = append(o.core.targets, o.syslog)
	default:
		w, err := logfile.New(logfile.Options{Path: opts.Logfile, MaxBytes: opts.MaxBytes, Backups: opts.Backups})
		if err != nil {
			return nil, nil, fmt.Errorf("mainlog: %w", err)
		}
		o.file = w
		o.core.targets = append(o.core.targets, &writerTarget{w: w})
	}
	h := newHandler(o.core, &HandlerOptions{Level: opts.Level, AppendAttrs: opts.AppendAttrs})
	o.logger = slog.New(h)
	return o.logger, o, nil
}

func dialSyslog() (SyslogWriter, error) {
	w, err := syslog.New(syslog.LOG_INFO|syslog.LOG_USER, SyslogTag)
	if err != nil {
		return nil, fmt.Errorf("mainlog: syslog: %w", err)
	}
	return w, nil
}

// Reopen follows ServerOptions.reopenlogs, which supervisord runs on
// SIGUSR2: it logs INFO "supervisord logreopen" (still to the old file),
// then closes the log file and opens the same path again for appending,
// creating it if an external tool such as logrotate renamed it. The stdout
// copy and the syslog are left alone, as their reopen is a no-op in the
// reference.
func (o *Outputs) Reopen() error {
	if o.core.closed.Load() {
		return ErrClosed
	}
	o.logger.LogAttrs(context.Background(), LevelInfo, reopenMessage)
	if o.file == nil {
		return nil
	}
	if err := o.file.Reopen(); err != nil {
		return fmt.Errorf("mainlog: reopen: %w", err)
	}
	return nil
}

// Close closes the log file and the syslog connection (stdout is never
// closed). Later records are dropped and Handle returns ErrClosed. Close
// is idempotent and safe to call concurrently with logging; it returns
// after any write in progress on the file has finished.
func (o *Outputs) Close() error {
	o.closeOnce.Do(func() {
		o.core.closed.Store(true)
		var errs []error
		if o.file != nil {
			errs = append(errs, o.file.Close())
		}
		if o.syslog != nil {
			errs = append(errs, o.syslog.close())
		}
		o.closeErr = errors.Join(errs...)
	})
	return o.closeErr
}

var _ io.Closer = (*Outputs)(nil)

// Clear empties the main log (supervisor.clearLog: the file is removed and
// opened again). There is nothing to clear for syslog.
func (o *Outputs) Clear() error {
	if o.file == nil {
		return nil
	}
	return o.file.Clear()
}
