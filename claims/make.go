package claims

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
)

// MakeRequest makes a claim request file for project (normalized, as
// CheckProject wants it): a statement naming the project, the signers'
// public keys, threshold and now, signed by every signer, with the
// attestations given by key ID. Each signature is verified against its key
// as it is made (a wrong device is caught there), and the file is read
// back as Verify reads it, but for the attestations' chains, which need
// the roots: Verify the result with them.
func MakeRequest(project string, signers []keys.Signer, threshold int, now time.Time, attestations map[string]Attestation) ([]byte, error) {
	if err := CheckProject(project); err != nil {
		return nil, err
	}
	if len(signers) == 0 {
		return nil, errorf(ErrKeys, "no keys: give at least one --key")
	}
	if len(signers) > MaxKeys {
		return nil, errorf(ErrKeys, "%d keys, over the limit of %d", len(signers), MaxKeys)
	}
	if threshold < 1 || threshold > len(signers) {
		return nil, errorf(ErrThreshold, "threshold %d with %d key(s): give --threshold from 1 to %d", threshold, len(signers), len(signers))
	}
	st := Statement{Type: StatementType, Project: project, Keys: map[string]*metadata.Key{}, Threshold: threshold,
		Date: now.UTC().Truncate(time.Second)}
	var signing []dsseKey
	for _, s := range signers {
		k, err := canonicalKey(s.TUFKey())
		if err != nil {
			return nil, errorf(ErrKeys, "key %s: %v", s.URI(), err)
		}
		id, err := keys.ID(k)
		if err != nil {
			return nil, err
		}
		if _, dup := st.Keys[id]; dup {
			return nil, errorf(ErrKeys, "key %s is given twice (%s): give each key once", short(id), s.URI())
		}
		st.Keys[id] = k
		signing = append(signing, dsseKey{id: id, signer: s})
	}
	for id := range attestations {
		if _, ok := st.Keys[id]; !ok {
			return nil, errorf(ErrAttestation, "an attestation is for key %s, which is not one of the keys given", short(id))
		}
	}
	// Sign in key ID order, so the file does not depend on --key order.
	sort.Slice(signing, func(i, j int) bool { return signing[i].id < signing[j].id })
	dsigners := make([]dsse.Signer, len(signing))
	for i, s := range signing {
		dsigners[i] = s
	}
	body, err := json.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("failed to encode the claim statement: %w", err)
	}
	es, err := dsse.NewEnvelopeSigner(dsigners...)
	if err != nil {
		return nil, err
	}
	env, err := es.SignPayload(context.Background(), PayloadType, body)
	if err != nil {
		return nil, err
	}
	req := Request{Type: RequestType, Version: RequestVersion, Envelope: env}
	if len(attestations) > 0 {
		req.Attestations = attestations
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(req); err != nil {
		return nil, fmt.Errorf("failed to encode the claim request: %w", err)
	}
	if _, err := Verify(b.Bytes(), "", Options{Now: now, skipAttestationChains: true}); err != nil {
		return nil, fmt.Errorf("the claim request made does not read back: %w", err)
	}
	return b.Bytes(), nil
}

// dsseKey is a TUF key as a DSSE signer: KeyID is the TUF key ID, and it
// signs the PAE as TUF signs a message (keys.SignMessage, which verifies
// the signature before returning it).
type dsseKey struct {
	id     string
	signer keys.Signer
}

func (d dsseKey) Sign(_ context.Context, data []byte) ([]byte, error) {
	return keys.SignMessage(d.signer, data)
}

func (d dsseKey) KeyID() (string, error) { return d.id, nil }

var _ dsse.Signer = dsseKey{}
