package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/supervisorgo/supervisor/examples"
	"github.com/supervisorgo/supervisor/internal/config"
	"github.com/supervisorgo/supervisor/internal/httpd"
	"github.com/supervisorgo/supervisor/internal/spawn"
)

// Main runs supervisord with args (without the program name) and returns
// the exit code.
func Main(ctx context.Context, argv0 string, args []string, stdout, stderr io.Writer) int {
	flags, err := ParseFlags(args)
	if err == nil && (flags.Action == ActionRun || flags.Action == ActionCheckConfig) {
		if flags.ConfigFile == "" {
			flags.ConfigFile, err = FindConfig(argv0)
		} else if _, serr := os.Stat(flags.ConfigFile); serr != nil {
			err = &UsageError{"could not find config file " + flags.ConfigFile}
		}
	}
	var ue *UsageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "Error: %s\nFor help, use %s -h\n", ue.Msg, argv0)
		return 2
	}
	switch flags.Action {
	case ActionHelp:
		fmt.Fprintf(stdout, HelpText, argv0)
		return 0
	case ActionVersion:
		fmt.Fprintln(stdout, Version)
		return 0
	case ActionExampleConfig:
		stdout.Write(examples.SupervisordConf)
		return 0
	}
	var sigs chan os.Signal
	if flags.Action == ActionRun {
		sigs = notifySignals()
		// Before anything is opened: the forker's descriptor table is a
		// copy of this one (see spawn.StartForker). Without it, spawns
		// fork from any thread.
		spawn.StartForker()
	}
	cfg, err := config.Load(flags.ConfigFile, config.Options{Overrides: flags.Overrides})
	if err == nil {
		err = checkFactories(cfg)
	}
	if flags.Action == ActionCheckConfig {
		if err != nil {
			fmt.Fprintf(stderr, "Error: %v\n", err)
			return 1
		}
		Summarize(stdout, cfg)
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return 2
	}
	ready := daemonChild()
	if ready == nil && !cfg.Supervisord.Nodaemon {
		if err := daemonize(args); err != nil {
			fmt.Fprintf(stderr, "Error: %v\n", err)
			return 2
		}
		return 0
	}
	e := env{stdout: stdout, ready: ready, sigs: sigs, load: func() (*config.Config, error) {
		return config.Load(flags.ConfigFile, config.Options{Overrides: flags.Overrides})
	}}
	if err := Run(ctx, cfg, e); err != nil {
		var le *httpd.ListenError
		if errors.As(err, &le) {
			// The reference's usage error for a port or socket in use.
			err = fmt.Errorf("%s\nFor help, use %s -h", le.Usage(), argv0)
		}
		if ready != nil {
			ready(err)
		}
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return 2
	}
	return 0
}

// Summarize writes what --check-config prints for a valid configuration:
// the warnings, then one line per server, namespace and group.
func Summarize(w io.Writer, cfg *config.Config) {
	nprocs := 0
	for _, g := range cfg.Groups {
		nprocs += len(g.Processes)
	}
	for _, warn := range cfg.Warnings {
		fmt.Fprintf(w, "warning: %s\n", warn)
	}
	fmt.Fprintf(w, "%s: OK: %d groups, %d processes, %d servers, %d rpcinterfaces\n",
		cfg.Path, len(cfg.Groups), nprocs, len(cfg.HTTPServers), len(cfg.RPCInterfaces))
	sd := cfg.Supervisord
	fmt.Fprintf(w, "supervisord: logfile=%s loglevel=%s pidfile=%s childlogdir=%s identifier=%s nodaemon=%t\n",
		sd.Logfile, levelName(sd.LogLevel), sd.Pidfile, sd.ChildLogDir, sd.Identifier, sd.Nodaemon)
	for _, s := range cfg.HTTPServers {
		auth := "no auth"
		if s.HasAuth {
			auth = "auth user " + s.Username
		}
		if s.Network == "unix" {
			fmt.Fprintf(w, "server [%s]: unix://%s mode %04o, %s\n", s.Section, s.File, s.Chmod, auth)
		} else {
			host := s.Host
			if host == "" {
				host = "*"
			}
			fmt.Fprintf(w, "server [%s]: http://%s:%d, %s\n", s.Section, host, s.Port, auth)
		}
	}
	for _, r := range cfg.RPCInterfaces {
		keys := make([]string, len(r.Config))
		for i, kv := range r.Config {
			keys[i] = kv.Key
		}
		fmt.Fprintf(w, "rpcinterface [%s]: factory %s, keys [%s]\n", r.Name, r.Factory, strings.Join(keys, " "))
	}
	for _, g := range cfg.Groups {
		names := make([]string, len(g.Processes))
		for i, p := range g.Processes {
			names[i] = p.Name
		}
		sort.Strings(names)
		fmt.Fprintf(w, "group %s (%s, priority %d): %s\n", g.Name, g.Kind, g.Priority, strings.Join(names, " "))
	}
}

func levelName(l config.LogLevel) string {
	for _, n := range []struct {
		l    config.LogLevel
		name string
	}{{config.LevelCritical, "critical"}, {config.LevelError, "error"}, {config.LevelWarn, "warn"},
		{config.LevelInfo, "info"}, {config.LevelDebug, "debug"}, {config.LevelTrace, "trace"}, {config.LevelBlather, "blather"}} {
		if n.l == l {
			return n.name
		}
	}
	return fmt.Sprint(int(l))
}
