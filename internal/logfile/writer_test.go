package logfile

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

const logName = "test.log"

// rotationCase is one sequence of writes to a Writer. The same table drives
// the model test here and the differential test against the reference.
type rotationCase struct {
	name     string
	maxBytes int64
	backups  int
	pre      map[string]string // files in the directory before New, by name
	writes   []string
}

// manyWrites returns n writes of varying sizes (1..23 bytes) with
// recognisable content.
func manyWrites(n int) []string {
	ws := make([]string, n)
	for i := range ws {
		size := i%23 + 1
		s := strings.Repeat(string(rune('a'+i%26)), size-1) + "\n"
		ws[i] = s
	}
	return ws
}

var rotationCases = []rotationCase{
	{name: "maxbytes0 never rotates", maxBytes: 0, backups: 3, writes: manyWrites(200)},
	{name: "maxbytes0 appends to existing", maxBytes: 0, backups: 0,
		pre: map[string]string{logName: "old content\n"}, writes: []string{"new\n"}},
	{name: "backups0 truncates", maxBytes: 10, backups: 0, writes: manyWrites(50)},
	{name: "backups1", maxBytes: 10, backups: 1, writes: manyWrites(50)},
	{name: "backups3", maxBytes: 10, backups: 3, writes: manyWrites(50)},
	{name: "backups3 many writes", maxBytes: 64, backups: 3, writes: manyWrites(1000)},
	{name: "exact maxbytes rotates", maxBytes: 4, backups: 2, writes: []string{"abcd", "efgh", "ij"}},
	{name: "one byte short does not rotate", maxBytes: 5, backups: 2, writes: []string{"abcd"}},
	{name: "write larger than maxbytes stays whole", maxBytes: 4, backups: 2,
		writes: []string{"0123456789", "ab", "cdefghijklmnop", "q"}},
	{name: "oversized existing file rotates after first write", maxBytes: 8, backups: 2,
		pre: map[string]string{logName: "0123456789abcdef"}, writes: []string{"x", "y"}},
	{name: "empty write rotates an oversized file", maxBytes: 8, backups: 2,
		pre: map[string]string{logName: "0123456789abcdef"}, writes: []string{""}},
	{name: "existing backups shift and the last is replaced", maxBytes: 3, backups: 3,
		pre:    map[string]string{logName: "AA", logName + ".1": "one", logName + ".2": "two", logName + ".3": "three"},
		writes: []string{"B", "CCC"}},
	{name: "backups beyond the count are left alone", maxBytes: 3, backups: 2,
		pre:    map[string]string{logName + ".2": "two", logName + ".3": "three", logName + ".7": "seven"},
		writes: []string{"abc", "def", "ghi"}},
	{name: "gap in backups", maxBytes: 3, backups: 4,
		pre:    map[string]string{logName + ".2": "two"},
		writes: []string{"abc", "def"}},
	{name: "binary data", maxBytes: 16, backups: 2,
		writes: []string{"\x00\xff\xfe", "\xc3\xa9\xc3", "\xa9\n\r\x1b[31m", strings.Repeat("\x00", 20)}},
}

// modelRotation applies the reference's rule (RotatingFileHandler.emit and
// doRollover) to an in-memory directory.
func modelRotation(c rotationCase) map[string]string {
	files := map[string]string{}
	for k, v := range c.pre {
		files[k] = v
	}
	files[logName] += "" // open(..., 'ab') creates the file
	for _, w := range c.writes {
		files[logName] += w
		if c.maxBytes <= 0 || int64(len(files[logName])) < c.maxBytes {
			continue
		}
		if c.backups > 0 {
			for i := c.backups - 1; i >= 1; i-- {
				src := logName + "." + strconv.Itoa(i)
				if v, ok := files[src]; ok {
					files[logName+"."+strconv.Itoa(i+1)] = v
					delete(files, src)
				}
			}
			files[logName+".1"] = files[logName]
		}
		files[logName] = ""
	}
	return files
}

