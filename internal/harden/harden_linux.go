//go:build linux

package harden

import (
	"fmt"
	"syscall"
)

// prSetDumpable and prGetDumpable are prctl(2)'s options.
const (
	prSetDumpable = 4
	prGetDumpable = 3
)

// Process turns off core dumps and ptrace attach for this process.
func Process() error {
	if err := syscall.Setrlimit(syscall.RLIMIT_CORE, &syscall.Rlimit{Cur: 0, Max: 0}); err != nil {
		return fmt.Errorf("failed to turn off core dumps: %w", err)
	}
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetDumpable, 0, 0); errno != 0 {
		return fmt.Errorf("failed to mark the process not dumpable: %w", errno)
	}
	return nil
}

// State reports what Process set: the core size limit (soft, hard) and
// whether the process is dumpable.
func State() (coreSoft, coreHard uint64, dumpable bool, err error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_CORE, &lim); err != nil {
		return 0, 0, false, err
	}
	r, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prGetDumpable, 0, 0)
	if errno != 0 {
		return 0, 0, false, errno
	}
	return lim.Cur, lim.Max, r != 0, nil
}
