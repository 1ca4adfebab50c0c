package logfile

// Differential tests against Python Supervisor 4.2.5 (Debian's supervisor
// package): the same inputs go through supervisor.options.readFile/tailFile
// and supervisor.loggers.RotatingFileHandler, and through our Read, Tail and
// Writer, and the results must be identical.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const referencePython = "/usr/bin/python3"

const installHint = "install Debian's supervisor package (apt-get install supervisor python3), " +
	"which provides the reference implementation these differential tests compare against"

// runReference runs script with referencePython, feeding it input as JSON
// on stdin and decoding its stdout into output. It fails the test (never
// skips it) when Python or the supervisor module is missing, and when the
// script writes anything to stderr (the reference's handlers report their
// errors there).
func runReference(t *testing.T, script string, input, output any) {
	t.Helper()
	if _, err := os.Stat(referencePython); err != nil {
		t.Fatalf("reference interpreter %s: %v: %s", referencePython, err, installHint)
	}
	in, err := json.Marshal(input)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), referencePython, "-c", script)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1", "PYTHONNOUSERSITE=1")
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	if exitErr := (*exec.ExitError)(nil); errors.As(err, &exitErr) && exitErr.ExitCode() == 3 {
		t.Fatalf("reference module not importable by %s: %s: %s", referencePython,
			strings.TrimSpace(stderr.String()), installHint)
	}
	if err != nil {
		t.Fatalf("reference script: %v\nstderr:\n%s", err, stderr.String())
	}
	if stderr.Len() > 0 {
		t.Fatalf("reference script wrote to stderr:\n%s", stderr.String())
	}
	if err := json.Unmarshal(stdout.Bytes(), output); err != nil {
		t.Fatalf("decoding reference output: %v\n%s", err, stdout.String())
	}
}

// readTailScript answers, for each case, what readLog/readProcess*Log
// (rpcinterface._readProcessLog: existence check, then readFile) and
// tailProcess*Log (_tailProcessLog: existence check, then tailFile) return.
// as_string is replaced by the identity so that the raw bytes are compared;
// unexpected exceptions (not the ValueErrors readFile raises on purpose) are
// reported as EXC:<type>.
const readTailScript = `
import base64, json, os, sys
try:
    import supervisor.options as options
except ImportError as e:
    sys.stderr.write('%s\n' % e)
    sys.exit(3)

options.as_string = lambda s: s

def b64(b):
    if isinstance(b, str):
        b = b.encode('utf-8')
    return base64.b64encode(b).decode('ascii')

out = []
for c in json.load(sys.stdin):
    path, offset, length = c['path'], c['offset'], c['length']
    r = {}
    if not path or not os.path.exists(path):
        r['read_err'] = 'NO_FILE'
    else:
        try:
            r['read'] = b64(options.readFile(path, offset, length))
        except ValueError as e:
            r['read_err'] = e.args[0]
        except Exception as e:
            r['read_err'] = 'EXC:' + type(e).__name__
    if not path or not os.path.exists(path):
        t = ['', 0, False]
    else:
        try:
            t = options.tailFile(path, offset, length)
        except Exception as e:
            t = None
            r['tail_err'] = 'EXC:' + type(e).__name__
    if t is not None:
        r['tail'] = {'data': b64(t[0]), 'offset': t[1], 'overflow': t[2]}
    out.append(r)
json.dump(out, sys.stdout)
`

type readTailCase struct {
	Path   string `json:"path"`
	Offset int64  `json:"offset"`
	Length int64  `json:"length"`
}

type readTailResult struct {
	Read    *string `json:"read"`
	ReadErr string  `json:"read_err"`
	Tail    *struct {
		Data     string `json:"data"`
		Offset   int64  `json:"offset"`
		Overflow bool   `json:"overflow"`
	} `json:"tail"`
	TailErr string `json:"tail_err"`
}

// readErrKind names our error like the reference's ValueError argument.
func readErrKind(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrNoFile):
		return "NO_FILE"
	case errors.Is(err, ErrBadArguments):
		return "BAD_ARGUMENTS"
	case errors.Is(err, ErrFailed):
		return "FAILED"
	}
	return "unexpected error: " + err.Error()
}

