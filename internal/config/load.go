package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/supervisorgo/supervisor/internal/ini"
)

// Error is a refused configuration: one line naming the file, the line, the
// section and the key when they are known.
type Error struct {
	File    string
	Line    int
	Section string
	Key     string
	Msg     string
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	}
	if e.Section != "" {
		fmt.Fprintf(&b, "[%s] ", e.Section)
	}
	if e.Key != "" {
		fmt.Fprintf(&b, "%s: ", e.Key)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Options are the inputs of Load besides the file.
type Options struct {
	// Env is the environment seen as %(ENV_X)s, as "KEY=value" strings;
	// nil means os.Environ().
	Env []string
	// Hostname is %(host_node_name)s; "" means os.Hostname().
	Hostname string
	// Cwd is the directory relative paths are made absolute against;
	// "" means the current directory.
	Cwd string
	// Factory reports whether an rpcinterface factory name is known; a
	// section naming an unknown one is refused. nil accepts every name.
	Factory func(name string) bool
	// CtlFactory reports whether a [ctlplugin:x] factory name is known to
	// supervisorctl; nil accepts every name.
	CtlFactory func(name string) bool
	// ResultHandler reports whether an event listener result_handler is
	// known. nil accepts only supervisor.dispatchers:default_handler.
	ResultHandler func(name string) bool
	// Overrides are [supervisord] keys given on the command line; they
	// win over the file (which must still be valid) and are not expanded.
	Overrides map[string]string
}

// DefaultResultHandler is the result_handler of event listeners by default.
const DefaultResultHandler = "supervisor.dispatchers:default_handler"

type loader struct {
	opts     Options
	env      map[string]string
	envVars  ini.Vars // ENV_x names, later extended by [supervisord] environment
	hostname string
	cwd      string
	path     string
	here     string
	f        *ini.File
	cfg      *Config
	// noEnvInGet leaves the ENV_ names out of get's expansions, as for
	// the parser supervisor_twiddler makes (ProgramProcesses): only the
	// names a caller passes are known.
	noEnvInGet bool
}

func newLoader(path string, opts Options) (*loader, error) {
	l := &loader{opts: opts, path: path, env: map[string]string{}, envVars: ini.Vars{}}
	env := opts.Env
	if env == nil {
		env = os.Environ()
	}
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if ok {
			l.env[k] = v
			l.envVars["ENV_"+k] = v
		}
	}
	l.hostname = opts.Hostname
	if l.hostname == "" {
		l.hostname, _ = os.Hostname()
	}
	l.cwd = opts.Cwd
	if l.cwd == "" {
		var err error
		if l.cwd, err = os.Getwd(); err != nil {
			return nil, fmt.Errorf("current directory: %w", err)
		}
	}
	return l, nil
}

func (l *loader) abs(p string) string {
	if !filepath.IsAbs(p) {
		p = filepath.Join(l.cwd, p)
	}
	return filepath.Clean(p)
}

// readMain reads the main file, like the start of ServerOptions.read_config.
func (l *loader) readMain() error {
	data, err := os.ReadFile(l.abs(l.path))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return &Error{File: l.path, Msg: "could not find config file " + l.path}
		}
		return &Error{File: l.path, Msg: "could not read config file " + l.path + ": " + errText(err)}
	}
	l.f = ini.New()
	if err := l.f.Read(l.path, data); err != nil {
		return err
	}
	return nil
}

