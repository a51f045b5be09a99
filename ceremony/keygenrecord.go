package ceremony

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keygen"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// KeygenFound is a keyholder's keygen evidence, checked against the plan
// (KeygenEvidence), for RecordInit to record.
type KeygenFound struct {
	holder string
	ev     keygen.Evidence
	sum    string
}

// KeygenEvidence finds the keygen evidence of each keyholder's key: beside
// the keyholder's public_key file and beside a file: key's PATH.pub. A
// keyholder without evidence has no keygen record; evidence that names
// another key refuses the plan.
func KeygenEvidence(p *plan.Plan) ([]KeygenFound, error) {
	var out []KeygenFound
	for i, h := range p.Keyholders {
		type cand struct{ field, path string }
		var cands []cand
		if h.PublicKey != "" {
			path := h.PublicKey
			if !filepath.IsAbs(path) {
				path = filepath.Join(p.Dir, path)
			}
			cands = append(cands, cand{fmt.Sprintf("keyholders[%d].public_key", i), path + keygen.EvidenceSuffix})
		}
		if u, err := keys.ParseURI(h.Key); err == nil && u.Scheme == "file" {
			cands = append(cands, cand{fmt.Sprintf("keyholders[%d].key", i), keys.PublicKeyPath(u.Path) + keygen.EvidenceSuffix})
		}
		seen := map[string]bool{}
		var found *KeygenFound
		for _, c := range cands {
			clean := filepath.Clean(c.path)
			if seen[clean] {
				continue
			}
			seen[clean] = true
			ev, s, err := keygen.ReadEvidence(clean)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %s (%s): keygen evidence %s: %w; remove the file or give the one written when the key was made", p.Path, c.field, h.Name, clean, err)
			}
			if ev.KeyID != h.KeyID {
				return nil, fmt.Errorf("%s: %s (%s): keygen evidence %s is for key %s, but the keyholder's key is %s; give the public key that keygen made, or remove the evidence of another key", p.Path, c.field, h.Name, clean, ev.KeyID, h.KeyID)
			}
			if found == nil {
				found = &KeygenFound{holder: h.Name, ev: ev, sum: s}
			}
		}
		if found != nil {
			out = append(out, *found)
		}
	}
	return out, nil
}

// keygenRecord is the transcript record of one keyholder's keygen evidence.
func keygenRecord(k KeygenFound) transcripts.Record {
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
			if !strings.HasPrefix(name, WitnessInput) {
				continue
			}
			data, err := transcripts.ReadState(ws.TranscriptPath(), hash)
			if err != nil {
				return nil, fmt.Errorf("the key of witness %q that the init record names: %w", strings.TrimPrefix(name, WitnessInput), err)
			}
			k, err := keys.ParseKeyJSON(data)
			if err != nil {
				return nil, fmt.Errorf("the stored key of witness %q: %w", strings.TrimPrefix(name, WitnessInput), err)
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

// WitnessInput prefixes the init record's inputs that name a witness's
// public key, stored whole in the transcript's states: the seal's witness
// signatures are checked against the chain alone, wherever the plan's key
// files are.
const WitnessInput = "witness:"
