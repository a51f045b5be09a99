package claims

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/attestation"
	"github.com/tuf-ceremony/ceremony/keys"
)

// DefaultMaxSkew is how far in the future a statement's date may be when
// Options.MaxSkew is zero: the maintainer's clock and the air-gapped
// laptop's disagree a little.
const DefaultMaxSkew = time.Hour

// DefaultMaxAge is how old a claim request may be when the administrators
// review it, outside the ceremony ('ceremony claims review') and in it
// ('ceremony claims init', the app) alike: a fresh request says the
// maintainers hold their keys now.
const DefaultMaxAge = 90 * 24 * time.Hour

// Options say how requests are checked.
type Options struct {
	// Now is the time to check dates against; zero means time.Now().
	Now time.Time
	// MaxAge refuses a request signed longer ago than this; zero means no
	// limit.
	MaxAge time.Duration
	// MaxSkew is how far in the future a date may be; zero means
	// DefaultMaxSkew.
	MaxSkew time.Duration
	// Roots are the attestation roots; nil means Yubico's PIV attestation
	// roots (embedded by piv-go). A pool of test roots is for virtual
	// YubiKeys in tests and rehearsals.
	Roots *x509.CertPool
	// RequireAttestation refuses a claim with a key that has no attestation.
	RequireAttestation bool

	// skipAttestationChains is for MakeRequest's read-back, which has no
	// roots: the attestations are bound to their keys but not chained.
	skipAttestationChains bool
}

func (o Options) now() time.Time {
	if o.Now.IsZero() {
		return time.Now()
	}
	return o.Now
}

// Verify reads a claim request (data, read from file) and checks it
// whole: the format, the project name, each key and its key ID, the
// threshold, the date, a signature by every key over the statement, and
// each attestation. The error is one line naming the file and the field,
// saying what to do; errors.Is tells its kind (ErrName, ErrProofOfPossession,
// ErrTampered ...).
func Verify(data []byte, file string, opts Options) (*Claim, error) {
	c, _, err := verify(data, file, opts)
	return c, err
}

// verify is Verify that also returns the project the statement names,
// when it could be read, for a refusal's report.
func verify(data []byte, file string, opts Options) (*Claim, string, error) {
	refuse := func(field string, err error) (*Claim, string, error) {
		return nil, "", &Error{File: file, Field: field, Err: err}
	}
	if len(data) > MaxRequestSize {
		return refuse("", errorf(ErrMalformed, "the file is %d bytes, over the limit of %d for a claim request", len(data), MaxRequestSize))
	}
	var req Request
	if err := decodeStrict(data, &req); err != nil {
		return refuse("", errorf(ErrMalformed, "not a claim request: %v; give the claim request file as its maintainers made it", err))
	}
	if req.Type != RequestType || req.Version != RequestVersion {
		return refuse("type", errorf(ErrMalformed, "%q version %d, want %q version %d: give the claim request file as its maintainers made it", req.Type, req.Version, RequestType, RequestVersion))
	}
	env := req.Envelope
	if env == nil {
		return refuse("envelope", errorf(ErrMalformed, "missing: the request carries no signed statement"))
	}
	if env.PayloadType != PayloadType {
		return refuse("envelope.payloadType", errorf(ErrMalformed, "%q, want %q", env.PayloadType, PayloadType))
	}
	body, err := base64.StdEncoding.DecodeString(env.Payload)
	if err != nil {
		return refuse("envelope.payload", errorf(ErrTampered, "not base64: the file was changed after it was signed; ask the maintainers for the file as they made it"))
	}
	var st Statement
	if err := decodeStrict(body, &st); err != nil {
		return refuse("envelope.payload", errorf(ErrMalformed, "the statement: %v", err))
	}
	if st.Type != StatementType {
		return refuse("envelope.payload._type", errorf(ErrMalformed, "%q, want %q", st.Type, StatementType))
	}
	project := st.Project
	fail := func(field string, err error) (*Claim, string, error) {
		return nil, project, &Error{File: file, Field: field, Err: err}
	}
	if err := CheckProject(st.Project); err != nil {
		return fail("", err) // the message names the project field
	}
	ids, err := checkKeys(st.Keys)
	if err != nil {
		return fail("keys", err)
	}
	if st.Threshold < 1 || st.Threshold > len(ids) {
		return fail("threshold", errorf(ErrThreshold, "%d, but the claim lists %d key(s): make the request again with --threshold from 1 to %d", st.Threshold, len(ids), len(ids)))
	}
	if err := checkDate(st.Date, opts); err != nil {
		return fail("date", err)
	}
	if err := checkSignatures(env, body, st.Keys, ids); err != nil {
		return fail("envelope.signatures", err)
	}
	attested, err := checkAttestations(req.Attestations, st.Keys, ids, opts)
	if err != nil {
		return fail("attestations", err)
	}
	sum := sha256.Sum256(data)
	return &Claim{
		Project:   st.Project,
		Keys:      st.Keys,
		Threshold: st.Threshold,
		Date:      st.Date,
		File:      file,
		SHA256:    hex.EncodeToString(sum[:]),
		Attested:  attested,
	}, project, nil
}

