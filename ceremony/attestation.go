package ceremony

import (
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

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
// attested key must be exactly the keyholder's key, on a device of the
// kind and with the serial the key URI and the plan name; a YubiKey slot's
// with PIN policy always, and touch policy always for root keys (a
// YubiHSM 2 has no touch); a YubiHSM 2 key generated on the device, not
// exportable, allowed to sign.
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
		want := expectFor(h.Key)
		want.Key, want.PINAlways, want.TouchAlways = h.TUFKey, true, inRoot[h.Name]
		if h.AttestationDevice != "" {
			if want.Device == attestation.DeviceYubiKey {
				return nil, "", nil, fmt.Errorf("%s: a YubiKey's attestation is one PEM file (the slot's certificate, then the device's), not a YubiHSM 2's key_attestation and device_certificate", field)
			}
			want.Device = attestation.DeviceYubiHSM
		}
		if s := h.AttestationSerial; s != 0 {
			if want.Serial != 0 && want.Serial != s {
				return nil, "", nil, fmt.Errorf("%s: the key URI names device serial %d, the attestation's serial is %d: give one device's", field, want.Serial, s)
			}
			want.Serial = s
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
	for _, f := range []struct{ field, path string }{
		{"key_attestation", h.Attestation}, {"device_certificate", h.AttestationDevice}, {"intermediates", h.AttestationIntermediates},
	} {
		if f.path == "" {
			continue
		}
		got, err := ReadCertificates(f.path)
		if err == nil && f.field != "intermediates" && len(got) != 1 {
			err = fmt.Errorf("holds %d certificates; give the one alone", len(got))
		}
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", f.field, f.path, err)
		}
		certs = append(certs, got...)
	}
	return attestation.EncodePEM(certs...), nil
}

// ReadCertificates reads a file of certificates, bounded: one DER
// certificate, or every certificate of a PEM file.
func ReadCertificates(path string) ([]*x509.Certificate, error) {
	data, err := bounded.ReadFile(path, keys.MaxPublicKeyFile)
	if err != nil {
		return nil, err
	}
	return attestation.ParseCertificates(data)
}

// expectFor is what a key URI says of its key's attestation: a yubikey:
// URI a YubiKey with its serial; a pkcs11: URI whose serial= is a number
// (a YubiHSM 2's token serial is its device serial) that serial.
func expectFor(uri string) attestation.Expectation {
	var want attestation.Expectation
	u, err := keys.ParseURI(uri)
	if err != nil {
		return want
	}
	switch u.Scheme {
	case "yubikey":
		want.Device = attestation.DeviceYubiKey
	case "pkcs11":
	default:
		return want
	}
	if n, err := strconv.ParseUint(u.Attrs["serial"], 10, 32); err == nil {
		want.Serial = uint32(n)
	}
	return want
}

// keptRoots are the attestation roots a workspace names (a rehearsal's),
// nil for Yubico's.
func keptRoots(st *workspace.State) (*x509.CertPool, error) {
	if st.AttestationRoots == "" {
		return nil, nil
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM([]byte(st.AttestationRoots)) {
		return nil, errors.New("the workspace's attestation roots hold no PEM certificate")
	}
	return roots, nil
}

// checkSignerAttestation re-verifies, at signing time, the attestation the
// workspace keeps for the key, so a key whose attestation does not hold
// never signs.
func checkSignerAttestation(ws *workspace.Workspace, ids []string, pub *metadata.Key) error {
	for _, k := range ws.State.Keys {
		if k.Attestation == "" || !slices.Contains(ids, k.KeyID) {
			continue
		}
		if _, err := VerifyKept(&ws.State, k, pub); err != nil {
			return fmt.Errorf("%s's attestation does not hold for this key: %w", k.Holder, err)
		}
	}
	return nil
}

// VerifyKept verifies again, as an auditor does, the attestation a
// workspace keeps for the key entry k: the chain to the roots st names
// (Yubico's unless a rehearsal's), the attested key is k's (key itself
// when given, else the key with k's key ID in the form this tool writes),
// and what the device kind requires (a YubiKey slot's PIN policy always;
// a YubiHSM 2 key generated on the device, not exportable, allowed to
// sign). A root key's touch policy was checked by init, which knew the
// plan's roles.
func VerifyKept(st *workspace.State, k workspace.KeyEntry, key *metadata.Key) (*attestation.Attested, error) {
	roots, err := keptRoots(st)
	if err != nil {
		return nil, err
	}
	a, err := attestation.Read([]byte(k.Attestation), roots)
	if err != nil {
		return nil, err
	}
	want := expectFor(k.URI)
	want.PINAlways = true
	want.Key = key
	problems := a.Problems(want)
	if tk, err := keys.FromPublicKey(a.Key); key == nil && (err != nil || !keys.IDMatches(k.KeyID, tk)) {
		problems = append(problems, fmt.Sprintf("the attested key is not %s's key %s", k.Holder, AbbrevHash(k.KeyID)))
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "; "))
	}
	return a, nil
}
