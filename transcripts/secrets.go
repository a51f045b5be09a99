package transcripts

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// ErrSecret means a record or a state was refused because it holds a
// secret: a string registered with ForbidSecret, or a PEM private key.
var ErrSecret = errors.New("refusing to write a secret to the transcript")

// privateKeyMarker ends the first line of every PEM private key ("-----BEGIN
// PRIVATE KEY" and five dashes, "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY" ...).
const privateKeyMarker = "PRIVATE KEY" + "-----" // split: no tracked file holds a PEM marker

// secretGuard remembers secrets without keeping them: for each registered
// secret it holds the lengths of the forms a bug could write it in and a
// keyed SHA-256 of each form, under a key drawn at random for this
// transcript and wiped by Close. It never holds the secret's bytes.
//
// The forms: the secret as given, its hex (lower and upper case) and the
// hex of its SHA-256 (a "hash of the PIN" is as good as the PIN to whoever
// tries every PIN).
//
// Where it looks: every free-text field (who, message, device, map names,
// signature role) is searched for a form anywhere inside it; fields that
// must be hex (hashes, the signature, the key ID) are compared whole. Hex
// fields are not searched inside because a short PIN's digits occur by
// chance in hex: a given 4-digit PIN is inside one of a record's hashes
// about once in a hundred records, and inside "2026-..." all year long.
type secretGuard struct {
	key     []byte
	lengths map[int]bool
	digests map[[sha256.Size]byte]bool
}

func (g *secretGuard) add(secret []byte) error {
	if len(secret) == 0 {
		return nil
	}
	if g.key == nil {
		g.key = make([]byte, 32)
		if _, err := rand.Read(g.key); err != nil {
			g.key = nil
			return fmt.Errorf("failed to draw a key for the secret guard: %w", err)
		}
		g.lengths = map[int]bool{}
		g.digests = map[[sha256.Size]byte]bool{}
	}
	// Encoded into byte slices, not strings, so that they can be wiped.
	sum := sha256.Sum256(secret)
	lower := make([]byte, hex.EncodedLen(len(secret)))
	hex.Encode(lower, secret)
	hashed := make([]byte, hex.EncodedLen(len(sum)))
	hex.Encode(hashed, sum[:])
	clear(sum[:])
	forms := [][]byte{secret, lower, bytes.ToUpper(lower), hashed}
	var buf []byte
	for i, f := range forms {
		g.lengths[len(f)] = true
		g.digests[keyed(g.key, &buf, f)] = true
		if i > 0 {
			clear(f) // ours; the caller's secret is the caller's to wipe
		}
	}
	clear(buf)
	return nil
}

// keyed is SHA-256(key || s); buf is scratch space, reused so that
// searching a field allocates nothing.
func keyed[T string | []byte](key []byte, buf *[]byte, s T) [sha256.Size]byte {
	*buf = append(append((*buf)[:0], key...), s...)
	return sha256.Sum256(*buf)
}

// inside reports whether s holds a registered form anywhere.
func (g *secretGuard) inside(s string) bool {
	if g.key == nil {
		return false
	}
	var buf []byte
	defer func() { clear(buf) }()
	for n := range g.lengths {
		for i := 0; i+n <= len(s); i++ {
			if g.digests[keyed(g.key, &buf, s[i:i+n])] {
				return true
			}
		}
	}
	return false
}

// is reports whether s is, whole, a registered form.
func (g *secretGuard) is(s string) bool {
	if g.key == nil || !g.lengths[len(s)] {
		return false
	}
	var buf []byte
	defer func() { clear(buf) }()
	return g.digests[keyed(g.key, &buf, s)]
}

func (g *secretGuard) wipe() {
	clear(g.key)
	g.key = nil
	clear(g.digests)
	clear(g.lengths)
}

// RedactedMark takes the place of a secret in a record's free text.
const RedactedMark = "[redacted]"

// redactable are the free-text fields a secret is replaced in (sorted):
// an error or refusal message may quote what a person typed (a PIN typed
// as "wrong" is inside "wrong PIN"), and the record of the failure must
// still be written. Only a failure's record (Error, Refusal) has its who
// and device redacted: in any other record they name the holder and the
// device a replay checks, and a secret there refuses the record.
var redactable = []string{"device.firmware", "device.model", "device.serial", "message", "who"}

