// Package keys holds the one signer interface of the ceremony and everything
// that turns key material into TUF keys.
//
// Every kind of key (an encrypted file for rehearsals, a YubiKey PIV slot, a
// PKCS#11 object in an HSM) is named by a URI and opened into a Signer. A
// Signer is a crypto.Signer that also knows its URI and its TUF public key;
// SignMessage is the single adapter from a Signer to a TUF signature, so the
// hashing rules per scheme live in one place.
//
// Secrets (passphrases and PINs) are asked for through a Prompter that the
// caller supplies: the terminal, the TUI and the tests each bring their own.
// Nothing in this package retries a secret by itself: a wrong PIN is reported
// to the caller, who decides whether to ask again.
//
// Key IDs of keys we produce are the SHA-256 of the canonical JSON of the
// key's core fields (keytype, scheme, keyval), computed before any vendor
// "x-" fields are added, as RSTUF and tuf-on-ci do. Metadata made by others
// is taken with the key IDs it carries.
package keys
