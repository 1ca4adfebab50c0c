package spawn

import (
	"slices"
	"strings"

	"github.com/supervisorgo/supervisor/internal/config"
)

// Env returns a child's environment as Subprocess._spawn_as_child builds
// it: a copy of supervisord's environment (base, as os.Environ returns it),
// then SUPERVISOR_ENABLED=1, SUPERVISOR_SERVER_URL (the program's serverurl
// if set, else serverURL, the fallback of config.Config.ServerURL; omitted
// when both are empty), SUPERVISOR_PROCESS_NAME and SUPERVISOR_GROUP_NAME,
// and last the program's environment (which already holds [supervisord]
// environment under it), so a program may override any of them, even the
// SUPERVISOR_* variables.
//
// The order is the reference's dict order: base's variables first, in
// base's order, then the new keys in the order they are set. base is read
// as CPython builds os.environ: an entry without "=" is dropped and, for a
// key given twice, the first value wins. The program's environment is a Go
// map, so its new keys are added in sorted order (the reference uses the
// order of the configuration file).
func Env(base []string, p *config.Process, serverURL string) []string {
	var e orderedEnv
	for _, kv := range base {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		if _, seen := e.index[k]; seen {
			continue
		}
		e.set(k, v)
	}
	e.set("SUPERVISOR_ENABLED", "1")
	url := p.ServerURL
	if url == "" {
		url = serverURL
	}
	if url != "" {
		e.set("SUPERVISOR_SERVER_URL", url)
	}
	e.set("SUPERVISOR_PROCESS_NAME", p.Name)
	if p.Group != "" {
		e.set("SUPERVISOR_GROUP_NAME", p.Group)
	}
	keys := make([]string, 0, len(p.Environment))
	for k := range p.Environment {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		e.set(k, p.Environment[k])
	}
	out := make([]string, len(e.keys))
	for i, k := range e.keys {
		out[i] = k + "=" + e.vals[i]
	}
	return out
}

// orderedEnv is a Python dict of str: insertion-ordered, an update keeps
// the key's place.
type orderedEnv struct {
	keys, vals []string
	index      map[string]int
}

func (e *orderedEnv) set(k, v string) {
	if e.index == nil {
		e.index = make(map[string]int)
	}
	if i, ok := e.index[k]; ok {
		e.vals[i] = v
		return
	}
	e.index[k] = len(e.keys)
	e.keys = append(e.keys, k)
	e.vals = append(e.vals, v)
}

// lookupEnv returns the value of key in an environment list as CPython's
// os.environ would see it (the first entry wins).
func lookupEnv(env []string, key string) (string, bool) {
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v, true
		}
	}
	return "", false
}
