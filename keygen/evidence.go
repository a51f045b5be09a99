package keygen

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/internal/atomicfile"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/transcripts"
)

// EvidenceType and EvidenceVersion mark the evidence file written
// beside a public key at its making, saying how and on what the key was
// made. Init turns it into the transcript's keygen record for the key's
// keyholder.
const (
	EvidenceType    = "ceremony-keygen"
	EvidenceVersion = 1
	// EvidenceSuffix follows the public key file's name.
	EvidenceSuffix = ".keygen.json"
	maxEvidence    = 64 << 10
)

// Evidence is the content of a keygen evidence file.
type Evidence struct {
	Type    string `json:"type"`
	Version int    `json:"version"`
	// URI is the key's URI without its query (no pin-source, no module).
	URI    string              `json:"uri"`
	KeyID  string              `json:"keyid"`
	Scheme string              `json:"scheme"`
	Time   time.Time           `json:"time"`
	Device *transcripts.Device `json:"device,omitempty"`
}

// EvidencePath is where 'ceremony keygen' writes the evidence for a
// key made at uri: beside PATH.pub for a file key, beside out (the public
// key file) for a device key.
func EvidencePath(uri, out string) (string, error) {
	u, err := keys.ParseURI(uri)
	if err != nil {
		return "", err
	}
	if u.Scheme == "file" {
		return keys.PublicKeyPath(u.Path) + EvidenceSuffix, nil
	}
	if out == "" {
		return "", errors.New("a key made on a device needs the public key file's name")
	}
	return out + EvidenceSuffix, nil
}

// DeviceAtHand describes the device behind uri for the evidence: what the
// URI says, and for a YubiKey its firmware when the device is at hand
// (read through k).
func DeviceAtHand(k *keys.Backends, uri string) *transcripts.Device {
	d := DeviceOf(uri)
	if d == nil || d.Kind != transcripts.DeviceYubiKey {
		return d
	}
	devs, err := k.Devices("yubikey")
	if err != nil {
		return d
	}
	for _, dev := range devs {
		if d.Serial == "" && len(devs) == 1 || d.Serial == dev.Serial {
			d.Serial, d.Firmware = dev.Serial, dev.Firmware
		}
	}
	return d
}

// WriteEvidence writes the evidence that key k was made at uri on
// dev at now to path; it never overwrites a file.
func WriteEvidence(path, uri string, k *metadata.Key, dev *transcripts.Device, now time.Time) error {
	id, err := keys.ID(k)
	if err != nil {
		return err
	}
	bare, _, _ := strings.Cut(uri, "?")
	if dev != nil && *dev == (transcripts.Device{}) {
		dev = nil
	}
	ev := Evidence{Type: EvidenceType, Version: EvidenceVersion, URI: bare, KeyID: id,
		Scheme: k.Scheme, Time: now.UTC().Truncate(time.Second), Device: dev}
	b, err := json.MarshalIndent(ev, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteNew(path, append(b, '\n'), 0o644)
}

// ReadEvidence reads and checks an evidence file, and returns it with
// the SHA-256 of its bytes (hex), which the keygen record names.
func ReadEvidence(path string) (Evidence, string, error) {
	var ev Evidence
	fi, err := os.Stat(path)
	if err != nil {
		return ev, "", err
	}
	if !fi.Mode().IsRegular() || fi.Size() > maxEvidence {
		return ev, "", errors.New("not a small regular file")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return ev, "", err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ev); err != nil {
		return ev, "", err
	}
	if ev.Type != EvidenceType || ev.Version != EvidenceVersion {
		return ev, "", fmt.Errorf("type %q version %d, want %q version %d", ev.Type, ev.Version, EvidenceType, EvidenceVersion)
	}
	if ev.KeyID == "" || ev.Time.IsZero() {
		return ev, "", errors.New("no keyid or no time")
	}
	if d := ev.Device; d != nil {
		switch d.Kind {
		case "", transcripts.DeviceFile, transcripts.DevicePKCS11, transcripts.DeviceYubiKey:
		default:
			return ev, "", fmt.Errorf("device kind %q is not one of file, pkcs11, yubikey", d.Kind)
		}
	}
	return ev, sha256Hex(data), nil
}

// DeviceOf describes the device behind a key URI, as the transcript's
// records name it: what the URI says, read from no device.
func DeviceOf(uri string) *transcripts.Device {
	u, err := keys.ParseURI(uri)
	if err != nil {
		return nil
	}
	d := &transcripts.Device{Kind: u.Scheme}
	switch u.Scheme {
	case "yubikey":
		d.Model, d.Serial = "YubiKey", u.Attrs["serial"]
	case "pkcs11":
		d.Model, d.Serial = u.Attrs["token"], u.Attrs["serial"]
	case "file":
		d.Model = "encrypted key file"
	default:
		d.Kind = ""
	}
	return d
}

func sha256Hex(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}
