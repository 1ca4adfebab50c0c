package mainapi

import (
	"errors"
	"fmt"
	"github.com/supervisorgo/supervisor/internal/python"
	"math"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/supervisorgo/supervisor/internal/rpc"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

// The reference calls its methods as method(*params) and treats the
// parameters as Python values: a TypeError anywhere in the call becomes
// INCORRECT_PARAMETERS (supervisor.xmlrpc.traverse), other exceptions an
// internal error (HTTP 500; here a plain error, which the dispatcher
// answers the same way). The helpers below reproduce the few Python
// conversions the methods apply to their parameters: int(), truthiness,
// str(), and the hashing a dict lookup needs.

// errTypeError is a Python TypeError: it becomes INCORRECT_PARAMETERS.
var errTypeError = errors.New("TypeError")

// arity checks the number of parameters like Python's call of a method
// with min required and max total parameters.
func arity(params []xmlrpc.Value, min, max int) error {
	if len(params) < min || len(params) > max {
		return newFault(rpc.IncorrectParameters)
	}
	return nil
}

// optionalWait is the wait parameter at index i, True when absent.
func optionalWait(params []xmlrpc.Value, i int) bool {
	if i >= len(params) {
		return true
	}
	return truthy(params[i])
}

// truthy is Python's bool(v) for the values a call may carry.
func truthy(v xmlrpc.Value) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case int:
		return x != 0
	case int64:
		return x != 0
	case float64:
		return x != 0
	case string:
		return x != ""
	case []byte:
		return len(x) > 0
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	case xmlrpc.Struct:
		return len(x) > 0
	}
	return true
}

// stringArg returns a parameter the reference uses as a str (it calls a
// str method on it, so any other type is an AttributeError: an internal
// error, not a fault).
func stringArg(v xmlrpc.Value, what string) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case []byte:
		return string(x), nil
	}
	return "", fmt.Errorf("%s must be a string, not %s", what, pyTypeName(v))
}

// hashable reports whether v can be a Python dict key: lists and dicts
// cannot (a lookup with them is a TypeError).
func hashable(v xmlrpc.Value) bool {
	switch v.(type) {
	case []any, map[string]any, xmlrpc.Struct:
		return false
	}
	return true
}

// intArg is Python's int(v), as readLog and the tail methods apply it to
// offset and length: a TypeError for values int() does not take (becoming
// INCORRECT_PARAMETERS), another error for text that is no integer or a
// value out of range (an internal error in the reference).
func intArg(v xmlrpc.Value) (int64, error) {
	switch x := v.(type) {
	case int:
		return int64(x), nil
	case int64:
		return x, nil
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return 0, fmt.Errorf("cannot convert float %s to integer", xmlrpc.AppendFloat(nil, x))
		}
		t := math.Trunc(x)
		if t >= math.MaxInt64 || t < math.MinInt64 {
			return 0, fmt.Errorf("integer %s out of range", xmlrpc.AppendFloat(nil, t))
		}
		return int64(t), nil
	case string:
		return parsePyInt(x)
	case []byte:
		return parsePyInt(string(x))
	}
	return 0, errTypeError
}

// parsePyInt is int(s) for a str: surrounding white space, an optional
// sign, decimal digits (any Unicode decimal digits) with single
// underscores between them.
func parsePyInt(s string) (int64, error) {
	bad := fmt.Errorf("invalid literal for int() with base 10: %s", pyRepr(s))
	t := strings.TrimFunc(s, isPySpace)
	neg := false
	if t != "" && (t[0] == '+' || t[0] == '-') {
		neg = t[0] == '-'
		t = t[1:]
	}
	if t == "" || t[0] == '_' || t[len(t)-1] == '_' || strings.Contains(t, "__") {
		return 0, bad
	}
	var digits []byte
	for _, r := range t {
		if r == '_' {
			continue
		}
		d, ok := pyDigit(r)
		if !ok {
			return 0, bad
		}
		digits = append(digits, byte('0'+d))
	}
	n, err := strconv.ParseUint(string(digits), 10, 64)
	if err != nil || (!neg && n > math.MaxInt64) || (neg && n > 1<<63) {
		return 0, fmt.Errorf("integer %s out of range", s)
	}
	if neg {
		return int64(-n), nil
	}
	return int64(n), nil
}

func isPySpace(r rune) bool { return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f) }

// pyDigit is the value of a Unicode decimal digit (category Nd); the Nd
// characters come in runs of ten from 0 to 9.
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

