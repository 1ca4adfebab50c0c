package ctl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"syscall"

	"github.com/supervisorgo/supervisor/ctlplugin"
	"github.com/supervisorgo/supervisor/internal/python"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

const apiVersion = "3.0"

// Fault codes the commands look at (supervisor.xmlrpc.Faults).
const (
	faultUnknownMethod       = 1
	faultBadName             = 10
	faultBadSignal           = 11
	faultNoFile              = 20
	faultNotExecutable       = 21
	faultFailed              = 30
	faultAbnormalTermination = 40
	faultSpawnError          = 50
	faultAlreadyStarted      = 60
	faultNotRunning          = 70
	faultSuccess             = 80
	faultAlreadyAdded        = 90
	faultStillRunning        = 91
	faultCantReread          = 92
	faultShutdownState       = 6
)

// Process states in STOPPED_STATES.
var stoppedStates = map[int]bool{0: true, 100: true, 200: true, 1000: true}

const stateRunning = 20

// plugin is a loaded [ctlplugin:x] (or the built-in "default").
type plugin struct {
	name     string
	commands []ctlplugin.Command
	listed   func(name string) bool // nil: every command with help
}

// Controller is one supervisorctl session: the reference's Controller
// with its plugins.
type Controller struct {
	opts   *options
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	argv0  string

	mu     sync.Mutex // guards exit, writes, client
	exit   int
	client *client

	plugins []*plugin
	vocab   []string

	lines        lineReader
	interrupted  <-chan struct{} // the shell's current command was interrupted when closed
	completeInfo []map[string]any
	completeMu   sync.Mutex
}

var _ ctlplugin.Controller = (*Controller)(nil)

func newController(o *options, argv0 string, stdin io.Reader, stdout, stderr io.Writer) *Controller {
	c := &Controller{opts: o, argv0: argv0, stdin: stdin, stdout: stdout, stderr: stderr}
	return c
}

// loadPlugins builds the default plugin and those of the configuration.
func (c *Controller) loadPlugins() error {
	c.plugins = []*plugin{c.defaultPlugin()}
	for _, p := range c.opts.plugins {
		f, _ := ctlplugin.Lookup(p.Factory)
		ic := ctlplugin.InitContext{Name: p.Name, Controller: c}
		for _, kv := range p.Config {
			ic.Config = append(ic.Config, ctlplugin.KeyValue{Key: kv.Key, Value: kv.Value})
		}
		pl, err := f(ic)
		if err != nil {
			return fmt.Errorf("[ctlplugin:%s]: %w", p.Name, err)
		}
		c.plugins = append(c.plugins, &plugin{name: p.Name, commands: pl.Commands()})
	}
	c.vocab = []string{"help"}
	for _, p := range c.plugins {
		var names []string
		for _, cmd := range p.commands {
			names = append(names, cmd.Name)
		}
		sort.Strings(names)
		c.vocab = append(c.vocab, names...)
	}
	return nil
}

// Output prints a line.
func (c *Controller) Output(line string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	io.WriteString(c.stdout, line+"\n")
}

func (c *Controller) errorOutput(line string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	io.WriteString(c.stderr, line+"\n")
}

// SetExitStatus sets the exit status.
func (c *Controller) SetExitStatus(code int) {
	c.mu.Lock()
	c.exit = code
	c.mu.Unlock()
}

func (c *Controller) exitStatus() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.exit
}

// setExitFromFault is set_exitstatus_from_xmlrpc_fault.
func (c *Controller) setExitFromFault(code, ignored int) {
	switch {
	case code == ignored || code == faultSuccess:
	case code == faultSpawnError || code == faultAbnormalTermination || code == faultNotRunning:
		c.SetExitStatus(ctlplugin.ExitNotRunning)
	default:
		c.SetExitStatus(ctlplugin.ExitGeneric)
	}
}

func (c *Controller) serverURL() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.opts.serverURL
}

func (c *Controller) getClient() (*client, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.client == nil {
		cl, err := newClient(c.opts.serverURL, c.opts.username, c.opts.password)
		if err != nil {
			return nil, err
		}
		c.client = cl
	}
	return c.client, nil
}

