// Package claims holds PEP 480 claim requests: a project's maintainers
// asking PyPI's administrators to delegate the project, from the offline
// claimed role, to keys only they hold.
//
// A claim request is one JSON file (Request). Its heart is a DSSE envelope
// whose payload is a Statement (the project's PEP 503 name, the maintainers'
// public keys, the threshold, the date) and which every one of those keys
// has signed: the proof that whoever asks holds each key. Keys on YubiKeys
// add their attestation (the device's certificate chain to Yubico), keyed by
// key ID. Nothing else in the file is trusted: a file changed after signing
// fails its proof.
//
// Review reads a directory of requests against the claimed role as it
// stands and says, per file, what a claims ceremony would do with it, and
// why it refuses what it refuses. Delegation turns an accepted Claim into
// the claimed role's delegation to the project, over ProjectPaths: the
// project's distribution files in every spelling of its name, a version
// digit required after it, so that one project's terminating delegation
// never takes another's files (see ProjectPaths for the one overlap no
// glob can avoid, and the delegation order it asks of claimed).
package claims

import (
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/attestation"
)

// Claim is a verified claim request: what a claims ceremony adds to the
// claimed role.
type Claim struct {
	// Project is the PEP 503 normalized name, also the delegated role's name.
	Project string
	// Keys are the maintainers' public keys by key ID (SHA-256 of the
	// canonical key).
	Keys map[string]*metadata.Key
	// Threshold is how many of Keys must sign the project's targets.
	Threshold int
	// Date is when the maintainers signed the request.
	Date time.Time
	// File is where the request was read from; SHA256 is the hex SHA-256 of
	// its bytes, as the transcript and the bundle record it.
	File   string
	SHA256 string
	// Attested is what each attested key's YubiKey attestation says
	// (device serial, firmware, slot, PIN and touch policies), by key ID;
	// keys without an attestation are not in it.
	Attested map[string]*attestation.YubiKey
}
