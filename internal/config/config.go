// Package config is the typed model of a supervisord.conf file and its
// loader. It is the only package that knows the file's section and key
// names; the daemon, supervisorctl and the plugins read the model.
//
// Load follows supervisor.options.ServerOptions.read_config and realize of
// Supervisor 4.2.5: the same sections and keys, defaults, value syntaxes,
// %(name)s expansions (including where the reference expands a value twice)
// and the same decision to accept or refuse a file. Where a function mirrors
// a Python one, its comment names it.
package config

import (
	"fmt"
	"syscall"
)

// Config is a whole supervisord configuration.
type Config struct {
	Path string // the main file, as given
	Here string // the absolute directory of the main file

	Supervisord   Supervisord
	HTTPServers   []HTTPServer   // inet servers first, then unix ones, each in file order
	RPCInterfaces []RPCInterface // in file order
	Groups        []*Group       // sorted by priority, then name

	// ServerURL is the URL a child gets in SUPERVISOR_SERVER_URL when its
	// serverurl is AUTO: the first unix server, else the first inet server,
	// else "" (ServerOptions.realize).
	ServerURL string

	Warnings []Warning
	Infos    []string // e.g. `Included extra file "..." during parsing`
}

// Warning is a message about an accepted configuration.
type Warning struct {
	File string
	Line int
	Msg  string
	// Unknown is true for the warnings the reference does not give: keys
	// and sections that it silently ignores.
	Unknown bool
}

func (w Warning) String() string {
	if w.File == "" {
		return w.Msg
	}
	if w.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", w.File, w.Line, w.Msg)
	}
	return fmt.Sprintf("%s: %s", w.File, w.Msg)
}

// LogLevel is a main-log level, numbered as supervisor.loggers.LevelsByName.
type LogLevel int

// The log levels, from most to least severe.
const (
	LevelCritical LogLevel = 50
	LevelError    LogLevel = 40
	LevelWarn     LogLevel = 30
	LevelInfo     LogLevel = 20
	LevelDebug    LogLevel = 10
	LevelTrace    LogLevel = 5
	LevelBlather  LogLevel = 3
)

// Supervisord is the [supervisord] section, after command-line overrides.
type Supervisord struct {
	Logfile         string // absolute, or "syslog"
	LogfileMaxBytes int64
	LogfileBackups  int
	LogLevel        LogLevel
	Pidfile         string // absolute
	Umask           int
	Nodaemon        bool
	Silent          bool
	MinFDs          int
	MinProcs        int
	NoCleanup       bool
	ChildLogDir     string
	User            string // "" for none
	UID, GID        int    // valid when User != ""
	Directory       string // "" for none
	StripANSI       bool
	Environment     map[string]string
	Identifier      string
}

// Owner is a uid and gid pair; -1 leaves that id unchanged.
type Owner struct {
	UID, GID int
}

// HTTPServer is an [inet_http_server] or [unix_http_server] section.
type HTTPServer struct {
	Section string
	Name    string // the part after "server:" in the section name, if any
	Network string // "tcp" or "unix"

	Host string // tcp: "" means every interface
	Port int    // tcp

	File  string // unix: absolute socket path
	Chmod int    // unix
	Chown Owner  // unix

	Username string // "" with HasAuth false: no authentication
	Password string // plain, or "{SHA}" followed by a hex SHA-1
	HasAuth  bool
}

// RPCInterface is an [rpcinterface:NAME] section: the factory name and the
// remaining keys, in order, as that factory's configuration.
type RPCInterface struct {
	Name    string
	Factory string
	Config  []KeyValue
	File    string
	Line    int
}

// KeyValue is one key of a plugin's configuration.
type KeyValue struct {
	Key, Value string
}

// GroupKind tells which kind of section made a group.
type GroupKind int

