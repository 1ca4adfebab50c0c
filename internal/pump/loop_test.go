//go:build linux

package pump

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

const helperEnv = "PUMP_TEST_HELPER"

// TestMain runs the test binary as a child when helperEnv is set: it
// writes that many bytes of a pattern to stdout, "err" to stderr, and
// exits 3.
func TestMain(m *testing.M) {
	if v := os.Getenv(helperEnv); v != "" {
		n, _ := strconv.Atoi(v)
		os.Stdout.Write(pattern(n))
		os.Stderr.WriteString("err")
		os.Exit(3)
	}
	os.Exit(m.Run())
}

func pattern(n int) []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "%08d line\n", i)
	}
	return b.Bytes()[:n]
}

// sink records what a Loop wrote, chunk by chunk.
type sink struct {
	mu     sync.Mutex
	chunks [][]byte
}

func (s *sink) Write(p []byte) (int, error) {
	s.mu.Lock()
	s.chunks = append(s.chunks, bytes.Clone(p))
	s.mu.Unlock()
	return len(p), nil
}

func (s *sink) bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Join(s.chunks, nil)
}

func (s *sink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.chunks)
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func waitClosed(t *testing.T, what string, c <-chan struct{}) {
	t.Helper()
	select {
	case <-c:
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

// pipe returns a pipe's non-blocking read end (for the Loop) and its write
// end as a file.
func pipe(t *testing.T) (int, *os.File) {
	t.Helper()
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	if err := syscall.SetNonblock(p[0], true); err != nil {
		t.Fatal(err)
	}
	w := os.NewFile(uintptr(p[1]), "w")
	t.Cleanup(func() { w.Close() })
	return p[0], w
}

func newLoop(t *testing.T, o Options) *Loop {
	t.Helper()
	l, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// isOpen tells whether fd is an open descriptor.
func isOpen(fd int) bool {
	_, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFD, 0)
	return e == 0
}

// TestOutputAndExit covers the ways a child's output ends, with a child
// that has no pidfd (the exit is reported with Exited).
func TestOutputAndExit(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		// run writes through w (the child's end) and reports the exit
		// with exited; it returns what the sink must hold after Done.
		run func(t *testing.T, w *os.File, exited func(), out *sink) []byte
	}{
		{
			name: "EOF then exit",
			run: func(t *testing.T, w *os.File, exited func(), out *sink) []byte {
				w.WriteString("hello\n")
				w.Close()
				exited()
				return []byte("hello\n")
			},
		},
		{
			name: "exit then EOF",
			run: func(t *testing.T, w *os.File, exited func(), out *sink) []byte {
				w.WriteString("a")
				exited()
				w.WriteString("b")
				w.Close()
				return []byte("ab")
			},
		},
		{
			name: "output waiting for the tick is drained at the exit",
			opts: Options{Tick: time.Hour},
			run: func(t *testing.T, w *os.File, exited func(), out *sink) []byte {
				w.WriteString("first")
				// After a quiet spell the first output is read at once...
				waitFor(t, "the first chunk", func() bool { return out.count() == 1 })
				// ...the next waits for the tick, or the drain.
				w.WriteString("second")
				exited()
				return []byte("firstsecond")
			},
		},
		{
			name: "a full read is followed by another at once",
			opts: Options{Tick: time.Hour, BufSize: 16},
			run: func(t *testing.T, w *os.File, exited func(), out *sink) []byte {
				want := pattern(1000)
				w.Write(want)
				waitFor(t, "every byte without an exit", func() bool { return len(out.bytes()) == len(want) })
				exited()
				return want
			},
		},
		{
			name: "a grandchild holds the pipe, empty",
			opts: Options{DrainPoll: time.Millisecond, DrainMax: time.Hour},
			run: func(t *testing.T, w *os.File, exited func(), out *sink) []byte {
				w.WriteString("before")
				exited()
				return []byte("before")
			},
		},
		{
			name: "a grandchild holds the pipe and writes on",
			opts: Options{DrainPoll: time.Millisecond, DrainMax: 50 * time.Millisecond, BufSize: 8},
			run: func(t *testing.T, w *os.File, exited func(), out *sink) []byte {
				stop := make(chan struct{})
				done := make(chan struct{})
				go func() {
					defer close(done)
					for {
						select {
						case <-stop:
							return
						default:
							w.WriteString("0123456789")
						}
					}
				}()
				exited()
				t.Cleanup(func() { close(stop); <-done })
				return nil // whatever was read before DrainMax
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := newLoop(t, tc.opts)
			r, w := pipe(t)
			var out sink
			finished := make(chan struct{})
			h := l.Add(Watch{Outputs: []Output{{FD: r, W: &out}}, Pidfd: -1, Done: func() { close(finished) }})
			want := tc.run(t, w, func() { l.Exited(h) }, &out)
			waitClosed(t, "Done", finished)
			if got := out.bytes(); want != nil && !bytes.Equal(got, want) {
				t.Errorf("got %q, want %q", got, want)
			}
			if isOpen(r) {
				t.Errorf("the read end is still open after Done")
			}
		})
	}
}

// TestUrgent: an urgent pipe is read at once even when the tick is long and
// the output set is busy being polled.
func TestUrgent(t *testing.T) {
	l := newLoop(t, Options{Tick: time.Hour})
	br, bw := pipe(t)
	ur, uw := pipe(t)
	var batched, urgent sink
	l.Add(Watch{Outputs: []Output{{FD: br, W: &batched}, {FD: ur, W: &urgent, Urgent: true}}, Pidfd: -1})
	bw.WriteString("x")
	waitFor(t, "the batched pipe's first chunk", func() bool { return batched.count() == 1 })
	bw.WriteString("y") // waits an hour: the output set is being polled
	for i := range 5 {
		line := fmt.Sprintf("READY %d\n", i)
		uw.WriteString(line)
		waitFor(t, "the urgent line", func() bool { return bytes.HasSuffix(urgent.bytes(), []byte(line)) })
	}
	if got := string(batched.bytes()); got != "x" {
		t.Errorf("batched pipe read %q before its tick", got)
	}
}

// TestChildPidfd: a real child with a pidfd; Done comes after every byte
// it wrote and after Reap.
func TestChildPidfd(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{0, 10, 1 << 20} {
		t.Run(strconv.Itoa(size), func(t *testing.T) {
			l := newLoop(t, Options{})
			or, ow := pipe(t)
			er, ew := pipe(t)
			pidfd := -1
			pid, err := syscall.ForkExec(exe, []string{exe}, &syscall.ProcAttr{
				Env:   append(os.Environ(), helperEnv+"="+strconv.Itoa(size)),
				Files: []uintptr{0, ow.Fd(), ew.Fd()},
				Sys:   &syscall.SysProcAttr{PidFD: &pidfd},
			})
			if err != nil {
				t.Fatal(err)
			}
			ow.Close()
			ew.Close()
			if pidfd < 0 {
				t.Skip("no pidfd")
			}
			var out, errOut sink
			var status syscall.WaitStatus
			var reaped atomic.Bool
			finished := make(chan struct{})
			l.Add(Watch{
				Outputs: []Output{{FD: or, W: &out}, {FD: er, W: &errOut}},
				Pidfd:   pidfd,
				Reap: func() bool {
					got, err := syscall.Wait4(pid, &status, syscall.WNOHANG, nil)
					if err != nil || got == pid {
						syscall.Close(pidfd)
						reaped.Store(true)
						return true
					}
					return false
				},
				Done: func() {
					if !reaped.Load() {
						t.Errorf("Done before Reap")
					}
					close(finished)
				},
			})
			waitClosed(t, "Done", finished)
			if got := out.bytes(); !bytes.Equal(got, pattern(size)) {
				t.Errorf("stdout: %d bytes, want %d", len(got), size)
			}
			if got := string(errOut.bytes()); got != "err" {
				t.Errorf("stderr %q", got)
			}
			if status.ExitStatus() != 3 {
				t.Errorf("status %v", status)
			}
		})
	}
}

// TestClose: Close closes the pipes still open; Add after Close closes
// its pipes at once.
func TestClose(t *testing.T) {
	l, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	r1, _ := pipe(t)
	called := false
	l.Add(Watch{Outputs: []Output{{FD: r1, W: &sink{}}}, Pidfd: -1, Done: func() { called = true }})
	l.Close()
	l.Close() // idempotent
	if isOpen(r1) {
		t.Errorf("a pipe is open after Close")
	}
	r2, _ := pipe(t)
	l.Add(Watch{Outputs: []Output{{FD: r2, W: &sink{}}}, Pidfd: -1})
	if isOpen(r2) {
		t.Errorf("a pipe added after Close is open")
	}
	if called {
		t.Errorf("Done was called for a child that did not exit")
	}
}

// TestManyChildren: a hundred pipes written concurrently, each in order and
// whole.
func TestManyChildren(t *testing.T) {
	l := newLoop(t, Options{Tick: 2 * time.Millisecond})
	const n, lines = 100, 200
	sinks := make([]*sink, n)
	done := make([]chan struct{}, n)
	var wg sync.WaitGroup
	for i := range n {
		r, w := pipe(t)
		sinks[i], done[i] = &sink{}, make(chan struct{})
		h := l.Add(Watch{Outputs: []Output{{FD: r, W: sinks[i]}}, Pidfd: -1, Done: func() { close(done[i]) }})
		wg.Go(func() {
			for j := range lines {
				fmt.Fprintf(w, "%08d chatty line\n", j)
			}
			w.Close()
			l.Exited(h)
		})
	}
	wg.Wait()
	var want bytes.Buffer
	for j := range lines {
		fmt.Fprintf(&want, "%08d chatty line\n", j)
	}
	for i := range n {
		waitClosed(t, "Done", done[i])
		if !bytes.Equal(sinks[i].bytes(), want.Bytes()) {
			t.Errorf("pipe %d: got %d bytes, want %d", i, len(sinks[i].bytes()), want.Len())
		}
	}
}

// countWriter counts lines and signals each time the count crosses a
// multiple of every.
type countWriter struct {
	n     *atomic.Int64
	every int64
	reach chan struct{}
}

func (c countWriter) Write(p []byte) (int, error) {
	k := int64(bytes.Count(p, []byte{'\n'}))
	if v := c.n.Add(k); v/c.every > (v-k)/c.every {
		select {
		case c.reach <- struct{}{}:
		default:
		}
	}
	return len(p), nil
}

// BenchmarkChatty: 100 pipes; each op writes one 21-byte line into each
// and waits until the loop has handed all of them to their writers. The
// tick is short so that the benchmark measures the reading, not the
// waiting.
func BenchmarkChatty(b *testing.B) {
	for _, tick := range []time.Duration{time.Microsecond} {
		b.Run(tick.String(), func(b *testing.B) {
			l, err := New(Options{Tick: tick})
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close()
			const n = 100
			var count atomic.Int64
			reach := make(chan struct{}, 1)
			ws := make([]*os.File, n)
			for i := range n {
				var p [2]int
				syscall.Pipe2(p[:], syscall.O_CLOEXEC)
				syscall.SetNonblock(p[0], true)
				ws[i] = os.NewFile(uintptr(p[1]), "w")
				defer ws[i].Close()
				l.Add(Watch{Outputs: []Output{{FD: p[0], W: countWriter{&count, n, reach}}}, Pidfd: -1})
			}
			line := []byte("00000000 chatty line\n")
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for _, w := range ws {
					w.Write(line)
				}
				for count.Load() < int64(n*(i+1)) {
					<-reach
				}
			}
		})
	}
}

