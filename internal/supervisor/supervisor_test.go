package supervisor

import (
	"context"
	"slices"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/supervisorgo/supervisor/internal/config"
	"github.com/supervisorgo/supervisor/internal/process"
)

// child lives until signalled, then exits after 100ms.
type child struct {
	pid  int
	done chan process.ExitStatus
	once sync.Once
	log  *eventLog
	name string
}

func (c *child) Pid() int                        { return c.pid }
func (c *child) Done() <-chan process.ExitStatus { return c.done }
func (c *child) Signal(sig syscall.Signal, group bool) error {
	c.log.add("signal " + c.name)
	c.once.Do(func() {
		go func() {
			time.Sleep(100 * time.Millisecond)
			c.done <- process.ExitStatus{Code: -1, Detail: "terminated by SIGTERM"}
		}()
	})
	return nil
}

type eventLog struct {
	mu  sync.Mutex
	got []string
}

func (l *eventLog) add(s string) {
	l.mu.Lock()
	l.got = append(l.got, s)
	l.mu.Unlock()
}

func (l *eventLog) list() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.got)
}

type spawner struct {
	log *eventLog
	n   int
	mu  sync.Mutex
}

func (s *spawner) Spawn(cfg *config.Process) (process.Child, error) {
	s.mu.Lock()
	s.n++
	n := s.n
	s.mu.Unlock()
	s.log.add("spawn " + cfg.Name)
	return &child{pid: n, done: make(chan process.ExitStatus, 1), log: s.log, name: cfg.Name}, nil
}

func group(name string, prio int, procs ...*config.Process) *config.Group {
	for _, p := range procs {
		p.Group = name
	}
	return &config.Group{Name: name, Priority: prio, Processes: procs}
}

func proc(name string, prio int) *config.Process {
	return &config.Process{Name: name, Priority: prio, Autostart: true, StartSecs: 1, StartRetries: 3,
		StopSignal: syscall.SIGTERM, StopWaitSecs: 10, ExitCodes: []int{0}, Autorestart: config.AutorestartUnexpected}
}

func TestStartAndShutdownOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log := &eventLog{}
		m := New(Deps{Spawner: &spawner{log: log}})
		defer m.Close()
		ctx := context.Background()
		// Sorted by priority; equal priorities keep the order of addition
		// (jobs before db), as the reference's stable sort does.
		for _, g := range []*config.Group{
			group("web", 500, proc("web", 500)),
			group("jobs", 100, proc("b", 20), proc("a", 10), proc("c", 20)),
			group("db", 100, proc("db", 100)),
		} {
			if err := m.AddGroup(ctx, g); err != nil {
				t.Fatal(err)
			}
		}
		if err := m.Start(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Second)
		want := []string{"spawn a", "spawn b", "spawn c", "spawn db", "spawn web"}
		if got := log.list(); !slices.Equal(got, want) {
			t.Fatalf("start order %q, want %q", got, want)
		}
		for _, g := range m.Groups() {
			for _, p := range g.Processes {
				if s := p.Info().State; s != process.Running {
					t.Errorf("%s is %v", p.Config().Name, s)
				}
			}
		}
		start := time.Now()
		if err := m.Shutdown(ctx, Shutdown); err != nil {
			t.Fatal(err)
		}
		// One group at a time, highest priority number first; in a group
		// by descending process priority (c before b: reverse name order).
		want = append(want, "signal web", "signal db", "signal c", "signal b", "signal a")
		if got := log.list(); !slices.Equal(got, want) {
			t.Errorf("shutdown order %q, want %q", got, want)
		}
		if d := time.Since(start); d != 300*time.Millisecond {
			t.Errorf("shutdown took %v, want 3 groups x 100ms", d)
		}
		if m.State() != Shutdown {
			t.Errorf("state %v", m.State())
		}
	})
}

func TestLookupAndRemove(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := New(Deps{Spawner: &spawner{log: &eventLog{}}})
		defer m.Close()
		ctx := context.Background()
		m.AddGroup(ctx, group("jobs", 1, proc("a", 1), proc("b", 1)))
		m.AddGroup(ctx, group("web", 1, proc("web", 1)))
		if err := m.AddGroup(ctx, group("web", 1, proc("web", 1))); err != ErrGroupExists {
			t.Errorf("second AddGroup: %v", err)
		}
		for _, tc := range []struct {
			spec, group, proc string
			err               error
		}{
			{"web", "web", "web", nil},
			{"jobs:a", "jobs", "a", nil},
			{"jobs:*", "jobs", "", nil},
			{"jobs:", "jobs", "", nil},
			{"jobs", "", "", ErrBadName},
			{"nope:a", "", "", ErrBadName},
			{"jobs:z", "", "", ErrBadName},
		} {
			g, p, err := m.Lookup(tc.spec)
			var gn, pn string
			if g != nil {
				gn = g.Config.Name
			}
			if p != nil {
				pn = p.Config().Name
			}
			if err != tc.err || gn != tc.group || pn != tc.proc {
				t.Errorf("Lookup(%q) = %q, %q, %v; want %q, %q, %v", tc.spec, gn, pn, err, tc.group, tc.proc, tc.err)
			}
		}
		_, p, _ := m.Lookup("web")
		p.Start(ctx)
		if err := m.RemoveGroup("web"); err != ErrStillRunning {
			t.Errorf("RemoveGroup of a running group: %v", err)
		}
		p.Stop(ctx)
		p.Await(ctx, func(i process.Info) bool { return i.State == process.Stopped })
		if err := m.RemoveGroup("web"); err != nil {
			t.Errorf("RemoveGroup: %v", err)
		}
		if g := m.Group("web"); g != nil {
			t.Errorf("group still there")
		}
		synctest.Wait()
		select {
		case <-p.Done():
		default:
			t.Errorf("the removed group's process actor still runs")
		}
		if err := m.RemoveGroup("web"); err != ErrBadName {
			t.Errorf("RemoveGroup twice: %v", err)
		}
	})
}
