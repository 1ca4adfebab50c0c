package logfile

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

// Errors returned by Read. They correspond to the reference's
// ValueError('BAD_ARGUMENTS'), ValueError('FAILED') and the NO_FILE fault
// raised before readFile is called; the rpc layer maps them to the faults
// BAD_ARGUMENTS (3), FAILED (30) and NO_FILE (20).
var (
	ErrBadArguments = errors.New("logfile: bad arguments")
	ErrFailed       = errors.New("logfile: failed")
	ErrNoFile       = errors.New("logfile: no file")
)

// Read returns bytes of the file at path, following the reference's
// rpcinterface._readProcessLog / readLog (path empty or os.path.exists false:
// ErrNoFile) and then supervisor.options.readFile:
//
//   - offset < 0: length must be 0, else ErrBadArguments; the result is the
//     last -offset bytes of the file (the whole file if it is shorter);
//   - offset >= 0: length < 0 is ErrBadArguments; length 0 reads from offset
//     to the end; otherwise up to length bytes from offset. An offset past
//     the end gives no bytes.
//
// Any I/O error, including opening a directory and seeking to an offset the
// file system refuses, is ErrFailed. As in readFile, the file is opened
// before the arguments are checked, so an unopenable file with bad arguments
// is ErrFailed. Unlike readFile, which allocates the requested length up
// front (a huge length or negative offset raises MemoryError there), Read
// only allocates what it reads.
//
// The bytes are returned raw; the reference decodes them as strict UTF-8
// before answering (an undecodable result is an internal error there).
func Read(path string, offset, length int64) ([]byte, error) {
	if path == "" {
		return nil, ErrNoFile
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrNoFile, path)
	}
	f, err := openForRead(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFailed, err)
	}
	defer f.Close()

	failed := func(err error) ([]byte, error) {
		return nil, fmt.Errorf("%w: %w", ErrFailed, err)
	}
	if offset < 0 {
		if length != 0 {
			return nil, ErrBadArguments
		}
		sz, err := f.Seek(0, io.SeekEnd)
		if err != nil {
			return failed(err)
		}
		abs := absInt64(offset)
		pos := int64(0)
		if uint64(sz) > abs {
			pos = sz - int64(abs)
		}
		if _, err := f.Seek(pos, io.SeekStart); err != nil {
			return failed(err)
		}
		data, err := readUpTo(f, abs)
		if err != nil {
			return failed(err)
		}
		return data, nil
	}
	if length < 0 {
		return nil, ErrBadArguments
	}
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return failed(err)
	}
	n := uint64(length)
	if length == 0 {
		n = math.MaxInt64
	}
	data, err := readUpTo(f, n)
	if err != nil {
		return failed(err)
	}
	return data, nil
}

// Tail returns the end of the file at path for tailProcess*Log, following
// rpcinterface._tailProcessLog and supervisor.options.tailFile. With sz the
// file's size:
//
//  1. overflow = false; if sz > offset+length: overflow = true, offset = sz-1;
//  2. if offset+length > sz: if offset > sz-1 then length = 0; offset = sz-length;
//  3. clamp offset and length to >= 0;
//  4. read length bytes at offset (none if length is 0);
//
// and the result is (data, sz, overflow). The sums are computed exactly, as
// with Python's integers.
//
// A missing file (or an empty path) is not an error: Tail returns
// (nil, 0, false, nil), as _tailProcessLog answers ["", 0, False]. When the
// file exists but opening, sizing or reading it fails, tailFile answers
// ["", offset, False], with offset as far as the algorithm had adjusted it.
// Tail returns exactly those values together with an error wrapping
// ErrFailed; a caller mirroring the RPC should return the values and at
// most log the error, never turn it into a fault.
//
// The bytes are returned raw; tailFile decodes them as strict UTF-8, so a
// window that cuts a multi-byte character is an internal error there.
func Tail(path string, offset, length int64) (data []byte, newOffset int64, overflow bool, err error) {
	if path == "" {
		return nil, 0, false, nil
	}
	if _, err := os.Stat(path); err != nil {
		return nil, 0, false, nil
	}
	f, err := openForRead(path)
	if err != nil {
		return nil, offset, false, fmt.Errorf("%w: %w", ErrFailed, err)
	}
	defer f.Close()
	sz, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, offset, false, fmt.Errorf("%w: %w", ErrFailed, err)
	}
	offset, length, overflow = tailWindow(sz, offset, length)
	data = []byte{}
	if length > 0 {
		if _, err := f.Seek(offset, io.SeekStart); err != nil {
			return nil, offset, false, fmt.Errorf("%w: %w", ErrFailed, err)
		}
		data, err = readUpTo(f, uint64(length))
		if err != nil {
			return nil, offset, false, fmt.Errorf("%w: %w", ErrFailed, err)
		}
	}
	return data, sz, overflow, nil
}

// tailWindow is the offset arithmetic of tailFile for a file of size sz
// (>= 0): it returns where to read, how much, and the overflow flag. The
// returned length is >= 0, and when it is > 0 the offset is in [0, sz]
// (the read then stops at the end of the file if offset+length > sz).
func tailWindow(sz, offset, length int64) (int64, int64, bool) {
	overflow := false
	if compareSum(offset, length, sz) < 0 { // sz > offset+length
		overflow = true
		offset = sz - 1
	}
	if compareSum(offset, length, sz) > 0 { // offset+length > sz
		if offset > sz-1 {
			length = 0
		}
		// No overflow: offset+length > sz with offset <= MaxInt64
		// implies sz-length < MaxInt64, and sz >= 0, length <= MaxInt64.
		offset = sz - length
	}
	if offset < 0 {
		offset = 0
	}
	if length < 0 {
		length = 0
	}
	return offset, length, overflow
}

// compareSum returns the sign of (a+b)-c, computed without overflow.
func compareSum(a, b, c int64) int {
	s := a + b
	switch {
	case a > 0 && b > 0 && s < 0: // overflowed above MaxInt64
		return 1
	case a < 0 && b < 0 && s >= 0: // overflowed below MinInt64
		return -1
	case s > c:
		return 1
	case s < c:
		return -1
	}
	return 0
}

// absInt64 returns |v| as a uint64, valid for math.MinInt64 too.
func absInt64(v int64) uint64 {
	if v < 0 {
		return uint64(-(v + 1)) + 1
	}
	return uint64(v)
}

// openForRead opens path for reading and refuses directories, which
// Python's open() rejects with IsADirectoryError.
func openForRead(path string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if fi.IsDir() {
		f.Close()
		return nil, &os.PathError{Op: "open", Path: path, Err: errIsDir}
	}
	return f, nil
}

var errIsDir = errors.New("is a directory")

// readUpTo reads from r until n bytes or EOF, allocating as it goes.
func readUpTo(r io.Reader, n uint64) ([]byte, error) {
	if n > math.MaxInt64 {
		n = math.MaxInt64
	}
	return io.ReadAll(io.LimitReader(r, int64(n)))
}
