package logfile

import (
	"bytes"
	"errors"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"testing"
)

func writeTemp(t *testing.T, content []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "log")
	if err := os.WriteFile(p, content, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRead(t *testing.T) {
	path := writeTemp(t, []byte("hello world\n"))
	tests := []struct {
		name           string
		path           string
		offset, length int64
		want           string
		err            error
	}{
		{name: "whole file", path: path, offset: 0, length: 0, want: "hello world\n"},
		{name: "from offset to end", path: path, offset: 6, length: 0, want: "world\n"},
		{name: "range", path: path, offset: 6, length: 5, want: "world"},
		{name: "range past end", path: path, offset: 10, length: 100, want: "d\n"},
		{name: "offset at end", path: path, offset: 12, length: 0, want: ""},
		{name: "offset past end", path: path, offset: 1000, length: 5, want: ""},
		{name: "last bytes", path: path, offset: -6, length: 0, want: "world\n"},
		{name: "supervisorctl tail", path: path, offset: -1600, length: 0, want: "hello world\n"},
		{name: "min int64 offset", path: path, offset: math.MinInt64, length: 0, want: "hello world\n"},
		{name: "negative offset with length", path: path, offset: -6, length: 1, err: ErrBadArguments},
		{name: "negative offset with negative length", path: path, offset: -6, length: -1, err: ErrBadArguments},
		{name: "negative length", path: path, offset: 0, length: -1, err: ErrBadArguments},
		{name: "missing file", path: path + ".missing", err: ErrNoFile},
		{name: "no path", path: "", err: ErrNoFile},
		{name: "directory", path: filepath.Dir(path), err: ErrFailed},
		{name: "directory beats bad arguments", path: filepath.Dir(path), offset: 0, length: -1, err: ErrFailed},
		{name: "offset the kernel refuses", path: path, offset: math.MaxInt64, length: 0, err: ErrFailed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Read(tc.path, tc.offset, tc.length)
			if !errors.Is(err, tc.err) || (tc.err == nil && err != nil) {
				t.Fatalf("Read error = %v, want %v", err, tc.err)
			}
			if string(got) != tc.want {
				t.Errorf("Read = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestTail(t *testing.T) {
	path := writeTemp(t, []byte("hello world\n")) // 12 bytes
	six := writeTemp(t, []byte("abcdi\n"))
	tests := []struct {
		name           string
		path           string
		offset, length int64
		want           string
		wantOffset     int64
		wantOverflow   bool
		wantErr        error
	}{
		// The reference's documented example: 6-byte log, (0, 2).
		{name: "overflow keeps the end", path: six, offset: 0, length: 2, want: "i\n", wantOffset: 6, wantOverflow: true},
		{name: "exact window", path: path, offset: 0, length: 12, want: "hello world\n", wantOffset: 12},
		{name: "larger window", path: path, offset: 0, length: 100, want: "hello world\n", wantOffset: 12},
		{name: "follow from last offset", path: path, offset: 12, length: 100, want: "", wantOffset: 12},
		{name: "offset past end", path: path, offset: 50, length: 5, want: "", wantOffset: 12},
		{name: "window inside file", path: path, offset: 6, length: 6, want: "world\n", wantOffset: 12},
		{name: "length zero overflows", path: path, offset: 0, length: 0, want: "", wantOffset: 12, wantOverflow: true},
		{name: "negative offset", path: path, offset: -5, length: 3, want: "ld\n", wantOffset: 12, wantOverflow: true},
		{name: "negative length", path: path, offset: 3, length: -2, want: "", wantOffset: 12, wantOverflow: true},
		{name: "sum equals size", path: path, offset: 15, length: -3, want: "", wantOffset: 12},
		{name: "huge offset", path: path, offset: math.MaxInt64, length: math.MaxInt64, want: "", wantOffset: 12},
		{name: "huge negative", path: path, offset: math.MinInt64, length: math.MinInt64, want: "", wantOffset: 12, wantOverflow: true},
		{name: "missing file", path: path + ".missing", offset: 7, length: 3, want: "", wantOffset: 0},
		{name: "no path", path: "", offset: 7, length: 3, want: "", wantOffset: 0},
		// tailFile's except branch: ['', offset, False] with the offset passed in.
		{name: "directory", path: filepath.Dir(path), offset: 7, length: 3, want: "", wantOffset: 7, wantErr: ErrFailed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, off, overflow, err := Tail(tc.path, tc.offset, tc.length)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Fatalf("Tail error = %v, want %v", err, tc.wantErr)
			}
			if string(got) != tc.want || off != tc.wantOffset || overflow != tc.wantOverflow {
				t.Errorf("Tail = (%q, %d, %v), want (%q, %d, %v)", got, off, overflow,
					tc.want, tc.wantOffset, tc.wantOverflow)
			}
		})
	}
}

// pyTailWindow is tailFile's arithmetic with unbounded integers, as Python
// computes it; it returns the byte range [start, end) that is read.
func pyTailWindow(sz, offset, length int64) (start, end int64, overflow bool) {
	s, o, l := big.NewInt(sz), big.NewInt(offset), big.NewInt(length)
	one := big.NewInt(1)
	sum := func() *big.Int { return new(big.Int).Add(o, l) }
	if s.Cmp(sum()) > 0 {
		overflow = true
		o = new(big.Int).Sub(s, one)
	}
	if sum().Cmp(s) > 0 {
		if o.Cmp(new(big.Int).Sub(s, one)) > 0 {
			l = big.NewInt(0)
		}
		o = new(big.Int).Sub(s, l)
	}
	if o.Sign() < 0 {
		o = big.NewInt(0)
	}
	if l.Sign() < 0 {
		l = big.NewInt(0)
	}
	if l.Sign() == 0 {
		return 0, 0, overflow
	}
	// f.seek(o); f.read(l) on a file of size sz.
	if o.Cmp(s) >= 0 {
		return sz, sz, overflow
	}
	e := new(big.Int).Add(o, l)
	if e.Cmp(s) > 0 {
		e = s
	}
	return o.Int64(), e.Int64(), overflow
}

func FuzzTailWindow(f *testing.F) {
	for _, v := range [][3]int64{
		{0, 0, 0}, {6, 0, 2}, {12, -5, 3}, {12, 15, -3}, {12, 12, 100},
		{12, math.MaxInt64, math.MaxInt64}, {12, math.MinInt64, math.MinInt64},
		{12, math.MaxInt64, 1}, {0, math.MinInt64, -1}, {math.MaxInt64, 0, 0},
		{math.MaxInt64, math.MaxInt64, math.MinInt64}, {1, math.MinInt64, math.MaxInt64},
	} {
		f.Add(v[0], v[1], v[2])
	}
	f.Fuzz(func(t *testing.T, sz, offset, length int64) {
		if sz < 0 {
			sz = -(sz + 1) // any file size >= 0
		}
		o, l, overflow := tailWindow(sz, offset, length)
		if o < 0 || l < 0 {
			t.Fatalf("tailWindow(%d, %d, %d) = %d, %d: negative", sz, offset, length, o, l)
		}
		if l > 0 && o > sz {
			t.Fatalf("tailWindow(%d, %d, %d) = %d, %d: reads past the end", sz, offset, length, o, l)
		}
		start, end := int64(0), int64(0)
		if l > 0 {
			start, end = o, o+min(l, sz-o)
		}
		wStart, wEnd, wOverflow := pyTailWindow(sz, offset, length)
		if start != wStart || end != wEnd || overflow != wOverflow {
			t.Fatalf("tailWindow(%d, %d, %d): reads [%d, %d) overflow %v; tailFile reads [%d, %d) overflow %v",
				sz, offset, length, start, end, overflow, wStart, wEnd, wOverflow)
		}
	})
}

// pyRead is readFile's result for content, with unbounded integers.
func pyRead(content []byte, offset, length int64) ([]byte, error) {
	sz := int64(len(content))
	if offset < 0 {
		if length != 0 {
			return nil, ErrBadArguments
		}
		abs := absInt64(offset)
		start := int64(0)
		if uint64(sz) > abs {
			start = sz - int64(abs)
		}
		return content[start:], nil // |offset| bytes from start reach the end
	}
	if length < 0 {
		return nil, ErrBadArguments
	}
	if offset >= sz {
		return nil, nil
	}
	if length == 0 || length > sz-offset {
		return content[offset:], nil
	}
	return content[offset : offset+length], nil
}

func FuzzReadTail(f *testing.F) {
	f.Add([]byte("hello world\n"), int64(0), int64(0))
	f.Add([]byte("hello world\n"), int64(-1600), int64(0))
	f.Add([]byte("hello world\n"), int64(-5), int64(3))
	f.Add([]byte("abcdi\n"), int64(0), int64(2))
	f.Add([]byte{}, int64(math.MinInt64), int64(0))
	f.Add([]byte("x"), int64(math.MaxInt64), int64(math.MaxInt64))
	f.Add([]byte("\xc3\xa9"), int64(1), int64(-1))
	f.Fuzz(func(t *testing.T, content []byte, offset, length int64) {
		path := filepath.Join(t.TempDir(), "log")
		if err := os.WriteFile(path, content, 0o644); err != nil {
			t.Fatal(err)
		}
		sz := int64(len(content))

		got, err := Read(path, offset, length)
		want, wantErr := pyRead(content, offset, length)
		switch {
		case errors.Is(err, ErrFailed) && wantErr == nil && offset > 1<<40:
			// The kernel refuses to seek that far (EINVAL), as it does
			// for the reference: FAILED there too.
		case !errors.Is(err, wantErr) || (wantErr == nil && err != nil):
			t.Fatalf("Read(%d, %d) error = %v, want %v", offset, length, err, wantErr)
		case !bytes.Equal(got, want):
			t.Fatalf("Read(%d, %d) = %q, want %q", offset, length, got, want)
		}
		if int64(len(got)) > sz {
			t.Fatalf("Read returned %d bytes from a %d-byte file", len(got), sz)
		}

		data, off, overflow, err := Tail(path, offset, length)
		if err != nil {
			t.Fatalf("Tail(%d, %d): %v", offset, length, err)
		}
		start, end, wantOverflow := pyTailWindow(sz, offset, length)
		if off != sz || overflow != wantOverflow || !bytes.Equal(data, content[start:end]) {
			t.Fatalf("Tail(%d, %d) = (%q, %d, %v), want (%q, %d, %v)", offset, length,
				data, off, overflow, content[start:end], sz, wantOverflow)
		}
	})
}
