// Package daemon is supervisord: its command line, and (as it grows) the
// wiring of the process manager, the servers and the signal loop.
package daemon

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/supervisorgo/supervisor/internal/getopt"
)

// Version is the Supervisor version whose behaviour this daemon follows;
// supervisord -v prints it and the API reports it.
const Version = "4.2.5"

// Action is what the command line asks for.
type Action int

// The actions.
const (
	ActionRun Action = iota
	ActionHelp
	ActionVersion
	ActionCheckConfig
	ActionExampleConfig
)

// Flags is a parsed supervisord command line.
type Flags struct {
	Action     Action
	ConfigFile string            // "" when -c was not given
	Overrides  map[string]string // [supervisord] keys set by options
}

// UsageError is a bad command line. supervisord prints it as the reference
// does, "Error: <msg>" and a hint to use -h, and exits 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// option ties a supervisord option to the [supervisord] key it overrides.
type option struct {
	short, long string // without dashes; long ends with '=' when it takes a value
	key         string // [supervisord] key; "" for the options that are actions
}

// options are the reference's options (supervisor.options.ServerOptions)
// and ours, in the order of the help text.
var options = []option{
	{"c", "configuration=", ""},
	{"n", "nodaemon", "nodaemon"},
	{"s", "silent", "silent"},
	{"h", "help", ""},
	{"?", "", ""},
	{"v", "version", ""},
	{"u", "user=", "user"},
	{"m", "umask=", "umask"},
	{"d", "directory=", "directory"},
	{"l", "logfile=", "logfile"},
	{"y", "logfile_maxbytes=", "logfile_maxbytes"},
	{"z", "logfile_backups=", "logfile_backups"},
	{"e", "loglevel=", "loglevel"},
	{"j", "pidfile=", "pidfile"},
	{"i", "identifier=", "identifier"},
	{"q", "childlogdir=", "childlogdir"},
	{"k", "nocleanup", "nocleanup"},
	{"a", "minfds=", "minfds"},
	{"t", "strip_ansi", "strip_ansi"},
	{"", "minprocs=", "minprocs"},
	{"", "profile_options=", "profile_options"},
	{"", "check-config", ""},
	{"", "example-config", ""},
}

// HelpText is printed by -h; %s is the program name.
const HelpText = `supervisord -- run a set of applications as daemons.

Usage: %s [options]

Options:
-c/--configuration FILENAME -- configuration file path (searches if not given)
-n/--nodaemon -- run in the foreground (same as 'nodaemon=true' in config file)
-s/--silent -- no logs to stdout (maps to 'silent=true' in config file)
-h/--help -- print this usage message and exit
-v/--version -- print supervisord version number and exit
-u/--user USER -- run supervisord as this user (or numeric uid)
-m/--umask UMASK -- use this umask for daemon subprocess (default is 022)
-d/--directory DIRECTORY -- directory to chdir to when daemonized
-l/--logfile FILENAME -- use FILENAME as logfile path
-y/--logfile_maxbytes BYTES -- use BYTES to limit the max size of logfile
-z/--logfile_backups NUM -- number of backups to keep when max bytes reached
-e/--loglevel LEVEL -- use LEVEL as log level (debug,info,warn,error,critical)
-j/--pidfile FILENAME -- write a pid file for the daemon process to FILENAME
-i/--identifier STR -- identifier used for this instance of supervisord
-q/--childlogdir DIRECTORY -- the log directory for child process logs
-k/--nocleanup --  prevent the process from performing cleanup (removal of
                   old automatic child log files) at startup.
-a/--minfds NUM -- the minimum number of file descriptors for start success
-t/--strip_ansi -- strip ansi escape codes from process output
--minprocs NUM  -- the minimum number of processes available for start success
--profile_options OPTIONS -- accepted for compatibility; ignored
--check-config -- load the configuration, print a summary or the errors, exit
--example-config -- print an example configuration file and exit
`

// ParseFlags parses supervisord's arguments (without the program name) with
// the reference's getopt rules.
func ParseFlags(args []string) (*Flags, error) {
	var short strings.Builder
	var long []string
	for _, o := range options {
		if o.short != "" {
			short.WriteString(o.short)
			if strings.HasSuffix(o.long, "=") || o.short == "c" {
				short.WriteByte(':')
			}
		}
		if o.long != "" {
			long = append(long, o.long)
		}
	}
	opts, rest, err := getopt.Parse(args, short.String(), long)
	if err != nil {
		return nil, &UsageError{err.Error()}
	}
	if len(rest) > 0 {
		return nil, &UsageError{fmt.Sprintf("positional arguments are not supported: %s", pyList(rest))}
	}
	f := &Flags{Overrides: map[string]string{}}
	seen := map[string]bool{}
	for _, got := range opts {
		o := lookup(got.Name)
		name := strings.TrimSuffix(o.long, "=")
		switch name {
		case "help", "":
			return &Flags{Action: ActionHelp}, nil
		case "version":
			return &Flags{Action: ActionVersion}, nil
		case "check-config":
			f.Action = ActionCheckConfig
			continue
		case "example-config":
			return &Flags{Action: ActionExampleConfig}, nil
		}
		if seen[name] {
			return nil, &UsageError{fmt.Sprintf("conflicting command line option %s", pyStr(got.Name))}
		}
		seen[name] = true
		switch {
		case name == "configuration":
			f.ConfigFile = got.Value
		case !strings.HasSuffix(o.long, "="):
			f.Overrides[o.key] = "true"
		default:
			f.Overrides[o.key] = got.Value
		}
	}
	delete(f.Overrides, "profile_options")
	return f, nil
}

func lookup(name string) option {
	for _, o := range options {
		if name == "-"+o.short || name == "--"+strings.TrimSuffix(o.long, "=") {
			return o
		}
	}
	return option{}
}

// SearchPaths are the files tried, in order, when -c is not given
// (supervisor.options.Options.__init__); argv0 locates the first two.
func SearchPaths(argv0 string) []string {
	here := pyDirname(pyDirname(argv0))
	return []string{
		filepath.Join(here, "etc", "supervisord.conf"),
		filepath.Join(here, "supervisord.conf"),
		"supervisord.conf",
		"etc/supervisord.conf",
		"/etc/supervisord.conf",
		"/etc/supervisor/supervisord.conf",
	}
}

// FindConfig returns the first of SearchPaths that exists.
func FindConfig(argv0 string) (string, error) {
	paths := SearchPaths(argv0)
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", &UsageError{fmt.Sprintf("No config file found at default paths (%s); use the -c option to specify a config file at a different path", strings.Join(paths, ", "))}
}

func pyDirname(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return ""
	}
	head := p[:i+1]
	if t := strings.TrimRight(head, "/"); t != "" {
		return t
	}
	return head
}

func pyStr(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }

func pyList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = pyStr(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
