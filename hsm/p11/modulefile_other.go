//go:build !unix

package p11

// checkModuleFile has no owners and modes to check on this system.
func checkModuleFile(path, real string) error { return nil }

// checkModuleDir has no system library directories to hold to on this
// system.
func checkModuleDir(path string) error { return nil }
