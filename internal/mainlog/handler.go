package mainlog

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"
)

// ErrClosed is returned by Handle after the Outputs that own the handler
// were closed.
var ErrClosed = errors.New("mainlog: closed")

// timeLayout is the reference's asctime: time.strftime("%Y-%m-%d %H:%M:%S")
// plus ",%03d" of the milliseconds, truncated (LogRecord.asdict).
const timeLayout = "2006-01-02 15:04:05,000"

// HandlerOptions configures a Handler.
type HandlerOptions struct {
	// Level is the minimum level written (the configuration's loglevel,
	// see LevelFromConfig). Nil means LevelInfo, the reference's default.
	Level slog.Leveler

	// AppendAttrs appends the structured attributes to the message as
	// " key=value" pairs (keys of groups joined with dots, values quoted
	// when needed). The reference's format has no attributes, so this is
	// off by default and the text files match the reference byte for byte.
	AppendAttrs bool
}

// Handler is a slog.Handler that writes the main log's lines in the
// format of supervisord's make_logger:
//
//	%(asctime)s %(levelname)s %(message)s\n
//
// that is `2006-01-02 15:04:05,000 INFO message` plus a newline, in local
// time, with the level names of LevelName. The message is written as it
// is, newlines included: a multi-line message (such as a child's output
// copied by OutputMessage) continues on the following lines without a
// prefix, as in the reference. Attributes are not printed unless
// HandlerOptions.AppendAttrs is set; they stay in the records for any other
// handler the logger is combined with (slog.NewMultiHandler).
//
// A Handler is safe for concurrent use; every record reaches each output in
// one piece (see the package documentation).
type Handler struct {
	core        *core
	level       slog.Leveler
	appendAttrs bool
	prefix      string // group prefix for attribute keys, "a.b." (AppendAttrs only)
	attrs       []byte // preformatted attributes of WithAttrs (AppendAttrs only)
}

// NewHandler returns a Handler writing every line to w with one Write call
// per record. Writes are serialised by the Handler, so w need not be safe
// for concurrent use. Open builds the daemon's handler with its file,
// syslog and stdout outputs; NewHandler serves tests and other single
// outputs.
func NewHandler(w io.Writer, opts *HandlerOptions) *Handler {
	return newHandler(&core{targets: []target{&writerTarget{w: w}}}, opts)
}

func newHandler(c *core, opts *HandlerOptions) *Handler {
	h := &Handler{core: c, level: LevelInfo}
	if opts != nil {
		if opts.Level != nil {
			h.level = opts.Level
		}
		h.appendAttrs = opts.AppendAttrs
	}
	return h
}

// Enabled reports whether level reaches the handler's level
// (`if level >= handler.level` in Logger.log).
func (h *Handler) Enabled(_ context.Context, level slog.Level) bool {
	return level >= h.level.Level()
}

// Handle formats r once and sends it to every output. All outputs get the
// same timestamp, as the reference formats a record once for all its
// handlers. The error joins the outputs' errors; slog.Logger ignores it.
func (h *Handler) Handle(_ context.Context, r slog.Record) error {
	if h.core.closed.Load() {
		return ErrClosed
	}
	bp := bufPool.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= maxPooledBuf {
			bufPool.Put(bp)
		}
	}()
	t := r.Time
	if t.IsZero() {
		t = time.Now()
	}
	buf := t.Local().AppendFormat((*bp)[:0], timeLayout)
	buf = append(buf, ' ')
	buf = append(buf, LevelName(r.Level)...)
	buf = append(buf, ' ')
	msgStart := len(buf)
	buf = append(buf, r.Message...)
	if h.appendAttrs {
		buf = append(buf, h.attrs...)
		r.Attrs(func(a slog.Attr) bool {
			buf = appendAttr(buf, h.prefix, a)
			return true
		})
	}
	msgEnd := len(buf)
	buf = append(buf, '\n')
	*bp = buf
	return h.core.emit(record{line: buf, head: buf[:msgStart], msg: buf[msgStart:msgEnd]})
}

// WithAttrs returns a Handler that adds attrs to every record. When
// attributes are not printed it returns h itself.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if !h.appendAttrs || len(attrs) == 0 {
		return h
	}
	h2 := *h
	h2.attrs = h.attrs[:len(h.attrs):len(h.attrs)]
	for _, a := range attrs {
		h2.attrs = appendAttr(h2.attrs, h.prefix, a)
	}
	return &h2
}

