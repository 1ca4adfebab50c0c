package mainlog

// Differential tests against Python Supervisor 4.2.5 (Debian's supervisor
// package). The same script of steps runs through the reference's
// ServerOptions.make_logger (with its parse_criticals/warnings/infos),
// Logger methods, POutputDispatcher._log and ServerOptions.reopenlogs, and
// through Open, Pending, OutputMessage and Outputs.Reopen. The files both
// produce (main log, rotated backups, renamed files, the stdout copy) must
// be equal line by line once the timestamps are masked, and so must the
// messages sent to syslog.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supervisorgo/supervisor/internal/config"
)

const referencePython = "/usr/bin/python3"

const installHint = "install Debian's supervisor package (apt-get install supervisor python3), " +
	"which provides the reference implementation these differential tests compare against"

// refStep is one action of a differential case.
type refStep struct {
	Op      string `json:"op"`                // "log", "output", "rename", "reopen"
	Level   string `json:"level,omitempty"`   // log: CRIT ... BLAT
	Msg     string `json:"msg,omitempty"`     // log
	Name    string `json:"name,omitempty"`    // output: process name
	Channel string `json:"channel,omitempty"` // output: stdout or stderr
	Data    []byte `json:"data,omitempty"`    // output: the chunk (base64 in JSON)
	From    string `json:"from,omitempty"`    // rename
	To      string `json:"to,omitempty"`      // rename
}

// refCase is the input of the reference script: make_logger's settings,
// the parse messages, and the steps. File names are relative to the
// directory the script runs in.
type refCase struct {
	name      string
	Level     config.LogLevel `json:"level"`
	Logfile   string          `json:"logfile"`
	MaxBytes  int64           `json:"maxbytes"`
	Backups   int             `json:"backups"`
	Nodaemon  bool            `json:"nodaemon"`
	Silent    bool            `json:"silent"`
	Criticals []string        `json:"criticals"`
	Warnings  []string        `json:"warnings"`
	Infos     []string        `json:"infos"`
	Steps     []refStep       `json:"steps"`
}

// stdoutName is the file standing for supervisord's stdout in both runs.
const stdoutName = "stdout.txt"

const makeLoggerScript = `
import json, os, sys, types
try:
    from supervisor import loggers, dispatchers, events
    from supervisor.options import ServerOptions
except ImportError as e:
    sys.stderr.write('%s\n' % e)
    sys.exit(3)

spec = json.load(sys.stdin)
syslogged = []
# SyslogHandler._syslog exists for stubbing (loggers.py).
loggers.SyslogHandler._syslog = lambda self, msg: syslogged.append(msg)

# make_logger copies the log to sys.stdout; stand a text file in for it.
real_stdout = sys.stdout
sys.stdout = open('` + stdoutName + `', 'w', encoding='utf-8')

opts = ServerOptions()
opts.loglevel = spec['level']
opts.logfile = spec['logfile']
opts.logfile_maxbytes = spec['maxbytes']
opts.logfile_backups = spec['backups']
opts.nodaemon = spec['nodaemon']
opts.silent = spec['silent']
opts.strip_ansi = False
opts.parse_criticals = spec['criticals'] or []
opts.parse_warnings = spec['warnings'] or []
opts.parse_infos = spec['infos'] or []
opts.make_logger()

methods = {'CRIT': 'critical', 'ERRO': 'error', 'WARN': 'warn', 'INFO': 'info',
           'DEBG': 'debug', 'TRAC': 'trace', 'BLAT': 'blather'}

def channel_config(name):
    c = types.SimpleNamespace(name=name, options=opts,
                              stdout_events_enabled=False, stderr_events_enabled=False)
    for ch in ('stdout', 'stderr'):
        setattr(c, ch + '_logfile', None)
        setattr(c, ch + '_logfile_maxbytes', 0)
        setattr(c, ch + '_logfile_backups', 0)
        setattr(c, ch + '_syslog', False)
        setattr(c, ch + '_capture_maxbytes', 0)
    return c

import base64
for step in spec['steps']:
    op = step['op']
    if op == 'log':
        getattr(opts.logger, methods[step['level']])(step.get('msg', ''))
    elif op == 'output':
        proc = types.SimpleNamespace(config=channel_config(step['name']), pid=4242)
        ev = {'stdout': events.ProcessCommunicationStdoutEvent,
              'stderr': events.ProcessCommunicationStderrEvent}[step['channel']]
        d = dispatchers.POutputDispatcher(proc, ev, 99)
        d._log(base64.b64decode(step.get('data') or ''))
    elif op == 'rename':
        os.rename(step['from'], step['to'])
    elif op == 'reopen':
        opts.reopenlogs()
    else:
        raise ValueError(op)

opts.close_logger()
sys.stdout.close()
real_stdout.write(json.dumps({'syslog': syslogged}))
`

