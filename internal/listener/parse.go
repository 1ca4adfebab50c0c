package listener

import "github.com/supervisorgo/supervisor/internal/python"

// resultLength reads the length of a result line as the reference does:
// Python's int() of what follows the first 7 bytes ("RESULT " is not
// checked). A negative length is refused (the reference would go astray).
func resultLength(line []byte) (int, bool) {
	if len(line) < 7 {
		return 0, false
	}
	s := line[7:]
	// int() ignores surrounding whitespace.
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' }
	for len(s) > 0 && isSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	if len(s) > 0 && s[0] == '+' {
		s = s[1:]
	}
	if len(s) == 0 {
		return 0, false
	}
	n := 0
	prevDigit := false
	for i, c := range s {
		switch {
		case c >= '0' && c <= '9':
			if n > (1<<31)/10 {
				return 0, false
			}
			n = n*10 + int(c-'0')
			prevDigit = true
		case c == '_' && prevDigit && i+1 < len(s):
			prevDigit = false
		default:
			return 0, false
		}
	}
	return n, prevDigit
}

// text is as_string of a line, or the reference's Undecodable form.
func text(b []byte) string { return python.AsString(b) }
