package python

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"testing"
)

// TestStrLikePython compares Str with Python's repr() on texts with quotes,
// escapes, control, non-printable and astral characters.
func TestStrLikePython(t *testing.T) {
	inputs := []string{"", "web", "it's", `say "hi"`, `both ' and "`, "tab\there", "nl\n", "cr\r",
		`back\slash`, "\x00\x1f\x7f", "é ü", "\u00a0\u00ad", "\u200b", "\u2028", "😀", "\U000e0001", "日本"}
	in, _ := json.Marshal(inputs)
	cmd := exec.Command("/usr/bin/python3", "-c", "import json,sys; print(json.dumps([repr(s) for s in json.load(sys.stdin)]))")
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("/usr/bin/python3: %v (install Debian's python3; scripts/test does)", err)
	}
	var want []string
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatal(err)
	}
	for i, s := range inputs {
		if got := Repr(s); got != want[i] {
			t.Errorf("Repr(%q) = %s, Python %s", s, got, want[i])
		}
	}
	if got := Repr("a\xffb"); got != `'a\udcffb'` {
		t.Errorf("invalid UTF-8: %s", got)
	}
}
