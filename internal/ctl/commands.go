package ctl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/supervisorgo/supervisor/ctlplugin"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

// errStop ends the shell (quit, exit).
var errStop = errors.New("stop")

// extensions are the default plugin's commands the reference lacks; "help"
// lists them apart so that its first table is the reference's.
var extensions = map[string]bool{"call": true}

func (c *Controller) defaultPlugin() *plugin {
	cmd := func(name string, run func(context.Context, string) error, help ...string) ctlplugin.Command {
		return ctlplugin.Command{Name: name, Run: run, Help: strings.Join(help, "\n")}
	}
	return &plugin{
		name:   "default",
		listed: func(name string) bool { return !extensions[name] },
		commands: []ctlplugin.Command{
			cmd("add", c.doAdd, "add <name> [...]\tActivates any updates in config for process/group"),
			cmd("avail", c.doAvail, "avail\t\t\tDisplay all configured processes"),
			cmd("call", c.doCall, callHelp),
			cmd("clear", c.doClear, "clear <name>\t\tClear a process' log files.",
				"clear <name> <name>\tClear multiple process' log files",
				"clear all\t\tClear all process' log files"),
			cmd("exit", c.doQuit, "exit\tExit the supervisor shell."),
			cmd("fg", c.doFg, "fg <process>\tConnect to a process in foreground mode", "\t\tCtrl-C to exit"),
			cmd("maintail", c.doMaintail, "maintail -f \tContinuous tail of supervisor main log file (Ctrl-C to exit)\n"+
				"maintail -100\tlast 100 *bytes* of supervisord main log file\n"+
				"maintail\tlast 1600 *bytes* of supervisor main log file\n"),
			cmd("open", c.doOpen, "open <url>\tConnect to a remote supervisord process.",
				"\t\t(for UNIX domain socket, use unix:///socket/path)"),
			cmd("pid", c.doPid, "pid\t\t\tGet the PID of supervisord.",
				"pid <name>\t\tGet the PID of a single child process by name.",
				"pid all\t\t\tGet the PID of every child process, one per line."),
			cmd("quit", c.doQuit, "quit\tExit the supervisor shell."),
			cmd("reload", c.doReload, "reload \t\tRestart the remote supervisord."),
			cmd("remove", c.doRemove, "remove <name> [...]\tRemoves process/group from active config"),
			cmd("reread", c.doReread, "reread \t\t\tReload the daemon's configuration files without add/remove"),
			cmd("restart", c.doRestart, "restart <name>\t\tRestart a process",
				"restart <gname>:*\tRestart all processes in a group",
				"restart <name> <name>\tRestart multiple processes or groups",
				"restart all\t\tRestart all processes",
				"Note: restart does not reread config files. For that, see reread and update."),
			cmd("shutdown", c.doShutdown, "shutdown \tShut the remote supervisord down."),
			cmd("signal", c.doSignal, "signal <signal name> <name>\t\tSignal a process",
				"signal <signal name> <gname>:*\t\tSignal all processes in a group",
				"signal <signal name> <name> <name>\tSignal multiple processes or groups",
				"signal <signal name> all\t\tSignal all processes"),
			cmd("start", c.doStart, "start <name>\t\tStart a process",
				"start <gname>:*\t\tStart all processes in a group",
				"start <name> <name>\tStart multiple processes or groups",
				"start all\t\tStart all processes"),
			cmd("status", c.doStatus, "status <name>\t\tGet status for a single process",
				"status <gname>:*\tGet status for all processes in a group",
				"status <name> <name>\tGet status for multiple named processes",
				"status\t\t\tGet all process status info"),
			cmd("stop", c.doStop, "stop <name>\t\tStop a process",
				"stop <gname>:*\t\tStop all processes in a group",
				"stop <name> <name>\tStop multiple processes or groups",
				"stop all\t\tStop all processes"),
			cmd("tail", c.doTail, "tail [-f] <name> [stdout|stderr] (default stdout)\n"+
				"Ex:\n"+
				"tail -f <name>\t\tContinuous tail of named process stdout\n"+
				"\t\t\tCtrl-C to exit.\n"+
				"tail -100 <name>\tlast 100 *bytes* of process stdout\n"+
				"tail <name> stderr\tlast 1600 *bytes* of process stderr"),
			cmd("update", c.doUpdate, "update\t\t\tReload config and add/remove as necessary, and will restart affected programs",
				"update all\t\tReload config and add/remove as necessary, and will restart affected programs",
				"update <gname> [...]\tUpdate specific groups"),
			cmd("version", c.doVersion, "version\t\t\tShow the version of the remote supervisord process"),
		},
	}
}

