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
// attestation certificate, which a Yubico YubiHSM Sub-CA issued under the
// Yubico YubiHSM Root CA. Examine checks the first link, reads Yubico's
// extensions (serial, firmware, origin, capabilities, object ID, label)
// and verifies the chain from the key attestation; it says plainly when
// the device certificate does not chain to the roots, and never calls
// that attested.
//
// Examine reads either kind from its certificates (the key's, the
// device's, then any intermediates), Attested.Problems says what keeps it
// from attesting the key a plan names; Read examines the PEM a workspace
// keeps, and Verify checks it against a key too: one seam for init, sign,
// the device check and the auditor.
//
// yubico/ holds Yubico's published attestation certificates, byte for
// byte: the PIV root CA (piv-attestation-ca.pem), the U2F root that
// certified YubiKeys made before mid-2017 (u2f-root-ca.pem), and the
// attestation root and intermediates of 2024 (yubico-ca-1.pem,
// yubico-intermediate.pem), all from developers.yubico.com/PKI and
// developers.yubico.com/PIV/Introduction/PIV_attestation.html; and the
// YubiHSM 2 attestation root (yubihsm-root-ca.pem, Yubico's
// YubiHSM2/Concepts/yubihsm2-attest-ca-crt.pem, SHA-256 of its DER
// 094a3ac4…392fb724) with the Sub-CA that issued the device certificates
// of PyPI's YubiHSM 2 devices (yubihsm-sub-ca-E45D….pem, named after its
// subject key identifier as Yubico publishes it). A YubiHSM 2 whose
// device certificate another Sub-CA issued needs that Sub-CA given beside
// its attestation; the chain still ends at this root.
package attestation
