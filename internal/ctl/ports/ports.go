// Package ports holds Go ports of third-party supervisorctl plugins,
// registered in ctlplugin.Default under the factory names their Python
// originals are configured with, so that a configuration written for the
// reference keeps working:
//
//   - supervisor-wildcards: mstart, mstop, mrestart, mstatus with fnmatch
//     patterns (match_group = 1 matches "group:name");
//   - supervisor-serialrestart: serialrestart, one process after another;
//   - supervisor_cache: cache_clear, cache_count, cache_delete,
//     cache_fetch, cache_keys, cache_store, over the "cache" namespace.
package ports

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/supervisorgo/supervisor/ctlplugin"
	"github.com/supervisorgo/supervisor/internal/ctl/pyfmt"
	"github.com/supervisorgo/supervisor/internal/ctl/shlex"
	"github.com/supervisorgo/supervisor/internal/python"
)

// Factory names, as the Python originals are configured.
const (
	WildcardsFactory     = "supervisorwildcards.controllerplugin:make_wildcards_controllerplugin"
	SerialRestartFactory = "supervisorserialrestart.controllerplugin:make_serialrestart_controllerplugin"
	CacheFactory         = "supervisor_cache.controllerplugin:make_cache_controllerplugin"
)

func init() {
	ctlplugin.Register(WildcardsFactory, newWildcards)
	ctlplugin.Register(SerialRestartFactory, newSerialRestart)
	ctlplugin.Register(CacheFactory, newCache)
}

// matchGroup reads the plugins' match_group option (Python bool(int(x))).
func matchGroup(ic ctlplugin.InitContext) (bool, error) {
	v, ok := ic.Get("match_group")
	if !ok {
		return false, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return false, fmt.Errorf("match_group: invalid literal for int() with base 10: %s", python.Repr(v))
	}
	return n != 0, nil
}

// Fnmatch is Python's fnmatch.fnmatchcase: * ? [seq] [!seq].
func Fnmatch(name, pattern string) bool {
	if !strings.ContainsAny(pattern, "*?[") {
		return name == pattern
	}
	re := translate(pattern)
	if re == nil {
		// Python raises on such a pattern (a bad range): match nothing
		// but the pattern itself.
		return name == pattern
	}
	return re.MatchString(name)
}

func translate(pat string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`(?s)\A`)
	rs := []rune(pat)
	for i := 0; i < len(rs); i++ {
		switch r := rs[i]; r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		case '[':
			j := i + 1
			if j < len(rs) && rs[j] == '!' {
				j++
			}
			if j < len(rs) && rs[j] == ']' {
				j++
			}
			for j < len(rs) && rs[j] != ']' {
				j++
			}
			if j >= len(rs) {
				b.WriteString(`\[`)
				continue
			}
			body := rs[i+1 : j]
			i = j
			var cls strings.Builder
			if len(body) > 0 && body[0] == '!' {
				cls.WriteString("^")
				body = body[1:]
			}
			for _, c := range body {
				if c == '\\' || c == ']' || c == '[' || c == '^' {
					cls.WriteRune('\\')
				}
				cls.WriteRune(c)
			}
			if cls.Len() == 0 {
				b.WriteString(`[^\x00-\x{10FFFF}]`)
			} else {
				b.WriteString("[" + cls.String() + "]")
			}
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString(`\z`)
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil
	}
	return re
}

type procInfo struct{ group, name string }

func allProcesses(ctx context.Context, c ctlplugin.Controller) ([]procInfo, error) {
	v, err := c.Call(ctx, "supervisor.getAllProcessInfo")
	if err != nil {
		return nil, err
	}
	arr, _ := v.([]any)
	var out []procInfo
	for _, e := range arr {
		m, _ := e.(map[string]any)
		g, _ := m["group"].(string)
		n, _ := m["name"].(string)
		out = append(out, procInfo{g, n})
	}
	return out, nil
}

// ---- supervisor-wildcards ----

func newWildcards(ic ctlplugin.InitContext) (ctlplugin.Plugin, error) {
	mg, err := matchGroup(ic)
	if err != nil {
		return nil, err
	}
	c := ic.Controller
	expand := func(command string) func(context.Context, string) error {
		return func(ctx context.Context, arg string) error {
			patterns := strings.Fields(arg)
			for _, p := range patterns {
				if p == "all" {
					patterns = []string{"*"}
				}
			}
			procs, err := allProcesses(ctx, c)
			if err != nil {
				return err
			}
			var wg sync.WaitGroup
			n := 0
			for _, p := range procs {
				name := p.name
				if mg {
					name = p.group + ":" + p.name
				}
				for _, pat := range patterns {
					if Fnmatch(name, pat) {
						n++
						wg.Add(1)
						go func() {
							defer wg.Done()
							c.OneCmd(ctx, fmt.Sprintf("%s %s:%s", command, p.group, p.name))
						}()
					}
				}
			}
			wg.Wait()
			if n == 0 {
				c.Output("No process matched given expression.")
			}
			return nil
		}
	}
	help := func(command string) string {
		return fmt.Sprintf("The same as %s, but accepts wildcard expressions to match the process name.\nm%s a* - %ss all processes begining with \"a\".", command, command, command)
	}
	return ctlplugin.Commands{
		{Name: "mrestart", Run: expand("restart"), Help: help("restart")},
		{Name: "mstart", Run: expand("start"), Help: help("start")},
		{Name: "mstatus", Run: expand("status"), Help: help("mstatus")},
		{Name: "mstop", Run: expand("stop"), Help: help("stop")},
	}, nil
}

