package ceremony

import (
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/attestation"
	"github.com/tuf-ceremony/ceremony/internal/bounded"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// AttestedHolder is an attestation that held, for the transcript.
type AttestedHolder struct {
	Holder, Pem string
	Info        *attestation.Attested
}

// Record is the transcript's record of the attestation: the device, the
// attestation's hash and what it said of the key.
func (a AttestedHolder) Record() transcripts.Record {
	kind := transcripts.DeviceYubiKey
	if a.Info.YubiHSM != nil {
		kind = transcripts.DevicePKCS11
	}
	return transcripts.Record{Kind: transcripts.Attestation, Who: a.Holder,
		Device:  &transcripts.Device{Kind: kind, Serial: fmt.Sprint(a.Info.Serial), Firmware: a.Info.Firmware, Model: a.Info.Device},
		Inputs:  map[string]string{"attestation": transcripts.Sum([]byte(a.Pem))},
		Message: "attestation holds: " + a.Info.Summary()}
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
		data, err := attestationPEM(h)
		if err != nil {
			return nil, "", nil, fmt.Errorf("%s: %w", field, err)
		}
		want := attestation.Expectation{Key: h.TUFKey, PINAlways: true, TouchAlways: inRoot[h.Name], Serial: h.AttestationSerial}
		if u, err := keys.ParseURI(h.Key); err == nil && u.Scheme == "yubikey" && want.Serial == 0 {
			if n, err := strconv.ParseUint(u.Attrs["serial"], 10, 32); err == nil {
				want.Serial = uint32(n)
			}
		}
		info, err := attestation.Verify(data, roots, want)
		if err != nil {
			return nil, "", nil, fmt.Errorf("%s: %w; make the key on the device and give the attestation written then", field, err)
		}
		out[h.Name] = string(data)
		attested = append(attested, AttestedHolder{Holder: h.Name, Pem: string(data), Info: info})
	}
	return out, string(rootsPEM), attested, nil
}

// attestationPEM is a keyholder's attestation as the workspace keeps it:
// the PEM file as given, or a YubiHSM 2's key attestation, device
// certificate and any Sub-CAs (each DER or PEM) as one PEM, in that order.
func attestationPEM(h plan.Keyholder) ([]byte, error) {
	if h.AttestationDevice == "" {
		return bounded.ReadFile(h.Attestation, keys.MaxPublicKeyFile)
	}
	var certs []*x509.Certificate
	for _, path := range []string{h.Attestation, h.AttestationDevice} {
		data, err := bounded.ReadFile(path, keys.MaxPublicKeyFile)
		if err != nil {
			return nil, err
		}
		c, err := attestation.ParseCertificate(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		certs = append(certs, c)
	}
	if h.AttestationIntermediates != "" {
		data, err := bounded.ReadFile(h.AttestationIntermediates, keys.MaxPublicKeyFile)
		if err != nil {
			return nil, err
		}
		inters, err := attestation.ParseCertificatesPEM(data)
		if err == nil && len(inters) == 0 {
			err = errors.New("holds no PEM certificate")
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", h.AttestationIntermediates, err)
		}
		certs = append(certs, inters...)
	}
	return attestation.EncodePEM(certs...), nil
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
		if _, err := attestation.Verify([]byte(k.Attestation), roots, attestation.Expectation{Key: pub}); err != nil {
			return fmt.Errorf("%s's attestation does not hold for this key: %w", k.Holder, err)
		}
	}
	return nil
}