func errText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Load reads a supervisord configuration file (ServerOptions.read_config
// followed by the checks of ServerOptions.realize).
func Load(path string, opts Options) (*Config, error) {
	l, err := newLoader(path, opts)
	if err != nil {
		return nil, err
	}
	if err := l.readMain(); err != nil {
		return nil, err
	}
	l.here = filepath.Dir(l.abs(path))
	l.cfg = &Config{Path: path, Here: l.here}
	if err := l.includes(); err != nil {
		return nil, err
	}
	if l.f.Section("supervisord") == nil {
		return nil, &Error{File: l.path, Msg: ".ini file does not include supervisord section"}
	}
	steps := []func() error{l.supervisord, l.rpcInterfaces, l.groups, l.servers, l.realize}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	l.unknownKeys()
	return l.cfg, nil
}

// includes handles [include] files= like read_config: each pattern is
// relative to the main file's directory; matches are read in sorted order;
// every file's literal %(here)s becomes its own directory.
func (l *loader) includes() error {
	if l.f.Section("include") == nil {
		return nil
	}
	expandHere(l.f, l.here)
	k := l.f.Get("include", "files")
	if k == nil {
		s := l.f.Section("include")
		return &Error{File: s.File, Line: s.Line, Section: "include", Msg: ".ini file has [include] section, but no files setting"}
	}
	vars := l.envVars.Clone()
	vars["here"] = l.here
	vars["host_node_name"] = l.hostname
	files, err := l.expand(k.Value, vars, "include", k)
	if err != nil {
		return err
	}
	base := l.here
	for _, pattern := range strings.FieldsFunc(files, ini.IsSpace) {
		pattern = pyJoin(base, pattern)
		names := pyGlob(pattern, l.cwd)
		if len(names) == 0 {
			l.cfg.Warnings = append(l.cfg.Warnings, Warning{File: k.File, Line: k.Line,
				Msg: `No file matches via include "` + pattern + `"`})
			continue
		}
		sort.Strings(names)
		for _, name := range names {
			l.cfg.Infos = append(l.cfg.Infos, `Included extra file "`+name+`" during parsing`)
			data, err := os.ReadFile(l.abs(name))
			if err != nil {
				// RawConfigParser.read skips files it cannot open.
				continue
			}
			if err := l.f.Read(name, data); err != nil {
				return err
			}
			expandHere(l.f, filepath.Dir(l.abs(name)))
		}
	}
	return nil
}

// expandHere is UnhosedConfigParser.expand_here: the literal text
// "%(here)s" in every value (including [DEFAULT] values a section inherits,
// which are then copied into that section) is replaced by here.
func expandHere(f *ini.File, here string) {
	const token = "%(here)s"
	for _, s := range f.Sections() {
		for _, name := range f.Options(s.Name) {
			k := f.Get(s.Name, name)
			if strings.Contains(k.Value, token) {
				s.Set(name, strings.ReplaceAll(k.Value, token, here), k.File, k.Line)
			}
		}
	}
}

// value is one looked-up key: its text and where it came from.
type value struct {
	s     string
	key   *ini.Key // nil when the default applies
	found bool
}

// get is UnhosedConfigParser.saneget: the section's key (or [DEFAULT]'s),
// else def; expanded with the ENV names and vars unless raw.
func (l *loader) get(section, key, def string, vars ini.Vars) (value, error) {
	k := l.f.Get(section, key)
	v := value{s: def, key: k, found: k != nil}
	if k != nil {
		v.s = k.Value
	}
	if !strings.Contains(v.s, "%") {
		// Python's s % mapping is s itself when s has no '%': spare the
		// merge of the expansion names (a few dozen per key).
		return v, nil
	}
	if vars == nil {
		vars = ini.Vars{}
	}
	all := ini.Vars{}
	if !l.noEnvInGet {
		all = l.envVars.Clone()
	}
	for n, x := range vars {
		all[n] = x
	}
	s, err := l.expand(v.s, all, section, k)
	if err != nil {
		return v, err
	}
	v.s = s
	return v, nil
}

// getRaw is saneget with do_expand=False.
func (l *loader) getRaw(section, key, def string) value {
	k := l.f.Get(section, key)
	if k == nil {
		return value{s: def}
	}
	return value{s: k.Value, key: k, found: true}
}

// expand is supervisor.options.expand with the error placed at the key.
func (l *loader) expand(s string, vars ini.Vars, section string, k *ini.Key) (string, error) {
	out, err := ini.Expand(s, vars)
	if err == nil {
		return out, nil
	}
	var missing *ini.MissingNameError
	if errors.As(err, &missing) {
		var names []string
		for _, n := range vars.Names() {
			if !strings.HasPrefix(n, "ENV_") {
				names = append(names, "%("+n+")s")
			}
		}
		names = append(names, "%(ENV_X)s for each environment variable X")
		return "", l.errAt(section, k, fmt.Sprintf("%s: %%(%s)s cannot be expanded (available: %s)",
			pyQuote(s), missing.Name, strings.Join(names, ", ")))
	}
	return "", l.errAt(section, k, fmt.Sprintf("%s is badly formatted: %v", pyQuote(s), err))
}

// errAt makes an Error placed at key k of section (or at the section when
// k is nil).
func (l *loader) errAt(section string, k *ini.Key, msg string) error {
	e := &Error{Section: section, Msg: msg, File: l.path}
	if k != nil {
		e.File, e.Line, e.Key = k.File, k.Line, k.Name
	} else if s := l.f.Section(section); s != nil {
		e.File, e.Line = s.File, s.Line
	}
	return e
}

// keyErr places a conversion error at the key v came from; name is the key
// to name when the value is a default.
func (l *loader) keyErr(section, name string, v value, err error) error {
	e := l.errAt(section, v.key, err.Error()).(*Error)
	if e.Key == "" {
		e.Key = name
	}
	return e
}

// supervisord reads the [supervisord] section in read_config's order.
func (l *loader) supervisord() error {
	const sec = "supervisord"
	sd := &l.cfg.Supervisord
	here := ini.Vars{"here": l.here}
	var err error
	str := func(key, def string) (value, error) { return l.get(sec, key, def, here) }
	conv := func(key, def string, fn func(string) error) error {
		v, err := str(key, def)
		if err != nil {
			return err
		}
		if err := fn(v.s); err != nil {
			return l.keyErr(sec, key, v, err)
		}
		return nil
	}
	intTo := func(dst *int) func(string) error {
		return func(s string) (err error) { *dst, err = integer(s); return }
	}
	boolTo := func(dst *bool) func(string) error {
		return func(s string) (err error) { *dst, err = boolean(s); return }
	}
	steps := []struct {
		key, def string
		fn       func(string) error
	}{
		{"minfds", "1024", intTo(&sd.MinFDs)},
		{"minprocs", "200", intTo(&sd.MinProcs)},
		{"directory", "\x00", func(s string) error {
			if s == "\x00" {
				return nil
			}
			sd.Directory, err = l.existingDirectory(s)
			return err
		}},
		{"user", "\x00", func(s string) error {
			if s != "\x00" {
				sd.User = s
			}
			return nil
		}},
		{"umask", "022", func(s string) (err error) { sd.Umask, err = octal(s); return }},
		{"logfile", "supervisord.log", func(s string) (err error) { sd.Logfile, err = l.existingDirpath(s); return }},
		{"logfile_maxbytes", "50MB", func(s string) (err error) { sd.LogfileMaxBytes, err = byteSize(s); return }},
		{"logfile_backups", "10", intTo(&sd.LogfileBackups)},
		{"loglevel", "info", func(s string) (err error) { sd.LogLevel, err = loggingLevel(s); return }},
		{"pidfile", "supervisord.pid", func(s string) (err error) { sd.Pidfile, err = l.existingDirpath(s); return }},
		{"identifier", "supervisor", func(s string) error { sd.Identifier = s; return nil }},
		{"nodaemon", "false", boolTo(&sd.Nodaemon)},
		{"silent", "false", boolTo(&sd.Silent)},
		{"childlogdir", pyTempDir(l.env, l.cwd), func(s string) (err error) { sd.ChildLogDir, err = l.existingDirectory(s); return }},
		{"nocleanup", "false", boolTo(&sd.NoCleanup)},
		{"strip_ansi", "false", boolTo(&sd.StripANSI)},
	}
	for _, st := range steps {
		if err := conv(st.key, st.def, st.fn); err != nil {
			return err
		}
		if ov, ok := l.opts.Overrides[st.key]; ok {
			if err := st.fn(ov); err != nil {
				return &Error{Msg: fmt.Sprintf("command line option for %s: %v", st.key, err)}
			}
		}
	}
	// environment is expanded twice, the second time with host_node_name.
	v, err := str("environment", "")
	if err != nil {
		return err
	}
	vars := l.envVars.Clone()
	vars["here"] = l.here
	vars["host_node_name"] = l.hostname
	s, err := l.expand(v.s, vars, sec, v.key)
	if err != nil {
		return err
	}
	env, _, err := keyValuePairs(s)
	if err != nil {
		return l.keyErr(sec, "environment", v, err)
	}
	sd.Environment = env
	for k, x := range env {
		l.envVars["ENV_"+k] = x
	}
	return nil
}

// pyTempDir is tempfile.gettempdir: the first usable of $TMPDIR, $TEMP,
// $TMP, /tmp, /var/tmp, /usr/tmp and the current directory.
func pyTempDir(env map[string]string, cwd string) string {
	var dirs []string
	for _, k := range []string{"TMPDIR", "TEMP", "TMP"} {
		if d := env[k]; d != "" {
			dirs = append(dirs, d)
		}
	}
	dirs = append(dirs, "/tmp", "/var/tmp", "/usr/tmp", cwd)
	for _, d := range dirs {
		if d != cwd && !filepath.IsAbs(d) {
			d = filepath.Join(cwd, d)
		}
		if f, err := os.CreateTemp(d, ".svtmp"); err == nil {
			name := f.Name()
			f.Close()
			os.Remove(name)
			return filepath.Clean(d)
		}
	}
	return cwd
}

// pluginSections is Options.get_plugins: every section whose name starts
// with prefix names a factory under factoryKey; its other keys (and the
// [DEFAULT] keys) are the factory's configuration.
func (l *loader) pluginSections(prefix, factoryKey string, known func(string) bool) ([]RPCInterface, error) {
	var out []RPCInterface
	for _, s := range l.f.Sections() {
		if !strings.HasPrefix(s.Name, prefix) {
			continue
		}
		name := strings.SplitN(s.Name, ":", 2)[1]
		fv, err := l.get(s.Name, factoryKey, "\x00", nil)
		if err != nil {
			return nil, err
		}
		if fv.s == "\x00" {
			return nil, l.errAt(s.Name, nil, fmt.Sprintf("section [%s] does not specify a %s", s.Name, factoryKey))
		}
		if known != nil && !known(NormalizeFactory(fv.s)) {
			return nil, l.keyErr(s.Name, factoryKey, fv, fmt.Errorf("%s cannot be resolved within [%s]", fv.s, s.Name))
		}
		// Our exec factory's values may use %(here)s (its command
		// usually does); for the reference's factories only ENV names.
		var vars ini.Vars
		if fv.s == ExecFactory {
			vars = ini.Vars{"here": l.here}
		}
		ri := RPCInterface{Name: name, Factory: fv.s, File: s.File, Line: s.Line}
		for _, k := range l.f.Options(s.Name) {
			if k == factoryKey {
				continue
			}
			v, err := l.get(s.Name, k, "", vars)
			if err != nil {
				return nil, err
			}
			ri.Config = append(ri.Config, KeyValue{Key: k, Value: v.s})
		}
		out = append(out, ri)
	}
	return out, nil
}

// FactoryKey is the key of an [rpcinterface:x] section naming its factory.
const FactoryKey = "supervisor.rpcinterface_factory"

// NormalizeFactory returns a factory name as a registry knows it: a Python
// entry point "module : attr" loses the spaces around its parts, as
// pkg_resources.EntryPoint.parse does.
func NormalizeFactory(spec string) string {
	mod, attr, ok := strings.Cut(spec, ":")
	if !ok {
		return ini.TrimSpace(spec)
	}
	return ini.TrimSpace(mod) + ":" + ini.TrimSpace(attr)
}

// ExecFactory is the factory that runs a plugin program
// (exec-plugin-protocol.md).
const ExecFactory = "exec"

// rpcInterfaces reads the [rpcinterface:x] sections.
func (l *loader) rpcInterfaces() error {
	ris, err := l.pluginSections("rpcinterface:", FactoryKey, l.opts.Factory)
	if err != nil {
		return err
	}
	l.cfg.RPCInterfaces = ris
	return nil
}

// servers is ServerOptions.server_configs_from_parser.
func (l *loader) servers() error {
	auth := func(sec string, srv *HTTPServer) error {
		u, err := l.get(sec, "username", "", nil)
		if err != nil {
			return err
		}
		p, err := l.get(sec, "password", "", nil)
		if err != nil {
			return err
		}
		if u.found != p.found {
			return l.errAt(sec, nil, fmt.Sprintf("section [%s] contains incomplete authentication: if a username or a password is specified, both the username and password must be specified", sec))
		}
		srv.Username, srv.Password, srv.HasAuth = u.s, p.s, u.found
		return nil
	}
	serverName := func(sec string) string {
		if _, name, ok := strings.Cut(sec, ":"); ok {
			return name
		}
		return ""
	}
	for _, s := range l.f.Sections() {
		if !strings.HasPrefix(s.Name, "inet_http_server") {
			continue
		}
		srv := HTTPServer{Section: s.Name, Name: serverName(s.Name), Network: "tcp"}
		if err := auth(s.Name, &srv); err != nil {
			return err
		}
		v, err := l.get(s.Name, "port", "\x00", nil)
		if err != nil {
			return err
		}
		if v.s == "\x00" {
			return l.errAt(s.Name, nil, fmt.Sprintf("section [%s] has no port value", s.Name))
		}
		if srv.Host, srv.Port, err = inetAddress(v.s); err != nil {
			return l.keyErr(s.Name, "port", v, err)
		}
		l.cfg.HTTPServers = append(l.cfg.HTTPServers, srv)
	}
	for _, s := range l.f.Sections() {
		if !strings.HasPrefix(s.Name, "unix_http_server") {
			continue
		}
		srv := HTTPServer{Section: s.Name, Name: serverName(s.Name), Network: "unix", Chmod: 0o700, Chown: Owner{-1, -1}}
		v, err := l.get(s.Name, "file", "\x00", ini.Vars{"here": l.here})
		if err != nil {
			return err
		}
		if v.s == "\x00" {
			return l.errAt(s.Name, nil, fmt.Sprintf("section [%s] has no file value", s.Name))
		}
		srv.File = l.normalizePath(ini.TrimSpace(v.s))
		if err := auth(s.Name, &srv); err != nil {
			return err
		}
		if v, err = l.get(s.Name, "chown", "\x00", nil); err != nil {
			return err
		}
		if v.s != "\x00" {
			if srv.Chown, err = userGroup(v.s); err != nil {
				return l.keyErr(s.Name, "chown", v, fmt.Errorf("invalid sockchown value %s", v.s))
			}
		}
		if v, err = l.get(s.Name, "chmod", "\x00", nil); err != nil {
			return err
		}
		if v.s != "\x00" {
			if srv.Chmod, err = octal(v.s); err != nil {
				return l.keyErr(s.Name, "chmod", v, fmt.Errorf("invalid chmod value %s", v.s))
			}
		}
		l.cfg.HTTPServers = append(l.cfg.HTTPServers, srv)
	}
	return nil
}

// realize applies the parts of ServerOptions.realize that check or resolve
// values: the daemon's user, absolute log and pid files, the fallback
// server URL for children.
func (l *loader) realize() error {
	sd := &l.cfg.Supervisord
	if sd.User != "" {
		uid, err := nameToUID(sd.User)
		if err == nil {
			sd.UID = uid
			sd.GID, err = gidForUID(uid)
		}
		if err != nil {
			return l.errAt("supervisord", l.f.Get("supervisord", "user"), err.Error())
		}
	}
	if sd.Logfile != "syslog" {
		sd.Logfile = l.normalizePath(sd.Logfile)
	}
	sd.Pidfile = l.normalizePath(sd.Pidfile)
	for _, srv := range l.cfg.HTTPServers {
		if srv.Network == "unix" {
			l.cfg.ServerURL = "unix://" + srv.File
			return nil
		}
	}
	// The reference's loop over inet servers has no break: the last wins.
	for _, srv := range l.cfg.HTTPServers {
		host := srv.Host
		if host == "" {
			host = "localhost"
		}
		l.cfg.ServerURL = fmt.Sprintf("http://%s:%d", host, srv.Port)
	}
	return nil
}

// pyJoin is os.path.join(base, p) for two parts.
func pyJoin(base, p string) string {
	if strings.HasPrefix(p, "/") || base == "" {
		return p
	}
	if strings.HasSuffix(base, "/") {
		return base + p
	}
	return base + "/" + p
}
