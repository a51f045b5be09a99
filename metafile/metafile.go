// Package metafile reads and writes TUF metadata files as bytes.
//
// A metadata file is {"signed": ..., "signatures": [...]}. Signatures are
// made over the canonical JSON of "signed", so this package keeps "signed"
// exactly as it was read (json.RawMessage) and never re-serializes it from a
// struct: metadata made by other tools, with their vendor fields, odd time
// formats or key encodings, keeps every byte that was signed. Unknown
// top-level fields and unknown signature fields are kept too.
//
// Typed views of the content come from go-tuf's metadata types (Root,
// Targets ...), decoded from the same bytes; they are for reading, not for
// writing back.
//
// Canonicalize (canonical.go) writes the canonical JSON that signatures
// cover straight from the bytes, in two passes without a generic tree: the
// same bytes go-securesystemslib's cjson writes, for a role delegating to
// 100,000 projects in a tenth of a second (BENCHMARKS.md). It refuses, with
// the path, line and column, what is not JSON, numbers canonical JSON does
// not have, and a key twice in one object. Parse and Header read the
// envelope and the header fields with the same scanner (members.go) and
// fall back to encoding/json for anything else, so they decode and fail
// as encoding/json does.
package metafile

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// MaxSize bounds a metadata file we read: 1 GiB. A PEP 480 claimed role
// as this tool writes it is 77 MB at 100,000 projects and 773 MB at
// 1,000,000 (PyPI serves some 600,000 projects).
const MaxSize = 1 << 30

// File is one TUF metadata file.
type File struct {
	// Signed is the "signed" object exactly as read or built.
	Signed     json.RawMessage
	Signatures []Signature
	// Extra holds unknown top-level fields, kept as they were.
	Extra map[string]json.RawMessage

	// canonical is Canonical's result, kept once made from canonicalOf.
	canonical, canonicalOf []byte
	// compact is the "signed" FromSigned made: valid JSON with no
	// whitespace outside strings, which Marshal indents itself.
	compact []byte
	// header is Header's result, kept once read from headerOf: Header
	// needs a pass over the whole of "signed". It is read again if Signed
	// is replaced by other bytes.
	header   *Header
	headerOf []byte
	// oneReadingOf is the "signed" that passed checkOneReading: it is
	// walked once, however often it is decoded, and again if replaced.
	oneReadingOf []byte
	// checked is the "signed" that Parse found to be valid JSON, so that
	// Members need not check it again while Signed is still that slice.
	checked []byte
	// signedSum is SignedSum's result, kept once made from signedSumOf.
	signedSum   [sha256.Size]byte
	signedSumOf []byte
}

// checkedSigned says whether signed is the very slice Parse checked.
func (f *File) checkedSigned(signed []byte) bool { return sameSlice(signed, f.checked) }

// sameSlice says whether a and b are the same bytes in memory: what was
// read of a File's Signed holds while Signed is that slice, and not once
// it is replaced.
func sameSlice(a, b []byte) bool {
	return len(a) > 0 && len(a) == len(b) && &a[0] == &b[0]
}

// Signature is one entry of "signatures".
type Signature struct {
	KeyID string
	// Sig is the hex signature as written ("" is a placeholder some tools use
	// for a key that has not signed yet).
	Sig   string
	Extra map[string]json.RawMessage
}

// Header is what every role's "signed" object carries.
type Header struct {
	Type        string    `json:"_type"`
	SpecVersion string    `json:"spec_version"`
	Version     int64     `json:"version"`
	Expires     time.Time `json:"expires"`
}

// Parse reads a metadata file. It checks the envelope's shape, not the
// signatures. The File keeps copies: data may change afterwards.
func Parse(data []byte) (*File, error) { return parse(data, true) }

// ParseOwned is Parse of bytes the caller hands over: "signed" and the
// other values the File holds are slices of data, not copies, so a file
// read only to be parsed is held once in memory. data must not change
// afterwards.
func ParseOwned(data []byte) (*File, error) { return parse(data, false) }

