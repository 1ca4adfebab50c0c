package mainlog

import (
	"bytes"
	"context"
	"log/slog"
	"testing"

	"github.com/supervisorgo/supervisor/internal/config"
)

func TestPendingOrder(t *testing.T) {
	cfg := &config.Config{
		Warnings: []config.Warning{
			{File: "/etc/supervisord.conf", Line: 12, Msg: `No file matches via include "/etc/supervisor/conf.d/*.conf"`},
			{File: "/etc/supervisord.conf", Line: 20, Msg: `[program:x] unknown key "comand" ignored`, Unknown: true},
			{Msg: "a warning without a position"},
		},
		Infos: []string{`Included extra file "/etc/supervisor/a.conf" during parsing`},
	}
	var p Pending
	p.Info("early info") // added before the configuration: still an info
	p.AddConfig(cfg)
	p.Critical(MsgRunningAsRoot)
	p.Info(RlimitMessage("RLIMIT_NOFILE", 1024))
	p.Critical("second critical")

	var buf bytes.Buffer
	logger := slog.New(NewHandler(&buf, &HandlerOptions{AppendAttrs: true}))
	p.Flush(context.Background(), logger)
	want := "<asctime> CRIT " + MsgRunningAsRoot + "\n" +
		"<asctime> CRIT second critical\n" +
		`<asctime> WARN No file matches via include "/etc/supervisor/conf.d/*.conf" file=/etc/supervisord.conf line=12` + "\n" +
		`<asctime> WARN /etc/supervisord.conf:20: [program:x] unknown key "comand" ignored file=/etc/supervisord.conf line=20` + "\n" +
		"<asctime> WARN a warning without a position\n" +
		"<asctime> INFO early info\n" +
		`<asctime> INFO Included extra file "/etc/supervisor/a.conf" during parsing` + "\n" +
		"<asctime> INFO Increased RLIMIT_NOFILE limit to 1024\n"
	if got := maskTimestamps(buf.String()); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}

	buf.Reset()
	p.Flush(context.Background(), logger)
	if buf.Len() != 0 {
		t.Errorf("second Flush logged %q", buf.String())
	}
}

func TestPendingWording(t *testing.T) {
	// The reference's wording (options.py set_uid_or_exit, set_rlimits_or_exit).
	tests := []struct{ got, want string }{
		{SetUIDMessage(1000), "Set uid to user 1000 succeeded"},
		{RlimitMessage("RLIMIT_NPROC", 200), "Increased RLIMIT_NPROC limit to 200"},
		{MsgRunningAsRoot, "Supervisor is running as root.  Privileges were not dropped because no user is " +
			"specified in the config file.  If you intend to run as root, you can set user=root in the config " +
			"file to avoid this message."},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
