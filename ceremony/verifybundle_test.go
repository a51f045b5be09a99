package ceremony_test

import (
	"path/filepath"
	"testing"

	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/verify"
)

func TestVerifyBundleRefusesWhatIsNotABundle(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.tar")
	if err := writeFile(garbage, []byte("not a tar file at all")); err != nil {
		t.Fatal(err)
	}
	if rep := verifyBundle(t, garbage, ""); rep.OK() || len(findings(rep, verify.Error, "bundle")) == 0 {
		t.Errorf("garbage verifies: %v", rep.Findings)
	}
	// A well-formed bundle that is no ceremony's.
	other := filepath.Join(dir, "other.tar")
	if _, err := bundle.Write(other, []bundle.Entry{{Name: "hello.txt", Data: []byte("hi\n")}}); err != nil {
		t.Fatal(err)
	}
	if rep := verifyBundle(t, other, ""); rep.OK() {
		t.Error("a bundle without metadata verifies")
	}
}
