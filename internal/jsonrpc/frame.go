package jsonrpc

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// MaxLine is the default longest line a LineReader accepts: 16 MiB, not
// counting the newline.
const MaxLine = 16 << 20

// ErrLineTooLong is returned by LineReader.ReadLine for a line longer than
// its limit. It is a protocol error: the stream cannot be resynchronised
// cheaply, so a Conn breaks.
var ErrLineTooLong = errors.New("jsonrpc: line too long")

// LineReader splits a stream into newline-terminated lines of at most Max
// bytes. A last line without a newline before EOF is returned as a line.
type LineReader struct {
	r   *bufio.Reader
	max int
	buf []byte
}

// NewLineReader returns a LineReader reading r; max <= 0 means MaxLine.
func NewLineReader(r io.Reader, max int) *LineReader {
	if max <= 0 {
		max = MaxLine
	}
	return &LineReader{r: bufio.NewReaderSize(r, 64<<10), max: max}
}

// ReadLine returns the next line without its "\n" (and without a "\r"
// before it). The slice is valid until the next call. At the end of the
// stream it returns io.EOF; a line longer than the limit returns an error
// wrapping ErrLineTooLong, after which the reader must not be used.
func (lr *LineReader) ReadLine() ([]byte, error) {
	lr.buf = lr.buf[:0]
	for {
		chunk, err := lr.r.ReadSlice('\n')
		lr.buf = append(lr.buf, chunk...)
		n := len(lr.buf)
		if n > 0 && lr.buf[n-1] == '\n' {
			n--
		}
		if n > lr.max {
			return nil, fmt.Errorf("%w (more than %d bytes)", ErrLineTooLong, lr.max)
		}
		switch {
		case err == nil:
			line := lr.buf[:n]
			if n > 0 && line[n-1] == '\r' {
				line = line[:n-1]
			}
			return line, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(lr.buf) > 0:
			return lr.buf, nil
		default:
			return nil, err
		}
	}
}
