//go:build !cgo

package buildinfo

// build: without cgo, the auditor's build.
const build = "auditor"
