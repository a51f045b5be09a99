package main

import (
	"crypto/x509"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/attestation"
	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/internal/bounded"
	"github.com/tuf-ceremony/ceremony/keys"
)

// runAttestation is 'ceremony attestation': device attestations, checked
// on their own, for auditors and the check before a ceremony.
func runAttestation(env *runEnv, args []string, stdout, stderr io.Writer) error {
	return runGroup(env, "attestation", []subcommand{
		{"verify", "check a YubiKey PIV or YubiHSM 2 key attestation against its device certificate, Yubico's roots and a key, and print what it attests", runAttestationVerify},
	}, args, stdout, stderr)
}

// attestationReport is 'attestation verify --json'.
type attestationReport struct {
	Device     string `json:"device"`
	Serial     uint32 `json:"serial"`
	Firmware   string `json:"firmware"`
	KeyID      string `json:"keyid"`
	Scheme     string `json:"scheme"`
	KeyMatches *bool  `json:"key_matches,omitempty"`
	// A YubiKey PIV slot's.
	Slot        string `json:"slot,omitempty"`
	PINPolicy   string `json:"pin_policy,omitempty"`
	TouchPolicy string `json:"touch_policy,omitempty"`
	// A YubiHSM 2 key object's ("" and 0 for a YubiKey's: v1 had them
	// always).
	Origin       string `json:"origin"`
	Capabilities string `json:"capabilities"`
	Exportable   bool   `json:"exportable_under_wrap"`
	ObjectID     uint16 `json:"object_id"`
	Label        string `json:"label"`
	// Chained: the device certificate chains to Yubico's roots, or to
	// AttestationRoots when given.
	Chained          bool   `json:"chained_to_yubico"`
	AttestationRoots string `json:"attestation_roots,omitempty"`
	Unchained        string `json:"not_chained_because,omitempty"`
	// Problems are what keeps it from attesting; none means attested.
	Problems []string `json:"problems,omitempty"`
	Attested bool     `json:"attested"`
}

// runAttestationVerify is 'ceremony attestation verify ATTESTATION
// [DEVICE-CERT [INTERMEDIATE...]]': a YubiKey PIV slot attestation or a
// YubiHSM 2 key attestation (DER or PEM; one PEM file may hold the key's
// certificate and the device's, as 'ceremony keygen' writes it) checked
// under the device certificate that issued it, the device certificate
// against Yubico's roots, and, with --key, the attested key against the
// TUF key a plan names. It exits 0 only when all of it holds: attested.
func runAttestationVerify(env *runEnv, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("attestation verify", flag.ContinueOnError)
	keyFile := fs.String("key", "", "the TUF public key file the attestation must certify")
	serial := fs.String("serial", "", "the device serial the attestation must name")
	touch := fs.Bool("touch-always", false, "a YubiKey slot must also have touch policy always (what a plan asks of root keys)")
	rootsFile := fs.String("attestation-roots", "", "check against the roots in this PEM file instead of Yubico's (rehearsals, virtual YubiKeys)")
	asJSON := fs.Bool("json", false, "print the report as JSON (schema ceremony/attestation/v1)")
	rest, err := parseFlags(fs, args, stderr, "[--key KEY.pub] [--serial N] [--touch-always] [--attestation-roots FILE] [--json] ATTESTATION [DEVICE-CERT [INTERMEDIATE...]]", 1, 8)
	if err != nil {
		return err
	}
	want := attestation.Expectation{PINAlways: true, TouchAlways: *touch}
	if *serial != "" {
		// Yubico's tools print a serial zero-padded: 0013200460.
		n, err := strconv.ParseUint(*serial, 10, 32)
		if err != nil || n == 0 {
			return usageError{fmt.Sprintf("--serial %q: want the device's serial number", *serial)}
		}
		want.Serial = uint32(n)
	}
	if *keyFile != "" {
		if want.Key, err = readTUFKey(*keyFile); err != nil {
			return err
		}
	}
	roots, err := readRoots(*rootsFile)
	if err != nil {
		return err
	}
	var certs []*x509.Certificate
	for _, path := range rest {
		cs, err := ceremony.ReadCertificates(path)
		if err != nil {
			return fmt.Errorf("certificate %s: %w", path, err)
		}
		certs = append(certs, cs...)
	}
	a, err := attestation.Examine(certs, roots, env.engine.NowOr(time.Time{}))
	if err != nil {
		return fmt.Errorf("attestation %s: %w", rest[0], err)
	}
	rep, err := reportAttestation(a, want, *keyFile)
	if err != nil {
		return fmt.Errorf("attestation %s: %w", rest[0], err)
	}
	rep.AttestationRoots = *rootsFile
	if *asJSON {
		if err := printJSON(stdout, "attestation", &rep); err != nil {
			return err
		}
	} else {
		printAttestation(stdout, rep)
	}
	if !rep.Attested {
		return fmt.Errorf("attestation %s is not attested: %s", rest[0], strings.Join(rep.Problems, "; "))
	}
	return nil
}

