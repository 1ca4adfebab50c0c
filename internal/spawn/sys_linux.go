//go:build linux

package spawn

import (
	"os"
	"syscall"
	"unsafe"
)

// pdeathsigSupported reports whether Options.Pdeathsig can be honoured.
const pdeathsigSupported = true

func setPdeathsig(attr *syscall.SysProcAttr, sig syscall.Signal) {
	attr.Pdeathsig = sig
}

// errnoNames is CPython's errno.errorcode on Linux (Python 3.11), where an
// alias gets the name Python shows: EDEADLOCK, ENOTSUP, EAGAIN.
var errnoNames = map[syscall.Errno]string{
	syscall.EPERM: "EPERM", syscall.ENOENT: "ENOENT", syscall.ESRCH: "ESRCH", syscall.EINTR: "EINTR",
	syscall.EIO: "EIO", syscall.ENXIO: "ENXIO", syscall.E2BIG: "E2BIG", syscall.ENOEXEC: "ENOEXEC",
	syscall.EBADF: "EBADF", syscall.ECHILD: "ECHILD", syscall.EAGAIN: "EAGAIN", syscall.ENOMEM: "ENOMEM",
	syscall.EACCES: "EACCES", syscall.EFAULT: "EFAULT", syscall.ENOTBLK: "ENOTBLK", syscall.EBUSY: "EBUSY",
	syscall.EEXIST: "EEXIST", syscall.EXDEV: "EXDEV", syscall.ENODEV: "ENODEV", syscall.ENOTDIR: "ENOTDIR",
	syscall.EISDIR: "EISDIR", syscall.EINVAL: "EINVAL", syscall.ENFILE: "ENFILE", syscall.EMFILE: "EMFILE",
	syscall.ENOTTY: "ENOTTY", syscall.ETXTBSY: "ETXTBSY", syscall.EFBIG: "EFBIG", syscall.ENOSPC: "ENOSPC",
	syscall.ESPIPE: "ESPIPE", syscall.EROFS: "EROFS", syscall.EMLINK: "EMLINK", syscall.EPIPE: "EPIPE",
	syscall.EDOM: "EDOM", syscall.ERANGE: "ERANGE", syscall.EDEADLOCK: "EDEADLOCK", syscall.ENAMETOOLONG: "ENAMETOOLONG",
	syscall.ENOLCK: "ENOLCK", syscall.ENOSYS: "ENOSYS", syscall.ENOTEMPTY: "ENOTEMPTY", syscall.ELOOP: "ELOOP",
	syscall.ENOMSG: "ENOMSG", syscall.EIDRM: "EIDRM", syscall.ECHRNG: "ECHRNG", syscall.EL2NSYNC: "EL2NSYNC",
	syscall.EL3HLT: "EL3HLT", syscall.EL3RST: "EL3RST", syscall.ELNRNG: "ELNRNG", syscall.EUNATCH: "EUNATCH",
	syscall.ENOCSI: "ENOCSI", syscall.EL2HLT: "EL2HLT", syscall.EBADE: "EBADE", syscall.EBADR: "EBADR",
	syscall.EXFULL: "EXFULL", syscall.ENOANO: "ENOANO", syscall.EBADRQC: "EBADRQC", syscall.EBADSLT: "EBADSLT",
	syscall.EBFONT: "EBFONT", syscall.ENOSTR: "ENOSTR", syscall.ENODATA: "ENODATA", syscall.ETIME: "ETIME",
	syscall.ENOSR: "ENOSR", syscall.ENONET: "ENONET", syscall.ENOPKG: "ENOPKG", syscall.EREMOTE: "EREMOTE",
	syscall.ENOLINK: "ENOLINK", syscall.EADV: "EADV", syscall.ESRMNT: "ESRMNT", syscall.ECOMM: "ECOMM",
	syscall.EPROTO: "EPROTO", syscall.EMULTIHOP: "EMULTIHOP", syscall.EDOTDOT: "EDOTDOT", syscall.EBADMSG: "EBADMSG",
	syscall.EOVERFLOW: "EOVERFLOW", syscall.ENOTUNIQ: "ENOTUNIQ", syscall.EBADFD: "EBADFD", syscall.EREMCHG: "EREMCHG",
	syscall.ELIBACC: "ELIBACC", syscall.ELIBBAD: "ELIBBAD", syscall.ELIBSCN: "ELIBSCN", syscall.ELIBMAX: "ELIBMAX",
	syscall.ELIBEXEC: "ELIBEXEC", syscall.EILSEQ: "EILSEQ", syscall.ERESTART: "ERESTART", syscall.ESTRPIPE: "ESTRPIPE",
	syscall.EUSERS: "EUSERS", syscall.ENOTSOCK: "ENOTSOCK", syscall.EDESTADDRREQ: "EDESTADDRREQ", syscall.EMSGSIZE: "EMSGSIZE",
	syscall.EPROTOTYPE: "EPROTOTYPE", syscall.ENOPROTOOPT: "ENOPROTOOPT", syscall.EPROTONOSUPPORT: "EPROTONOSUPPORT", syscall.ESOCKTNOSUPPORT: "ESOCKTNOSUPPORT",
	syscall.ENOTSUP: "ENOTSUP", syscall.EPFNOSUPPORT: "EPFNOSUPPORT", syscall.EAFNOSUPPORT: "EAFNOSUPPORT", syscall.EADDRINUSE: "EADDRINUSE",
	syscall.EADDRNOTAVAIL: "EADDRNOTAVAIL", syscall.ENETDOWN: "ENETDOWN", syscall.ENETUNREACH: "ENETUNREACH", syscall.ENETRESET: "ENETRESET",
	syscall.ECONNABORTED: "ECONNABORTED", syscall.ECONNRESET: "ECONNRESET", syscall.ENOBUFS: "ENOBUFS", syscall.EISCONN: "EISCONN",
	syscall.ENOTCONN: "ENOTCONN", syscall.ESHUTDOWN: "ESHUTDOWN", syscall.ETOOMANYREFS: "ETOOMANYREFS", syscall.ETIMEDOUT: "ETIMEDOUT",
	syscall.ECONNREFUSED: "ECONNREFUSED", syscall.EHOSTDOWN: "EHOSTDOWN", syscall.EHOSTUNREACH: "EHOSTUNREACH", syscall.EALREADY: "EALREADY",
	syscall.EINPROGRESS: "EINPROGRESS", syscall.ESTALE: "ESTALE", syscall.EUCLEAN: "EUCLEAN", syscall.ENOTNAM: "ENOTNAM",
	syscall.ENAVAIL: "ENAVAIL", syscall.EISNAM: "EISNAM", syscall.EREMOTEIO: "EREMOTEIO", syscall.EDQUOT: "EDQUOT",
	syscall.ENOMEDIUM: "ENOMEDIUM", syscall.EMEDIUMTYPE: "EMEDIUMTYPE", syscall.ECANCELED: "ECANCELED", syscall.ENOKEY: "ENOKEY",
	syscall.EKEYEXPIRED: "EKEYEXPIRED", syscall.EKEYREVOKED: "EKEYREVOKED", syscall.EKEYREJECTED: "EKEYREJECTED", syscall.EOWNERDEAD: "EOWNERDEAD",
	syscall.ENOTRECOVERABLE: "ENOTRECOVERABLE", syscall.ERFKILL: "ERFKILL",
}

