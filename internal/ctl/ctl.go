// Package ctl is supervisorctl: its command line now, its commands and
// interactive shell as they are built.
package ctl

import (
	"context"
	"fmt"
	"io"

	"github.com/supervisorgo/supervisor/internal/config"
	"github.com/supervisorgo/supervisor/internal/getopt"
)

// Main runs supervisorctl with args (without the program name) and returns
// the exit code.
func Main(ctx context.Context, argv0 string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	opts, rest, err := getopt.Parse(args, "hc:vis:u:p:r:",
		[]string{"help", "configuration=", "version", "interactive", "serverurl=", "username=", "password=", "history-file="})
	if err != nil {
		fmt.Fprintf(stderr, "Error: %s\nFor help, use %s -h\n", err, argv0)
		return 2
	}
	file := ""
	for _, o := range opts {
		switch o.Name {
		case "-h", "--help":
			fmt.Fprintf(stdout, "Usage: %s [options] [action [arguments]]\n", argv0)
			return 0
		case "-v", "--version":
			fmt.Fprintln(stdout, "4.2.5")
			return 0
		case "-c", "--configuration":
			file = o.Value
		}
	}
	if file != "" {
		if _, err := config.LoadCtl(file, config.Options{}); err != nil {
			fmt.Fprintf(stderr, "Error: %v\n", err)
			return 2
		}
	}
	fmt.Fprintf(stderr, "Error: supervisorctl commands are not built yet (asked for %q)\n", rest)
	return 2
}