// reportAttestation is what a says, checked against want.
func reportAttestation(a *attestation.Attested, want attestation.Expectation, keyFile string) (attestationReport, error) {
	tk, err := keys.FromPublicKey(a.Key)
	if err != nil {
		return attestationReport{}, fmt.Errorf("the attested key: %w", err)
	}
	id, err := keys.ID(tk)
	if err != nil {
		return attestationReport{}, err
	}
	rep := attestationReport{Device: a.Device, Serial: a.Serial, Firmware: a.Firmware, KeyID: id, Scheme: tk.Scheme,
		Chained: a.Chained, Unchained: a.Unchained}
	if y := a.YubiKey; y != nil {
		rep.Slot, rep.PINPolicy, rep.TouchPolicy = y.Slot, y.PINPolicy, y.TouchPolicy
	}
	if h := a.YubiHSM; h != nil {
		rep.Origin, rep.Capabilities, rep.ObjectID, rep.Label = h.OriginText(), fmt.Sprintf("%#x", h.Capabilities), h.ObjectID, h.Label
		rep.Exportable = h.Capabilities&attestation.HSMCapExportableUnderWrap != 0
	}
	if want.Key != nil {
		matches := keys.SameKey(want.Key, tk)
		rep.KeyMatches = &matches
		if !matches {
			// Said with the file's name rather than the key ID Problems
			// would give.
			rep.Problems = append(rep.Problems, "the attested key is not the key of "+keyFile)
			want.Key = nil
		}
	}
	rep.Problems = append(rep.Problems, a.Problems(want)...)
	rep.Attested = len(rep.Problems) == 0
	return rep, nil
}

func printAttestation(w io.Writer, r attestationReport) {
	begins, _ := hex.DecodeString(r.KeyID[:8])
	fmt.Fprintf(w, "%s key attestation\ndevice: serial %d, firmware %s\nkey: %s %s (begins %s)\n", r.Device, r.Serial, r.Firmware, r.KeyID, r.Scheme, bundle.PGPWords(begins))
	if r.KeyMatches != nil {
		fmt.Fprintf(w, "matches the key given: %v\n", *r.KeyMatches)
	}
	if r.Slot != "" {
		fmt.Fprintf(w, "slot: %s; PIN policy %s, touch policy %s\n", r.Slot, r.PINPolicy, r.TouchPolicy)
	} else {
		fmt.Fprintf(w, "origin: %s\ncapabilities: %s; exportable under wrap: %v\nobject: %#04x, label %q\n", r.Origin, r.Capabilities, r.Exportable, r.ObjectID, r.Label)
	}
	switch {
	case r.Chained && r.AttestationRoots != "":
		fmt.Fprintf(w, "chain: the device certificate chains to the attestation roots of %s (not Yubico's)\n", r.AttestationRoots)
	case r.Chained:
		fmt.Fprintln(w, "chain: the device certificate chains to Yubico's root")
	default:
		fmt.Fprintf(w, "chain: %s\n", r.Unchained)
	}
	if r.Attested {
		fmt.Fprintln(w, "attested")
	}
}

// readTUFKey reads a TUF public key file.
func readTUFKey(path string) (*metadata.Key, error) {
	data, err := bounded.ReadFile(path, keys.MaxPublicKeyFile)
	if err != nil {
		return nil, fmt.Errorf("failed to read key %s: %w", path, err)
	}
	k, err := keys.ParseKeyJSON(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}
