package daemon

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/supervisorgo/supervisor/internal/spawn"
)

// reapOrphans reaps the children supervisord did not start: as PID 1 (in a
// container) orphaned processes are re-parented to it and would stay
// zombies. It must never wait for a child of its own (the output loop, or
// a goroutine where there is no loop, reaps it once its pidfd is readable),
// so it reaps only pids the spawner does not know (they leave s.live when
// reaped), while no spawn is in progress. The reference's reap() waits for any child and
// logs "reaped unknown pid P (exit status N)".
func (s *spawner) reapOrphans(log *slog.Logger) {
	s.spawnMu.Lock()
	defer s.spawnMu.Unlock()
	for _, pid := range childPids() {
		s.mu.Lock()
		ours := s.live[pid]
		s.mu.Unlock()
		if ours {
			continue
		}
		var ws syscall.WaitStatus
		got, err := syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
		if err != nil || got != pid {
			continue
		}
		log.Info(fmt.Sprintf("reaped unknown pid %d (%s)", pid, spawn.DecodeWaitStatus(ws).Describe()))
	}
}

// childPids lists the children of every thread of this process
// (/proc/self/task/*/children).
func childPids() []int {
	files, _ := filepath.Glob("/proc/self/task/*/children")
	var pids []int
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, field := range strings.Fields(string(b)) {
			if pid, err := strconv.Atoi(field); err == nil {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}