// runReference runs the script for c in dir. It fails the test (never skips
// it) when Python or the supervisor module is missing, and when the script
// writes anything to stderr (the reference's handlers report their errors
// there with a traceback).
func runReference(t *testing.T, dir string, c refCase) (syslogged []string) {
	t.Helper()
	if _, err := os.Stat(referencePython); err != nil {
		t.Fatalf("reference interpreter %s: %v: %s", referencePython, err, installHint)
	}
	in, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), referencePython, "-c", makeLoggerScript)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1", "PYTHONNOUSERSITE=1")
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	if exitErr := (*exec.ExitError)(nil); errors.As(err, &exitErr) && exitErr.ExitCode() == 3 {
		t.Fatalf("reference module not importable by %s: %s: %s", referencePython,
			strings.TrimSpace(stderr.String()), installHint)
	}
	if err != nil {
		t.Fatalf("reference script: %v\nstderr:\n%s", err, stderr.String())
	}
	if stderr.Len() > 0 {
		t.Fatalf("reference script wrote to stderr:\n%s", stderr.String())
	}
	var out struct {
		Syslog []string `json:"syslog"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("decoding reference output: %v\n%s", err, stdout.String())
	}
	return out.Syslog
}

// recordingSyslog is a SyslogWriter that keeps the messages.
type recordingSyslog struct {
	mu     sync.Mutex
	msgs   []string
	closed bool
}

func (s *recordingSyslog) Info(m string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("recordingSyslog: closed")
	}
	s.msgs = append(s.msgs, m)
	return nil
}

func (s *recordingSyslog) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}

func (s *recordingSyslog) messages() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.msgs)
}

var levelsByName = map[string]slog.Level{
	"CRIT": LevelCritical, "ERRO": LevelError, "WARN": LevelWarn, "INFO": LevelInfo,
	"DEBG": LevelDebug, "TRAC": LevelTrace, "BLAT": LevelBlather,
}

// runOurs runs c through this package in dir, as the daemon would.
func runOurs(t *testing.T, dir string, c refCase) (syslogged []string) {
	t.Helper()
	abs := func(name string) string { return filepath.Join(dir, name) }
	stdout, err := os.Create(abs(stdoutName))
	if err != nil {
		t.Fatal(err)
	}
	defer stdout.Close()
	sd := config.Supervisord{
		Logfile: c.Logfile, LogfileMaxBytes: c.MaxBytes, LogfileBackups: c.Backups,
		LogLevel: c.Level, Nodaemon: c.Nodaemon, Silent: c.Silent,
	}
	if sd.Logfile != SyslogTarget {
		sd.Logfile = abs(sd.Logfile)
	}
	opts := OptionsFromConfig(&sd, stdout)
	sys := &recordingSyslog{}
	opts.Syslog = sys
	logger, outputs, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	// Added in an order the reference does not use: Flush must sort them.
	var pending Pending
	for _, m := range c.Infos {
		pending.Info(m)
	}
	for _, m := range c.Warnings {
		pending.Warn(m)
	}
	for _, m := range c.Criticals {
		pending.Critical(m)
	}
	ctx := context.Background()
	pending.Flush(ctx, logger)
	for _, s := range c.Steps {
		switch s.Op {
		case "log":
			level, ok := levelsByName[s.Level]
			if !ok {
				t.Fatalf("bad level %q", s.Level)
			}
			logger.Log(ctx, level, s.Msg, "program", "test", "pid", 1)
		case "output":
			logger.Log(ctx, LevelDebug, OutputMessage(s.Name, s.Channel, s.Data), "program", s.Name)
		case "rename":
			if err := os.Rename(abs(s.From), abs(s.To)); err != nil {
				t.Fatal(err)
			}
		case "reopen":
			if err := outputs.Reopen(); err != nil {
				t.Fatal(err)
			}
		default:
			t.Fatalf("bad op %q", s.Op)
		}
	}
	if err := outputs.Close(); err != nil {
		t.Fatal(err)
	}
	return sys.messages()
}

// tsPattern is the reference's asctime at the start of a line, followed by
// the space before the level.
var tsPattern = regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} `)

const tsMask = "<asctime> "

func maskTimestamps(s string) string {
	return tsPattern.ReplaceAllLiteralString(s, tsMask)
}

func readDirFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = string(b)
	}
	return files
}

