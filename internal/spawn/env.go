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
	return NewEnviron(base).Child(p, serverURL)
}

// Environ is supervisord's environment read once as CPython builds
// os.environ, for the many children whose environments start from it.
// It is not changed after NewEnviron and may be shared.
type Environ struct {
	list  []string       // "KEY=value", the first entry of each key, in order
	index map[string]int // KEY -> its place in list
}

// NewEnviron reads base (as os.Environ returns it).
func NewEnviron(base []string) *Environ {
	e := &Environ{index: make(map[string]int, len(base))}
	for _, kv := range base {
		k, _, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		if _, seen := e.index[k]; seen {
			continue
		}
		e.index[k] = len(e.list)
		e.list = append(e.list, kv)
	}
	return e
}

// Lookup returns the value of key, as os.environ.get would.
func (e *Environ) Lookup(key string) (string, bool) {
	i, ok := e.index[key]
	if !ok {
		return "", false
	}
	return e.list[i][len(key)+1:], true
}

// Child is Env for this environment.
func (e *Environ) Child(p *config.Process, serverURL string) []string {
	out := make([]string, len(e.list), len(e.list)+4+len(p.Environment))
	copy(out, e.list)
	added := len(e.list) // out[added:] holds the keys new to the base
	set := func(k, v string) {
		kv := k + "=" + v
		if i, ok := e.index[k]; ok {
			out[i] = kv
			return
		}
		for i := added; i < len(out); i++ {
			if len(out[i]) > len(k) && out[i][len(k)] == '=' && strings.HasPrefix(out[i], k) {
				out[i] = kv
				return
			}
		}
		out = append(out, kv)
	}
	set("SUPERVISOR_ENABLED", "1")
	url := p.ServerURL
	if url == "" {
		url = serverURL
	}
	if url != "" {
		set("SUPERVISOR_SERVER_URL", url)
	}
	set("SUPERVISOR_PROCESS_NAME", p.Name)
	if p.Group != "" {
		set("SUPERVISOR_GROUP_NAME", p.Group)
	}
	if len(p.Environment) > 0 {
		keys := make([]string, 0, len(p.Environment))
		for k := range p.Environment {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			set(k, p.Environment[k])
		}
	}
	return out
}
