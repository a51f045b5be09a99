package main

// devicesJSON is what 'ceremony devices --json' prints: the YubiKeys and
// PKCS#11 tokens connected, and why either could not be looked at (which
// is never "none connected").
type devicesJSON struct {
	YubiKeys []yubiKeyJSON `json:"yubikeys"`
	// YubiKeysError says why YubiKeys could not be looked for (pcscd not
	// running, for one).
	YubiKeysError string `json:"yubikeys_error,omitempty"`
	// NoModule says no PKCS#11 module was given or installed in the
	// well-known places: nothing to look with.
	NoModule bool        `json:"no_module,omitempty"`
	Tokens   []tokenJSON `json:"tokens"`
	// TokensError says why not every PKCS#11 module could be looked at.
	TokensError string `json:"tokens_error,omitempty"`
}

// yubiKeyJSON is one YubiKey.
type yubiKeyJSON struct {
	Serial   uint32 `json:"serial"`
	Firmware string `json:"firmware"`
	Reader   string `json:"reader"`
	// Error says why its PIN tries and keys could not be read.
	Error    string `json:"error,omitempty"`
	PINTries int    `json:"pin_tries"`
	// Factory names the credentials still at their factory values ("PIN",
	// "PUK", "management key"): a ceremony refuses the device until they
	// are changed.
	Factory []string   `json:"factory"`
	Slots   []slotJSON `json:"slots"`
}

// slotJSON is the key in one PIV slot.
type slotJSON struct {
	Slot        string `json:"slot"`
	Scheme      string `json:"scheme"`
	KeyID       string `json:"keyid"`
	PINPolicy   string `json:"pin_policy"`
	TouchPolicy string `json:"touch_policy"`
	URI         string `json:"uri"`
}

// tokenJSON is one PKCS#11 token.
type tokenJSON struct {
	Label        string `json:"label"`
	Serial       string `json:"serial"`
	Manufacturer string `json:"manufacturer"`
	Model        string `json:"model"`
	Status       string `json:"status"`
	Module       string `json:"module"`
	// Error says why its keys could not be listed.
	Error string         `json:"error,omitempty"`
	Keys  []tokenKeyJSON `json:"keys"`
}

// tokenKeyJSON is one key on a token.
type tokenKeyJSON struct {
	Type string `json:"type"`
	// ID is the key's CKA_ID in hex; KeyID its TUF key ID, "" for a key of
	// a type TUF has no scheme for.
	ID    string `json:"id"`
	KeyID string `json:"keyid,omitempty"`
	URI   string `json:"uri"`
}
