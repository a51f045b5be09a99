package ceremony

import (
	"crypto/x509"
	"fmt"
	"os"
	"slices"
	"strconv"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/attestation"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// AttestedHolder is an attestation that held, for the transcript.
type AttestedHolder struct {
	Holder, Pem string
	Info        *attestation.YubiKey
}

// VerifyAttestations verifies the attestation of every keyholder that has
// one and returns the PEM to keep in the workspace, by keyholder name. An
// attested key must be exactly the keyholder's key, on the device the key
// URI names, with PIN policy always, and touch policy always for root keys.
func VerifyAttestations(p *plan.Plan) (map[string]string, string, []AttestedHolder, error) {
	var rootsPEM []byte
	var roots *x509.CertPool
	if p.Rehearsal.AttestationRoots != "" {
		var err error
		if rootsPEM, err = os.ReadFile(p.Rehearsal.AttestationRoots); err != nil {
			return nil, "", nil, fmt.Errorf("%s: rehearsal.attestation_roots: %w", p.Path, err)
		}
		roots = x509.NewCertPool()
		if !roots.AppendCertsFromPEM(rootsPEM) {
			return nil, "", nil, fmt.Errorf("%s: rehearsal.attestation_roots: %s holds no PEM certificate", p.Path, p.Rehearsal.AttestationRoots)
		}
	}
	inRoot := map[string]bool{}
	for _, name := range p.Roles.Root.Keyholders {
		inRoot[name] = true
	}
	out := map[string]string{}
	var attested []AttestedHolder
	for i, h := range p.Keyholders {
		if h.Attestation == "" {
			continue
		}
		field := fmt.Sprintf("%s: keyholders[%d].attestation (%s)", p.Path, i, h.Name)
		data, err := os.ReadFile(h.Attestation)
		if err != nil {
			return nil, "", nil, fmt.Errorf("%s: %w", field, err)
		}
		want := attestation.Expectation{Key: h.TUFKey, PINAlways: true, TouchAlways: inRoot[h.Name]}
		if u, err := keys.ParseURI(h.Key); err == nil && u.Scheme == "yubikey" {
			if n, err := strconv.ParseUint(u.Attrs["serial"], 10, 32); err == nil {
				want.Serial = uint32(n)
			}
		}
		info, err := attestation.VerifyYubiKeyPEM(data, roots, want)
		if err != nil {
			return nil, "", nil, fmt.Errorf("%s: %w; make the key on the device and give the attestation written then", field, err)
		}
		out[h.Name] = string(data)
		attested = append(attested, AttestedHolder{Holder: h.Name, Pem: string(data), Info: info})
	}
	return out, string(rootsPEM), attested, nil
}

// checkSignerAttestation re-verifies, at signing time, the attestation the
// workspace keeps for the key, so a key whose attestation does not hold
// never signs.
func checkSignerAttestation(ws *workspace.Workspace, ids []string, pub *metadata.Key) error {
	var roots *x509.CertPool
	if ws.State.AttestationRoots != "" {
		roots = x509.NewCertPool()
		roots.AppendCertsFromPEM([]byte(ws.State.AttestationRoots))
	}
	for _, k := range ws.State.Keys {
		if k.Attestation == "" || !slices.Contains(ids, k.KeyID) {
			continue
		}
		if _, err := attestation.VerifyYubiKeyPEM([]byte(k.Attestation), roots, attestation.Expectation{Key: pub}); err != nil {
			return fmt.Errorf("%s's attestation does not hold for this key: %w", k.Holder, err)
		}
	}
	return nil
}
