//go:build linux

package spawn

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
)

// The differential tests run testdata/ref.py with Debian's python3 and
// python3-supervisor (the reference) and compare its answers with ours.

const refPython = "/usr/bin/python3"

// requireReference fails the test (never skips it) when the reference is
// not installed: the comparison must run.
func requireReference(t *testing.T) {
	t.Helper()
	cmd := exec.Command(refPython, "-c", "import supervisor.process, supervisor.options")
	cmd.Dir = os.TempDir() // not the package directory
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the reference is missing (%s: %v: %s): install Debian's supervisor package (scripts/test does)", refPython, err, out)
	}
}

// runRef runs ref.py with exactly env as its environment (os.StartProcess
// keeps duplicate keys, which os/exec would remove), in dir, as the user
// cred (nil: ours), and decodes its answer to req into out.
func runRef(t *testing.T, env []string, dir string, cred *syscall.Credential, req, out any) {
	t.Helper()
	requireReference(t)
	script, err := filepath.Abs("testdata/ref.py")
	if err != nil {
		t.Fatal(err)
	}
	in, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	p, err := os.StartProcess(refPython, []string{refPython, script}, &os.ProcAttr{
		Dir: dir, Env: env, Files: []*os.File{inR, outW, errW},
		Sys: &syscall.SysProcAttr{Credential: cred},
	})
	inR.Close()
	outW.Close()
	errW.Close()
	if err != nil {
		t.Fatalf("start %s: %v", refPython, err)
	}
	var stdout, stderr bytes.Buffer
	var wg sync.WaitGroup
	wg.Go(func() { io.Copy(&stdout, outR) })
	wg.Go(func() { io.Copy(&stderr, errR) })
	inW.Write(in)
	inW.Close()
	wg.Wait()
	outR.Close()
	errR.Close()
	st, err := p.Wait()
	if err != nil || !st.Success() {
		t.Fatalf("ref.py: %v %v\nstderr:\n%s", err, st, stderr.String())
	}
	if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
		t.Fatalf("ref.py: bad answer %q: %v\nstderr:\n%s", stdout.String(), err, stderr.String())
	}
}
