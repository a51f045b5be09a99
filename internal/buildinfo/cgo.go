//go:build cgo

package buildinfo

// build: with cgo, the binary drives hardware.
const build = "full"