// compareLines compares two texts line by line with timestamps masked.
func compareLines(t *testing.T, what, got, want string) {
	t.Helper()
	g := strings.SplitAfter(maskTimestamps(got), "\n")
	w := strings.SplitAfter(maskTimestamps(want), "\n")
	for i := range max(len(g), len(w)) {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			t.Errorf("%s line %d:\n got: %q\nwant: %q", what, i+1, gl, wl)
			return
		}
	}
}

func logAllLevels(format string) []refStep {
	var steps []refStep
	for _, lv := range levels {
		steps = append(steps, refStep{Op: "log", Level: lv.name, Msg: fmt.Sprintf(format, lv.name)})
	}
	return steps
}

// richSteps exercise every kind of message at every level.
func richSteps() []refStep {
	steps := logAllLevels("a message at %s")
	for _, lv := range levels {
		steps = append(steps,
			refStep{Op: "log", Level: lv.name, Msg: "spawned: 'web' with pid 123"},
			refStep{Op: "log", Level: lv.name, Msg: "first line\nsecond line\n\nfourth line"})
	}
	steps = append(steps,
		refStep{Op: "log", Level: "INFO", Msg: "100% done, 50%% left, %s %d %(name)s %"},
		refStep{Op: "log", Level: "INFO", Msg: "unicode: héllo wörld ✓ 日本語 😀 \u200b zero width"},
		refStep{Op: "log", Level: "WARN", Msg: "ends with a newline\n"},
		refStep{Op: "log", Level: "WARN", Msg: ""},
		refStep{Op: "log", Level: "ERRO", Msg: "tab\there, carriage\rreturn, escape \x1b[31mred\x1b[0m"},
		refStep{Op: "log", Level: "CRIT", Msg: "\n\nleading newlines"},
		refStep{Op: "output", Name: "web", Channel: "stdout", Data: []byte("hello\nworld\n")},
		refStep{Op: "output", Name: "web", Channel: "stderr", Data: []byte("no newline at end")},
		refStep{Op: "output", Name: "it's", Channel: "stdout", Data: []byte("quote in name\n")},
		refStep{Op: "output", Name: `a"b'c\d`, Channel: "stdout", Data: []byte("both quotes\n")},
		refStep{Op: "output", Name: "café", Channel: "stdout", Data: []byte("unicode ✓ 100%\n")},
		refStep{Op: "output", Name: "web", Channel: "stdout", Data: []byte("\xff\xfe bad utf-8 \xc3")},
		refStep{Op: "output", Name: "web", Channel: "stderr", Data: []byte("it's \"split\" \xe2\x9c\n\t\r\x00\x7f\\")},
		refStep{Op: "output", Name: "web", Channel: "stderr", Data: []byte("\x1b[31mred\x1b[0m\n")},
	)
	return steps
}

var parseMessages = struct{ criticals, warnings, infos []string }{
	criticals: []string{MsgRunningAsRoot},
	warnings: []string{
		`No file matches via include "/etc/supervisor/conf.d/*.conf"`,
		"For [program:x], AUTO logging used for stdout_logfile without rollover, " +
			"set maxbytes > 0 to avoid filling up filesystem unintentionally",
	},
	infos: []string{
		`Included extra file "/etc/supervisor/x.conf" during parsing`,
		SetUIDMessage(1000),
		RlimitMessage("RLIMIT_NOFILE", 1024),
	},
}

func manyLines(n int) []refStep {
	steps := make([]refStep, n)
	for i := range steps {
		steps[i] = refStep{Op: "log", Level: "INFO", Msg: fmt.Sprintf("line %d %s", i, strings.Repeat("x", i%17))}
	}
	return steps
}

