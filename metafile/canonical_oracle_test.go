package metafile

import (
	"bytes"
	"encoding/json"

	"github.com/secure-systems-lab/go-securesystemslib/cjson"
)

// canonicalizeGeneric is how Canonicalize worked before it read the bytes
// itself: decode into a generic tree (numbers as json.Number) and hand it
// to go-securesystemslib's cjson.EncodeCanonical. It is the oracle the
// tests compare Canonicalize with.
func canonicalizeGeneric(doc []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return cjson.EncodeCanonical(v)
}
