//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package transcripts

import (
	"fmt"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// lockHolder names the process holding a flock on f: "process PID
// (COMMAND)" from /proc/locks and /proc/PID/cmdline (commandName); ""
// where the system does not say.
func lockHolder(f *os.File) string {
	fi, err := f.Stat()
	if err != nil {
		return ""
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return ""
	}
	locks, err := os.ReadFile("/proc/locks")
	if err != nil {
		return ""
	}
	dev := uint64(st.Dev) // int32 on darwin, uint64 on linux
	pid := flockHolderPID(locks, fmt.Sprintf("%02x:%02x", unix.Major(dev), unix.Minor(dev)), uint64(st.Ino))
	if pid == 0 {
		return ""
	}
	if pid == os.Getpid() {
		return "this process (another open of the same workspace)"
	}
	cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil || len(cmdline) == 0 {
		return "process " + strconv.Itoa(pid)
	}
	return fmt.Sprintf("process %d (%s)", pid, commandName(cmdline))
}
