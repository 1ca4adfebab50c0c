package logfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"sync"
)

// ErrClosed is returned by the methods of a Writer after Close.
var ErrClosed = errors.New("logfile: writer closed")

// Options configures a Writer.
type Options struct {
	// Path is the log file's name (stdout_logfile, stderr_logfile or the
	// main logfile). It must not be empty.
	Path string
	// MaxBytes is the size at which the file rotates (*_logfile_maxbytes).
	// Zero or less means never rotate.
	MaxBytes int64
	// Lazy keeps no descriptor open until the first write: New, Reopen and
	// Clear still create the file (so it exists as the reference's would)
	// but close it again. A daemon with many programs that seldom write
	// then holds far fewer descriptors, which every fork copies.
	Lazy bool
	// Deferred leaves the creation of a file that does not exist yet to
	// the first write (or Reopen or Clear): New does not touch the file
	// system. A file the Writer creates first gets mode 0600, as the
	// reference's AUTO child logs get from mkstemp; later ones (after a
	// rotation or a Clear) get 0666 less the umask, as theirs do. The
	// daemon uses it for AUTO logs, which it creates itself off the
	// start-up's path. Implies Lazy.
	Deferred bool
	// Backups is the number of rotated files kept, named Path.1 ...
	// Path.Backups (*_logfile_backups). Zero or less means the file is
	// truncated instead of rotated.
	Backups int
}

// Writer is an io.WriteCloser for one capture log file, with the rotation
// rule of supervisor.loggers.RotatingFileHandler (see the package doc).
// The zero value is not usable: create Writers with New.
type Writer struct {
	path     string
	maxBytes int64
	backups  int
	lazy     bool
	perm     os.FileMode // for the next creation of the file

	mu       sync.Mutex
	f        *os.File // nil after a failed (re)open; the next Write retries
	rotating bool     // maxBytes > 0 and f is a regular file
	closed   bool
	// size is the file's size as this Writer knows it (the position of an
	// append-mode stream, stream.tell()), kept by adding what it writes so
	// that a write costs no lseek. Another writer of the same file is only
	// seen by the lseek made every syncEvery writes and before a rotation.
	size   int64
	unsync int // writes since size was last read from the file
}

// syncEvery is how many writes may pass between two checks of the real
// size of the file, which sees what other writers appended.
const syncEvery = 64

const (
	appendFlags   = os.O_WRONLY | os.O_CREATE | os.O_APPEND
	truncateFlags = appendFlags | os.O_TRUNC
	filePerm      = 0o666 // before umask, as Python's open()
	deferredPerm  = 0o600 // mkstemp's
)

// New opens (creating it if needed) the log file in append mode, as the
// reference does when it creates a process group, so that the file exists
// even if the process never writes to it; with Options.Deferred it only
// makes the Writer.
func New(opts Options) (*Writer, error) {
	if opts.Path == "" {
		return nil, errors.New("logfile: empty path")
	}
	w := &Writer{
		path:     opts.Path,
		maxBytes: max(opts.MaxBytes, 0),
		backups:  max(opts.Backups, 0),
		lazy:     opts.Lazy || opts.Deferred,
		perm:     filePerm,
	}
	if opts.Deferred {
		w.perm = deferredPerm
		return w, nil
	}
	if err := w.openLocked(appendFlags); err != nil {
		return nil, err
	}
	if err := w.idleLocked(); err != nil {
		return nil, err
	}
	return w, nil
}

// Path returns the file name the Writer writes to.
func (w *Writer) Path() string { return w.path }

// Write writes p to the file in one piece, then rotates the file if it has
// reached MaxBytes (RotatingFileHandler.emit followed by doRollover). An
// empty p still triggers the size check, as emitting an empty record does in
// the reference. If the write succeeded but the rotation failed, Write
// returns len(p) and the rotation error; the next Write reopens the file in
// append mode if the rotation left it closed.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return 0, ErrClosed
	}
	if w.f == nil {
		if err := w.openLocked(appendFlags); err != nil {
			return 0, err
		}
	}
	n, err := w.f.Write(p)
	w.size += int64(n)
	if err != nil {
		return n, err
	}
	if !w.rotating {
		return n, nil
	}
	if w.unsync++; w.size >= w.maxBytes || w.unsync >= syncEvery {
		// stream.tell(): with O_APPEND, the end of the file.
		size, err := w.f.Seek(0, io.SeekCurrent)
		if err != nil {
			return n, fmt.Errorf("logfile: size of %s: %w", w.path, err)
		}
		w.size, w.unsync = size, 0
	}
	if w.size >= w.maxBytes {
		if err := w.rotateLocked(); err != nil {
			return n, err
		}
	}
	return n, nil
}

