// Package ctl is supervisorctl: the reference's (Supervisor 4.2.5)
// commands with the same output, messages and exit codes, its options and
// [supervisorctl] section (with the same configuration search order), its
// interactive shell (line editing, history, completion of commands and of
// process and group names asked from the server), and [ctlplugin:x]
// plugins from the ctlplugin registry (Go ports of supervisor-wildcards,
// supervisor-serialrestart and supervisor_cache's commands are built in).
//
// Extensions, beyond the reference:
//
//   - call [--json] NAMESPACE.method [arg ...] calls any method of any
//     namespace. Arguments are split like shell words and typed: 42 is an
//     int, 1.5 a double, true/false booleans, [..] and {..} JSON arrays
//     and structs, anything else a string; int:, str:, string:, bool:,
//     float:, double: and json: prefixes say the type explicitly
//     ("str:42"). The result is printed as Python's pprint.pformat would
//     (a string as is), or as JSON with --json. A fault prints
//     "METHOD: ERROR (fault CODE: TEXT)" and exits 1.
//   - status, pid, avail and version accept --json.
//   - start, stop and restart accept -P (--parallel): every process named
//     (or in the groups named, or all) is handled at once, each by its own
//     call (Supervisor issue #723).
//   - errors the reference shows as a Python exception (permission denied
//     on the socket, a 401, an unknown host, a server that is not
//     supervisord) are one line saying what to check.
//   - -r/--history-file works (the reference ignores it and only reads
//     history_file from the configuration), and -v/--version prints the
//     version.
package ctl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	_ "github.com/supervisorgo/supervisor/internal/ctl/ports" // compiled-in ctl plugins
)

// Main runs supervisorctl with args (without the program name) and returns
// the exit code.
func Main(ctx context.Context, argv0 string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	o, err := parseOptions(argv0, args)
	if err != nil {
		var now *exitNow
		if errors.As(err, &now) {
			io.WriteString(stdout, now.text)
			return 0
		}
		fmt.Fprintf(stderr, "Error: %s\nFor help, use %s -h\n", err, argv0)
		return 2
	}
	c := newController(o, argv0, stdin, stdout, stderr)
	if err := c.loadPlugins(); err != nil {
		fmt.Fprintf(stderr, "Error: %s\n", err)
		return 2
	}
	defer func() {
		c.mu.Lock()
		c.client.close()
		c.mu.Unlock()
	}()
	if len(o.args) > 0 {
		c.onecmd(ctx, strings.Join(o.args, " "))
		if c.lines != nil {
			c.lines.close()
		}
		return c.exitStatus()
	}
	c.shell(ctx)
	return 0
}
