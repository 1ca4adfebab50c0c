package config

import (
	"fmt"
	"strings"
)

// Keys each kind of section reads; the reference ignores any other key
// (and any other section) without a word, we warn.
var (
	supervisordKeys = words(`logfile logfile_maxbytes logfile_backups loglevel pidfile umask
		nodaemon silent minfds minprocs nocleanup childlogdir user directory strip_ansi
		environment identifier`)
	programKeys = words(`command process_name numprocs numprocs_start priority autostart
		startsecs startretries autorestart exitcodes stopsignal stopwaitsecs stopasgroup
		killasgroup user redirect_stderr stdout_logfile stdout_logfile_maxbytes
		stdout_logfile_backups stdout_capture_maxbytes stdout_events_enabled stdout_syslog
		stderr_logfile stderr_logfile_maxbytes stderr_logfile_backups stderr_capture_maxbytes
		stderr_events_enabled stderr_syslog environment directory umask serverurl
		backoff_max_secs restart_delay_secs parent_death_signal`)
	sectionKeys = map[string]map[string]bool{
		"supervisord":      supervisordKeys,
		"program":          programKeys,
		"fcgi-program":     union(programKeys, words("socket socket_backlog socket_owner socket_mode")),
		"eventlistener":    union(programKeys, words("events buffer_size result_handler")),
		"group":            words("programs priority"),
		"unix_http_server": words("file chmod chown username password"),
		"inet_http_server": words("port username password"),
		"supervisorctl":    words("serverurl username password prompt history_file"),
		"include":          words("files"),
	}
)

func words(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

func union(a, b map[string]bool) map[string]bool {
	m := map[string]bool{}
	for k := range a {
		m[k] = true
	}
	for k := range b {
		m[k] = true
	}
	return m
}

// sectionKind returns the kind of a section name ("program" for
// "program:web"), or "" for a section supervisord does not read.
func sectionKind(name string) string {
	kind, _, hasName := strings.Cut(name, ":")
	switch kind {
	case "program", "fcgi-program", "eventlistener", "group", "rpcinterface", "ctlplugin":
		if hasName {
			return kind
		}
	case "supervisord", "supervisorctl", "include":
		if !hasName {
			return kind
		}
	}
	// The reference matches server sections by prefix.
	for _, k := range []string{"unix_http_server", "inet_http_server"} {
		if strings.HasPrefix(name, k) {
			return k
		}
	}
	return ""
}

// unknownKeys warns about the sections and keys the reference ignores.
func (l *loader) unknownKeys() {
	for _, s := range l.f.Sections() {
		kind := sectionKind(s.Name)
		if kind == "" {
			l.cfg.Warnings = append(l.cfg.Warnings, Warning{File: s.File, Line: s.Line, Unknown: true,
				Msg: fmt.Sprintf("unknown section [%s] ignored", s.Name)})
			continue
		}
		known := sectionKeys[kind]
		if known == nil {
			continue // plugin sections take any key
		}
		for _, k := range s.Keys() {
			if !known[k.Name] {
				l.cfg.Warnings = append(l.cfg.Warnings, Warning{File: k.File, Line: k.Line, Unknown: true,
					Msg: fmt.Sprintf("[%s] unknown key %q ignored", s.Name, k.Name)})
			}
		}
	}
}
