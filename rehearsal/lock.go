package rehearsal

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockFile keeps a lab to one process at a time: each process restores
// its own copy of every virtual YubiKey and saves it back, so two would
// undo each other's PIN tries.
const lockFile = "lab.lock"

// lock takes the lab's lock, or says the lab is open elsewhere. The lock
// holds until the returned file is closed (or the process ends).
func lock(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("failed to open the lab's lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("the rehearsal in %s is open in another process ('ceremony rehearse' or 'ceremony tui'): close it first; one process at a time keeps the virtual YubiKeys' memory whole", dir)
		}
		return nil, fmt.Errorf("failed to lock the lab: %w", err)
	}
	return f, nil
}
