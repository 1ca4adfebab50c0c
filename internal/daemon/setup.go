package daemon

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"

	"github.com/supervisorgo/supervisor/internal/config"
)

// rlimit is one of the limits minfds and minprocs raise.
type rlimit struct {
	name     string
	resource int
	min      int
	msg      string
}

// raiseLimits is ServerOptions.set_rlimits_or_exit: raise the soft limit
// (and the hard one, which only root can) to minfds and minprocs. It
// returns the infos to log, or the reference's message when it cannot.
func raiseLimits(sd config.Supervisord) (infos []string, err error) {
	limits := []rlimit{
		{"RLIMIT_NOFILE", syscall.RLIMIT_NOFILE, sd.MinFDs, "The minimum number of file descriptors required " +
			"to run this process is %d as per the \"minfds\" command-line argument or config file setting. " +
			"The current environment will only allow you to open %d file descriptors.  Either raise " +
			"the number of usable file descriptors in your environment (see README.rst) or lower the " +
			"minfds setting in the config file to allow the process to start."},
		{"RLIMIT_NPROC", 6 /* RLIMIT_NPROC on Linux */, sd.MinProcs, "The minimum number of available processes required " +
			"to run this program is %d as per the \"minprocs\" command-line argument or config file setting. " +
			"The current environment will only allow you to open %d processes.  Either raise " +
			"the number of usable processes in your environment (see README.rst) or lower the " +
			"minprocs setting in the config file to allow the program to start."},
	}
	const unlimited = ^uint64(0)
	for _, l := range limits {
		var rl syscall.Rlimit
		if err := syscall.Getrlimit(l.resource, &rl); err != nil {
			continue
		}
		min := uint64(max(l.min, 0))
		if rl.Cur >= min || rl.Cur == unlimited {
			continue
		}
		hard := rl.Max
		if hard < min && hard != unlimited {
			hard = min
		}
		if err := syscall.Setrlimit(l.resource, &syscall.Rlimit{Cur: min, Max: hard}); err != nil {
			return infos, fmt.Errorf(l.msg, l.min, hard)
		}
		infos = append(infos, fmt.Sprintf("Increased %s limit to %d", l.name, l.min))
	}
	return infos, nil
}

// clearAutoLogs is ServerOptions.clear_autochildlogdir: remove the AUTO
// child logs a previous supervisord with the same identifier left.
func clearAutoLogs(sd config.Supervisord) (warnings []string) {
	re, err := regexp.Compile(`^.+?---` + sd.Identifier + `-\S+\.log\.?\d{0,4}`)
	if err != nil {
		re = regexp.MustCompile(`^.+?---` + regexp.QuoteMeta(sd.Identifier) + `-\S+\.log\.?\d{0,4}`)
	}
	entries, err := os.ReadDir(sd.ChildLogDir)
	if err != nil {
		return []string{"Could not clear childlog dir"}
	}
	for _, e := range entries {
		if re.MatchString(e.Name()) {
			p := filepath.Join(sd.ChildLogDir, e.Name())
			if err := os.Remove(p); err != nil {
				warnings = append(warnings, fmt.Sprintf("Failed to clean up %q", p))
			}
		}
	}
	return warnings
}

// writePidfile is ServerOptions.write_pidfile.
func writePidfile(path string) error {
	return os.WriteFile(path, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644)
}

// signalName is the name the reference's log lines use for a signal.
func signalName(sig os.Signal) string {
	if s, ok := sig.(syscall.Signal); ok {
		return config.SignalName(s)
	}
	return strings.ToUpper(sig.String())
}
