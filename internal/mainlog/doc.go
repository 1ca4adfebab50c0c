// Package mainlog is supervisord's main log: a log/slog Handler that writes
// the reference's line format to the main log file (with rotation), to the
// local syslog, and to stdout, following supervisor.loggers and
// ServerOptions.make_logger of Supervisor 4.2.5.
//
// # Format
//
// Each record is one line, `%(asctime)s %(levelname)s %(message)s\n`:
//
//	2024-05-01 12:34:56,789 INFO spawned: 'web' with pid 123
//
// The time is local, with milliseconds truncated; the level is one of CRIT
// ERRO WARN INFO DEBG TRAC BLAT (see LevelName; LevelCritical ...
// LevelBlather are the slog levels, in the reference's order, with slog's
// own Debug, Info, Warn and Error among them). The message is the text the
// reference prints, which users and scripts grep for, so callers format it
// completely (fmt.Sprintf("spawned: '%s' with pid %d", ...)) and put the
// same facts in attributes with the project's stable keys (program, group,
// pid, ...). The attributes are not written: the reference's format has
// none. HandlerOptions.AppendAttrs appends them as key=value pairs, and the
// records keep them for any other handler combined with this one through
// slog.NewMultiHandler.
//
// A message is written as it is, and no % formatting is applied to it (the
// reference only applies it when keyword arguments are given). A multi-line
// message, such as a child's output copied at DEBG (OutputMessage), spans
// several lines of the file; only the first has the timestamp and level.
//
// # Outputs
//
// Open builds the outputs of make_logger, in its order: a copy to stdout
// (Options.Stdout; the daemon sets it when nodaemon is true and silent is
// false), then either the log file, rotated by logfile.Writer after every
// record that brings it to logfile_maxbytes, or, for logfile=syslog, the
// local syslog. All outputs get the same line with the same timestamp. The
// syslog output sends every line of the message as its own syslog message,
// each formatted with the timestamp and level in front, all at priority
// LOG_INFO|LOG_USER with the tag "supervisord" (SyslogHandler.emit, Python's
// syslog.syslog without openlog). The level (loglevel) filters every output.
//
// Messages gathered before the log exists (configuration warnings, the
// running-as-root critical, set-uid and rlimit infos) wait in a Pending and
// are logged by Pending.Flush right after Open, criticals first, then
// warnings, then infos, as make_logger does.
//
// # Concurrency
//
// Handlers and Outputs are safe for concurrent use and start no goroutines.
// Handle formats the record into a private buffer, then hands the finished
// line to each output in turn; each output has a mutex held for that one
// write (one Write call of the whole line for the file and stdout, all the
// lines of the record for syslog), so records never interleave within an
// output and a multi-line record stays together. The locks are held across
// the write system calls: a stalled stdout stalls the goroutines that log.
// Two records logged concurrently may reach stdout and the file in
// different orders; records logged by one goroutine keep their order
// everywhere. Reopen and Close may run at any time: the file's own lock
// (logfile.Writer) orders them with the writes.
package mainlog
