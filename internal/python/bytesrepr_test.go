package python

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"testing"
)

// TestBytesReprLikePython compares BytesRepr with Python's repr() of bytes.
func TestBytesReprLikePython(t *testing.T) {
	inputs := [][]byte{{}, []byte("web"), []byte("it's"), []byte(`say "hi"`), []byte(`both ' and "`),
		[]byte("tab\t\n\r\\"), {0, 0x1f, 0x7f, 0x80, 0xff}, []byte("caf\xc3\xa9"), []byte("a\xffb")}
	in, _ := json.Marshal(inputs) // base64 strings
	cmd := exec.Command("/usr/bin/python3", "-c",
		"import json,sys,base64; print(json.dumps([repr(base64.b64decode(s)) for s in json.load(sys.stdin)]))")
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
		if got := BytesRepr(s); got != want[i] {
			t.Errorf("BytesRepr(%q) = %s, Python %s", s, got, want[i])
		}
	}
}
