package mainlog

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/supervisorgo/supervisor/internal/config"
)

// MsgRunningAsRoot is the CRIT message supervisord logs at start-up when
// it runs as root without a user= setting (ServerOptions.set_uid_or_exit,
// parse_criticals). The double spaces are the reference's.
const MsgRunningAsRoot = "Supervisor is running as root.  Privileges were not dropped " +
	"because no user is specified in the config file.  If you intend to run as root, " +
	"you can set user=root in the config file to avoid this message."

// SetUIDMessage is the INFO message logged after privileges were dropped
// (set_uid_or_exit). The reference prints the numeric uid, not the user
// name given in the configuration.
func SetUIDMessage(uid int) string {
	return fmt.Sprintf("Set uid to user %d succeeded", uid)
}

// RlimitMessage is the INFO message logged after a soft resource limit was
// raised to the minfds or minprocs setting (set_rlimits_or_exit); name is
// "RLIMIT_NOFILE" or "RLIMIT_NPROC".
func RlimitMessage(name string, limit int) string {
	return fmt.Sprintf("Increased %s limit to %d", name, limit)
}

// Pending holds the messages supervisord gathers before its main log exists:
// the reference keeps them in ServerOptions.parse_criticals, parse_warnings
// and parse_infos while it reads the configuration, drops privileges and
// raises rlimits, and make_logger logs them as soon as the log is open
// (before daemonizing, so they reach the log file, and stdout with
// nodaemon). Nothing else is buffered: an error before that point is a
// usage error printed to stderr.
//
// Flush logs all the criticals first, then all the warnings, then all the
// infos, each kind in the order added, whatever the order of the calls.
// So the daemon adds the configuration's messages (AddConfig) first, then
// its own, in the reference's start-up order: running-as-root or set-uid,
// then the rlimits. On a restart (SIGHUP) the reference gathers and logs
// them again. The zero value is ready to use; a Pending is safe for
// concurrent use.
type Pending struct {
	mu                      sync.Mutex
	criticals, warns, infos []pendingMsg
}

type pendingMsg struct {
	msg   string
	attrs []slog.Attr
}

// Critical adds a message to log at CRIT (parse_criticals).
func (p *Pending) Critical(msg string, attrs ...slog.Attr) {
	p.add(&p.criticals, msg, attrs)
}

// Warn adds a message to log at WARN (parse_warnings).
func (p *Pending) Warn(msg string, attrs ...slog.Attr) {
	p.add(&p.warns, msg, attrs)
}

// Info adds a message to log at INFO (parse_infos).
func (p *Pending) Info(msg string, attrs ...slog.Attr) {
	p.add(&p.infos, msg, attrs)
}

func (p *Pending) add(list *[]pendingMsg, msg string, attrs []slog.Attr) {
	p.mu.Lock()
	defer p.mu.Unlock()
	*list = append(*list, pendingMsg{msg: msg, attrs: attrs})
}

// AddConfig adds the messages gathered while loading cfg: its Warnings at
// WARN and its Infos (such as `Included extra file "..." during parsing`)
// at INFO, in their order. The reference's warnings are logged with their
// message only, as it prints them; the warnings only we give
// (config.Warning.Unknown: unknown sections and keys) keep their
// "file:line: " prefix, since they have no reference wording. The position
// is also attached as the "file" and "line" attributes.
func (p *Pending) AddConfig(cfg *config.Config) {
	for _, w := range cfg.Warnings {
		msg := w.Msg
		if w.Unknown {
			msg = w.String()
		}
		var attrs []slog.Attr
		if w.File != "" {
			attrs = append(attrs, slog.String("file", w.File))
			if w.Line > 0 {
				attrs = append(attrs, slog.Int("line", w.Line))
			}
		}
		p.Warn(msg, attrs...)
	}
	for _, msg := range cfg.Infos {
		p.Info(msg)
	}
}

// Flush logs the pending messages to l in the reference's order (criticals,
// warnings, infos: make_logger) and empties p.
func (p *Pending) Flush(ctx context.Context, l *slog.Logger) {
	p.mu.Lock()
	lists := []struct {
		level slog.Level
		msgs  []pendingMsg
	}{{LevelCritical, p.criticals}, {LevelWarn, p.warns}, {LevelInfo, p.infos}}
	p.criticals, p.warns, p.infos = nil, nil, nil
	p.mu.Unlock()
	for _, list := range lists {
		for _, m := range list.msgs {
			l.LogAttrs(ctx, list.level, m.msg, m.attrs...)
		}
	}
}
