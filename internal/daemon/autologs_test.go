package daemon

import (
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/supervisorgo/supervisor/internal/config"
)

func autoGroup(names ...string) *config.Group {
	g := &config.Group{Name: "g"}
	for _, n := range names {
		g.Processes = append(g.Processes, &config.Process{Name: n, Group: "g",
			Stdout: config.LogFile{Auto: true}, Stderr: config.LogFile{Auto: true}})
	}
	return g
}

func autoPaths(g *config.Group) []string {
	var paths []string
	for _, p := range g.Processes {
		paths = append(paths, p.Stdout.Path, p.Stderr.Path)
	}
	return paths
}

// existing splits paths into those that exist (with their modes) and
// those that do not.
func existing(t *testing.T, paths []string) (modes map[string]os.FileMode, missing []string) {
	t.Helper()
	modes = map[string]os.FileMode{}
	for _, p := range paths {
		fi, err := os.Stat(p)
		switch {
		case err == nil:
			modes[p] = fi.Mode().Perm()
		case errors.Is(err, fs.ErrNotExist):
			missing = append(missing, p)
		default:
			t.Fatal(err)
		}
	}
	return modes, missing
}

// TestAutoLogsStartup: during the start-up the first AUTO file of a
// directory is created at once and the others once spawning has been
// quiet for autoLogQuiet, or when a reader asks for one.
func TestAutoLogsStartup(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		sd := config.Supervisord{ChildLogDir: dir, Identifier: "supervisor"}
		a := newAutoLogs(slog.New(slog.DiscardHandler))
		defer a.close()
		g := autoGroup("a", "b", "c")
		if err := a.resolve(g, sd); err != nil {
			t.Fatal(err)
		}
		a.startupDone()
		paths := autoPaths(g)
		name := regexp.MustCompile(`^[abc]-std(out|err)---supervisor-[a-z0-9_]{8}\.log$`)
		for _, p := range paths {
			if filepath.Dir(p) != dir || !name.MatchString(filepath.Base(p)) {
				t.Errorf("AUTO name %q, want <dir>/<name>-<channel>---supervisor-XXXXXXXX.log", p)
			}
		}
		modes, missing := existing(t, paths)
		if len(modes) != 1 || modes[paths[0]] != 0o600 || len(missing) != 5 {
			t.Fatalf("after resolve: created %v, want only %s with mode 0600", modes, paths[0])
		}

		a.ensure(paths[3])
		if modes, _ := existing(t, paths); len(modes) != 2 || modes[paths[3]] != 0o600 {
			t.Fatalf("after ensure: created %v, want %s too, mode 0600", modes, paths[3])
		}

		// Spawns keep postponing the creation.
		for range 5 {
			time.Sleep(autoLogQuiet / 2)
			a.poke()
		}
		synctest.Wait()
		if modes, _ := existing(t, paths); len(modes) != 2 {
			t.Fatalf("while spawning: created %v, want no more", modes)
		}
		time.Sleep(autoLogQuiet + time.Millisecond)
		synctest.Wait()
		modes, missing = existing(t, paths)
		if len(missing) != 0 {
			t.Fatalf("after a quiet %v: %v missing", autoLogQuiet, missing)
		}
		for p, m := range modes {
			if m != 0o600 {
				t.Errorf("%s has mode %o, want 600", p, m)
			}
		}
	})
}

// TestAutoLogsAfterStartup: a group added once the daemon runs gets its
// files at once, as in the reference.
func TestAutoLogsAfterStartup(t *testing.T) {
	dir := t.TempDir()
	a := newAutoLogs(slog.New(slog.DiscardHandler))
	defer a.close()
	a.startupDone()
	g := autoGroup("x", "y")
	if err := a.resolve(g, config.Supervisord{ChildLogDir: dir, Identifier: "id"}); err != nil {
		t.Fatal(err)
	}
	if _, missing := existing(t, autoPaths(g)); len(missing) != 0 {
		t.Fatalf("missing %v", missing)
	}
}

// TestAutoLogsClose: what is pending when the run ends is not created,
// and no creation happens after close.
func TestAutoLogsClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		a := newAutoLogs(slog.New(slog.DiscardHandler))
		g := autoGroup("a", "b")
		if err := a.resolve(g, config.Supervisord{ChildLogDir: dir, Identifier: "id"}); err != nil {
			t.Fatal(err)
		}
		a.close()
		time.Sleep(2 * autoLogQuiet)
		synctest.Wait()
		if modes, _ := existing(t, autoPaths(g)); len(modes) != 1 {
			t.Fatalf("created %v, want only the first", modes)
		}
	})
}

// TestAutoLogsBadDir: an unusable childlogdir fails the start, naming
// the log and the file.
func TestAutoLogsBadDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "missing")
	a := newAutoLogs(slog.New(slog.DiscardHandler))
	defer a.close()
	err := a.resolve(autoGroup("a"), config.Supervisord{ChildLogDir: dir, Identifier: "id"})
	if err == nil || !strings.Contains(err.Error(), "AUTO stdout log of a") || !strings.Contains(err.Error(), dir) {
		t.Fatalf("error %v, want one naming the log and %s", err, dir)
	}
}