// TestConcurrentExits: children started and added from many goroutines,
// each exiting at once; every Done must come, though nothing else wakes
// the loop.
func TestConcurrentExits(t *testing.T) {
	l := newLoop(t, Options{})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 25 {
				r, w := pipe(t)
				pidfd := -1
				pid, err := syscall.ForkExec("/bin/true", []string{"true"}, &syscall.ProcAttr{
					Files: []uintptr{0, w.Fd(), w.Fd()},
					Sys:   &syscall.SysProcAttr{PidFD: &pidfd},
				})
				if err != nil {
					t.Error(err)
					return
				}
				w.Close()
				if pidfd < 0 {
					syscall.Wait4(pid, nil, 0, nil)
					syscall.Close(r)
					return // no pidfd on this kernel
				}
				finished := make(chan struct{})
				l.Add(Watch{
					Outputs: []Output{{FD: r, W: &sink{}}},
					Pidfd:   pidfd,
					Reap: func() bool {
						var ws syscall.WaitStatus
						got, err := syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
						if err != nil || got == pid {
							syscall.Close(pidfd)
							return true
						}
						return false
					},
					Done: func() { close(finished) },
				})
				select {
				case <-finished:
				case <-time.After(5 * time.Second):
					t.Errorf("goroutine %d child %d: no Done", g, i)
					return
				}
			}
		})
	}
	wg.Wait()
}
