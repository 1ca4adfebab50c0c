// Command gocounter is an exec plugin written with plugin/execplugin: it
// counts the events of the types it subscribed to and asks supervisord for
// its state.
//
//	[rpcinterface:gocounter]
//	supervisor.rpcinterface_factory = exec
//	command = /usr/local/bin/gocounter
//	events = PROCESS_STATE PROCESS_GROUP
//
// serves gocounter.counts() (events received per event name),
// gocounter.count(name) (one of them) and gocounter.state()
// (supervisord's state name, asked back through supervisor.getState).
// events is optional (PROCESS_STATE by default).
package main

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"sync"

	"github.com/supervisorgo/supervisor/plugin/execplugin"
)

func main() {
	var (
		mu     sync.Mutex
		counts = map[string]int{}
	)
	p := execplugin.New()
	count := func(_ context.Context, e execplugin.Event) {
		mu.Lock()
		defer mu.Unlock()
		counts[e.Name]++
	}
	p.OnInit(func(_ context.Context, in execplugin.Init) error {
		types := strings.Fields(in.Config["events"])
		if len(types) == 0 {
			types = []string{"PROCESS_STATE"}
		}
		p.Subscribe(count, types...)
		return nil
	})
	p.Handle("counts", "Return the number of events received per event name.\n@return struct",
		execplugin.Func0(func(context.Context) (map[string]int, error) {
			mu.Lock()
			defer mu.Unlock()
			return maps.Clone(counts), nil
		}))
	p.Handle("count", "Return the number of events of one name received.\n@param string name\n@return int",
		execplugin.Func1(func(_ context.Context, name string) (int, error) {
			mu.Lock()
			defer mu.Unlock()
			return counts[name], nil
		}))
	p.Handle("state", "Return supervisord's state name, asked through supervisor.getState.\n@return string",
		execplugin.Func0(func(ctx context.Context) (string, error) {
			st, err := p.Call(ctx, "supervisor.getState")
			if err != nil {
				return "", err
			}
			m, err := execplugin.As[map[string]any](st)
			if err != nil {
				return "", err
			}
			return fmt.Sprint(m["statename"]), nil
		}))
	p.Main()
}
