package mainlog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supervisorgo/supervisor/internal/config"
)

var refLevels = []config.LogLevel{
	config.LevelCritical, config.LevelError, config.LevelWarn, config.LevelInfo,
	config.LevelDebug, config.LevelTrace, config.LevelBlather,
}

func TestLevelConstantsOrder(t *testing.T) {
	for i := 1; i < len(levels); i++ {
		if levels[i-1].level <= levels[i].level || levels[i-1].ref <= levels[i].ref {
			t.Errorf("%s is not above %s", levels[i-1].name, levels[i].name)
		}
	}
	for _, c := range []struct {
		ours, slogs slog.Level
	}{{LevelDebug, slog.LevelDebug}, {LevelInfo, slog.LevelInfo}, {LevelWarn, slog.LevelWarn}, {LevelError, slog.LevelError}} {
		if c.ours != c.slogs {
			t.Errorf("%v != slog's %v", c.ours, c.slogs)
		}
	}
}

func TestLevelFromConfigKeepsTheFilter(t *testing.T) {
	// Every configured number, named or not, must let through exactly the
	// levels the reference lets through (record level >= handler level).
	for n := config.LogLevel(-1); n <= 60; n++ {
		filter := LevelFromConfig(n)
		for i, r := range refLevels {
			if want, got := r >= n, levels[i].level >= filter; got != want {
				t.Errorf("loglevel %d, message at %s: passes = %t, want %t", n, levels[i].name, got, want)
			}
		}
	}
	for _, lv := range levels {
		if got := LevelFromConfig(lv.ref); got != lv.level {
			t.Errorf("LevelFromConfig(%d) = %v, want %v", lv.ref, got, lv.level)
		}
	}
}

func TestLevelName(t *testing.T) {
	tests := []struct {
		level slog.Level
		want  string
	}{
		{LevelCritical, "CRIT"}, {LevelCritical + 100, "CRIT"},
		{LevelError, "ERRO"}, {LevelError + 1, "ERRO"},
		{LevelWarn, "WARN"}, {LevelInfo, "INFO"}, {LevelInfo + 2, "INFO"}, {LevelInfo - 1, "DEBG"},
		{LevelDebug, "DEBG"}, {LevelTrace, "TRAC"}, {LevelBlather, "BLAT"}, {LevelBlather - 50, "BLAT"},
		{slog.LevelInfo, "INFO"}, {slog.LevelWarn, "WARN"}, {slog.LevelError, "ERRO"}, {slog.LevelDebug, "DEBG"},
	}
	for _, tc := range tests {
		if got := LevelName(tc.level); got != tc.want {
			t.Errorf("LevelName(%v) = %q, want %q", tc.level, got, tc.want)
		}
	}
}

