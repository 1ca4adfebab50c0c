package xmlrpc

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The differential tests in this package run the reference (Debian's
// python3 with its supervisor package) through testdata/pyref.py. They fail,
// never skip, when it is missing.
const pythonPath = "/usr/bin/python3"

// pyResult is one answer of testdata/pyref.py.
type pyResult struct {
	OK       json.RawMessage `json:"ok"`
	Err      string          `json:"err"`
	Unrep    string          `json:"unrep"`
	NoMethod bool            `json:"nomethod"`
	Fault    []any           `json:"fault"`
}

// runPython sends items to testdata/pyref.py's op and decodes its answers.
func runPython[R any](t *testing.T, op string, items any) []R {
	t.Helper()
	if _, err := os.Stat(pythonPath); err != nil {
		t.Fatalf("the differential tests need the Python reference, but %s is missing (%v): "+
			"install Debian's python3 and supervisor packages (apt-get install python3 supervisor)", pythonPath, err)
	}
	script, err := filepath.Abs(filepath.Join("testdata", "pyref.py"))
	if err != nil {
		t.Fatal(err)
	}
	req, err := json.Marshal(map[string]any{"op": op, "items": items})
	if err != nil {
		t.Fatal(err)
	}
	// -I: isolated mode, so neither the working directory nor the script's
	// directory shadows installed modules; run outside the supervisor tree.
	cmd := exec.CommandContext(t.Context(), pythonPath, "-I", script)
	cmd.Dir = t.TempDir()
	cmd.Stdin = bytes.NewReader(req)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("running the Python reference (%s %s) failed: %v\n%s\n"+
			"(install Debian's python3 and supervisor packages if a module is missing)", pythonPath, script, err, stderr.String())
	}
	var res []R
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("decoding the Python reference's answer: %v\n%.500s", err, out)
	}
	if n := reflect.ValueOf(items).Len(); len(res) != n {
		t.Fatalf("Python reference returned %d results for %d items", len(res), n)
	}
	return res
}

// tagValue renders a decoded Value the way pyref.py's tag() renders a
// Python object, so the two can be compared as JSON.
func tagValue(v any) any {
	switch x := v.(type) {
	case nil:
		return []any{"nil"}
	case bool:
		return []any{"bool", x}
	case int:
		return []any{"int", strconv.Itoa(x)}
	case float64:
		return []any{"double", string(AppendFloat(nil, x))}
	case string:
		return []any{"string", x}
	case []byte:
		return []any{"bytes", base64.StdEncoding.EncodeToString(x)}
	case time.Time:
		return []any{"time", x.Format("2006-01-02T15:04:05")}
	case []any:
		items := make([]any, len(x))
		for i, e := range x {
			items[i] = tagValue(e)
		}
		return []any{"array", items}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		members := make([]any, len(keys))
		for i, k := range keys {
			members[i] = []any{k, tagValue(x[k])}
		}
		return []any{"struct", members}
	}
	return []any{"other", fmt.Sprintf("%T", v)}
}