// WithGroup returns a Handler that qualifies later attribute keys with
// name. When attributes are not printed it returns h itself.
func (h *Handler) WithGroup(name string) slog.Handler {
	if !h.appendAttrs || name == "" {
		return h
	}
	h2 := *h
	h2.prefix = h.prefix + name + "."
	return &h2
}

const maxPooledBuf = 64 << 10

var bufPool = sync.Pool{New: func() any {
	b := make([]byte, 0, 1024)
	return &b
}}

// appendAttr appends " key=value" for a (after resolving it), flattening
// groups into dotted keys. Empty attributes and empty groups are dropped,
// as slog's built-in handlers do.
func appendAttr(buf []byte, prefix string, a slog.Attr) []byte {
	a.Value = a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return buf
	}
	if a.Value.Kind() == slog.KindGroup {
		if a.Key != "" {
			prefix += a.Key + "."
		}
		for _, ga := range a.Value.Group() {
			buf = appendAttr(buf, prefix, ga)
		}
		return buf
	}
	buf = append(buf, ' ')
	buf = appendMaybeQuoted(buf, prefix+a.Key)
	buf = append(buf, '=')
	var s string
	if a.Value.Kind() == slog.KindTime {
		s = a.Value.Time().Format(time.RFC3339Nano)
	} else {
		s = a.Value.String()
	}
	return appendMaybeQuoted(buf, s)
}

func appendMaybeQuoted(buf []byte, s string) []byte {
	if needsQuoting(s) {
		return strconv.AppendQuote(buf, s)
	}
	return append(buf, s...)
}

func needsQuoting(s string) bool {
	if s == "" {
		return true
	}
	for _, r := range s {
		if r == '=' || r == '"' || r == '\\' || r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return true
		}
	}
	return false
}

// record is one formatted record: the whole line (with its newline), and
// the two parts the syslog output reassembles line by line.
type record struct {
	line []byte // "<asctime> <LEVEL> <message>\n"
	head []byte // "<asctime> <LEVEL> "
	msg  []byte // "<message>"
}

// target is one output of the main log (one of the reference's handlers).
type target interface {
	emit(r record) error
}

// core is what all the Handlers derived from one NewHandler or Open share.
type core struct {
	targets []target
	closed  atomic.Bool
}

// emit sends r to every target in order (the reference's handler order:
// stdout first, then the file or syslog), even when one fails.
func (c *core) emit(r record) error {
	var errs []error
	for _, t := range c.targets {
		if err := t.emit(r); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// writerTarget writes whole lines to an io.Writer (FileHandler,
// RotatingFileHandler and StreamHandler(sys.stdout) of the reference).
type writerTarget struct {
	mu sync.Mutex
	w  io.Writer
}

func (t *writerTarget) emit(r record) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, err := t.w.Write(r.line)
	return err
}

// syslogTarget sends each line of the message as its own syslog message,
// each with the record's timestamp and level in front and a newline at the
// end (SyslogHandler.emit: message.rstrip('\n').split('\n'), each line
// formatted with the main log's format).
type syslogTarget struct {
	mu   sync.Mutex
	w    SyslogWriter
	dial func() (SyslogWriter, error) // nil when w was given
}

func (t *syslogTarget) emit(r record) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.w == nil {
		// The reference's syslog.syslog never fails: with no syslog
		// daemon the message is lost. Dial again at every record until a
		// daemon answers; the record is dropped meanwhile.
		if t.dial == nil {
			return ErrClosed
		}
		w, err := t.dial()
		if err != nil {
			return err
		}
		t.w = w
	}
	var line strings.Builder
	msg := strings.TrimRight(string(r.msg), "\n")
	var errs []error
	for l := range strings.SplitSeq(msg, "\n") {
		line.Reset()
		line.Write(r.head)
		line.WriteString(l)
		line.WriteByte('\n')
		if err := t.w.Info(line.String()); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (t *syslogTarget) close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	w := t.w
	t.w, t.dial = nil, nil
	if w == nil {
		return nil
	}
	return w.Close()
}

var _ slog.Handler = (*Handler)(nil)
