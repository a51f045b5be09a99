package claims

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
)

// claimedWith is a claimed role delegating each project to its signers.
func claimedWith(t testing.TB, projects map[string][]keys.Signer) *metadata.TargetsType {
	t.Helper()
	d := &metadata.Delegations{Keys: map[string]*metadata.Key{}}
	for name, signers := range projects {
		c := Claim{Project: name, Keys: map[string]*metadata.Key{}, Threshold: 1}
		for _, s := range signers {
			c.Keys[keyID(t, s)] = s.TUFKey()
			d.Keys[keyID(t, s)] = s.TUFKey()
		}
		d.Roles = append(d.Roles, Delegation(c))
	}
	return &metadata.TargetsType{Type: "targets", SpecVersion: "1.0.31", Version: 3, Expires: testNow.AddDate(1, 0, 0),
		Targets: map[string]*metadata.TargetFiles{}, Delegations: d}
}

func verdictOf(t testing.TB, rep *Report, file string) *Verdict {
	t.Helper()
	for i := range rep.Verdicts {
		if filepath.Base(rep.Verdicts[i].File) == file {
			return &rep.Verdicts[i]
		}
	}
	t.Fatalf("no verdict for %s", file)
	return nil
}

// TestReview: a directory of requests against a claimed role: what is
// added, what is already there, what is refused and why, what is flagged.
func TestReview(t *testing.T) {
	a, b, c, x, z := newSigner(t, keys.TypeEd25519), newSigner(t, keys.TypeECDSAP256), newSigner(t, keys.TypeEd25519),
		newSigner(t, keys.TypeECDSAP384), newSigner(t, keys.TypeEd25519)
	claimed := claimedWith(t, map[string][]keys.Signer{
		"beta":    {a}, // a is alpha's key too
		"epsilon": {x},
		"zeta":    {z},
		"foo":     {x},
	})
	dir := t.TempDir()
	writeFile(t, dir, "alpha.claim.json", makeRequest(t, "alpha", 1, a))
	writeFile(t, dir, "gamma-1.json", makeRequest(t, "gamma", 1, b))
	writeFile(t, dir, "gamma-2.json", makeRequest(t, "gamma", 1, c))
	writeFile(t, dir, "delta-1.json", makeRequest(t, "delta", 2, b, c))
	writeFile(t, dir, "delta-2.json", makeRequest(t, "delta", 2, c, b))
	writeFile(t, dir, "epsilon.json", makeRequest(t, "epsilon", 1, b))
	writeFile(t, dir, "zeta.json", makeRequest(t, "zeta", 1, z))
	writeFile(t, dir, "foo-2fa.json", makeRequest(t, "foo-2fa", 1, c))
	tampered := bytes.Replace(makeRequest(t, "omega", 1, c), []byte(`"sig": "`), []byte(`"sig": "AAAA`), 1)
	writeFile(t, dir, "omega.json", tampered)
	unnormalized := signStatement(t, statementOf(t, "Omega_Two", 1, c), c)
	writeFile(t, dir, "omega-two.json", unnormalized)
	writeFile(t, dir, "notes.txt", []byte("keep me out"))
	if err := os.Mkdir(filepath.Join(dir, "old"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("alpha.claim.json", filepath.Join(dir, "link.json")); err != nil {
		t.Fatal(err)
	}

	rep, err := reviewBoth(t, dir, claimed, Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	outcomes := map[string]string{}
	for i := range rep.Verdicts {
		outcomes[filepath.Base(rep.Verdicts[i].File)] = rep.Verdicts[i].Outcome()
	}
	want := map[string]string{
		"alpha.claim.json": ChangeAdd,
		"gamma-1.json":     Refused, "gamma-2.json": Refused,
		"delta-1.json": ChangeAdd, "delta-2.json": ChangeUnchanged,
		"epsilon.json":   Refused,
		"zeta.json":      ChangeUnchanged,
		"foo-2fa.json":   ChangeAdd,
		"omega.json":     Refused,
		"omega-two.json": Refused,
		"link.json":      Refused,
	}
	for f, w := range want {
		if outcomes[f] != w {
			t.Errorf("%s: %s, want %s (reason %q)", f, outcomes[f], w, verdictOf(t, rep, f).Reason)
		}
	}
	if len(rep.Verdicts) != len(want) {
		t.Errorf("%d verdicts, want %d: %v", len(rep.Verdicts), len(want), outcomes)
	}
	if strings.Join(rep.Ignored, ",") != "notes.txt,old/" {
		t.Errorf("ignored %v", rep.Ignored)
	}
	if rep.Claimed != 4 {
		t.Errorf("claimed delegates to %d projects, want 4", rep.Claimed)
	}

	reasons := map[string]string{
		"gamma-1.json":   `project "gamma" is asked for by 2 requests with different keys or thresholds (gamma-1.json, gamma-2.json): the maintainers must agree on one request`,
		"gamma-2.json":   "(gamma-1.json, gamma-2.json)",
		"epsilon.json":   `project "epsilon" is already claimed by key(s) ` + keyID(t, x)[:12] + ` (threshold 1); a claimed project's keys change only when PyPI's administrators take the request in as a rekey`,
		"omega.json":     "envelope.signatures: the signature by key " + keyID(t, c)[:12] + " does not verify over the statement: the file was changed after it was signed",
		"omega-two.json": `project "Omega_Two" is not normalized (PEP 503): write "omega-two"`,
		"link.json":      "not a regular file",
	}
	for f, w := range reasons {
		v := verdictOf(t, rep, f)
		if !strings.Contains(v.Reason, w) || strings.Contains(v.Reason, "\n") || v.Claim != nil {
			t.Errorf("%s: reason %q, want it to say %q", f, v.Reason, w)
		}
	}
	if v := verdictOf(t, rep, "omega-two.json"); v.Project != "Omega_Two" {
		t.Errorf("a refused request's project is %q, want the name it gives", v.Project)
	}

	flags := map[string]string{
		"alpha.claim.json": "key " + keyID(t, a)[:12] + " is also a key of: beta",
		"delta-2.json":     "same project, keys and threshold as delta-1.json",
		"foo-2fa.json":     `its legacy sdists also match the patterns of "foo": list "foo-2fa" before "foo" in claimed`,
	}
	for f, w := range flags {
		v := verdictOf(t, rep, f)
		if !strings.Contains(strings.Join(v.Flags, "|"), w) {
			t.Errorf("%s: flags %q, want one saying %q", f, v.Flags, w)
		}
	}
	// c is delta's key and foo-2fa's: each names the other (gamma-2,
	// refused, also used c: still worth saying).
	if fl := strings.Join(verdictOf(t, rep, "foo-2fa.json").Flags, "|"); !strings.Contains(fl, "is also a key of: delta, gamma") {
		t.Errorf("foo-2fa's flags %q do not name delta and gamma as sharing key c", fl)
	}
	if fl := verdictOf(t, rep, "alpha.claim.json").Flags; !strings.Contains(strings.Join(fl, "|"), "no attestation for key(s) "+keyID(t, a)[:12]+": nothing shows") {
		t.Errorf("a file key is not flagged as unattested: %q", fl)
	}

	acc := rep.Accepted()
	var names []string
	for _, cl := range acc {
		names = append(names, cl.Project)
	}
	if strings.Join(names, ",") != "alpha,delta,foo-2fa" {
		t.Errorf("Accepted() = %v, want alpha, delta, foo-2fa (sorted, once each, not the unchanged)", names)
	}
	if acc[1].File != filepath.Join(dir, "delta-1.json") {
		t.Errorf("delta is taken from %s, want delta-1.json", acc[1].File)
	}

	// The text report: a table at most 80 columns wide, the reasons and
	// flags under it (one line each), and the summary.
	var text bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	out := text.String()
	table, _, _ := strings.Cut(out, "\n\n")
	for _, line := range strings.Split(table, "\n") {
		if len(line) > 80 {
			t.Errorf("table line of %d columns: %q", len(line), line)
		}
	}
	if n := strings.Count(table, "\n") + 1; n != len(rep.Verdicts)+1+2 {
		t.Errorf("the table has %d lines, want a header, one per request and one more for each of delta's second keys:\n%s", n, table)
	}
	for _, w := range []string{
		"PROJECT                         KEYS                  THRESHOLD  VERDICT\n",
		"alpha                           " + keyID(t, a)[:12] + " ed25519  1 of 1     add\n",
		"epsilon                         -                     -          refused\n",
		"Omega_Two                       -",
		"(link.json)                     -",
		"\nrefused:\n  epsilon.json: project \"epsilon\" is already claimed",
		"\nflags:\n",
		"ignored (not *.json): notes.txt, old/",
		"11 request(s): 3 to add, 0 to rekey, 2 unchanged, 6 refused\nclaimed delegates to 4 project(s) now, 7 after the ceremony\n",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("the text report lacks %q:\n%s", w, out)
		}
	}
	// delta's two keys, one per line.
	if !strings.Contains(out, "\ndelta                           ") || len(regexp.MustCompile(`\n {32}[0-9a-f]{12} `).FindAllString(out, -1)) != 2 {
		t.Errorf("delta's second key is not on a line of its own:\n%s", out)
	}

	// The JSON report.
	data, err := json.Marshal(rep.JSONForm())
	if err != nil {
		t.Fatal(err)
	}
	var j JSONReport
	if err := json.Unmarshal(data, &j); err != nil {
		t.Fatal(err)
	}
	if j.Add != 3 || j.Unchanged != 2 || j.Refused != 6 || len(j.Verdicts) != 11 || j.Claimed != 4 {
		t.Errorf("JSON report counts: %+v", j)
	}
	for _, v := range j.Verdicts {
		if filepath.Base(v.File) == "alpha.claim.json" {
			if v.Verdict != "add" || len(v.Keys) != 1 || v.Keys[0].KeyID != keyID(t, a) || v.Threshold != 1 || len(v.Paths) != 1 || v.Date != "2026-03-01T12:00:00Z" {
				t.Errorf("alpha in JSON: %+v", v)
			}
		}
	}
}

// TestReviewClaimedConflictsByPublicKey: a claimed delegation whose key
// IDs another tool computed differently still counts as the same keys.
func TestReviewClaimedConflictsByPublicKey(t *testing.T) {
	a := newSigner(t, keys.TypeECDSAP256)
	claimed := claimedWith(t, map[string][]keys.Signer{"foo": {a}})
	d := claimed.Delegations
	old := keyID(t, a)
	d.Keys["legacy-id"] = d.Keys[old]
	delete(d.Keys, old)
	d.Roles[0].KeyIDs = []string{"legacy-id"}
	dir := t.TempDir()
	writeFile(t, dir, "foo.json", makeRequest(t, "foo", 1, a))
	rep, err := reviewBoth(t, dir, claimed, Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	if v := rep.Verdicts[0]; v.Outcome() != ChangeUnchanged {
		t.Errorf("foo: %s (%s), want unchanged", v.Outcome(), v.Reason)
	}
	// Same keys, another threshold: a change, refused.
	b := newSigner(t, keys.TypeEd25519)
	claimed = claimedWith(t, map[string][]keys.Signer{"foo": {a, b}})
	dir = t.TempDir()
	writeFile(t, dir, "foo.json", makeRequest(t, "foo", 2, a, b))
	if rep, err = reviewBoth(t, dir, claimed, Options{Now: testNow}); err != nil {
		t.Fatal(err)
	}
	if v := rep.Verdicts[0]; v.Outcome() != Refused || !strings.Contains(v.Reason, "(threshold 1)") {
		t.Errorf("foo with threshold 2 against claimed's 1: %s %q", v.Outcome(), v.Reason)
	}
}

func TestReviewRefusesWhatItCannotRead(t *testing.T) {
	if _, err := reviewBoth(t, filepath.Join(t.TempDir(), "missing"), nil, Options{Now: testNow}); err == nil {
		t.Error("a missing directory reviewed")
	}
	bins := &metadata.TargetsType{Type: metadata.TARGETS, SpecVersion: "1.0.31", Version: 1, Expires: testNow.AddDate(1, 0, 0), Delegations: &metadata.Delegations{SuccinctRoles: &metadata.SuccinctRoles{BitLength: 4, NamePrefix: "bins"}}}
	if _, err := reviewBoth(t, t.TempDir(), bins, Options{Now: testNow}); err == nil || !strings.Contains(err.Error(), "succinct hash bins") {
		t.Errorf("a bins role as claimed: %v", err)
	}
	a := newSigner(t, keys.TypeEd25519)
	twice := claimedWith(t, map[string][]keys.Signer{"foo": {a}})
	twice.Delegations.Roles = append(twice.Delegations.Roles, twice.Delegations.Roles[0])
	if _, err := reviewBoth(t, t.TempDir(), twice, Options{Now: testNow}); err == nil || !strings.Contains(err.Error(), `delegates to "foo" twice`) {
		t.Errorf("claimed delegating twice to foo: %v", err)
	}
}

// TestReviewKeyReuseNamesFewProjects: a key used by many claimed projects
// is named with the first five and a count.
func TestReviewKeyReuseNamesFewProjects(t *testing.T) {
	a := newSigner(t, keys.TypeEd25519)
	projects := map[string][]keys.Signer{}
	for _, n := range []string{"p1", "p2", "p3", "p4", "p5", "p6", "p7"} {
		projects[n] = []keys.Signer{a}
	}
	dir := t.TempDir()
	writeFile(t, dir, "new.json", makeRequest(t, "new", 1, a))
	rep, err := reviewBoth(t, dir, claimedWith(t, projects), Options{Now: testNow, MaxAge: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if fl := strings.Join(rep.Verdicts[0].Flags, "|"); !strings.Contains(fl, "is also a key of: p1, p2, p3, p4, p5 and 2 more") {
		t.Errorf("flags %q", fl)
	}
}