func (c *Controller) help(name string) {
	if cmd := c.plugins[0]; cmd != nil {
		for _, k := range cmd.commands {
			if k.Name == name {
				c.Output(k.Help)
			}
		}
	}
}

// makeNamespec and splitNamespec are options.make_namespec/split_namespec.
func makeNamespec(group, name string) string {
	if group == name {
		return name
	}
	return group + ":" + name
}

func splitNamespec(spec string) (group, name string, hasName bool) {
	if g, n, ok := strings.Cut(spec, ":"); ok {
		if n == "" || n == "*" {
			return g, "", false
		}
		return g, n, true
	}
	return spec, spec, true
}

func str(m map[string]any, k string) string {
	switch v := m[k].(type) {
	case string:
		return v
	case nil:
		return ""
	default:
		return pyStr(v)
	}
}

func num(m map[string]any, k string) int {
	switch v := m[k].(type) {
	case int:
		return v
	case bool:
		if v {
			return 1
		}
	}
	return 0
}

func structs(v xmlrpc.Value) []map[string]any {
	arr, _ := v.([]any)
	out := make([]map[string]any, 0, len(arr))
	for _, e := range arr {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func faultOf(err error) (*xmlrpc.Fault, bool) {
	var f *xmlrpc.Fault
	ok := errors.As(err, &f)
	return f, ok
}

// takeFlag removes the flags named from args and reports whether one was
// there.
func takeFlag(args []string, names ...string) ([]string, bool) {
	out := args[:0:0]
	found := false
	for _, a := range args {
		hit := false
		for _, n := range names {
			if a == n {
				hit = true
			}
		}
		if hit {
			found = true
		} else {
			out = append(out, a)
		}
	}
	return out, found
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

func (c *Controller) printJSON(v any) {
	b, _ := json.MarshalIndent(v, "", "  ")
	c.Output(string(b))
}

// ---- status ----

func (c *Controller) doStatus(ctx context.Context, arg string) error {
	ok, err := c.upcheck(ctx)
	if err != nil || !ok {
		c.SetExitStatus(4)
		return err
	}
	names, asJSON := takeFlag(strings.Fields(arg), "--json")
	v, err := c.sv(ctx, "getAllProcessInfo")
	if err != nil {
		return err
	}
	all := structs(v)
	var matching []map[string]any
	if len(names) == 0 || contains(names, "all") {
		matching = all
	} else {
		for _, name := range names {
			group, pname, hasName := splitNamespec(name)
			bad := true
			for _, info := range all {
				if str(info, "group") == group && (!hasName || str(info, "name") == pname) {
					bad = false
					matching = append(matching, info)
				}
			}
			if bad {
				msg := fmt.Sprintf("%s: ERROR (no such process)", name)
				if !hasName {
					msg = fmt.Sprintf("%s: ERROR (no such group)", group)
				}
				if asJSON {
					c.errorOutput(msg)
				} else {
					c.Output(msg)
				}
				c.SetExitStatus(4)
			}
		}
	}
	if asJSON {
		out := make([]map[string]any, 0, len(matching))
		for _, info := range matching {
			m := jsonable(info).(map[string]any)
			m["namespec"] = makeNamespec(str(info, "group"), str(info, "name"))
			out = append(out, m)
		}
		c.printJSON(out)
	} else {
		if len(matching) > 0 {
			c.Output(strings.TrimSuffix(formatStatus(matching), "\n"))
		}
	}
	for _, info := range matching {
		if stoppedStates[num(info, "state")] {
			c.SetExitStatus(3)
		}
	}
	return nil
}

// formatStatus is _show_statuses.
func formatStatus(infos []map[string]any) string {
	maxlen := 30
	specs := make([]string, len(infos))
	for i, info := range infos {
		specs[i] = makeNamespec(str(info, "group"), str(info, "name"))
		maxlen = max(maxlen, len(specs[i]))
	}
	var b strings.Builder
	for i, info := range infos {
		fmt.Fprintf(&b, "%-*s%-10s%s\n", maxlen+3, specs[i], str(info, "statename"), str(info, "description"))
	}
	return b.String()
}

// ---- pid ----

func (c *Controller) doPid(ctx context.Context, arg string) error {
	if ok, err := c.upcheck(ctx); err != nil || !ok {
		return err
	}
	names, asJSON := takeFlag(strings.Fields(arg), "--json")
	obj := map[string]int{}
	switch {
	case len(names) == 0:
		v, err := c.sv(ctx, "getPID")
		if err != nil {
			return err
		}
		if asJSON {
			n, _ := v.(int)
			obj["supervisord"] = n
		} else {
			c.Output(pyStr(v))
		}
	case contains(names, "all"):
		v, err := c.sv(ctx, "getAllProcessInfo")
		if err != nil {
			return err
		}
		for _, info := range structs(v) {
			if asJSON {
				obj[makeNamespec(str(info, "group"), str(info, "name"))] = num(info, "pid")
			} else {
				c.Output(strconv.Itoa(num(info, "pid")))
			}
		}
	default:
		for _, name := range names {
			v, err := c.sv(ctx, "getProcessInfo", name)
			if err != nil {
				c.SetExitStatus(ctlplugin.ExitGeneric)
				if f, ok := faultOf(err); ok && f.Code == faultBadName {
					if asJSON {
						c.errorOutput("No such process " + name)
					} else {
						c.Output("No such process " + name)
					}
					continue
				}
				return err
			}
			info, _ := v.(map[string]any)
			pid := num(info, "pid")
			if asJSON {
				obj[name] = pid
			} else {
				c.Output(strconv.Itoa(pid))
			}
			if pid == 0 {
				c.SetExitStatus(ctlplugin.ExitNotRunning)
			}
		}
	}
	if asJSON {
		c.printJSON(obj)
	}
	return nil
}

// ---- start / stop / signal / clear ----

var startErrors = map[int]string{
	faultBadName:             "no such process",
	faultNoFile:              "no such file",
	faultNotExecutable:       "file is not executable",
	faultAlreadyStarted:      "already started",
	faultSpawnError:          "spawn error",
	faultAbnormalTermination: "abnormal termination",
}

func resultName(r map[string]any) string { return makeNamespec(str(r, "group"), str(r, "name")) }

func startResult(r map[string]any) string {
	name, code := resultName(r), num(r, "status")
	if code == faultSuccess {
		return name + ": started"
	}
	if s, ok := startErrors[code]; ok {
		return fmt.Sprintf("%s: ERROR (%s)", name, s)
	}
	return fmt.Sprintf("%s: ERROR (%s)", name, str(r, "description"))
}

func signalResult(r map[string]any, success string) string {
	name, code := resultName(r), num(r, "status")
	switch code {
	case faultBadName:
		return name + ": ERROR (no such process)"
	case faultBadSignal:
		return name + ": ERROR (bad signal name)"
	case faultNotRunning:
		return name + ": ERROR (not running)"
	case faultSuccess:
		return name + ": " + success
	case faultFailed:
		return str(r, "description")
	}
	return fmt.Sprintf("%s: ERROR (%s)", name, str(r, "description"))
}

func clearResult(r map[string]any) string {
	name, code := resultName(r), num(r, "status")
	switch code {
	case faultBadName:
		return name + ": ERROR (no such process)"
	case faultFailed:
		return name + ": ERROR (failed)"
	case faultSuccess:
		return name + ": cleared"
	}
	return fmt.Sprintf("%s: ERROR (%s)", name, str(r, "description"))
}

// action describes start, stop, signal or clear.
type action struct {
	allMethod, groupMethod, oneMethod string
	format                            func(map[string]any) string
	ignored                           int
	badGroupExit                      int
	extra                             []xmlrpc.Value // the signal, for signal
}

func (c *Controller) startAction() action {
	return action{"startAllProcesses", "startProcessGroup", "startProcess", startResult, faultAlreadyStarted, ctlplugin.ExitInvalidArgs, nil}
}

func (c *Controller) stopAction() action {
	return action{"stopAllProcesses", "stopProcessGroup", "stopProcess",
		func(r map[string]any) string { return signalResult(r, "stopped") }, faultNotRunning, ctlplugin.ExitGeneric, nil}
}

// runResults prints a list of results.
func (c *Controller) runResults(v xmlrpc.Value, a action) {
	for _, r := range structs(v) {
		c.Output(a.format(r))
		c.setExitFromFault(num(r, "status"), a.ignored)
	}
}

// runOne acts on one name (a process or "group:*").
func (c *Controller) runOne(ctx context.Context, a action, name string) error {
	group, pname, hasName := splitNamespec(name)
	if !hasName {
		params := []xmlrpc.Value{group}
		if a.extra != nil {
			params = append(params, a.extra...)
		}
		v, err := c.sv(ctx, a.groupMethod, params...)
		if err != nil {
			if f, ok := faultOf(err); ok && f.Code == faultBadName {
				c.Output(fmt.Sprintf("%s: ERROR (no such group)", group))
				c.SetExitStatus(a.badGroupExit)
				return nil
			}
			c.SetExitStatus(ctlplugin.ExitGeneric)
			return err
		}
		c.runResults(v, a)
		return nil
	}
	params := []xmlrpc.Value{name}
	if a.oneMethod == "signalProcess" {
		params = append(params, a.extra...)
	}
	_, err := c.sv(ctx, a.oneMethod, params...)
	if err != nil {
		f, ok := faultOf(err)
		if !ok {
			return err
		}
		r := map[string]any{"status": f.Code, "name": pname, "group": group, "description": f.String}
		c.Output(a.format(r))
		c.setExitFromFault(f.Code, a.ignored)
		return nil
	}
	c.Output(a.format(map[string]any{"status": faultSuccess, "name": pname, "group": group}))
	return nil
}

// run acts on names as do_start/do_stop do, or in parallel.
func (c *Controller) run(ctx context.Context, a action, names []string, parallel bool) error {
	if contains(names, "all") && !parallel {
		v, err := c.sv(ctx, a.allMethod, a.extra...)
		if err != nil {
			return err
		}
		c.runResults(v, a)
		return nil
	}
	if !parallel {
		for _, name := range names {
			if err := c.runOne(ctx, a, name); err != nil {
				return err
			}
		}
		return nil
	}
	specs, err := c.expand(ctx, names, a.badGroupExit)
	if err != nil {
		return err
	}
	return c.parallel(ctx, specs, func(ctx context.Context, spec string) error { return c.runOne(ctx, a, spec) })
}

// expand turns names, "group:*" and "all" into process namespecs, for
// the parallel forms.
func (c *Controller) expand(ctx context.Context, names []string, badGroupExit int) ([]string, error) {
	v, err := c.sv(ctx, "getAllProcessInfo")
	if err != nil {
		return nil, err
	}
	infos := structs(v)
	var specs []string
	seen := map[string]bool{}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			specs = append(specs, s)
		}
	}
	for _, name := range names {
		group, _, hasName := splitNamespec(name)
		switch {
		case name == "all":
			for _, info := range infos {
				add(str(info, "group") + ":" + str(info, "name"))
			}
		case !hasName:
			found := false
			for _, info := range infos {
				if str(info, "group") == group {
					found = true
					add(group + ":" + str(info, "name"))
				}
			}
			if !found {
				c.Output(fmt.Sprintf("%s: ERROR (no such group)", group))
				c.SetExitStatus(badGroupExit)
			}
		default:
			add(name)
		}
	}
	return specs, nil
}

// parallel runs f for each spec at once and returns the first error.
func (c *Controller) parallel(ctx context.Context, specs []string, f func(context.Context, string) error) error {
	var wg sync.WaitGroup
	errs := make([]error, len(specs))
	for i, s := range specs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f(ctx, s)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func parallelFlag(arg string) ([]string, bool) {
	return takeFlag(strings.Fields(arg), "-P", "--parallel")
}

func (c *Controller) doStart(ctx context.Context, arg string) error {
	if ok, err := c.upcheck(ctx); err != nil || !ok {
		return err
	}
	names, par := parallelFlag(arg)
	if len(names) == 0 {
		c.Output("Error: start requires a process name")
		c.SetExitStatus(ctlplugin.ExitInvalidArgs)
		c.help("start")
		return nil
	}
	return c.run(ctx, c.startAction(), names, par)
}

func (c *Controller) doStop(ctx context.Context, arg string) error {
	if ok, err := c.upcheck(ctx); err != nil || !ok {
		return err
	}
	names, par := parallelFlag(arg)
	if len(names) == 0 {
		c.Output("Error: stop requires a process name")
		c.SetExitStatus(ctlplugin.ExitGeneric)
		c.help("stop")
		return nil
	}
	return c.run(ctx, c.stopAction(), names, par)
}

func (c *Controller) doRestart(ctx context.Context, arg string) error {
	if ok, err := c.upcheck(ctx); err != nil || !ok {
		return err
	}
	names, par := parallelFlag(arg)
	if len(names) == 0 {
		c.Output("Error: restart requires a process name")
		c.SetExitStatus(ctlplugin.ExitGeneric)
		c.help("restart")
		return nil
	}
	if !par {
		if err := c.doStop(ctx, arg); err != nil {
			return err
		}
		return c.doStart(ctx, arg)
	}
	specs, err := c.expand(ctx, names, ctlplugin.ExitGeneric)
	if err != nil {
		return err
	}
	stop, start := c.stopAction(), c.startAction()
	return c.parallel(ctx, specs, func(ctx context.Context, spec string) error {
		if err := c.runOne(ctx, stop, spec); err != nil {
			return err
		}
		return c.runOne(ctx, start, spec)
	})
}

func (c *Controller) doSignal(ctx context.Context, arg string) error {
	if ok, err := c.upcheck(ctx); err != nil || !ok {
		return err
	}
	args := strings.Fields(arg)
	if len(args) < 2 {
		c.Output("Error: signal requires a signal name and a process name")
		c.help("signal")
		c.SetExitStatus(ctlplugin.ExitGeneric)
		return nil
	}
	a := action{"signalAllProcesses", "signalProcessGroup", "signalProcess",
		func(r map[string]any) string { return signalResult(r, "signalled") }, -1, ctlplugin.ExitGeneric, []xmlrpc.Value{args[0]}}
	return c.run(ctx, a, args[1:], false)
}

func (c *Controller) doClear(ctx context.Context, arg string) error {
	if ok, err := c.upcheck(ctx); err != nil || !ok {
		return err
	}
	names := strings.Fields(arg)
	if len(names) == 0 {
		c.Output("Error: clear requires a process name")
		c.SetExitStatus(ctlplugin.ExitGeneric)
		c.help("clear")
		return nil
	}
	if contains(names, "all") {
		v, err := c.sv(ctx, "clearAllProcessLogs")
		if err != nil {
			return err
		}
		for _, r := range structs(v) {
			c.Output(clearResult(r))
			c.setExitFromFault(num(r, "status"), -1)
		}
		return nil
	}
	for _, name := range names {
		group, pname, _ := splitNamespec(name)
		if _, err := c.sv(ctx, "clearProcessLogs", name); err != nil {
			f, ok := faultOf(err)
			if !ok {
				return err
			}
			c.Output(clearResult(map[string]any{"status": f.Code, "name": pname, "group": group, "description": f.String}))
			c.setExitFromFault(f.Code, -1)
			continue
		}
		c.Output(makeNamespec(group, pname) + ": cleared")
	}
	return nil
}

// ---- quit, shutdown, reload ----

func (c *Controller) doQuit(ctx context.Context, arg string) error { return errStop }

func (c *Controller) confirm(ctx context.Context, question string) bool {
	if !c.opts.interactive {
		return true
	}
	ans, err := c.lineReader().readLine(ctx, question)
	if err != nil {
		return false
	}
	return strings.HasPrefix(strings.ToLower(ans), "y")
}

func (c *Controller) doShutdown(ctx context.Context, arg string) error {
	if arg != "" {
		c.Output("Error: shutdown accepts no arguments")
		c.SetExitStatus(ctlplugin.ExitGeneric)
		c.help("shutdown")
		return nil
	}
	if !c.confirm(ctx, "Really shut the remote supervisord process down y/N? ") {
		return nil
	}
	if _, err := c.sv(ctx, "shutdown"); err != nil {
		if f, ok := faultOf(err); ok {
			if f.Code == faultShutdownState {
				c.Output("ERROR: already shutting down")
				return nil
			}
			c.SetExitStatus(ctlplugin.ExitGeneric)
			return err
		}
		switch errnoOf(err) {
		case syscall.ECONNREFUSED:
			c.SetExitStatus(ctlplugin.ExitGeneric)
			c.Output(fmt.Sprintf("ERROR: %s refused connection (already shut down?)", c.serverURL()))
			return nil
		case syscall.ENOENT:
			c.SetExitStatus(ctlplugin.ExitGeneric)
			c.Output(fmt.Sprintf("ERROR: %s no such file (already shut down?)", c.serverURL()))
			return nil
		}
		return err
	}
	c.Output("Shut down")
	return nil
}

func (c *Controller) doReload(ctx context.Context, arg string) error {
	if arg != "" {
		c.Output("Error: reload accepts no arguments")
		c.SetExitStatus(ctlplugin.ExitGeneric)
		c.help("reload")
		return nil
	}
	if !c.confirm(ctx, "Really restart the remote supervisord process y/N? ") {
		return nil
	}
	if _, err := c.sv(ctx, "restart"); err != nil {
		c.SetExitStatus(ctlplugin.ExitGeneric)
		if f, ok := faultOf(err); ok && f.Code == faultShutdownState {
			c.Output("ERROR: already shutting down")
			return nil
		}
		return err
	}
	c.Output("Restarted supervisord")
	return nil
}

// ---- avail, reread, add, remove, update ----

func (c *Controller) doAvail(ctx context.Context, arg string) error {
	args, asJSON := takeFlag(strings.Fields(arg), "--json")
	if len(args) > 0 {
		c.Output("Error: avail accepts no arguments")
		c.SetExitStatus(ctlplugin.ExitGeneric)
		c.help("avail")
		return nil
	}
	v, err := c.sv(ctx, "getAllConfigInfo")
	if err != nil {
		c.SetExitStatus(ctlplugin.ExitGeneric)
		if f, ok := faultOf(err); ok && f.Code == faultShutdownState {
			c.Output("ERROR: supervisor shutting down")
			return nil
		}
		return err
	}
	if asJSON {
		out := []any{}
		for _, info := range structs(v) {
			m := jsonable(info).(map[string]any)
			m["namespec"] = makeNamespec(str(info, "group"), str(info, "name"))
			out = append(out, m)
		}
		c.printJSON(out)
		return nil
	}
	for _, info := range structs(v) {
		c.Output(formatConfigInfo(info))
	}
	return nil
}

func formatConfigInfo(info map[string]any) string {
	inuse, auto := "avail", "manual"
	if b, _ := info["inuse"].(bool); b {
		inuse = "in use"
	}
	if b, _ := info["autostart"].(bool); b {
		auto = "auto"
	}
	prio := fmt.Sprintf("%s:%s", pyStr(info["group_prio"]), pyStr(info["process_prio"]))
	return fmt.Sprintf("%-32s %-9s %-9s %s", makeNamespec(str(info, "group"), str(info, "name")), inuse, auto, prio)
}

// changes reads reloadConfig's [[added, changed, removed]].
func changes(v xmlrpc.Value) (added, changed, removed []string) {
	outer, _ := v.([]any)
	if len(outer) == 0 {
		return
	}
	inner, _ := outer[0].([]any)
	lists := make([][]string, 3)
	for i := 0; i < 3 && i < len(inner); i++ {
		arr, _ := inner[i].([]any)
		for _, e := range arr {
			lists[i] = append(lists[i], pyStr(e))
		}
	}
	return lists[0], lists[1], lists[2]
}

func (c *Controller) doReread(ctx context.Context, arg string) error {
	if arg != "" {
		c.Output("Error: reread accepts no arguments")
		c.SetExitStatus(ctlplugin.ExitGeneric)
		c.help("reread")
		return nil
	}
	v, err := c.sv(ctx, "reloadConfig")
	if err != nil {
		c.SetExitStatus(ctlplugin.ExitGeneric)
		if f, ok := faultOf(err); ok {
			switch f.Code {
			case faultShutdownState:
				c.Output("ERROR: supervisor shutting down")
				return nil
			case faultCantReread:
				c.Output("ERROR: " + f.String)
				return nil
			}
		}
		return err
	}
	added, changed, removed := changes(v)
	kinds := map[string]string{}
	for _, n := range added {
		kinds[n] = "available"
	}
	for _, n := range changed {
		kinds[n] = "changed"
	}
	for _, n := range removed {
		kinds[n] = "disappeared"
	}
	if len(kinds) == 0 {
		c.Output("No config updates to processes")
		return nil
	}
	names := make([]string, 0, len(kinds))
	for n := range kinds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		c.Output(n + ": " + kinds[n])
	}
	return nil
}

func (c *Controller) doAdd(ctx context.Context, arg string) error {
	for _, name := range strings.Fields(arg) {
		if _, err := c.sv(ctx, "addProcessGroup", name); err != nil {
			f, ok := faultOf(err)
			switch {
			case ok && f.Code == faultShutdownState:
				c.Output("ERROR: shutting down")
				c.SetExitStatus(ctlplugin.ExitGeneric)
			case ok && f.Code == faultAlreadyAdded:
				c.Output("ERROR: process group already active")
			case ok && f.Code == faultBadName:
				c.Output("ERROR: no such process/group: " + name)
				c.SetExitStatus(ctlplugin.ExitGeneric)
			default:
				c.SetExitStatus(ctlplugin.ExitGeneric)
				return err
			}
			continue
		}
		c.Output(name + ": added process group")
	}
	return nil
}

func (c *Controller) doRemove(ctx context.Context, arg string) error {
	for _, name := range strings.Fields(arg) {
		if _, err := c.sv(ctx, "removeProcessGroup", name); err != nil {
			c.SetExitStatus(ctlplugin.ExitGeneric)
			f, ok := faultOf(err)
			switch {
			case ok && f.Code == faultStillRunning:
				c.Output("ERROR: process/group still running: " + name)
			case ok && f.Code == faultBadName:
				c.Output("ERROR: no such process/group: " + name)
			default:
				return err
			}
			continue
		}
		c.Output(name + ": removed process group")
	}
	return nil
}

func (c *Controller) doUpdate(ctx context.Context, arg string) error {
	v, err := c.sv(ctx, "reloadConfig")
	if err != nil {
		c.SetExitStatus(ctlplugin.ExitGeneric)
		if f, ok := faultOf(err); ok && f.Code == faultShutdownState {
			c.Output("ERROR: already shutting down")
			return nil
		}
		return err
	}
	added, changed, removed := changes(v)
	valid := map[string]bool{}
	for _, g := range strings.Fields(arg) {
		valid[g] = true
	}
	if valid["all"] {
		valid = map[string]bool{}
	}
	if len(valid) > 0 {
		groups := map[string]bool{}
		v, err := c.sv(ctx, "getAllProcessInfo")
		if err != nil {
			return err
		}
		for _, info := range structs(v) {
			groups[str(info, "group")] = true
		}
		for _, g := range added {
			groups[g] = true
		}
		// Python iterates a set: sort for a stable order.
		var names []string
		for g := range valid {
			names = append(names, g)
		}
		sort.Strings(names)
		for _, g := range names {
			if !groups[g] {
				c.Output("ERROR: no such group: " + g)
				c.SetExitStatus(ctlplugin.ExitGeneric)
			}
		}
	}
	skip := func(g string) bool { return len(valid) > 0 && !valid[g] }
	for _, g := range removed {
		if skip(g) {
			continue
		}
		v, err := c.sv(ctx, "stopProcessGroup", g)
		if err != nil {
			return err
		}
		c.Output(g + ": stopped")
		failed := false
		for _, r := range structs(v) {
			if num(r, "status") == faultFailed {
				failed = true
			}
		}
		if failed {
			c.Output(g + ": has problems; not removing")
			c.SetExitStatus(ctlplugin.ExitGeneric)
			continue
		}
		if _, err := c.sv(ctx, "removeProcessGroup", g); err != nil {
			return err
		}
		c.Output(g + ": removed process group")
	}
	for _, g := range changed {
		if skip(g) {
			continue
		}
		if _, err := c.sv(ctx, "stopProcessGroup", g); err != nil {
			return err
		}
		c.Output(g + ": stopped")
		if _, err := c.sv(ctx, "removeProcessGroup", g); err != nil {
			return err
		}
		if _, err := c.sv(ctx, "addProcessGroup", g); err != nil {
			return err
		}
		c.Output(g + ": updated process group")
	}
	for _, g := range added {
		if skip(g) {
			continue
		}
		if _, err := c.sv(ctx, "addProcessGroup", g); err != nil {
			return err
		}
		c.Output(g + ": added process group")
	}
	return nil
}

// ---- open, version ----

func (c *Controller) doOpen(ctx context.Context, arg string) error {
	u := strings.TrimSpace(arg)
	scheme := ""
	if p, err := url.Parse(u); err == nil {
		scheme = p.Scheme
	}
	if scheme != "unix" && scheme != "http" {
		c.Output("ERROR: url must be http:// or unix://")
		c.SetExitStatus(ctlplugin.ExitGeneric)
		return nil
	}
	c.mu.Lock()
	c.opts.serverURL = u
	c.mu.Unlock()
	c.resetClient()
	old := c.exitStatus()
	err := c.doStatus(ctx, "")
	c.SetExitStatus(old)
	return err
}

func (c *Controller) doVersion(ctx context.Context, arg string) error {
	args, asJSON := takeFlag(strings.Fields(arg), "--json")
	if len(args) > 0 {
		c.Output("Error: version accepts no arguments")
		c.SetExitStatus(ctlplugin.ExitGeneric)
		c.help("version")
		return nil
	}
	if ok, err := c.upcheck(ctx); err != nil || !ok {
		return err
	}
	v, err := c.sv(ctx, "getSupervisorVersion")
	if err != nil {
		return err
	}
	if asJSON {
		c.printJSON(map[string]any{"supervisor": v, "api": apiVersion, "supervisorctl": version})
		return nil
	}
	c.Output(pyStr(v))
	return nil
}