func referenceCases() []refCase {
	withParse := func(c refCase) refCase {
		c.Criticals, c.Warnings, c.Infos = parseMessages.criticals, parseMessages.warnings, parseMessages.infos
		return c
	}
	return []refCase{
		withParse(refCase{name: "blather shows everything", Level: config.LevelBlather, Logfile: "main.log", Steps: richSteps()}),
		withParse(refCase{name: "info filters", Level: config.LevelInfo, Logfile: "main.log", Steps: richSteps()}),
		withParse(refCase{name: "debug", Level: config.LevelDebug, Logfile: "main.log", Steps: richSteps()}),
		withParse(refCase{name: "trace", Level: config.LevelTrace, Logfile: "main.log", Steps: richSteps()}),
		withParse(refCase{name: "critical only", Level: config.LevelCritical, Logfile: "main.log", Steps: richSteps()}),
		{name: "rotation", Level: config.LevelInfo, Logfile: "main.log", MaxBytes: 400, Backups: 3, Steps: manyLines(40)},
		{name: "rotation with fewer backups than files", Level: config.LevelInfo, Logfile: "main.log",
			MaxBytes: 200, Backups: 2, Steps: manyLines(60)},
		{name: "backups 0 truncates", Level: config.LevelInfo, Logfile: "main.log", MaxBytes: 300, Steps: manyLines(30)},
		withParse(refCase{name: "nodaemon copies to stdout", Level: config.LevelDebug, Logfile: "main.log",
			Nodaemon: true, Steps: richSteps()}),
		withParse(refCase{name: "nodaemon and silent", Level: config.LevelDebug, Logfile: "main.log",
			Nodaemon: true, Silent: true, Steps: richSteps()}),
		{name: "reopen after external rename", Level: config.LevelInfo, Logfile: "main.log", MaxBytes: 1 << 20, Backups: 2,
			Steps: slices.Concat(
				logAllLevels("before rename %s"),
				[]refStep{{Op: "rename", From: "main.log", To: "main.log.old"}},
				logAllLevels("after rename, before reopen %s"),
				[]refStep{{Op: "reopen"}},
				logAllLevels("after reopen %s"),
			)},
		withParse(refCase{name: "syslog", Level: config.LevelBlather, Logfile: SyslogTarget, Nodaemon: true, Steps: richSteps()}),
		{name: "syslog at info", Level: config.LevelInfo, Logfile: SyslogTarget, Steps: richSteps()},
	}
}

// TestReferenceMakeLogger is the differential test described at the top of
// this file.
func TestReferenceMakeLogger(t *testing.T) {
	for _, c := range referenceCases() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			refDir, ourDir := t.TempDir(), t.TempDir()
			refSyslog := runReference(t, refDir, c)
			ourSyslog := runOurs(t, ourDir, c)

			ref, ours := readDirFiles(t, refDir), readDirFiles(t, ourDir)
			if r, o := slices.Sorted(maps.Keys(ref)), slices.Sorted(maps.Keys(ours)); !slices.Equal(r, o) {
				t.Fatalf("files: got %q, want %q", o, r)
			}
			nonEmpty := 0
			for name, want := range ref {
				compareLines(t, name, ours[name], want)
				if want != "" {
					nonEmpty++
				}
			}
			if nonEmpty == 0 && len(refSyslog) == 0 {
				t.Fatal("the reference produced nothing: the case tests nothing")
			}
			if len(ourSyslog) != len(refSyslog) {
				t.Fatalf("syslog: got %d messages, want %d:\n got: %q\nwant: %q",
					len(ourSyslog), len(refSyslog), ourSyslog, refSyslog)
			}
			for i := range refSyslog {
				compareLines(t, fmt.Sprintf("syslog message %d", i), ourSyslog[i], refSyslog[i])
			}
		})
	}
}

// TestTimestamp checks the masked part: local time, milliseconds
// truncated, and the time of the record.
func TestTimestamp(t *testing.T) {
	var buf bytes.Buffer
	h := NewHandler(&buf, nil)
	ctx := context.Background()

	at := time.Date(2024, 2, 29, 23, 59, 58, 999_999_999, time.UTC)
	r := slog.NewRecord(at, LevelInfo, "fixed", 0)
	if err := h.Handle(ctx, r); err != nil {
		t.Fatal(err)
	}
	want := at.Local().Format("2006-01-02 15:04:05") + ",999 INFO fixed\n"
	if got := buf.String(); got != want {
		t.Errorf("got %q, want %q", got, want)
	}

	buf.Reset()
	before := time.Now().Truncate(time.Millisecond)
	slog.New(h).Info("now")
	after := time.Now()
	line := buf.String()
	if !tsPattern.MatchString(line) || !strings.HasSuffix(line, " INFO now\n") {
		t.Fatalf("line %q does not match %v", line, tsPattern)
	}
	ts, err := time.ParseInLocation("2006-01-02 15:04:05,000", strings.TrimSpace(tsPattern.FindString(line)), time.Local)
	if err != nil {
		t.Fatal(err)
	}
	if ts.Before(before) || ts.After(after) {
		t.Errorf("timestamp %v not within [%v, %v]", ts, before, after)
	}

	// A zero time (a record built by hand) is stamped with the current time.
	buf.Reset()
	if err := h.Handle(ctx, slog.NewRecord(time.Time{}, LevelWarn, "zero", 0)); err != nil {
		t.Fatal(err)
	}
	if line := buf.String(); !tsPattern.MatchString(line) || strings.HasPrefix(line, "0001") {
		t.Errorf("zero time: %q", line)
	}
}
