// Package rstuf writes and checks the payloads RSTUF (Repository Service for
// TUF, the online server PyPI runs) takes from an offline ceremony, and signs
// what RSTUF says is pending signing.
//
//   - Bootstrap: {"settings": {"roles": {...}}, "metadata": {"root": ...},
//     "timeout": N}, POST /api/v1/bootstrap/.
//   - Update: {"metadata": {"root": ...}}, a new root version,
//     POST /api/v1/metadata/.
//   - Sign: {"signature": {"keyid": ..., "sig": ...}, "role": ...}, one
//     signature for metadata RSTUF holds pending, POST /api/v1/metadata/sign/;
//     the pending metadata comes from GET /api/v1/metadata/sign/, saved to a
//     file and carried to the offline machine (ParsePending).
//
// The signed root goes into a payload byte for byte: "signed" is copied from
// the metadata file as it is, never decoded and re-encoded, so the bytes the
// keyholders signed are the bytes RSTUF gets.
//
// Every payload is checked before it is handed over, by RSTUF's own rules
// (read in RSTUF's source: the API's pydantic models, the worker that
// bootstraps and verifies, and the CLI that runs RSTUF's own ceremony) and a
// few of ours where RSTUF would accept a payload and then fail on it later.
// A payload RSTUF would refuse, or would take and then break on, is refused
// here first, with every problem named by its field path:
//
//	metadata.root.signed.roles.root.threshold: is 1, RSTUF requires at least 2; ...
//
// Where RSTUF accepts less than we do, this package is stricter on purpose:
// RSTUF takes a bootstrap or an update signed below threshold and holds it
// pending further signatures (its "distributed asynchronous signing"); the
// ceremony hands over only metadata whose thresholds are met.
package rstuf
