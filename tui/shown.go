package tui

import (
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/internal/safetext"
)

// shownStatus is st as the app shows it: every text people read (the
// repository, the workspace, warnings, names, contacts, devices, role
// names, who signed and who must) escaped by safetext, so that a
// workspace's ceremony.json drives no terminal. Key URIs and key IDs,
// which open and match keys, are kept as they are.
func shownStatus(st *ceremony.Status) *ceremony.Status {
	return safetext.EscapeAll(st, "URI", "KeyID")
}

// shownCheck is a device check as the app shows it: what the device and
// its attestation say of themselves (names, firmware, policies, the other
// devices inserted) escaped.
func shownCheck(c *ceremony.DeviceCheck) *ceremony.DeviceCheck {
	return safetext.EscapeAll(c, "URI", "KeyID")
}

// shownSignResult is what a signing reports, escaped as shown.
func shownSignResult(r *ceremony.SignResult) *ceremony.SignResult {
	return safetext.EscapeAll(r, "URI", "KeyID")
}
