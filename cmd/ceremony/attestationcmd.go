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
	"github.com/tuf-ceremony/ceremony/internal/bounded"
	"github.com/tuf-ceremony/ceremony/keys"
)

// runAttestation is 'ceremony attestation': device attestations, checked
// on their own, for auditors and the check before a ceremony.
func runAttestation(env *runEnv, args []string, stdout, stderr io.Writer) error {
	return runGroup(env, "attestation", []subcommand{
		{"verify", "check a YubiHSM 2 key attestation against its device certificate (and a key), and print what it attests", runAttestationVerify},
	}, args, stdout, stderr)
}

// attestationReport is 'attestation verify --json'.
type attestationReport struct {
	Device       string `json:"device"`
	Serial       uint32 `json:"serial"`
	Firmware     string `json:"firmware"`
	KeyID        string `json:"keyid"`
	Scheme       string `json:"scheme"`
	KeyMatches   *bool  `json:"key_matches,omitempty"`
	Origin       string `json:"origin"`
	Capabilities string `json:"capabilities"`
	Exportable   bool   `json:"exportable_under_wrap"`
	ObjectID     uint16 `json:"object_id"`
	Label        string `json:"label"`
	Chained      bool   `json:"chained_to_yubico"`
	Unchained    string `json:"not_chained_because,omitempty"`
	Attested     bool   `json:"attested"`
}

// runAttestationVerify is 'ceremony attestation verify ATTESTATION
// DEVICE-CERT': a YubiHSM 2 key attestation (DER or PEM) checked under
// the device certificate that issued it, the device certificate against
// Yubico's roots, and, with --key, the attested key against the TUF key a
// plan names. It exits 0 only when all of it holds: attested.
func runAttestationVerify(env *runEnv, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("attestation verify", flag.ContinueOnError)
	keyFile := fs.String("key", "", "the TUF public key file the attestation must certify")
	serial := fs.String("serial", "", "the device serial the attestation must name")
	asJSON := fs.Bool("json", false, "print the report as JSON (schema ceremony/attestation/v1)")
	rest, err := parseFlags(fs, args, stderr, "[--key KEY.pub] [--serial N] [--json] ATTESTATION DEVICE-CERT", 2, 2)
	if err != nil {
		return err
	}
	var wantSerial uint64
	if *serial != "" {
		// Yubico's tools print a serial zero-padded: 0013200460.
		if wantSerial, err = strconv.ParseUint(*serial, 10, 32); err != nil || wantSerial == 0 {
			return usageError{fmt.Sprintf("--serial %q: want the device's serial number", *serial)}
		}
	}
	keyCert, err := readCertificate(rest[0])
	if err != nil {
		return err
	}
	device, err := readCertificate(rest[1])
	if err != nil {
		return err
	}
	// No Yubico YubiHSM root is held yet: the chain is reported
	// incomplete, and nothing is called attested.
	h, err := attestation.VerifyYubiHSM(keyCert, device, nil, nil, env.engine.NowOr(time.Time{}))
	if err != nil {
		return fmt.Errorf("attestation %s: %w", rest[0], err)
	}
	tk, err := keys.FromPublicKey(h.Key)
	if err != nil {
		return fmt.Errorf("attestation %s: the attested key: %w", rest[0], err)
	}
	id, err := keys.ID(tk)
	if err != nil {
		return err
	}
	rep := attestationReport{Device: "YubiHSM 2", Serial: h.Serial, Firmware: h.Firmware,
		KeyID: id, Scheme: tk.Scheme, Origin: h.OriginText(), Capabilities: fmt.Sprintf("%#x", h.Capabilities),
		Exportable: h.Capabilities&attestation.HSMCapExportableUnderWrap != 0, ObjectID: h.ObjectID, Label: h.Label,
		Chained: h.Chained, Unchained: h.Unchained}
	var problems []string
	if *keyFile != "" {
		want, err := readTUFKey(*keyFile)
		if err != nil {
			return err
		}
		matches := keys.SameKey(want, tk)
		rep.KeyMatches = &matches
		if !matches {
			problems = append(problems, "the attested key is not the key of "+*keyFile)
		}
	}
	if wantSerial != 0 && wantSerial != uint64(h.Serial) {
		problems = append(problems, fmt.Sprintf("the attestation names device %d, not %d", h.Serial, wantSerial))
	}
	if h.Origin != attestation.HSMOriginGenerated {
		problems = append(problems, "the key was not generated on the device: "+h.OriginText())
	}
	if rep.Exportable {
		problems = append(problems, "the key may be exported under wrap (exportable-under-wrap)")
	}
	if !h.Chained {
		problems = append(problems, h.Unchained)
	}
	rep.Attested = len(problems) == 0
	if *asJSON {
		if err := printJSON(stdout, "attestation", &rep); err != nil {
			return err
		}
	} else {
		printAttestation(stdout, rep)
	}
	if len(problems) > 0 {
		return fmt.Errorf("attestation %s is not attested: %s", rest[0], strings.Join(problems, "; "))
	}
	return nil
}

func printAttestation(w io.Writer, r attestationReport) {
	begins, _ := hex.DecodeString(r.KeyID[:8])
	fmt.Fprintf(w, "%s key attestation\ndevice: serial %d, firmware %s\nkey: %s %s (begins %s)\n", r.Device, r.Serial, r.Firmware, r.KeyID, r.Scheme, bundle.PGPWords(begins))
	if r.KeyMatches != nil {
		fmt.Fprintf(w, "matches the key given: %v\n", *r.KeyMatches)
	}
	fmt.Fprintf(w, "origin: %s\ncapabilities: %s; exportable under wrap: %v\nobject: %#04x, label %q\n", r.Origin, r.Capabilities, r.Exportable, r.ObjectID, r.Label)
	if r.Chained {
		fmt.Fprintln(w, "chain: the device certificate chains to Yubico's root")
	} else {
		fmt.Fprintf(w, "chain: %s\n", r.Unchained)
	}
}

// readCertificate reads one certificate, DER or PEM.
func readCertificate(path string) (*x509.Certificate, error) {
	data, err := bounded.ReadFile(path, keys.MaxPublicKeyFile)
	if err != nil {
		return nil, fmt.Errorf("failed to read certificate %s: %w", path, err)
	}
	c, err := attestation.ParseCertificate(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
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
