// Package kinds puts the ceremony engine together with every kind of
// ceremony: bootstrap and the next root version, rotation, claims and
// project. A program calls Engine once and hands the engine to what runs
// ceremonies; the engine itself imports no kind.
package kinds

import (
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/bootstrap"
	"github.com/tuf-ceremony/ceremony/ceremony/claimed"
	"github.com/tuf-ceremony/ceremony/ceremony/project"
	"github.com/tuf-ceremony/ceremony/ceremony/rotate"
)

// Engine returns an engine that runs workspaces of every kind.
func Engine() *ceremony.Engine {
	return ceremony.New(bootstrap.Kind{}, rotate.Kind{}, claimed.Kind{}, project.Kind{})
}
