package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoad feeds arbitrary files to the whole loader: it must never panic
// or hang, and a refusal is always one line.
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/corpus/*/*.conf")
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("[supervisord]\n[program:x]\ncommand=/bin/true\nnumprocs=3\nprocess_name=%(program_name)s_%(process_num)d\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		file := filepath.Join(dir, "fuzz.conf")
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, err := Load(file, Options{Env: corpusEnv, Cwd: dir, Hostname: "fuzzhost"})
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line: %q", err)
			}
			return
		}
		for _, g := range cfg.Groups {
			if len(g.Processes) > 1<<20 {
				t.Fatalf("group %s has %d processes", g.Name, len(g.Processes))
			}
		}
	})
}
