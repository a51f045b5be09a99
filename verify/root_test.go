package verify

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/metafile"
)

func named(t *testing.T, path string, data []byte) Named {
	t.Helper()
	f, err := metafile.Parse(data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return Named{Path: path, File: f}
}

func chainText(list []Finding) string {
	var b strings.Builder
	for _, f := range list {
		b.WriteString("  " + f.Severity.String() + ": " + f.String() + "\n")
	}
	return b.String()
}

func TestRootChain(t *testing.T) {
	f := newFixture(t)
	v2 := f.newRoot("root-a", "root-b")
	v2.Expires = f.now.Add(-time.Hour) // an intermediate root may have expired
	v3 := f.newRoot("root-b", "root-c", "root-d", "root-e")
	v3.Expires = f.roots[0].Expires
	v3.Keys = map[string]*metadata.Key{}
	v3.Roles = map[string]*metadata.Role{}
	f.setRootRole(v3, metadata.ROOT, 2, "root-d", "root-e")
	f.setRootRole(v3, metadata.TIMESTAMP, 1, "timestamp")
	f.setRootRole(v3, metadata.SNAPSHOT, 1, "snapshot")
	f.setRootRole(v3, metadata.TARGETS, 1, "targets")
	v4 := f.newRoot("root-d") // below v3's threshold of 2 on both counts
	v4.Version = 4
	one := named(t, "1.root.json", f.sign(f.roots[0], f.rootSigners[0]))
	two := named(t, "2.root.json", f.sign(v2, f.rootSigners[1]))
	three := named(t, "3.root.json", f.sign(v3, f.rootSigners[2]))
	four := named(t, "4.root.json", f.sign(v4, f.rootSigners[3]))

	list, final := RootChain(one, []Named{two, three}, f.now)
	if len(list) != 0 || final.Path != "3.root.json" {
		t.Fatalf("chain 1-2-3: final %q, findings:\n%s", final.Path, chainText(list))
	}

	list, final = RootChain(one, []Named{two, three, four}, f.now)
	if final.Path != "3.root.json" {
		t.Errorf("trust went past a root below threshold, to %q", final.Path)
	}
	want := []string{
		"4.root.json: root: threshold: 2 of 2 required signatures from previous root v3, have 1 (missing: " + f.id("root-e")[:12] + ")",
		"4.root.json: root: threshold: 2 of 2 required signatures from root v4, have 1 (missing: " + f.id("root-e")[:12] + ")",
	}
	if got := chainText(list); got != "  error: "+want[0]+"\n  error: "+want[1]+"\n" {
		t.Errorf("findings:\n%s\nwant\n%s", got, strings.Join(want, "\n"))
	}

	// A root after a broken link is checked, but not trusted.
	list, final = RootChain(one, []Named{three}, f.now)
	if final.Path != "1.root.json" {
		t.Errorf("trusted %q after a skipped version", final.Path)
	}
	if len(list) == 0 || !strings.Contains(list[0].String(), "root version 3 does not follow the trusted root version 1") {
		t.Errorf("findings:\n%s", chainText(list))
	}

	// The final root must not have expired; an intermediate one may.
	list, final = RootChain(one, []Named{two}, f.now)
	if final.Path != "2.root.json" || len(list) != 1 || list[0].Check != "expiry" || list[0].File != "2.root.json" {
		t.Errorf("expired final root: final %q, findings:\n%s", final.Path, chainText(list))
	}
}

// RSTUF's CLI test payloads: a bootstrap root v1 (Ed25519 and ECDSA root
// keys, threshold 2), the metadata update to v2 that rotates one root key
// to RSA (signed by the old and new keys), and a pending v2 that only the
// keys of v2 have signed.
func TestRootChainRSTUF(t *testing.T) {
	rstuf := filepath.Join(pythonTUF, "../../rstuf/cli")
	root := func(file string, path ...string) Named {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(rstuf, file))
		if err != nil {
			t.Fatalf("test data missing (testdata/ at the top of the repository): %v", err)
		}
		raw := json.RawMessage(data)
		for _, p := range path {
			var m map[string]json.RawMessage
			if err := json.Unmarshal(raw, &m); err != nil {
				t.Fatal(err)
			}
			raw = m[p]
		}
		return named(t, file+":"+strings.Join(path, "."), raw)
	}
	at := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	v1 := root("ceremony.json", "metadata", "root")
	update := root("update.json", "metadata", "root")
	pending := root("sign_pending_roles.json", "data", "metadata", "root")

	list, final := RootChain(v1, []Named{update}, at)
	if final.Path != update.Path || len(list) != 0 {
		t.Fatalf("RSTUF's root update: final %q, findings:\n%s", final.Path, chainText(list))
	}
	list, final = RootChain(v1, []Named{pending}, at)
	if final.Path != v1.Path || len(list) != 1 || list[0].Check != "threshold" ||
		!strings.Contains(list[0].Message, "2 of 2 required signatures from previous root v1, have 1 (missing: c6d8bf2e") {
		t.Fatalf("pending root v2: final %q, findings:\n%s", final.Path, chainText(list))
	}
	// Expired by now.
	list, _ = RootChain(v1, []Named{update}, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if len(list) != 1 || list[0].Check != "expiry" {
		t.Fatalf("findings:\n%s", chainText(list))
	}
}

func TestTrustedRootOption(t *testing.T) {
	f := newFixture(t)
	f.newRoot("root-a", "root-b")
	f.newRoot("root-b", "root-c")
	f.write()
	elsewhere := filepath.Join(t.TempDir(), "trusted.json")
	data, err := os.ReadFile(filepath.Join(f.dir, "metadata/2.root.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(elsewhere, data, 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := Repository(f.dir, Options{At: f.now, TrustedRoot: elsewhere})
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() || r.RootVersion != 3 {
		t.Fatalf("from a trusted v2: v%d\n%s", r.RootVersion, findingsText(r))
	}

	// A trusted root v1 with other keys: the repository's own 1.root.json
	// differs from it, and nothing the repository's keys signed counts.
	other := newFixture(t)
	if err := os.WriteFile(elsewhere, other.sign(other.roots[0], other.rootSigners[0]), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err = Repository(f.dir, Options{At: f.now, TrustedRoot: elsewhere})
	if err != nil {
		t.Fatal(err)
	}
	mustHave(t, r, Error, "metadata/1.root.json", "trusted", "differs from the trusted root "+elsewhere)
	mustHave(t, r, Error, "metadata/2.root.json", "threshold", "from previous root v1, have 0")
	mustHave(t, r, Error, "metadata/timestamp.json", "threshold", "from root v1, have 0")
	if r.RootVersion != 1 {
		t.Errorf("RootVersion %d, want 1", r.RootVersion)
	}
}
