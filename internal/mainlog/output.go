package mainlog

import (
	"github.com/supervisorgo/supervisor/internal/python"
	"strconv"
	"strings"
	"unicode/utf8"
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
	if utf8.Valid(data) {
		b.Write(data)
	} else {
		b.WriteString("Undecodable: ")
		b.WriteString(pyReprBytes(data))
	}
	return b.String()
}

// pyQuoteChar chooses the quote Python's repr uses: ' unless the text holds
// a ' and no ".
func pyQuoteChar(hasSingle, hasDouble bool) byte {
	if hasSingle && !hasDouble {
		return '"'
	}
	return '\''
}

// pyReprBytes is Python 3's repr of bytes: b'...' with \\, the quote,
// \t \n \r, printable ASCII as it is and \xhh for everything else.
func pyReprBytes(p []byte) string {
	q := pyQuoteChar(strings.IndexByte(string(p), '\'') >= 0, strings.IndexByte(string(p), '"') >= 0)
	b := []byte{'b', q}
	for _, c := range p {
		switch {
		case c == q || c == '\\':
			b = append(b, '\\', c)
		case c == '\t':
			b = append(b, `\t`...)
		case c == '\n':
			b = append(b, `\n`...)
		case c == '\r':
			b = append(b, `\r`...)
		case c < ' ' || c >= 0x7f:
			b = appendHex(b, `\x`, uint32(c), 2)
		default:
			b = append(b, c)
		}
	}
	return string(append(b, q))
}

func appendHex(b []byte, prefix string, v uint32, width int) []byte {
	b = append(b, prefix...)
	h := strconv.FormatUint(uint64(v), 16)
	for range width - len(h) {
		b = append(b, '0')
	}
	return append(b, h...)
}
