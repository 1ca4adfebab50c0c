package ini

import (
	"errors"
	"fmt"
	"github.com/supervisorgo/supervisor/internal/python"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Vars are the names available to Expand. Values are strings or ints, the
// two types Supervisor puts in its expansion dictionaries.
type Vars map[string]any

// Clone returns a copy of v.
func (v Vars) Clone() Vars {
	c := make(Vars, len(v))
	for k, x := range v {
		c[k] = x
	}
	return c
}

// Names returns the sorted names of v.
func (v Vars) Names() []string {
	names := make([]string, 0, len(v))
	for k := range v {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// MissingNameError reports a %(name)s whose name is not defined.
type MissingNameError struct{ Name string }

func (e *MissingNameError) Error() string { return fmt.Sprintf("name %q is not defined", e.Name) }

// FormatError reports a malformed format string.
type FormatError struct{ Msg string }

func (e *FormatError) Error() string { return e.Msg }

// Expand applies Python's `format % mapping` to s, the operation Supervisor
// uses for every %(name)s expansion (supervisor.options.expand). It supports
// "%%", and "%(name)" followed by flags (-+ #0), a width, a precision and one
// of the conversions s r a d i u o x X e E f F g G c. A conversion without a
// "(name)" is refused: Python would format the whole mapping there, which is
// never what a configuration means.
func Expand(s string, vars Vars) (string, error) {
	if !strings.Contains(s, "%") {
		return s, nil
	}
	var b strings.Builder
	r := []rune(s)
	for i := 0; i < len(r); i++ {
		if r[i] != '%' {
			b.WriteRune(r[i])
			continue
		}
		i++
		if i >= len(r) {
			return "", &FormatError{"incomplete format"}
		}
		if r[i] == '%' {
			b.WriteByte('%')
			continue
		}
		if r[i] != '(' {
			return "", &FormatError{fmt.Sprintf("format requires a name at index %d: write %%%% for a literal %%", i-1)}
		}
		// The key runs to the matching ')', counting nested parentheses.
		depth, start := 1, i+1
		for i++; i < len(r) && depth > 0; i++ {
			switch r[i] {
			case '(':
				depth++
			case ')':
				depth--
			}
		}
		if depth > 0 {
			return "", &FormatError{"incomplete format key"}
		}
		name := string(r[start : i-1])
		val, ok := vars[name]
		if !ok {
			return "", &MissingNameError{name}
		}
		var sp spec
		for ; i < len(r) && strings.ContainsRune("-+ #0", r[i]); i++ {
			sp.flags += string(r[i])
		}
		if i < len(r) && r[i] == '*' {
			return "", &FormatError{"* wants int"}
		}
		for ; i < len(r) && r[i] >= '0' && r[i] <= '9'; i++ {
			sp.width = sp.width*10 + int(r[i]-'0')
			if sp.width > maxWidth {
				return "", &FormatError{"width too big"}
			}
		}
		sp.prec = -1
		if i < len(r) && r[i] == '.' {
			sp.prec = 0
			for i++; i < len(r) && r[i] >= '0' && r[i] <= '9'; i++ {
				sp.prec = sp.prec*10 + int(r[i]-'0')
				if sp.prec > maxWidth {
					return "", &FormatError{"precision too big"}
				}
			}
		}
		for i < len(r) && (r[i] == 'h' || r[i] == 'l' || r[i] == 'L') {
			i++
		}
		if i >= len(r) {
			return "", &FormatError{"incomplete format"}
		}
		out, err := sp.format(r[i], val, i)
		if err != nil {
			return "", err
		}
		b.WriteString(out)
	}
	return b.String(), nil
}

// maxWidth bounds the width and precision of a conversion, so that a small
// file cannot expand into a huge value.
const maxWidth = 10000

type spec struct {
	flags string
	width int
	prec  int
}

func (sp spec) has(f byte) bool { return strings.IndexByte(sp.flags, f) >= 0 }

var errNumber = errors.New("a real number is required")

func (sp spec) format(conv rune, val any, at int) (string, error) {
	var body string
	numeric := false
	switch conv {
	case 's', 'r', 'a':
		switch v := val.(type) {
		case string:
			body = v
			if conv != 's' {
				body = python.Repr(v)
			}
		case int:
			body = strconv.Itoa(v)
		}
		if sp.prec >= 0 {
			if rs := []rune(body); len(rs) > sp.prec {
				body = string(rs[:sp.prec])
			}
		}
	case 'd', 'i', 'u', 'o', 'x', 'X':
		v, ok := val.(int)
		if !ok {
			return "", &FormatError{fmt.Sprintf("%%%c format: %v, not str", conv, errNumber)}
		}
		numeric = true
		base, prefix := 10, ""
		switch conv {
		case 'o':
			base, prefix = 8, "0o"
		case 'x':
			base, prefix = 16, "0x"
		case 'X':
			base, prefix = 16, "0X"
		}
		neg := v < 0
		digits := strconv.FormatUint(absInt(v), base)
		if conv == 'X' {
			digits = strings.ToUpper(digits)
		}
		if sp.prec >= 0 && len(digits) < sp.prec {
			digits = strings.Repeat("0", sp.prec-len(digits)) + digits
		}
		if sp.has('#') && base != 10 {
			digits = prefix + digits
		}
		body = sp.sign(neg) + digits
	case 'e', 'E', 'f', 'F', 'g', 'G':
		v, ok := val.(int)
		if !ok {
			return "", &FormatError{fmt.Sprintf("must be real number, not str")}
		}
		numeric = true
		prec := sp.prec
		if prec < 0 {
			prec = 6
		}
		f := float64(v)
		s := strconv.FormatFloat(math.Abs(f), byte(conv|0x20), prec, 64)
		if conv == 'g' || conv == 'G' {
			s = strconv.FormatFloat(math.Abs(f), 'g', max(prec, 1), 64)
		}
		s = fixExponent(s)
		if conv >= 'A' && conv <= 'Z' {
			s = strings.ToUpper(s)
		}
		body = sp.sign(f < 0) + s
	case 'c':
		switch v := val.(type) {
		case int:
			if v < 0 || v > 0x10ffff {
				return "", &FormatError{"%c arg not in range(0x110000)"}
			}
			body = string(rune(v))
		case string:
			if len([]rune(v)) != 1 {
				return "", &FormatError{"%c requires int or char"}
			}
			body = v
		}
	default:
		return "", &FormatError{fmt.Sprintf("unsupported format character %q (%#x) at index %d", conv, conv, at)}
	}
	n := len([]rune(body))
	if n >= sp.width {
		return body, nil
	}
	pad := sp.width - n
	switch {
	case sp.has('-'):
		return body + strings.Repeat(" ", pad), nil
	case numeric && sp.has('0'):
		signLen := 0
		if body != "" && strings.ContainsRune("+- ", rune(body[0])) {
			signLen = 1
		}
		if sp.has('#') && len(body) > signLen+1 && body[signLen] == '0' && strings.ContainsRune("oxX", rune(body[signLen+1])) {
			signLen += 2
		}
		return body[:signLen] + strings.Repeat("0", pad) + body[signLen:], nil
	default:
		return strings.Repeat(" ", pad) + body, nil
	}
}

func (sp spec) sign(neg bool) string {
	switch {
	case neg:
		return "-"
	case sp.has('+'):
		return "+"
	case sp.has(' '):
		return " "
	}
	return ""
}

func absInt(v int) uint64 {
	if v < 0 {
		return uint64(-(v + 1)) + 1
	}
	return uint64(v)
}

// fixExponent turns Go's "1e+06" style into Python's (already the same) and
// pads a one-digit exponent to two digits as Python does.
func fixExponent(s string) string {
	i := strings.IndexAny(s, "eE")
	if i < 0 || i+2 >= len(s) {
		return s
	}
	exp := s[i+2:]
	if len(exp) == 1 {
		return s[:i+2] + "0" + exp
	}
	return s
}
