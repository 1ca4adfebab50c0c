// Package python reproduces the few behaviours of Python's standard
// library the reference's answers depend on: repr() of a str, and the
// lenient base64 decoding of base64.decodebytes.
package python

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Repr is repr() of a str: single quotes unless the text holds a single
// quote and no double quote; backslash escapes for \, the quote, \t, \n,
// \r and non-printable characters (\xhh, \uhhhh, \Uhhhhhhhh). Bytes that
// are not UTF-8 are shown as the surrogates Python's surrogateescape
// decoding gives (\udcXX), as for file names.
func Repr(s string) string {
	q := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		q = '"'
	}
	b := []byte{q}
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b = appendHex(b, `\udc`, uint32(s[i]), 2)
			i++
			continue
		}
		i += n
		switch {
		case r == rune(q) || r == '\\':
			b = append(b, '\\', byte(r))
		case r == '\t':
			b = append(b, `\t`...)
		case r == '\n':
			b = append(b, `\n`...)
		case r == '\r':
			b = append(b, `\r`...)
		case r < ' ' || r == 0x7f:
			b = appendHex(b, `\x`, uint32(r), 2)
		case r < 0x7f:
			b = append(b, byte(r))
		case unicode.IsPrint(r): // str.isprintable
			b = utf8.AppendRune(b, r)
		case r <= 0xff:
			b = appendHex(b, `\x`, uint32(r), 2)
		case r <= 0xffff:
			b = appendHex(b, `\u`, uint32(r), 4)
		default:
			b = appendHex(b, `\U`, uint32(r), 8)
		}
	}
	return string(append(b, q))
}

func appendHex(b []byte, prefix string, v uint32, width int) []byte {
	const digits = "0123456789abcdef"
	b = append(b, prefix...)
	for i := width - 1; i >= 0; i-- {
		b = append(b, digits[(v>>(4*uint(i)))&0xf])
	}
	return b
}