// pipeCloexec makes a pipe whose two ends are close-on-exec (pipe2).
func pipeCloexec() ([2]int, error) {
	var p [2]int
	err := syscall.Pipe2(p[:], syscall.O_CLOEXEC)
	return p, err
}

// forkExec is syscall.ForkExec asking for the child's pidfd (-1 where
// the kernel has none).
func forkExec(path string, argv []string, attr *syscall.ProcAttr) (pid, pidfd int, err error) {
	if f := currentForker(); f != nil {
		if pid, pidfd, err, ok := f.forkExec(path, argv, attr); ok {
			return pid, pidfd, err
		}
	}
	pidfd = -1
	sys := *attr.Sys
	sys.PidFD = &pidfd
	a := *attr
	a.Sys = &sys
	pid, err = syscall.ForkExec(path, argv, &a)
	if err != nil {
		return 0, -1, err
	}
	return pid, pidfd, nil
}

// waitExited blocks until the process pid has exited, without reaping it.
// With a pidfd it waits in the runtime's poller on a duplicate of it, so
// that a thousand children waiting to exit hold no thread each; without
// one (Linux before 5.3) it falls back to a blocking waitid with WNOWAIT.
// It returns early on an unexpected error, and always returns true.
func waitExited(pid, pidfd int) bool {
	if pidfd < 0 {
		waitExitedBlocking(pid)
		return true
	}
	dup, err := syscall.Dup(pidfd)
	if err != nil {
		waitExitedBlocking(pid)
		return true
	}
	syscall.CloseOnExec(dup)
	syscall.SetNonblock(dup, true)
	f := os.NewFile(uintptr(dup), "pidfd")
	defer f.Close()
	rc, err := f.SyscallConn()
	if err != nil {
		waitExitedBlocking(pid)
		return true
	}
	rc.Read(func(fd uintptr) bool {
		var info [128]byte // siginfo_t; si_pid is at offset 16
		_, _, e := syscall.Syscall6(syscall.SYS_WAITID, pPIDFD, fd, uintptr(unsafe.Pointer(&info[0])),
			syscall.WEXITED|syscall.WNOHANG|wNowait, 0, 0)
		switch {
		case e == syscall.EINTR || e == syscall.EAGAIN:
			return false
		case e != 0:
			return true // give up: the reaper will learn more from Wait
		}
		return *(*int32)(unsafe.Pointer(&info[16])) != 0
	})
	return true
}

const (
	pPID    = 1 // P_PID
	pPIDFD  = 3 // P_PIDFD
	wNowait = 0x01000000
)

func waitExitedBlocking(pid int) {
	var info [128]byte // siginfo_t
	for {
		_, _, e := syscall.Syscall6(syscall.SYS_WAITID, pPID, uintptr(pid),
			uintptr(unsafe.Pointer(&info[0])), syscall.WEXITED|wNowait, 0, 0)
		if e != syscall.EINTR {
			return
		}
	}
}