// jsonNormal round-trips v through JSON so that it compares with
// reflect.DeepEqual against a decoded Python answer.
func jsonNormal(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func rawNormal(t *testing.T, raw json.RawMessage) any {
	t.Helper()
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// golden encodings: each Go value with the Python expression it stands for.
var dumpCases = []struct {
	name   string
	kind   string // "response" (xmlrpc_marshal) or "call" (dumps with methodname)
	method string
	value  Value // for "call": []any of params
	py     string
}{
	{"int", "response", "", 42, "42"},
	{"negative int", "response", "", -7, "-7"},
	{"max int", "response", "", math.MaxInt32, "2**31-1"},
	{"min int", "response", "", math.MinInt32, "-2**31"},
	{"int64 kind", "response", "", int64(5), "5"},
	{"uint8 kind", "response", "", uint8(200), "200"},
	{"true", "response", "", true, "True"},
	{"false", "response", "", false, "False"},
	{"string", "response", "", "hello", "'hello'"},
	{"empty string", "response", "", "", "''"},
	{"markup", "response", "", `a & b < c > d "q" 'a'`, `'a & b < c > d "q" \'a\''`},
	{"entities stay", "response", "", "&amp; &#65;", "'&amp; &#65;'"},
	{"unicode", "response", "", "héllo wörld ☃ 😀 \u00a0", "'héllo wörld ☃ 😀 \\u00a0'"},
	{"whitespace", "response", "", "  a\tb\nc\r\nd  ", "'  a\\tb\\nc\\r\\nd  '"},
	{"float 0.1", "response", "", 0.1, "0.1"},
	{"float 1e20", "response", "", 1e20, "1e20"},
	{"float -0", "response", "", math.Copysign(0, -1), "-0.0"},
	{"float 0", "response", "", 0.0, "0.0"},
	{"float 1e16", "response", "", 1e16, "1e16"},
	{"float 1e15", "response", "", 1e15, "1e15"},
	{"float 1e-4", "response", "", 1e-4, "1e-4"},
	{"float 1e-5", "response", "", 1e-5, "1e-5"},
	{"float 123.456", "response", "", 123.456, "123.456"},
	{"float -1.5e-300", "response", "", -1.5e-300, "-1.5e-300"},
	{"float max", "response", "", math.MaxFloat64, "1.7976931348623157e308"},
	{"float tiny", "response", "", 5e-324, "5e-324"},
	{"float inf", "response", "", math.Inf(1), "float('inf')"},
	{"float -inf", "response", "", math.Inf(-1), "float('-inf')"},
	{"float nan", "response", "", math.NaN(), "float('nan')"},
	{"float32", "response", "", float32(0.1), "0.10000000149011612"},
	{"datetime", "response", "", time.Date(2024, 2, 29, 13, 4, 5, 999, time.UTC), "datetime.datetime(2024, 2, 29, 13, 4, 5, 999)"},
	{"datetime year 1", "response", "", time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), "datetime.datetime(1, 1, 1)"},
	{"datetime zone", "response", "", time.Date(2020, 5, 6, 7, 8, 9, 0, time.FixedZone("X", 3600)),
		"datetime.datetime(2020, 5, 6, 7, 8, 9, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))"},
	{"bytes", "response", "", []byte("hello\x00\xff"), `b'hello\x00\xff'`},
	{"empty bytes", "response", "", []byte{}, "b''"},
	{"long bytes", "response", "", bytes.Repeat([]byte("0123456789"), 30), "b'0123456789'*30"},
	{"57 bytes", "response", "", bytes.Repeat([]byte("x"), 57), "b'x'*57"},
	{"58 bytes", "response", "", bytes.Repeat([]byte("x"), 58), "b'x'*58"},
	{"empty array", "response", "", []any{}, "[]"},
	{"empty struct", "response", "", Struct{}, "{}"},
	{"empty map", "response", "", map[string]any{}, "{}"},
	{"array", "response", "", []any{1, "two", 3.0, false}, "[1, 'two', 3.0, False]"},
	{"ordered struct", "response", "", Struct{{"zeta", 1}, {"alpha", "a<b"}, {"m&n", []any{}}},
		"{'zeta': 1, 'alpha': 'a<b', 'm&n': []}"},
	{"map sorted", "response", "", map[string]any{"b": 2, "a": 1, "c": []any{Struct{}}}, "{'a': 1, 'b': 2, 'c': [{}]}"},
	{"nested", "response", "", []any{[]any{[]any{}}, Struct{{"x", Struct{{"y", []any{1, Struct{{"z", "deep"}}}}}}}},
		"[[[]], {'x': {'y': [1, {'z': 'deep'}]}}]"},
	{"process info", "response", "", []any{Struct{
		{"name", "cat"}, {"group", "cat"}, {"start", 1700000000}, {"stop", 0}, {"now", 1700000100},
		{"state", 20}, {"statename", "RUNNING"}, {"spawnerr", ""}, {"exitstatus", 0},
		{"logfile", "/tmp/cat.log"}, {"stdout_logfile", "/tmp/cat.log"}, {"stderr_logfile", ""},
		{"pid", 4242}, {"description", "pid 4242, uptime 0:01:40"},
	}}, "[{'name': 'cat', 'group': 'cat', 'start': 1700000000, 'stop': 0, 'now': 1700000100, 'state': 20, " +
		"'statename': 'RUNNING', 'spawnerr': '', 'exitstatus': 0, 'logfile': '/tmp/cat.log', " +
		"'stdout_logfile': '/tmp/cat.log', 'stderr_logfile': '', 'pid': 4242, 'description': 'pid 4242, uptime 0:01:40'}]"},
	{"go struct", "response", "", struct {
		Name  string `xmlrpc:"name"`
		Code  int    `xmlrpc:"statecode"`
		Skip  int    `xmlrpc:"-"`
		Plain bool
	}{"x", 1, 9, true}, "{'name': 'x', 'statecode': 1, 'Plain': True}"},
	{"go slice", "response", "", []string{"a", "b"}, "['a', 'b']"},
	{"go map", "response", "", map[string]int{"b": 1, "a": 2}, "{'a': 2, 'b': 1}"},
	{"pointer", "response", "", new(42), "42"},
	{"fault", "response", "", &Fault{Code: 10, String: "BAD_NAME: nope"}, "xmlrpc.Fault(10, 'BAD_NAME: nope')"},
	{"fault value", "response", "", Fault{Code: 2, String: "INCORRECT_PARAMETERS"}, "xmlrpc.Fault(2, 'INCORRECT_PARAMETERS')"},
	{"fault markup", "response", "", &Fault{Code: -1, String: "<&>"}, "xmlrpc.Fault(-1, '<&>')"},
	{"faults in multicall", "response", "", []any{6630, &Fault{1, "UNKNOWN_METHOD"}, Struct{{"faultCode", 2}, {"faultString", "x"}}},
		"[6630, xmlrpc.Fault(1, 'UNKNOWN_METHOD'), {'faultCode': 2, 'faultString': 'x'}]"},
	{"call no params", "call", "supervisor.getState", []any{}, "()"},
	{"call params", "call", "supervisor.startProcess", []any{"cat", true}, "('cat', True)"},
	{"call mixed", "call", "x.y", []any{1, 2.5, "s", []any{}, Struct{{"k", []byte("v")}}},
		"(1, 2.5, 's', [], {'k': b'v'})"},
	{"call multicall", "call", "system.multicall", []any{[]any{
		Struct{{"methodName", "supervisor.getPID"}, {"params", []any{}}},
		Struct{{"methodName", "supervisor.getProcessInfo"}, {"params", []any{"cat"}}},
	}}, "([{'methodName': 'supervisor.getPID', 'params': []}, {'methodName': 'supervisor.getProcessInfo', 'params': ['cat']}],)"},
}

// TestPythonDumpsGolden compares our encodings with the reference's
// (supervisor.xmlrpc.xmlrpc_marshal for responses, xmlrpc.client.dumps for
// calls) byte for byte.
func TestPythonDumpsGolden(t *testing.T) {
	type item struct {
		Expr   string `json:"expr"`
		Kind   string `json:"kind"`
		Method string `json:"method"`
	}
	items := make([]item, len(dumpCases))
	for i, tc := range dumpCases {
		items[i] = item{tc.py, tc.kind, tc.method}
	}
	res := runPython[pyResult](t, "dumps", items)
	for i, tc := range dumpCases {
		t.Run(tc.name, func(t *testing.T) {
			var got []byte
			var err error
			if tc.kind == "call" {
				got, err = MarshalCall(tc.method, tc.value.([]any)...)
			} else {
				got, err = MarshalResponse(tc.value)
			}
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			if res[i].Err != "" {
				t.Fatalf("Python failed: %s", res[i].Err)
			}
			var want string
			if err := json.Unmarshal(res[i].OK, &want); err != nil {
				t.Fatal(err)
			}
			if string(got) != want {
				t.Errorf("encoding differs from Python\n got: %q\nwant: %q", got, want)
			}
		})
	}
}

// TestPythonDumpsErrors checks that what Python refuses to marshal we
// refuse too.
func TestPythonDumpsErrors(t *testing.T) {
	cases := []struct {
		name  string
		value Value
		py    string
	}{
		{"int too big", math.MaxInt32 + 1, "2**31"},
		{"int too small", math.MinInt32 - 1, "-2**31-1"},
		{"uint too big", uint32(math.MaxUint32), "2**32-1"},
		{"nil", nil, "None"},
		{"nested nil", []any{1, nil}, "[1, None]"},
		{"nil pointer", (*int)(nil), "None"},
		{"int key", map[int]any{1: 2}, "{1: 2}"},
		{"fault code too big", &Fault{Code: 1 << 40, String: "x"}, "xmlrpc.Fault(2**40, 'x')"},
	}
	type item struct {
		Expr string `json:"expr"`
		Kind string `json:"kind"`
	}
	items := make([]item, len(cases))
	for i, tc := range cases {
		items[i] = item{tc.py, "response"}
	}
	res := runPython[pyResult](t, "dumps", items)
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if res[i].Err == "" {
				t.Fatalf("Python accepted %s", tc.py)
			}
			_, err := MarshalResponse(tc.value)
			if !errors.Is(err, ErrUnmarshalable) {
				t.Fatalf("got %v, want ErrUnmarshalable (Python: %s)", err, res[i].Err)
			}
		})
	}
}

