// Package kinds puts the ceremony engine together with every kind of
// ceremony: bootstrap and the next root version, rotation, claims and
// project. A program calls Engine once, with the key backends it was built
// with, and hands the engine to what runs ceremonies; the engine itself
// imports no kind.
package kinds

import (
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/bootstrap"
	"github.com/tuf-ceremony/ceremony/ceremony/claimed"
	"github.com/tuf-ceremony/ceremony/ceremony/project"
	"github.com/tuf-ceremony/ceremony/ceremony/rotate"
	"github.com/tuf-ceremony/ceremony/keys"
)

// Engine returns an engine that runs workspaces of every kind and opens
// keys with backends.
func Engine(backends *keys.Backends) *ceremony.Engine {
	return ceremony.New(backends, bootstrap.Kind{}, rotate.Kind{}, claimed.Kind{}, project.Kind{})
}
