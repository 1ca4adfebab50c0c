package config

import (
	"path/filepath"
	"strings"

	"github.com/supervisorgo/supervisor/internal/ini"
)

// CtlFactoryKey is the key of a [ctlplugin:x] section naming its factory.
const CtlFactoryKey = "supervisor.ctl_factory"

// DefaultServerURL is supervisorctl's server URL when none is configured.
const DefaultServerURL = "http://localhost:9001"

// LoadCtl reads what supervisorctl needs from a configuration file
// (ClientOptions.read_config): the [supervisorctl] section, which must
// exist, and the [ctlplugin:x] sections. Like the reference, supervisorctl
// does not follow [include].
func LoadCtl(path string, opts Options) (*Ctl, error) {
	l, err := newLoader(path, opts)
	if err != nil {
		return nil, err
	}
	l.here = filepath.Dir(l.normalizePath(path))
	if err := l.readMain(); err != nil {
		return nil, err
	}
	const sec = "supervisorctl"
	if l.f.Section(sec) == nil {
		return nil, &Error{File: path, Msg: ".ini file does not include supervisorctl section"}
	}
	here := ini.Vars{"here": l.here}
	ctl := &Ctl{}
	v, err := l.get(sec, "serverurl", DefaultServerURL, here)
	if err != nil {
		return nil, err
	}
	ctl.ServerURL = v.s
	if rest, ok := strings.CutPrefix(v.s, "unix://"); ok {
		ctl.ServerURL = "unix://" + l.normalizePath(rest)
	}
	for _, kv := range []struct {
		key, def string
		dst      *string
	}{{"prompt", "supervisor", &ctl.Prompt}, {"username", "", &ctl.Username}, {"password", "", &ctl.Password}} {
		v, err := l.get(sec, kv.key, kv.def, nil)
		if err != nil {
			return nil, err
		}
		*kv.dst = v.s
	}
	if v, err = l.get(sec, "history_file", "", here); err != nil {
		return nil, err
	}
	if v.s != "" {
		ctl.HistoryFile = l.normalizePath(v.s)
	}
	plugins, err := l.pluginSections("ctlplugin:", CtlFactoryKey, opts.CtlFactory)
	if err != nil {
		return nil, err
	}
	for _, p := range plugins {
		ctl.Plugins = append(ctl.Plugins, CtlPlugin{Name: p.Name, Factory: p.Factory, Config: p.Config})
	}
	return ctl, nil
}
