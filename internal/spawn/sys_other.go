//go:build !linux

package spawn

import "syscall"

// pdeathsigSupported reports whether Options.Pdeathsig can be honoured:
// only Linux has a parent-death signal.
const pdeathsigSupported = false

func setPdeathsig(*syscall.SysProcAttr, syscall.Signal) {}

// errnoNames is empty here: errno names print as numbers, as Python's
// errno.errorcode.get(code, code) does for a code it does not know.
var errnoNames = map[syscall.Errno]string{}

// waitExited would block until pid has exited without reaping it; here
// there is no portable way, so SignalGroup has a tiny window, between the
// reaping and the Child noticing it, in which the pid could be reused.
func waitExited(int) {}
