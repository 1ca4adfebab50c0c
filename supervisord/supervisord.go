// Package supervisord runs supervisord. A custom binary that compiles in
// its own XML-RPC namespaces imports them (each registers its factory with
// the plugin package) and calls Main:
//
//	package main
//
//	import (
//		"os"
//
//		_ "example.com/myplugin"
//		"github.com/supervisorgo/supervisor/supervisord"
//	)
//
//	func main() { os.Exit(supervisord.Main()) }
package supervisord

import (
	"context"
	"os"

	"github.com/supervisorgo/supervisor/internal/daemon"
)

// Main runs supervisord with the process's arguments, exactly as the
// supervisord command does, and returns its exit code.
func Main() int {
	return daemon.Main(context.Background(), os.Args[0], os.Args[1:], os.Stdout, os.Stderr)
}
