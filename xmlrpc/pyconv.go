package xmlrpc

import (
	"errors"
	"fmt"
	"github.com/supervisorgo/supervisor/internal/python"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// This file mirrors the Python conversions the reference unmarshallers
// apply to element text: int(), float(), decimal.Decimal(),
// base64.decodebytes() and strptime(text, "%Y%m%dT%H:%M:%S").

var errConvert = errors.New("invalid literal")

// pyBigInt is the integer text of a Python int that does not fit in int64.
// It is a placeholder: it may be discarded by later unmarshalling steps, and
// reaching a caller it becomes ErrUnsupported.
type pyBigInt string

// pyMaxStrDigits is CPython's default int-string conversion limit
// (sys.get_int_max_str_digits(), Python >= 3.11).
const pyMaxStrDigits = 4300

// pyIsSpace reports Py_UNICODE_ISSPACE.
func pyIsSpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// pyDigit returns the value of a Unicode decimal digit (category Nd), as
// Py_UNICODE_TODECIMAL does. Nd characters come in contiguous runs 0..9.
func pyDigit(r rune) (int, bool) {
	if r >= '0' && r <= '9' {
		return int(r - '0'), true
	}
	if r < utf8.RuneSelf || !unicode.Is(unicode.Nd, r) {
		return 0, false
	}
	first := r
	for unicode.Is(unicode.Nd, first-1) {
		first--
	}
	return int(r-first) % 10, true
}

// pyToASCII mirrors _PyUnicode_TransformDecimalAndSpaceToASCII: Unicode
// white space becomes ' ', decimal digits become ASCII digits, other
// non-ASCII characters become '?' (which no number grammar accepts).
func pyToASCII(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch d, ok := pyDigit(r); {
		case pyIsSpace(r):
			b.WriteByte(' ')
		case ok:
			b.WriteByte(byte('0' + d))
		case r < utf8.RuneSelf:
			b.WriteRune(r)
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}

func isASCIISpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' ||
		(c >= 0x1c && c <= 0x1f)
}

func trimASCIISpace(s string) string {
	for len(s) > 0 && isASCIISpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isASCIISpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// pyInt mirrors int(s) (PyLong_FromString with base 10). It returns an int,
// or a pyBigInt for values outside int64.
func pyInt(s string) (any, error) {
	s = trimASCIISpace(pyToASCII(s))
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" || s[0] == '_' || s[len(s)-1] == '_' {
		return nil, errConvert
	}
	var digits strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case isDigit(c):
			digits.WriteByte(c)
		case c == '_' && s[i-1] != '_':
		default:
			return nil, errConvert
		}
	}
	ds := digits.String()
	if len(ds) > pyMaxStrDigits {
		return nil, errConvert
	}
	sign := ""
	if neg {
		sign = "-"
	}
	n, err := strconv.ParseInt(sign+ds, 10, 64)
	if err != nil {
		ds = strings.TrimLeft(ds, "0")
		return pyBigInt(sign + ds), nil
	}
	if n != int64(int(n)) {
		return pyBigInt(sign + ds), nil
	}
	return int(n), nil
}

// pyFloatGrammar is what PyOS_string_to_double accepts once white space is
// stripped and underscores are removed.
var pyFloatGrammar = regexp.MustCompile(`^[+-]?(?i:inf|infinity|nan|([0-9]+\.?[0-9]*|\.[0-9]+)(e[+-]?[0-9]+)?)$`)

// pyFloat mirrors float(s).
func pyFloat(s string) (float64, error) {
	s = pyToASCII(s)
	if strings.IndexByte(s, '_') >= 0 {
		// _Py_string_to_number_with_underscores: each underscore must sit
		// between two ASCII digits.
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			if s[i] == '_' {
				if i == 0 || i == len(s)-1 || !isDigit(s[i-1]) || !isDigit(s[i+1]) {
					return 0, errConvert
				}
				continue
			}
			b.WriteByte(s[i])
		}
		s = b.String()
	}
	s = trimASCIISpace(s)
	if !pyFloatGrammar.MatchString(s) {
		return 0, errConvert
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		var ne *strconv.NumError
		if !errors.As(err, &ne) || ne.Err != strconv.ErrRange {
			return 0, errConvert
		}
	}
	return f, nil
}

var pyDecimalGrammar = regexp.MustCompile(`^[+-]?(?i:inf|infinity|s?nan[0-9]*|([0-9]*)(?:\.([0-9]*))?(?:e([+-]?[0-9]+))?)$`)

// Exponent limits of libmpdec on 64-bit platforms (MPD_MAX_EMAX, MPD_MIN_ETINY).
var (
	mpdMaxEmax  = big.NewInt(999999999999999999)
	mpdMinEtiny = big.NewInt(-1999999999999999997)
)

// pyDecimalValid reports whether decimal.Decimal(s) accepts s: white space
// is stripped first, then every underscore is dropped, and the exponent must
// fit libmpdec's limits.
func pyDecimalValid(s string) bool {
	s = strings.ReplaceAll(trimASCIISpace(pyToASCII(s)), "_", "")
	m := pyDecimalGrammar.FindStringSubmatch(s)
	if m == nil {
		return false
	}
	intPart, frac, exp := m[1], m[2], m[3]
	if intPart == "" && frac == "" {
		return strings.ContainsAny(s, "iInN") // inf, infinity, nan, snan
	}
	e := new(big.Int)
	if exp != "" {
		e.SetString(exp, 10)
	}
	e.Sub(e, big.NewInt(int64(len(frac))))
	coef := strings.TrimLeft(intPart+frac, "0")
	adj := new(big.Int).Add(e, big.NewInt(int64(max(len(coef), 1)-1)))
	return e.Cmp(mpdMinEtiny) >= 0 && adj.Cmp(mpdMaxEmax) <= 0
}

