package ceremony_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/internal/testutil/ceremonytest"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/transcripts"
)

// signedCeremony is a bootstrap workspace signed by alice, bob and carol:
// root 3 of 5 and targets 2 of 3 are met.
func signedCeremony(t *testing.T) (*ceremonytest.Fixture, string) {
	t.Helper()
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	ws := f.Init(f.Plan("plan.yaml", ceremonytest.StandardPlan()), "ws", "").Dir
	f.Sign(ws, "alice", "bob", "carol")
	return f, ws
}

func replay(t *testing.T, ws string) *ceremony.ReplayReport {
	t.Helper()
	rep, err := ceremonytest.Engine.Replay(ws)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func requireBad(t *testing.T, rep *ceremony.ReplayReport, seq int64, reason string) {
	t.Helper()
	if rep.OK() {
		t.Fatalf("replay holds, want record %d not to (%s)", seq, reason)
	}
	if rep.FirstBad.Seq != seq || !strings.Contains(rep.FirstBad.Reason, reason) {
		t.Fatalf("first bad: record %d: %s\nwant record %d: ...%s...", rep.FirstBad.Seq, rep.FirstBad.Reason, seq, reason)
	}
	var out bytes.Buffer
	if err := rep.Print(&out); err != nil || !strings.Contains(out.String(), "FAILED") {
		t.Fatalf("print of a failed replay: %v\n%s", err, out.String())
	}
}

func statePath(ws, hash string) string {
	return filepath.Join(ceremonytest.TranscriptDir(ws), transcripts.StatesDir, hash+".json")
}

func TestReplayWholeCeremony(t *testing.T) {
	f, ws := signedCeremony(t)
	rep := replay(t, ws)
	if !rep.OK() {
		t.Fatalf("replay of an honest ceremony: record %d: %s", rep.FirstBad.Seq, rep.FirstBad.Reason)
	}
	recs := transcriptOf(t, ws).Records
	if rep.Records != len(recs) || len(rep.Account) != len(recs) || rep.Sealed {
		t.Fatalf("report: %d records, %d in the account, sealed %v; the transcript has %d", rep.Records, len(rep.Account), rep.Sealed, len(recs))
	}
	// alice, bob and carol sign root and targets; one sign record each.
	var signed []string
	for _, e := range rep.Account {
		if e.Kind == "sign" {
			signed = append(signed, e.Who+":"+e.Role+":"+e.KeyID)
		}
	}
	var want []string
	for _, name := range []string{"alice", "bob", "carol"} {
		for _, role := range []string{"root", "targets"} {
			want = append(want, name+":"+role+":"+f.ID(name)[:12])
		}
	}
	if !ceremonytest.SameSet(signed, want) {
		t.Errorf("account of signatures %v, want %v", signed, want)
	}
	var out bytes.Buffer
	if err := rep.Print(&out); err != nil {
		t.Fatal(err)
	}
	// The init record says which binary made the workspace: this one.
	self, err := os.ReadFile(mustExecutable(t))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Tool == nil || rep.Tool.SHA256 != transcripts.Sum(self) || rep.Tool.Build == "" || rep.Tool.Go == "" {
		t.Errorf("the tool the init record names: %+v, want this binary (sha256 %s)", rep.Tool, transcripts.Sum(self))
	}
	for _, s := range []string{"signed root with key " + f.ID("alice")[:12], "bob", "carol", "OK:", "not sealed", "made with: ceremony ", "its binary's sha256: " + transcripts.Sum(self)} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("account does not say %q:\n%s", s, out.String())
		}
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if _, ok := back["first_bad"]; ok || back["records"] != float64(len(recs)) {
		t.Errorf("JSON report: %s", b)
	}
}