// runRotation writes c.pre into dir, then c.writes through a Writer.
func runRotation(t *testing.T, dir string, c rotationCase) {
	t.Helper()
	writeFiles(t, dir, c.pre)
	w, err := New(Options{Path: filepath.Join(dir, logName), MaxBytes: c.maxBytes, Backups: c.backups})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range c.writes {
		n, err := w.Write([]byte(s))
		if err != nil || n != len(s) {
			t.Fatalf("Write(%q) = %d, %v", s, n, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// readDir returns the regular files of dir by name.
func readDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = string(b)
	}
	return files
}

func compareDirs(t *testing.T, got, want map[string]string) {
	t.Helper()
	for _, name := range slices.Sorted(maps.Keys(want)) {
		g, ok := got[name]
		switch {
		case !ok:
			t.Errorf("file %s missing, want %q", name, want[name])
		case g != want[name]:
			t.Errorf("file %s = %q, want %q", name, g, want[name])
		}
	}
	for _, name := range slices.Sorted(maps.Keys(got)) {
		if _, ok := want[name]; !ok {
			t.Errorf("unexpected file %s = %q", name, got[name])
		}
	}
}

func TestWriterRotation(t *testing.T) {
	for _, c := range rotationCases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			runRotation(t, dir, c)
			compareDirs(t, readDir(t, dir), modelRotation(c))
		})
	}
}

// concatenation returns Path.N ... Path.1 followed by Path.
func concatenation(t *testing.T, path string, backups int) []byte {
	t.Helper()
	var all []byte
	for i := backups; i >= 0; i-- {
		name := path
		if i > 0 {
			name += "." + strconv.Itoa(i)
		}
		b, err := os.ReadFile(name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

func TestWriterNoByteLostSingleWriter(t *testing.T) {
	for _, maxBytes := range []int64{1, 7, 100, 4096} {
		t.Run(fmt.Sprint("maxbytes", maxBytes), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(maxBytes)))
			var want bytes.Buffer
			var writes [][]byte
			for i := range 150 {
				p := make([]byte, rng.IntN(60))
				for j := range p {
					p[j] = byte(i + j)
				}
				writes = append(writes, p)
				want.Write(p)
			}
			// Every rotated file holds at least maxBytes and at least one
			// write, so this many backups keeps everything.
			backups := min(want.Len()/int(maxBytes), len(writes)) + 1
			path := filepath.Join(t.TempDir(), logName)
			w, err := New(Options{Path: path, MaxBytes: maxBytes, Backups: backups})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range writes {
				if n, err := w.Write(p); err != nil || n != len(p) {
					t.Fatalf("Write = %d, %v", n, err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if got := concatenation(t, path, backups); !bytes.Equal(got, want.Bytes()) {
				t.Fatalf("concatenated files: %d bytes, want %d (or content differs)", len(got), want.Len())
			}
		})
	}
}

func TestWriterConcurrent(t *testing.T) {
	const (
		writers  = 8
		perGo    = 300
		maxBytes = 512
	)
	record := func(g, i int) []byte {
		// Varying lengths, each record one line naming its writer and index.
		return fmt.Appendf(nil, "g%02d i%04d %s\n", g, i, strings.Repeat("x", (g*7+i)%41))
	}
	total := 0
	for g := range writers {
		for i := range perGo {
			total += len(record(g, i))
		}
	}
	backups := total/maxBytes + 1
	path := filepath.Join(t.TempDir(), logName)
	w, err := New(Options{Path: path, MaxBytes: maxBytes, Backups: backups})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for i := range perGo {
				p := record(g, i)
				if n, err := w.Write(p); err != nil || n != len(p) {
					t.Errorf("Write = %d, %v", n, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	// Each file holds whole records only: no write was split by a rotation.
	for i := backups; i >= 0; i-- {
		name := path
		if i > 0 {
			name += "." + strconv.Itoa(i)
		}
		b, err := os.ReadFile(name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > 0 && b[len(b)-1] != '\n' {
			t.Errorf("%s ends inside a record: %q", name, b[max(0, len(b)-20):])
		}
	}
	all := concatenation(t, path, backups)
	if len(all) != total {
		t.Fatalf("total bytes %d, want %d", len(all), total)
	}
	next := make([]int, writers) // per writer, the index expected next
	for line := range strings.SplitSeq(strings.TrimSuffix(string(all), "\n"), "\n") {
		var g, i int
		if _, err := fmt.Sscanf(line, "g%02d i%04d", &g, &i); err != nil || g < 0 || g >= writers {
			t.Fatalf("corrupt record %q", line)
		}
		if want := string(record(g, i)); line+"\n" != want {
			t.Fatalf("record %q, want %q", line, want)
		}
		if i != next[g] {
			t.Fatalf("writer %d: record %d, want %d (lost, duplicated or reordered)", g, i, next[g])
		}
		next[g]++
	}
	for g, n := range next {
		if n != perGo {
			t.Errorf("writer %d: %d records, want %d", g, n, perGo)
		}
	}
}

func mustNew(t *testing.T, opts Options) *Writer {
	t.Helper()
	w, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

func mustWrite(t *testing.T, w *Writer, s string) {
	t.Helper()
	if n, err := w.Write([]byte(s)); err != nil || n != len(s) {
		t.Fatalf("Write(%q) = %d, %v", s, n, err)
	}
}

func TestWriterReopenAfterExternalRename(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, logName)
	w := mustNew(t, Options{Path: path, MaxBytes: 1 << 20, Backups: 2})
	mustWrite(t, w, "before\n")
	// logrotate: rename the file away, then signal (SIGUSR2 -> Reopen).
	if err := os.Rename(path, path+".old"); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, w, "still old\n")
	if err := w.Reopen(); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, w, "after\n")
	compareDirs(t, readDir(t, dir), map[string]string{
		logName:          "after\n",
		logName + ".old": "before\nstill old\n",
	})
}

func TestWriterReopenAppends(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, logName)
	w := mustNew(t, Options{Path: path, MaxBytes: 10, Backups: 1})
	mustWrite(t, w, "12345")
	if err := w.Reopen(); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, w, "6789")
	mustWrite(t, w, "0") // the size counts what was there before Reopen
	compareDirs(t, readDir(t, dir), map[string]string{logName: "", logName + ".1": "1234567890"})
}

func TestWriterClear(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, logName)
	w := mustNew(t, Options{Path: path, MaxBytes: 4, Backups: 2})
	mustWrite(t, w, "abcd") // rotates into .1
	mustWrite(t, w, "ef")
	if err := w.Clear(); err != nil {
		t.Fatal(err)
	}
	// Only the current file is removed (FileHandler.remove); backups stay.
	compareDirs(t, readDir(t, dir), map[string]string{logName: "", logName + ".1": "abcd"})
	mustWrite(t, w, "gh")
	compareDirs(t, readDir(t, dir), map[string]string{logName: "gh", logName + ".1": "abcd"})

	// The file removed behind our back: not an error.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := w.Clear(); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, w, "i")
	compareDirs(t, readDir(t, dir), map[string]string{logName: "i", logName + ".1": "abcd"})
}

func TestWriterClearIsANewFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), logName)
	w := mustNew(t, Options{Path: path})
	mustWrite(t, w, "abc")
	before, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	// A reader holding the old file (like logtail) keeps its content.
	old, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	if err := w.Clear(); err != nil {
		t.Fatal(err)
	}
	after, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if os.SameFile(before, after) {
		t.Error("Clear truncated the file in place; the reference removes it and opens a new one")
	}
	if after.Size() != 0 {
		t.Errorf("size after Clear = %d", after.Size())
	}
}

