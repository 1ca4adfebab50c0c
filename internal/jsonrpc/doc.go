// Package jsonrpc is a small JSON-RPC 2.0 implementation over a pair of
// byte streams, one message per line, as the exec plugin protocol
// (shared/spec/exec-plugin-protocol.md) needs. Its shape follows
// golang.org/x/tools/internal/jsonrpc2_v2: framing (LineReader) is separate
// from the protocol (Decode, Message) and one Conn is both client and
// server.
//
// # Framing
//
// A message is one line of UTF-8 JSON ended by "\n" (a "\r" before it is
// dropped; the last line may lack its newline). A line longer than
// MaxLine (16 MiB, newline excluded) is a protocol error: ReadLine returns
// ErrLineTooLong and the Conn breaks, since the stream cannot be trusted
// afterwards. Blank lines are skipped silently. A line that is not a
// JSON-RPC 2.0 message (not JSON, "jsonrpc" not "2.0", a batch array, an
// id that is neither a number nor a string, a response with both or
// neither of result and error, a response to no pending call) is reported
// to Options.BadLine and skipped; the connection keeps working.
//
// # Ids
//
// Ids are per direction. Outgoing calls get integer ids from a counter that
// starts at Options.FirstID (0 by default, so the first call, the exec
// protocol's initialize, has id 0). Incoming ids, numbers or strings, are
// echoed verbatim in the answer.
//
// # Goroutines and ordering
//
// NewConn starts one reader goroutine. It reads lines, hands each answer
// to the call waiting for it (the pending table, keyed by id), runs each
// incoming request on a goroutine of its own (so a handler may call back
// through the same Conn, even into a call of the peer that is itself in
// flight, without deadlock), and runs incoming notifications on itself, in
// order (so they must not block). Answers may arrive in any order.
//
// Writes are serialised by a mutex, one whole line per Write call; a write
// error breaks the connection. A write to a peer that does not read blocks
// (a pipe's buffer is finite): the caller's ctx does not interrupt a Write
// already started.
//
// The connection breaks on EOF, a read or write error, a too long line, or
// Close: every pending Call then fails with an error wrapping ErrClosed,
// later Calls and Notifies fail at once, Done is closed, Err tells the
// cause, and the context handed to running handlers is cancelled.
// Close also closes the streams (when they are io.Closers) and returns
// once the reader goroutine and every handler goroutine have ended; it is
// idempotent. Wait waits for the same goroutines without closing anything.
package jsonrpc
