package config

import (
	"errors"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/supervisorgo/supervisor/internal/ini"
	"github.com/supervisorgo/supervisor/internal/python"
)

// ProgramError is a [program:x] section that ProgramProcesses refuses.
// Msg is the reference's text for it, as processes_from_section raises it
// ("... in section 'program:x' (file: '/etc/supervisord.conf')"); Err is
// the loader's own error, with our wording.
type ProgramError struct {
	Section string
	Msg     string
	Err     error
}

func (e *ProgramError) Error() string { return e.Msg }

// Unwrap returns the loader's error.
func (e *ProgramError) Unwrap() error { return e.Err }

// ProgramProcesses builds the processes of a [program:PROGRAM] section
// whose keys are options, in group, with the rules and defaults of Load
// (ServerOptions.processes_from_section as supervisor_twiddler calls it on
// a parser holding that one section): numprocs and process_name, AUTO log
// files (left for the daemon to name), %(name)s expansions with here,
// program_name, group_name, host_node_name, process_num, numprocs and the
// ENV_ names of supervisord's environment and [supervisord] environment.
// Keys are lower-cased as the parser's optionxform does; a later duplicate
// wins. cfg is the running configuration (its directory, environment and
// main file). The warnings are those Load would give for the section. The
// error is a *ProgramError.
func ProgramProcesses(cfg *Config, group, program string, options []KeyValue) ([]*Process, []Warning, error) {
	section := "program:" + program
	path := cfg.Path
	if abs, err := absPath(cfg.Here, cfg.Path); err == nil {
		path = abs
	}
	l, err := newLoader(path, Options{})
	if err != nil {
		return nil, nil, &ProgramError{Section: section, Msg: err.Error(), Err: err}
	}
	for k, v := range cfg.Supervisord.Environment {
		l.envVars["ENV_"+k] = v
	}
	l.here = cfg.Here
	l.noEnvInGet = true
	l.cfg = &Config{Path: path, Here: cfg.Here, Supervisord: cfg.Supervisord}
	l.f = ini.New()
	// A section read from no file: errors name the main file, as the
	// reference's section_to_file lookup falls back to options.configfile.
	l.f.Read("", []byte("["+section+"]\n"))
	s := l.f.Section(section)
	if s == nil {
		err := errors.New("invalid section name")
		return nil, nil, &ProgramError{Section: section, Msg: err.Error(), Err: err}
	}
	s.File, s.Line = "", 0
	for _, kv := range options {
		s.Set(strings.ToLower(kv.Key), kv.Value, "", 0)
	}
	procs, err := l.processes(section, group, KindProcess)
	if err != nil {
		return nil, nil, &ProgramError{Section: section, Err: err,
			Msg: referenceText(err) + " in section " + python.Repr(section) + " (file: " + python.Repr(path) + ")"}
	}
	return procs, l.cfg.Warnings, nil
}

func absPath(here, p string) (string, error) {
	if strings.HasPrefix(p, "/") {
		return p, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	return wd + "/" + p, nil
}

// quoted is a Go-quoted string inside a loader message (pyQuote's output).
var quoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// requote turns every Go-quoted string of msg into Python's repr of it.
func requote(msg string) string {
	return quoted.ReplaceAllStringFunc(msg, func(q string) string {
		s, err := strconv.Unquote(q)
		if err != nil {
			return q
		}
		return python.Repr(s)
	})
}

// referenceTexts rewrites the loader's messages into the ValueError texts
// of the reference's datatypes and processes_from_section.
var referenceTexts = []struct {
	re   *regexp.Regexp
	with func(m []string) string
}{
	{regexp.MustCompile(`^invalid name ("(?:[^"\\]|\\.)*") because of character ("(?:[^"\\]|\\.)*")$`),
		func(m []string) string {
			return "Invalid name: " + requote(m[1]) + " because of character: " + requote(m[2])
		}},
	{regexp.MustCompile(`^unknown signal ("(?:[^"\\]|\\.)*")$`),
		func(m []string) string { return "value " + requote(m[1]) + " is not a valid signal name" }},
	{regexp.MustCompile(`^unknown signal number ("(?:[^"\\]|\\.)*")$`),
		func(m []string) string { return "value " + requote(m[1]) + " is not a valid signal number" }},
	{regexp.MustCompile(`^the directory named as part of the path (.*) does not exist$`),
		func(m []string) string { return "The directory named as part of the path " + m[1] + " does not exist" }},
	{regexp.MustCompile(`^invalid (user|group) (name|id) (.*)$`),
		func(m []string) string { return "Invalid " + m[1] + " " + m[2] + " " + m[3] }},
	{regexp.MustCompile(`^cannot set stopasgroup=true and killasgroup=false$`),
		func([]string) string { return "Cannot set stopasgroup=true and killasgroup=false" }},
}

// missingName is the loader's text for a %(name)s it cannot expand.
var missingName = regexp.MustCompile(`^("(?:[^"\\]|\\.)*"): %\((.*)\)s cannot be expanded \(available: .*\)$`)

// referenceText is the reference's text for a loader error about a
// program section.
func referenceText(err error) string {
	var ce *Error
	if !errors.As(err, &ce) {
		return err.Error()
	}
	msg := ce.Msg
	if m := missingName.FindStringSubmatch(msg); m != nil {
		return expansionText(ce, m)
	}
	for _, rt := range referenceTexts {
		if m := rt.re.FindStringSubmatch(msg); m != nil {
			return rt.with(m)
		}
	}
	return requote(msg)
}

// expansionText is supervisor.options.expand's KeyError text. The name it
// names is "section.key" for keys read through saneget, the bare key for
// the three values the reference expands itself. The available names are
// not listed (they hold the whole environment): the text ends after
// "Available names:".
func expansionText(ce *Error, m []string) string {
	name := ce.Section + "." + ce.Key
	switch ce.Key {
	case "environment", "process_name":
		name = ce.Key
	}
	s, err := strconv.Unquote(m[1])
	if err != nil {
		s = m[1]
	}
	return "Format string " + python.Repr(s) + " for " + python.Repr(name) + " contains names (" +
		python.Repr(m[2]) + ") which cannot be expanded. Available names: " + availableNames
}

// availableNames stands for the list of names the reference prints.
const availableNames = "..."
