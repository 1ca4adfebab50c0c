package daemon

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/supervisorgo/supervisor/internal/config"
)

// autoLogQuiet is how long spawning must pause before the AUTO log files
// named during the start-up are created.
const autoLogQuiet = 100 * time.Millisecond

// autoLogs names and creates the AUTO child log files (a stdout_logfile or
// stderr_logfile of AUTO, the default):
// <childlogdir>/<process>-<channel>---<identifier>-<8 random characters>.log,
// as the reference's get_autochildlog_name names them with mkstemp, mode
// 0600.
//
// The reference creates every such file when it adds the group, before
// the first spawn. With a thousand programs that is two thousand inode
// allocations on the start-up's path, and on ext4 each one costs far more
// after many files were deleted in the directory. Ours names the files of
// the groups of the start-up at once, a name no file has, but creates
// them in one goroutine once spawning has paused for autoLogQuiet, so that
// a program starts as soon as its turn comes. What a client sees does not
// change: a program's first output creates its file (the log writer does,
// logfile.Options.Deferred), a reader asking for a file (ensure: the
// readProcess*Log and tailProcess*Log methods, /logtail) gets it created
// at once, and the first file of each directory is created at once, so
// that an unusable childlogdir fails the start as the reference's mkstemp
// does. Groups added later (addProcessGroup, plugins) get their files at
// once, as in the reference.
//
// One autoLogs lives as long as one run of the daemon (up to a reload);
// close drops what is still pending.
type autoLogs struct {
	log *slog.Logger

	mu        sync.Mutex
	deferring bool                // during the start-up: create later
	pending   map[string]struct{} // named, not created yet
	probed    map[string]bool     // directories where a file was created
	lastPoke  time.Time
	timer     *time.Timer
	closed    bool
}

func newAutoLogs(log *slog.Logger) *autoLogs {
	return &autoLogs{log: log, deferring: true, pending: map[string]struct{}{}, probed: map[string]bool{}}
}

// resolve gives every AUTO log of a group its file name, as the reference
// does when the group is created (create_autochildlogs), filling in the
// LogFile paths of g in place.
func (a *autoLogs) resolve(g *config.Group, sd config.Supervisord) error {
	for _, p := range g.Processes {
		for _, ch := range []struct {
			name string
			lf   *config.LogFile
		}{{"stdout", &p.Stdout}, {"stderr", &p.Stderr}} {
			if !ch.lf.Auto || ch.lf.Path != "" {
				continue
			}
			name, err := a.name(sd.ChildLogDir, p.Name, ch.name, sd.Identifier)
			if err != nil {
				return fmt.Errorf("AUTO %s log of %s: %w", ch.name, p.Name, err)
			}
			ch.lf.Path = name
		}
	}
	return nil
}

// startupDone ends the start-up: from now on a file is created as soon as
// it is named.
func (a *autoLogs) startupDone() {
	a.mu.Lock()
	a.deferring = false
	a.mu.Unlock()
}

// tempChars are the characters of the random part of a name (Python's
// tempfile._RandomNameSequence).
const tempChars = "abcdefghijklmnopqrstuvwxyz0123456789_"

// name picks a free name in dir (tempfile.mkstemp's, up to its TMP_MAX
// tries) and creates the file or leaves it pending.
func (a *autoLogs) name(dir, process, channel, identifier string) (string, error) {
	prefix := process + "-" + channel + "---" + identifier + "-"
	var random [8]byte
	for range 10000 {
		for i := range random {
			random[i] = tempChars[rand.IntN(len(tempChars))]
		}
		path := filepath.Join(dir, prefix+string(random[:])+".log")
		a.mu.Lock()
		_, taken := a.pending[path]
		later := a.deferring && a.probed[dir]
		a.mu.Unlock()
		if taken {
			continue
		}
		if !later {
			switch err := createExcl(path); {
			case errors.Is(err, fs.ErrExist):
				continue
			case err != nil:
				return "", err
			}
			a.mu.Lock()
			a.probed[dir] = true
			a.mu.Unlock()
			return path, nil
		}
		switch _, err := os.Lstat(path); {
		case err == nil:
			continue
		case !errors.Is(err, fs.ErrNotExist):
			return "", err
		}
		a.mu.Lock()
		a.pending[path] = struct{}{}
		a.mu.Unlock()
		a.poke()
		return path, nil
	}
	return "", &fs.PathError{Op: "open", Path: filepath.Join(dir, prefix+"XXXXXXXX.log"), Err: fs.ErrExist}
}

// createExcl is mkstemp's creation: a new file, mode 0600.
func createExcl(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	return f.Close()
}

// poke says the daemon is busy spawning: the pending files wait until
// it has been quiet for autoLogQuiet.
func (a *autoLogs) poke() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.lastPoke = time.Now()
	if a.closed || len(a.pending) == 0 {
		return
	}
	if a.timer == nil {
		a.timer = time.AfterFunc(autoLogQuiet, a.flush)
	}
}

// flush creates the pending files, stopping to wait again if spawning
// resumes.
func (a *autoLogs) flush() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.timer = nil
	paths := make([]string, 0, len(a.pending))
	for path := range a.pending {
		paths = append(paths, path)
	}
	for _, path := range paths {
		if a.closed {
			return
		}
		if _, ok := a.pending[path]; !ok {
			continue // created meanwhile by ensure
		}
		if wait := autoLogQuiet - time.Since(a.lastPoke); wait > 0 {
			a.timer = time.AfterFunc(wait, a.flush)
			return
		}
		a.createLocked(path)
		// Let readers (ensure) and spawns (name) in between two files.
		a.mu.Unlock()
		a.mu.Lock()
	}
}

// createLocked creates a pending file. The program may have created it
// already by writing to it: then it is left as it is.
func (a *autoLogs) createLocked(path string) {
	delete(a.pending, path)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		a.log.Warn(fmt.Sprintf("could not create AUTO log file %s: %v", path, err))
		return
	}
	f.Close()
}

// ensure creates path now if it is a pending AUTO log, so that a reader
// finds it.
func (a *autoLogs) ensure(path string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.pending[path]; ok {
		a.createLocked(path)
	}
}

// close stops the creation; what is still pending is not created.
func (a *autoLogs) close() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.closed = true
	if a.timer != nil {
		a.timer.Stop()
		a.timer = nil
	}
}
