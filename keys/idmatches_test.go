package keys_test

import (
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/keys"
)

func TestIDMatches(t *testing.T) {
	s, err := keys.GenerateSoftware("memory:k", keys.TypeEd25519)
	if err != nil {
		t.Fatal(err)
	}
	k := keys.Copy(s.TUFKey())
	k.UnrecognizedFields = map[string]any{"x-rstuf-key-name": "alice"}
	core, _ := keys.ID(k)
	full, _ := keys.FullID(k)
	if core == full {
		t.Fatal("a vendor field did not change the whole-object ID")
	}
	for _, id := range []string{core, full} {
		if !keys.IDMatches(id, k) {
			t.Errorf("%s is a compliant ID for the key but IDMatches says no", id)
		}
	}
	if keys.IDMatches(strings.Repeat("0", 64), k) {
		t.Error("an unrelated ID matches")
	}
}
