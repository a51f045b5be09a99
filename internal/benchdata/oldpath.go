package benchdata

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"

	"github.com/secure-systems-lab/go-securesystemslib/cjson"
	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/metafile"
)

// The paths metafile took before it read JSON bytes itself, kept so that
// the benchmarks measure them beside the current ones in the same run.

// OldCanonicalize is metafile.Canonicalize as it was: decode the document
// into a generic tree (numbers as json.Number) and hand it to
// go-securesystemslib's cjson.EncodeCanonical, which marshals it with
// encoding/json, decodes it again and writes it canonically.
func OldCanonicalize(doc []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("failed to decode JSON: %w", err)
	}
	return cjson.EncodeCanonical(v)
}

// OldParseTargets is metafile.Parse followed by File.Targets as they were:
// encoding/json for the envelope, a second copy of "signed", the header
// decoded from the whole of "signed" twice (by Parse, then by Targets) and
// json.Unmarshal into go-tuf's type.
func OldParseTargets(data []byte) (*metadata.TargetsType, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, err
	}
	signed := append(json.RawMessage(nil), top["signed"]...)
	var sigs []map[string]json.RawMessage
	if err := json.Unmarshal(top["signatures"], &sigs); err != nil {
		return nil, err
	}
	for _, s := range sigs {
		var keyID, sig string
		if json.Unmarshal(s["keyid"], &keyID) != nil || json.Unmarshal(s["sig"], &sig) != nil {
			return nil, fmt.Errorf("malformed signature")
		}
	}
	for range 2 {
		var h metafile.Header
		if err := json.Unmarshal(signed, &h); err != nil {
			return nil, err
		}
	}
	var t metadata.TargetsType
	if err := json.Unmarshal(signed, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// Reversed rewrites a JSON document with the members of every object in
// reverse canonical order, indented: the same canonical form, but nothing
// in order. It is the worst case for a canonicalizer that takes objects
// already in order as they are (metafile's), as metadata written by a tool
// that keeps struct field order can be.
func Reversed(doc []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	var compact bytes.Buffer
	if err := writeReversed(&compact, v); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, compact.Bytes(), "", "  "); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func writeReversed(b *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		slices.Reverse(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeReversed(b, k); err != nil {
				return err
			}
			b.WriteByte(':')
			if err := writeReversed(b, v[k]); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeReversed(b, e); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	default:
		enc := json.NewEncoder(b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			return err
		}
		b.Truncate(b.Len() - 1) // Encode's newline
	}
	return nil
}