// TestPythonFloatRepr compares AppendFloat with repr() on special values
// and on random bit patterns.
func TestPythonFloatRepr(t *testing.T) {
	fs := []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 0.2, 0.3, 1.0 / 3, 2.0 / 3, 100, 1e15, 1e16, 1e17,
		9999999999999998, 12345678901234567890, 1e-4, 1e-5, 0.00012345, 0.000012345, 1.5, 5e-324,
		math.SmallestNonzeroFloat64, math.MaxFloat64, math.Inf(1), math.Inf(-1), math.NaN(), 123456789012345.6,
		1234567890123456.7, 0.001, 1e22, 1e21, 1e23, 4.35, 2.675, 1e300, 1e-300}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 3000 {
		fs = append(fs, math.Float64frombits(rng.Uint64()))
	}
	for range 3000 {
		// Values of ordinary magnitude, where the fixed/scientific switch is.
		fs = append(fs, (rng.Float64()-0.5)*math.Pow(10, float64(rng.IntN(44)-22)))
	}
	for range 500 {
		fs = append(fs, float64(rng.Int64N(1<<53))/math.Pow(10, float64(rng.IntN(20))))
	}
	items := make([]string, len(fs))
	for i, f := range fs {
		var b [8]byte
		for j := range 8 {
			b[j] = byte(math.Float64bits(f) >> (8 * j))
		}
		items[i] = hex.EncodeToString(b[:])
	}
	res := runPython[string](t, "repr", items)
	bad := 0
	for i, f := range fs {
		if got := string(AppendFloat(nil, f)); got != res[i] {
			t.Errorf("AppendFloat(%b) = %q, Python repr = %q", f, got, res[i])
			if bad++; bad > 20 {
				t.Fatal("too many differences")
			}
		}
	}
}

