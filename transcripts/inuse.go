package transcripts

import (
	"bufio"
	"bytes"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// LockWait is how long Create, Open and ResumeTorn wait for another
// command to let go of the transcript before they give up with an
// *InUseError: long enough for a note or a status taken at the same
// moment, short enough that nobody wonders whether the tool hangs.
var LockWait = 5 * time.Second

// InUseError is ErrInUse after waiting: another command held the
// transcript for all of LockWait. Holder names it where the system says
// (Linux's /proc/locks), "" where it does not.
type InUseError struct {
	Holder string
	Waited time.Duration
}

func (e *InUseError) Error() string {
	who := "another ceremony command"
	if e.Holder != "" {
		who = e.Holder
	}
	return fmt.Sprintf("the transcript is in use by %s (waited %s): run this again when it is done", who, e.Waited)
}

func (e *InUseError) Is(target error) bool { return target == ErrInUse }

// commandName is what a process's command line (/proc/PID/cmdline) says
// it runs: the program's base name, and its first argument if that is a
// plain word (a subcommand such as "sign"); nothing else of it is shown,
// so no path, URI or note text reaches another user's screen.
func commandName(cmdline []byte) string {
	args := strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")
	name := filepath.Base(args[0])
	if len(args) > 1 && isWord(args[1]) {
		name += " " + args[1]
	}
	return name
}

func isWord(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// flockHolderPID finds, in the text of /proc/locks, the process holding a
// FLOCK on the file with inode ino on the device dev ("fd:01", major and
// minor in hex): lines like "1: FLOCK  ADVISORY  WRITE 2318 fd:01:1234567
// 0 EOF"; 0 if none.
func flockHolderPID(locks []byte, dev string, ino uint64) int {
	sc := bufio.NewScanner(bytes.NewReader(locks))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		// A waiter's line has "->" after the number.
		if len(f) < 6 || f[1] != "FLOCK" {
			continue
		}
		at := strings.Split(f[5], ":")
		if len(at) != 3 || at[0]+":"+at[1] != dev {
			continue
		}
		if n, err := strconv.ParseUint(at[2], 10, 64); err != nil || n != ino {
			continue
		}
		if pid, err := strconv.Atoi(f[4]); err == nil {
			return pid
		}
	}
	return 0
}
