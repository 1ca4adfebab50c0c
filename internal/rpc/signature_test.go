package rpc

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// pythonPath is the reference's interpreter (Debian's python3 with its
// supervisor package). Tests that need it fail, never skip, without it.
const pythonPath = "/usr/bin/python3"

func TestParseSignature(t *testing.T) {
	cases := []struct {
		name string
		help string
		want []string // nil: no signature
	}{
		{"none", "Just prose.", nil},
		{"empty", "", nil},
		{"return only", "@return int x", []string{"int"}},
		{"params", " Doc\n\n  @param string name  The name.\n  @param boolean wait Wait?\n  @return boolean result ok\n  ", []string{"boolean", "string", "boolean"}},
		{"return first", "@return struct s\n@param int a", []string{"struct", "int"}},
		{"last return wins", "@return int a\n@return string b", []string{"string"}},
		{"bare return", "@return", []string{""}},
		{"bare param", "@param\n@return x", []string{"x", ""}},
		{"not at line start", "text @return int x", nil},
		{"indented with tabs", "\t\t@return\tarray\tx", []string{"array"}},
		{"CR line ends", "@param int a\r\n@return int b\r\n", []string{"int", "int"}},
		{"other tags", "@raises Foo\n@return int r\n@see x", []string{"int"}},
		{"tag prefix only", "@returns int r", nil},
		{"free text types", "@param string|int level\n@return boolean ok", []string{"boolean", "string|int"}},
		{"information separators are space", "\x1c@return\x1fint", []string{"int"}},
		{"unicode space", "\u3000@return\u00a0int x", []string{"int"}},
		{"CR is not a line break", "@param int a\r@return int b", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := ParseSignature(tc.help)
			if ok != (tc.want != nil) || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %q, %v; want %q", got, ok, tc.want)
			}
		})
	}
}

// TestParseSignatureReference compares ParseSignature with the reference's
// parser (gettags as methodSignature uses it) on generated help texts.
func TestParseSignatureReference(t *testing.T) {
	pieces := []string{"@return", "@param", "@returns", "@", "@@return", "int", "string", " ", "  ", "\t", "\n", "\r", "\r\n",
		"\x1c", "\x1f", "\u00a0", "\u2003", "\u200b", "\u0085", "\v", "\f", "x", "name", "text here", "é", "|", "@param int a\n"}
	rng := rand.New(rand.NewPCG(1, 2))
	helps := []string{"", "@return", "None"}
	for _, m := range referenceTable() {
		helps = append(helps, m.Help)
	}
	for range 3000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		helps = append(helps, b.String())
	}
	want := pySignatures(t, helps)
	fails := 0
	for i, h := range helps {
		got, ok := ParseSignature(h)
		if ok != (want[i] != nil) || (ok && !reflect.DeepEqual(got, want[i])) {
			t.Errorf("ParseSignature(%q) = %q, %v; reference %q", h, got, ok, want[i])
			if fails++; fails > 10 {
				t.Fatal("too many differences")
			}
		}
	}
}

// pySignatures runs testdata/pysig.py on the help texts.
func pySignatures(t *testing.T, helps []string) [][]string {
	t.Helper()
	if _, err := os.Stat(pythonPath); err != nil {
		t.Fatalf("this test needs the reference: %s is missing (%v); install Debian's python3 and supervisor packages (apt-get install supervisor)", pythonPath, err)
	}
	script, err := filepath.Abs(filepath.Join("testdata", "pysig.py"))
	if err != nil {
		t.Fatal(err)
	}
	in, err := json.Marshal(helps)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), pythonPath, "-I", script)
	cmd.Dir = t.TempDir()
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s\n(install Debian's supervisor package if the module is missing)", pythonPath, script, err, stderr.String())
	}
	var res [][]string
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err)
	}
	if len(res) != len(helps) {
		t.Fatalf("reference answered %d items for %d", len(res), len(helps))
	}
	return res
}

func FuzzParseSignature(f *testing.F) {
	for _, m := range referenceTable() {
		f.Add(m.Help)
	}
	f.Add("@return\n@param")
	f.Fuzz(func(t *testing.T, help string) {
		sig, ok := ParseSignature(help)
		if ok != (len(sig) > 0) {
			t.Fatalf("ParseSignature(%q) = %q, %v", help, sig, ok)
		}
	})
}
