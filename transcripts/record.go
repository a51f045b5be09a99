package transcripts

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"time"
	"unicode/utf8"
)

// Kind is what a record records. The set is closed: a record of any other
// kind is refused by Append and reported by Verify.
type Kind string

const (
	// Init: a workspace was created (inputs: the plan, the trusted root;
	// states: the unsigned metadata).
	Init Kind = "init"
	// Keygen: a key was made on a device or in a file.
	Keygen Kind = "keygen"
	// Attestation: a device attestation was checked (the message says how
	// it went).
	Attestation Kind = "attestation"
	// Sign: a signature was made and verified (signature; states: the
	// metadata with it).
	Sign Kind = "sign"
	// Refusal: the tool refused a step (the message says why).
	Refusal Kind = "refusal"
	// Error: a step failed (the message is the error).
	Error Kind = "error"
	// Note: an exception the operator recorded in their own words.
	Note Kind = "note"
	// Bundle: the signed metadata was bundled for the online side.
	Bundle Kind = "bundle"
	// Seal: the ceremony was closed; nothing follows.
	Seal Kind = "seal"
	// Resume: work went on after an interruption (ResumeTorn writes one after
	// setting a torn record aside).
	Resume Kind = "resume"
)

var kinds = map[Kind]bool{
	Init: true, Keygen: true, Attestation: true, Sign: true, Refusal: true,
	Error: true, Note: true, Bundle: true, Seal: true, Resume: true,
}

// Valid reports whether k is one of the kinds above.
func (k Kind) Valid() bool { return kinds[k] }

// Device kinds, as key URIs name them.
const (
	DeviceFile    = "file"
	DevicePKCS11  = "pkcs11"
	DeviceYubiKey = "yubikey"
)

// Record is one line of the transcript.
//
// The fields are declared in the order of their JSON names: encoding/json
// writes struct fields in declaration order and map keys sorted, so a
// record's line has its keys sorted at every level and its bytes follow
// from its content alone.
type Record struct {
	// Device is the device a key was used on or made on.
	Device *Device `json:"device,omitempty"`
	// Inputs and Outputs name files or values by their SHA-256 (lowercase
	// hex): the plan, a public key, an attestation, a bundle.
	Inputs map[string]string `json:"inputs,omitempty"`
	Kind   Kind              `json:"kind"`
	// Message is the refusal's reason, the error, or the operator's note.
	Message string            `json:"message,omitempty"`
	Outputs map[string]string `json:"outputs,omitempty"`
	// Prev is the SHA-256 of the previous record's line, newline included;
	// "" for record 1. Set by Append.
	Prev string `json:"prev"`
	// Redacted names the free-text fields ("who", "message",
	// "device.model" ...) in which Append replaced a secret registered with
	// ForbidSecret by RedactedMark: the record was kept, the secret not.
	Redacted []string `json:"redacted,omitempty"`
	// Seq numbers records from 1, without gaps. Set by Append.
	Seq       int64      `json:"seq"`
	Signature *Signature `json:"signature,omitempty"`
	// States maps a role to the SHA-256 of its whole metadata file after the
	// step; the file itself is in the state store (PutState), stored before
	// the record is appended.
	States map[string]string `json:"states,omitempty"`
	// Time is when the record was appended, UTC. Set by Append.
	Time time.Time `json:"time"`
	// Tool is the ceremony binary that created the workspace: set on the
	// init record only.
	Tool *Tool `json:"tool,omitempty"`
	// Who is the keyholder, witness or operator, by name.
	Who string `json:"who,omitempty"`
}

// Device says which device was used. Every field is optional.
type Device struct {
	Firmware string `json:"firmware,omitempty"`
	// Kind is DeviceFile, DevicePKCS11 or DeviceYubiKey.
	Kind   string `json:"kind,omitempty"`
	Model  string `json:"model,omitempty"`
	Serial string `json:"serial,omitempty"`
}

// Tool says which ceremony binary wrote a record: its version, commit, Go
// version, build ("full" or "auditor") and the SHA-256 of its file, to
// compare with the release's SHA256SUMS.
type Tool struct {
	Build   string `json:"build,omitempty"`
	Commit  string `json:"commit,omitempty"`
	Go      string `json:"go,omitempty"`
	SHA256  string `json:"sha256,omitempty"`
	Version string `json:"version,omitempty"`
}

// String says, in one line, which tool it was (the SHA-256 apart).
func (t *Tool) String() string {
	return fmt.Sprintf("ceremony %s (commit %s, %s, %s build)", t.Version, t.Commit, t.Go, t.Build)
}

// Signature is the signature a Sign record made, as it went into the
// metadata.
type Signature struct {
	KeyID string `json:"keyid"`
	Role  string `json:"role"`
	// Sig is the signature in lowercase hex, as TUF writes it.
	Sig string `json:"sig"`
}

// MaxRecordSize bounds one record's line. A record names files by hash and
// keeps metadata in the state store, so most records are well under 1 KB;
// the largest is a claims ceremony's init record, which names every claim
// request it took in (about 124 bytes each): 16 MiB holds some 130,000 of
// them. (1 MiB refused a ceremony of 8,400 requests.)
const MaxRecordSize = 16 << 20

