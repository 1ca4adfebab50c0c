package process

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/supervisorgo/supervisor/internal/config"
)

// fakeChild is a child whose life the test scripts: it exits with code
// after life (never if life < 0), and on a signal in dies (with -1).
type fakeChild struct {
	pid  int
	done chan ExitStatus
	sigs chan syscall.Signal
	once sync.Once

	mu      sync.Mutex
	signals []string
}

func (c *fakeChild) Pid() int                { return c.pid }
func (c *fakeChild) Done() <-chan ExitStatus { return c.done }
func (c *fakeChild) exit(es ExitStatus)      { c.once.Do(func() { c.done <- es; close(c.done) }) }

func (c *fakeChild) Signal(sig syscall.Signal, group bool) error {
	c.mu.Lock()
	c.signals = append(c.signals, fmt.Sprintf("%s group=%t", config.SignalName(sig), group))
	c.mu.Unlock()
	c.sigs <- sig
	return nil
}

// script says what the n-th spawn (from 0) does.
type script struct {
	err     error         // spawn fails with this
	life    time.Duration // exits on its own after this; < 0: never
	code    int
	dies    []syscall.Signal // signals that end it (after dieDelay)
	dieWait time.Duration
}

type fakeSpawner struct {
	mu       sync.Mutex
	plan     func(n int) script
	stop     chan struct{} // closed at the end of a test: the fake children end
	n        int
	children []*fakeChild
}

func (s *fakeSpawner) Spawn(cfg *config.Process) (Child, error) {
	s.mu.Lock()
	sc := s.plan(s.n)
	s.n++
	if sc.err != nil {
		s.mu.Unlock()
		return nil, sc.err
	}
	c := &fakeChild{pid: 1000 + s.n, done: make(chan ExitStatus, 1), sigs: make(chan syscall.Signal, 16)}
	s.children = append(s.children, c)
	s.mu.Unlock()
	if sc.life >= 0 {
		go func() {
			select {
			case <-time.After(sc.life):
				c.exit(ExitStatus{Code: sc.code, Detail: fmt.Sprintf("exit status %d", sc.code)})
			case <-s.stop:
			}
		}()
	}
	if len(sc.dies) > 0 {
		go func() {
			for {
				select {
				case sig := <-c.sigs:
					if slices.Contains(sc.dies, sig) {
						time.Sleep(sc.dieWait)
						c.exit(ExitStatus{Code: -1, Detail: "terminated by " + config.SignalName(sig)})
						return
					}
				case <-s.stop:
					return
				}
			}
		}()
	}
	return c, nil
}

func (s *fakeSpawner) child(i int) *fakeChild {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.children[i]
}

// recorder keeps the transitions with their fake times.
type recorder struct {
	mu    sync.Mutex
	start time.Time
	got   []string
}

func (r *recorder) add(tr Transition) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, fmt.Sprintf("%s@%v", tr.To, tr.At.Sub(r.start)))
}

func (r *recorder) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

func testConfig() *config.Process {
	return &config.Process{Name: "p", Group: "p", Command: "/bin/p", Autostart: true,
		Autorestart: config.AutorestartUnexpected, StartSecs: 1, StartRetries: 3,
		StopSignal: syscall.SIGTERM, StopWaitSecs: 10, ExitCodes: []int{0}}
}

// run starts a Process with the plan inside a synctest bubble and returns
// it with its spawner and recorder.
func run(t *testing.T, cfg *config.Process, deps Deps, plan func(int) script) (*Process, *fakeSpawner, *recorder) {
	sp := &fakeSpawner{plan: plan, stop: make(chan struct{})}
	rec := &recorder{start: time.Now()}
	deps.Spawner = sp
	deps.OnTransition = rec.add
	p := New(cfg, deps)
	ctx, cancel := context.WithCancel(context.Background())
	go p.Run(ctx)
	t.Cleanup(func() {
		cancel()
		<-p.Done()
		close(sp.stop)
	})
	return p, sp, rec
}

