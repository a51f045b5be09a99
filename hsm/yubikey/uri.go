package yubikey

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/go-piv/piv-go/v2/piv"

	"github.com/tuf-ceremony/ceremony/keys"
)

// target is what a yubikey: URI names.
type target struct {
	uri    *keys.URI
	serial uint32 // 0: the one YubiKey present
	slot   piv.Slot
}

var (
	pathAttrs  = []string{"serial", "slot-id"}
	queryAttrs = []string{"pin-source", "management-key-source", "pin-policy", "touch-policy",
		"new-pin-source", "new-puk-source", "puk-source", "new-management-key-source"}
)

// slots are the PIV slots a TUF key may live in.
var slots = map[string]piv.Slot{
	"9a": piv.SlotAuthentication,
	"9c": piv.SlotSignature,
	"9d": piv.SlotKeyManagement,
	"9e": piv.SlotCardAuthentication,
}

func parseTarget(u *keys.URI) (*target, error) {
	if err := u.CheckAttrs(pathAttrs, queryAttrs); err != nil {
		return nil, err
	}
	t := &target{uri: u}
	if s, ok := u.Attrs["serial"]; ok {
		n, err := strconv.ParseUint(s, 10, 32)
		if err != nil || n == 0 {
			return nil, fmt.Errorf("key URI %q: serial %q is not a YubiKey serial number", u.String(), s)
		}
		t.serial = uint32(n)
	}
	id, ok := u.Attrs["slot-id"]
	if !ok {
		return nil, fmt.Errorf("key URI %q: slot-id is required (9c for signing keys)", u.String())
	}
	slot, ok := slots[strings.ToLower(id)]
	if !ok {
		if r, err := strconv.ParseUint(id, 16, 32); err == nil {
			if s, ok := piv.RetiredKeyManagementSlot(uint32(r)); ok {
				slot = s
			}
		}
	}
	if slot.Key == 0 {
		return nil, fmt.Errorf("key URI %q: slot-id %q is not a PIV key slot (want 9a, 9c, 9d, 9e or 82-95)", u.String(), id)
	}
	t.slot = slot
	return t, nil
}

// URI is the canonical URI of a key in slot of the YubiKey serial.
func URI(serial uint32, slot piv.Slot) string {
	return fmt.Sprintf("yubikey:serial=%d;slot-id=%x", serial, slot.Key)
}
