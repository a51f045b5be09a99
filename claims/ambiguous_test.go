package claims

import (
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/keys"
)

// A name that is another project's, "-" and a version cannot be delegated
// without one of the two taking the other's files: the new claim is
// refused, whichever came first; a claim for both in one review refuses
// both. What follows the "-" that is no version ("foo-2fa") is left to the
// order of the delegations, and flagged.
func TestAmbiguousNamesRefused(t *testing.T) {
	a, b := newSigner(t, keys.TypeEd25519), newSigner(t, keys.TypeEd25519)
	review := func(claimed map[string][]keys.Signer, requests ...string) *Report {
		t.Helper()
		dir := t.TempDir()
		for _, p := range requests {
			writeFile(t, dir, p+".json", makeRequest(t, p, 1, b))
		}
		rep, err := reviewBoth(t, dir, claimedWith(t, claimed), Options{Now: testNow})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	refused := func(rep *Report, project, want string) {
		t.Helper()
		v := verdictOf(t, rep, project+".json")
		if v.Outcome() != Refused || !strings.Contains(v.Reason, want) {
			t.Errorf("%s: %s %q, want refused saying %q", project, v.Outcome(), v.Reason, want)
		}
	}
	refused(review(map[string][]keys.Signer{"foo": {a}}, "foo-99999"), "foo-99999", `"foo-99999" is "foo", "-" and the version 99999`)
	refused(review(map[string][]keys.Signer{"foo": {a}}, "foo-2a"), "foo-2a", `the version 2a`)
	refused(review(map[string][]keys.Signer{"foo-99999": {a}}, "foo"), "foo", `"foo" cannot be claimed while foo-99999 is`)
	both := review(nil, "foo", "foo-1-0")
	refused(both, "foo", "cannot be claimed while foo-1-0 is")
	refused(both, "foo-1-0", `"foo", "-" and the version 1-0`)
	// No version after the "-": the longer name is listed first, and said.
	rep := review(map[string][]keys.Signer{"foo": {a}}, "foo-2fa", "foo-bar")
	if v := verdictOf(t, rep, "foo-2fa.json"); v.Outcome() != ChangeAdd || !strings.Contains(strings.Join(v.Flags, ";"), `list "foo-2fa" before "foo"`) {
		t.Errorf("foo-2fa: %s %q %q, want added and flagged", v.Outcome(), v.Reason, v.Flags)
	}
	if v := verdictOf(t, rep, "foo-bar.json"); v.Outcome() != ChangeAdd {
		t.Errorf("foo-bar: %s %q, want added", v.Outcome(), v.Reason)
	}
}

func TestIsVersion(t *testing.T) {
	for s, want := range map[string]bool{"99999": true, "1-0": true, "2a": true, "1.0.post1": true, "1!2.0rc1.dev3": true, "v1": true,
		"2fa": false, "bar": false, "1-bar": false, "": false, "1..0": false} {
		if got := isVersion(s); got != want {
			t.Errorf("isVersion(%q) = %v, want %v", s, got, want)
		}
	}
}
