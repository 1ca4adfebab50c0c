// Command custom-supervisord is supervisord with the example greeter
// namespace compiled in: the whole of "build your own supervisord".
package main

import (
	"os"

	_ "github.com/supervisorgo/supervisor/examples/plugins/greeter"
	"github.com/supervisorgo/supervisor/supervisord"
)

func main() { os.Exit(supervisord.Main()) }
