//go:build cgo

package main

import (
	"github.com/tuf-ceremony/ceremony/hsm/p11"
	"github.com/tuf-ceremony/ceremony/hsm/yubikey"
)

// fullBuild: this build drives hardware (YubiKeys through PC/SC, PKCS#11
// modules), both needing cgo, and rehearses on simulated devices.
const fullBuild = true

// registerHardware makes keys named by pkcs11: and yubikey: URIs usable.
func registerHardware() {
	p11.Register()
	yubikey.Register()
}
