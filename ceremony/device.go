package ceremony

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/attestation"
	"github.com/tuf-ceremony/ceremony/internal/hint"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// DeviceCheck is what CheckDevice found for a keyholder: whether the
// device that holds their key is here, whether it is the right one, and
// what its attestation says. It is read without any PIN.
type DeviceCheck struct {
	Holder string
	// Kind is the key's URI scheme: "yubikey", "pkcs11" or "file".
	Kind string
	// Device says what the keyholder must present, as said aloud:
	// "YubiKey serial 19088743", "PKCS#11 token carol", "key file k.key".
	Device string
	// Present: the device (or file) is here and holds the keyholder's key.
	Present bool
	// Others are the devices present instead, named with their holders
	// when the workspace knows them: "YubiKey serial 7 (bob's)".
	Others []string
	// PINTries is the device's PIN tries left, -1 when it does not say.
	PINTries int
	// Attested is the device attestation the workspace keeps for the key,
	// verified again now; nil when the key has none.
	Attested *attestation.Attested
	// Note says what is left to check once the PIN is given, "" if
	// nothing.
	Note string
	// Problem says why the key cannot be used as it is, with what to do;
	// "" when Present. Hints are the commands that do it (package hint).
	Problem string
	Hints   []string
}

// CheckDevice looks for the device of the keyholder's key keyID. Nothing
// is signed, no secret is asked and nothing is written: it is what the
// ceremony runs while it waits for a keyholder to insert their device.
func (e *Engine) CheckDevice(dir, keyID string) (*DeviceCheck, error) {
	ws, err := workspace.Open(dir)
	if err != nil {
		return nil, err
	}
	entry, ok := holderEntry(ws, keyID)
	if !ok {
		return nil, fmt.Errorf("workspace %q has no keyholder's or witness's key %s", dir, AbbrevHash(keyID))
	}
	if entry.URI == "" {
		return nil, fmt.Errorf("%s: %s's key %s has no URI (it is not in the plan): give its key URI when signing", filepath.Join(dir, workspace.StateFile), entry.Holder, AbbrevHash(keyID))
	}
	u, err := keys.ParseURI(entry.URI)
	if err != nil {
		return nil, fmt.Errorf("%s: %s's key: %w", filepath.Join(dir, workspace.StateFile), entry.Holder, err)
	}
	dc := &DeviceCheck{Holder: entry.Holder, Kind: u.Scheme, Device: DeviceName(entry.URI), PINTries: -1}
	if u.Scheme == "yubikey" {
		return dc, checkYubiKey(e.keys, ws, entry, u, dc)
	}
	pub, err := e.keys.PublicKey(entry.URI)
	if errors.Is(err, keys.ErrKeysAfterLogin) {
		// Here, but its key is read only once the PIN is given: signing
		// checks it is the keyholder's before anything is signed.
		dc.Present = true
		dc.Note = fmt.Sprintf("%s shows its keys only after the PIN: the key is checked to be %s's %s once it is given, before anything is signed", dc.Device, dc.Holder, AbbrevHash(entry.KeyID))
		if entry.Attestation == "" {
			return dc, nil
		}
		return dc, verifyHeld(ws, entry, nil, dc)
	}
	if err != nil {
		dc.Problem, dc.Hints = fmt.Sprintf("%s is not here: %v", dc.Device, err), hint.Commands(err)
		return dc, nil
	}
	if err := matchKey(dc, entry, pub); err != nil || !dc.Present || entry.Attestation == "" {
		return dc, err
	}
	return dc, verifyHeld(ws, entry, pub, dc)
}

