package getopt

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"reflect"
	"strings"
	"testing"
)

var (
	testShort = "hvc:nu:k"
	testLong  = []string{"help", "version", "configuration=", "nodaemon", "user=", "nocleanup", "minfds=", "minprocs="}
)

func TestParse(t *testing.T) {
	tests := []struct {
		args []string
		opts []Option
		rest []string
		err  string
	}{
		{[]string{"-nc", "f.conf"}, []Option{{"-n", ""}, {"-c", "f.conf"}}, nil, ""},
		{[]string{"-cf.conf", "x"}, []Option{{"-c", "f.conf"}}, []string{"x"}, ""},
		{[]string{"--nodae", "--conf=a", "--user", "b"}, []Option{{"--nodaemon", ""}, {"--configuration", "a"}, {"--user", "b"}}, nil, ""},
		{[]string{"--", "-n"}, nil, []string{"-n"}, ""},
		{[]string{"-", "-n"}, nil, []string{"-", "-n"}, ""},
		{[]string{"-x"}, nil, nil, "option -x not recognized"},
		{[]string{"-c"}, nil, nil, "option -c requires argument"},
		{[]string{"--min=3"}, nil, nil, "option --min not a unique prefix"},
		{[]string{"--help=3"}, nil, nil, "option --help must not have an argument"},
		{[]string{"--bogus"}, nil, nil, "option --bogus not recognized"},
	}
	for _, tc := range tests {
		opts, rest, err := Parse(tc.args, testShort, testLong)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("Parse(%q) error = %v, want %q", tc.args, err, tc.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(opts, tc.opts) || strings.Join(rest, ",") != strings.Join(tc.rest, ",") {
			t.Errorf("Parse(%q) = %v, %q, %v; want %v, %q", tc.args, opts, rest, err, tc.opts, tc.rest)
		}
	}
}

// TestDifferential compares Parse with Python's getopt.getopt.
func TestDifferential(t *testing.T) {
	cases := [][]string{
		{"-nc", "x"}, {"-n", "-k", "--", "-c"}, {"--nocl"}, {"--no"}, {"-c"}, {"--conf", "a", "b", "-n"},
		{"-hvnk"}, {"--user=", "x"}, {"-u", ""}, {"--minf=2", "--minp", "3"}, {"-:"}, {"---"}, {"--=x"},
	}
	const script = `
import getopt, json, sys
short, long = sys.argv[1], json.loads(sys.argv[2])
out = []
for args in json.load(sys.stdin):
    try:
        opts, rest = getopt.getopt(args, short, long)
        out.append({"opts": [[o, v] for o, v in opts], "rest": rest, "err": None})
    except getopt.GetoptError as e:
        out.append({"opts": None, "rest": None, "err": str(e)})
json.dump(out, sys.stdout)
`
	longJSON, _ := json.Marshal(testLong)
	in, _ := json.Marshal(cases)
	cmd := exec.Command("/usr/bin/python3", "-c", script, testShort, string(longJSON))
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("/usr/bin/python3 did not run (%v): install Debian's python3 (scripts/test does)", err)
	}
	var want []struct {
		Opts [][2]string
		Rest []string
		Err  *string
	}
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatal(err)
	}
	for i, args := range cases {
		opts, rest, err := Parse(args, testShort, testLong)
		w := want[i]
		if w.Err != nil {
			if err == nil || err.Error() != *w.Err {
				t.Errorf("Parse(%q) error = %v, Python says %q", args, err, *w.Err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q) error = %v, Python accepts it", args, err)
			continue
		}
		var got [][2]string
		for _, o := range opts {
			got = append(got, [2]string{o.Name, o.Value})
		}
		if !reflect.DeepEqual(got, w.Opts) || strings.Join(rest, "\x00") != strings.Join(w.Rest, "\x00") {
			t.Errorf("Parse(%q) = %v %q; Python gives %v %q", args, got, rest, w.Opts, w.Rest)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add("-nc\x00x\x00--user=a")
	f.Fuzz(func(t *testing.T, s string) {
		opts, rest, err := Parse(strings.Split(s, "\x00"), testShort, testLong)
		if err == nil && len(opts)+len(rest) > len(s)+1 {
			t.Fatalf("more results than input: %v %v", opts, rest)
		}
	})
}