// checkKeys checks each key of a statement: a key we can verify with,
// in the canonical form this tool writes (no vendor fields), listed under
// its key ID, and no public key listed twice. It returns the key IDs
// sorted.
func checkKeys(ks map[string]*metadata.Key) ([]string, error) {
	if len(ks) == 0 {
		return nil, errorf(ErrKeys, "no keys: a claim names at least one key")
	}
	if len(ks) > MaxKeys {
		return nil, errorf(ErrKeys, "%d keys, over the limit of %d", len(ks), MaxKeys)
	}
	ids := make([]string, 0, len(ks))
	for id := range ks {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	seen := map[string]string{} // canonical key ID -> listed key ID
	for _, id := range ids {
		k := ks[id]
		if k == nil {
			return nil, errorf(ErrKeys, "key %s is null", short(id))
		}
		canon, err := canonicalKey(k)
		if err != nil {
			return nil, errorf(ErrKeys, "key %s: %v", short(id), err)
		}
		switch k.Scheme {
		case keys.SchemeEd25519, keys.SchemeECDSAP256, keys.SchemeECDSAP384:
		default:
			return nil, errorf(ErrKeys, "key %s has scheme %q: a claim's keys are ed25519, ecdsa-sha2-nistp256 or ecdsa-sha2-nistp384", short(id), k.Scheme)
		}
		if len(k.UnrecognizedFields) > 0 || canon.Type != k.Type || canon.Value.PublicKey != k.Value.PublicKey {
			return nil, errorf(ErrKeys, "key %s is not in the form this tool writes (keytype, scheme and keyval.public only; ECDSA as PEM): make the request again", short(id))
		}
		want, err := keys.ID(k)
		if err != nil {
			return nil, errorf(ErrKeys, "key %s: %v", short(id), err)
		}
		if id != want {
			return nil, errorf(ErrKeys, "a key is listed under key ID %s, but its key ID (SHA-256 of the canonical key) is %s: make the request again", short(id), short(want))
		}
		if other, dup := seen[want]; dup {
			return nil, errorf(ErrKeys, "the same public key is listed twice (%s and %s): list each key once", short(other), short(id))
		}
		seen[want] = id
	}
	return ids, nil
}

// canonicalKey is k as this tool writes it: decoded, then encoded again.
func canonicalKey(k *metadata.Key) (*metadata.Key, error) {
	pub, err := keys.PublicKeyOf(k)
	if err != nil {
		return nil, err
	}
	return keys.FromPublicKey(pub)
}

func checkDate(date time.Time, opts Options) error {
	if date.IsZero() {
		return errorf(ErrDate, "missing: make the request again")
	}
	now := opts.now()
	skew := opts.MaxSkew
	if skew == 0 {
		skew = DefaultMaxSkew
	}
	if date.After(now.Add(skew)) {
		return errorf(ErrDate, "%s is in the future (now %s): check the clocks, then make the request again", date.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if opts.MaxAge > 0 && date.Before(now.Add(-opts.MaxAge)) {
		return errorf(ErrDate, "%s is more than %s old: make a fresh request", date.UTC().Format(time.RFC3339), days(opts.MaxAge))
	}
	return nil
}

func days(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return d.String()
}

// checkSignatures wants exactly one signature by each key of the
// statement, each verifying over the payload's PAE. When none verifies the
// statement was changed after signing (or every key is wrong: one key
// alone cannot tell); when some do, the others are a failed proof of
// possession.
func checkSignatures(env *dsse.Envelope, body []byte, ks map[string]*metadata.Key, ids []string) error {
	if len(env.Signatures) == 0 {
		return errorf(ErrProofOfPossession, "the statement is not signed: every listed key must sign it; make the request again, signed by every key")
	}
	pae := dsse.PAE(env.PayloadType, body)
	signed := map[string]bool{}
	var bad []string
	for i, s := range env.Signatures {
		k, ok := ks[s.KeyID]
		if !ok {
			return errorf(ErrProofOfPossession, "signature %d is by key %s, which the statement does not list: a claim is signed by its own keys only", i, short(s.KeyID))
		}
		if signed[s.KeyID] {
			return errorf(ErrProofOfPossession, "key %s signs twice: one signature per key", short(s.KeyID))
		}
		signed[s.KeyID] = true
		sig, err := base64.StdEncoding.DecodeString(s.Sig)
		if err != nil || keys.Verify(k, pae, sig) != nil {
			bad = append(bad, s.KeyID)
		}
	}
	if len(bad) == len(env.Signatures) {
		if len(bad) == 1 {
			return errorf(ErrTampered, "the signature by key %s does not verify over the statement: the file was changed after it was signed, or that key did not make the signature; ask the maintainers for the file as they made it", short(bad[0]))
		}
		return errorf(ErrTampered, "none of the %d signatures verifies over the statement: the file was changed after it was signed; ask the maintainers for the file as they made it", len(bad))
	}
	if len(bad) > 0 {
		return errorf(ErrProofOfPossession, "the signature by key %s does not verify (bad proof of possession: that key did not sign this statement); make the request again, signing with every key", shortList(bad))
	}
	var missing []string
	for _, id := range ids {
		if !signed[id] {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return errorf(ErrProofOfPossession, "key %s did not sign the statement (no proof of possession): make the request again, signing with every key", shortList(missing))
	}
	return nil
}

// checkAttestations verifies each attestation: for a listed key, with the
// serial it names, chaining to the roots, certifying exactly that key.
func checkAttestations(atts map[string]Attestation, ks map[string]*metadata.Key, ids []string, opts Options) (map[string]*attestation.YubiKey, error) {
	out := map[string]*attestation.YubiKey{}
	names := make([]string, 0, len(atts))
	for id := range atts {
		names = append(names, id)
	}
	sort.Strings(names)
	for _, id := range names {
		a := atts[id]
		k, ok := ks[id]
		if !ok {
			return nil, errorf(ErrAttestation, "an attestation is for key %s, which the statement does not list: remove it or make the request again", short(id))
		}
		if a.Serial == 0 {
			return nil, errorf(ErrAttestation, "%s.serial is missing: make the request again with the YubiKey inserted", short(id))
		}
		slot, err := attestation.ParseCertificatePEM([]byte(a.SlotCertificate))
		if err != nil {
			return nil, errorf(ErrAttestation, "%s.slot_certificate: %v", short(id), err)
		}
		device, err := attestation.ParseCertificatePEM([]byte(a.DeviceCertificate))
		if err != nil {
			return nil, errorf(ErrAttestation, "%s.device_certificate: %v", short(id), err)
		}
		if opts.skipAttestationChains {
			attested, err := keys.FromPublicKey(slot.PublicKey)
			if err != nil || !keys.SameKey(attested, k) {
				return nil, errorf(ErrAttestation, "%s: the attested key is not key %s", short(id), short(id))
			}
			continue
		}
		info, err := attestation.VerifyYubiKey(slot, device, opts.Roots, attestation.Expectation{Key: k, Serial: a.Serial})
		if err != nil {
			return nil, errorf(ErrAttestation, "key %s (YubiKey %d): %v; make the key on the YubiKey, then the request again", short(id), a.Serial, err)
		}
		out[id] = info
	}
	if opts.RequireAttestation {
		for _, id := range ids {
			if _, ok := atts[id]; !ok {
				return nil, errorf(ErrAttestation, "key %s has no attestation, and this review requires one for every key: make the key on a YubiKey", short(id))
			}
		}
	}
	return out, nil
}

// short is a key ID as the messages show it: its first 12 hex digits, or
// quoted when it is not hex (a hostile file's ID stays on one line).
func short(id string) string {
	if id == "" || strings.Trim(id, "0123456789abcdef") != "" {
		if len(id) > 24 {
			id = id[:24] + "..."
		}
		return strconv.Quote(id)
	}
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

func shortList(ids []string) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = short(id)
	}
	return strings.Join(s, ", ")
}