func TestStateSequences(t *testing.T) {
	spawnErr := errors.New("can't find command '/bin/p'")
	tests := []struct {
		name  string
		cfg   func(*config.Process)
		deps  Deps
		plan  func(n int) script
		until time.Duration
		want  []string
	}{
		{
			name: "autostart then RUNNING after startsecs",
			plan: func(int) script { return script{life: -1} },
			want: []string{"STARTING@0s", "RUNNING@1s"},
		},
		{
			name: "startsecs 0 is RUNNING at once",
			cfg:  func(c *config.Process) { c.StartSecs = 0 },
			plan: func(int) script { return script{life: -1} },
			want: []string{"STARTING@0s", "RUNNING@0s"},
		},
		{
			name: "quick expected exit is BACKOFF; retries after 1, 2, 3 s; then FATAL",
			plan: func(int) script { return script{life: 0, code: 0} },
			want: []string{"STARTING@0s", "BACKOFF@0s", "STARTING@1s", "BACKOFF@1s", "STARTING@3s", "BACKOFF@3s",
				"STARTING@6s", "BACKOFF@6s", "FATAL@6s"},
		},
		{
			name: "startretries 0: one attempt",
			cfg:  func(c *config.Process) { c.StartRetries = 0 },
			plan: func(int) script { return script{life: 500 * time.Millisecond} },
			want: []string{"STARTING@0s", "BACKOFF@500ms", "FATAL@500ms"},
		},
		{
			name: "spawn error is BACKOFF",
			cfg:  func(c *config.Process) { c.StartRetries = 1 },
			plan: func(int) script { return script{err: spawnErr} },
			want: []string{"STARTING@0s", "BACKOFF@0s", "STARTING@1s", "BACKOFF@1s", "FATAL@1s"},
		},
		{
			name: "expected exit while RUNNING is EXITED, no restart",
			plan: func(int) script { return script{life: 5 * time.Second, code: 0} },
			want: []string{"STARTING@0s", "RUNNING@1s", "EXITED@5s"},
		},
		{
			name:  "unexpected exit restarts at once",
			plan:  func(n int) script { return script{life: 2 * time.Second, code: 3} },
			until: 5 * time.Second,
			want:  []string{"STARTING@0s", "RUNNING@1s", "EXITED@2s", "STARTING@2s", "RUNNING@3s", "EXITED@4s", "STARTING@4s", "RUNNING@5s"},
		},
		{
			name: "autorestart false never restarts",
			cfg:  func(c *config.Process) { c.Autorestart = config.AutorestartNever },
			plan: func(int) script { return script{life: 2 * time.Second, code: 3} },
			want: []string{"STARTING@0s", "RUNNING@1s", "EXITED@2s"},
		},
		{
			name:  "autorestart true restarts an expected exit, after the restart delay",
			cfg:   func(c *config.Process) { c.Autorestart, c.RestartDelaySecs = config.AutorestartAlways, 5 },
			plan:  func(n int) script { return script{life: 2 * time.Second} },
			until: 9 * time.Second,
			want:  []string{"STARTING@0s", "RUNNING@1s", "EXITED@2s", "STARTING@7s", "RUNNING@8s", "EXITED@9s"},
		},
		{
			name: "the backoff cap bounds the retry delay",
			cfg:  func(c *config.Process) { c.StartRetries, c.BackoffMaxSecs = 5, 2 },
			plan: func(int) script { return script{life: 0} },
			want: []string{"STARTING@0s", "BACKOFF@0s", "STARTING@1s", "BACKOFF@1s", "STARTING@3s", "BACKOFF@3s",
				"STARTING@5s", "BACKOFF@5s", "STARTING@7s", "BACKOFF@7s", "STARTING@9s", "BACKOFF@9s", "FATAL@9s"},
		},
		{
			name: "not autostart stays STOPPED",
			cfg:  func(c *config.Process) { c.Autostart = false },
			plan: func(int) script { return script{life: -1} },
			want: nil,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cfg := testConfig()
				if tc.cfg != nil {
					tc.cfg(cfg)
				}
				p, _, rec := run(t, cfg, tc.deps, tc.plan)
				if err := p.AllowAutomatic(t.Context(), true); err != nil {
					t.Fatal(err)
				}
				until := tc.until
				if until == 0 {
					until = 30 * time.Second
				}
				time.Sleep(until)
				synctest.Wait()
				if got := rec.list(); !slices.Equal(got, tc.want) {
					t.Errorf("transitions\n got %q\nwant %q", got, tc.want)
				}
			})
		})
	}
}

