package ceremony

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/hsm/yubikey"
	"github.com/tuf-ceremony/ceremony/internal/atomicfile"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// KeygenEvidenceType and KeygenEvidenceVersion mark the file 'ceremony
// keygen' writes beside a public key, saying how and on what the key was
// made. Init turns it into the transcript's keygen record for the key's
// keyholder.
const (
	KeygenEvidenceType    = "ceremony-keygen"
	KeygenEvidenceVersion = 1
	// KeygenEvidenceSuffix follows the public key file's name.
	KeygenEvidenceSuffix = ".keygen.json"
	maxKeygenEvidence    = 64 << 10
)

// KeygenEvidence is the content of a keygen evidence file.
type KeygenEvidence struct {
	Type    string `json:"type"`
	Version int    `json:"version"`
	// URI is the key's URI without its query (no pin-source, no module).
	URI    string              `json:"uri"`
	KeyID  string              `json:"keyid"`
	Scheme string              `json:"scheme"`
	Time   time.Time           `json:"time"`
	Device *transcripts.Device `json:"device,omitempty"`
}

// KeygenEvidencePath is where 'ceremony keygen' writes the evidence for a
// key made at uri: beside PATH.pub for a file key, beside out (the public
// key file) for a device key.
func KeygenEvidencePath(uri, out string) (string, error) {
	u, err := keys.ParseURI(uri)
	if err != nil {
		return "", err
	}
	if u.Scheme == "file" {
		return keys.PublicKeyPath(u.Path) + KeygenEvidenceSuffix, nil
	}
	if out == "" {
		return "", errors.New("a key made on a device needs the public key file's name")
	}
	return out + KeygenEvidenceSuffix, nil
}

// KeygenDevice describes the device behind uri for the evidence: what the
// URI says, and for a YubiKey its firmware when the device is at hand.
func KeygenDevice(uri string) *transcripts.Device {
	d := deviceOf(uri)
	if d == nil || d.Kind != transcripts.DeviceYubiKey {
		return d
	}
	devs, err := yubikey.List()
	if err != nil {
		return d
	}
	for _, dev := range devs {
		if d.Serial == "" && len(devs) == 1 || d.Serial == strconv.FormatUint(uint64(dev.Serial), 10) {
			d.Serial, d.Firmware = strconv.FormatUint(uint64(dev.Serial), 10), dev.Firmware()
		}
		dev.Close()
	}
	return d
}

// WriteKeygenEvidence writes the evidence that key k was made at uri on
// dev at now to path; it never overwrites a file.
func WriteKeygenEvidence(path, uri string, k *metadata.Key, dev *transcripts.Device, now time.Time) error {
	id, err := keys.ID(k)
	if err != nil {
		return err
	}
	bare, _, _ := strings.Cut(uri, "?")
	if dev != nil && *dev == (transcripts.Device{}) {
		dev = nil
	}
	ev := KeygenEvidence{Type: KeygenEvidenceType, Version: KeygenEvidenceVersion, URI: bare, KeyID: id,
		Scheme: k.Scheme, Time: now.UTC().Truncate(time.Second), Device: dev}
	b, err := json.MarshalIndent(ev, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteNew(path, append(b, '\n'), 0o644)
}

// keygenFound is a keyholder's keygen evidence, checked against the plan.
type keygenFound struct {
	holder string
	ev     KeygenEvidence
	sum    string
}

// keygenEvidence finds the keygen evidence of each keyholder's key: beside
// the keyholder's public_key file and beside a file: key's PATH.pub. A
// keyholder without evidence has no keygen record; evidence that names
// another key refuses the plan.
func keygenEvidence(p *plan.Plan) ([]keygenFound, error) {
	var out []keygenFound
	for i, h := range p.Keyholders {
		type cand struct{ field, path string }
		var cands []cand
		if h.PublicKey != "" {
			path := h.PublicKey
			if !filepath.IsAbs(path) {
				path = filepath.Join(p.Dir, path)
			}
			cands = append(cands, cand{fmt.Sprintf("keyholders[%d].public_key", i), path + KeygenEvidenceSuffix})
		}
		if u, err := keys.ParseURI(h.Key); err == nil && u.Scheme == "file" {
			cands = append(cands, cand{fmt.Sprintf("keyholders[%d].key", i), keys.PublicKeyPath(u.Path) + KeygenEvidenceSuffix})
		}
		seen := map[string]bool{}
		var found *keygenFound
		for _, c := range cands {
			clean := filepath.Clean(c.path)
			if seen[clean] {
				continue
			}
			seen[clean] = true
			ev, s, err := readKeygenEvidence(clean)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %s (%s): keygen evidence %s: %w; remove the file or give the one 'ceremony keygen' wrote", p.Path, c.field, h.Name, clean, err)
			}
			if ev.KeyID != h.KeyID {
				return nil, fmt.Errorf("%s: %s (%s): keygen evidence %s is for key %s, but the keyholder's key is %s; give the public key that keygen made, or remove the evidence of another key", p.Path, c.field, h.Name, clean, ev.KeyID, h.KeyID)
			}
			if found == nil {
				found = &keygenFound{holder: h.Name, ev: ev, sum: s}
			}
		}
		if found != nil {
			out = append(out, *found)
		}
	}
	return out, nil
}

