// Package audit is the auditor's side: it checks what a ceremony produced
// without trusting the machine it ran on. VerifyWorkspace and VerifyBundle
// check metadata as a TUF client would (every root in the chain, every
// threshold, every delegation) together with the transcript, the
// attestations and what the workspace's kind adds; ReplayBundle replays the
// ceremony from a bundle alone; Report lists every hash as hex and as PGP
// words to read aloud.
//
// It imports no hardware package and builds without cgo, so an auditor can
// build the verifier on any machine (the command's auditor's build,
// CGO_ENABLED=0). Each kind of ceremony checks its own bundles through
// Verifier, built from the checks here (VerifyRootBundle) or in
// ceremony/delegated.
package audit