func TestReadTailMatchReference(t *testing.T) {
	dir := t.TempDir()
	mixed := make([]byte, 5000)
	for i := range mixed {
		mixed[i] = byte(i * 7)
	}
	files := map[string][]byte{
		"empty":  {},
		"hello":  []byte("hello world\n"),
		"digits": []byte(strings.Repeat("0123456789", 10)),
		"mixed":  mixed,
		"utf8":   []byte("h\u00e9llo w\u00f6rld \u2603\n"),
	}
	var paths []string
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, content, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	subdir := filepath.Join(dir, "a-directory")
	if err := os.Mkdir(subdir, 0o755); err != nil {
		t.Fatal(err)
	}
	paths = append(paths, subdir, filepath.Join(dir, "missing"), "")

	offsets := []int64{0, 1, 5, 11, 12, 13, 99, 100, 101, 1600, 4999, 5000, 6000,
		1 << 40, 1 << 62, math.MaxInt64,
		-1, -5, -11, -12, -13, -100, -101, -1600, -5000, -6000, math.MinInt64}
	lengths := []int64{0, 1, 2, 5, 12, 13, 100, 1600, 6000, -1, -5, -1600,
		math.MaxInt64, math.MinInt64}
	var cases []readTailCase
	for _, p := range paths {
		for _, off := range offsets {
			for _, n := range lengths {
				cases = append(cases, readTailCase{Path: p, Offset: off, Length: n})
			}
		}
	}
	var ref []readTailResult
	runReference(t, readTailScript, cases, &ref)
	if len(ref) != len(cases) {
		t.Fatalf("reference answered %d cases, want %d", len(ref), len(cases))
	}

	huge := func(v int64) bool { return v >= 1<<40 || v <= -(1<<40) }
	compared, raised := 0, 0
	for i, c := range cases {
		r := ref[i]
		name := fmt.Sprintf("%s offset=%d length=%d", filepath.Base(c.Path), c.Offset, c.Length)

		data, err := Read(c.Path, c.Offset, c.Length)
		switch {
		case strings.HasPrefix(r.ReadErr, "EXC:"):
			// readFile allocates the requested size before reading:
			// MemoryError/OverflowError for huge sizes. Only acceptable there.
			if !huge(c.Offset) && !huge(c.Length) {
				t.Errorf("%s: reference Read raised %s", name, r.ReadErr)
			}
			raised++
		case r.ReadErr != "" || err != nil:
			if got := readErrKind(err); got != r.ReadErr {
				t.Errorf("%s: Read error %q, reference %q", name, got, r.ReadErr)
			}
			compared++
		default:
			want, _ := base64.StdEncoding.DecodeString(*r.Read)
			if !bytes.Equal(data, want) {
				t.Errorf("%s: Read = %q, reference %q", name, data, want)
			}
			compared++
		}

		data, off, overflow, _ := Tail(c.Path, c.Offset, c.Length)
		if r.Tail == nil {
			if !huge(c.Offset) && !huge(c.Length) {
				t.Errorf("%s: reference Tail raised %s", name, r.TailErr)
			}
			raised++
			continue
		}
		want, _ := base64.StdEncoding.DecodeString(r.Tail.Data)
		if !bytes.Equal(data, want) || off != r.Tail.Offset || overflow != r.Tail.Overflow {
			t.Errorf("%s: Tail = (%q, %d, %v), reference (%q, %d, %v)", name,
				data, off, overflow, want, r.Tail.Offset, r.Tail.Overflow)
		}
		compared++
	}
	t.Logf("%d cases: %d results compared, %d not comparable (the reference raised on a huge size)",
		len(cases), compared, raised)
}

// rotationScript drives the reference's handler exactly as a process
// dispatcher does (loggers.handle_file with fmt '%(message)s', rotating
// only when maxbytes is nonzero, then logger.info(data) per chunk of
// output), so raw bytes reach RotatingFileHandler.emit.
const rotationScript = `
import base64, json, os, sys
try:
    from supervisor import loggers
except ImportError as e:
    sys.stderr.write('%s\n' % e)
    sys.exit(3)

n = 0
for c in json.load(sys.stdin):
    n += 1
    d = c['dir']
    for name, data in (c['pre'] or {}).items():
        with open(os.path.join(d, name), 'wb') as f:
            f.write(base64.b64decode(data))
    logger = loggers.getLogger(loggers.LevelsByName.INFO)
    maxbytes = c['maxbytes']
    loggers.handle_file(logger, filename=os.path.join(d, c['name']), fmt='%(message)s',
                        rotating=not not maxbytes, maxbytes=maxbytes, backups=c['backups'])
    for w in c['writes']:
        logger.info(base64.b64decode(w))
    logger.close()
json.dump(n, sys.stdout)
`

type rotationInput struct {
	Dir      string            `json:"dir"`
	Name     string            `json:"name"`
	MaxBytes int64             `json:"maxbytes"`
	Backups  int               `json:"backups"`
	Pre      map[string][]byte `json:"pre"` // []byte marshals as base64
	Writes   [][]byte          `json:"writes"`
}

func TestRotationMatchesReference(t *testing.T) {
	cases := append([]rotationCase(nil), rotationCases...)
	cases = append(cases, rotationCase{
		name: "many writes, larger maxbytes", maxBytes: 1000, backups: 5, writes: manyWrites(3000),
	})
	var inputs []rotationInput
	refDirs := make([]string, len(cases))
	for i, c := range cases {
		refDirs[i] = t.TempDir()
		in := rotationInput{Dir: refDirs[i], Name: logName, MaxBytes: c.maxBytes, Backups: c.backups,
			Pre: map[string][]byte{}}
		for k, v := range c.pre {
			in.Pre[k] = []byte(v)
		}
		for _, w := range c.writes {
			in.Writes = append(in.Writes, []byte(w))
		}
		inputs = append(inputs, in)
	}
	var done int
	runReference(t, rotationScript, inputs, &done)
	if done != len(inputs) {
		t.Fatalf("reference ran %d cases, want %d", done, len(inputs))
	}

	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			runRotation(t, dir, c)
			compareDirs(t, readDir(t, dir), readDir(t, refDirs[i]))
		})
	}
}
