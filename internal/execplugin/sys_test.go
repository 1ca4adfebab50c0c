package execplugin

import "syscall"

// syscallKill probes whether pid exists (signal 0).
func syscallKill(pid int) error { return syscall.Kill(pid, 0) }
