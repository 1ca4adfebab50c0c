package python

import (
	"bytes"
	"unicode/utf8"
)

// BytesRepr is repr() of a bytes object: b'...' with the same choice of
// quote as Repr, \t \n \r \\ and the quote escaped, and every byte outside
// printable ASCII as \xhh.
func BytesRepr(s []byte) string {
	q := byte('\'')
	if bytes.IndexByte(s, '\'') >= 0 && bytes.IndexByte(s, '"') < 0 {
		q = '"'
	}
	b := []byte{'b', q}
	for _, c := range s {
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

// AsString is how the reference turns output bytes into text for its log
// lines and events: the text itself when it is UTF-8, else "Undecodable: "
// and the bytes' repr (as_string, or 'Undecodable: %r' % data).
func AsString(data []byte) string {
	if utf8.Valid(data) {
		return string(data)
	}
	return "Undecodable: " + BytesRepr(data)
}