// signalArg is supervisor.datatypes.signal_number: int(v) if that works,
// else a name ("HUP", "sigterm", " SIGINT "), looked up among the SIG*
// names of Python's signal module on Linux; the number must be one of
// those names' values. BAD_SIGNAL (with str(v)) when it is not; values
// that are neither numbers nor text make the reference fail internally.
func signalArg(v xmlrpc.Value) (syscall.Signal, error) {
	n, err := intArg(v)
	if err != nil {
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case []byte:
			s = string(x)
		default:
			return 0, fmt.Errorf("signal must be a number or a name, not %s", pyTypeName(v))
		}
		name := strings.ToUpper(strings.TrimFunc(s, isPySpace))
		if !strings.HasPrefix(name, "SIG") {
			name = "SIG" + name
		}
		num, found := signalByName(name)
		if !found {
			return 0, newFaultf(rpc.BadSignal, pyStr(v))
		}
		n = int64(num)
	}
	if !validSignal(n) {
		return 0, newFaultf(rpc.BadSignal, pyStr(v))
	}
	return syscall.Signal(n), nil
}

// signalByName finds a name of Python's signal module (Linux) that starts
// with "SIG", including the SIG_* constants, which signal_number accepts.
func signalByName(name string) (int, bool) {
	switch name {
	case "SIG_DFL", "SIG_BLOCK":
		return 0, true
	case "SIGHUP", "SIG_IGN", "SIG_UNBLOCK":
		return 1, true
	case "SIGINT", "SIG_SETMASK":
		return 2, true
	case "SIGQUIT":
		return 3, true
	case "SIGILL":
		return 4, true
	case "SIGTRAP":
		return 5, true
	case "SIGABRT", "SIGIOT":
		return 6, true
	case "SIGBUS":
		return 7, true
	case "SIGFPE":
		return 8, true
	case "SIGKILL":
		return 9, true
	case "SIGUSR1":
		return 10, true
	case "SIGSEGV":
		return 11, true
	case "SIGUSR2":
		return 12, true
	case "SIGPIPE":
		return 13, true
	case "SIGALRM":
		return 14, true
	case "SIGTERM":
		return 15, true
	case "SIGSTKFLT":
		return 16, true
	case "SIGCHLD", "SIGCLD":
		return 17, true
	case "SIGCONT":
		return 18, true
	case "SIGSTOP":
		return 19, true
	case "SIGTSTP":
		return 20, true
	case "SIGTTIN":
		return 21, true
	case "SIGTTOU":
		return 22, true
	case "SIGURG":
		return 23, true
	case "SIGXCPU":
		return 24, true
	case "SIGXFSZ":
		return 25, true
	case "SIGVTALRM":
		return 26, true
	case "SIGPROF":
		return 27, true
	case "SIGWINCH":
		return 28, true
	case "SIGIO", "SIGPOLL":
		return 29, true
	case "SIGPWR":
		return 30, true
	case "SIGSYS":
		return 31, true
	case "SIGRTMIN":
		return 34, true
	case "SIGRTMAX":
		return 64, true
	}
	return 0, false
}

// validSignal reports whether n is in supervisor.datatypes.SIGNUMS: the
// values of the SIG* names (0 comes from SIG_DFL).
func validSignal(n int64) bool { return (n >= 0 && n <= 31) || n == 34 || n == 64 }

// pyStr is Python's str(v) for the values a call may carry, as the
// reference formats a fault's extra text ("BAD_NAME: 5").
func pyStr(v xmlrpc.Value) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	case time.Time:
		return x.Format("2006-01-02 15:04:05")
	}
	return pyRepr(v)
}

// pyRepr is Python's repr(v) for the values a call may carry.
func pyRepr(v xmlrpc.Value) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return string(xmlrpc.AppendFloat(nil, x))
	case string:
		return python.Repr(x)
	case []byte:
		return python.Repr(string(x))
	case time.Time:
		sec := ""
		if x.Second() != 0 {
			sec = ", " + strconv.Itoa(x.Second())
		}
		return fmt.Sprintf("datetime.datetime(%d, %d, %d, %d, %d%s)", x.Year(), int(x.Month()), x.Day(),
			x.Hour(), x.Minute(), sec)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = pyRepr(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = python.Repr(k) + ": " + pyRepr(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case xmlrpc.Struct:
		parts := make([]string, len(x))
		for i, m := range x {
			parts[i] = python.Repr(m.Name) + ": " + pyRepr(m.Value)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

// pyTypeName names v's Python type, for error texts.
func pyTypeName(v xmlrpc.Value) string {
	switch v.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case int, int64:
		return "int"
	case float64:
		return "float"
	case string, []byte:
		return "str"
	case time.Time:
		return "datetime"
	case []any:
		return "list"
	case map[string]any, xmlrpc.Struct:
		return "dict"
	}
	return fmt.Sprintf("%T", v)
}
