// Command supervisorctl controls a running supervisord, as Python
// Supervisor's supervisorctl does.
package main

import (
	"context"
	"os"

	"github.com/supervisorgo/supervisor/internal/ctl"
)

func main() {
	os.Exit(ctl.Main(context.Background(), os.Args[0], os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
