package supervisor

import (
	"context"
	"errors"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/supervisorgo/supervisor/internal/config"
	"github.com/supervisorgo/supervisor/internal/process"
)

func names(g *Group) []string {
	var out []string
	for _, p := range g.Processes {
		out = append(out, p.Config().Name)
	}
	return out
}

func configNames(g *Group) []string {
	var out []string
	for _, p := range g.Config.Processes {
		out = append(out, p.Name)
	}
	return out
}

func member(name string, prio int, autostart bool) *config.Process {
	p := proc(name, prio)
	p.Group = "jobs"
	p.Autostart = autostart
	return p
}

func TestAddProcesses(t *testing.T) {
	for _, tc := range []struct {
		name    string
		group   string
		add     []*config.Process
		started bool // the Manager was started before the call
		err     error
		exists  string // the name a *ProcessExistsError carries
		want    []string
		spawned []string
	}{
		{name: "no such group", group: "nope", add: []*config.Process{member("x", 1, true)}, err: ErrBadName,
			want: []string{"a"}},
		{name: "duplicate of a group's own", group: "jobs", add: []*config.Process{member("x", 1, false), member("a", 1, false)},
			err: ErrProcessExists, exists: "a", want: []string{"a"}},
		{name: "added after the group's own", group: "jobs", add: []*config.Process{member("y", 1, false), member("x", 1, false)},
			want: []string{"a", "y", "x"}},
		{name: "autostart before Start waits for it", group: "jobs", add: []*config.Process{member("x", 1, true)},
			want: []string{"a", "x"}},
		{name: "autostart once started, by priority", group: "jobs", started: true,
			add:  []*config.Process{member("late", 9, true), member("early", 1, true), member("manual", 0, false)},
			want: []string{"a", "late", "early", "manual"}, spawned: []string{"spawn a", "spawn early", "spawn late"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				log := &eventLog{}
				m := New(Deps{Spawner: &spawner{log: log}})
				defer m.Close()
				ctx := context.Background()
				a := proc("a", 1)
				a.Autostart = tc.started
				if err := m.AddGroup(ctx, group("jobs", 1, a)); err != nil {
					t.Fatal(err)
				}
				if tc.started {
					m.Start(ctx)
					synctest.Wait()
				}
				before := m.Group("jobs")
				added, err := m.AddProcesses(ctx, tc.group, tc.add)
				if !errors.Is(err, tc.err) {
					t.Fatalf("AddProcesses: %v, want %v", err, tc.err)
				}
				var pe *ProcessExistsError
				if tc.exists != "" && (!errors.As(err, &pe) || pe.Name != tc.exists) {
					t.Errorf("error %v does not name %s", err, tc.exists)
				}
				if err == nil && len(added) != len(tc.add) {
					t.Errorf("%d processes returned, want %d", len(added), len(tc.add))
				}
				g := m.Group("jobs")
				if got := names(g); !slices.Equal(got, tc.want) {
					t.Errorf("processes %q, want %q", got, tc.want)
				}
				if got := configNames(g); !slices.Equal(got, tc.want) {
					t.Errorf("configured processes %q, want %q", got, tc.want)
				}
				if got := names(before); !slices.Equal(got, []string{"a"}) {
					t.Errorf("a group taken before the call changed: %q", got)
				}
				time.Sleep(2 * time.Second)
				if got := log.list(); !slices.Equal(got, tc.spawned) {
					t.Errorf("spawned %q, want %q", got, tc.spawned)
				}
			})
		})
	}
}

func TestRemoveProcess(t *testing.T) {
	for _, tc := range []struct {
		name   string
		group  string
		remove string
		start  bool // start the process first
		err    error
		want   []string
	}{
		{name: "no such group", group: "nope", remove: "x", err: ErrBadName, want: []string{"a", "x", "y"}},
		{name: "no such process", group: "jobs", remove: "z", err: ErrBadName, want: []string{"a", "x", "y"}},
		{name: "running", group: "jobs", remove: "x", start: true, err: ErrStillRunning, want: []string{"a", "x", "y"}},
		{name: "an added process", group: "jobs", remove: "x", want: []string{"a", "y"}},
		{name: "a group's own process", group: "jobs", remove: "a", want: []string{"x", "y"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				m := New(Deps{Spawner: &spawner{log: &eventLog{}}})
				defer m.Close()
				ctx := context.Background()
				a := proc("a", 1)
				a.Autostart = false
				m.AddGroup(ctx, group("jobs", 1, a))
				added, err := m.AddProcesses(ctx, "jobs", []*config.Process{member("x", 1, false), member("y", 1, false)})
				if err != nil {
					t.Fatal(err)
				}
				x := added[0]
				if tc.start {
					x.Start(ctx)
					x.Await(ctx, func(i process.Info) bool { return i.State == process.Running })
				}
				before := m.Group("jobs")
				err = m.RemoveProcess(tc.group, tc.remove)
				if !errors.Is(err, tc.err) {
					t.Fatalf("RemoveProcess: %v, want %v", err, tc.err)
				}
				g := m.Group("jobs")
				if got := names(g); !slices.Equal(got, tc.want) {
					t.Errorf("processes %q, want %q", got, tc.want)
				}
				if got := configNames(g); !slices.Equal(got, tc.want) {
					t.Errorf("configured processes %q, want %q", got, tc.want)
				}
				if err == nil && len(names(before)) != 3 {
					t.Errorf("a group taken before the call changed: %q", names(before))
				}
				if err == nil && tc.remove == "x" {
					synctest.Wait()
					select {
					case <-x.Done():
					default:
						t.Errorf("the removed process's actor still runs")
					}
				}
				if tc.start {
					x.Stop(ctx)
					x.Await(ctx, func(i process.Info) bool { return i.State.IsStopped() })
				}
			})
		})
	}
}

func TestGroupNamesKeepsInsertionOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := New(Deps{Spawner: &spawner{log: &eventLog{}}})
		defer m.Close()
		ctx := context.Background()
		m.AddGroup(ctx, group("z", 1, proc("z", 1)))
		m.AddGroup(ctx, group("a", 900, proc("a", 1)))
		m.AddGroup(ctx, group("m", 5, proc("m", 1)))
		m.RemoveGroup("z")
		m.AddGroup(ctx, group("z", 1, proc("z", 1)))
		if got, want := m.GroupNames(), []string{"a", "m", "z"}; !slices.Equal(got, want) {
			t.Errorf("GroupNames %q, want %q", got, want)
		}
	})
}