// The regular expression _strptime builds for "%Y%m%dT%H:%M:%S", as
// ordered alternatives of character classes; the match must then cover the
// whole input ("unconverted data remains" otherwise).
type charClass struct {
	lo, hi rune // ASCII range; lo == -1 means any Unicode decimal digit (\d)
}

var (
	dD   = charClass{-1, -1}
	r19  = charClass{'1', '9'}
	lit  = func(c rune) charClass { return charClass{c, c} }
	rng  = func(lo, hi rune) charClass { return charClass{lo, hi} }
	tfmt = [][][]charClass{
		{{dD, dD, dD, dD}}, // %Y
		{{lit('1'), rng('0', '2')}, {lit('0'), r19}, {r19}},                                       // %m
		{{lit('3'), rng('0', '1')}, {rng('1', '2'), dD}, {lit('0'), r19}, {r19}, {lit(' '), r19}}, // %d
		{{lit('T')}},
		{{lit('2'), rng('0', '3')}, {rng('0', '1'), dD}, {dD}}, // %H
		{{lit(':')}},
		{{rng('0', '5'), dD}, {dD}}, // %M
		{{lit(':')}},
		{{lit('6'), rng('0', '1')}, {rng('0', '5'), dD}, {dD}}, // %S
	}
	tfields = []int{0, 1, 2, 4, 6, 8} // groups holding Y m d H M S
)

func (c charClass) match(r rune) bool {
	if c.lo == -1 {
		return unicode.Is(unicode.Nd, r)
	}
	if c.lo == 'T' { // the pattern is compiled with re.IGNORECASE
		return r == 'T' || r == 't'
	}
	return r >= c.lo && r <= c.hi
}

// matchTime returns the end offsets (in runes) of each group of tfmt for
// the first match in regular-expression priority order.
func matchTime(rs []rune, g, pos int, ends []int) bool {
	if g == len(tfmt) {
		return true
	}
next:
	for _, alt := range tfmt[g] {
		if pos+len(alt) > len(rs) {
			continue
		}
		for i, c := range alt {
			if !c.match(rs[pos+i]) {
				continue next
			}
		}
		ends[g] = pos + len(alt)
		if matchTime(rs, g+1, pos+len(alt), ends) {
			return true
		}
	}
	return false
}

// pyStrptime mirrors datetime(*time.strptime(s, "%Y%m%dT%H:%M:%S")[:6])
// (supervisor.xmlrpc.make_datetime) and datetime.strptime(s, same format)
// (xmlrpc.client with use_builtin_types). The result is a naive time, given
// the time.UTC location.
func pyStrptime(s string) (time.Time, error) {
	rs := []rune(s)
	ends := make([]int, len(tfmt))
	if !matchTime(rs, 0, 0, ends) || ends[len(ends)-1] != len(rs) {
		return time.Time{}, errConvert
	}
	var f [6]int
	for i, g := range tfields {
		start := 0
		if g > 0 {
			start = ends[g-1]
		}
		n := 0
		for _, r := range rs[start:ends[g]] {
			if d, ok := pyDigit(r); ok {
				n = n*10 + d
			}
		}
		f[i] = n
	}
	y, mo, d, h, mi, sec := f[0], f[1], f[2], f[3], f[4], f[5]
	if y < 1 || d > daysIn(y, mo) || sec > 59 {
		return time.Time{}, errConvert
	}
	return time.Date(y, time.Month(mo), d, h, mi, sec, 0, time.UTC), nil
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// pyTruthy mirrors Python truth testing of an unmarshalled value.
func pyTruthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return x != ""
	case int:
		return x != 0
	case bool:
		return x
	case float64:
		return x != 0 // NaN != 0 is true, like Python
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	case []byte:
		return len(x) > 0
	}
	return true // pyBigInt (never zero), time.Time, pyDict
}

// pyDict is a Python dict with at least one key that is not a string. It
// is a placeholder like pyBigInt: it becomes ErrUnsupported if a caller
// would receive it.
type pyDict struct{}

// pyHashable reports whether a value may be a dict key; lists and dicts may
// not.
func pyHashable(v any) bool {
	switch v.(type) {
	case []any, map[string]any, pyDict:
		return false
	}
	return true
}

// unsupported walks v for placeholders.
func unsupported(v any) error {
	switch x := v.(type) {
	case pyBigInt:
		return fmt.Errorf("%w: integer %s does not fit in 64 bits", ErrUnsupported, truncate(string(x)))
	case pyDict:
		return fmt.Errorf("%w: struct with a non-string key", ErrUnsupported)
	case pyDecimal:
		return fmt.Errorf("%w: <bigdecimal> values are not supported", ErrUnsupported)
	case []any:
		for _, e := range x {
			if err := unsupported(e); err != nil {
				return err
			}
		}
	case map[string]any:
		for _, e := range x {
			if err := unsupported(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// pyDecimal stands for a decimal.Decimal from <bigdecimal>.
type pyDecimal struct{}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:20] + "..." + s[len(s)-10:]
	}
	return s
}

// pyBase64 is python.DecodeBase64 with this package's conversion error.
func pyBase64(in []byte) ([]byte, error) {
	b, err := python.DecodeBase64(in)
	if err != nil {
		return nil, errConvert
	}
	return b, nil
}
