//go:build unix && !linux

package harden

import (
	"fmt"
	"syscall"
)

// Process turns off core dumps. Debugger attach is the system's to refuse
// here (macOS: hardened runtime; BSD: security.bsd.unprivileged_proc_debug).
func Process() error {
	if err := syscall.Setrlimit(syscall.RLIMIT_CORE, &syscall.Rlimit{Cur: 0, Max: 0}); err != nil {
		return fmt.Errorf("failed to turn off core dumps: %w", err)
	}
	return nil
}
