package verify

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// findingsText is the findings, one a line, for failure messages.
func findingsText(r *Report) string {
	var b strings.Builder
	for _, f := range r.Findings {
		b.WriteString("  " + f.Severity.String() + ": " + f.String() + "\n")
	}
	return b.String()
}

// has reports whether r has a finding of severity sev, for file, with
// check, whose message contains every one of parts.
func has(r *Report, sev Severity, file, check string, parts ...string) bool {
	for _, f := range r.Findings {
		if f.Severity != sev || f.File != file || f.Check != check {
			continue
		}
		ok := true
		for _, p := range parts {
			if !strings.Contains(f.Message, p) {
				ok = false
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func mustHave(t *testing.T, r *Report, sev Severity, file, check string, parts ...string) {
	t.Helper()
	if !has(r, sev, file, check, parts...) {
		t.Fatalf("want %s %s %s %q; findings:\n%s", sev, file, check, parts, findingsText(r))
	}
}

func roleState(r *Report, role string) (RoleState, bool) {
	for _, s := range r.Roles {
		if s.Role == role {
			return s, true
		}
	}
	return RoleState{}, false
}

func TestValidRepository(t *testing.T) {
	f := newFixture(t)
	f.write()
	r := f.verify()
	if !r.OK() || len(r.Findings) != 0 {
		t.Fatalf("want no findings at all, got:\n%s", findingsText(r))
	}
	if r.RootVersion != 1 {
		t.Errorf("RootVersion = %d, want 1", r.RootVersion)
	}
	// root, timestamp, snapshot, targets, claimed, unclaimed, project-a and
	// 16 bins, each read and meeting its threshold.
	if len(r.Roles) != 7+16 {
		t.Fatalf("got %d roles, want 23: %+v", len(r.Roles), r.Roles)
	}
	for _, s := range r.Roles {
		if !s.Met() || s.Version != 1 {
			t.Errorf("role %s: version %d, signed %d of %d", s.Role, s.Version, len(s.Signed), s.Threshold)
		}
	}
	root, _ := roleState(r, "root")
	if root.Threshold != 2 || len(root.Signed) != 3 || root.File != "metadata/1.root.json" {
		t.Errorf("root state %+v, want threshold 2 with 3 signers from metadata/1.root.json", root)
	}
	bin, ok := roleState(r, "bins-a")
	if !ok || bin.Bins != "bins" || bin.Delegator != "unclaimed v1" || bin.File != "metadata/1.bins-a.json" {
		t.Errorf("bins-a state %+v", bin)
	}
	project, _ := roleState(r, "project-a")
	if project.Delegator != "claimed v1" {
		t.Errorf("project-a delegator %q, want claimed v1", project.Delegator)
	}

	var out bytes.Buffer
	r.Print(&out)
	for _, want := range []string{
		"trusted root: v1\n",
		"bins-0..bins-f (16 bins of unclaimed v1)  v1",
		"signatures: all met",
		"signatures 3/2  metadata/1.root.json",
		"repository verifies\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("Print output lacks %q:\n%s", want, out.String())
		}
	}
	var again bytes.Buffer
	f.verify().Print(&again)
	if again.String() != out.String() {
		t.Errorf("Print is not deterministic:\n%s\n---\n%s", out.String(), again.String())
	}
}

func TestNonConsistentRepository(t *testing.T) {
	f := newFixture(t)
	f.roots[0].ConsistentSnapshot = false
	f.write()
	r := f.verify()
	if !r.OK() || len(r.Findings) != 0 {
		t.Fatalf("want no findings, got:\n%s", findingsText(r))
	}
	if s, _ := roleState(r, "bins-3"); s.File != "metadata/bins-3.json" {
		t.Errorf("bins-3 read from %q, want metadata/bins-3.json", s.File)
	}
	if s, _ := roleState(r, "snapshot"); s.File != "metadata/snapshot.json" {
		t.Errorf("snapshot read from %q, want metadata/snapshot.json", s.File)
	}
}

func TestRootRotation(t *testing.T) {
	rotate := func(t *testing.T, signers ...string) *Report {
		f := newFixture(t)
		r2 := f.newRoot(signers...)
		r2.Keys = map[string]*metadata.Key{}
		r2.Roles = map[string]*metadata.Role{}
		f.setRootRole(r2, metadata.ROOT, 2, "root-d", "root-e", "root-f")
		f.setRootRole(r2, metadata.TIMESTAMP, 1, "timestamp")
		f.setRootRole(r2, metadata.SNAPSHOT, 1, "snapshot")
		f.setRootRole(r2, metadata.TARGETS, 1, "targets")
		f.write()
		return f.verify()
	}
	t.Run("both thresholds", func(t *testing.T) {
		r := rotate(t, "root-a", "root-c", "root-d", "root-e")
		if !r.OK() || r.RootVersion != 2 {
			t.Fatalf("want OK at root v2, got v%d:\n%s", r.RootVersion, findingsText(r))
		}
	})
	t.Run("only the new threshold", func(t *testing.T) {
		r := rotate(t, "root-d", "root-e", "root-f")
		if r.OK() {
			t.Fatal("a root v2 without root v1's threshold verifies")
		}
		mustHave(t, r, Error, "metadata/2.root.json", "threshold", "2 of 3 required signatures from previous root v1, have 0 (missing: ")
		if r.RootVersion != 1 {
			t.Errorf("RootVersion = %d, want trust to stay at 1", r.RootVersion)
		}
		// root.json is the untrusted v2.
		mustHave(t, r, Error, "metadata/root.json", "chain", "version 2", "ends at version 1")
	})
	t.Run("only the old threshold", func(t *testing.T) {
		r := rotate(t, "root-a", "root-b", "root-d")
		mustHave(t, r, Error, "metadata/2.root.json", "threshold", "2 of 3 required signatures from root v2, have 1")
		if has(r, Error, "metadata/2.root.json", "threshold", "previous root v1") {
			t.Errorf("previous root's threshold is met, but reported:\n%s", findingsText(r))
		}
	})
}

func TestRootVersionSkip(t *testing.T) {
	t.Run("wrong version inside", func(t *testing.T) {
		f := newFixture(t)
		f.newRoot("root-a", "root-b").Version = 3
		f.write()
		// The fixture names files by the version inside; rename 3 to 2.
		mv(t, filepath.Join(f.dir, "metadata/3.root.json"), filepath.Join(f.dir, "metadata/2.root.json"))
		r := f.verify()
		mustHave(t, r, Error, "metadata/2.root.json", "version", "root version 3 does not follow the trusted root version 1")
		if r.RootVersion != 1 {
			t.Errorf("RootVersion = %d, want 1", r.RootVersion)
		}
	})
	t.Run("missing version", func(t *testing.T) {
		f := newFixture(t)
		f.newRoot("root-a", "root-b")
		f.newRoot("root-a", "root-b")
		f.write()
		if err := os.Remove(filepath.Join(f.dir, "metadata/2.root.json")); err != nil {
			t.Fatal(err)
		}
		r := f.verify()
		mustHave(t, r, Error, "metadata/3.root.json", "chain", "root v3 cannot be reached: metadata/2.root.json is missing")
		if r.RootVersion != 1 {
			t.Errorf("RootVersion = %d, want 1", r.RootVersion)
		}
	})
	t.Run("chain of three", func(t *testing.T) {
		f := newFixture(t)
		f.newRoot("root-a", "root-b")
		f.newRoot("root-b", "root-c")
		f.write()
		r := f.verify()
		if !r.OK() || r.RootVersion != 3 {
			t.Fatalf("want OK at v3, got v%d:\n%s", r.RootVersion, findingsText(r))
		}
	})
}

func mv(t *testing.T, from, to string) {
	t.Helper()
	if err := os.Rename(from, to); err != nil {
		t.Fatal(err)
	}
}

func TestExpiry(t *testing.T) {
	t.Run("expired timestamp", func(t *testing.T) {
		f := newFixture(t)
		f.timestampExpires = f.now.Add(-time.Hour)
		f.write()
		r := f.verify()
		mustHave(t, r, Error, "metadata/timestamp.json", "expiry", "expired at 2026-06-01T11:00:00Z")
		if n := len(r.Errors()); n != 1 {
			t.Errorf("want exactly one error, got:\n%s", findingsText(r))
		}
	})
	t.Run("targets expires within 30 days", func(t *testing.T) {
		f := newFixture(t)
		f.roles["targets"].Expires = f.now.Add(10 * 24 * time.Hour)
		f.write()
		r := f.verify()
		if !r.OK() {
			t.Fatalf("want OK:\n%s", findingsText(r))
		}
		mustHave(t, r, Warning, "metadata/1.targets.json", "expiry", "within 30 days")
		if len(r.Findings) != 1 {
			t.Errorf("want exactly one warning:\n%s", findingsText(r))
		}
		// Turning the warning off leaves nothing.
		r2, err := Repository(f.dir, Options{At: f.now, ExpiryWarning: -1})
		if err != nil || len(r2.Findings) != 0 {
			t.Errorf("with ExpiryWarning < 0: %v\n%s", err, findingsText(r2))
		}
	})
	t.Run("online roles expiring soon are no warning", func(t *testing.T) {
		// timestamp, snapshot and bins are signed by the online key and
		// re-signed all the time: a one-day expiry is their nature.
		f := newFixture(t)
		f.timestampExpires = f.now.Add(24 * time.Hour)
		f.snapshotExpires = f.now.Add(24 * time.Hour)
		f.roles["bins-7"].Expires = f.now.Add(24 * time.Hour)
		f.write()
		r := f.verify()
		if !r.OK() || len(r.Findings) != 0 {
			t.Fatalf("want no findings:\n%s", findingsText(r))
		}
	})
	t.Run("expired bin", func(t *testing.T) {
		f := newFixture(t)
		f.roles["bins-7"].Expires = f.now.Add(-time.Second)
		f.write()
		r := f.verify()
		mustHave(t, r, Error, "metadata/1.bins-7.json", "expiry", "expired")
	})
	t.Run("verify as of the past", func(t *testing.T) {
		f := newFixture(t)
		past := f.now.AddDate(-1, 0, 0)
		old := f.now.Add(-24 * time.Hour)
		f.roots[0].Expires = old
		for _, role := range f.roles {
			role.Expires = old
		}
		f.snapshotExpires, f.timestampExpires = old, old
		f.write()
		now := f.verify()
		if now.OK() {
			t.Fatal("an expired repository verifies")
		}
		// root, timestamp, snapshot and the 20 targets roles.
		if n := len(now.Errors()); n != 23 {
			t.Errorf("want 23 expiry errors, got %d:\n%s", n, findingsText(now))
		}
		then, err := Repository(f.dir, Options{At: past, ExpiryWarning: -1})
		if err != nil {
			t.Fatal(err)
		}
		if !then.OK() || len(then.Findings) != 0 {
			t.Fatalf("as of %s, want no findings:\n%s", past, findingsText(then))
		}
	})
}

func TestSnapshotMetaVersionMismatch(t *testing.T) {
	t.Run("not consistent", func(t *testing.T) {
		f := newFixture(t)
		f.roots[0].ConsistentSnapshot = false
		f.editSnapshot = func(s *metadata.SnapshotType) { s.Meta["project-a.json"].Version = 2 }
		f.write()
		r := f.verify()
		mustHave(t, r, Error, "metadata/project-a.json", "version", "version 1, but snapshot v1 lists version 2")
		if len(r.Errors()) != 1 {
			t.Errorf("want one error:\n%s", findingsText(r))
		}
	})
	t.Run("consistent", func(t *testing.T) {
		f := newFixture(t)
		f.editSnapshot = func(s *metadata.SnapshotType) { s.Meta["project-a.json"].Version = 2 }
		f.write()
		r := f.verify()
		mustHave(t, r, Error, "metadata/2.project-a.json", "missing", "snapshot v1 lists version 2")
	})
	t.Run("timestamp and snapshot", func(t *testing.T) {
		f := newFixture(t)
		f.roots[0].ConsistentSnapshot = false
		f.editTimestamp = func(ts *metadata.TimestampType) {
			ts.Meta["snapshot.json"].Version = 5
			ts.Meta["snapshot.json"].Hashes = nil
			ts.Meta["snapshot.json"].Length = 0
		}
		f.write()
		r := f.verify()
		mustHave(t, r, Error, "metadata/snapshot.json", "version", "version 1, but timestamp v1 lists version 5")
	})
	t.Run("targets hash", func(t *testing.T) {
		f := newFixture(t)
		f.editSnapshot = func(s *metadata.SnapshotType) { s.Meta["targets.json"].Hashes["sha256"][0] ^= 1 }
		f.write()
		r := f.verify()
		mustHave(t, r, Error, "metadata/1.targets.json", "hashes", "sha256 is", "snapshot v1 says")
	})
	t.Run("claimed length", func(t *testing.T) {
		f := newFixture(t)
		f.editSnapshot = func(s *metadata.SnapshotType) { s.Meta["claimed.json"].Length++ }
		f.write()
		r := f.verify()
		mustHave(t, r, Error, "metadata/1.claimed.json", "length", "snapshot v1 says")
	})
}

func TestBinsMissing(t *testing.T) {
	t.Run("files", func(t *testing.T) {
		f := newFixture(t)
		f.omit["bins-7"], f.omit["bins-c"] = true, true
		f.write()
		r := f.verify()
		mustHave(t, r, Error, "metadata/1.bins-7.json", "missing", "file not found (snapshot v1 lists version 1)")
		mustHave(t, r, Error, "metadata/1.bins-c.json", "missing", "file not found")
		if len(r.Errors()) != 2 {
			t.Errorf("want two errors:\n%s", findingsText(r))
		}
	})
	t.Run("snapshot entries", func(t *testing.T) {
		f := newFixture(t)
		f.editSnapshot = func(s *metadata.SnapshotType) { delete(s.Meta, "bins-3.json") }
		f.write()
		r := f.verify()
		mustHave(t, r, Error, "metadata/1.snapshot.json", "snapshot", "not listed in snapshot v1, but unclaimed v1 delegates it")
	})
	t.Run("listed but not delegated", func(t *testing.T) {
		f := newFixture(t)
		f.editSnapshot = func(s *metadata.SnapshotType) { s.Meta["orphan.json"] = &metadata.MetaFiles{Version: 1} }
		f.write()
		r := f.verify()
		mustHave(t, r, Error, "metadata/1.orphan.json", "missing", "snapshot v1 lists version 1")
	})
}

func TestKeyIDs(t *testing.T) {
	f := newFixture(t)
	// A delegation key listed under an ID that is not its hash, as some
	// published repositories have.
	claimed := f.roles["claimed"]
	odd := strings.Repeat("0d", 32)
	claimed.Delegations.Keys[odd] = claimed.Delegations.Keys[f.id("maintainer")]
	delete(claimed.Delegations.Keys, f.id("maintainer"))
	claimed.Delegations.Roles[0].KeyIDs = []string{odd}
	f.write()
	// The maintainer's signature on project-a is under the key's own ID;
	// rewrite it under the odd ID, as the tool that made it would have.
	p := filepath.Join(f.dir, "metadata/1.project-a.json")
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, bytes.ReplaceAll(data, []byte(f.id("maintainer")), []byte(odd)), 0o644); err != nil {
		t.Fatal(err)
	}
	// snapshot lists project-a without hashes, so the edit stands.
	r := f.verify()
	if !r.OK() {
		t.Fatalf("a non-compliant key ID is an error:\n%s", findingsText(r))
	}
	mustHave(t, r, Warning, "metadata/1.claimed.json", "keyid", "key ID 0d0d0d0d0d0d is not the SHA-256 of the key")
	if len(r.Findings) != 1 {
		t.Errorf("want one warning:\n%s", findingsText(r))
	}
	if s, _ := roleState(r, "project-a"); !s.Met() {
		t.Errorf("project-a not signed under the odd key ID: %+v", s)
	}
}

func TestSignatureEntries(t *testing.T) {
	t.Run("placeholders", func(t *testing.T) {
		f := newFixture(t)
		f.rootSigners[0] = []string{"root-a", "root-b"}
		f.placeholders = []string{"root-c"}
		f.write()
		r := f.verify()
		if !r.OK() || len(r.Findings) != 0 {
			t.Fatalf("\"sig\": \"\" placeholders draw findings:\n%s", findingsText(r))
		}
		if s, _ := roleState(r, "root"); len(s.Signed) != 2 {
			t.Errorf("root signed by %d, want 2", len(s.Signed))
		}
	})
	t.Run("foreign key", func(t *testing.T) {
		f := newFixture(t)
		f.signersOf["project-a"] = []string{"maintainer", "admin"}
		f.write()
		r := f.verify()
		if !r.OK() {
			t.Fatalf("a signature by an unlisted key is an error:\n%s", findingsText(r))
		}
		mustHave(t, r, Warning, "metadata/1.project-a.json", "signature", "signatures by keys that claimed v1 does not list, ignored: "+f.id("admin")[:12])
	})
	t.Run("below threshold", func(t *testing.T) {
		f := newFixture(t)
		f.rootSigners[0] = []string{"root-b"}
		f.write()
		r := f.verify()
		mustHave(t, r, Error, "metadata/1.root.json", "threshold", "2 of 3 required signatures from root v1, have 1 (missing: ")
	})
}

// stringValues returns the byte ranges of the string values (not object
// keys) inside the JSON value doc[start:end].
func stringValues(t *testing.T, doc []byte, start int) [][2]int {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(doc[start:]))
	type level struct{ object, wantKey bool }
	var stack []level
	var out [][2]int
	for {
		before := int(dec.InputOffset())
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("tokenizing: %v", err)
		}
		after := int(dec.InputOffset())
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{':
				stack = append(stack, level{object: true, wantKey: true})
			case '[':
				stack = append(stack, level{})
			default:
				stack = stack[:len(stack)-1]
				if len(stack) == 0 {
					return out
				}
				if top := &stack[len(stack)-1]; top.object {
					top.wantKey = true
				}
			}
			continue
		case string:
			top := &stack[len(stack)-1]
			if top.object && top.wantKey {
				top.wantKey = false
				continue
			}
			// The token's text ends at after; it starts at the quote
			// following before (skipping ':' ',' and spaces).
			q := bytes.IndexByte(doc[start+before:start+after], '"')
			out = append(out, [2]int{start + before + q + 1, start + after - 1})
		}
		if top := &stack[len(stack)-1]; top.object {
			top.wantKey = true
		}
	}
}