func parse(data []byte, copyValues bool) (*File, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("metadata is %d bytes, over the limit of %d", len(data), MaxSize)
	}
	top, signedHeader, err := readEnvelope(data, copyValues)
	if err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	f := &File{}
	signed, ok := top["signed"]
	if !ok || len(signed) == 0 || signed[0] != '{' {
		return nil, fmt.Errorf("field \"signed\" is missing or not an object")
	}
	f.Signed = signed // a copy already, unless the caller handed data over
	f.checked = signed
	rawSigs, ok := top["signatures"]
	if !ok {
		return nil, fmt.Errorf("field \"signatures\" is missing")
	}
	if rawSigs[0] != '[' {
		// null would decode to an empty list; it is not one.
		return nil, fmt.Errorf("field \"signatures\" is not a list of objects")
	}
	sigs, err := parseSignatures(rawSigs)
	if err != nil {
		return nil, err
	}
	f.Signatures = sigs
	delete(top, "signed")
	delete(top, "signatures")
	if len(top) > 0 {
		f.Extra = top
	}
	if signedHeader == nil { // not read with the envelope
		signedHeader = headerFields(f.Signed, true) // checked with the envelope
	}
	h, err := readHeaderFields(signedHeader)
	if err != nil {
		return nil, err
	}
	f.header, f.headerOf = &h, f.Signed
	return f, nil
}

// parseSignatures reads the list of signatures one entry at a time, each
// checked as it is read: the first entry that is not a signature ends the
// reading, and what is kept of each entry is no larger than the entry, so
// that a hostile list costs memory in proportion to its size, not to its
// count of entries.
func parseSignatures(raw json.RawMessage) ([]Signature, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("field \"signatures\" is not a list of objects: %w", err)
	}
	var sigs []Signature
	for i := 0; dec.More(); i++ {
		var s map[string]json.RawMessage
		if err := dec.Decode(&s); err != nil || s == nil {
			return nil, fmt.Errorf("signatures[%d] is not an object", i)
		}
		var sig Signature
		if err := json.Unmarshal(s["keyid"], &sig.KeyID); err != nil || sig.KeyID == "" {
			return nil, fmt.Errorf("signatures[%d].keyid is missing or not a string", i)
		}
		if err := json.Unmarshal(s["sig"], &sig.Sig); err != nil {
			return nil, fmt.Errorf("signatures[%d].sig is missing or not a string", i)
		}
		delete(s, "keyid")
		delete(s, "sig")
		if len(s) > 0 {
			sig.Extra = s
		}
		sigs = append(sigs, sig)
	}
	return sigs, nil
}

