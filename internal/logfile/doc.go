// Package logfile implements Supervisor's capture log files: a rotating
// [Writer] for a child's stdout/stderr log (or the main log), and the ranged
// reads behind the readLog / readProcess*Log / tailProcess*Log XML-RPC
// methods ([Read] and [Tail]).
//
// # Rotation rule
//
// The rule follows supervisor.loggers.RotatingFileHandler (emit and
// doRollover) of Supervisor 4.2.5. After every Write, and only after the
// whole buffer has been written, the Writer looks at the current size of the
// file (the write position, as Python's stream.tell() does). If MaxBytes > 0
// and that size is >= MaxBytes, the file is rotated:
//
//   - the file is closed;
//   - if Backups > 0: for i = Backups-1 down to 1, an existing f.i is renamed
//     to f.(i+1) (replacing it), then f is renamed to f.1;
//   - f is reopened empty.
//
// Backups == 0 therefore simply truncates the file. Backups older than
// f.Backups are never deleted (the reference leaves them alone too, for
// example after the backups setting was lowered). A single Write is never
// split across two files, so a file may end up larger than MaxBytes by up to
// one write, and no byte is lost or duplicated by a rotation. The new file
// is opened in append mode, where the reference reopens it with 'wb': the two
// only differ if someone truncates the file behind the Writer's back
// (logrotate's copytruncate), where 'wb' would leave a hole of NUL bytes.
//
// MaxBytes == 0 (or negative) means the file never rotates. It is opened in
// append mode and is never sized or seeked, so character devices such as
// /dev/stdout and pipes work. Files that are not regular files never rotate
// whatever MaxBytes says (the reference fails with "Illegal seek" there, and
// renaming /dev/stdout would be harmful).
//
// # Concurrency
//
// A Writer is safe for concurrent use. One mutex serialises Write, Rotate,
// Reopen, Clear and Close, so a write and the size check and rotation that
// follow it are atomic with respect to the other methods: writes from
// several goroutines land whole, each in exactly one file, in the order in
// which they took the lock. The mutex is held across the file system calls
// (write, rename, open): these are local-file operations, and holding the
// lock is what guarantees the ordering. A Writer starts no goroutines.
//
// [Read] and [Tail] are plain functions that open the file by name for every
// call; they take no lock and may run concurrently with a Writer on the same
// file, seeing whatever the file holds at that moment.
package logfile
