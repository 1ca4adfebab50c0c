package execplugin_test

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"

	"github.com/supervisorgo/supervisor/plugin/execplugin"
)

// The package's example, compiled (not run: Main serves stdin and exits).
func Example() {
	var n atomic.Int64
	p := execplugin.New()
	p.OnInit(func(ctx context.Context, in execplugin.Init) error {
		start, err := strconv.Atoi(in.Config["start"])
		if err != nil {
			return fmt.Errorf("start: %v", err) // supervisord refuses to start, saying so
		}
		n.Store(int64(start))
		return nil
	})
	p.Handle("add", "Add delta to the counter and return it.\n@param int delta\n@return int",
		execplugin.Func1(func(ctx context.Context, delta int) (int, error) {
			if delta < 0 {
				return 0, execplugin.Errorf(execplugin.FaultBadArguments, "BAD_ARGUMENTS: delta %d < 0", delta)
			}
			return int(n.Add(int64(delta))), nil
		}))
	p.Handle("state", "Return supervisord's state, asked back.\n@return string",
		execplugin.Func0(func(ctx context.Context) (string, error) {
			st, err := p.Call(ctx, "supervisor.getState")
			if err != nil {
				return "", err
			}
			m, _ := execplugin.As[map[string]any](st)
			return fmt.Sprint(m["statename"]), nil
		}))
	p.Subscribe(func(ctx context.Context, e execplugin.Event) {
		p.Logf(execplugin.LevelInfo, "%s is now %s", e.Fields()["processname"], e.Name)
	}, "PROCESS_STATE")
	p.Main()
}
