package metafile

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/secure-systems-lab/go-securesystemslib/cjson"
	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
)

const pythonTUFMetadata = "../testdata/python-tuf/repository_data/repository/metadata"

func readTestdata(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("test data missing (testdata/ at the top of the repository): %v", err)
	}
	return b
}

func compact(t *testing.T, b []byte) string {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		t.Fatalf("not JSON: %v: %q", err, b)
	}
	return buf.String()
}

// signedText is written with odd spacing, unsorted keys, escapes a
// re-encoder would change (\u00e9, \/) and a time with fractional seconds
// and a zone offset, as old roots have.
const signedText = "{ \"_type\" : \"targets\",\n   \"version\": 3, \"spec_version\":\"1.0\", " +
	"\"expires\": \"2030-01-01T00:00:00.123+02:00\",\"targets\":{}, " +
	"\"x-note\": \"caf\\u00e9 \\/ <b>\", \"custom\": [1, 2 ,3] }"

const envelopeText = `{"x-top": {"b": 1, "a": [true, null]}, "signatures": [` +
	`{"keyid": "aa", "sig": "", "x-sigfield": "v"}, {"keyid":"bb","sig":"0102"}], ` +
	`"signed": ` + signedText + `, "z-last": "end"}`

func TestParseKeepsEverything(t *testing.T) {
	f, err := Parse([]byte(envelopeText))
	if err != nil {
		t.Fatal(err)
	}
	if string(f.Signed) != signedText {
		t.Errorf("Signed = %q\nwant the bytes as read %q", f.Signed, signedText)
	}
	if len(f.Signatures) != 2 {
		t.Fatalf("%d signatures, want 2", len(f.Signatures))
	}
	if s := f.Signatures[0]; s.KeyID != "aa" || s.Sig != "" || len(s.Extra) != 1 || string(s.Extra["x-sigfield"]) != `"v"` {
		t.Errorf("signature 0 = %+v", s)
	}
	if s := f.Signatures[1]; s.KeyID != "bb" || s.Sig != "0102" || s.Extra != nil {
		t.Errorf("signature 1 = %+v", s)
	}
	if len(f.Extra) != 2 || compact(t, f.Extra["x-top"]) != `{"b":1,"a":[true,null]}` || string(f.Extra["z-last"]) != `"end"` {
		t.Errorf("Extra = %q", f.Extra)
	}
	h, err := f.Header()
	if err != nil {
		t.Fatal(err)
	}
	wantExpires := time.Date(2029, 12, 31, 22, 0, 0, 123e6, time.UTC)
	if h.Type != "targets" || h.Version != 3 || h.SpecVersion != "1.0" || !h.Expires.Equal(wantExpires) {
		t.Errorf("Header = %+v, want targets v3 spec 1.0 expiring %v", h, wantExpires)
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	f, err := Parse([]byte(envelopeText))
	if err != nil {
		t.Fatal(err)
	}
	c1, err := f.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	out, err := f.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(out) {
		t.Fatalf("Marshal wrote invalid JSON:\n%s", out)
	}
	if !bytes.HasSuffix(out, []byte("}\n")) {
		t.Errorf("Marshal output does not end with a newline")
	}
	if i, j := bytes.Index(out, []byte(`"signatures"`)), bytes.Index(out, []byte(`"signed"`)); i < 0 || j < i {
		t.Errorf("\"signatures\" does not come before \"signed\":\n%s", out)
	}
	g, err := Parse(out)
	if err != nil {
		t.Fatalf("Parse(Marshal()): %v\n%s", err, out)
	}
	// Only whitespace changed inside "signed": the same tokens, escapes
	// and key order.
	if compact(t, g.Signed) != compact(t, []byte(signedText)) {
		t.Errorf("signed changed:\n got %s\nwant %s", compact(t, g.Signed), compact(t, []byte(signedText)))
	}
	c2, err := g.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(c1, c2) {
		t.Errorf("canonical bytes changed:\n%s\n%s", c1, c2)
	}
	if len(g.Signatures) != 2 || g.Signatures[0].KeyID != "aa" || g.Signatures[0].Sig != "" ||
		string(g.Signatures[0].Extra["x-sigfield"]) != `"v"` || g.Signatures[1].KeyID != "bb" || g.Signatures[1].Sig != "0102" {
		t.Errorf("signatures after round trip = %+v", g.Signatures)
	}
	if len(g.Extra) != 2 || compact(t, g.Extra["x-top"]) != `{"b":1,"a":[true,null]}` || string(g.Extra["z-last"]) != `"end"` {
		t.Errorf("Extra after round trip = %q", g.Extra)
	}
	// Marshal is deterministic and a fixed point after one round.
	out2, err := g.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	out3, _ := f.Marshal()
	if !bytes.Equal(out, out2) || !bytes.Equal(out, out3) {
		t.Errorf("Marshal is not stable:\n%s\n%s", out, out2)
	}
}

func TestMarshalNoSignatures(t *testing.T) {
	f, err := Parse([]byte(`{"signed":{"_type":"root","version":1,"expires":"2030-01-01T00:00:00Z"},"signatures":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Signatures) != 0 {
		t.Errorf("signatures = %+v", f.Signatures)
	}
	out, err := f.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(out, &top); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if string(top["signatures"]) != "[]" {
		t.Errorf("signatures written as %s, want []", top["signatures"])
	}
	if len(top) != 2 {
		t.Errorf("top-level fields %d, want 2", len(top))
	}
}

// The expected canonical form is written by hand from the rules of OLPC
// canonical JSON as TUF uses it: object keys sorted by byte value, no
// whitespace, integers only, and in strings only '"' and '\' escaped
// (control characters and non-ASCII as raw bytes).
func TestCanonicalHandWritten(t *testing.T) {
	signed := "{\"version\":1,\"_type\":\"targets\",\"spec_version\":\"1.0.31\"," +
		"\"expires\":\"2030-01-01T00:00:00Z\",\"Z\":0," +
		"\"b\":\"q\\\" b\\\\ s\\/ t\\t n\\n \\u00e9 \u00e9 <>&\"," +
		"\"a\":[3,1,2],\"nested\":{\"z\":null,\"y\":true,\"x\":false},\"neg\":-5,\"big\":9007199254740993}"
	want := "{\"Z\":0,\"_type\":\"targets\",\"a\":[3,1,2]," +
		"\"b\":\"q\\\" b\\\\ s/ t\t n\n \u00e9 \u00e9 <>&\"," +
		"\"big\":9007199254740993," +
		"\"expires\":\"2030-01-01T00:00:00Z\",\"neg\":-5,\"nested\":{\"x\":false,\"y\":true,\"z\":null}," +
		"\"spec_version\":\"1.0.31\",\"version\":1}"
	f, err := Parse([]byte(`{"signatures":[],"signed":` + signed + `}`))
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("Canonical =\n%q\nwant\n%q", got, want)
	}
	direct, err := Canonicalize([]byte(signed))
	if err != nil {
		t.Fatal(err)
	}
	if string(direct) != want {
		t.Errorf("Canonicalize =\n%q\nwant\n%q", direct, want)
	}
}

func TestCanonicalRefusesFloats(t *testing.T) {
	f, err := Parse([]byte(`{"signatures":[],"signed":{"_type":"root","version":1,"expires":"2030-01-01T00:00:00Z","x":1.5}}`))
	if err != nil {
		t.Fatalf("Parse checks the envelope, not canonical form: %v", err)
	}
	if c, err := f.Canonical(); err == nil {
		t.Errorf("Canonical of a float = %s, want an error", c)
	}
	if _, err := Canonicalize([]byte(`{"a":`)); err == nil {
		t.Error("Canonicalize of truncated JSON succeeded")
	}
}

func fixedExpiry() time.Time { return time.Date(2031, 2, 3, 4, 5, 6, 0, time.UTC) }

func TestFromSignedMatchesGoTUFCanonical(t *testing.T) {
	root := metadata.Root(fixedExpiry())
	s, err := keys.GenerateSoftware("file:a", keys.TypeECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	k := keys.Copy(s.TUFKey())
	// Characters encoding/json escapes by default (<, >, &) and non-ASCII:
	// the canonical bytes must hold them raw.
	k.UnrecognizedFields = map[string]any{"x-rstuf-key-name": "<alice & bob> \u00e9"}
	if err := root.Signed.AddKey(k, metadata.ROOT); err != nil {
		t.Fatal(err)
	}
	root.Signed.UnrecognizedFields = map[string]any{"x-ceremony-note": "a\tb"}
	want, err := cjson.EncodeCanonical(root.Signed)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(want, []byte("<alice & bob>")) {
		t.Fatalf("test premise: go-securesystemslib canonical form escapes HTML: %s", want)
	}
	for name, v := range map[string]any{"value": root.Signed, "pointer": &root.Signed} {
		f, err := FromSigned(v)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := f.Canonical()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: Canonical =\n%s\nwant cjson.EncodeCanonical\n%s", name, got, want)
		}
		// "signed" is the canonical form, but valid JSON: the raw control
		// characters canonical JSON keeps (the PEM's newlines, the tab)
		// are escaped.
		wantSigned := strings.NewReplacer("\n", `\u000a`, "\t", `\u0009`).Replace(string(want))
		if string(f.Signed) != wantSigned {
			t.Errorf("%s: Signed =\n%s\nwant\n%s", name, f.Signed, wantSigned)
		}
		if !json.Valid(f.Signed) {
			t.Errorf("%s: Signed is not valid JSON", name)
		}
		if len(f.Signatures) != 0 {
			t.Errorf("%s: new file has signatures %v", name, f.Signatures)
		}
		h, err := f.Header()
		if err != nil || h.Type != "root" || h.Version != 1 || !h.Expires.Equal(fixedExpiry()) {
			t.Errorf("%s: Header = %+v, %v", name, h, err)
		}
	}

	targets := metadata.Targets(fixedExpiry())
	tf, err := metadata.TargetFile().FromBytes("pkg/a b.tar.gz", []byte("content"), "sha256")
	if err != nil {
		t.Fatal(err)
	}
	tf.Custom = &json.RawMessage{}
	*tf.Custom = json.RawMessage(`{"note":"x>y"}`)
	targets.Signed.Targets["pkg/a b.tar.gz"] = tf
	want, err = cjson.EncodeCanonical(targets.Signed)
	if err != nil {
		t.Fatal(err)
	}
	f, err := FromSigned(targets.Signed)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := f.Canonical(); !bytes.Equal(got, want) {
		t.Errorf("targets: Canonical =\n%s\nwant\n%s", got, want)
	}
}

// Without control characters, "signed" is exactly the canonical bytes.
func TestFromSignedEd25519IsCanonicalVerbatim(t *testing.T) {
	root := metadata.Root(fixedExpiry())
	s, err := keys.GenerateSoftware("file:a", keys.TypeEd25519)
	if err != nil {
		t.Fatal(err)
	}
	if err := root.Signed.AddKey(keys.Copy(s.TUFKey()), metadata.ROOT); err != nil {
		t.Fatal(err)
	}
	want, err := cjson.EncodeCanonical(root.Signed)
	if err != nil {
		t.Fatal(err)
	}
	f, err := FromSigned(root.Signed)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(f.Signed, want) {
		t.Errorf("Signed =\n%s\nwant\n%s", f.Signed, want)
	}
	// A file parsed back from its Marshal output has the same canonical
	// bytes, computed afresh.
	out, err := f.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	g, err := Parse(out)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := g.Canonical(); !bytes.Equal(got, want) {
		t.Errorf("canonical after Marshal/Parse =\n%s\nwant\n%s", got, want)
	}
}

// A root holding a PEM key (ECDSA, RSA) survives FromSigned, Marshal and
// Parse with its canonical bytes intact.
func TestFromSignedPEMKeyRoundTrip(t *testing.T) {
	root := metadata.Root(fixedExpiry())
	s, err := keys.GenerateSoftware("file:a", keys.TypeECDSAP384)
	if err != nil {
		t.Fatal(err)
	}
	if err := root.Signed.AddKey(keys.Copy(s.TUFKey()), metadata.ROOT); err != nil {
		t.Fatal(err)
	}
	want, err := cjson.EncodeCanonical(root.Signed)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(want, []byte("-----\n")) {
		t.Fatalf("test premise: canonical bytes hold the PEM's raw newlines: %s", want)
	}
	f, err := FromSigned(root.Signed)
	if err != nil {
		t.Fatalf("FromSigned of a root with a PEM key: %v", err)
	}
	out, err := f.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(out) {
		t.Fatalf("Marshal wrote invalid JSON:\n%s", out)
	}
	g, err := Parse(out)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := g.Canonical(); !bytes.Equal(got, want) {
		t.Errorf("canonical after Marshal/Parse =\n%s\nwant\n%s", got, want)
	}
	back, err := g.Root()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range back.Keys {
		if k.Value.PublicKey != s.TUFKey().Value.PublicKey {
			t.Errorf("PEM changed: %q", k.Value.PublicKey)
		}
	}
}

func TestFromSignedRefusesBadHeaders(t *testing.T) {
	root := metadata.Root(fixedExpiry())
	root.Signed.Version = 0
	if _, err := FromSigned(root.Signed); err == nil {
		t.Error("FromSigned of version 0 succeeded")
	}
	if _, err := FromSigned(map[string]any{"version": 1, "expires": "2030-01-01T00:00:00Z"}); err == nil {
		t.Error("FromSigned without _type succeeded")
	}
	if _, err := FromSigned(map[string]any{"_type": "root", "version": 1, "expires": "2030-01-01T00:00:00Z", "f": 0.5}); err == nil {
		t.Error("FromSigned with a float succeeded")
	}
	if _, err := FromSigned(make(chan int)); err == nil {
		t.Error("FromSigned of a channel succeeded")
	}
}

func TestParseErrors(t *testing.T) {
	const okSigned = `{"_type":"root","version":1,"expires":"2030-01-01T00:00:00Z"}`
	tests := map[string]string{
		"empty":                ``,
		"not JSON":             `signed: {}`,
		"array":                `[]`,
		"string":               `"signed"`,
		"trailing data":        `{"signed":` + okSigned + `,"signatures":[]} {}`,
		"missing signed":       `{"signatures":[]}`,
		"signed is array":      `{"signed":[],"signatures":[]}`,
		"signed is null":       `{"signed":null,"signatures":[]}`,
		"signed is string":     `{"signed":"{}","signatures":[]}`,
		"missing signatures":   `{"signed":` + okSigned + `}`,
		"signatures is object": `{"signed":` + okSigned + `,"signatures":{}}`,
		"signatures is null":   `{"signed":` + okSigned + `,"signatures":null}`,
		"signature not object": `{"signed":` + okSigned + `,"signatures":[1]}`,
		"keyid missing":        `{"signed":` + okSigned + `,"signatures":[{"sig":"00"}]}`,
		"keyid empty":          `{"signed":` + okSigned + `,"signatures":[{"keyid":"","sig":"00"}]}`,
		"keyid number":         `{"signed":` + okSigned + `,"signatures":[{"keyid":1,"sig":"00"}]}`,
		"sig missing":          `{"signed":` + okSigned + `,"signatures":[{"keyid":"a"}]}`,
		"sig number":           `{"signed":` + okSigned + `,"signatures":[{"keyid":"a","sig":0}]}`,
		"version 0":            `{"signed":{"_type":"root","version":0,"expires":"2030-01-01T00:00:00Z"},"signatures":[]}`,
		"version negative":     `{"signed":{"_type":"root","version":-1,"expires":"2030-01-01T00:00:00Z"},"signatures":[]}`,
		"version missing":      `{"signed":{"_type":"root","expires":"2030-01-01T00:00:00Z"},"signatures":[]}`,
		"version string":       `{"signed":{"_type":"root","version":"1","expires":"2030-01-01T00:00:00Z"},"signatures":[]}`,
		"_type missing":        `{"signed":{"version":1,"expires":"2030-01-01T00:00:00Z"},"signatures":[]}`,
		"_type empty":          `{"signed":{"_type":"","version":1,"expires":"2030-01-01T00:00:00Z"},"signatures":[]}`,
		"expires missing":      `{"signed":{"_type":"root","version":1},"signatures":[]}`,
		"expires not a time":   `{"signed":{"_type":"root","version":1,"expires":"next year"},"signatures":[]}`,
	}
	for name, in := range tests {
		if f, err := Parse([]byte(in)); err == nil {
			t.Errorf("%s: Parse succeeded: %+v", name, f)
		}
	}
	// The error names what is missing.
	for in, mention := range map[string]string{
		`{"signatures":[]}`:           `"signed"`,
		`{"signed":` + okSigned + `}`: `"signatures"`,
		`{"signed":{"_type":"root","version":0,"expires":"2030-01-01T00:00:00Z"},"signatures":[]}`: "version",
		`{"signed":{"version":1,"expires":"2030-01-01T00:00:00Z"},"signatures":[]}`:                "_type",
		`{"signed":` + okSigned + `,"signatures":[{"keyid":"a","sig":"00"},{"sig":"00"}]}`:         "signatures[1].keyid",
	} {
		_, err := Parse([]byte(in))
		if err == nil || !strings.Contains(err.Error(), mention) {
			t.Errorf("Parse(%s): err = %v, want it to mention %s", in, err, mention)
		}
	}
}

func TestAddSignature(t *testing.T) {
	f, err := Parse([]byte(`{"signed":{"_type":"root","version":1,"expires":"2030-01-01T00:00:00Z"},"signatures":[` +
		`{"keyid":"a","sig":""},{"keyid":"b","sig":"","x-note":"placeholder"},{"keyid":"c","sig":"cc"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	f.AddSignature("b", "bb")
	if len(f.Signatures) != 3 {
		t.Fatalf("placeholder not replaced: %+v", f.Signatures)
	}
	if s := f.Signatures[1]; s.KeyID != "b" || s.Sig != "bb" || string(s.Extra["x-note"]) != `"placeholder"` {
		t.Errorf("signature b = %+v", s)
	}
	if s := f.Signatures[0]; s.KeyID != "a" || s.Sig != "" {
		t.Errorf("other placeholder changed: %+v", s)
	}
	f.AddSignature("d", "dd")
	if len(f.Signatures) != 4 || f.Signatures[3].KeyID != "d" || f.Signatures[3].Sig != "dd" {
		t.Errorf("new key ID not appended: %+v", f.Signatures)
	}
	for id, want := range map[string]int{"a": 0, "b": 1, "c": 2, "d": 3, "e": -1, "": -1} {
		if got := f.SignatureBy(id); got != want {
			t.Errorf("SignatureBy(%q) = %d, want %d", id, got, want)
		}
	}
	out, err := f.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	g, err := Parse(out)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range g.Signatures {
		got = append(got, s.KeyID+"="+s.Sig)
	}
	if strings.Join(got, " ") != "a= b=bb c=cc d=dd" {
		t.Errorf("signatures after Marshal/Parse: %v", got)
	}
}

// A root signed by one key of each type, through this package and keys, is
// accepted by go-tuf: an independent reader and verifier.
func TestGoTUFVerifiesWhatWeWrite(t *testing.T) {
	root := metadata.Root(fixedExpiry())
	var signers []keys.Signer
	var ids []string
	for _, kt := range []keys.KeyType{keys.TypeEd25519, keys.TypeECDSAP256, keys.TypeECDSAP384} {
		s, err := keys.GenerateSoftware("file:"+string(kt), kt)
		if err != nil {
			t.Fatal(err)
		}
		id, err := keys.ID(s.TUFKey())
		if err != nil {
			t.Fatal(err)
		}
		k := keys.Copy(s.TUFKey())
		// Named after the ID was computed, as RSTUF does.
		k.UnrecognizedFields = map[string]any{"x-rstuf-key-name": string(kt)}
		root.Signed.Keys[id] = k
		signers = append(signers, s)
		ids = append(ids, id)
	}
	root.Signed.Roles[metadata.ROOT].KeyIDs = ids
	root.Signed.Roles[metadata.ROOT].Threshold = 3

	f, err := FromSigned(root.Signed)
	if err != nil {
		t.Fatal(err)
	}
	// Placeholders first, as a ceremony starts.
	for _, id := range ids {
		f.AddSignature(id, "")
	}
	msg, err := f.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range signers {
		sig, err := keys.SignMessage(s, msg)
		if err != nil {
			t.Fatal(err)
		}
		f.AddSignature(ids[i], hex.EncodeToString(sig))
	}
	if len(f.Signatures) != 3 {
		t.Fatalf("signatures = %+v, want the 3 placeholders filled", f.Signatures)
	}
	out, err := f.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	md, err := metadata.Root().FromBytes(out)
	if err != nil {
		t.Fatalf("go-tuf cannot read our root: %v\n%s", err, out)
	}
	if err := md.VerifyDelegate(metadata.ROOT, md); err != nil {
		t.Errorf("go-tuf rejects our root: %v", err)
	}
	goTUFCanonical, err := cjson.EncodeCanonical(md.Signed)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(goTUFCanonical, msg) {
		t.Errorf("go-tuf's canonical form differs from ours:\n%s\n%s", goTUFCanonical, msg)
	}

	// The same file with only two of the three signatures does not meet
	// threshold 3 in go-tuf either: the check above was not vacuous.
	short := *f
	short.Signatures = f.Signatures[:2]
	out2, err := short.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	md2, err := metadata.Root().FromBytes(out2)
	if err != nil {
		t.Fatal(err)
	}
	var unsigned *metadata.ErrUnsignedMetadata
	if err := md2.VerifyDelegate(metadata.ROOT, md2); !errors.As(err, &unsigned) {
		t.Errorf("go-tuf with 2 of 3 signatures: err = %v, want a threshold failure", err)
	}
}

// python-tuf's test repository, signed by python-tuf with RSA-PSS and
// Ed25519 keys: our canonical bytes must be the bytes python-tuf signed,
// and must survive our Marshal.
func TestPythonTUFRepository(t *testing.T) {
	files := map[string]*File{}
	for _, name := range []string{"root.json", "1.root.json", "targets.json", "snapshot.json", "timestamp.json", "role1.json", "role2.json"} {
		data := readTestdata(t, filepath.Join(pythonTUFMetadata, name))
		f, err := Parse(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		c1, err := f.Canonical()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out, err := f.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		g, err := Parse(out)
		if err != nil {
			t.Fatalf("%s: Parse(Marshal()): %v", name, err)
		}
		c2, err := g.Canonical()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(c1, c2) {
			t.Errorf("%s: Canonical changed through Marshal", name)
		}
		if !reflect.DeepEqual(f.Signatures, g.Signatures) {
			t.Errorf("%s: signatures changed through Marshal: %+v / %+v", name, f.Signatures, g.Signatures)
		}
		files[name] = f
	}

	root, err := files["root.json"].Root()
	if err != nil {
		t.Fatal(err)
	}
	targets, err := files["targets.json"].Targets()
	if err != nil {
		t.Fatal(err)
	}
	role1, err := files["role1.json"].Targets()
	if err != nil {
		t.Fatal(err)
	}
	// Who signs what: root's roles for the top-level files, targets'
	// delegation for role1, role1's for role2.
	signerKeys := map[string]map[string]*metadata.Key{
		"root.json": root.Keys, "1.root.json": root.Keys, "targets.json": root.Keys,
		"snapshot.json": root.Keys, "timestamp.json": root.Keys,
		"role1.json": targets.Delegations.Keys, "role2.json": role1.Delegations.Keys,
	}
	for name, f := range files {
		msg, err := f.Canonical()
		if err != nil {
			t.Fatal(err)
		}
		if len(f.Signatures) == 0 {
			t.Fatalf("%s: no signatures in test data", name)
		}
		for _, s := range f.Signatures {
			k, ok := signerKeys[name][s.KeyID]
			if !ok {
				t.Fatalf("%s: signing key %s not found", name, s.KeyID)
			}
			raw, err := hex.DecodeString(s.Sig)
			if err != nil {
				t.Fatal(err)
			}
			if err := keys.Verify(k, msg, raw); err != nil {
				t.Errorf("%s: python-tuf's %s signature does not verify over our canonical bytes: %v", name, k.Type, err)
			}
			// And not over anything else.
			if err := keys.Verify(k, append(msg[:len(msg):len(msg)], ' '), raw); err == nil {
				t.Errorf("%s: signature verifies over changed bytes", name)
			}
		}
	}

	// Typed views.
	if root.Version != 1 || root.Roles[metadata.ROOT].Threshold != 1 || len(root.Keys) != 4 {
		t.Errorf("root view: version %d, %d keys", root.Version, len(root.Keys))
	}
	if _, err := files["targets.json"].Root(); err == nil || !strings.Contains(err.Error(), `"root"`) {
		t.Errorf("Root() of targets.json: err = %v", err)
	}
	snap, err := files["snapshot.json"].Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := snap.Meta["targets.json"]; !ok {
		t.Errorf("snapshot meta %v lacks targets.json", snap.Meta)
	}
	ts, err := files["timestamp.json"].Timestamp()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ts.Meta["snapshot.json"]; !ok {
		t.Errorf("timestamp meta %v lacks snapshot.json", ts.Meta)
	}
	if _, err := files["timestamp.json"].Snapshot(); err == nil {
		t.Error("Snapshot() of timestamp.json succeeded")
	}
	if _, err := files["root.json"].Timestamp(); err == nil {
		t.Error("Timestamp() of root.json succeeded")
	}
	if _, err := files["snapshot.json"].Targets(); err == nil {
		t.Error("Targets() of snapshot.json succeeded")
	}
	if len(targets.Delegations.Roles) != 1 || targets.Delegations.Roles[0].Name != "role1" {
		t.Errorf("targets delegations = %+v", targets.Delegations.Roles)
	}

	// go-tuf reads what we write back.
	out, err := files["root.json"].Marshal()
	if err != nil {
		t.Fatal(err)
	}
	md, err := metadata.Root().FromBytes(out)
	if err != nil {
		t.Fatalf("go-tuf cannot read our re-marshalled root.json: %v", err)
	}
	if err := md.VerifyDelegate(metadata.ROOT, md); err != nil {
		t.Errorf("go-tuf rejects our re-marshalled root.json: %v", err)
	}
}

func TestTypedViewRefusesMalformedContent(t *testing.T) {
	f, err := Parse([]byte(`{"signed":{"_type":"root","version":1,"expires":"2030-01-01T00:00:00Z","keys":[]},"signatures":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Root(); err == nil {
		t.Error("Root() with keys as a list succeeded")
	}
}

// Header is read again once Signed is replaced: what was kept of the old
// bytes does not speak for the new.
func TestHeaderFollowsSigned(t *testing.T) {
	f, err := Parse([]byte(`{"signatures":[],"signed":{"_type":"targets","version":1,"expires":"2030-01-01T00:00:00Z"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if h, err := f.Header(); err != nil || h.Version != 1 {
		t.Fatalf("Header = %+v, %v", h, err)
	}
	if _, err := f.Canonical(); err != nil {
		t.Fatal(err)
	}
	f.Signed = []byte(`{"_type":"targets","version":9,"expires":"2030-01-01T00:00:00Z"}`)
	if h, err := f.Header(); err != nil || h.Version != 9 {
		t.Errorf("Header after Signed was replaced = %+v, %v; want version 9", h, err)
	}
	if c, err := f.Canonical(); err != nil || !strings.Contains(string(c), `"version":9`) {
		t.Errorf("Canonical after Signed was replaced = %s, %v; want version 9", c, err)
	}
}

// ReleaseCanonical lets the kept canonical form go; Canonical makes the
// same bytes again.
func TestReleaseCanonical(t *testing.T) {
	f, err := Parse([]byte(`{"signed": {"_type": "targets", "version": 2, "expires": "2030-01-01T00:00:00Z", "spec_version": "1.0.31", "b": 1, "a": [1, 2]}, "signatures": []}`))
	if err != nil {
		t.Fatal(err)
	}
	first, err := f.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	f.ReleaseCanonical()
	if f.canonical != nil || f.canonicalOf != nil {
		t.Fatal("the canonical form is still kept")
	}
	again, err := f.Canonical()
	if err != nil || string(again) != string(first) || string(first) != `{"_type":"targets","a":[1,2],"b":1,"expires":"2030-01-01T00:00:00Z","spec_version":"1.0.31","version":2}` {
		t.Fatalf("canonical %q, then %q (%v)", first, again, err)
	}
}

// TestSignedSum: SignedSum is the SHA-256 of "signed" as held, and follows
// Signed when it is replaced.
func TestSignedSum(t *testing.T) {
	f, err := Parse([]byte(`{"signed": {"_type": "targets", "version": 2, "expires": "2030-01-01T00:00:00Z", "spec_version": "1.0.31"}, "signatures": []}`))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f.SignedSum(), sha256.Sum256(f.Signed); got != want {
		t.Fatalf("SignedSum %x, SHA-256 of signed %x", got, want)
	}
	f.Signed = []byte(`{"_type": "targets", "version": 3}`)
	if got, want := f.SignedSum(), sha256.Sum256(f.Signed); got != want {
		t.Fatalf("after signed was replaced: SignedSum %x, SHA-256 of signed %x", got, want)
	}
}