// scalarAlphabets are the fragments random inputs of the scalar parsers are
// made of: what Python's int(), float(), base64 and strptime react to.
var scalarAlphabets = map[string][]string{
	"number": {"0", "1", "2", "5", "9", "0", "7", "_", "__", "-", "+", " ", "\t", "\n", ".", "e", "E", "e-", "inf",
		"INF", "infinity", "nan", "NaN", "x", "\u00a0", "\u3000", "\u0664", "\uff15", "\u200b", "é", "1e400",
		"99999999999999999999", "9223372036854775807", "9223372036854775808", "s", "snan"},
	"base64": {"A", "B", "Q", "z", "+", "/", "=", "==", "\n", " ", "!", "-", "_", "é", "aGVsbG8=", "QQ", "QUI", "QUJD"},
	"time": {"2024", "0000", "1999", "01", "1", "12", "13", "0", "02", "29", "30", "31", "T", "t", ":", " ", "3", "7",
		"59", "60", "61", "23", "24", "\u0662", "x", "00"},
}

func randomScalar(rng *rand.Rand, alphabet []string) string {
	var b strings.Builder
	for range rng.IntN(8) + 1 {
		b.WriteString(alphabet[rng.IntN(len(alphabet))])
	}
	return b.String()
}

// TestPythonScalarParsers compares the conversions behind <int>, <double>,
// <bigdecimal>, <base64> and <dateTime.iso8601> with Python's on named and
// random inputs.
func TestPythonScalarParsers(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	named := map[string][]string{
		"number": {"42", " 42 ", "\n42\n", "+7", "-0", "1_000", "1__0", "_1", "1_", "0x10", "", " ", "4 2", "00",
			"\u0664\u0662", "\u00a01\u3000", "1\u200b", "9223372036854775807", "-9223372036854775808",
			"9223372036854775808", strings.Repeat("9", 4300), strings.Repeat("9", 4301), "1.5", " 1.5 ", ".5", "5.",
			"1e5", "1E+5", "1e", "1e+", "inf", "-Infinity", "nan", "1_0.5", "1._5", "1e1_0", "0x1p3", "in f",
			"1e99999999999999999999", "1e-99999", "\u0664.\u0662", "NaN12", "-sNaN3", "1__0", "_1.5"},
		"base64": {"", "aGVsbG8=", "aGVsbG8", "aGVsbA==", "aGVs\nbG8=\n", "A", "AB", "ABC", "ABCD=", "=ABCD",
			"AB==CD", "A=B=C=D", "ABC=D", "AB=C==", "AB=\n=", "!!!!", "QUJD é", "QUJD\x7f"},
		"time": {"20240101T01:02:03", "2024011T1:2:3", "20240101t01:02:03", "202401 1T01:02:03", "20240230T01:02:03",
			"20240229T23:59:59", "20230229T00:00:00", "20240101T01:02:60", "00000101T00:00:00",
			"\u0662\u0660\u0662\u00340101T01:02:03", "20240101T01:02:03 ", " 20240101T01:02:03", "20241301T01:02:03",
			"19991231T24:00:00", "99991231T23:59:59", "2024-01-01T01:02:03", "2024111T1:1:1"},
	}
	ops := []struct {
		op, alphabet string
		goFn         func(string) (any, error)
	}{
		{"int", "number", func(s string) (any, error) { return pyInt(s) }},
		{"float", "number", func(s string) (any, error) { return pyFloat(s) }},
		{"decimal", "number", func(s string) (any, error) {
			if !pyDecimalValid(s) {
				return nil, errConvert
			}
			return true, nil
		}},
		{"server_b64", "base64", func(s string) (any, error) { return pyBase64([]byte(s)) }},
		{"client_b64", "base64", func(s string) (any, error) {
			for _, r := range s {
				if r >= 0x80 {
					return nil, errConvert
				}
			}
			return pyBase64([]byte(s))
		}},
		{"server_time", "time", func(s string) (any, error) { return pyStrptime(s) }},
		{"client_time", "time", func(s string) (any, error) { return pyStrptime(s) }},
	}
	for _, o := range ops {
		t.Run(o.op, func(t *testing.T) {
			inputs := slices.Clone(named[o.alphabet])
			for range 3000 {
				inputs = append(inputs, randomScalar(rng, scalarAlphabets[o.alphabet]))
			}
			res := runPython[pyResult](t, o.op, inputs)
			bad := 0
			for i, in := range inputs {
				v, err := o.goFn(in)
				var msg string
				switch {
				case res[i].Unrep != "":
					if _, big := v.(pyBigInt); err != nil || !big {
						msg = fmt.Sprintf("Python: unrepresentable (%s); Go: %#v, %v", res[i].Unrep, v, err)
					}
				case res[i].Err != "":
					if err == nil {
						msg = fmt.Sprintf("Python: %s; Go: %#v", res[i].Err, v)
					}
				case err != nil:
					msg = fmt.Sprintf("Python: %s; Go: %v", res[i].OK, err)
				default:
					if got, want := jsonNormal(t, tagValue(v)), rawNormal(t, res[i].OK); !reflect.DeepEqual(got, want) {
						msg = fmt.Sprintf("Python: %v; Go: %v", want, got)
					}
				}
				if msg != "" {
					t.Errorf("%s(%q): %s", o.op, in, msg)
					if bad++; bad > 20 {
						t.Fatal("too many differences")
					}
				}
			}
		})
	}
}
