// Package delegated is what the claims ceremony and a project's ceremony
// share: both sign one role that a trusted role delegates, keep the
// trusted metadata they started from, and keep files of their own that
// their init record names by hash. It holds their init record, the checks
// replay and verify make of their files, the verification of their
// bundles, and the claims workspace's files a project ceremony reads.
package delegated
