package httpd

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/supervisorgo/supervisor/internal/config"
	"github.com/supervisorgo/supervisor/xmlrpc"
)

// Dispatcher answers XML-RPC request bodies; *rpc.Server is one. Handle
// returns the response document with status 200, or a nil document and the
// HTTP error status to send (400, 413, 500).
type Dispatcher interface {
	Handle(ctx context.Context, body io.Reader) ([]byte, int)
}

// Releaser is implemented by a Dispatcher that reuses the memory of its
// documents: Release is called with each document Handle returned once it
// has been written (*rpc.Server is one).
type Releaser interface {
	Release(doc []byte)
}

// Options configures the listeners. Only RPC is required.
type Options struct {
	// RPC serves every URI starting with /RPC2.
	RPC Dispatcher
	// LogTail serves URIs starting with /logtail, MainLogTail those starting
	// with /mainlogtail, Web everything else (the web UI and its static
	// files). Each is called after authentication. A nil Web answers 404; a nil
	// tail handler answers as the reference's does for a log that does not
	// exist: 404 to GET, 400 to other methods.
	LogTail, MainLogTail, Web http.Handler
	// Log receives the reference's messages about the listeners. Nil
	// discards.
	Log *slog.Logger
	// MaxBodyBytes is the largest /RPC2 request body read; a larger
	// Content-Length is answered 413 without reading the body. Zero means
	// xmlrpc.DefaultMaxBytes (16 MiB), as rpc.Server's default limit.
	MaxBodyBytes int64
	// ReadHeaderTimeout bounds the time to read a request's headers once its
	// first bytes have arrived. Zero means one minute.
	ReadHeaderTimeout time.Duration
	// IdleTimeout closes a keep-alive connection idle that long. Zero means
	// never, like the reference: its clients (SupervisorTransport) keep one
	// connection and do not retry a request on a connection the server
	// closed. Dead TCP peers are found by TCP keep-alive probes.
	IdleTimeout time.Duration
}

func (o *Options) maxBody() int64 {
	if o.MaxBodyBytes == 0 {
		return xmlrpc.DefaultMaxBytes
	}
	return o.MaxBodyBytes
}

// handler is the handler stack of one listener (make_http_servers).
type handler struct {
	opts  Options
	log   *slog.Logger
	creds *credentials // nil: no authentication
}

// NewHandler returns the handler stack the reference mounts on the listener
// of section srv: authentication (when srv has a username), then routing on
// the request URI, with percent-escapes decoded, as medusa matches it:
//
//	starts with /RPC2        opts.RPC (POST only: 400 otherwise; 411
//	                         without Content-Length)
//	starts with /logtail     opts.LogTail
//	starts with /mainlogtail opts.MainLogTail
//	anything else            opts.Web
//
// The reference enables authentication when the username is not empty
// (make_http_servers tests `if username:`), so a section with an empty
// username and a password has none, as there.
func NewHandler(srv config.HTTPServer, opts Options) http.Handler {
	h := &handler{opts: opts, log: opts.Log}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if srv.Username != "" {
		h.creds = &credentials{username: srv.Username, password: srv.Password}
	}
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Server", serverHeader)
	if h.creds != nil {
		switch h.creds.check(r) {
		case authUnauthorized:
			// handle_unauthorized. The reference leaves the connection
			// open but ignores whatever the client sends on it afterwards;
			// closing it tells the client as much.
			w.Header().Set("WWW-Authenticate", `Basic realm="default"`)
			refuse(w, http.StatusUnauthorized)
			return
		case authMalformed:
			// The reference prints the credentials; they stay out of our log.
			h.log.Debug("malformed authorization info")
			WriteError(w, http.StatusBadRequest)
			return
		case authNoColon:
			h.log.Debug("authorization info without a colon: answering 500 as the reference does")
			WriteError(w, http.StatusInternalServerError)
			return
		}
	}
	uri := requestURI(r.RequestURI)
	var next http.Handler
	switch {
	case strings.HasPrefix(uri, "/RPC2"):
		h.serveRPC(w, r)
		return
	case strings.HasPrefix(uri, "/logtail"):
		next = h.opts.LogTail
	case strings.HasPrefix(uri, "/mainlogtail"):
		next = h.opts.MainLogTail
	default:
		next = h.opts.Web
		if next == nil {
			WriteError(w, http.StatusNotFound)
			return
		}
	}
	if next == nil {
		// The reference's tail handlers without anything to tail: GET
		// only (400 otherwise), and 404 for a log that does not exist.
		if r.Method != http.MethodGet {
			WriteError(w, http.StatusBadRequest)
			return
		}
		WriteError(w, http.StatusNotFound)
		return
	}
	next.ServeHTTP(w, r)
}

// serveRPC is medusa's xmlrpc_handler.handle_request and its collector.
func (h *handler) serveRPC(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		WriteError(w, http.StatusBadRequest)
		return
	}
	if len(r.TransferEncoding) > 0 {
		// A chunked body: medusa answers 411 and would read the chunks as
		// the next request; the connection is of no further use.
		refuse(w, http.StatusLengthRequired)
		return
	}
	if r.Header.Get("Content-Length") == "" {
		WriteError(w, http.StatusLengthRequired)
		return
	}
	limit := h.opts.maxBody()
	if limit > 0 && r.ContentLength > limit {
		refuse(w, http.StatusRequestEntityTooLarge)
		return
	}
	body := io.Reader(r.Body)
	if limit > 0 {
		body = http.MaxBytesReader(w, r.Body, limit)
	}
	out, status := h.opts.RPC.Handle(r.Context(), body)
	if status != http.StatusOK {
		WriteError(w, status)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/xml")
	hdr.Set("Content-Length", strconv.Itoa(len(out)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
	if r, ok := h.opts.RPC.(Releaser); ok {
		r.Release(out)
	}
}

// refuse sends an error response with "Connection: close". net/http then
// skips reading the unread request body before answering (it would wait
// for chunks that may never come) and closes the connection after reading
// at most 256 KiB of what is left: a client that sends its body after the
// headers (http.client does) must not meet a closed socket before it can
// read the answer.
func refuse(w http.ResponseWriter, code int) {
	w.Header().Set("Connection", "close")
	WriteError(w, code)
}

// requestURI is the URI medusa matches handlers against
// (deferring_http_channel.found_terminator): when the part before the last
// "?" holds a "%", that part is percent-decoded. Invalid escapes are kept
// as they are, as urllib.parse.unquote keeps them.
func requestURI(raw string) string {
	path, query, hasQuery := raw, "", false
	if i := strings.LastIndexByte(raw, '?'); i >= 0 {
		path, query, hasQuery = raw[:i], raw[i+1:], true
	}
	if !strings.Contains(path, "%") {
		return raw
	}
	var b strings.Builder
	for i := 0; i < len(path); i++ {
		if path[i] == '%' && i+2 < len(path) && isHex(path[i+1]) && isHex(path[i+2]) {
			b.WriteByte(unhex(path[i+1])<<4 | unhex(path[i+2]))
			i += 2
			continue
		}
		b.WriteByte(path[i])
	}
	if hasQuery && query != "" {
		b.WriteByte('?')
		b.WriteString(query)
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}
