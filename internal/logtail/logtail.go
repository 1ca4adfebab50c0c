// Package logtail serves the reference's streaming log endpoints,
// /logtail/<namespec>[/stdout|/stderr] and /mainlogtail (supervisorctl's
// tail -f and maintail -f, and the web page's Tail -f links), as
// supervisor.http's logtail_handler, mainlogtail_handler and
// tail_f_producer do: the last 1024 bytes, then what is appended, following
// the file across rotation and saying "==> File truncated <==" when it
// shrinks.
//
// Each response is served by its request's goroutine, which checks the file
// every 100 ms (the reference's delay) while the client stays connected.
package logtail

import (
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"
)

// Head is how much of a log's end a tail starts with.
const Head = 1024

// pollDelay is tail_f_producer's delay between looks at the file.
const pollDelay = 100 * time.Millisecond

// Resolver returns the log file of a process's channel ("stdout" or
// "stderr") given a namespec; ok is false for an unknown group or process.
// An empty path means the channel has no log file.
type Resolver func(namespec, channel string) (path string, ok bool)

// Handler serves /logtail/<namespec>[/<channel>].
func Handler(resolve Resolver) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			http.Error(w, "", http.StatusBadRequest)
			return
		}
		path := r.URL.Path
		if strings.Contains(r.URL.RawPath, "%") || strings.Contains(r.RequestURI, "%") {
			if p, err := url.PathUnescape(r.URL.EscapedPath()); err == nil {
				path = p
			}
		}
		path = strings.TrimLeft(path, "/")
		_, rest, _ := strings.Cut(path, "/") // drop "logtail"
		name, channel, ok := strings.Cut(rest, "/")
		if !ok {
			channel = "stdout"
		}
		file, found := resolve(name, channel)
		if !found || file == "" {
			http.NotFound(w, r)
			return
		}
		serve(w, r, file, true)
	})
}

// MainHandler serves /mainlogtail; logfile returns the main log's path
// ("" when there is none).
func MainHandler(logfile func() string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			http.Error(w, "", http.StatusBadRequest)
			return
		}
		file := logfile()
		if file == "" {
			http.NotFound(w, r)
			return
		}
		serve(w, r, file, false)
	})
}

// serve streams file until the client goes away.
func serve(w http.ResponseWriter, r *http.Request, file string, accelHeader bool) {
	f, err := os.Open(file)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	t := &tail{name: file, file: f}
	defer func() { t.file.Close() }()
	st, err := f.Stat()
	if err != nil {
		http.NotFound(w, r)
		return
	}
	t.ino = inode(st)
	if sz := st.Size(); sz >= Head {
		t.sz = sz - Head
	}
	h := w.Header()
	h.Set("Last-Modified", st.ModTime().UTC().Format(http.TimeFormat))
	h.Set("Content-Type", "text/plain;charset=utf-8")
	if accelHeader {
		h.Set("X-Accel-Buffering", "no")
	}
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	tick := time.NewTicker(pollDelay)
	defer tick.Stop()
	for {
		data, err := t.more()
		if err != nil {
			return
		}
		if len(data) > 0 {
			if _, err := w.Write(data); err != nil {
				return
			}
			if flusher != nil {
				flusher.Flush()
			}
			continue
		}
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
		}
	}
}

// tail is tail_f_producer.
type tail struct {
	name string
	file *os.File
	ino  uint64
	sz   int64
}

// more returns what was added since the last call (nil when nothing was).
func (t *tail) more() ([]byte, error) {
	t.follow()
	st, err := t.file.Stat()
	if err != nil {
		return nil, err
	}
	newsz := st.Size()
	switch added := newsz - t.sz; {
	case added < 0:
		t.sz = 0
		return []byte("==> File truncated <==\n"), nil
	case added > 0:
		buf := make([]byte, min(added, 1<<20))
		n, err := t.file.ReadAt(buf, t.sz)
		if n == 0 && err != nil && err != io.EOF {
			return nil, err
		}
		t.sz += int64(n)
		return buf[:n], nil
	}
	return nil, nil
}

// follow reopens the file when its name now points to another inode
// (rotation).
func (t *tail) follow() {
	st, err := os.Stat(t.name)
	if err != nil || inode(st) == t.ino {
		return
	}
	f, err := os.Open(t.name)
	if err != nil {
		return
	}
	t.file.Close()
	t.file, t.ino, t.sz = f, inode(st), 0
}

func inode(st os.FileInfo) uint64 {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return s.Ino
	}
	return 0
}
