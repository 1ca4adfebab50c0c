package mainlog

import (
	"bytes"
	"encoding/json"
	"errors"
	"github.com/supervisorgo/supervisor/internal/python"
	"os"
	"os/exec"
	"strings"
	"testing"
	"unicode"
)

func TestOutputMessage(t *testing.T) {
	tests := []struct {
		name, channel string
		data          string
		want          string
	}{
		{"web", "stdout", "hello\n", "'web' stdout output:\nhello\n"},
		{"web", "stderr", "", "'web' stderr output:\n"},
		{"it's", "stdout", "x", "\"it's\" stdout output:\nx"},
		{"café", "stdout", "100% ✓", "'café' stdout output:\n100% ✓"},
		{"web", "stdout", "\xff", "'web' stdout output:\nUndecodable: b'\\xff'"},
		{"web", "stdout", "ok \xe2\x9c", "'web' stdout output:\nUndecodable: b'ok \\xe2\\x9c'"},
	}
	for _, tc := range tests {
		if got := OutputMessage(tc.name, tc.channel, []byte(tc.data)); got != tc.want {
			t.Errorf("OutputMessage(%q, %q, %q) = %q, want %q", tc.name, tc.channel, tc.data, got, tc.want)
		}
	}
}

// reprScript prints Python's repr of each string and of each byte string,
// and, for each single code point, its repr and its Unicode category in
// Python's own Unicode database.
const reprScript = `
import base64, json, sys, unicodedata
try:
    import supervisor.loggers
except ImportError as e:
    sys.stderr.write('%s\n' % e)
    sys.exit(3)
spec = json.load(sys.stdin)
json.dump({'str': [repr(s) for s in spec['str']],
           'bytes': [repr(base64.b64decode(b)) for b in spec['bytes']],
           'runes': [[repr(chr(r)), unicodedata.category(chr(r))] for r in spec['runes']],
           'unidata': unicodedata.unidata_version}, sys.stdout)
`

// TestReprReference compares python.Repr and python.BytesRepr with Python's repr,
// which POutputDispatcher._log applies to the process name and to
// undecodable output.
//
// Whether a code point is printable depends on the Unicode version: Go's
// tables may be newer than the reference Python's (Go 1.26 has Unicode 15,
// Python 3.11 has 14), so a code point Python does not know yet (category
// Cn) and Go finds printable is tolerated.
func TestReprReference(t *testing.T) {
	strs := []string{
		"", "web", "it's", `say "hi"`, `both ' and "`, `back\slash`, "tab\tnl\ncr\r",
		"\x00\x01\x1f\x7f", "café", "日本語", "😀", "\u0080\u009f\u00a0\u00ad\u00ff",
		"\u200b\u2028\u2029\u3000\ufeff", "\ue000\U000f0000", "e\u0301", "\U0010ffff", "\u0378",
		"\U0001f1e6", "a\u0085b", "mixed 'quote\" and \\ \x1b[31m ✓ \u00a0\n",
	}
	var runes []rune
	for r := rune(0); r < 0x3400; r++ {
		if r < 0xd800 || r >= 0xe000 {
			runes = append(runes, r)
		}
	}
	for _, span := range [][2]rune{{0xa000, 0xa100}, {0xfe00, 0x10000}, {0x1f000, 0x1fb00}, {0xe0000, 0xe0080}, {0x10fff0, 0x110000}} {
		for r := span[0]; r < span[1]; r++ {
			runes = append(runes, r)
		}
	}
	byteStrs := [][]byte{
		{}, []byte("abc"), []byte("it's"), []byte(`"`), []byte(`'"`), []byte("\\"),
		{0, 1, 9, 10, 13, 31, 32, 126, 127, 128, 255}, []byte("caf\xc3\xa9"),
	}
	var allBytes []byte
	for b := range 256 {
		allBytes = append(allBytes, byte(b))
	}
	byteStrs = append(byteStrs, allBytes)

	in, _ := json.Marshal(map[string]any{"str": strs, "bytes": byteStrs, "runes": runes})
	if _, err := os.Stat(referencePython); err != nil {
		t.Fatalf("reference interpreter %s: %v: %s", referencePython, err, installHint)
	}
	cmd := exec.CommandContext(t.Context(), referencePython, "-c", reprScript)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1", "PYTHONNOUSERSITE=1")
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if exitErr := (*exec.ExitError)(nil); errors.As(err, &exitErr) && exitErr.ExitCode() == 3 {
		t.Fatalf("reference module not importable by %s: %s: %s", referencePython,
			strings.TrimSpace(stderr.String()), installHint)
	}
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("reference script: %v\nstderr:\n%s", err, stderr.String())
	}
	var out struct {
		Str     []string    `json:"str"`
		Bytes   []string    `json:"bytes"`
		Runes   [][2]string `json:"runes"`
		Unidata string      `json:"unidata"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	for i, s := range strs {
		if got := python.Repr(s); got != out.Str[i] {
			t.Errorf("repr(%q): got %s, want %s", s, got, out.Str[i])
		}
	}
	for i, b := range byteStrs {
		if got := python.BytesRepr(b); got != out.Bytes[i] {
			t.Errorf("repr(%q): got %s, want %s", b, got, out.Bytes[i])
		}
	}
	newer := 0
	for i, r := range runes {
		want, category := out.Runes[i][0], out.Runes[i][1]
		got := python.Repr(string(r))
		switch {
		case got == want:
		case category == "Cn" && unicode.IsPrint(r):
			newer++
		default:
			t.Errorf("repr of U+%04X (%s): got %s, want %s", r, category, got, want)
		}
	}
	if newer > 0 {
		t.Logf("%d code points are printable for Go (Unicode %s) but unassigned for Python (Unicode %s)",
			newer, unicode.Version, out.Unidata)
	}
}