// flip changes the last letter or digit in doc[r[0]:r[1]] to another of
// its kind, so the JSON stays valid. It reports false if there is none.
func flip(doc []byte, r [2]int) bool {
	for i := r[1] - 1; i >= r[0]; i-- {
		c := doc[i]
		switch {
		case c >= '0' && c <= '8', c >= 'a' && c <= 'e', c >= 'A' && c <= 'Y', c >= 'g' && c <= 'y':
			doc[i] = c + 1
		case c == '9':
			doc[i] = '0'
		case c == 'f':
			doc[i] = 'a' // stays hex
		case c == 'z':
			doc[i] = 'a'
		case c == 'Z':
			doc[i] = 'A'
		default:
			continue
		}
		return true
	}
	return false
}

// TestFlippedByte changes one byte in every metadata file of a valid
// repository, in several string values of "signed" and in a signature,
// and checks that each change fails the repository with a finding that
// names the changed file.
func TestFlippedByte(t *testing.T) {
	f := newFixture(t)
	f.write()
	if r := f.verify(); !r.OK() {
		t.Fatalf("fixture does not verify:\n%s", findingsText(r))
	}
	if len(f.written) != 24 { // 1.root, root, 20 targets roles, snapshot, timestamp
		t.Fatalf("fixture wrote %d metadata files, want 24: %v", len(f.written), f.written)
	}
	for _, rel := range f.written {
		p := filepath.Join(f.dir, filepath.FromSlash(rel))
		orig, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		signedAt := bytes.Index(orig, []byte(`"signed": `)) + len(`"signed": `)
		sigAt := bytes.Index(orig, []byte(`"sig": "`)) + len(`"sig": "`)
		values := stringValues(t, orig, signedAt)
		if len(values) < 3 {
			t.Fatalf("%s: only %d string values in signed", rel, len(values))
		}
		cases := map[string][2]int{
			"first string in signed":  values[0],
			"middle string in signed": values[len(values)/2],
			"last string in signed":   values[len(values)-1],
			"signature":               {sigAt, sigAt + bytes.IndexByte(orig[sigAt:], '"')},
		}
		for name, span := range cases {
			doc := bytes.Clone(orig)
			if !flip(doc, span) {
				t.Fatalf("%s: %s: nothing to flip in %q", rel, name, orig[span[0]:span[1]])
			}
			if err := os.WriteFile(p, doc, 0o644); err != nil {
				t.Fatal(err)
			}
			r := f.verify()
			named := false
			for _, fd := range r.Errors() {
				named = named || fd.File == rel
			}
			if r.OK() || !named {
				t.Errorf("%s, %s changed (%q): OK=%v, no error names the file:\n%s", rel, name, doc[span[0]:span[1]], r.OK(), findingsText(r))
			}
		}
		if err := os.WriteFile(p, orig, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestTargetFiles(t *testing.T) {
	f := newFixture(t)
	f.write()
	p := "project-a/project_a-1.0.tar.gz"
	content := f.targetFiles[p]
	matches, err := filepath.Glob(filepath.Join(f.dir, "targets/project-a/*.project_a-1.0.tar.gz"))
	if err != nil || len(matches) != 1 {
		t.Fatalf("hash-prefixed target file: %v %v", matches, err)
	}
	changed := bytes.Clone(content)
	changed[0] ^= 1
	if err := os.WriteFile(matches[0], changed, 0o644); err != nil {
		t.Fatal(err)
	}
	r := f.verify()
	mustHave(t, r, Error, "metadata/1.project-a.json", "target", "sha256 is", "the metadata says")
	if err := os.Remove(matches[0]); err != nil {
		t.Fatal(err)
	}
	r = f.verify()
	if !r.OK() {
		t.Fatalf("a target missing from targets/ is an error:\n%s", findingsText(r))
	}
	mustHave(t, r, Warning, "metadata/1.project-a.json", "target", "is not under targets/")
}

func TestTargetOutsideDelegatedPaths(t *testing.T) {
	f := newFixture(t)
	f.addTarget(f.roles["project-a"], "project-b/stolen-1.0.tar.gz", []byte("not project a's\n"))
	// A target in the wrong bin.
	f.addTarget(f.roles["bins-0"], "wrong-bin-1", []byte("x"))
	if f.roles["unclaimed"].Delegations.SuccinctRoles.GetRolesForTarget("wrong-bin-1")[0].Name == "bins-0" {
		t.Fatal("pick another path: wrong-bin-1 belongs in bins-0")
	}
	f.write()
	r := f.verify()
	if !r.OK() {
		t.Fatalf("want warnings only:\n%s", findingsText(r))
	}
	mustHave(t, r, Warning, "metadata/1.project-a.json", "paths", `1 of 2 targets lie outside what claimed v1 delegates`, `"project-b/stolen-1.0.tar.gz"`)
	mustHave(t, r, Warning, "metadata/1.bins-0.json", "paths", `"wrong-bin-1"`)
}

// TestDepth: with Depth 1, targets and the roles it delegates are
// checked, nothing below them is read (project-a is not a role of the
// report, and its broken signature is no finding), and snapshot entries
// left unreached are not looked at.
func TestDepth(t *testing.T) {
	f := newFixture(t)
	f.signersOf["project-a"] = []string{"admin"} // not its maintainer's key
	f.write()
	full := f.verify()
	if _, ok := roleState(full, "project-a"); !ok || full.OK() {
		t.Fatalf("the whole walk: project-a read %v, report OK %v, want it read and its signature refused", ok, full.OK())
	}
	r, err := Repository(f.dir, Options{At: f.now, Depth: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() || len(r.Findings) != 0 {
		t.Fatalf("depth 1: want no findings, got:\n%s", findingsText(r))
	}
	var roles []string
	for _, s := range r.Roles {
		roles = append(roles, s.Role)
	}
	if want := []string{"root", "timestamp", "snapshot", "targets", "claimed", "unclaimed"}; !slices.Equal(roles, want) {
		t.Errorf("depth 1 read %v, want %v", roles, want)
	}
}

// TestKeepFiles: with KeepFiles each role's state holds the very bytes
// checked and their parse, so that a caller building on them reads
// nothing again; without it, nothing is held.
func TestKeepFiles(t *testing.T) {
	f := newFixture(t)
	f.write()
	kept, err := Repository(f.dir, Options{At: f.now, Depth: 1, KeepFiles: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range kept.Roles {
		if s.Role == metadata.ROOT {
			continue
		}
		onDisk, err := os.ReadFile(filepath.Join(f.dir, s.File))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(s.Data, onDisk) || s.Parsed == nil {
			t.Errorf("%s: kept %d bytes (parsed: %v), want the file's %d", s.File, len(s.Data), s.Parsed != nil, len(onDisk))
			continue
		}
		if h, err := s.Parsed.Header(); err != nil || h.Version != s.Version {
			t.Errorf("%s: the kept parse says version %d (%v), the report %d", s.File, h.Version, err, s.Version)
		}
	}
	plain := f.verify()
	for _, s := range plain.Roles {
		if s.Data != nil || s.Parsed != nil {
			t.Errorf("%s: held without KeepFiles", s.File)
		}
	}
}

// TestFindingDelegator: each finding names whose delegation it is about,
// so that a caller can tell a role's own failure from one a lower role
// brings: claimed counted again against project-a's delegation of it
// fails under "project-a v1", not under targets.
func TestFindingDelegator(t *testing.T) {
	f := newFixture(t)
	project := f.roles["project-a"]
	project.Delegations = &metadata.Delegations{Keys: map[string]*metadata.Key{}}
	f.delegate(project, "claimed", []string{"project-a/*"}, "maintainer")
	f.write()
	r := f.verify()
	var got []string
	for _, fd := range r.Errors() {
		got = append(got, fd.Role+" under "+fd.Delegator)
	}
	if !slices.Contains(got, "claimed under project-a v1") {
		t.Errorf("errors %v, want claimed's signatures refused under project-a v1", got)
	}
	for _, fd := range r.Errors() {
		if fd.Role == "claimed" && fd.Delegator != "project-a v1" {
			t.Errorf("claimed's error under %q: %s", fd.Delegator, fd)
		}
	}
	if s, _ := roleState(r, "project-a"); s.SHA256 == "" {
		t.Error("project-a's state has no SHA-256 of the file checked")
	}
}
