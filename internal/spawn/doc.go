// Package spawn starts the children of supervisord as Supervisor 4.2.5
// does (supervisor.process.Subprocess.spawn and its helpers in
// supervisor.options), and reports how they end.
//
// # Pieces
//
//   - [Argv] resolves a program's command into a file and an argument
//     vector (Subprocess.get_execv_args, ServerOptions.check_execv_args):
//     shlex splitting, the PATH search, the checks, and the reference's
//     error texts, which become the process's spawnerr.
//   - [Env] builds the child's environment as _spawn_as_child does.
//   - [Prepare] does both for a config.Process and fills in [Options].
//   - [Start] makes the pipes, forks and execs: own process group
//     (setpgrp), fds 0-2 on the pipes, user, directory, umask, execve.
//   - [Child] is a started child: its pid, the parent ends of its pipes,
//     Signal, SignalGroup, Done and Wait; Pidfd and Reap for a caller that
//     watches exits itself.
//   - [ExitStatus] decodes a wait status (decode_wait_status) and
//     describes it with the reference's texts.
//
// # Pipes and Wait: the contract
//
// Start returns the parent ends of the child's pipes in Child.Stdin,
// Child.Stdout and Child.Stderr (os.File values that use Go's poller, so
// reads honour SetReadDeadline), or, with Options.Raw, the output ends as
// raw non-blocking descriptors in Child.StdoutFD and Child.StderrFD, which
// Go's poller never sees (for a caller that watches every child's pipes
// with one epoll set, package pump). They belong to the caller from then
// on: the Child never reads, writes or closes them. Start has already
// closed the child's ends in supervisord. The pipes are made with pipe2
// and O_CLOEXEC; the parent's ends are non-blocking, the child's blocking.
//
// Reaping and reading are independent. Wait (and Done) report the exit as
// soon as the child has been reaped; they do not wait for, drain or close
// the pipes. Whatever the child wrote stays readable after Wait returned,
// up to EOF; EOF arrives once every process holding a write end has closed
// it, which may be later than the exit, or never, when the child left a
// descendant holding its stdout. A caller that wants the reference's order
// (Subprocess.finish drains the output that is available, then records the
// exit) reads what is there when Done fires, records the exit, and keeps
// reading to EOF afterwards; it then calls ClosePipes, or closes each file
// itself.
//
// # Goroutines and reaping
//
// The child is started with syscall.ForkExec asking for its pidfd
// (clone's CLONE_PIDFD, Linux 5.3 and later), so that its exit can be
// waited for in an epoll set. Without Options.Raw, Start starts one
// goroutine per child, the reaper: it waits in Go's poller for the pidfd
// to become readable (without a pidfd: waitid with WNOWAIT, holding a
// thread), then calls Reap. With Raw and a pidfd no goroutine is started:
// the caller calls Reap once Pidfd is readable. Reap reaps the child
// (wait4 with WNOHANG), marks it exited under the lock that Signal and
// SignalGroup hold (so a process group whose leader's pid was freed is
// never signalled), closes the pidfd and closes Done. Nothing else in
// supervisord may reap children with wait(-1)/waitpid(-1): that would
// steal the status (Wait then returns ECHILD). An orphan reaper
// (supervisord as pid 1 or a subreaper, whose reference logs "reaped
// unknown pid") must skip the pids of live Childs.
//
// All methods of Child are safe for concurrent use, except ClosePipes
// against a concurrent reader of the pipes.
//
// # A child that fails before its exec
//
// In the reference the fork succeeds ("spawned: 'x' with pid N" is
// logged), and the child writes "supervisor: couldn't setuid to <uid>:
// <msg>", "supervisor: couldn't chdir to <dir>: <ERRNO>" or "supervisor:
// couldn't exec <argv0>: <ERRNO>", then "supervisor: child process was
// not spawned" to its fd 2 (the stderr log, or the stdout log with
// redirect_stderr) and exits 127; the process then goes to BACKOFF like
// any early exit. Go's child can run no code of ours: os.StartProcess
// reports such a failure as an error and has already reaped the child.
// Start turns it back into the reference's observable behaviour: it
// writes the same two lines into the pipe that is the child's fd 2, starts
// a stand-in, "/bin/sh -c 'exit 127'", in its own process group on the
// same fds, and returns it as the Child (a real pid, a real exit status
// 127). Should even /bin/sh be missing, the Child is synthetic: Pid 0,
// already exited with status 127, Signal and SignalGroup return
// os.ErrProcessDone.
//
// Which step failed is decided in the parent, as Go reports only the
// errno: the user step is decided before the fork (drop_privileges is
// mirrored there: the user must exist, supervisord must be root unless
// it already is that user, "Can't drop privilege as nonroot user"); a
// failed fork/exec with a Directory that does not exist, is no directory
// or cannot be searched by the child's user (mode bits; ACLs are not read)
// is a chdir failure, anything else an exec failure. The errno in the
// message is the child's. EAGAIN and ENOMEM are taken as fork failures,
// which are spawn errors ("Too many processes in process table to spawn
// 'x'", "unknown error during fork for 'x': ENOMEM").
//
// # Umask
//
// The umask belongs to the whole process, and Go cannot set it in the
// child between fork and exec. Start sets supervisord's umask to the
// program's just before the fork and restores it when os.StartProcess
// returns (the child has exec'd or failed by then). A package RWMutex
// keeps spawns apart: one with a umask holds it exclusively, every other
// spawn shares it, so no child ever inherits another program's umask. The
// trade-off: a file that another goroutine of supervisord creates during
// that window (a log file being rotated, a socket) gets the program's
// umask instead of supervisord's. Spawns with a umask are also serialised.
//
// # File descriptors
//
// The reference closes fds 3..minfds-1 in the child. Go gives the child
// only the files it is handed (fds 0-2, plus Options.ExtraFiles) and
// closes every descriptor that has close-on-exec, which every descriptor
// Go opens has. A descriptor without it, inherited by supervisord from
// whoever started it, would reach every child: the daemon calls
// [MarkCloseOnExec](3) once at start-up.
//
// Every fork copies the parent's descriptor table, and every exec closes
// the copy's close-on-exec descriptors one by one before the parent hears
// that it succeeded: with a thousand children (four descriptors each) a
// spawn would cost twice what it does in an empty daemon. On Linux the
// daemon calls [StartForker] first thing, and spawns are then made on one
// thread with a small descriptor table of its own; the child's
// descriptors reach it over a socket pair (see forker_linux.go).
//
// # Differences from the reference that remain
//
//   - The program's own environment variables are added in sorted order
//     (the config gives a map); the reference uses the file's order.
//   - An entry with an empty name in supervisord's environment ("=x")
//     makes every spawn of the reference fail in execve (ValueError
//     "illegal environment variable name"); here it is passed on.
//   - Failures of setgroups/setgid/setuid themselves (the reference's
//     "Could not set groups of effective user" and so on) cannot happen
//     for root with an existing user, and are reported as exec failures.
//   - The reference's command and file names are Python str values; names
//     that are not UTF-8 are shown as surrogate escapes (\udcff), which is
//     what Python would show for such a name decoded with surrogateescape.
package spawn
