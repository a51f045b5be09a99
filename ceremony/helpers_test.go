package ceremony_test

import (
	"encoding/hex"
	"testing"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
)

// verifies reports whether the file holds a signature under keyID that
// verifies, over the canonical "signed", under key k.
func verifies(t *testing.T, f *metafile.File, keyID string, k *metadata.Key) bool {
	t.Helper()
	i := f.SignatureBy(keyID)
	if i < 0 {
		return false
	}
	raw, err := hex.DecodeString(f.Signatures[i].Sig)
	if err != nil {
		return false
	}
	msg, err := metafile.Canonicalize(f.Signed)
	if err != nil {
		t.Fatal(err)
	}
	return keys.Verify(k, msg, raw) == nil
}

func partyIDs(ps []ceremony.Party) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.KeyID)
	}
	return out
}
