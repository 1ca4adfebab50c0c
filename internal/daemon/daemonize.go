package daemon

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"strings"
	"syscall"
)

// daemonEnv marks the re-executed child of a daemonizing supervisord; its
// value is the fd on which the child reports start-up.
const daemonEnv = "SUPERVISOR_GO_DAEMON_FD"

// daemonize is the parent side of ServerOptions.daemonize. Go cannot fork,
// so supervisord starts itself again in a new session with stdio on
// /dev/null, and waits until the child has started (then exits 0, as the
// reference's parent does) or has failed (then prints the child's error).
func daemonize(args []string) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		w.Close()
		return err
	}
	defer devnull.Close()
	cmd := exec.Command(self, args...)
	cmd.Env = append(os.Environ(), daemonEnv+"=3")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = devnull, devnull, devnull
	cmd.ExtraFiles = []*os.File{w}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err = cmd.Start()
	w.Close()
	if err != nil {
		return err
	}
	line, _ := bufio.NewReader(r).ReadString('\n')
	line = strings.TrimSuffix(line, "\n")
	switch {
	case line == "ok":
		cmd.Process.Release()
		return nil
	case line != "":
		cmd.Wait()
		return errors.New(line)
	}
	cmd.Wait()
	return fmt.Errorf("supervisord exited during start-up (%s)", cmd.ProcessState)
}

// daemonChild returns, in a daemonized child, the function that reports
// start-up to the parent; nil otherwise.
func daemonChild() func(error) {
	fd, err := strconv.Atoi(os.Getenv(daemonEnv))
	if err != nil {
		return nil
	}
	os.Unsetenv(daemonEnv)
	f := os.NewFile(uintptr(fd), "daemon-status")
	if f == nil {
		return nil
	}
	return func(err error) {
		if f == nil {
			return
		}
		if err != nil {
			fmt.Fprintf(f, "%s\n", strings.ReplaceAll(err.Error(), "\n", " "))
		} else {
			fmt.Fprintln(f, "ok")
		}
		f.Close()
		f = nil
	}
}

// dropPrivileges is ServerOptions.drop_privileges, run as root: the
// user's groups, then its primary group, then the uid.
func dropPrivileges(uid, gid int) error {
	u, err := user.LookupId(strconv.Itoa(uid))
	if err != nil {
		return fmt.Errorf("Can't find uid %d", uid)
	}
	groups := []int{gid}
	if ids, err := u.GroupIds(); err == nil {
		for _, s := range ids {
			if g, err := strconv.Atoi(s); err == nil && g != gid {
				groups = append(groups, g)
			}
		}
	}
	if err := syscall.Setgroups(groups); err != nil {
		return errors.New("Could not set groups of effective user")
	}
	if err := syscall.Setgid(gid); err != nil {
		return errors.New("Could not set group id of effective user")
	}
	return syscall.Setuid(uid)
}
