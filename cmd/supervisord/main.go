// Command supervisord runs and controls a set of processes, as Python
// Supervisor's supervisord does, from the same configuration file.
package main

import (
	"os"

	"github.com/supervisorgo/supervisor/supervisord"
)

func main() { os.Exit(supervisord.Main()) }
