// Package pyfmt prints decoded XML-RPC values as Python does: repr()
// and pprint.pformat(), the way the reference's plugins show results.
package pyfmt

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/supervisorgo/supervisor/internal/python"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

func pyRepr(s string) string { return python.Repr(s) }

// Repr is Python's repr() of a decoded XML-RPC value.
func Repr(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case bool:
		if v {
			return "True"
		}
		return "False"
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return string(xmlrpc.AppendFloat(nil, v))
	case string:
		return pyRepr(v)
	case []byte:
		return "b" + pyRepr(string(v))
	case time.Time:
		if v.Second() == 0 && v.Nanosecond() == 0 {
			return fmt.Sprintf("datetime.datetime(%d, %d, %d, %d, %d)", v.Year(), v.Month(), v.Day(), v.Hour(), v.Minute())
		}
		return fmt.Sprintf("datetime.datetime(%d, %d, %d, %d, %d, %d)", v.Year(), v.Month(), v.Day(), v.Hour(), v.Minute(), v.Second())
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = Repr(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := sortedKeys(v)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = pyRepr(k) + ": " + Repr(v[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// PFormat is pprint.pformat (width 80): repr() when it fits, else one
// item per line, nested containers indented under their opening bracket.
func PFormat(v any) string {
	var b strings.Builder
	pf(&b, v, 0, 0)
	return b.String()
}

// pf writes v at column indent; allowance is the room the closing
// brackets and commas after v take.
func pf(b *strings.Builder, v any, indent, allowance int) {
	r := Repr(v)
	if len(r) <= 80-indent-allowance {
		b.WriteString(r)
		return
	}
	switch v := v.(type) {
	case []any:
		if len(v) == 0 {
			b.WriteString(r)
			return
		}
		b.WriteString("[")
		for i, e := range v {
			if i > 0 {
				b.WriteString(",\n" + strings.Repeat(" ", indent+1))
			}
			last := 0
			if i == len(v)-1 {
				last = allowance + 1
			} else {
				last = 1
			}
			pf(b, e, indent+1, last)
		}
		b.WriteString("]")
	case map[string]any:
		if len(v) == 0 {
			b.WriteString(r)
			return
		}
		b.WriteString("{")
		for i, k := range sortedKeys(v) {
			if i > 0 {
				b.WriteString(",\n" + strings.Repeat(" ", indent+1))
			}
			kr := pyRepr(k)
			b.WriteString(kr + ": ")
			last := 1
			if i == len(v)-1 {
				last = allowance + 1
			}
			pf(b, v[k], indent+1+len(kr)+2, last)
		}
		b.WriteString("}")
	default:
		b.WriteString(r)
	}
}