func readKeygenEvidence(path string) (KeygenEvidence, string, error) {
	var ev KeygenEvidence
	fi, err := os.Stat(path)
	if err != nil {
		return ev, "", err
	}
	if !fi.Mode().IsRegular() || fi.Size() > maxKeygenEvidence {
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
	if ev.Type != KeygenEvidenceType || ev.Version != KeygenEvidenceVersion {
		return ev, "", fmt.Errorf("type %q version %d, want %q version %d", ev.Type, ev.Version, KeygenEvidenceType, KeygenEvidenceVersion)
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
	return ev, sum(data), nil
}

// keygenRecord is the transcript record of one keyholder's keygen evidence.
func keygenRecord(k keygenFound) transcripts.Record {
	return transcripts.Record{Kind: transcripts.Keygen, Who: k.holder, Device: k.ev.Device,
		Inputs:  map[string]string{"keygen": k.sum},
		Message: fmt.Sprintf("key %s (%s) made at %s on %s", k.ev.KeyID, k.ev.Scheme, k.ev.Time.UTC().Format(time.RFC3339), k.ev.URI)}
}

// witnessKeys are the keys of the workspace's witnesses, which may sign
// the seal: each listed in the workspace's keys as a witness and named in
// the plan the init record carries (ceremony.json is not tamper-evident,
// so the plan is re-read and checked against planHash).
func witnessKeys(ws *workspace.Workspace, records []transcripts.Record) (map[string]*metadata.Key, error) {
	out := map[string]*metadata.Key{}
	for _, r := range records {
		if r.Kind != transcripts.Init {
			continue
		}
		for name, hash := range r.Inputs {
			if !strings.HasPrefix(name, witnessInput) {
				continue
			}
			data, err := os.ReadFile(filepath.Join(ws.TranscriptPath(), transcripts.StatesDir, hash+".json"))
			if err != nil {
				return nil, fmt.Errorf("the key of witness %q that the init record names: %w", strings.TrimPrefix(name, witnessInput), err)
			}
			if sum(data) != hash {
				return nil, fmt.Errorf("the stored key of witness %q does not hash to what the init record names", strings.TrimPrefix(name, witnessInput))
			}
			k, err := keys.ParseKeyJSON(data)
			if err != nil {
				return nil, fmt.Errorf("the stored key of witness %q: %w", strings.TrimPrefix(name, witnessInput), err)
			}
			id, err := keys.ID(k)
			if err != nil {
				return nil, err
			}
			out[id] = k
		}
	}
	return out, nil
}

// witnessInput prefixes the init record's inputs that name a witness's
// public key, stored whole in the transcript's states: the seal's witness
// signatures are checked against the chain alone, wherever the plan's key
// files are.
const witnessInput = "witness:"