// FromSigned builds an unsigned file whose "signed" is the canonical JSON
// of v (a go-tuf RootType, TargetsType ...). Writing "signed" in canonical
// form means the bytes in the file are the bytes that get signed, except
// for control characters (the newlines of a PEM key): canonical JSON leaves
// them raw, which JSON forbids, so "signed" holds them escaped.
func FromSigned(v any) (*File, error) {
	if t, ok := v.(*metadata.TargetsType); ok {
		if c, ok := canonicalTargets(t); ok {
			return fromCanonical(c)
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("failed to encode metadata: %w", err)
	}
	c, err := Canonicalize(buf.Bytes())
	if err != nil {
		return nil, err
	}
	return fromCanonical(c)
}

// FromCanonical is an unsigned file whose "signed" is c, which must be
// canonical JSON already (as Canonical gives it, or spliced together from
// canonical parts in canonical order): it is not canonicalized again, and
// what signs the file signs c.
func FromCanonical(c []byte) (*File, error) { return fromCanonical(c) }

// fromCanonical is an unsigned file whose "signed" is the canonical c.
func fromCanonical(c []byte) (*File, error) {
	f := &File{Signed: escapeControl(c), canonical: c}
	f.canonicalOf, f.compact = f.Signed, f.Signed
	if _, err := f.Header(); err != nil {
		return nil, err
	}
	return f, nil
}

// escapeControl makes canonical JSON valid JSON with the same canonical
// form: it escapes the control characters canonical JSON writes raw. In
// canonical JSON they occur only inside strings (there is no whitespace
// between tokens), and UTF-8 never uses bytes below 0x20 in multi-byte
// sequences, so a byte-wise replacement is exact.
func escapeControl(c []byte) []byte {
	n := 0
	for _, ch := range c {
		if ch < 0x20 {
			n++
		}
	}
	if n == 0 {
		return c
	}
	out := make([]byte, 0, len(c)+5*n)
	for _, ch := range c {
		if ch < 0x20 {
			out = fmt.Appendf(out, "\\u%04x", ch)
			continue
		}
		out = append(out, ch)
	}
	return out
}

// Canonical returns the canonical bytes of "signed": what signatures cover.
func (f *File) Canonical() ([]byte, error) {
	if f.canonical == nil || !sameSlice(f.Signed, f.canonicalOf) {
		c, err := Canonicalize(f.Signed)
		if err != nil {
			return nil, fmt.Errorf("signed: %w", err)
		}
		f.canonical, f.canonicalOf = c, f.Signed
	}
	return f.canonical, nil
}

// SignedSum is the SHA-256 of "signed" as the file holds it (not of its
// canonical form), kept while Signed is that slice: what names the bytes a
// signature covers without canonicalizing them (threshold.VerifyFile).
// It keeps other fields than Canonical does, and may run while Canonical
// runs.
func (f *File) SignedSum() [sha256.Size]byte {
	if len(f.Signed) == 0 || !sameSlice(f.Signed, f.signedSumOf) {
		f.signedSum, f.signedSumOf = sha256.Sum256(f.Signed), f.Signed
	}
	return f.signedSum
}

// CanonicalAside starts making f's canonical form (Canonical) on a
// goroutine of its own, and returns what waits for it, once however often
// it is called. Nothing else may ask f for its canonical form before the
// wait returns; Header, Members and SignedSum keep other fields and may
// run beside it. An error is not kept: the next Canonical meets it again.
func (f *File) CanonicalAside() (wait func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = f.Canonical()
	}()
	return sync.OnceFunc(func() { <-done })
}

// ReleaseCanonical lets go of the canonical bytes Canonical keeps, for a
// file whose signatures are counted and whose canonical form is needed
// no more: 53 MB for claimed at 100,000 projects. A later Canonical makes
// them again.
func (f *File) ReleaseCanonical() { f.canonical, f.canonicalOf = nil, nil }

// Header decodes the fields every role carries.
func (f *File) Header() (Header, error) {
	if f.header != nil && sameSlice(f.Signed, f.headerOf) {
		return *f.header, nil
	}
	h, err := readHeader(f.Signed)
	if err == nil {
		f.header, f.headerOf = &h, f.Signed
	}
	return h, err
}

func readHeader(signed json.RawMessage) (Header, error) {
	return readHeaderFields(headerFields(signed, false))
}

// readHeaderFields decodes and checks the header from fields, headerFields
// of "signed".
func readHeaderFields(fields []byte) (Header, error) {
	var h Header
	if err := checkOneReading(fields); err != nil {
		return h, err
	}
	if err := json.Unmarshal(fields, &h); err != nil {
		return h, fmt.Errorf("signed: %w", err)
	}
	switch {
	case h.Type == "":
		return h, fmt.Errorf("signed._type is missing")
	case h.Version < 1:
		return h, fmt.Errorf("signed.version is %d, want a positive integer", h.Version)
	case h.Expires.IsZero():
		return h, fmt.Errorf("signed.expires is missing")
	}
	return h, nil
}

