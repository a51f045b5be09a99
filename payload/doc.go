// Package payload is signing across workstations. A workspace exports, for
// one role, a signing payload (File): a self-describing file with the
// role's metadata, the metadata that says who may sign it, and the hash of
// the canonical bytes to sign. A keyholder signs it on their own machine
// (Sign), which gives a signature file (SignatureFile); the workspace
// imports signature files (ceremony's ImportSignatures), checking each
// against its own metadata and rules, and commits each accepted signature
// through the transcript as signing there does. SignRSTUFPending signs a
// saved RSTUF "pending signing" answer the same way.
//
// Payloads and signature files come from elsewhere: they are read as
// hostile input (size limits, strict decoding, no duplicate keys, no
// trailing data), and nothing in them is trusted that can be checked.
package payload