func TestLevelFiltering(t *testing.T) {
	tests := []struct {
		name     string
		loglevel config.LogLevel
		want     []string
	}{
		{"critical", config.LevelCritical, []string{"CRIT"}},
		{"error", config.LevelError, []string{"CRIT", "ERRO"}},
		{"warn", config.LevelWarn, []string{"CRIT", "ERRO", "WARN"}},
		{"info", config.LevelInfo, []string{"CRIT", "ERRO", "WARN", "INFO"}},
		{"debug", config.LevelDebug, []string{"CRIT", "ERRO", "WARN", "INFO", "DEBG"}},
		{"trace", config.LevelTrace, []string{"CRIT", "ERRO", "WARN", "INFO", "DEBG", "TRAC"}},
		{"blather", config.LevelBlather, []string{"CRIT", "ERRO", "WARN", "INFO", "DEBG", "TRAC", "BLAT"}},
		{"above critical", 60, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			logger := slog.New(NewHandler(&buf, &HandlerOptions{Level: LevelFromConfig(tc.loglevel)}))
			for _, lv := range levels {
				logger.Log(context.Background(), lv.level, "at "+lv.name)
			}
			var got []string
			for line := range strings.Lines(buf.String()) {
				f := strings.Fields(line)
				if len(f) != 5 || f[4] != f[2] {
					t.Fatalf("bad line %q", line)
				}
				got = append(got, f[2])
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestDefaultLevelIsInfo(t *testing.T) {
	h := NewHandler(&bytes.Buffer{}, nil)
	if h.Enabled(context.Background(), LevelDebug) || !h.Enabled(context.Background(), LevelInfo) {
		t.Error("the default level is not INFO")
	}
	var lv slog.LevelVar
	lv.Set(LevelCritical)
	h = NewHandler(&bytes.Buffer{}, &HandlerOptions{Level: &lv})
	if h.Enabled(context.Background(), LevelError) {
		t.Error("LevelVar not honoured")
	}
	lv.Set(LevelBlather)
	if !h.Enabled(context.Background(), LevelBlather) {
		t.Error("LevelVar change not honoured")
	}
}

// body strips the timestamp, which TestTimestamp checks.
func body(t *testing.T, s string) string {
	t.Helper()
	if !tsPattern.MatchString(s) {
		t.Fatalf("no timestamp in %q", s)
	}
	return maskTimestamps(s)
}

func TestAttributes(t *testing.T) {
	stringer := slog.AnyValue(errors.New("boom"))
	tests := []struct {
		name   string
		append bool
		log    func(l *slog.Logger)
		want   string
	}{
		{"not printed by default", false, func(l *slog.Logger) {
			l.With("group", "g").WithGroup("x").Info("spawned: 'web' with pid 123", "program", "web", "pid", 123)
		}, "<asctime> INFO spawned: 'web' with pid 123\n"},
		{"appended", true, func(l *slog.Logger) {
			l.Info("spawned: 'web' with pid 123", "program", "web", "pid", 123)
		}, "<asctime> INFO spawned: 'web' with pid 123 program=web pid=123\n"},
		{"with attrs and groups", true, func(l *slog.Logger) {
			l.With("group", "g").WithGroup("proc").With("program", "web").Warn("m", "pid", 1, slog.Group("st", "from", "RUNNING"), slog.Group("empty"))
		}, "<asctime> WARN m group=g proc.program=web proc.pid=1 proc.st.from=RUNNING\n"},
		{"quoting", true, func(l *slog.Logger) {
			l.Error("m", "err", stringer.Any(), "msg", "two words", "empty", "", "eq", "a=b", "nl", "a\nb", "uni", "café")
		}, "<asctime> ERRO m err=boom msg=\"two words\" empty=\"\" eq=\"a=b\" nl=\"a\\nb\" uni=café\n"},
		{"after a multi-line message", true, func(l *slog.Logger) {
			l.Debug("'web' stdout output:\nhello\n", "program", "web")
		}, "<asctime> DEBG 'web' stdout output:\nhello\n program=web\n"},
		{"time and duration", true, func(l *slog.Logger) {
			l.Info("m", "at", time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC), "d", 1500*time.Millisecond)
		}, "<asctime> INFO m at=2024-01-02T03:04:05.000000006Z d=1.5s\n"},
		{"empty attr dropped", true, func(l *slog.Logger) {
			l.Info("m", slog.Attr{}, "k", "v")
		}, "<asctime> INFO m k=v\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			tc.log(slog.New(NewHandler(&buf, &HandlerOptions{Level: LevelBlather, AppendAttrs: tc.append})))
			if got := body(t, buf.String()); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestWithAttrsDoesNotShareState(t *testing.T) {
	var buf bytes.Buffer
	base := slog.New(NewHandler(&buf, &HandlerOptions{AppendAttrs: true})).With("a", 1)
	l1, l2 := base.With("b", 2), base.With("c", 3)
	l1.Info("one")
	l2.Info("two")
	base.Info("three")
	want := "<asctime> INFO one a=1 b=2\n<asctime> INFO two a=1 c=3\n<asctime> INFO three a=1\n"
	if got := body(t, buf.String()); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestOptionsFromConfig(t *testing.T) {
	var stdout bytes.Buffer
	sd := config.Supervisord{Logfile: "/var/log/supervisord.log", LogfileMaxBytes: 50 << 20, LogfileBackups: 10,
		LogLevel: config.LevelDebug}
	tests := []struct {
		nodaemon, silent bool
		wantStdout       bool
	}{{false, false, false}, {false, true, false}, {true, false, true}, {true, true, false}}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("nodaemon=%t silent=%t", tc.nodaemon, tc.silent), func(t *testing.T) {
			sd := sd
			sd.Nodaemon, sd.Silent = tc.nodaemon, tc.silent
			opts := OptionsFromConfig(&sd, &stdout)
			if (opts.Stdout != nil) != tc.wantStdout {
				t.Errorf("stdout copy = %t, want %t", opts.Stdout != nil, tc.wantStdout)
			}
			if opts.Logfile != sd.Logfile || opts.MaxBytes != sd.LogfileMaxBytes || opts.Backups != sd.LogfileBackups ||
				opts.Level != LevelDebug || opts.AppendAttrs {
				t.Errorf("options %+v from %+v", opts, sd)
			}
		})
	}
}

func TestOpenMissingDirectory(t *testing.T) {
	_, _, err := Open(Options{Logfile: filepath.Join(t.TempDir(), "missing", "main.log")})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Open in a missing directory: %v, want an fs.ErrNotExist", err)
	}
}

func TestOpenAppends(t *testing.T) {
	path := filepath.Join(t.TempDir(), "main.log")
	if err := os.WriteFile(path, []byte("old line\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	logger, out, err := Open(Options{Logfile: path})
	if err != nil {
		t.Fatal(err)
	}
	logger.Info("new line")
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	if want := "old line\n<asctime> INFO new line\n"; maskTimestamps(string(got)) != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestReopenAfterExternalRename(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "main.log")
	var stdout bytes.Buffer
	logger, out, err := Open(Options{Logfile: path, MaxBytes: 1 << 20, Backups: 3, Stdout: &stdout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { out.Close() })
	logger.Info("one")
	if err := os.Rename(path, path+"-20240101"); err != nil { // what logrotate does
		t.Fatal(err)
	}
	logger.Info("two")
	if err := out.Reopen(); err != nil {
		t.Fatal(err)
	}
	logger.Info("three")

	old, _ := os.ReadFile(path + "-20240101")
	cur, _ := os.ReadFile(path)
	if want := "<asctime> INFO one\n<asctime> INFO two\n<asctime> INFO supervisord logreopen\n"; maskTimestamps(string(old)) != want {
		t.Errorf("renamed file: got %q, want %q", old, want)
	}
	if want := "<asctime> INFO three\n"; maskTimestamps(string(cur)) != want {
		t.Errorf("reopened file: got %q, want %q", cur, want)
	}
	if want := "<asctime> INFO one\n<asctime> INFO two\n<asctime> INFO supervisord logreopen\n<asctime> INFO three\n"; maskTimestamps(stdout.String()) != want {
		t.Errorf("stdout: got %q, want %q", stdout.String(), want)
	}

	// Reopen also recreates a file that was deleted.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := out.Reopen(); err != nil {
		t.Fatal(err)
	}
	logger.Warn("four")
	cur, _ = os.ReadFile(path)
	if want := "<asctime> WARN four\n"; maskTimestamps(string(cur)) != want {
		t.Errorf("recreated file: got %q, want %q", cur, want)
	}
}

func TestClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "main.log")
	sys := &recordingSyslog{}
	var stdout bytes.Buffer
	logger, out, err := Open(Options{Logfile: path, Stdout: &stdout})
	if err != nil {
		t.Fatal(err)
	}
	slogger, sout, err := Open(Options{Logfile: SyslogTarget, Syslog: sys})
	if err != nil {
		t.Fatal(err)
	}
	logger.Info("before")
	slogger.Info("before")
	for range 2 { // idempotent
		if err := out.Close(); err != nil {
			t.Fatal(err)
		}
		if err := sout.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if !sys.closed {
		t.Error("syslog connection not closed")
	}
	logger.Info("after")
	slogger.Info("after")
	if err := logger.Handler().Handle(context.Background(), slog.NewRecord(time.Now(), LevelInfo, "x", 0)); !errors.Is(err, ErrClosed) {
		t.Errorf("Handle after Close: %v, want ErrClosed", err)
	}
	if err := out.Reopen(); !errors.Is(err, ErrClosed) {
		t.Errorf("Reopen after Close: %v, want ErrClosed", err)
	}
	got, _ := os.ReadFile(path)
	if maskTimestamps(string(got)) != "<asctime> INFO before\n" || maskTimestamps(stdout.String()) != "<asctime> INFO before\n" {
		t.Errorf("file %q, stdout %q", got, stdout.String())
	}
	if msgs := sys.messages(); len(msgs) != 1 {
		t.Errorf("syslog got %q", msgs)
	}
}

func TestSyslogSplitsLines(t *testing.T) {
	sys := &recordingSyslog{}
	logger, out, err := Open(Options{Logfile: SyslogTarget, Syslog: sys, Level: LevelDebug})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	logger.Debug(OutputMessage("web", "stdout", []byte("a\n\nb\n\n\n")))
	logger.Info("")
	logger.Info("\n")
	var got []string
	for _, m := range sys.messages() {
		got = append(got, maskTimestamps(m))
	}
	want := []string{
		"<asctime> DEBG 'web' stdout output:\n", "<asctime> DEBG a\n", "<asctime> DEBG \n", "<asctime> DEBG b\n",
		"<asctime> INFO \n",
		"<asctime> INFO \n",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	// All the lines of one record carry its timestamp.
	msgs := sys.messages()
	for _, m := range msgs[1:4] {
		if m[:23] != msgs[0][:23] {
			t.Errorf("timestamps differ: %q, %q", msgs[0], m)
		}
	}
}

func TestSyslogUnreachable(t *testing.T) {
	dials := 0
	failing := func() (SyslogWriter, error) {
		dials++
		return nil, errors.New("no syslog daemon")
	}
	sys := &recordingSyslog{}
	tgt := &syslogTarget{dial: failing}
	h := newHandler(&core{targets: []target{tgt}}, nil)
	logger := slog.New(h)
	logger.Info("lost")
	if err := h.Handle(context.Background(), slog.NewRecord(time.Now(), LevelInfo, "lost too", 0)); err == nil {
		t.Error("no error from an unreachable syslog")
	}
	if dials != 2 {
		t.Errorf("dialled %d times, want one per record", dials)
	}
	tgt.dial = func() (SyslogWriter, error) { return sys, nil }
	logger.Info("delivered")
	if got := sys.messages(); len(got) != 1 || !strings.HasSuffix(got[0], " INFO delivered\n") {
		t.Errorf("got %q", got)
	}
}

// TestConcurrentWriters logs two-line records from many goroutines to a
// rotating file and to stdout, and checks that every record arrives whole,
// exactly once, with its two lines together, in each goroutine's order.
func TestConcurrentWriters(t *testing.T) {
	const (
		workers = 16
		each    = 300
	)
	dir := t.TempDir()
	path := filepath.Join(dir, "main.log")
	var stdout bytes.Buffer
	// Backups enough to keep every rotated file.
	logger, out, err := Open(Options{Logfile: path, MaxBytes: 8 << 10, Backups: 1000, Stdout: &stdout, Level: LevelDebug})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			l := logger.With("worker", w)
			for i := range each {
				l.Log(context.Background(), levels[i%5].level,
					fmt.Sprintf("worker %d record %d %s\ncontinued %d %d", w, i, strings.Repeat("x", i%40), w, i))
			}
		})
	}
	// Reopen concurrently, as SIGUSR2 can arrive at any time.
	wg.Go(func() {
		for range 20 {
			if err := out.Reopen(); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Wait()
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}

	// The file's history: backups from the oldest (highest number) down,
	// then the current file.
	var file strings.Builder
	entries, _ := os.ReadDir(dir)
	for n := len(entries); n >= 1; n-- {
		b, err := os.ReadFile(path + "." + strconv.Itoa(n))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		} else if err != nil {
			t.Fatal(err)
		}
		file.Write(b)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	file.Write(b)
	if len(entries) < 3 {
		t.Fatalf("only %d files: the test did not rotate", len(entries))
	}
	checkRecords(t, "file", file.String(), workers, each)
	checkRecords(t, "stdout", stdout.String(), workers, each)
}

var (
	headLine = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (CRIT|ERRO|WARN|INFO|DEBG) worker (\d+) record (\d+) x*$`)
	contLine = regexp.MustCompile(`^continued (\d+) (\d+)$`)
)

func checkRecords(t *testing.T, what, text string, workers, each int) {
	t.Helper()
	next := make([]int, workers)
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	reopens := 0
	for i := 0; i < len(lines); i++ {
		if strings.HasSuffix(lines[i], " INFO supervisord logreopen") && tsPattern.MatchString(lines[i]) {
			reopens++
			continue
		}
		m := headLine.FindStringSubmatch(lines[i])
		if m == nil || i+1 == len(lines) {
			t.Fatalf("%s line %d: broken record %q", what, i+1, lines[i])
		}
		w, _ := strconv.Atoi(m[2])
		n, _ := strconv.Atoi(m[3])
		if want := levels[n%5].name; m[1] != want || len(lines[i])-strings.LastIndexByte(lines[i], ' ')-1 != n%40 {
			t.Fatalf("%s line %d: mangled record %q", what, i+1, lines[i])
		}
		c := contLine.FindStringSubmatch(lines[i+1])
		if c == nil || c[1] != m[2] || c[2] != m[3] {
			t.Fatalf("%s line %d: %q does not follow %q", what, i+2, lines[i+1], lines[i])
		}
		i++
		if w >= workers || n != next[w] {
			t.Fatalf("%s line %d: worker %d record %d, want record %d", what, i, w, n, next[w])
		}
		next[w]++
	}
	for w, n := range next {
		if n != each {
			t.Errorf("%s: worker %d has %d records, want %d", what, w, n, each)
		}
	}
	if reopens != 20 {
		t.Errorf("%s: %d reopen messages, want 20", what, reopens)
	}
}
