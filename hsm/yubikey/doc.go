// Package yubikey is the YubiKey PIV backend: keys named
// yubikey:serial=N;slot-id=9c are generated on the device, read, and used
// to sign through go-piv/piv-go, which talks to the card through PC/SC
// (pcscd).
//
// The device is found by its serial number, never by reader name or order,
// so the person at the ceremony inserts the device the plan names; another
// device is reported as such. PINs are asked through keys.Prompter with the
// tries left; nothing here retries a PIN, and the factory PIN (123456) is
// refused without being sent to the card. When a slot's touch policy asks
// for a touch, the prompter is told before each signature. A mutex
// serializes every card operation: cards fail on concurrent use.
//
// Attestation (attest.go) binds a slot's key to the device: the slot's
// attestation certificate must chain, through the device's F9 certificate,
// to Yubico's PIV root (or a given root, for virtual test cards), and must
// certify exactly the public key that goes into the metadata.
package yubikey
