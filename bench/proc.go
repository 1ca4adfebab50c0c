package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat. It
// is 100 on every Linux the Go toolchain supports.
const clockTicks = 100

// procInfo is the part of /proc/PID/stat the suite reads.
type procInfo struct {
	pid, ppid, pgrp int
	state           byte
	cpuTicks        int64 // utime + stime of the process (all threads), not of its children
}

// readStat parses /proc/PID/stat. The command name is in parentheses and
// may contain spaces and parentheses, so fields are counted after the last ')'.
func readStat(pid int) (procInfo, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procInfo{}, err
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procInfo{}, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state), so field k is f[k-3].
	if len(f) < 13 {
		return procInfo{}, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	p := procInfo{pid: pid, state: f[0][0]}
	p.ppid, _ = strconv.Atoi(f[1])
	p.pgrp, _ = strconv.Atoi(f[2])
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	p.cpuTicks = ut + st
	return p, nil
}

// cpuSeconds is the CPU time pid has used so far: the sum of its live
// threads' run times from /proc/PID/task/*/schedstat (nanoseconds), or,
// where that is missing, utime+stime from /proc/PID/stat, which counts in
// 10 ms ticks: too coarse for an idle daemon, where one tick in a 10 s
// window is 0.1% of a core.
func cpuSeconds(pid int) (float64, error) {
	if ns, err := schedRunNs(pid); err == nil {
		return float64(ns) / 1e9, nil
	}
	p, err := readStat(pid)
	if err != nil {
		return 0, err
	}
	return float64(p.cpuTicks) / clockTicks, nil
}

// schedRunNs sums the first field of every thread's schedstat (time spent
// on a CPU, in ns). Threads that have exited are not counted.
func schedRunNs(pid int) (int64, error) {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		return 0, err
	}
	var sum int64
	for _, t := range tasks {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/schedstat", pid, t.Name()))
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue // the thread has just exited
			}
			return 0, err
		}
		f := strings.Fields(string(b))
		if len(f) == 0 {
			return 0, fmt.Errorf("schedstat of %d/%s: empty", pid, t.Name())
		}
		ns, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, err
		}
		sum += ns
	}
	return sum, nil
}

// rssMB is VmRSS of pid in MB (10^6 bytes).
func rssMB(pid int) (float64, error) {
	kb, err := statusField(pid, "VmRSS")
	return kb * 1024 / 1e6, err
}

// statusField is the number in a field of /proc/PID/status ("VmRSS" in
// kB, "Threads").
func statusField(pid int, key string) (float64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, key+":"); ok {
			f := strings.Fields(rest)
			if len(f) == 0 {
				break
			}
			return strconv.ParseFloat(f[0], 64)
		}
	}
	return 0, fmt.Errorf("/proc/%d/status: no %s", pid, key)
}

// machineBusy reads the busy and total jiffies of all CPUs from /proc/stat.
func machineBusy() (busy, total int64) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return 0, 0
	}
	for i, s := range f[1:] {
		v, _ := strconv.ParseInt(s, 10, 64)
		total += v
		if i != 3 && i != 4 { // idle, iowait
			busy += v
		}
	}
	return busy, total
}

// allProcs lists every process on the machine.
func allProcs() []procInfo {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	out := make([]procInfo, 0, len(ents))
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if p, err := readStat(pid); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// descendants lists the processes below root (not root itself).
func descendants(root int) []procInfo {
	procs := allProcs()
	kids := make(map[int][]procInfo)
	for _, p := range procs {
		kids[p.ppid] = append(kids[p.ppid], p)
	}
	var out []procInfo
	queue := []int{root}
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		for _, c := range kids[pid] {
			out = append(out, c)
			queue = append(queue, c.pid)
		}
	}
	return out
}

// setSubreaper makes this process the reaper of its orphaned descendants
// (PR_SET_CHILD_SUBREAPER), so children of a killed daemon stay visible
// below us and can be killed too.
func setSubreaper() error {
	const prSetChildSubreaper = 36
	_, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0)
	if errno != 0 {
		return errno
	}
	return nil
}

// killTree SIGKILLs every descendant of this process (and the process
// groups they lead) and reaps the orphans that become ours, until nothing
// is left below us or the deadline passes. Pids in tracked are reaped by
// their own Wait and left alone here.
func killTree(timeout time.Duration, tracked func(pid int) bool) error {
	self := os.Getpid()
	selfPgrp := syscall.Getpgrp()
	deadline := time.Now().Add(timeout)
	for {
		procs := descendants(self)
		if len(procs) == 0 {
			return nil
		}
		alive := 0
		for _, p := range procs {
			if p.state == 'Z' {
				if p.ppid == self && !tracked(p.pid) {
					var ws syscall.WaitStatus
					_, _ = syscall.Wait4(p.pid, &ws, syscall.WNOHANG, nil)
				}
				continue
			}
			alive++
			_ = syscall.Kill(p.pid, syscall.SIGKILL)
			if p.pgrp == p.pid && p.pgrp > 1 && p.pgrp != selfPgrp {
				_ = syscall.Kill(-p.pgrp, syscall.SIGKILL)
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("killTree: %d processes (%d not zombies) still below pid %d after %v", len(procs), alive, self, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// tailFile returns the last n bytes of a file, for error messages.
func tailFile(path string, n int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return ""
	}
	off := max(st.Size()-n, 0)
	b := make([]byte, st.Size()-off)
	_, _ = f.ReadAt(b, off)
	return string(b)
}

// sizeGlob sums the sizes of the files matching pattern.
func sizeGlob(pattern string) (int64, error) {
	names, err := filepath.Glob(pattern)
	if err != nil {
		return 0, err
	}
	var total int64
	for _, n := range names {
		st, err := os.Stat(n)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			return 0, err
		}
		total += st.Size()
	}
	return total, nil
}

// minNoFile is the descriptor limit the 1000-program scenarios need.
const minNoFile = 8192

// raiseNoFile raises the soft RLIMIT_NOFILE to the hard limit, and fails if
// that is below want.
func raiseNoFile(want uint64) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("getrlimit: %w", err)
	}
	if lim.Max < want {
		return fmt.Errorf("RLIMIT_NOFILE hard limit %d is below the %d the scenarios need", lim.Max, want)
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return fmt.Errorf("setrlimit: %w", err)
		}
	}
	return nil
}

// pinTasks sets the CPU affinity of every thread of process pid to the
// CPUs in cpus (sched_setaffinity on each task, since a thread keeps the
// mask it had when the process was changed).
func pinTasks(pid int, cpus []int) error {
	var mask [16]uint64 // 1024 CPUs
	for _, c := range cpus {
		mask[c/64] |= 1 << (c % 64)
	}
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		return err
	}
	for _, t := range tasks {
		tid, err := strconv.Atoi(t.Name())
		if err != nil {
			continue
		}
		_, _, e := syscall.RawSyscall(syscall.SYS_SCHED_SETAFFINITY, uintptr(tid), unsafe.Sizeof(mask), uintptr(unsafe.Pointer(&mask[0])))
		if e != 0 && e != syscall.ESRCH {
			return fmt.Errorf("sched_setaffinity %d: %w", tid, e)
		}
	}
	return nil
}