// Rotate rotates the file now, whatever its size and MaxBytes, with the same
// renames as an automatic rotation. It does nothing for a file that is not a
// regular file (a device or a pipe).
func (w *Writer) Rotate() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	var (
		fi  fs.FileInfo
		err error
	)
	if w.f != nil {
		fi, err = w.f.Stat()
	} else {
		fi, err = os.Stat(w.path)
		if errors.Is(err, fs.ErrNotExist) {
			err = nil
			fi = nil
		}
	}
	if err != nil {
		return fmt.Errorf("logfile: rotate: %w", err)
	}
	if fi != nil && !fi.Mode().IsRegular() {
		return nil
	}
	return w.rotateLocked()
}

// Reopen closes the file and opens the same path again in append mode
// (FileHandler.reopen), creating it if it is gone. supervisord calls it on
// SIGUSR2, after an external tool such as logrotate renamed the file.
func (w *Writer) Reopen() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	err := w.closeFileLocked()
	if err := errors.Join(err, w.openLocked(appendFlags)); err != nil {
		return err
	}
	return w.idleLocked()
}

// Clear deletes the file and opens a new empty one in its place
// (FileHandler.remove followed by reopen, as clearProcessLogs and clearLog
// do). Only the current file is removed: the rotated backups Path.1 ...
// are kept, as in the reference. A missing file is not an error. A path
// that is not a regular file (such as /dev/stdout) is not removed, only
// reopened.
func (w *Writer) Clear() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	errClose := w.closeFileLocked()
	var errRemove error
	if fi, err := os.Stat(w.path); err == nil && fi.Mode().IsRegular() {
		if err := os.Remove(w.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errRemove = fmt.Errorf("logfile: clear: %w", err)
		}
	}
	// Unlike the reference, reopen even when the removal failed, so that
	// logging goes on. The new file has the usual mode, as the
	// reference's reopened one.
	w.perm = filePerm
	if err := errors.Join(errClose, errRemove, w.openLocked(appendFlags)); err != nil {
		return err
	}
	return w.idleLocked()
}

// idleLocked closes the file of a Lazy writer that is not being written:
// the next Write opens it again.
func (w *Writer) idleLocked() error {
	if !w.lazy {
		return nil
	}
	return w.closeFileLocked()
}

// Close closes the file. It is idempotent; later Writes return ErrClosed.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	return w.closeFileLocked()
}

// openLocked opens w.path with flags and decides whether it may rotate. The
// file is only stat'ed when rotation is enabled, so devices and pipes with
// MaxBytes == 0 are never sized.
func (w *Writer) openLocked(flags int) error {
	f, err := os.OpenFile(w.path, flags, w.perm)
	if err != nil {
		return fmt.Errorf("logfile: %w", err)
	}
	w.perm = filePerm
	rotate := false
	if w.maxBytes > 0 {
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			return fmt.Errorf("logfile: %w", err)
		}
		rotate = fi.Mode().IsRegular()
	}
	var size int64
	if rotate {
		// Like Python's open(..., 'ab'), start at the end, so that the
		// size check after an empty write sees the existing content.
		if size, err = f.Seek(0, io.SeekEnd); err != nil {
			f.Close()
			return fmt.Errorf("logfile: %w", err)
		}
	}
	w.f, w.rotating, w.size, w.unsync = f, rotate, size, 0
	return nil
}

func (w *Writer) closeFileLocked() error {
	if w.f == nil {
		return nil
	}
	err := w.f.Close()
	w.f = nil
	if err != nil {
		return fmt.Errorf("logfile: %w", err)
	}
	return nil
}

// rotateLocked is RotatingFileHandler.doRollover without the size check.
// It stops at the first rename that fails with anything but "does not
// exist", leaving the file closed without truncating it: the next Write
// reopens it in append mode, so no data is lost.
func (w *Writer) rotateLocked() error {
	if err := w.closeFileLocked(); err != nil {
		return fmt.Errorf("logfile: rotate: %w", err)
	}
	if w.backups > 0 {
		for i := w.backups - 1; i >= 1; i-- {
			src := w.backupName(i)
			if _, err := os.Stat(src); err != nil {
				continue // os.path.exists(sfn) is false
			}
			if err := renameIfExists(src, w.backupName(i+1)); err != nil {
				return err
			}
		}
		if err := renameIfExists(w.path, w.backupName(1)); err != nil {
			return err
		}
	}
	if err := w.openLocked(truncateFlags); err != nil {
		return fmt.Errorf("logfile: rotate: %w", err)
	}
	return nil
}

func (w *Writer) backupName(i int) string {
	return w.path + "." + strconv.Itoa(i)
}

// renameIfExists is RotatingFileHandler.removeAndRename: rename replaces the
// destination, and a source that vanished meanwhile is not an error.
func renameIfExists(src, dst string) error {
	if err := os.Rename(src, dst); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("logfile: rotate: %w", err)
	}
	return nil
}

var _ io.WriteCloser = (*Writer)(nil)
