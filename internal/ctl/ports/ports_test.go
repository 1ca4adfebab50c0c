package ports

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

func TestFnmatch(t *testing.T) {
	for _, tc := range []struct {
		name, pat string
		want      bool
	}{
		{"alpha", "a*", true},
		{"alpha", "*", true},
		{"", "*", true},
		{"alpha", "?lpha", true},
		{"alpha", "b*", false},
		{"grp:red", "grp:*", true},
		{"grp:red", "g*d", true},
		{"a.b", "a.b", true},
		{"axb", "a.b", false},
		{"a1", "a[0-9]", true},
		{"ax", "a[!0-9]", true},
		{"a1", "a[!0-9]", false},
		{"a]", "a[]]", true},
		{"a[", "a[", true},
		{"Alpha", "a*", false},
		{"a\nb", "a*", true},
		{"a^", "a[^]", true},
		{`a\`, `a[\]`, true},
	} {
		if got := Fnmatch(tc.name, tc.pat); got != tc.want {
			t.Errorf("Fnmatch(%q, %q) = %v, want %v", tc.name, tc.pat, got, tc.want)
		}
	}
}

// FuzzFnmatch checks that every pattern translates, and that a pattern
// without special characters matches only itself.
func FuzzFnmatch(f *testing.F) {
	for _, s := range []string{"a*", "[!x]", "[", "[]]", `\`, "?"} {
		f.Add("name", s)
	}
	f.Fuzz(func(t *testing.T, name, pat string) {
		got := Fnmatch(name, pat)
		if !strings.ContainsAny(pat, "*?[") && got != (name == pat) {
			t.Fatalf("Fnmatch(%q, %q) = %v", name, pat, got)
		}
	})
}

func TestFnmatchLikePython(t *testing.T) {
	if testing.Short() {
		t.Skip("runs python3")
	}
	names := []string{"alpha", "grp:red", "a1", "ax", "a]", "b-c"}
	pats := []string{"a*", "?lpha", "*:r*", "a[0-9]", "a[!0-9]", "a[]]", "[a-c]*", "b-?", "*[", "[!a]*"}
	var py strings.Builder
	py.WriteString("import fnmatch\n")
	for _, n := range names {
		for _, p := range pats {
			py.WriteString("print(fnmatch.fnmatchcase(" + pyStr(n) + ", " + pyStr(p) + "))\n")
		}
	}
	out, err := exec.Command("/usr/bin/python3", "-c", py.String()).Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	want := strings.Fields(string(out))
	i := 0
	for _, n := range names {
		for _, p := range pats {
			if got := Fnmatch(n, p); (want[i] == "True") != got {
				t.Errorf("Fnmatch(%q, %q) = %v, Python %s", n, p, got, want[i])
			}
			i++
		}
	}
}

func pyStr(s string) string {
	return "'" + regexp.MustCompile(`[\\']`).ReplaceAllString(s, `\$0`) + "'"
}
