package ini

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"
)

var testVars = Vars{"here": "/etc/sv", "program_name": "web", "process_num": 7, "numprocs": 12, "ENV_HOME": "/root", "neg": -5, "e": ""}

func TestExpand(t *testing.T) {
	tests := []struct {
		in, want string
		err      any // nil, *MissingNameError or *FormatError
	}{
		{"plain", "plain", nil},
		{"%(here)s/x", "/etc/sv/x", nil},
		{"%(program_name)s_%(process_num)02d", "web_07", nil},
		{"%(process_num)d of %(numprocs)d", "7 of 12", nil},
		{"100%%", "100%", nil},
		{"%(process_num)s", "7", nil},
		{"%(program_name)r", "'web'", nil},
		{"%(program_name)10s|%(program_name)-5s|", "       web|web  |", nil},
		{"%(process_num)+05d %(neg)05d %(process_num)x %(numprocs)#o", "+0007 -0005 7 0o14", nil},
		{"%(program_name).2s", "we", nil},
		{"%(nope)s", "", &MissingNameError{}},
		{"%(program_name)d", "", &FormatError{}},
		{"50%", "", &FormatError{}},
		{"%s", "", &FormatError{}},
		{"%(here)", "", &FormatError{}},
		{"%(here)q", "", &FormatError{}},
		{"%(here", "", &FormatError{}},
	}
	for _, tc := range tests {
		got, err := Expand(tc.in, testVars)
		switch want := tc.err.(type) {
		case nil:
			if err != nil || got != tc.want {
				t.Errorf("Expand(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		case *MissingNameError:
			if !errors.As(err, &want) {
				t.Errorf("Expand(%q) error = %v, want a missing name", tc.in, err)
			}
		case *FormatError:
			if !errors.As(err, &want) {
				t.Errorf("Expand(%q) error = %v, want a format error", tc.in, err)
			}
		}
	}
}

// TestDifferentialExpand compares Expand with Python's `format % vars` over
// random format strings.
func TestDifferentialExpand(t *testing.T) {
	pieces := []string{"a", "/", " ", "%%", "%(here)s", "%(program_name)s", "%(process_num)d",
		"%(process_num)02d", "%(numprocs)3d", "%(neg)+d", "%(here)r", "%(process_num)x",
		"%(process_num)X", "%(process_num)#x", "%(process_num)o", "%(here).3s", "%(here)-12s|",
		"%(process_num)-4d|", "%(neg)05d", "%(process_num) d", "%(process_num)i", "%(process_num)u",
		"%(e)s", "%(missing)s", "%(here)d", "%", "%(here)", "%(here)q", "%(process_num)c",
		"%(process_num)5.3d", "%(process_num)e", "%(numprocs)f", "%(numprocs)g", "%(process_num).2f"}
	r := rand.New(rand.NewPCG(3, 4))
	var inputs []string
	for i := 0; i < 2000; i++ {
		var b strings.Builder
		for n := 1 + r.IntN(4); n > 0; n-- {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		inputs = append(inputs, b.String())
	}
	const script = `
import json, sys
vars = json.loads(sys.argv[1])
out = []
for s in json.load(sys.stdin):
    try:
        out.append(s % vars)
    except Exception:
        out.append(None)
json.dump(out, sys.stdout)
`
	varsJSON, _ := json.Marshal(testVars)
	in, _ := json.Marshal(inputs)
	cmd := exec.Command("/usr/bin/python3", "-c", script, string(varsJSON))
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("/usr/bin/python3 did not run (%v): install Debian's python3 (scripts/test does)", err)
	}
	var want []*string
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatal(err)
	}
	for i, s := range inputs {
		got, err := Expand(s, testVars)
		if want[i] != nil && strings.Contains(*want[i], "{'ENV_HOME'") {
			// Python formatted the whole mapping for a conversion without
			// a name; we refuse such a string on purpose.
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Errorf("Expand(%q) = %q, %v; want a format error", s, got, err)
			}
			continue
		}
		switch {
		case want[i] == nil && err == nil:
			t.Errorf("Expand(%q) = %q; Python refuses it", s, got)
		case want[i] != nil && err != nil:
			t.Errorf("Expand(%q) fails (%v); Python gives %q", s, err, *want[i])
		case want[i] != nil && got != *want[i]:
			t.Errorf("Expand(%q) = %q; Python gives %q", s, got, *want[i])
		}
	}
}

func FuzzExpand(f *testing.F) {
	for _, s := range []string{"%(here)s", "%(process_num)02d", "%%", "%(a(b)c)s", "%(x)-10.3s", "%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := Expand(s, testVars)
		// Each conversion adds at most maxWidth bytes or a value's length.
		if err == nil && len(out) > len(s)*(maxWidth+64) {
			t.Fatalf("Expand(%q) grew to %d bytes", s, len(out))
		}
	})
}
