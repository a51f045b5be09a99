// Package p11 is the PKCS#11 backend: keys named by RFC 7512 URIs such as
//
//	pkcs11:token=root-1;object=alice?module-path=/usr/lib/softhsm/libsofthsm2.so
//
// are generated on the token, read and used to sign through the token's
// PKCS#11 module (SoftHSM2, YubiHSM 2, Nitrokey HSM through OpenSC, YubiKey
// through ykcs11 ...), loaded with github.com/miekg/pkcs11.
//
// # Naming a key
//
// A URI names its module by module-path (an absolute path: nothing is
// assumed, only Devices searches well-known places), its token by token
// (label) and/or serial, which must match exactly one token (slot numbers
// change between runs and are never used), and its key by object (label)
// and/or id (percent-encoded bytes), which must match exactly one key.
// manufacturer, model and type=private are accepted; pin-source=FILE gives
// the PIN to scripts. Devices lists every token and key with a URI to
// paste.
//
// # PIN policy
//
// The PIN is asked once, through keys.Prompter (or read from pin-source),
// with the tries left when the token's flags tell them (CKF_USER_PIN_FINAL_TRY:
// 1). Nothing here retries a PIN: a wrong PIN ends the operation with an
// error that says so (and that the next wrong PIN blocks the token when the
// flags say so); a blocked PIN (CKF_USER_PIN_LOCKED, CKR_PIN_LOCKED) is
// reported before any PIN is asked. The PIN never appears in an error or a
// log. Keys that demand a PIN for each signature (CKA_ALWAYS_AUTHENTICATE,
// as ykcs11's slot 9c) ask for it before each signature. PKCS#11 logs in
// an application, not a session: while one Signer of this process is open
// on a token, opening another key on it asks no PIN. Close signers when
// done (ceremony.Sign does).
//
// SoftHSM2 2.6 never blocks a user PIN: it answers CKR_PIN_INCORRECT
// forever and only sets CKF_USER_PIN_COUNT_LOW until the next good PIN.
// Hardware tokens count, and lock.
//
// # Conventions of some tokens
//
// A token is told apart by what it says of itself (manufacturer, model),
// and some follow conventions of their own (convention.go). A YubiHSM 2
// (yubihsm_pkcs11) takes as its PIN the authentication key's ID in 4 hex
// digits followed by its password, 8 to 64 characters, and shows no object
// before login: PublicKey says so with keys.ErrKeysAfterLogin, and the key
// is read once a Signer is open. A Nitrokey HSM 2 (OpenSC's SmartCard-HSM)
// takes a user PIN of 6 to 15 characters. The prompt is told the form, and
// a PIN of another form is not sent. Before signing, the module's
// mechanism list must name the mechanism the key signs with.
//
// # Keys made here
//
// Generate makes Ed25519, ECDSA P-256 or P-384 key pairs on the token:
// private halves CKA_TOKEN, CKA_PRIVATE, CKA_SENSITIVE, not CKA_EXTRACTABLE,
// sign only; public halves public, so that the public key is read without a
// PIN. It refuses a label or an ID that any object on the token already
// has (PKCS#11 itself allows duplicates, and a second pair under the same
// CKA_ID gets paired with the wrong half), takes a random CKA_ID from the
// token when the URI gives none, and signs a test message with the new key
// before returning it.
//
// # Mechanisms
//
// ECDSA signs the digest keys.SignMessage passes (CKM_ECDSA) and the raw
// r||s (fixed length, each half zero-padded, as SoftHSM2, yubihsm_pkcs11
// and OpenSC give it) is turned into ASN.1 DER, as TUF wants. Ed25519 uses the PKCS#11 3.0
// Edwards mechanisms (CKM_EC_EDWARDS_KEY_PAIR_GEN, CKM_EDDSA over the message
// itself), which SoftHSM2 2.6 implements; crypto11 has no Ed25519 at all,
// which is one reason this package talks to the module directly.
//
// # Concurrency and lifetime
//
// A module is loaded (C_Initialize) once per process and shared; it is
// finalized and unloaded when the last user releases it. Every call into a
// module holds that module's mutex: tokens and cards fail on concurrent
// use. A Signer holds one session open until Close.
package p11
