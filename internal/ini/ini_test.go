package ini

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os/exec"
	"reflect"
	"strings"
	"testing"
)

// dump renders a File as [[section, [[key, value]...]]...] with [DEFAULT]
// first, the shape refparse.py prints.
func dump(f *File) [][]any {
	out := [][]any{}
	for _, s := range append([]*Section{f.Defaults}, f.Sections()...) {
		keys := []any{}
		for _, k := range s.Keys() {
			keys = append(keys, []any{k.Name, k.Value})
		}
		out = append(out, []any{s.Name, keys})
	}
	return out
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // dump as JSON; "" means an error is expected
		line int    // the error's line
	}{
		{"equals and colon", "[a]\nx = 1\ny: 2\n", `[["DEFAULT",[]],["a",[["x","1"],["y","2"]]]]`, 0},
		{"first delimiter wins", "[a]\nx = a:b=c\ny : = z\n", `[["DEFAULT",[]],["a",[["x","a:b=c"],["y","= z"]]]]`, 0},
		{"keys fold case", "[a]\nCoMmAnd = X\n", `[["DEFAULT",[]],["a",[["command","X"]]]]`, 0},
		{"inline comments need whitespace", "[a]\nx = b;c\ny = b ;c\nz = b\t#c\n", `[["DEFAULT",[]],["a",[["x","b;c"],["y","b"],["z","b"]]]]`, 0},
		{"comment lines", "; c\n# c\n[a]\n  ; indented comment\nx=1\n", `[["DEFAULT",[]],["a",[["x","1"]]]]`, 0},
		{"continuation", "[a]\nx = one\n  two\n\tthree\ny=2\n", `[["DEFAULT",[]],["a",[["x","one\ntwo\nthree"],["y","2"]]]]`, 0},
		{"blank line inside value", "[a]\nx = one\n\n  two\n\n", `[["DEFAULT",[]],["a",[["x","one\n\ntwo"]]]]`, 0},
		{"comment inside value is dropped", "[a]\nx = one\n ; c\n  two\n", `[["DEFAULT",[]],["a",[["x","one\ntwo"]]]]`, 0},
		{"indented header continues a value", "[a]\nx = one\n  [b]\n", `[["DEFAULT",[]],["a",[["x","one\n[b]"]]]]`, 0},
		{"duplicate section merges", "[a]\nx=1\n[b]\n[a]\ny=2\nx=3\n", `[["DEFAULT",[]],["a",[["x","3"],["y","2"]]],["b",[]]]`, 0},
		{"default section", "[DEFAULT]\nd=1\n[a]\n", `[["DEFAULT",[["d","1"]]],["a",[]]]`, 0},
		{"header to last bracket", "[a]b]\n[c] trailing\n", `[["DEFAULT",[]],["a]b",[]],["c",[]]]`, 0},
		{"header keeps spaces and case", "[ Program:x ]\n", `[["DEFAULT",[]],[" Program:x ",[]]]`, 0},
		{"CR and CRLF lines", "[a]\r\nx=1\ry=2\r\n", `[["DEFAULT",[]],["a",[["x","1"],["y","2"]]]]`, 0},
		{"empty value", "[a]\nx=\ny =  \n", `[["DEFAULT",[]],["a",[["x",""],["y",""]]]]`, 0},
		{"no header", "x=1\n", "", 1},
		{"no delimiter", "[a]\nx=1\njunk\n", "", 3},
		{"empty key", "[a]\n= v\n", "", 2},
		{"empty brackets", "[a]\n[]\n", "", 2},
		{"bad utf-8", "[a]\nx=\xff\n", "", 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse("t.conf", []byte(tc.in))
			if tc.want == "" {
				e, ok := err.(*Error)
				if !ok {
					t.Fatalf("Parse = %v, want an *Error", err)
				}
				if e.Line != tc.line || e.File != "t.conf" {
					t.Errorf("error at %s:%d, want t.conf:%d (%v)", e.File, e.Line, tc.line, e)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(dump(f))
			if string(got) != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestReadMergesFiles(t *testing.T) {
	f := New()
	if err := f.Read("a.conf", []byte("[s]\nx=1\ny=2\n")); err != nil {
		t.Fatal(err)
	}
	if err := f.Read("b.conf", []byte("[s]\ny=3\n[t]\nz=4\n")); err != nil {
		t.Fatal(err)
	}
	if k := f.Get("s", "y"); k.Value != "3" || k.File != "b.conf" || k.Line != 2 {
		t.Errorf("s.y = %+v", k)
	}
	if k := f.Get("s", "x"); k.File != "a.conf" {
		t.Errorf("s.x = %+v", k)
	}
	if s := f.Section("t"); s.File != "b.conf" || s.Line != 3 {
		t.Errorf("t = %s:%d", s.File, s.Line)
	}
}

// refParse runs Python's RawConfigParser, configured as Supervisor's
// UnhosedConfigParser, over each input; nil marks an input it refused.
func refParse(t *testing.T, inputs []string) [][][]any {
	t.Helper()
	const script = `
import json, sys, io
from supervisor.options import UnhosedConfigParser
out = []
for text in json.load(sys.stdin):
    p = UnhosedConfigParser()
    try:
        p.read_file(io.StringIO(text, newline=None), "t.conf")
    except Exception:
        out.append(None)
        continue
    secs = [["DEFAULT", [[k, v] for k, v in p._defaults.items()]]]
    for s in p.sections():
        secs.append([s, [[k, v] for k, v in p._sections[s].items()]])
    out.append(secs)
json.dump(out, sys.stdout)
`
	in, _ := json.Marshal(inputs)
	cmd := exec.Command("/usr/bin/python3", "-c", script)
	cmd.Dir = t.TempDir()
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("the reference's parser did not run (%v: %s): install Debian's supervisor package (scripts/test does)", err, stderr.String())
	}
	var res [][][]any
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err)
	}
	return res
}

// randomConfig builds a file from pieces that exercise every rule.
func randomConfig(r *rand.Rand) string {
	pieces := []string{
		"[a]", "[b]", "[DEFAULT]", "[ a ]", "[x]y]", "[]", "  [a]",
		"k=v", "k = v", "K: v", "k2=v ;c", "k3=v;c", "k4=v #c", "k5 = a # b ; c", "k6=a\t;c",
		"  cont", "\tcont2", " ; indented comment", "; comment", "# comment", "",
		"   ", "junk", "= v", ":v", "k7=", "k8 :", "k9=x=y", "KEY10 =  spaced  ",
		"k11=  v  ; c", "k12=%(here)s", "  k13=v",
	}
	var b strings.Builder
	n := 1 + r.IntN(12)
	for i := 0; i < n; i++ {
		b.WriteString(pieces[r.IntN(len(pieces))])
		switch r.IntN(8) {
		case 0:
			b.WriteString("\r\n")
		case 1:
			b.WriteString("\r")
		default:
			b.WriteString("\n")
		}
	}
	return b.String()
}

func TestDifferentialParse(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var inputs []string
	for i := 0; i < 3000; i++ {
		inputs = append(inputs, randomConfig(r))
	}
	want := refParse(t, inputs)
	refused := 0
	for _, w := range want {
		if w == nil {
			refused++
		}
	}
	if refused < 100 || len(inputs)-refused < 100 {
		t.Fatalf("the random inputs are one-sided: %d refused of %d", refused, len(inputs))
	}
	for i, in := range inputs {
		f, err := Parse("t.conf", []byte(in))
		if want[i] == nil {
			if err == nil {
				t.Errorf("input %q: the reference refuses it, ours accepts", in)
			}
			continue
		}
		if err != nil {
			t.Errorf("input %q: the reference accepts it, ours says %v", in, err)
			continue
		}
		got, _ := json.Marshal(dump(f))
		var gotv [][]any
		json.Unmarshal(got, &gotv)
		// Python keeps [DEFAULT] first; compare as decoded JSON.
		wantJSON, _ := json.Marshal(want[i])
		var wantv [][]any
		json.Unmarshal(wantJSON, &wantv)
		if !reflect.DeepEqual(gotv, wantv) {
			t.Errorf("input %q:\n got %s\nwant %s", in, got, wantJSON)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"[supervisord]\nlogfile=/tmp/x.log ; c\n[program:a]\ncommand=/bin/cat\n  -n\n",
		"[a]\nx=1\r\ny=2\r\n\n  z\n", "[DEFAULT]\nk=%(here)s\n[a]\n", "x", "[a]\n=\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		file, err := Parse("f.conf", data)
		if err != nil {
			if strings.Contains(err.Error(), "\n") && !strings.Contains(string(data), "\n") {
				t.Fatalf("error spans lines: %q", err)
			}
			return
		}
		total := 0
		for _, s := range append(file.Sections(), file.Defaults) {
			for _, k := range s.Keys() {
				total += len(k.Value)
				if k.Line < 1 {
					t.Fatalf("key %q has line %d", k.Name, k.Line)
				}
			}
		}
		if total > len(data) {
			t.Fatalf("values (%d bytes) larger than the input (%d)", total, len(data))
		}
	})
}
