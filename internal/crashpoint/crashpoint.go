//go:build crashpoints

package crashpoint

import (
	"os"
	"strings"
	"sync"
	"syscall"
)

// Env is the variable naming the point to crash at ("sign:after-record"),
// optionally with the occurrence ("sign:after-record#2", counting from 1).
const Env = "CEREMONY_TEST_CRASH"

// Enabled says whether this build has the points.
const Enabled = true

var (
	target = os.Getenv(Env)
	// seen counts each point's hits. Points are hit from more than one
	// goroutine (an init writes its trusted copies beside its metadata).
	mu   sync.Mutex
	seen = map[string]int{}
)

// Hit kills the process if the crash test asked for this point.
func Hit(point string) {
	if target == "" {
		return
	}
	name, nth := target, "1"
	if i := strings.LastIndex(target, "#"); i >= 0 {
		name, nth = target[:i], target[i+1:]
	}
	if name != point {
		return
	}
	mu.Lock()
	seen[point]++
	hit := nth == itoa(seen[point])
	mu.Unlock()
	if hit {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal is on its way
	}
}

func itoa(n int) string {
	b := []byte{}
	for n > 0 || len(b) == 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}
