package claims

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"

	"github.com/tuf-ceremony/ceremony/keys"
)

// TestMakeAndVerify: a request with one key of each type, threshold 2,
// reads back as the claim that was made; each signature is over the DSSE
// PAE of the payload and verifies under the key's TUF scheme.
func TestMakeAndVerify(t *testing.T) {
	ed, p256, p384 := newSigner(t, keys.TypeEd25519), newSigner(t, keys.TypeECDSAP256), newSigner(t, keys.TypeECDSAP384)
	data := makeRequest(t, "foo-bar", 2, ed, p256, p384)
	c, err := Verify(data, "reqs/foo-bar.claim.json", Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if c.Project != "foo-bar" || c.Threshold != 2 || !c.Date.Equal(testNow) || c.File != "reqs/foo-bar.claim.json" ||
		c.SHA256 != hex.EncodeToString(sum[:]) || len(c.Keys) != 3 || len(c.Attested) != 0 {
		t.Errorf("claim = %+v", c)
	}
	for _, s := range []keys.Signer{ed, p256, p384} {
		if k := c.Keys[keyID(t, s)]; k == nil || !keys.SameKey(k, s.TUFKey()) {
			t.Errorf("key %s (%s) missing from the claim", keyID(t, s), s.TUFKey().Scheme)
		}
	}
	req, _ := decodeRequest(t, data)
	body, _ := base64.StdEncoding.DecodeString(req.Envelope.Payload)
	pae := dsse.PAE(PayloadType, body)
	if len(req.Envelope.Signatures) != 3 {
		t.Fatalf("%d signatures, want 3", len(req.Envelope.Signatures))
	}
	for _, s := range req.Envelope.Signatures {
		sig, _ := base64.StdEncoding.DecodeString(s.Sig)
		if err := keys.Verify(c.Keys[s.KeyID], pae, sig); err != nil {
			t.Errorf("signature by %s does not verify over the PAE: %v", s.KeyID, err)
		}
	}
	// The same keys in another order make the same statement.
	again, err := MakeRequest("foo-bar", []keys.Signer{p384, ed, p256}, 2, testNow, nil)
	if err != nil {
		t.Fatal(err)
	}
	req2, _ := decodeRequest(t, again)
	if req2.Envelope.Payload != req.Envelope.Payload {
		t.Errorf("the statement depends on the order of the keys")
	}
}

func TestMakeRequestRefuses(t *testing.T) {
	a, b := newSigner(t, keys.TypeEd25519), newSigner(t, keys.TypeECDSAP256)
	for _, c := range []struct {
		name      string
		project   string
		signers   []keys.Signer
		threshold int
		atts      map[string]Attestation
		kind      error
		want      string
	}{
		{"unnormalized", "Foo_Bar", []keys.Signer{a}, 1, nil, ErrName, `write "foo-bar"`},
		{"invalid", "foo/bar", []keys.Signer{a}, 1, nil, ErrName, `"/"`},
		{"no keys", "foo", nil, 1, nil, ErrKeys, "no keys"},
		{"threshold 0", "foo", []keys.Signer{a}, 0, nil, ErrThreshold, "threshold 0 with 1 key"},
		{"threshold too high", "foo", []keys.Signer{a, b}, 3, nil, ErrThreshold, "from 1 to 2"},
		{"key twice", "foo", []keys.Signer{a, b, a}, 1, nil, ErrKeys, "given twice"},
		{"attestation of another key", "foo", []keys.Signer{a}, 1, map[string]Attestation{keyID(t, b): {}}, ErrAttestation, "not one of the keys given"},
	} {
		_, err := MakeRequest(c.project, c.signers, c.threshold, testNow, c.atts)
		if !errors.Is(err, c.kind) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want %v saying %q", c.name, err, c.kind, c.want)
		}
	}
}

