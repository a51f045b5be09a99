package yubikey

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/go-piv/piv-go/v2/piv"
	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
)

// cardMu serializes every card operation of this process.
var cardMu sync.Mutex

// ErrNotPresent means the YubiKey a URI names is not connected.
var ErrNotPresent = errors.New("YubiKey not present")

// Device is one connected YubiKey.
type Device struct {
	Reader  string
	Serial  uint32
	Version piv.Version
	// Factory is which credentials are still the factory ones.
	Factory Factory
	yk      *piv.YubiKey
}

// Firmware is the version as people write it (5.7.1).
func (d *Device) Firmware() string {
	return fmt.Sprintf("%d.%d.%d", d.Version.Major, d.Version.Minor, d.Version.Patch)
}

// Close releases the card.
func (d *Device) Close() error {
	cardMu.Lock()
	defer cardMu.Unlock()
	return d.yk.Close()
}

// List opens every PIV card present and reads its serial and firmware; the
// caller closes them. Readers that hold no usable PIV card are skipped.
func List() ([]*Device, error) {
	cardMu.Lock()
	defer cardMu.Unlock()
	readers, err := piv.Cards()
	if err != nil {
		return nil, fmt.Errorf("failed to list smart card readers (is pcscd running?): %w", err)
	}
	var out []*Device
	for _, r := range readers {
		// Read before piv-go opens the card: both connect exclusively.
		factory, _ := readFactory(r)
		yk, err := piv.Open(r)
		if err != nil {
			continue
		}
		serial, err := yk.Serial()
		if err != nil {
			yk.Close()
			continue
		}
		out = append(out, &Device{Reader: r, Serial: serial, Version: yk.Version(), Factory: factory, yk: yk})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Serial < out[j].Serial })
	return out, nil
}

// open finds the YubiKey with the given serial (0: the only one present).
func open(serial uint32) (*Device, error) {
	devs, err := List()
	if err != nil {
		return nil, err
	}
	var found *Device
	var others []string
	for _, d := range devs {
		if serial == 0 || d.Serial == serial {
			if found != nil {
				found.Close()
				d.Close()
				return nil, fmt.Errorf("more than one YubiKey is connected: name one with serial=N in the key URI")
			}
			found = d
			continue
		}
		others = append(others, fmt.Sprint(d.Serial))
		d.Close()
	}
	if found == nil {
		if serial == 0 {
			return nil, fmt.Errorf("%w: no YubiKey is connected", ErrNotPresent)
		}
		if len(others) > 0 {
			return nil, fmt.Errorf("%w: YubiKey serial %d is not connected; connected instead: serial %s (a different device)", ErrNotPresent, serial, strings.Join(others, ", "))
		}
		return nil, fmt.Errorf("%w: YubiKey serial %d is not connected", ErrNotPresent, serial)
	}
	return found, nil
}

// SlotKey is a key found in a slot.
type SlotKey struct {
	Slot        piv.Slot
	Key         *metadata.Key
	PINPolicy   string
	TouchPolicy string
}

// Info is what `ceremony devices` shows of a YubiKey.
type Info struct {
	PINTries int
	Slots    []SlotKey
}

// Describe reads the PIN tries left and the keys in the signing slots
// (no PIN needed).
func Describe(d *Device) (*Info, error) {
	cardMu.Lock()
	defer cardMu.Unlock()
	tries, err := d.yk.Retries()
	if err != nil {
		return nil, fmt.Errorf("failed to read PIN tries: %w", err)
	}
	info := &Info{PINTries: tries}
	for _, id := range []string{"9a", "9c", "9d", "9e"} {
		ki, err := d.yk.KeyInfo(slots[id])
		if err != nil || ki.PublicKey == nil {
			continue
		}
		k, err := keys.FromPublicKey(ki.PublicKey)
		if err != nil {
			continue
		}
		info.Slots = append(info.Slots, SlotKey{Slot: slots[id], Key: k, PINPolicy: pinPolicyName(ki.PINPolicy), TouchPolicy: touchPolicyName(ki.TouchPolicy)})
	}
	return info, nil
}
