//go:build !cgo

package main

import (
	"errors"
	"io"

	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/tui"
)

// fullBuild: this is the auditor's build (CGO_ENABLED=0). It verifies,
// replays and reports on any machine, with no C toolchain and no PC/SC;
// it has no hardware backend (keys named by yubikey: or pkcs11: URIs are
// refused as not supported by this build) and no rehearsal.
const fullBuild = false

// hardwareBackends: none in this build.
func hardwareBackends() []keys.Backend { return nil }

// errFullBuildOnly is never returned: run does not know these commands in
// this build (buildCommands leaves them out). They exist for allCommands.
var errFullBuildOnly = errors.New("this command is in the full build only (built with cgo)")

func runRehearse(*runEnv, []string, io.Writer, io.Writer) error { return errFullBuildOnly }
func runDevices(*runEnv, []string, io.Writer, io.Writer) error  { return errFullBuildOnly }
func runDemo(*runEnv, []string, io.Writer, io.Writer) error     { return errFullBuildOnly }

// labOf: this build has no rehearsal lab to open.
func labOf(string) (*tui.Rehearsal, func(), error) { return nil, func() {}, nil }