func TestWriterRotateNow(t *testing.T) {
	for _, maxBytes := range []int64{0, 100} {
		t.Run(fmt.Sprint("maxbytes", maxBytes), func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, logName)
			w := mustNew(t, Options{Path: path, MaxBytes: maxBytes, Backups: 2})
			mustWrite(t, w, "one")
			if err := w.Rotate(); err != nil {
				t.Fatal(err)
			}
			mustWrite(t, w, "two")
			if err := w.Rotate(); err != nil {
				t.Fatal(err)
			}
			mustWrite(t, w, "three")
			if err := w.Rotate(); err != nil {
				t.Fatal(err)
			}
			compareDirs(t, readDir(t, dir), map[string]string{
				logName: "", logName + ".1": "three", logName + ".2": "two",
			})
		})
	}
}

func TestWriterCharDevice(t *testing.T) {
	// maxbytes 0 on a character device: append mode, never sized or seeked.
	w, err := New(Options{Path: os.DevNull, MaxBytes: 0, Backups: 3})
	if err != nil {
		t.Fatal(err)
	}
	for range 1000 {
		mustWrite(t, w, "some output\n")
	}
	if err := w.Rotate(); err != nil { // not a regular file: nothing to rotate
		t.Fatal(err)
	}
	if err := w.Reopen(); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, w, "more\n")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(os.DevNull)
	if err != nil || fi.Mode()&fs.ModeCharDevice == 0 {
		t.Fatalf("%s is no longer a character device: %v, %v", os.DevNull, fi, err)
	}
	if _, err := os.Stat(os.DevNull + ".1"); err == nil {
		t.Fatalf("%s.1 exists", os.DevNull)
	}
}

