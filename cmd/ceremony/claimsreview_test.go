package main

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tuf-ceremony/ceremony/claims"
	"github.com/tuf-ceremony/ceremony/internal/benchdata"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
)

// TestClaimsReviewAgainstClaimedFile runs 'claims review DIR --claimed
// FILE' against a claimed role of 40 projects, which the command decodes
// for the projects the requests name alone: two new projects are added,
// a request with a claimed project's own keys is unchanged, one with other
// keys for a claimed project is refused (exit 1), and a new project
// signed with a claimed project's key is flagged with that project's name.
// A claimed role delegating to one project twice is refused in one line
// naming its file.
func TestClaimsReviewAgainstClaimedFile(t *testing.T) {
	dir := t.TempDir()
	claimed, err := benchdata.Claimed(40)
	if err != nil {
		t.Fatal(err)
	}
	writeClaimed := func(name string) string {
		f, err := metafile.FromSigned(claimed)
		if err != nil {
			t.Fatal(err)
		}
		data, err := f.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	claimedPath := writeClaimed("claimed.json")
	requests := filepath.Join(dir, "requests")
	now := time.Now().UTC()
	if err := benchdata.WriteRequests(requests, 2, now); err != nil {
		t.Fatal(err)
	}
	request := func(file, project string, threshold int, private ...ed25519.PrivateKey) {
		var signers []keys.Signer
		for i, p := range private {
			s, err := keys.NewSoftwareSigner("test:"+project+string(rune('a'+i)), p)
			if err != nil {
				t.Fatal(err)
			}
			signers = append(signers, s)
		}
		data, err := claims.MakeRequest(project, signers, threshold, now, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(requests, file), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	own, err := benchdata.ProjectClaim(3)
	if err != nil {
		t.Fatal(err)
	}
	var ownKeys []ed25519.PrivateKey
	for j := 0; j < benchdata.KeysPerProject(3); j++ {
		ownKeys = append(ownKeys, benchdata.ProjectKey(3, j))
	}
	request("same.json", benchdata.ProjectName(3), own.Threshold, ownKeys...)
	request("other.json", benchdata.ProjectName(5), 1, benchdata.RequestKey(90))
	request("shared.json", "shares-a-key", 1, benchdata.ProjectKey(7, 0))

	var stdout, stderr bytes.Buffer
	code := run([]string{"claims", "review", requests, "--claimed", claimedPath, "--json"}, &stdout, &stderr)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (one request refused)\n%s%s", code, stdout.String(), stderr.String())
	}
	var rep claims.JSONReport
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("%v\n%s", err, stdout.String())
	}
	if rep.Claimed != 40 || rep.Add != 3 || rep.Unchanged != 1 || rep.Refused != 1 {
		t.Errorf("claimed %d, add %d, unchanged %d, refused %d; want 40, 3, 1, 1", rep.Claimed, rep.Add, rep.Unchanged, rep.Refused)
	}
	for _, v := range rep.Verdicts {
		switch filepath.Base(v.File) {
		case "same.json":
			if v.Verdict != claims.ChangeUnchanged {
				t.Errorf("same.json: %s (%s), want unchanged", v.Verdict, v.Reason)
			}
		case "other.json":
			if v.Verdict != claims.Refused || !strings.Contains(v.Reason, "already claimed by key(s)") {
				t.Errorf("other.json: %s (%s), want refused as already claimed", v.Verdict, v.Reason)
			}
		case "shared.json":
			if v.Verdict != claims.ChangeAdd || !strings.Contains(strings.Join(v.Flags, "\n"), "is also a key of: "+benchdata.ProjectName(7)) {
				t.Errorf("shared.json: %s, flags %q; want added, flagged as sharing %s's key", v.Verdict, v.Flags, benchdata.ProjectName(7))
			}
		}
	}

	claimed.Delegations.Roles = append(claimed.Delegations.Roles, claimed.Delegations.Roles[11])
	twice := writeClaimed("twice.json")
	stdout.Reset()
	stderr.Reset()
	code = run([]string{"claims", "review", requests, "--claimed", twice}, &stdout, &stderr)
	want := twice + `: the claimed role delegates to "` + benchdata.ProjectName(11) + `" twice`
	if code != 1 || stdout.Len() != 0 || !strings.Contains(stderr.String(), want) || strings.Count(strings.TrimSpace(stderr.String()), "\n") > 0 {
		t.Errorf("a claimed role delegating twice: exit %d, stdout %q, stderr %q; want 1, nothing, one line with %q", code, stdout.String(), stderr.String(), want)
	}
}