// normalize drops empty optional parts, so that a record has one encoding.
func (r *Record) normalize() {
	if r.Device != nil && *r.Device == (Device{}) {
		r.Device = nil
	}
	if r.Signature != nil && *r.Signature == (Signature{}) {
		r.Signature = nil
	}
	if r.Tool != nil && *r.Tool == (Tool{}) {
		r.Tool = nil
	}
}

// check validates everything in a record but its place in the chain (seq
// and prev), which the caller checks.
func (r *Record) check() error {
	if !r.Kind.Valid() {
		return fmt.Errorf("kind %q is not a record kind", r.Kind)
	}
	if r.Tool != nil && r.Kind != Init {
		return fmt.Errorf("a %s record names the tool: only the init record does", r.Kind)
	}
	if r.Tool != nil && r.Tool.SHA256 != "" && !isSHA256(r.Tool.SHA256) {
		return fmt.Errorf("tool.sha256 %q is not a SHA-256 in lowercase hex", r.Tool.SHA256)
	}
	if r.Time.IsZero() {
		return fmt.Errorf("time is missing")
	}
	if _, off := r.Time.Zone(); off != 0 {
		return fmt.Errorf("time %s is not in UTC", r.Time.Format(time.RFC3339Nano))
	}
	for _, f := range []struct{ name, value string }{{"who", r.Who}, {"message", r.Message}} {
		if !utf8.ValidString(f.value) {
			return fmt.Errorf("%s is not valid UTF-8", f.name)
		}
	}
	for i, name := range r.Redacted {
		if !slices.Contains(redactable, name) || (i > 0 && r.Redacted[i-1] >= name) {
			return fmt.Errorf("redacted[%d] %q: want field names among %q, sorted, each once", i, name, redactable)
		}
	}
	if d := r.Device; d != nil {
		switch d.Kind {
		case "", DeviceFile, DevicePKCS11, DeviceYubiKey:
		default:
			return fmt.Errorf("device.kind %q is not one of %q, %q, %q", d.Kind, DeviceFile, DevicePKCS11, DeviceYubiKey)
		}
		for _, s := range []string{d.Firmware, d.Model, d.Serial} {
			if !utf8.ValidString(s) {
				return fmt.Errorf("device is not valid UTF-8")
			}
		}
	}
	for _, m := range []struct {
		name string
		m    map[string]string
	}{{"inputs", r.Inputs}, {"outputs", r.Outputs}, {"states", r.States}} {
		for k, v := range m.m {
			if k == "" || !utf8.ValidString(k) {
				return fmt.Errorf("%s: name %q is empty or not valid UTF-8", m.name, k)
			}
			if !isSHA256(v) {
				return fmt.Errorf("%s[%q]: %q is not a SHA-256 in lowercase hex", m.name, k, v)
			}
		}
	}
	if s := r.Signature; s != nil {
		switch {
		case s.Role == "" || !utf8.ValidString(s.Role):
			return fmt.Errorf("signature.role is empty or not valid UTF-8")
		case s.KeyID == "" || !utf8.ValidString(s.KeyID):
			return fmt.Errorf("signature.keyid is empty or not valid UTF-8")
		case s.Sig == "" || len(s.Sig)%2 != 0 || !isLowerHex(s.Sig):
			return fmt.Errorf("signature.sig is not a signature in lowercase hex")
		}
	}
	return nil
}

// encode returns a record's line: compact JSON, keys sorted, HTML
// characters left as they are, ending in "\n".
func encode(r *Record) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return nil, fmt.Errorf("failed to encode record %d: %w", r.Seq, err)
	}
	return buf.Bytes(), nil
}

// parseLine decodes one line (newline included) and checks that it is a
// valid record in its one encoding. The reason is "" when it is.
func parseLine(line []byte) (Record, string) {
	var r Record
	if len(line) > MaxRecordSize {
		return r, fmt.Sprintf("%d bytes, over the limit of %d for a record", len(line), MaxRecordSize)
	}
	if err := json.Unmarshal(line, &r); err != nil {
		return r, fmt.Sprintf("not a record: %v", err)
	}
	r.normalize()
	if err := r.check(); err != nil {
		return r, err.Error()
	}
	again, err := encode(&r)
	if err != nil {
		return r, err.Error()
	}
	if !bytes.Equal(again, line) {
		return r, "not in the transcript's encoding (compact JSON, keys sorted): the line was edited, or written by something else"
	}
	return r, ""
}

// hashLine is the SHA-256 of a line, newline included, as sha256sum prints
// it for `sed -n Np transcript.jsonl`.
func hashLine(line []byte) string {
	sum := sha256.Sum256(line)
	return hex.EncodeToString(sum[:])
}

func isSHA256(s string) bool { return len(s) == 2*sha256.Size && isLowerHex(s) }

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Sum is the SHA-256 of data in lowercase hex: how records name the files
// and states they refer to.
func Sum(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