func TestStop(t *testing.T) {
	tests := []struct {
		name    string
		cfg     func(*config.Process)
		plan    script
		want    []string
		signals []string
	}{
		{
			name:    "TERM stops it",
			plan:    script{life: -1, dies: []syscall.Signal{syscall.SIGTERM}, dieWait: time.Second},
			want:    []string{"STARTING@0s", "RUNNING@1s", "STOPPING@2s", "STOPPED@3s"},
			signals: []string{"SIGTERM group=false"},
		},
		{
			name:    "ignored stop signal is followed by SIGKILL after stopwaitsecs",
			cfg:     func(c *config.Process) { c.StopWaitSecs = 4 },
			plan:    script{life: -1, dies: []syscall.Signal{syscall.SIGKILL}},
			want:    []string{"STARTING@0s", "RUNNING@1s", "STOPPING@2s", "STOPPED@6s"},
			signals: []string{"SIGTERM group=false", "SIGKILL group=false"},
		},
		{
			name:    "stopasgroup signals the group, killasgroup too",
			cfg:     func(c *config.Process) { c.StopAsGroup, c.KillAsGroup, c.StopSignal = true, true, syscall.SIGINT },
			plan:    script{life: -1, dies: []syscall.Signal{syscall.SIGKILL}},
			want:    []string{"STARTING@0s", "RUNNING@1s", "STOPPING@2s", "STOPPED@12s"},
			signals: []string{"SIGINT group=true", "SIGKILL group=true"},
		},
		{
			name:    "killasgroup alone: stop signal to the process, SIGKILL to the group",
			cfg:     func(c *config.Process) { c.KillAsGroup = true; c.StopWaitSecs = 1 },
			plan:    script{life: -1, dies: []syscall.Signal{syscall.SIGKILL}},
			want:    []string{"STARTING@0s", "RUNNING@1s", "STOPPING@2s", "STOPPED@3s"},
			signals: []string{"SIGTERM group=false", "SIGKILL group=true"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cfg := testConfig()
				if tc.cfg != nil {
					tc.cfg(cfg)
				}
				p, sp, rec := run(t, cfg, Deps{}, func(int) script { return tc.plan })
				p.AllowAutomatic(t.Context(), true)
				time.Sleep(2 * time.Second)
				if err := p.Stop(t.Context()); err != nil {
					t.Fatal(err)
				}
				info, err := p.Await(t.Context(), func(i Info) bool { return i.State == Stopped })
				if err != nil {
					t.Fatal(err)
				}
				if got := rec.list(); !slices.Equal(got, tc.want) {
					t.Errorf("transitions\n got %q\nwant %q", got, tc.want)
				}
				c := sp.child(0)
				c.mu.Lock()
				defer c.mu.Unlock()
				if !slices.Equal(c.signals, tc.signals) {
					t.Errorf("signals %q, want %q", c.signals, tc.signals)
				}
				if info.Pid != 0 || info.ExitStatus != -1 {
					t.Errorf("info after stop: %+v", info)
				}
				// A stopped process is not started again automatically.
				time.Sleep(time.Minute)
				if got := p.Info().State; got != Stopped {
					t.Errorf("state a minute after stop: %v", got)
				}
			})
		})
	}
}

func TestStopInBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, _, rec := run(t, testConfig(), Deps{}, func(int) script { return script{life: 0} })
		p.AllowAutomatic(t.Context(), true)
		synctest.Wait()
		if err := p.Stop(t.Context()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Second)
		want := []string{"STARTING@0s", "BACKOFF@0s", "STOPPED@0s"}
		if got := rec.list(); !slices.Equal(got, want) {
			t.Errorf("transitions %q, want %q", got, want)
		}
	})
}

func TestControlErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Autostart = false
		p, _, _ := run(t, cfg, Deps{}, func(int) script { return script{life: -1} })
		ctx := t.Context()
		if err := p.Stop(ctx); !errors.Is(err, ErrNotRunning) {
			t.Errorf("Stop of a stopped process: %v", err)
		}
		if err := p.Signal(ctx, syscall.SIGHUP); !errors.Is(err, ErrNotRunning) {
			t.Errorf("Signal of a stopped process: %v", err)
		}
		if err := p.Start(ctx); err != nil {
			t.Fatal(err)
		}
		if err := p.Start(ctx); !errors.Is(err, ErrAlreadyStarted) {
			t.Errorf("second Start: %v", err)
		}
		if _, err := p.Await(ctx, func(i Info) bool { return i.State == Running }); err != nil {
			t.Fatal(err)
		}
		if err := p.Signal(ctx, syscall.SIGHUP); err != nil {
			t.Errorf("Signal: %v", err)
		}
		if got := p.Info().State; got != Running {
			t.Errorf("state after a signal: %v", got)
		}
	})
}

func TestAutomaticOnlyWhenAllowed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, _, rec := run(t, testConfig(), Deps{}, func(int) script { return script{life: 0} })
		time.Sleep(time.Minute)
		if got := rec.list(); len(got) != 0 {
			t.Fatalf("transitions before AllowAutomatic: %q", got)
		}
		p.AllowAutomatic(t.Context(), true)
		synctest.Wait()
		// Shutdown: automatic spawns off, then BACKOFF gives up.
		p.AllowAutomatic(t.Context(), false)
		p.GiveUp(t.Context())
		time.Sleep(time.Minute)
		want := []string{"STARTING@1m0s", "BACKOFF@1m0s", "FATAL@1m0s"}
		if got := rec.list(); !slices.Equal(got, want) {
			t.Errorf("transitions %q, want %q", got, want)
		}
	})
}
