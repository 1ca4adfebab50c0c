package config

import (
	"errors"
	"strings"
	"testing"
)

func TestProgramProcesses(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("SVTEST_PROGRAM_ENV", "from-env")
	cfg := &Config{Path: dir + "/supervisord.conf", Here: dir,
		Supervisord: Supervisord{Environment: map[string]string{"SD_VAR": "from-sd"}, Identifier: "supervisor"}}
	kv := func(pairs ...string) []KeyValue {
		var out []KeyValue
		for i := 0; i < len(pairs); i += 2 {
			out = append(out, KeyValue{Key: pairs[i], Value: pairs[i+1]})
		}
		return out
	}
	section := func(p string) string {
		return " in section 'program:" + p + "' (file: '" + dir + "/supervisord.conf')"
	}
	for _, tc := range []struct {
		name, program string
		options       []KeyValue
		check         func(t *testing.T, ps []*Process, ws []Warning)
		err           string // the reference's text, without the section suffix
	}{
		{name: "defaults", program: "web", options: kv("command", "/bin/cat"),
			check: func(t *testing.T, ps []*Process, _ []Warning) {
				p := ps[0]
				if len(ps) != 1 || p.Name != "web" || p.Group != "grp" || p.Program != "web" || p.Command != "/bin/cat" ||
					p.Priority != 999 || !p.Autostart || p.StartSecs != 1 || p.StartRetries != 3 || !p.Stdout.Auto ||
					!p.Stderr.Auto || p.Stdout.MaxBytes != 50*1024*1024 || p.Environment["SD_VAR"] != "from-sd" {
					t.Errorf("got %+v", p)
				}
			}},
		{name: "keys are lower-cased", program: "web", options: kv("COMMAND", "/bin/cat", "AutoStart", "false"),
			check: func(t *testing.T, ps []*Process, _ []Warning) {
				if ps[0].Command != "/bin/cat" || ps[0].Autostart {
					t.Errorf("got %+v", ps[0])
				}
			}},
		{name: "numprocs and process_name", program: "w",
			options: kv("command", "/bin/cat %(process_num)d", "numprocs", "2", "numprocs_start", "3",
				"process_name", "%(program_name)s_%(process_num)02d"),
			check: func(t *testing.T, ps []*Process, _ []Warning) {
				if len(ps) != 2 || ps[0].Name != "w_03" || ps[1].Name != "w_04" || ps[1].Command != "/bin/cat 4" || ps[1].NumProcs != 2 {
					t.Errorf("got %+v, %+v", ps[0], ps[1])
				}
			}},
		{name: "expansions in the per-process keys", program: "e",
			options: kv("command", "%(here)s/run %(group_name)s %(ENV_SVTEST_PROGRAM_ENV)s %(ENV_SD_VAR)s %(ENV_OWN)s",
				"environment", "OWN=mine"),
			check: func(t *testing.T, ps []*Process, _ []Warning) {
				if want := dir + "/run grp from-env from-sd mine"; ps[0].Command != want {
					t.Errorf("command %q, want %q", ps[0].Command, want)
				}
			}},
		{name: "redirected stderr with a file warns", program: "r",
			options: kv("command", "/bin/cat", "redirect_stderr", "true", "stderr_logfile", dir+"/err.log"),
			check: func(t *testing.T, ps []*Process, ws []Warning) {
				if ps[0].Stderr.Path != "" || ps[0].Stderr.Auto || len(ws) != 1 ||
					!strings.Contains(ws[0].Msg, "redirect_stderr=true but stderr_logfile has also been set") {
					t.Errorf("got %+v, warnings %v", ps[0].Stderr, ws)
				}
			}},
		{name: "no command", program: "n", options: nil,
			err: "program section program:n does not specify a command"},
		{name: "process_num missing", program: "m", options: kv("command", "x", "numprocs", "2"),
			err: "%(process_num) must be present within process_name when numprocs > 1"},
		{name: "bad integer", program: "i", options: kv("command", "x", "startsecs", "abc"),
			err: "invalid literal for int() with base 10: 'abc'"},
		{name: "bad boolean", program: "b", options: kv("command", "x", "autostart", "maybe"),
			err: "not a valid boolean value: 'maybe'"},
		{name: "bad signal", program: "s", options: kv("command", "x", "stopsignal", "FOO"),
			err: "value 'FOO' is not a valid signal name"},
		{name: "bad name", program: "a b", options: kv("command", "x"),
			err: "Invalid name: 'a b' because of character: ' '"},
		{name: "stopasgroup without killasgroup", program: "g",
			options: kv("command", "x", "stopasgroup", "true", "killasgroup", "false"),
			err:     "Cannot set stopasgroup=true and killasgroup=false"},
		{name: "missing log directory", program: "l", options: kv("command", "x", "stdout_logfile", "/nonexistent/d/x.log"),
			err: "The directory named as part of the path /nonexistent/d/x.log does not exist"},
		{name: "unknown name in a per-process key", program: "u", options: kv("command", "%(nope)s"),
			err: "Format string '%(nope)s' for 'program:u.command' contains names ('nope') which cannot be expanded. Available names: ..."},
		{name: "ENV names are unknown before the per-process keys", program: "p",
			options: kv("command", "x", "priority", "%(ENV_SVTEST_PROGRAM_ENV)s"),
			err:     "Format string '%(ENV_SVTEST_PROGRAM_ENV)s' for 'program:p.priority' contains names ('ENV_SVTEST_PROGRAM_ENV') which cannot be expanded. Available names: ..."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps, ws, err := ProgramProcesses(cfg, "grp", tc.program, tc.options)
			if tc.err != "" {
				var pe *ProgramError
				if !errors.As(err, &pe) {
					t.Fatalf("error %v, want a *ProgramError", err)
				}
				if want := tc.err + section(tc.program); pe.Msg != want {
					t.Errorf("error\n %s\nwant\n %s", pe.Msg, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, ps, ws)
		})
	}
}
