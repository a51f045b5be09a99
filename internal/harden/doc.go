// Package harden keeps the ceremony process's memory, where PINs and
// passphrases pass, from leaving it: Process turns off core dumps
// (RLIMIT_CORE 0) and, on Linux, marks the process not dumpable
// (PR_SET_DUMPABLE 0), which also refuses ptrace attach to other processes
// of the same user and makes /proc/PID/mem readable by root only.
//
// What Go cannot promise: the runtime may copy a secret while it moves
// memory (a growing slice, a string conversion, the garbage collector) and
// leave the copy until that memory is reused; swap is the system's to
// turn off (or encrypt). The ceremony keeps secrets in byte slices it
// clears after use, and converts them to strings only where a library
// demands one.
package harden