// checkYubiKey fills dc for a key on a YubiKey: the device with the URI's
// serial, or the devices present instead.
func checkYubiKey(b *keys.Backends, ws *workspace.Workspace, entry workspace.KeyEntry, u *keys.URI, dc *DeviceCheck) error {
	want, _ := strconv.ParseUint(u.Attrs["serial"], 10, 32)
	devs, err := b.Devices("yubikey")
	if err != nil {
		dc.Problem = err.Error()
		return nil
	}
	var found *keys.Device
	for i, d := range devs {
		if d.Serial == strconv.FormatUint(want, 10) {
			found = &devs[i]
			continue
		}
		serial, _ := strconv.ParseUint(d.Serial, 10, 32)
		dc.Others = append(dc.Others, describeOther(ws, uint32(serial)))
	}
	if found == nil {
		if len(dc.Others) > 0 {
			dc.Problem = fmt.Sprintf("that is not %s's YubiKey: %s wants %s; take it out and insert the right one", dc.Holder, dc.Holder, dc.Device)
		} else {
			dc.Problem = fmt.Sprintf("no YubiKey is inserted: %s, insert %s", dc.Holder, dc.Device)
		}
		return nil
	}
	if found.Err != nil {
		dc.Problem = fmt.Sprintf("%s is inserted but cannot be read: %v", dc.Device, found.Err)
		return nil
	}
	dc.PINTries = found.PINTries
	slot := u.Attrs["slot-id"]
	pub := found.Slots[slot]
	if pub == nil {
		dc.Problem = fmt.Sprintf("%s holds no key in slot %s", dc.Device, slot)
		return nil
	}
	if err := matchKey(dc, entry, pub); err != nil || !dc.Present {
		return err
	}
	if entry.Attestation != "" {
		if err := verifyHeld(ws, entry, pub, dc); err != nil || !dc.Present {
			return err
		}
	}
	if dc.PINTries == 0 {
		dc.Present = false
		dc.Problem = fmt.Sprintf("%s's PIN is blocked: unblock it with the PUK (ykman piv access unblock-pin) before signing", dc.Device)
	}
	return nil
}

// verifyHeld verifies again the attestation the workspace keeps for the
// key (VerifyKept: the device kind and serial its URI names) and for the
// key present (pub), when it could be read; one that does not hold makes
// the key unusable.
func verifyHeld(ws *workspace.Workspace, entry workspace.KeyEntry, pub *metadata.Key, dc *DeviceCheck) error {
	a, err := VerifyKept(&ws.State, entry, pub)
	if err != nil {
		dc.Present = false
		dc.Problem = fmt.Sprintf("%s's attestation does not hold for %s: %v", dc.Holder, dc.Device, err)
		return nil
	}
	dc.Attested = a
	return nil
}

// matchKey marks dc present when pub is the keyholder's key.
func matchKey(dc *DeviceCheck, entry workspace.KeyEntry, pub *metadata.Key) error {
	id, err := keys.ID(pub)
	if err != nil {
		return fmt.Errorf("key of %s: %w", dc.Device, err)
	}
	if !keys.IDMatches(entry.KeyID, pub) {
		dc.Problem = fmt.Sprintf("%s holds key %s, not %s's key %s: wrong device or key file", dc.Device, AbbrevHash(id), dc.Holder, AbbrevHash(entry.KeyID))
		return nil
	}
	dc.Present = true
	return nil
}

// describeOther names a YubiKey present instead of the one asked for.
func describeOther(ws *workspace.Workspace, serial uint32) string {
	name := fmt.Sprintf("YubiKey serial %d", serial)
	for _, k := range ws.State.Keys {
		if u, err := keys.ParseURI(k.URI); err == nil && u.Scheme == "yubikey" && u.Attrs["serial"] == strconv.FormatUint(uint64(serial), 10) {
			return fmt.Sprintf("%s (%s's)", name, k.Holder)
		}
	}
	return name
}

// DeviceName says what holds the key a URI names, as people say it.
func DeviceName(uri string) string {
	u, err := keys.ParseURI(uri)
	if err != nil {
		return uri
	}
	switch u.Scheme {
	case "yubikey":
		if s := u.Attrs["serial"]; s != "" {
			return "YubiKey serial " + s
		}
		return "the YubiKey"
	case "pkcs11":
		name := "the PKCS#11 token"
		if t := u.Attrs["token"]; t != "" {
			name = fmt.Sprintf("PKCS#11 token %q", t)
		}
		if s := u.Attrs["serial"]; s != "" {
			name += " serial " + s
		}
		return name
	case "file":
		return "key file " + u.Path
	}
	return uri
}

// holderEntry finds a keyholder's or a witness's key (a witness's device
// is checked before it seals), never the online key.
func holderEntry(ws *workspace.Workspace, keyID string) (workspace.KeyEntry, bool) {
	for _, k := range ws.State.Keys {
		if k.KeyID == keyID && !k.Online {
			return k, true
		}
	}
	return workspace.KeyEntry{}, false
}
