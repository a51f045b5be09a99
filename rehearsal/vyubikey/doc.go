// Package vyubikey is a virtual YubiKey 5 for tests and ceremony rehearsals:
// a PIV card in Go that plugs into vpcd (Debian's vsmartcard-vpcd), so that
// the real pcscd and the real piv-go drive it exactly as they drive a
// YubiKey.
//
//	ca, _ := vyubikey.NewCA()
//	card, _ := vyubikey.New(vyubikey.Options{Serial: 19088743, Attestation: ca})
//	card.Connect("127.0.0.1:35963") // pcscd sees a card in "Virtual PCD 00 00"
//	defer card.Close()
//
// (with Debian's /etc/reader.conf.d/vpcd and the system pcscd). Tests use
// internal/testutil/pcsctest instead, which runs a private pcscd with vpcd readers
// and inserts cards into them.
//
// The card speaks what piv-go v2.6.0 sends to a YubiKey 5 with firmware 5.7:
// SELECT of the PIV, management and OTP applets; VERIFY (and the empty
// VERIFY that asks for the tries left), CHANGE REFERENCE DATA and RESET
// RETRY COUNTER of PIN and PUK, with retry counters and blocking; GENERAL
// AUTHENTICATE for the management key (AES-192 by factory default on 5.7,
// AES-128/256 or 3DES) and for signing (ECDSA P-256 and P-384 over the
// digest sent, answered in DER; Ed25519 over the message); GENERATE with
// PIN and touch policies; IMPORT; GET DATA and PUT DATA; Yubico's GET
// VERSION, GET SERIAL, GET METADATA (with the "default value" flags of PIN,
// PUK and management key), ATTEST, SET MANAGEMENT KEY, SET PIN RETRIES and
// RESET; command chaining and GET RESPONSE. RSA, X25519 and the Bio policies
// are not implemented.
//
// As on a YubiKey: a key with PIN policy "always" needs a VERIFY as the
// command right before each use, "once" a VERIFY in the session; a SELECT,
// a reset or pulling the card ends the session. A command's data (chained
// parts together) may not exceed the YubiKey's 3072-byte buffer, which caps
// an Ed25519 message at a little over 3 KB. Touches are not waited for by
// default: the card counts them (Touches), can pause for
// Options.TouchDelay, and waits for Options.Touch (a key press standing
// for the touch, in a rehearsal).
//
// Save gives the card's memory (keys in the clear, PIN, PUK, tries left)
// and Restore makes the same card from it; Options.Saved is handed that
// memory after every command that may change it, so a card can outlive
// its process, as a rehearsal that is stopped and resumed needs.
//
// Attestation mirrors Yubico's chain: a root (CA, in the place of Yubico's
// PIV root) signs each card's F9 certificate "Yubico PIV Attestation" with
// the card's serial and firmware; ATTEST makes "YubiKey PIV Attestation 9c"
// under it with Yubico's extensions for firmware, serial, PIN and touch
// policy and form factor, so piv.Verifier{Roots: ca.Pool()} accepts it.
package vyubikey
