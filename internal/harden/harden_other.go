//go:build !unix

package harden

// Process does nothing on this system: core dumps and debugger attach are
// the system's to turn off (SECURITY.md says so).
func Process() error { return nil }
