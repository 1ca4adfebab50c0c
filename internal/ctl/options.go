package ctl

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	"github.com/supervisorgo/supervisor/ctlplugin"
	"github.com/supervisorgo/supervisor/internal/config"
	"github.com/supervisorgo/supervisor/internal/getopt"
	"github.com/supervisorgo/supervisor/internal/python"
)

const version = "4.2.5"

// usageText is the reference's module docstring, printed by -h.
const usageText = `supervisorctl -- control applications run by supervisord from the cmd line.

Usage: %s [options] [action [arguments]]

Options:
-c/--configuration FILENAME -- configuration file path (searches if not given)
-h/--help -- print usage message and exit
-i/--interactive -- start an interactive shell after executing commands
-s/--serverurl URL -- URL on which supervisord server is listening
     (default "http://localhost:9001").
-u/--username USERNAME -- username to use for authentication with server
-p/--password PASSWORD -- password to use for authentication with server
-r/--history-file -- keep a readline history (if readline is available)

action [arguments] -- see below

Actions are commands like "tail" or "stop".  If -i is specified or no action is
specified on the command line, a "shell" interpreting actions typed
interactively is started.  Use the action "help" to find out about available
actions.

`

// options is ClientOptions once realized.
type options struct {
	configFile  string
	serverURL   string
	username    string
	password    string
	prompt      string
	historyFile string
	interactive bool // -i given, or no action
	args        []string
	plugins     []config.CtlPlugin
}

// usageError is printed as "Error: MSG" and "For help, use ARGV0 -h", exit 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// exitNow is -h or -v: text to print on stdout, then exit 0.
type exitNow struct{ text string }

func (e *exitNow) Error() string { return "exit" }

// searchPaths is the reference's configuration search order.
func searchPaths(argv0 string) []string {
	here := filepath.Dir(filepath.Dir(argv0))
	return []string{
		filepath.Join(here, "etc", "supervisord.conf"),
		filepath.Join(here, "supervisord.conf"),
		"supervisord.conf",
		"etc/supervisord.conf",
		"/etc/supervisord.conf",
		"/etc/supervisor/supervisord.conf",
	}
}

// validURL is datatypes.url: a scheme and a netloc or path.
func validURL(v string) bool {
	u, err := url.Parse(v)
	if err != nil {
		return false
	}
	return u.Scheme != "" && (u.Host != "" || u.Path != "" || u.Opaque != "")
}

// parseOptions realizes the options as ClientOptions does.
func parseOptions(argv0 string, args []string) (*options, error) {
	opts, rest, err := getopt.Parse(args, "h?c:vis:u:p:r:",
		[]string{"help", "configuration=", "version", "interactive", "serverurl=", "username=", "password=", "history_file=", "history-file="})
	if err != nil {
		return nil, &usageError{err.Error()}
	}
	o := &options{args: rest}
	set := map[string]bool{}
	setOnce := func(name, opt string, dst *string, v string) error {
		if set[name] {
			return &usageError{fmt.Sprintf("conflicting command line option %s", python.Repr(opt))}
		}
		set[name] = true
		*dst = v
		return nil
	}
	for _, op := range opts {
		var err error
		switch op.Name {
		case "-h", "-?", "--help":
			return nil, &exitNow{fmt.Sprintf(usageText, argv0)}
		case "-v", "--version":
			return nil, &exitNow{version + "\n"}
		case "-i", "--interactive":
			o.interactive = true
		case "-c", "--configuration":
			err = setOnce("c", op.Name, &o.configFile, op.Value)
		case "-s", "--serverurl":
			if !validURL(op.Value) {
				return nil, &usageError{fmt.Sprintf("invalid value for %s %s: value %s is not a URL", op.Name, python.Repr(op.Value), python.Repr(op.Value))}
			}
			err = setOnce("s", op.Name, &o.serverURL, op.Value)
		case "-u", "--username":
			err = setOnce("u", op.Name, &o.username, op.Value)
		case "-p", "--password":
			err = setOnce("p", op.Name, &o.password, op.Value)
		case "-r", "--history_file", "--history-file":
			err = setOnce("r", op.Name, &o.historyFile, op.Value)
		}
		if err != nil {
			return nil, err
		}
	}
	if !set["c"] {
		for _, p := range searchPaths(argv0) {
			if _, err := os.Stat(p); err == nil {
				o.configFile = p
				break
			}
		}
	}
	o.prompt = "supervisor"
	if o.configFile != "" {
		if _, err := os.Stat(o.configFile); err != nil {
			return nil, &usageError{"could not find config file " + o.configFile}
		}
		c, err := config.LoadCtl(o.configFile, config.Options{CtlFactory: func(string) bool { return true }})
		if err != nil {
			return nil, &usageError{err.Error()}
		}
		for _, kv := range []struct {
			name string
			dst  *string
			v    string
		}{{"s", &o.serverURL, c.ServerURL}, {"u", &o.username, c.Username}, {"p", &o.password, c.Password}, {"r", &o.historyFile, c.HistoryFile}} {
			if !set[kv.name] {
				*kv.dst = kv.v
			}
		}
		o.prompt = c.Prompt
		o.plugins = c.Plugins
	}
	if o.serverURL == "" {
		o.serverURL = config.DefaultServerURL
	}
	if len(o.args) == 0 {
		o.interactive = true
	}
	for _, p := range o.plugins {
		if _, ok := ctlplugin.Lookup(p.Factory); !ok {
			return nil, &usageError{fmt.Sprintf("%s cannot be resolved within [ctlplugin:%s]", p.Factory, p.Name)}
		}
	}
	return o, nil
}