func mustExecutable(t *testing.T) string {
	t.Helper()
	path, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// A byte flipped in any stored state is named by the record that names it.
func TestReplayCatchesChangedStates(t *testing.T) {
	_, ws0 := signedCeremony(t)
	recs := transcriptOf(t, ws0).Records
	var cases []struct {
		seq  int64
		hash string
	}
	for _, r := range recs {
		for _, h := range r.States {
			if r.Kind == transcripts.Sign || r.Seq == 1 {
				cases = append(cases, struct {
					seq  int64
					hash string
				}{r.Seq, h})
			}
		}
	}
	if len(cases) < 6 {
		t.Fatalf("test premise: %d states", len(cases))
	}
	for _, c := range cases {
		_, ws := signedCeremony(t)
		// The same ceremony again has other keys, so find the state by
		// the record's place.
		r := transcriptOf(t, ws).Records[c.seq-1]
		var h string
		for _, v := range r.States {
			h = v
		}
		p := statePath(ws, h)
		data := ceremonytest.ReadFile(t, p)
		data[len(data)/2] ^= 1
		if err := os.Chmod(p, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		requireBad(t, replay(t, ws), c.seq, "")
	}
}

// editRecord rewrites record seq's line in place, keeping its encoding.
func editRecord(t *testing.T, ws string, seq int64, old, new string) {
	t.Helper()
	p := filepath.Join(ceremonytest.TranscriptDir(ws), transcripts.FileName)
	lines := bytes.SplitAfter(ceremonytest.ReadFile(t, p), []byte("\n"))
	line := string(lines[seq-1])
	if !strings.Contains(line, old) {
		t.Fatalf("record %d has no %q: %s", seq, old, line)
	}
	lines[seq-1] = []byte(strings.Replace(line, old, new, 1))
	if err := os.WriteFile(p, bytes.Join(lines, nil), 0o644); err != nil {
		t.Fatal(err)
	}
}

func lastSign(t *testing.T, ws string) transcripts.Record {
	t.Helper()
	recs := transcriptOf(t, ws).Records
	for i := len(recs) - 1; i >= 0; i-- {
		if recs[i].Kind == transcripts.Sign {
			return recs[i]
		}
	}
	t.Fatal("no sign record")
	return transcripts.Record{}
}

func flipHexDigit(s string) string {
	c := byte('0')
	if s[10] == '0' {
		c = '1'
	}
	return s[:10] + string(c) + s[11:]
}

// A record's signature or key ID edited: in the middle, the chain names
// it; in the last record, which the chain cannot protect without an
// anchor, the replay of the signature names it.
func TestReplayCatchesEditedSignRecords(t *testing.T) {
	t.Run("signature in the middle", func(t *testing.T) {
		_, ws := signedCeremony(t)
		r := transcriptOf(t, ws).Records[1]
		editRecord(t, ws, r.Seq, r.Signature.Sig, flipHexDigit(r.Signature.Sig))
		requireBad(t, replay(t, ws), r.Seq, "chain")
	})
	t.Run("signature of the last record", func(t *testing.T) {
		_, ws := signedCeremony(t)
		r := lastSign(t, ws)
		editRecord(t, ws, r.Seq, r.Signature.Sig, flipHexDigit(r.Signature.Sig))
		requireBad(t, replay(t, ws), r.Seq, "")
	})
	t.Run("keyid of the last record", func(t *testing.T) {
		f, ws := signedCeremony(t)
		r := lastSign(t, ws)
		editRecord(t, ws, r.Seq, `"keyid":"`+r.Signature.KeyID, `"keyid":"`+f.ID("dave"))
		requireBad(t, replay(t, ws), r.Seq, "")
	})
	t.Run("who of the last record", func(t *testing.T) {
		_, ws := signedCeremony(t)
		r := lastSign(t, ws)
		editRecord(t, ws, r.Seq, `"who":"`+r.Who+`"`, `"who":"erin"`)
		requireBad(t, replay(t, ws), r.Seq, "the record says \"erin\" signed")
	})
	t.Run("keyid in the middle", func(t *testing.T) {
		f, ws := signedCeremony(t)
		r := transcriptOf(t, ws).Records[2]
		editRecord(t, ws, r.Seq, `"keyid":"`+r.Signature.KeyID, `"keyid":"`+f.ID("dave"))
		requireBad(t, replay(t, ws), r.Seq, "chain")
	})
}

func TestReplayCatchesChangedMetadataFiles(t *testing.T) {
	t.Run("changed", func(t *testing.T) {
		_, ws := signedCeremony(t)
		p := ceremonytest.MetaPath(ws, "targets")
		data := ceremonytest.ReadFile(t, p)
		if err := ceremonytest.WriteFile(p, bytes.Replace(data, []byte(`"version": 1`), []byte(`"version": 2`), 1)); err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(ceremonytest.ReadFile(t, p), data) {
			t.Fatal("test premise: the file did not change")
		}
		requireBad(t, replay(t, ws), lastSign(t, ws).Seq, "changed outside the ceremony")
	})
	t.Run("signature not written", func(t *testing.T) {
		_, ws := signedCeremony(t)
		r := lastSign(t, ws)
		role := r.Signature.Role
		before := ceremonytest.ReadFile(t, statePath(ws, r.Inputs[role]))
		if err := ceremonytest.WriteFile(ceremonytest.MetaPath(ws, role), before); err != nil {
			t.Fatal(err)
		}
		requireBad(t, replay(t, ws), r.Seq, "not written yet")
	})
}

// appendSign appends a sign record of root by name, made as an attacker
// with write access to the transcript would: the chain holds, the state is
// stored. edit changes the state before it is stored.
func appendSign(t *testing.T, f *ceremonytest.Fixture, ws, name, who string, edit func(*metafile.File)) transcripts.Record {
	t.Helper()
	signer := f.Signers[name]
	if name == "online" {
		signer = f.Online
	}
	before := ceremonytest.ReadFile(t, ceremonytest.MetaPath(ws, "root"))
	prev, err := metafile.Parse(before)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := prev.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	sig, err := keys.SignMessage(signer, msg)
	if err != nil {
		t.Fatal(err)
	}
	id := f.ID(name)
	prev.AddSignature(id, hex.EncodeToString(sig))
	if edit != nil {
		edit(prev)
	}
	after, err := prev.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	tr, err := transcripts.Open(ceremonytest.TranscriptDir(ws))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	state, err := tr.PutState(after)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := tr.Append(transcripts.Record{Kind: transcripts.Sign, Who: who,
		Inputs: map[string]string{"root": ceremonytest.SHA256Hex(before)}, States: map[string]string{"root": state},
		Signature: &transcripts.Signature{Role: "root", KeyID: id, Sig: hex.EncodeToString(sig)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := ceremonytest.WriteFile(ceremonytest.MetaPath(ws, "root"), after); err != nil {
		t.Fatal(err)
	}
	return rec
}

// The re-derivation of a state, with records that hold in the chain.
func TestReplayRederivesStates(t *testing.T) {
	t.Run("honest", func(t *testing.T) {
		f, ws := signedCeremony(t)
		appendSign(t, f, ws, "dave", "dave", nil)
		if rep := replay(t, ws); !rep.OK() {
			t.Fatalf("a signature appended as sign does: record %d: %s", rep.FirstBad.Seq, rep.FirstBad.Reason)
		}
	})
	t.Run("state holds more than the signature", func(t *testing.T) {
		f, ws := signedCeremony(t)
		rec := appendSign(t, f, ws, "dave", "dave", func(m *metafile.File) {
			m.AddSignature(f.ID("erin"), strings.Repeat("ab", 64))
		})
		requireBad(t, replay(t, ws), rec.Seq, "holds more than the signature")
	})
	t.Run("signed changed", func(t *testing.T) {
		f, ws := signedCeremony(t)
		rec := appendSign(t, f, ws, "dave", "dave", func(m *metafile.File) {
			m.Signed = bytes.Replace(m.Signed, []byte(`"version":1`), []byte(`"version":9`), 1)
			m.Signed = bytes.Replace(m.Signed, []byte(`"version": 1`), []byte(`"version": 9`), 1)
		})
		requireBad(t, replay(t, ws), rec.Seq, "holds more than the signature")
	})
	t.Run("unauthorized key", func(t *testing.T) {
		f, ws := signedCeremony(t)
		rec := appendSign(t, f, ws, "online", "online", nil)
		requireBad(t, replay(t, ws), rec.Seq, "may not sign root")
	})
	t.Run("second signature by one key", func(t *testing.T) {
		f, ws := signedCeremony(t)
		rec := appendSign(t, f, ws, "alice", "alice", nil)
		requireBad(t, replay(t, ws), rec.Seq, "had signed root already")
	})
	t.Run("wrong holder", func(t *testing.T) {
		f, ws := signedCeremony(t)
		rec := appendSign(t, f, ws, "dave", "erin", nil)
		requireBad(t, replay(t, ws), rec.Seq, "is \"dave\"'s")
	})
}

func TestReplayRefusesNonWorkspace(t *testing.T) {
	if _, err := ceremonytest.Engine.Replay(t.TempDir()); err == nil {
		t.Fatal("replay of an empty directory")
	}
}

// Rebuild makes a bundle again only for a workspace whose replay held.
func TestRebuildOnlyAfterReplay(t *testing.T) {
	_, ws := signedCeremony(t)
	for name, rep := range map[string]*ceremony.ReplayReport{"none": nil, "failed": {FirstBad: &ceremony.ReplayProblem{Seq: 2, Reason: "x"}}} {
		if _, err := ceremonytest.Engine.Rebuild(ws, rep); err == nil {
			t.Errorf("%s: Rebuild made a bundle without a replay that held", name)
		}
	}
	rep := replay(t, ws)
	if _, err := ceremonytest.Engine.Rebuild(ws, rep); err != nil {
		t.Errorf("Rebuild after a replay that held: %v", err)
	}
}
