// Package transcripts keeps the tamper-evident record of a ceremony: one
// record per action (init, keygen, attestation checked, signature, refusal,
// error, the operator's note, bundle, seal, resume), each on disk before the
// step it records counts as done, each chained to the one before by
// SHA-256, so that an auditor can replay the ceremony from the transcript
// and the metadata states it names.
//
// # Layout
//
//	DIR/
//	  transcript.jsonl             one record per line
//	  states/<sha256>.json         whole metadata files the records name
//	  states/<sha256>.delta.json   or a file as its difference from a whole
//	                               one (a large role's states but its last;
//	                               statedelta.go, rebase.go)
//	  torn/<seq>-<sha256>.partial  torn records ResumeTorn set aside
//
// # Records
//
// A record is one line of compact JSON ending in "\n", its keys sorted at
// every level, nothing escaped that JSON does not require (no \u003c for
// "<"). For example (one line in the file):
//
//	{"device":{"firmware":"5.7.1","kind":"yubikey","model":"YubiKey 5C NFC","serial":"19088743"},
//	 "inputs":{"root":"abab..."},"kind":"sign","prev":"5d1e...","seq":7,
//	 "signature":{"keyid":"2f2f...","role":"root","sig":"3045..."},
//	 "states":{"root":"c0ff..."},"time":"2026-03-14T08:26:53.589793Z","who":"alice"}
//
// seq counts from 1 without gaps; time is UTC; kind is one of a closed set
// (Kind); who names the keyholder or witness; device the device (kind file,
// pkcs11 or yubikey, model, serial, firmware); inputs and outputs name files
// by SHA-256; states give each role's whole metadata file after the step by
// SHA-256, kept in states/ (whole, or as a difference that rebuilds it); signature is the signature made; message is a
// refusal's reason, an error, or the operator's note. A record has exactly
// one encoding: Verify decodes every line, encodes it again and requires
// the same bytes, so a line reformatted, reordered or padded is a changed
// line.
//
// # The chain
//
// prev is the SHA-256 of the previous record's line, newline included, ""
// for record 1: an auditor with nothing but coreutils checks a link with
// `sed -n 4p transcript.jsonl | sha256sum`, which prints record 5's prev.
// Changing, removing, moving or inserting a record breaks the link to every
// record after it. Head is the hash of the last line.
//
// The chain cannot show a change to the last record, or records cut off the
// end: nothing follows them. Nor, by itself, a forger who writes every
// record after a change again. What closes both is an anchor: the head
// written down outside the transcript as the ceremony goes (read aloud and
// noted by a witness after each step, printed on the script, carried in the
// bundle after the seal). Verify takes anchors and names the first record
// they do not match. A flipped byte anywhere, a removed, swapped or
// inserted record is then pinned on the record it hit (the tests do this
// for every byte of a transcript). Without an anchor the same holds for
// every record but the last, a change to which may go unseen (or, if it
// hit the last record's prev, be put on the record before it).
//
// Verify names the first record that does not hold and why: a record whose
// line is not a record, whose number is not the next, whose prev is not the
// hash of the record before, whose states are missing or changed, that
// follows a seal, or whose hash is not its anchor. When a prev does not
// match, either the record before or this record's prev was changed; the
// record after this one tells which (it names this record's hash if this
// record is intact), and for the last record its anchor does.
//
// # States
//
// PutState stores a whole metadata file under its SHA-256, atomically and
// fsync'd, and Append refuses a record naming a state that is not stored,
// so a record never names a state a crash could lose. PutStateAfter stores
// a large state that differs from the one before in a small part (a
// signature) as that difference; it is still named by the SHA-256 of the
// whole, and every reader rebuilds and hashes it. A signature of a large
// role whose state before is whole stores its state whole instead, as a
// second name of the signed metadata it stages (PutStateStaged), and
// Rebase then stores the states before as differences from it: the
// workspace holds the role's bytes once, in its metadata file. Open
// checks that the states the records name are present; Verify hashes
// each of them.
//
// # Crash safety
//
// Append writes the record's line in one write to the end of the file
// (O_APPEND) and fsyncs it (and the directory, the first time) before it
// returns: a step counts as done only once Append has returned. A kill or
// power cut at any instant leaves every record appended before it whole
// (each was fsync'd before the next was written); at most the record being
// written is torn: its line has no newline, or is not JSON (the unsynced end
// of a file can come back as zeros).
//
// A torn record is never dropped or repaired silently. Open and Verify
// return a *TornError naming it (the number it would have had, where it
// starts) and leave the file byte for byte as it was. ResumeTorn is the
// explicit way on: it copies the torn bytes to torn/, cuts the file back to
// its last whole record and appends a Resume record naming the piece it set
// aside; each of its steps may be interrupted and ResumeTorn run again.
// Verify checks each piece a resume record names, and reports one no record
// names.
//
// After a failed write or fsync the Transcript refuses every later append:
// the kernel may have dropped the unwritten pages, and a second fsync could
// report success for data that never reached the disk.
//
// # Using it in a ceremony step
//
// The transcript is the ceremony's write-ahead log: a record is the commit
// point of its step. A signature:
//
//  1. sign, and verify the signature (keys.SignMessage);
//  2. PutState the new metadata file;
//  3. Append the Sign record (inputs: the role's state before; states: the
//     new one; the signature, the device, who);
//  4. write metadata/ROLE.json.
//
// Killed before 3, the signature is lost and the step is not done; killed
// between 3 and 4, the next command finds the metadata at the record's
// input state and writes State(LastStates()[role]) in its place: nothing
// done is lost. Metadata at neither state was changed outside the
// ceremony and is refused.
//
// # Secrets
//
// No PIN, passphrase or private key may enter a transcript. The ceremony
// registers every secret it handles with ForbidSecret as soon as it has it.
// Append replaces the secret, its hex (either case) or the hex of its
// SHA-256 anywhere in the message, and in a failure's (Error, Refusal) who
// and device model, serial and firmware, by RedactedMark, and lists the
// field in the record's Redacted: the record of a failure whose message
// quotes what was typed is kept. It refuses, before writing anything, a
// record holding a secret in another record's who or device, in a name (of
// inputs, outputs, states; the signature's role) or as the whole of a hex
// field (hex fields are not searched inside: a short PIN's digits
// turn up in hashes by chance). A PEM private key is refused in any record
// and any state. The refusal names the
// field, never its content. The guard keeps no copy of a secret: only its
// lengths and a SHA-256 of each form keyed by a random key, wiped by Close.
// That digest, like any hash of a short PIN, can be matched by trying every
// PIN: it keeps a readable copy out of memory, not a guessable one.
//
// # Concurrency
//
// One writer per transcript: Create, Open and ResumeTorn take an exclusive
// flock on the file, held until Close (the kernel releases it if the
// process dies); another Transcript on the same directory, in this process
// or another, waits up to LockWait for it, then gets an *InUseError
// (errors.Is ErrInUse) naming the process that holds it where the system
// says (Linux's /proc/locks: its program and subcommand, nothing more). A Transcript's methods are safe for concurrent
// use: appends are serialized, each chained to the one before. Verify reads
// without the lock; run while a command appends, it may see the record
// being written as torn.
package transcripts