// redactRecord replaces every registered form inside r's free-text fields
// by RedactedMark and lists those fields in r.Redacted.
func (g *secretGuard) redactRecord(r *Record) {
	fields := map[string]*string{"message": &r.Message}
	if r.Kind == Error || r.Kind == Refusal {
		fields["who"] = &r.Who
		if r.Device != nil {
			d := *r.Device // the caller's stays as it is
			r.Device = &d
			fields["device.model"], fields["device.serial"], fields["device.firmware"] = &d.Model, &d.Serial, &d.Firmware
		}
	}
	for _, name := range redactable {
		if p := fields[name]; p != nil {
			if out, changed := g.redact(*p); changed {
				*p = out
				r.Redacted = append(r.Redacted, name)
			}
		}
	}
}

// redact replaces every registered form inside s, and reports whether it
// replaced any: every byte any form covers is marked, and each run of
// marked bytes becomes one mark, so that no overlap leaves part of a
// longer form (a hash of the PIN) behind. Should a form still be found
// (it spans a mark), the whole of s is replaced.
func (g *secretGuard) redact(s string) (string, bool) {
	if g.key == nil || !g.inside(s) {
		return s, false
	}
	covered := make([]bool, len(s))
	var buf []byte
	defer func() { clear(buf) }()
	for n := range g.lengths {
		for i := 0; i+n <= len(s); i++ {
			if g.digests[keyed(g.key, &buf, s[i:i+n])] {
				for j := i; j < i+n; j++ {
					covered[j] = true
				}
			}
		}
	}
	mark := g.mark()
	var b strings.Builder
	for i := 0; i < len(s); {
		if !covered[i] {
			b.WriteByte(s[i])
			i++
			continue
		}
		b.WriteString(mark)
		for i < len(s) && covered[i] {
			i++
		}
	}
	if out := b.String(); !g.inside(out) {
		return out, true
	}
	return mark, true
}

// mark is RedactedMark, or, should a registered secret be inside it (a
// PIN "dact"), a shorter mark without one, or nothing.
func (g *secretGuard) mark() string {
	for _, m := range []string{RedactedMark, "[-]"} {
		if !g.inside(m) {
			return m
		}
	}
	return ""
}

// checkRecord returns an error naming the first field of r that holds a
// secret, once the free-text fields are redacted (redactRecord): a
// secret in a name or a hex field, or a PEM private key anywhere, is a
// bug, and the record is refused. The error never quotes the field.
func (g *secretGuard) checkRecord(r *Record) error {
	var text []struct{ field, value string }
	add := func(field, value string) { text = append(text, struct{ field, value string }{field, value}) }
	add("who", r.Who)
	add("message", r.Message)
	if d := r.Device; d != nil {
		add("device.kind", d.Kind)
		add("device.model", d.Model)
		add("device.serial", d.Serial)
		add("device.firmware", d.Firmware)
	}
	if s := r.Signature; s != nil {
		add("signature.role", s.Role)
	}
	var whole []struct{ field, value string }
	for _, m := range []struct {
		name string
		m    map[string]string
	}{{"inputs", r.Inputs}, {"outputs", r.Outputs}, {"states", r.States}} {
		for _, k := range sortedKeys(m.m) {
			add(m.name+" name", k)
			whole = append(whole, struct{ field, value string }{fmt.Sprintf("%s[%q]", m.name, k), m.m[k]})
		}
	}
	if s := r.Signature; s != nil {
		whole = append(whole, struct{ field, value string }{"signature.keyid", s.KeyID}, struct{ field, value string }{"signature.sig", s.Sig})
	}
	for _, f := range text {
		if strings.Contains(f.value, privateKeyMarker) {
			return fmt.Errorf("%w: %s holds a PEM private key", ErrSecret, f.field)
		}
		if g.inside(f.value) {
			return fmt.Errorf("%w: %s holds a secret registered with ForbidSecret", ErrSecret, f.field)
		}
	}
	for _, f := range whole {
		if g.is(f.value) {
			return fmt.Errorf("%w: %s is a secret registered with ForbidSecret, or its hex or hash", ErrSecret, f.field)
		}
	}
	return nil
}

// checkState refuses a state holding a PEM private key. States are not
// searched for registered secrets: metadata is full of digits (versions,
// lengths, key IDs, "project-000123"), and a short PIN would be found in
// most of it by chance.
func checkState(data pieces) error {
	if data.contains([]byte(privateKeyMarker)) {
		return errStateHoldsKey
	}
	return nil
}

// errStateHoldsKey refuses a state holding a PEM private key.
var errStateHoldsKey = fmt.Errorf("%w: the state holds a PEM private key", ErrSecret)
