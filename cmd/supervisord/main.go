// Command supervisord runs and controls a set of processes, as Python
// Supervisor's supervisord does, from the same configuration file.
package main

import (
	"context"
	"os"

	"github.com/supervisorgo/supervisor/internal/daemon"
)

func main() {
	os.Exit(daemon.Main(context.Background(), os.Args[0], os.Args[1:], os.Stdout, os.Stderr))
}
