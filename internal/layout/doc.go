// Package layout holds no code: its tests keep the shape of the repository
// (which package may import which, what builds without cgo, what tests may
// read). README.md's "Layout" section describes that shape.
package layout
