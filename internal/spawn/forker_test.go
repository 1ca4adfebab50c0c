//go:build linux

package spawn

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestForker runs the Start tests again in a test process that started
// the forker first, so that they hold for spawns made on its thread: the
// reference comparison, pipes, signals, umask, parent-death signal and
// the failures before the exec.
func TestForker(t *testing.T) {
	if os.Getenv(forkerEnv) != "" {
		t.Skip("already in the forker's run")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	run := "^(TestStartReference|TestExitStatus|TestSignalGroup|TestSignal|TestPipes|TestUmaskConcurrent|TestPdeathsig|TestStillborn|TestStartErrors|TestForkerDescriptors|TestForkerBusy)$"
	cmd := exec.Command(exe, "-test.run="+run, "-test.v")
	cmd.Env = append(os.Environ(), forkerEnv+"=1")
	// The test process inherits fd 3 without close-on-exec, as a
	// supervisord may from its parent: no child may get it.
	inherited, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer inherited.Close()
	cmd.ExtraFiles = []*os.File{inherited}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the Start tests through the forker: %v\n%s", err, out)
	}
	for _, name := range []string{"TestStartReference", "TestPipes", "TestPdeathsig", "TestForkerDescriptors", "TestForkerBusy"} {
		if !strings.Contains(string(out), "--- PASS: "+name+" ") && !strings.Contains(string(out), "--- SKIP: "+name+" ") {
			t.Errorf("%s did not run through the forker:\n%s", name, out)
		}
	}
}

// TestForkerDescriptors (in the forker's run only): a child gets its
// three standard descriptors and nothing else, neither the fd 3 the test
// process inherited nor a descriptor it opened without close-on-exec
// after the forker started; and the pidfd comes back.
func TestForkerDescriptors(t *testing.T) {
	if os.Getenv(forkerEnv) == "" {
		t.Skip("run by TestForker")
	}
	openLeak(t)
	if b := startHelper(t, "block", Options{}); b.Pidfd() < 0 {
		t.Errorf("no pidfd from the forker")
	}
	checkStdOnly(t, childFDs(t))
}

// TestForkerBusy (in the forker's run only): while the forker is stuck
// (here: its turn is taken), a spawn waits forkerWait, then forks by
// itself.
func TestForkerBusy(t *testing.T) {
	if os.Getenv(forkerEnv) == "" {
		t.Skip("run by TestForker")
	}
	f := currentForker()
	if f == nil {
		t.Fatal("no forker")
	}
	f.turn <- struct{}{}
	defer func() { <-f.turn }()
	start := time.Now()
	out := collect(t, startHelper(t, "output", Options{}))
	if d := time.Since(start); d < forkerWait {
		t.Errorf("spawned after %v, before the forker's wait of %v was over", d, forkerWait)
	}
	if out.Code != 0 {
		t.Errorf("child ended with %s: %+v", out.Status, out)
	}
}
