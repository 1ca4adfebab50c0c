package daemon

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestWebPageDifferential drives the web page of the reference and of
// ours through the same clicks and compares what a user sees: each
// process's row (state, its style, description, name, the actions
// offered), the redirect and message of every action, the tail page and
// ok.html. The HTML differs (ours is our own); what it says must not.
func TestWebPageDifferential(t *testing.T) {
	requireReferenceDaemon(t)
	body := `
[program:a]
command=/bin/sh -c "echo hello from a; exec sleep 1000"
startsecs=0
stdout_logfile=%(here)s/a.log

[program:b]
command=/nonexistent/program
autostart=false

[group:g]
programs=c

[program:c]
command=/bin/sleep 1000
startsecs=0
`
	// The tail of a is read before a is restarted: after a restart its
	// new output races with the clearlog that follows, in either daemon.
	// b cannot be found, so that starting it fails the same way at once
	// (a program that exits quickly leaves the reference in STARTING,
	// BACKOFF or FATAL depending on its poll's timing).
	steps := []string{
		"/",
		"/tail.html?processname=a",
		"/index.html?processname=a&action=stop",
		"/",
		"/index.html?processname=a&action=start",
		"/index.html?processname=g:c&action=restart",
		"/index.html?processname=a&action=clearlog",
		"/index.html?processname=zz&action=stop",
		"/index.html?processname=g:*&action=stop",
		"/index.html?processname=b&action=start",
		"/index.html?action=bogus",
		"/index.html?processname=a&action=bogus",
		"/?message=hello%20there",
		"/index.html?action=refresh",
		"/tail.html?processname=zz",
		"/tail.html?processname=b&limit=2000",
		"/tail.html",
		"/ok.html",
		"/index.html?action=stopall",
		"/",
		"/index.html?action=restartall",
		"/",
		"/nothing.html",
	}
	run := func(bin string) []string {
		port := freeTCPPort(t)
		dir := t.TempDir()
		d := startDaemon(t, bin, dir, fmt.Sprintf("[inet_http_server]\nport=127.0.0.1:%d\n\n", port)+
			"[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n"+body)
		d.waitLog(20*time.Second, `success: a`, `success: c`)
		waitFor(t, 20*time.Second, "a's line in its log", func() bool {
			b, _ := os.ReadFile(filepath.Join(dir, "a.log"))
			return string(b) == "hello from a\n"
		})
		base := fmt.Sprintf("http://127.0.0.1:%d", port)
		client := http.Client{Timeout: 60 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}}
		var seen []string
		for _, step := range steps {
			resp, err := client.Get(base + step)
			if err != nil {
				t.Fatalf("GET %s: %v", step, err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			seen = append(seen, step+" -> "+describePage(resp, string(b), base))
		}
		return seen
	}
	ref, ours := run(referenceBin), run(supervisordBin)
	for i := range steps {
		if ref[i] != ours[i] {
			t.Errorf("step %d differs:\nreference: %s\nours:      %s", i, ref[i], ours[i])
		}
	}
}

var (
	rowRe     = regexp.MustCompile(`(?s)<td class="status"><span class="(\w+)">(\w*)</span></td>\s*<td><span>(.*?)</span></td>\s*<td><a href="([^"]*)" target="_blank">(.*?)</a></td>(.*?)</tr>`)
	actionRe  = regexp.MustCompile(`<a href="([^"#][^"]*)" name="([^"]+)"( target="_blank")?>`)
	msgRe     = regexp.MustCompile(`(?s)<div[^>]*class="status_msg"[^>]*>(.*?)</div>`)
	titleRe   = regexp.MustCompile(`(?s)<title>(.*?)</title>`)
	preRe     = regexp.MustCompile(`(?s)<pre[^>]*>(.*?)</pre>`)
	refreshRe = regexp.MustCompile(`href="(tail\.html\?[^"]*)"`)
	pidRe     = regexp.MustCompile(`pid \d+, uptime \d+:\d\d:\d\d`)
	ctimeRe   = regexp.MustCompile(`at \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}`)
	stoppedRe = regexp.MustCompile(`^\w{3} \d\d \d\d:\d\d [AP]M$`)
	noMatch   = regexp.MustCompile(`No programs to manage`)
)

// describePage reduces a response to what a user reads: the status, the
// redirect's target, and the page's rows, message, title and text.
func describePage(resp *http.Response, body, base string) string {
	mask := func(s string) string {
		s = pidRe.ReplaceAllString(html.UnescapeString(s), "pid N, uptime T")
		s = ctimeRe.ReplaceAllString(s, "at TIME")
		return stoppedRe.ReplaceAllString(s, "STOP TIME")
	}
	var parts []string
	parts = append(parts, fmt.Sprint(resp.StatusCode))
	if loc := resp.Header.Get("Location"); loc != "" {
		loc = strings.TrimPrefix(loc, base)
		parts = append(parts, "Location "+mask(strings.NewReplacer("%20", " ", "%3A", ":").Replace(loc)))
		return strings.Join(parts, " | ")
	}
	if resp.StatusCode != http.StatusOK {
		return strings.Join(parts, " | ")
	}
	for _, m := range msgRe.FindAllStringSubmatch(body, -1) {
		parts = append(parts, "message "+mask(m[1]))
	}
	for _, m := range rowRe.FindAllStringSubmatch(body, -1) {
		var acts []string
		for _, a := range actionRe.FindAllStringSubmatch(m[6], -1) {
			acts = append(acts, html.UnescapeString(a[2]+"="+a[1]+a[3]))
		}
		parts = append(parts, fmt.Sprintf("row %s %s %q %s %s [%s]", m[2], m[1], mask(m[3]), html.UnescapeString(m[4]), m[5], strings.Join(acts, " ")))
	}
	if noMatch.MatchString(body) {
		parts = append(parts, "no programs")
	}
	if m := titleRe.FindStringSubmatch(body); m != nil && strings.Contains(m[1], "tail") {
		parts = append(parts, "title "+mask(m[1]))
		for _, p := range preRe.FindAllStringSubmatch(body, -1) {
			parts = append(parts, fmt.Sprintf("text %q", mask(p[1])))
		}
		for _, r := range refreshRe.FindAllStringSubmatch(body, -1) {
			parts = append(parts, "refresh "+html.UnescapeString(r[1]))
		}
	}
	if !strings.Contains(body, "<") {
		parts = append(parts, fmt.Sprintf("body %q", body))
	}
	return strings.Join(parts, " | ")
}

// TestWebPageNeedsAuth: with a username and password the page, like the
// API, answers 401 without them and 200 with them, as the reference's.
func TestWebPageNeedsAuth(t *testing.T) {
	requireReferenceDaemon(t)
	for _, bin := range []struct{ name, path string }{{"reference", referenceBin}, {"ours", supervisordBin}} {
		t.Run(bin.name, func(t *testing.T) {
			port := freeTCPPort(t)
			d := startDaemon(t, bin.path, t.TempDir(), fmt.Sprintf(`
[inet_http_server]
port=127.0.0.1:%d
username=user
password=secret

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[program:a]
command=/bin/sleep 1000
startsecs=0
`, port))
			d.waitLog(20*time.Second, `success: a`)
			for _, tc := range []struct {
				user, pass string
				want       int
			}{{"", "", http.StatusUnauthorized}, {"user", "wrong", http.StatusUnauthorized}, {"user", "secret", http.StatusOK}} {
				req, err := http.NewRequest("GET", fmt.Sprintf("http://127.0.0.1:%d/index.html", port), nil)
				if err != nil {
					t.Fatal(err)
				}
				if tc.user != "" {
					req.SetBasicAuth(tc.user, tc.pass)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != tc.want {
					t.Errorf("GET /index.html as %q/%q: %d, want %d", tc.user, tc.pass, resp.StatusCode, tc.want)
				}
			}
		})
	}
}