func TestWriterPipeNeverRotates(t *testing.T) {
	// A FIFO stands for a pipe or device given a nonzero maxbytes: the
	// reference fails with "Illegal seek"; we simply never rotate it.
	dir := t.TempDir()
	path := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	// Hold a read end open so opening for writing does not block.
	r, err := os.OpenFile(path, os.O_RDWR|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	w := mustNew(t, Options{Path: path, MaxBytes: 4, Backups: 2})
	mustWrite(t, w, "abcdef")
	mustWrite(t, w, "gh")
	if err := w.Clear(); err != nil { // must not remove the FIFO
		t.Fatal(err)
	}
	mustWrite(t, w, "ij")
	buf := make([]byte, 64)
	n, err := r.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(buf[:n]); got != "abcdefghij" {
		t.Errorf("read from fifo %q", got)
	}
	fi, err := os.Lstat(path)
	if err != nil || fi.Mode()&fs.ModeNamedPipe == 0 {
		t.Fatalf("fifo replaced: %v, %v", fi, err)
	}
	if _, err := os.Lstat(path + ".1"); err == nil {
		t.Fatal("fifo was rotated")
	}
}

func TestWriterRotationFailureLosesNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, logName)
	// A directory in the way of the rename f -> f.1.
	if err := os.MkdirAll(filepath.Join(path+".1", "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	w := mustNew(t, Options{Path: path, MaxBytes: 4, Backups: 1})
	n, err := w.Write([]byte("abcd"))
	if n != 4 || err == nil {
		t.Fatalf("Write = %d, %v; want 4 and a rotation error", n, err)
	}
	// The file was neither truncated nor lost; the next write appends.
	if _, err := w.Write([]byte("ef")); err == nil {
		t.Fatal("second Write: want a rotation error again")
	}
	if err := os.RemoveAll(path + ".1"); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, w, "g")
	compareDirs(t, readDir(t, dir), map[string]string{logName: "", logName + ".1": "abcdefg"})
}

func TestWriterClosed(t *testing.T) {
	w, err := New(Options{Path: filepath.Join(t.TempDir(), logName), MaxBytes: 10, Backups: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("second Close = %v", err)
	}
	if _, err := w.Write([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Errorf("Write after Close = %v", err)
	}
	for name, f := range map[string]func() error{"Reopen": w.Reopen, "Clear": w.Clear, "Rotate": w.Rotate} {
		if err := f(); !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close = %v", name, err)
		}
	}
}

func TestNewErrors(t *testing.T) {
	if _, err := New(Options{}); err == nil {
		t.Error("New with empty path: no error")
	}
	if _, err := New(Options{Path: filepath.Join(t.TempDir(), "missing", "x.log")}); err == nil {
		t.Error("New in a missing directory: no error")
	}
}

func BenchmarkWrite(b *testing.B) {
	line := []byte(strings.Repeat("benchmark output line ", 4) + "\n")
	w, err := New(Options{Path: filepath.Join(b.TempDir(), logName), MaxBytes: 1 << 20, Backups: 3})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		if _, err := w.Write(line); err != nil {
			b.Fatal(err)
		}
	}
}

