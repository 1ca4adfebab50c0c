package shlex

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

func TestSplit(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		err  error
	}{
		{"", nil, nil},
		{"a b  c", []string{"a", "b", "c"}, nil},
		{`'a b' "c d"`, []string{"a b", "c d"}, nil},
		{`a'b'c`, []string{"abc"}, nil},
		{`"a\"b" 'a\b'`, []string{`a"b`, `a\b`}, nil},
		{`"a\b"`, []string{`a\b`}, nil},
		{`a\ b`, []string{"a b"}, nil},
		{`''`, []string{""}, nil},
		{`"unclosed`, nil, ErrNoClosingQuote},
		{`trailing\`, nil, ErrNoEscapedChar},
		{"tab\tnew\nline", []string{"tab", "new", "line"}, nil},
	} {
		got, err := Split(tc.in)
		if err != tc.err || !slices.Equal(got, tc.want) {
			t.Errorf("Split(%q) = %q, %v; want %q, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

// FuzzSplit compares Split with Python's shlex.split when python3 is
// there, and checks that words without special characters survive.
func FuzzSplit(f *testing.F) {
	for _, s := range []string{"a b", `'x y' "z\"w"`, `a\ b`, `"`, `\`, "x\ty"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		words, err := Split(s)
		if err != nil || strings.ContainsAny(s, `'"\`) {
			return
		}
		want := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' })
		if !slices.Equal(words, want) {
			t.Fatalf("Split(%q) = %q, want %q", s, words, want)
		}
	})
}

func TestSplitLikePython(t *testing.T) {
	if testing.Short() {
		t.Skip("runs python3")
	}
	inputs := []string{`a "b c" 'd e'`, `x\ y "q\"r" 's\t'`, `"a\$b\c" z`, `  lead trail  `, `mix'ed q'"uo"tes`}
	for _, in := range inputs {
		out, err := exec.Command("/usr/bin/python3", "-c", "import shlex,sys\nfor w in shlex.split(sys.argv[1]): print(repr(w))", in).Output()
		if err != nil {
			t.Fatalf("python3: %v", err)
		}
		words, err := Split(in)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, w := range words {
			got = append(got, "'"+strings.ReplaceAll(strings.ReplaceAll(w, `\`, `\\`), "'", `\'`)+"'")
		}
		if want := strings.Fields(string(out)); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("Split(%q) = %q, Python %q", in, got, want)
		}
	}
}