// resetClient drops the connection after the URL or credentials changed.
func (c *Controller) resetClient() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.client.close()
	c.client = nil
}

// Call calls an XML-RPC method.
func (c *Controller) Call(ctx context.Context, method string, params ...xmlrpc.Value) (xmlrpc.Value, error) {
	cl, err := c.getClient()
	if err != nil {
		return nil, err
	}
	return cl.call(ctx, method, params...)
}

func (c *Controller) sv(ctx context.Context, method string, params ...xmlrpc.Value) (xmlrpc.Value, error) {
	return c.Call(ctx, "supervisor."+method, params...)
}

// Upcheck is the reference's upcheck for plugins: an unexpected error is
// printed on one line.
func (c *Controller) Upcheck(ctx context.Context) bool {
	ok, err := c.upcheck(ctx)
	if err != nil {
		c.reportError(err)
		return false
	}
	return ok
}

// upcheck checks the server's API version. It returns an error for what
// the reference lets escape as an exception.
func (c *Controller) upcheck(ctx context.Context) (bool, error) {
	v, err := c.sv(ctx, "getVersion")
	if err != nil {
		var f *xmlrpc.Fault
		if errors.As(err, &f) {
			if f.Code == faultUnknownMethod {
				c.Output("Sorry, supervisord responded but did not recognize the supervisor namespace commands that supervisorctl uses to control it.  Please check that the [rpcinterface:supervisor] section is enabled in the configuration file (see sample.conf).")
				c.SetExitStatus(ctlplugin.ExitUnimplementedFeature)
				return false, nil
			}
			c.SetExitStatus(ctlplugin.ExitGeneric)
			return false, err
		}
		switch errnoOf(err) {
		case syscall.ECONNREFUSED:
			c.Output(c.serverURL() + " refused connection")
			c.SetExitStatus(ctlplugin.ExitInsufficientPrivs)
			return false, nil
		case syscall.ENOENT:
			c.Output(c.serverURL() + " no such file")
			c.SetExitStatus(ctlplugin.ExitNotRunning)
			return false, nil
		}
		c.SetExitStatus(ctlplugin.ExitGeneric)
		return false, err
	}
	if s, _ := v.(string); s != apiVersion {
		c.Output(fmt.Sprintf("Sorry, this version of supervisorctl expects to talk to a server with API version %s, but the remote version is %s.", apiVersion, pyStr(v)))
		c.SetExitStatus(ctlplugin.ExitNotInstalled)
		return false, nil
	}
	return true, nil
}

// reportError prints an error that escaped a command, on one line.
func (c *Controller) reportError(err error) {
	c.Output(describe(c.serverURL(), err))
	c.SetExitStatus(ctlplugin.ExitGeneric)
}

func isUnauthorized(err error) bool {
	var pe *protocolError
	return errors.As(err, &pe) && pe.Code == http.StatusUnauthorized
}

const identChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"

// parseLine is cmd.Cmd.parseline.
func parseLine(line string) (cmd, arg, rest string, ok bool) {
	line = strings.TrimSpace(line)
	if line == "" {
		return "", "", "", false
	}
	if line[0] == '?' {
		line = "help " + line[1:]
	} else if line[0] == '!' {
		return "", "", line, false
	}
	i := 0
	for i < len(line) && strings.IndexByte(identChars, line[i]) >= 0 {
		i++
	}
	return line[:i], strings.TrimSpace(line[i:]), line, true
}

func (c *Controller) findCommand(name string) *ctlplugin.Command {
	for _, p := range c.plugins {
		for i := range p.commands {
			if p.commands[i].Name == name {
				return &p.commands[i]
			}
		}
	}
	return nil
}

// OneCmd runs one command line.
func (c *Controller) OneCmd(ctx context.Context, line string) { c.onecmd(ctx, line) }

