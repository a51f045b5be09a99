// Package rehearsal builds a rehearsal lab: simulated ceremony hardware in
// a directory, so that a new administrator can practice a whole bootstrap
// ceremony on any laptop, with the same PIN prompts, device checks and
// wrong-device errors as on the day.
//
// Everything that exists only for rehearsals and tests lives under this
// directory and nothing that signs a real ceremony imports it (a layout
// test checks): the lab (this package), the virtual YubiKey (vyubikey),
// the private pcscd with virtual readers (vpcsc), the scripted demo with
// throwaway keys (demo), the later ceremonies a rehearsal can practise
// from a finished bootstrap (scenario) and the simulated online side that
// publishes a repository from a ceremony's output (publish).
//
//	lab, err := rehearsal.Setup(dir, "pep458") // dir/plan.yaml, keys, tokens
//	// or, in a later process: lab, err := rehearsal.Open(dir)
//	defer lab.Close()
//	eng := kinds.Engine(lab.Keys())
//	bootstrap.Init(eng, bootstrap.Options{Plan: lab.PlanPath(), Dir: ws})
//	lab.Insert(alice.Serial) // alice's virtual YubiKey, in the one reader
//	eng.Sign(ceremony.SignOptions{Dir: ws, KeyURI: alice.URI, Prompter: p})
//
// # What is in the lab
//
// Five keyholders, each with a practice secret (Holder.Secret, to show on
// the rehearsal screen):
//
//   - alice (ECDSA P-256) and bob (Ed25519) on virtual YubiKeys 5.7
//     (rehearsal/vyubikey) behind a private pcscd: keys made on the card in slot
//     9c, PIN policy always, touch policy always, the factory PIN, PUK and
//     management key replaced, as 'ceremony keygen' does on a real one; the
//     attestation of each key, under a virtual attestation root the plan
//     names in rehearsal.attestation_roots, and required by the plan;
//   - carol (ECDSA P-384) and dave (Ed25519) on SoftHSM2 tokens "carol" and
//     "dave", in a SoftHSM2 configuration of the lab's own;
//   - erin (Ed25519) with a passphrase-encrypted key file, keys/erin.key.
//
// Every key has its public key file and its keygen evidence beside it, so
// the transcript of a rehearsal starts with keygen records, as a real one
// does. dir/plan.yaml names them all: root 3 of 5, targets 2 of 3 (alice,
// bob, carol; online for rstuf), claimed 2 of 3 for pep480 (the same three),
// 16 bins, and an online key (a key file made for the online roles; for
// rstuf with its uri, fn:online.key).
//
// Practice secrets are never written into the plan, into the URIs the
// ceremony is given, or anywhere in the lab once Setup returns: the files
// keygen reads them from are removed. The one exception is each virtual
// YubiKey's memory, dir/yubikeys/SERIAL.json (mode 0600), which holds its
// keys, PIN and PUK in the clear, as a card's chip does. Each YubiKey
// has a practice PUK too (Holder.PUK), to practise unblocking a blocked
// PIN; the YubiKeys' management keys and the tokens' SO PINs are nobody's
// to know.
//
// # Stopping and carrying on
//
// Setup writes dir/lab.json last, so a directory holding it is a whole
// lab. Open(dir) opens such a lab again in a later process: a new private
// pcscd, each virtual YubiKey restored from its memory (saved after every
// command that may change it, so a PIN try spent before a kill stays
// spent), the SoftHSM2 tokens and key files where they were. A rehearsal
// stopped at any instant carries on from its workspace.
//
// As on the day, a YubiKey's PIN blocks after 3 wrong tries (its practice
// PUK unblocks it; 3 wrong PUKs, and that lab is done: set up a new one),
// and each signature asks for the PIN and a touch. The virtual card takes the touch at once, or, once
// PracticeTouch(true), waits up to 15 seconds for Touch: the rehearsal's
// key press standing for the finger. SoftHSM2 never blocks a PIN.
//
// # One reader, one card at a time
//
// The ceremony sees one reader into which Insert puts one virtual YubiKey
// at a time, pulling out the one there, as at a laptop with one USB port; a
// wrong card is then a real wrong card, and the yubikey backend names its
// serial. The other readers of the private pcscd stay empty. When Setup
// returns, no card is in.
//
// # Process-wide settings
//
// Setup points this process's PC/SC at the lab's private pcscd (started
// with rehearsal/vpcsc) by setting PCSCLITE_CSOCK_NAME, which libpcsclite
// reads once, at its first call in the process: call Setup before anything
// in the process talks to PC/SC (listing devices, opening a yubikey: key), and set up one
// lab per process; a second Setup is refused. Setup also sets SOFTHSM2_CONF
// to the lab's SoftHSM2 configuration; SoftHSM2 reads it when its module is
// loaded, so load no SoftHSM2 module before Setup. The lab's keys open
// through Keys: the yubikey and pkcs11 backends, handed to the engine.
//
// The lab needs pcscd, vpcd (vsmartcard-vpcd), softhsm2-util and SoftHSM2's
// module, and root or unprivileged user namespaces for the private pcscd
// (scripts/setup installs the rest). When any is missing, Setup fails at
// once with one line naming it; it never leaves a part out.
package rehearsal