// TestVerifyRefusals: every refusal is one line that names the file and
// the field, of the kind errors.Is reports.
func TestVerifyRefusals(t *testing.T) {
	a, b, other := newSigner(t, keys.TypeEd25519), newSigner(t, keys.TypeECDSAP256), newSigner(t, keys.TypeECDSAP384)
	ida, idb := keyID(t, a), keyID(t, b)
	good := makeRequest(t, "foo-bar", 1, a, b)

	edit := func(f func(req *Request, st *Statement)) []byte {
		req, st := decodeRequest(t, good)
		f(&req, &st)
		body, err := json.Marshal(st)
		if err != nil {
			t.Fatal(err)
		}
		req.Envelope.Payload = base64.StdEncoding.EncodeToString(body)
		return encodeRequest(t, req)
	}
	withStatement := func(f func(st *Statement)) []byte {
		st := statementOf(t, "foo-bar", 1, a, b)
		f(&st)
		return signStatement(t, st, a, b)
	}
	// b's signature replaced by one that other made, under b's key ID.
	badPoP := func() []byte {
		st := statementOf(t, "foo-bar", 1, a, b)
		body, _ := json.Marshal(st)
		return signRaw(t, body, nil, map[string]keys.Signer{ida: a, idb: other})
	}()
	unsignedB := func() []byte {
		st := statementOf(t, "foo-bar", 1, a, b)
		body, _ := json.Marshal(st)
		return signRaw(t, body, nil, map[string]keys.Signer{ida: a})
	}()
	byOther := func() []byte {
		st := statementOf(t, "foo-bar", 1, a, b)
		body, _ := json.Marshal(st)
		return signRaw(t, body, nil, map[string]keys.Signer{ida: a, idb: b, keyID(t, other): other})
	}()
	dupKeyJSON := func() []byte {
		// The statement lists key a twice (the same JSON key twice).
		st := statementOf(t, "foo-bar", 1, a)
		body, _ := json.Marshal(st)
		kb, _ := json.Marshal(a.TUFKey())
		entry := `"` + ida + `":` + string(kb)
		body = bytes.Replace(body, []byte(entry), []byte(entry+","+entry), 1)
		return signRaw(t, body, nil, map[string]keys.Signer{ida: a})
	}()

	for _, c := range []struct {
		name  string
		data  []byte
		opts  Options
		kind  error
		field string
		want  string
	}{
		{"unnormalized name", withStatement(func(st *Statement) { st.Project = "Foo_Bar" }), Options{}, ErrName, "", `write "foo-bar"`},
		{"invalid name", withStatement(func(st *Statement) { st.Project = "foo bar" }), Options{}, ErrName, "", "a space"},
		{"path in name", withStatement(func(st *Statement) { st.Project = "../x" }), Options{}, ErrName, "", `"/"`},
		{"unicode name", withStatement(func(st *Statement) { st.Project = "fóo" }), Options{}, ErrName, "", "non-ASCII"},
		{"role's name", withStatement(func(st *Statement) { st.Project = "timestamp" }), Options{}, ErrName, "", "timestamp role"},
		{"bad proof of possession", badPoP, Options{}, ErrProofOfPossession, "envelope.signatures", "signature by key " + idb[:12] + " does not verify (bad proof of possession"},
		{"a key did not sign", unsignedB, Options{}, ErrProofOfPossession, "envelope.signatures", "key " + idb[:12] + " did not sign"},
		{"signed by an unlisted key", byOther, Options{}, ErrProofOfPossession, "envelope.signatures", "which the statement does not list"},
		{"tampered threshold", edit(func(_ *Request, st *Statement) { st.Threshold = 2 }), Options{}, ErrTampered, "envelope.signatures", "none of the 2 signatures verifies"},
		{"tampered project", edit(func(_ *Request, st *Statement) { st.Project = "foo-baz" }), Options{}, ErrTampered, "envelope.signatures", "changed after it was signed"},
		{"key added after signing", edit(func(_ *Request, st *Statement) { st.Keys[keyID(t, other)] = other.TUFKey() }), Options{}, ErrTampered, "envelope.signatures", "changed after it was signed"},
		{"key listed twice", dupKeyJSON, Options{}, ErrMalformed, "envelope.payload", `keys has the key "` + ida + `" twice`},
		{"key under a wrong ID", withStatement(func(st *Statement) { st.Keys[strings.Repeat("0", 64)] = st.Keys[ida]; delete(st.Keys, ida) }), Options{}, ErrKeys, "keys", "its key ID (SHA-256 of the canonical key) is " + ida[:12]},
		{"key with vendor fields", withStatement(func(st *Statement) {
			k := keys.Copy(st.Keys[ida])
			k.UnrecognizedFields = map[string]any{"x-foo": "bar"}
			st.Keys[ida] = k
		}), Options{}, ErrKeys, "keys", "not in the form this tool writes"},
		{"no keys", withStatement(func(st *Statement) { st.Keys = nil }), Options{}, ErrKeys, "keys", "no keys"},
		{"threshold 0", withStatement(func(st *Statement) { st.Threshold = 0 }), Options{}, ErrThreshold, "threshold", "0, but the claim lists 2 key(s)"},
		{"threshold over the keys", withStatement(func(st *Statement) { st.Threshold = 3 }), Options{}, ErrThreshold, "threshold", "--threshold from 1 to 2"},
		{"date in the future", good, Options{Now: testNow.Add(-2 * time.Hour)}, ErrDate, "date", "in the future"},
		{"date too old", good, Options{Now: testNow.Add(100 * 24 * time.Hour), MaxAge: 90 * 24 * time.Hour}, ErrDate, "date", "more than 90 days old"},
		{"no date", withStatement(func(st *Statement) { st.Date = time.Time{} }), Options{}, ErrDate, "date", "missing"},
		{"no attestation where required", good, Options{RequireAttestation: true}, ErrAttestation, "attestations", "has no attestation"},
		{"attestation for an unlisted key", func() []byte {
			req, _ := decodeRequest(t, good)
			req.Attestations = map[string]Attestation{keyID(t, other): {Serial: 1}}
			return encodeRequest(t, req)
		}(), Options{}, ErrAttestation, "attestations", "which the statement does not list"},
		{"attestation not a certificate", func() []byte {
			req, _ := decodeRequest(t, good)
			req.Attestations = map[string]Attestation{ida: {Serial: 1, SlotCertificate: "junk"}}
			return encodeRequest(t, req)
		}(), Options{}, ErrAttestation, "attestations", ida[:12] + ".slot_certificate: not a PEM certificate"},
		{"unknown field", bytes.Replace(good, []byte(`"version": 1,`), []byte(`"version": 1, "project": "foo-bar",`), 1), Options{}, ErrMalformed, "", `unknown field "project"`},
		{"duplicate top-level field", bytes.Replace(good, []byte(`"version": 1,`), []byte(`"version": 1, "version": 1,`), 1), Options{}, ErrMalformed, "", `the top-level object has the key "version" twice`},
		{"another format version", bytes.Replace(good, []byte(`"version": 1,`), []byte(`"version": 2,`), 1), Options{}, ErrMalformed, "type", "version 2"},
		{"not JSON", []byte("claim: foo"), Options{}, ErrMalformed, "", "not valid JSON"},
		{"trailing data", append(append([]byte(nil), good...), []byte("{}")...), Options{}, ErrMalformed, "", "data after the JSON object"},
		{"too large", append(append([]byte(nil), good...), bytes.Repeat([]byte(" "), MaxRequestSize)...), Options{}, ErrMalformed, "", "over the limit"},
		{"wrong payload type", bytes.Replace(good, []byte(PayloadType), []byte("application/vnd.in-toto+json"), 1), Options{}, ErrMalformed, "envelope.payloadType", "want"},
	} {
		if c.opts.Now.IsZero() {
			c.opts.Now = testNow
		}
		_, err := Verify(c.data, "reqs/x.json", c.opts)
		if err == nil {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		msg := err.Error()
		prefix := "reqs/x.json: "
		if c.field != "" {
			prefix += c.field + ": "
		}
		if !errors.Is(err, c.kind) || !strings.HasPrefix(msg, prefix) || !strings.Contains(msg, c.want) || strings.Contains(msg, "\n") {
			t.Errorf("%s:\n  got  %v\n  want %v, one line starting %q, saying %q", c.name, err, c.kind, prefix, c.want)
		}
	}

	// The payload no longer base64, and an unknown field inside the signed
	// statement (signed, so only the strict reading refuses it).
	req, _ := decodeRequest(t, good)
	req.Envelope.Payload = "%%%" + req.Envelope.Payload
	if _, err := Verify(encodeRequest(t, req), "x.json", Options{Now: testNow}); !errors.Is(err, ErrTampered) || !strings.Contains(err.Error(), "envelope.payload: not base64") {
		t.Errorf("payload not base64: %v", err)
	}
	body, _ := json.Marshal(statementOf(t, "foo-bar", 1, a))
	body = bytes.Replace(body, []byte(`{"_type"`), []byte(`{"note":"hi","_type"`), 1)
	if _, err := Verify(signRaw(t, body, nil, map[string]keys.Signer{ida: a}), "x.json", Options{Now: testNow}); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), `x.json: envelope.payload: the statement: unknown field "note"`) {
		t.Errorf("unknown field in the statement: %v", err)
	}

	// one key whose signature does not verify: tampered or not its
	// signature, the message says both.
	one := makeRequest(t, "foo", 1, a)
	req, _ = decodeRequest(t, one)
	sig, _ := base64.StdEncoding.DecodeString(req.Envelope.Signatures[0].Sig)
	sig[len(sig)-1] ^= 1
	req.Envelope.Signatures[0].Sig = base64.StdEncoding.EncodeToString(sig)
	if _, err := Verify(encodeRequest(t, req), "x.json", Options{Now: testNow}); !errors.Is(err, ErrTampered) || !strings.Contains(err.Error(), "the signature by key "+ida[:12]+" does not verify over the statement: the file was changed after it was signed, or that key did not make the signature") {
		t.Errorf("one key, signature altered: %v", err)
	}
	// A hostile key ID stays on one line.
	req, _ = decodeRequest(t, one)
	req.Envelope.Signatures[0].KeyID = "evil\nline"
	if _, err := Verify(encodeRequest(t, req), "x.json", Options{Now: testNow}); err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), `"evil\nline"`) {
		t.Errorf("hostile key ID: %q", err)
	}
}
