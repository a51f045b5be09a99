package source

import (
	"testing"

	"github.com/tuf-ceremony/ceremony/verify"
)

// TestBuiltOn: what a ceremony builds on is the root chain, what root
// delegates and what top-level targets delegates; a finding a project's
// role brings (a delegation of its own, claimed counted against it) is
// that project's, as are snapshot entries no role delegates.
func TestBuiltOn(t *testing.T) {
	for delegator, want := range map[string]bool{
		"":             true,
		"root v2":      true,
		"targets v7":   true,
		"claimed v3":   false,
		"tiny v1":      false,
		"targets-x v1": false,
		"rootish v1":   false,
		"snapshot v9":  false,
	} {
		if got := builtOn(verify.Finding{Delegator: delegator}); got != want {
			t.Errorf("builtOn(delegator %q) = %v, want %v", delegator, got, want)
		}
	}
}
