package ctlplugin_test

import (
	"context"
	"fmt"

	"github.com/supervisorgo/supervisor/ctlplugin"
)

// A plugin adding a "uptime" command that asks the server for its state.
// A custom supervisorctl registers it from init and calls the ctl's Main;
// a [ctlplugin:x] section naming "example.uptime" then loads it.
func Example() {
	var reg ctlplugin.Registry // ctlplugin.Register uses ctlplugin.Default
	reg.Register("example.uptime", func(ic ctlplugin.InitContext) (ctlplugin.Plugin, error) {
		c := ic.Controller
		return ctlplugin.Commands{{
			Name: "uptime",
			Help: "uptime\tShow the daemon's state",
			Run: func(ctx context.Context, arg string) error {
				if !c.Upcheck(ctx) {
					return nil
				}
				v, err := c.Call(ctx, "supervisor.getState")
				if err != nil {
					return err
				}
				c.Output(fmt.Sprint(v))
				return nil
			},
		}}, nil
	})
	fmt.Println(reg.Names())
	// Output: [example.uptime]
}