// Root decodes "signed" as root metadata.
func (f *File) Root() (*metadata.RootType, error) {
	var r metadata.RootType
	if err := decodeAs(f, metadata.ROOT, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// Targets decodes "signed" as targets metadata (top-level or delegated).
// It gives go-tuf's value, decoded without go-tuf's decoder where that can
// be done exactly (targetsdecode.go).
func (f *File) Targets() (*metadata.TargetsType, error) {
	if err := checkDecodableHeader(f, metadata.TARGETS); err != nil {
		return nil, err
	}
	// The fast decoder reads each member exactly and gives up on any
	// that folds onto a TUF field (field): what it decodes has one
	// reading, without checkOneReading's pass over 77 MB. What it gives
	// up on is checked, then decoded as go-tuf decodes it.
	if t, ok := decodeTargets(f.Signed); ok {
		return t, nil
	}
	if err := checkDecodable(f, metadata.TARGETS); err != nil {
		return nil, err
	}
	var t metadata.TargetsType
	if err := decodeChecked(f, metadata.TARGETS, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// Snapshot decodes "signed" as snapshot metadata.
func (f *File) Snapshot() (*metadata.SnapshotType, error) {
	var s metadata.SnapshotType
	if err := decodeAs(f, metadata.SNAPSHOT, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// Timestamp decodes "signed" as timestamp metadata.
func (f *File) Timestamp() (*metadata.TimestampType, error) {
	var t metadata.TimestampType
	if err := decodeAs(f, metadata.TIMESTAMP, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// maxDecoded bounds the "signed" object of the top-level roles that TUF
// clients fetch with a small default limit (clientDefaultMax, the same in
// go-tuf and python-tuf): decoding a role costs many times its size in
// memory when it is made of tiny objects, so a root, snapshot or timestamp
// far larger than any client would fetch is refused before it is decoded.
// Targets roles (top-level and delegated) are bounded by MaxSize alone.
var maxDecoded = map[string]struct{ limit, client int }{
	metadata.ROOT:      {4 << 20, 512_000},
	metadata.SNAPSHOT:  {32 << 20, 2_000_000},
	metadata.TIMESTAMP: {1 << 20, 16_384},
}

func decodeAs(f *File, typ string, v any) error {
	if err := checkDecodable(f, typ); err != nil {
		return err
	}
	return decodeChecked(f, typ, v)
}

// decodeChecked decodes "signed", which checkDecodable passed, into v.
func decodeChecked(f *File, typ string, v any) (err error) {
	// go-tuf's decoders dereference what they decoded without a check
	// (targets {"a": null} is a nil *TargetFiles): a hostile file gets an
	// error, not a crash.
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("signed: not valid %s metadata: go-tuf's decoder failed on it: %v", typ, p)
		}
	}()
	// go-tuf's types decode themselves (each decodes "signed" twice, once
	// for the fields it knows and once for the rest). Calling their
	// UnmarshalJSON directly gives the same value and error as
	// json.Unmarshal, without its check and skip of the whole object first.
	var decodeErr error
	if u, ok := v.(json.Unmarshaler); ok {
		decodeErr = u.UnmarshalJSON(f.Signed)
	} else {
		decodeErr = json.Unmarshal(f.Signed, v)
	}
	if decodeErr != nil {
		return fmt.Errorf("signed: not valid %s metadata: %w", typ, decodeErr)
	}
	return nil
}

// checkDecodable checks what must hold before "signed" is decoded as typ:
// its header, its type, its size, and that it has one reading only.
func checkDecodable(f *File, typ string) error {
	if err := checkDecodableHeader(f, typ); err != nil {
		return err
	}
	if !sameSlice(f.Signed, f.oneReadingOf) {
		if err := checkOneReading(f.Signed); err != nil {
			return err
		}
		f.oneReadingOf = f.Signed
	}
	return nil
}

// checkDecodableHeader is checkDecodable but the one reading.
func checkDecodableHeader(f *File, typ string) error {
	h, err := f.Header()
	if err != nil {
		return err
	}
	if h.Type != typ {
		return fmt.Errorf("signed._type is %q, want %q", h.Type, typ)
	}
	if bound, ok := maxDecoded[typ]; ok && len(f.Signed) > bound.limit {
		return fmt.Errorf("signed: %s metadata of %d bytes is over the limit of %d this tool decodes (TUF clients fetch at most %d by default)",
			typ, len(f.Signed), bound.limit, bound.client)
	}
	return nil
}

// SignatureBy returns the index of the signature by keyID, or -1.
func (f *File) SignatureBy(keyID string) int {
	for i, s := range f.Signatures {
		if s.KeyID == keyID {
			return i
		}
	}
	return -1
}

// AddSignature appends a signature; an empty placeholder for the same key ID
// is replaced.
func (f *File) AddSignature(keyID string, sig string) {
	if i := f.SignatureBy(keyID); i >= 0 && f.Signatures[i].Sig == "" {
		f.Signatures[i].Sig = sig
		return
	}
	f.Signatures = append(f.Signatures, Signature{KeyID: keyID, Sig: sig})
}