// onecmd runs one command line; it returns true when the shell should end.
func (c *Controller) onecmd(ctx context.Context, line string) bool {
	cmd, arg, line, ok := parseLine(line)
	if line == "" {
		return false
	}
	c.completeMu.Lock()
	c.completeInfo = nil
	c.completeMu.Unlock()
	if !ok || cmd == "" {
		c.unknown(line)
		return false
	}
	switch cmd {
	case "help":
		c.doHelp(arg)
		return false
	case "EOF":
		c.Output("")
		return true
	}
	command := c.findCommand(cmd)
	if command == nil {
		c.unknown(line)
		return false
	}
	before := c.exitStatus()
	err := command.Run(ctx, arg)
	if err == nil {
		return false
	}
	if errors.Is(err, errStop) {
		c.Output("")
		return true
	}
	if c.wasInterrupted() {
		c.Output("")
		return false
	}
	if isUnauthorized(err) {
		c.Output("Server requires authentication")
		if c.opts.interactive {
			if c.askCredentials(ctx) {
				// The reference keeps the failed attempt's exit status.
				c.SetExitStatus(before)
				return c.onecmd(ctx, line)
			}
			return false
		}
	}
	c.reportError(err)
	return false
}

func (c *Controller) unknown(line string) {
	c.Output("*** Unknown syntax: " + line)
	c.SetExitStatus(ctlplugin.ExitGeneric)
}

// askCredentials prompts for a username and password after a 401.
func (c *Controller) askCredentials(ctx context.Context) bool {
	lr := c.lineReader()
	user, err := lr.readLine(ctx, "Username:")
	if err != nil {
		c.Output("")
		return false
	}
	pass, err := lr.readPassword(ctx, "Password:")
	if err != nil {
		c.Output("")
		return false
	}
	c.Output("")
	c.mu.Lock()
	c.opts.username, c.opts.password = user, pass
	c.mu.Unlock()
	c.resetClient()
	return true
}

// doHelp is Controller.do_help: each plugin answers in turn.
func (c *Controller) doHelp(arg string) {
	if strings.TrimSpace(arg) == "help" {
		c.Output("help\t\tPrint a list of available actions")
		c.Output("help <action>\tPrint help for <action>")
		return
	}
	for _, p := range c.plugins {
		if arg != "" {
			found := false
			for _, cmd := range p.commands {
				if cmd.Name == arg {
					found = true
					if cmd.Help != "" {
						c.Output(cmd.Help)
					} else {
						c.Output(fmt.Sprintf("*** No help on %s", arg))
					}
				}
			}
			if !found {
				c.Output(fmt.Sprintf("*** No help on %s", arg))
			}
			continue
		}
		var listed, extra []string
		for _, cmd := range p.commands {
			if cmd.Help == "" {
				continue
			}
			if p.listed != nil && !p.listed(cmd.Name) {
				extra = append(extra, cmd.Name)
				continue
			}
			listed = append(listed, cmd.Name)
		}
		sort.Strings(listed)
		sort.Strings(extra)
		c.Output("")
		c.printTopics(fmt.Sprintf("%s commands (type help <topic>):", p.name), listed)
		c.printTopics("supervisor-go extensions (type help <topic>):", extra)
	}
}

func (c *Controller) printTopics(header string, cmds []string) {
	if len(cmds) == 0 {
		return
	}
	var b strings.Builder
	b.WriteString(header + "\n")
	b.WriteString(strings.Repeat("=", len(header)) + "\n")
	b.WriteString(columnize(cmds, 79))
	c.mu.Lock()
	io.WriteString(c.stdout, b.String()+"\n")
	c.mu.Unlock()
}

// interruptible returns a context cancelled by Ctrl-C (SIGINT) as well.
func interruptible(ctx context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancel(ctx)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt)
	done := make(chan struct{})
	go func() {
		select {
		case <-ch:
			cancel()
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel()
	}
}

func pyStr(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case nil:
		return "None"
	case bool:
		if v {
			return "True"
		}
		return "False"
	}
	return pformat(v)
}

func pyRepr(s string) string { return python.Repr(s) }

func (c *Controller) wasInterrupted() bool {
	c.mu.Lock()
	ch := c.interrupted
	c.mu.Unlock()
	if ch == nil {
		return false
	}
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
