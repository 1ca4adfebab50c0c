package mainlog

import (
	"strings"

	"github.com/supervisorgo/supervisor/internal/python"
)

// OutputMessage returns the message with which supervisord copies a chunk
// of a child's output into the main log at DEBG
// (POutputDispatcher._log: '%(name)r %(channel)s output:\n%(data)s'):
//
//	'web' stdout output:
//	<data>
//
// name is the process name, quoted as Python's repr quotes a str; channel
// is "stdout" or "stderr"; data is the chunk as read from the pipe, after
// strip_ansi. Data that is not valid UTF-8 (for instance a character split
// between two reads) is replaced by "Undecodable: " and Python's repr of
// the bytes (b'...'). The data's own trailing newline is kept, so the log
// usually shows an empty line after it, as the reference's does. The
// reference logs this only when loglevel is debug or lower.
func OutputMessage(name, channel string, data []byte) string {
	var b strings.Builder
	b.Grow(len(name) + len(channel) + len(data) + 16)
	b.WriteString(python.Repr(name))
	b.WriteByte(' ')
	b.WriteString(channel)
	b.WriteString(" output:\n")
	b.WriteString(python.AsString(data))
	return b.String()
}
