//go:build cgo

package main

import (
	"github.com/tuf-ceremony/ceremony/hsm/p11"
	"github.com/tuf-ceremony/ceremony/hsm/yubikey"
	"github.com/tuf-ceremony/ceremony/keys"
)

// fullBuild: this build drives hardware (YubiKeys through PC/SC, PKCS#11
// modules), both needing cgo, and rehearses on simulated devices.
const fullBuild = true

// hardwareBackends open keys named by pkcs11: and yubikey: URIs.
func hardwareBackends() []keys.Backend {
	return []keys.Backend{p11.Backend{}, yubikey.Backend{}}
}