// TestWriterSizeSeenFromOutside: the Writer keeps the file's size itself
// (no lseek per write), yet sees what others do to the file: another
// writer's appends make it rotate within syncEvery writes, and a file
// truncated from outside is not rotated before it is full again.
func TestWriterSizeSeenFromOutside(t *testing.T) {
	tests := []struct {
		name    string
		outside func(t *testing.T, path string)
		// rotatesWithin is how many one-byte writes after outside must
		// rotate the file (0: none of maxBytes/2 writes may).
		rotatesWithin int
	}{
		{"another writer fills the file", func(t *testing.T, path string) {
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			f.Write(bytes.Repeat([]byte("o"), 1000))
		}, syncEvery},
		{"truncated from outside", func(t *testing.T, path string) {
			if err := os.Truncate(path, 0); err != nil {
				t.Fatal(err)
			}
		}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, logName)
			w := mustNew(t, Options{Path: path, MaxBytes: 1000, Backups: 1})
			for range 900 {
				mustWrite(t, w, "x")
			}
			tc.outside(t, path)
			rotated := func() bool { _, err := os.Stat(path + ".1"); return err == nil }
			n := 0
			for ; n < 450 && !rotated(); n++ {
				mustWrite(t, w, "y")
			}
			switch {
			case tc.rotatesWithin == 0 && rotated():
				t.Errorf("rotated after %d writes", n)
			case tc.rotatesWithin > 0 && n > tc.rotatesWithin:
				t.Errorf("rotated after %d writes, want at most %d", n, tc.rotatesWithin)
			}
		})
	}
}

// TestLazyWriter: a Lazy writer creates its file at once but holds no
// descriptor until it writes, and goes back to none after Reopen and
// Clear.
func TestLazyWriter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lazy.log")
	w, err := New(Options{Path: path, MaxBytes: 10, Backups: 1, Lazy: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	open := func() bool { w.mu.Lock(); defer w.mu.Unlock(); return w.f != nil }
	if _, err := os.Stat(path); err != nil || open() {
		t.Fatalf("after New: stat %v, open %t", err, open())
	}
	for _, step := range []struct {
		do       func() error
		wantOpen bool
		want     string
	}{
		{func() error { _, err := w.Write([]byte("hello\n")); return err }, true, "hello\n"},
		{w.Reopen, false, "hello\n"},
		{func() error { _, err := w.Write([]byte("more\n")); return err }, true, ""}, // 11 bytes: rotated to .1, a new empty file
		{w.Clear, false, ""},
		{func() error { _, err := w.Write([]byte("x")); return err }, true, "x"},
	} {
		if err := step.do(); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil || string(b) != step.want {
			t.Errorf("file %q, %v; want %q", b, err, step.want)
		}
		if open() != step.wantOpen {
			t.Errorf("open %t, want %t", open(), step.wantOpen)
		}
	}
	if b, _ := os.ReadFile(path + ".1"); string(b) != "hello\nmore\n" {
		t.Errorf("backup %q", b)
	}
}

// TestDeferredWriter: a Deferred writer leaves the file alone until it
// is written (or reopened), creates it with mkstemp's mode 0600 then, and
// with the usual mode once it was cleared.
func TestDeferredWriter(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	mode := func(path string) os.FileMode {
		t.Helper()
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Mode().Perm()
	}
	// deferred makes a Deferred writer of d.log in a new directory, after
	// prepare (if not nil) has run on the path.
	deferred := func(t *testing.T, prepare func(path string)) (*Writer, string) {
		t.Helper()
		path := filepath.Join(t.TempDir(), "d.log")
		if prepare != nil {
			prepare(path)
		}
		return mustNew(t, Options{Path: path, Deferred: true}), path
	}
	t.Run("write", func(t *testing.T) {
		w, path := deferred(t, nil)
		if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("after New: stat %v, want no file", err)
		}
		mustWrite(t, w, "a\n")
		if m := mode(path); m != 0o600 {
			t.Errorf("created with %o, want 600", m)
		}
		if err := w.Clear(); err != nil {
			t.Fatal(err)
		}
		if m := mode(path); m != 0o644 {
			t.Errorf("after Clear %o, want 644", m)
		}
	})
	t.Run("reopen", func(t *testing.T) {
		w, path := deferred(t, nil)
		if err := w.Reopen(); err != nil {
			t.Fatal(err)
		}
		if m := mode(path); m != 0o600 {
			t.Errorf("created by Reopen with %o, want 600", m)
		}
	})
	t.Run("existing", func(t *testing.T) {
		w, path := deferred(t, func(path string) {
			if err := os.WriteFile(path, []byte("old\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		})
		mustWrite(t, w, "new\n")
		if b, _ := os.ReadFile(path); string(b) != "old\nnew\n" {
			t.Errorf("file %q, want the old content then the new", b)
		}
	})
}