// The group kinds.
const (
	KindProcess       GroupKind = iota // [program:x] or [group:x]
	KindEventListener                  // [eventlistener:x]
	KindFastCGI                        // [fcgi-program:x]
)

func (k GroupKind) String() string {
	switch k {
	case KindEventListener:
		return "eventlistener"
	case KindFastCGI:
		return "fcgi"
	}
	return "process"
}

// Group is a process group: one per [program:x], [group:x],
// [eventlistener:x] and [fcgi-program:x] (for programs not in a [group:x]).
type Group struct {
	Name      string
	Kind      GroupKind
	Priority  int
	Processes []*Process // per program in file order, each program's sorted by priority and name
	Section   string
	File      string
	Line      int

	Listener *ListenerPool // KindEventListener
	Socket   *FCGISocket   // KindFastCGI
}

// ListenerPool holds the event-listener settings of a group.
type ListenerPool struct {
	BufferSize    int
	Events        []string // upper case, sorted, unique
	ResultHandler string   // "module:callable"
}

// FCGISocket is the socket of an [fcgi-program:x] group.
type FCGISocket struct {
	URL     string // unix:///abs/path or tcp://host:port
	Network string // "unix" or "tcp"
	Path    string // unix
	Host    string // tcp
	Port    int    // tcp
	Backlog int    // 0 means SOMAXCONN
	Mode    int    // unix
	Owner   *Owner // unix; nil when unchanged
}

// Autorestart is a program's autorestart policy.
type Autorestart int

// The autorestart policies.
const (
	AutorestartNever Autorestart = iota
	AutorestartUnexpected
	AutorestartAlways
)

func (a Autorestart) String() string {
	switch a {
	case AutorestartNever:
		return "false"
	case AutorestartAlways:
		return "true"
	}
	return "unexpected"
}

// LogFile is where one output channel of a process goes.
type LogFile struct {
	Path            string // "" when none (NONE, or redirected stderr) unless Auto
	Auto            bool   // AUTO: a file in childlogdir, named at start-up
	MaxBytes        int64
	Backups         int
	CaptureMaxBytes int64
	EventsEnabled   bool
	Syslog          bool
}

// Process is the configuration of one process (supervisor ProcessConfig):
// a program section makes numprocs of them.
type Process struct {
	Name    string // process_name, expanded
	Program string // the program section's name
	Group   string
	Section string
	File    string
	Line    int

	Command        string
	Directory      string // "" for none
	Umask          *int   // nil when not set (inherit supervisord's)
	Priority       int
	Autostart      bool
	Autorestart    Autorestart
	StartSecs      int
	StartRetries   int
	User           string // "" for none
	UID            int    // valid when User != ""
	StopSignal     syscall.Signal
	StopWaitSecs   int
	StopAsGroup    bool
	KillAsGroup    bool
	ExitCodes      []int
	RedirectStderr bool
	Environment    map[string]string // [supervisord] environment merged under the program's
	ServerURL      string            // "" for AUTO
	Stdout         LogFile
	Stderr         LogFile
	ProcessNum     int
	NumProcs       int

	// Beyond the reference; each defaults to the reference's behaviour.
	BackoffMaxSecs    int            // backoff_max_secs: cap on the retry delay (0: none)
	RestartDelaySecs  int            // restart_delay_secs: wait before an automatic restart (0: none)
	ParentDeathSignal syscall.Signal // parent_death_signal: sent to the child if supervisord dies (0: none)
	EventListener     bool
	FastCGI           bool
}

// Ctl is what supervisorctl reads: the [supervisorctl] section and the
// [ctlplugin:x] sections (ClientOptions.read_config).
type Ctl struct {
	ServerURL   string
	Username    string
	Password    string
	Prompt      string
	HistoryFile string // "" for none
	Plugins     []CtlPlugin
}

// CtlPlugin is a [ctlplugin:NAME] section.
type CtlPlugin struct {
	Name    string
	Factory string
	Config  []KeyValue
}
