// Package attestation checks hardware key attestations as pure X.509 over
// bytes: no device, no PC/SC, no cgo. The hardware drivers (hsm/yubikey)
// use it when they make or read a key, and the auditor's side (verify,
// replay) uses it on what a workspace or a bundle keeps, on any machine.
//
// A YubiKey PIV attestation is two certificates: the slot's attestation
// certificate, issued by the device's own attestation certificate (slot
// F9), which chains to one of Yubico's roots. VerifyYubiKey checks that
// chain, then that the slot certifies exactly the TUF key that goes into
// the metadata, on the device and with the policies the plan asks for.
//
// A YubiHSM 2 key attestation is one certificate, issued by the device's
// attestation certificate, which a Yubico YubiHSM Sub-CA issued.
// VerifyYubiHSM checks the first link and reads Yubico's extensions
// (serial, firmware, origin, capabilities, object ID, label); it says
// plainly when the device certificate does not chain to the roots given
// (this package holds no YubiHSM root yet), and never calls that attested.
//
// yubico/ holds Yubico's published attestation certificates, byte for
// byte: the PIV root CA (piv-attestation-ca.pem), the U2F root that
// certified YubiKeys made before mid-2017 (u2f-root-ca.pem), and the
// attestation root and intermediates of 2024 (yubico-ca-1.pem,
// yubico-intermediate.pem), all from developers.yubico.com/PKI and
// developers.yubico.com/PIV/Introduction/PIV_attestation.html.
package attestation