// ---- supervisor-serialrestart ----

const serialRestartHelp = "serialrestart <name>\t\tRestart a process\n" +
	"serialrestart <gname>:*\tRestart all processes in a group\n" +
	"serialrestart <name> <name>\tRestart multiple processes or groups\n" +
	"serialrestart all\t\tRestart all processes\n" +
	"Note: serialrestart does restart one process after another, instead of restart, which stops all process and then starts them.\n" +
	"Note: serialrestart does not reread config files. For that, see reread and update.\n" +
	"Note: serialrestart also accepts wildcard expressions to match the process name\n" +
	"serialrestart a* restarts all processes begining with \"a\""

func newSerialRestart(ic ctlplugin.InitContext) (ctlplugin.Plugin, error) {
	if _, err := matchGroup(ic); err != nil {
		return nil, err
	}
	c := ic.Controller
	run := func(ctx context.Context, arg string) error {
		if !c.Upcheck(ctx) {
			return nil
		}
		names := strings.Fields(arg)
		if len(names) == 0 {
			c.Output("Error: serialrestart requires a process name")
			c.Output(serialRestartHelp)
			return nil
		}
		procs, err := allProcesses(ctx, c)
		if err != nil {
			return err
		}
		var all []string
		for _, p := range procs {
			if p.group == p.name {
				all = append(all, p.name)
			} else {
				all = append(all, p.group+":"+p.name)
			}
		}
		selected := map[string]bool{}
		for _, name := range names {
			if name == "all" {
				for _, p := range all {
					selected[p] = true
				}
				continue
			}
			found := false
			for _, p := range all {
				if Fnmatch(p, name) {
					selected[p] = true
					found = true
				}
			}
			if !found && !contains(names, "all") {
				c.Output("No such process " + name)
			}
		}
		// The original iterates a Python set; sorted here.
		list := make([]string, 0, len(selected))
		for p := range selected {
			list = append(list, p)
		}
		sort.Strings(list)
		for _, p := range list {
			c.OneCmd(ctx, "restart "+p)
		}
		return nil
	}
	return ctlplugin.Commands{{Name: "serialrestart", Run: run, Help: serialRestartHelp}}, nil
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// ---- supervisor_cache ----

func newCache(ic ctlplugin.InitContext) (ctlplugin.Plugin, error) {
	c := ic.Controller
	call := func(ctx context.Context, method string, params ...any) (any, error) {
		return c.Call(ctx, "cache."+method, params...)
	}
	const (
		clearHelp  = "cache_clear\tClear all items from the cache."
		countHelp  = "cache_count\tGet a count of all items in the cache."
		deleteHelp = "cache_delete <key>\tDelete the item cached at <key>."
		fetchHelp  = "cache_fetch <key>\tFetch the item cached at <key>."
		keysHelp   = "cache_keys\tList the keys of all items in the cache."
		storeHelp  = "cache_store <key> <value>\tStore <value> in the cache at <key>."
	)
	words := func(arg string, n int, help string) ([]string, bool, error) {
		w, err := shlex.Split(arg)
		if err != nil {
			return nil, false, err
		}
		if len(w) != n {
			c.Output(help)
			return nil, false, nil
		}
		return w, true, nil
	}
	return ctlplugin.Commands{
		{Name: "cache_clear", Help: clearHelp, Run: func(ctx context.Context, arg string) error {
			if arg != "" {
				c.Output(clearHelp)
				return nil
			}
			_, err := call(ctx, "clear")
			return err
		}},
		{Name: "cache_count", Help: countHelp, Run: func(ctx context.Context, arg string) error {
			if arg != "" {
				c.Output(countHelp)
				return nil
			}
			v, err := call(ctx, "getCount")
			if err != nil {
				return err
			}
			c.Output(pyfmt.PFormat(v))
			return nil
		}},
		{Name: "cache_delete", Help: deleteHelp, Run: func(ctx context.Context, arg string) error {
			w, ok, err := words(arg, 1, deleteHelp)
			if !ok {
				return err
			}
			_, err = call(ctx, "delete", w[0])
			return err
		}},
		{Name: "cache_fetch", Help: fetchHelp, Run: func(ctx context.Context, arg string) error {
			w, ok, err := words(arg, 1, fetchHelp)
			if !ok {
				return err
			}
			v, err := call(ctx, "fetch", w[0])
			if err != nil {
				return err
			}
			c.Output(pyfmt.PFormat(v))
			return nil
		}},
		{Name: "cache_keys", Help: keysHelp, Run: func(ctx context.Context, arg string) error {
			if arg != "" {
				c.Output(keysHelp)
				return nil
			}
			v, err := call(ctx, "getKeys")
			if err != nil {
				return err
			}
			c.Output(pyfmt.PFormat(v))
			return nil
		}},
		{Name: "cache_store", Help: storeHelp, Run: func(ctx context.Context, arg string) error {
			w, ok, err := words(arg, 2, storeHelp)
			if !ok {
				return err
			}
			_, err = call(ctx, "store", w[0], w[1])
			return err
		}},
	}, nil
}
