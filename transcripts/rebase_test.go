package transcripts_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/tuf-ceremony/ceremony/internal/atomicfile"
	"github.com/tuf-ceremony/ceremony/transcripts"
)

// signedParts is prev with sigs as its signatures, in two parts as
// metafile.File.MarshalParts gives a signed file: the new signatures, then
// the rest of prev itself, not a copy.
func signedParts(t *testing.T, prev []byte, sigs string) [][]byte {
	t.Helper()
	at := bytes.Index(prev, []byte(`], "signed"`))
	if at < 0 {
		t.Fatal("no signed in the state")
	}
	return [][]byte{[]byte(`{"signatures": [` + sigs), prev[at:]}
}

// largeFiles are the files of dir's tree of MinDeltaState bytes or more,
// each named once whatever its number of names.
func largeFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	var seen []os.FileInfo
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || !fi.Mode().IsRegular() || fi.Size() < transcripts.MinDeltaState {
			return err
		}
		for _, s := range seen {
			if os.SameFile(s, fi) {
				return nil
			}
		}
		seen = append(seen, fi)
		files = append(files, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// A claims ceremony's init and three signatures, stored as sign stores
// them: the store holds the role's bytes once, in the metadata's file,
// after each signature, and every state reads back and verifies.
func TestRebaseKeepsTheRoleOnce(t *testing.T) {
	dir := t.TempDir()
	tr := create(t, filepath.Join(dir, "transcript"))
	defer tr.Close()
	meta := filepath.Join(dir, "claimed.json")
	prevData := bigState("", 2*transcripts.MinDeltaState)
	if err := atomicfile.WriteNew(meta, prevData, 0o644); err != nil {
		t.Fatal(err)
	}
	prev, err := tr.PutStateOf(meta)
	if err != nil {
		t.Fatal(err)
	}
	states := map[string][]byte{prev: prevData}
	appendRec(t, tr, transcripts.Record{Kind: transcripts.Note, States: map[string]string{"claimed": prev}})
	sigs := ""
	for i := range 3 {
		if i > 0 {
			sigs += ", "
		}
		sigs += fmt.Sprintf(`{"keyid": "%d", "sig": "%02d"}`, i, i)
		parts := signedParts(t, prevData, sigs)
		staged, err := atomicfile.StageParts(meta, parts, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		next, err := tr.PutStateStaged(parts, func() (*atomicfile.Staged, error) { return staged, nil })
		if err != nil {
			t.Fatal(err)
		}
		appendRec(t, tr, transcripts.Record{Kind: transcripts.Note, States: map[string]string{"claimed": next}})
		if err := staged.Replace(); err != nil {
			t.Fatal(err)
		}
		if err := tr.Rebase(next, parts, prev, prevData); err != nil {
			t.Fatal(err)
		}
		nextData := bytes.Join(parts, nil)
		states[next] = nextData

		if got := largeFiles(t, dir); len(got) != 1 || got[0] != meta {
			t.Fatalf("after signature %d the large files are %v, want the metadata's alone", i+1, got)
		}
		whole, _ := statePaths(filepath.Join(dir, "transcript"), next)
		mfi, _ := os.Stat(meta)
		if sfi, err := os.Stat(whole); err != nil || !os.SameFile(mfi, sfi) {
			t.Fatalf("after signature %d the new state is not the metadata's file: %v", i+1, err)
		}
		for hash, data := range states {
			if hash == next {
				continue
			}
			w, d := statePaths(filepath.Join(dir, "transcript"), hash)
			if exists(w) || !exists(d) {
				t.Fatalf("after signature %d state %s: whole %v, difference %v; want a difference", i+1, hash, exists(w), exists(d))
			}
			var delta struct{ Base string }
			if err := json.Unmarshal(readFile(t, d), &delta); err != nil || delta.Base != next {
				t.Fatalf("after signature %d state %s is a difference from %s, want from %s", i+1, hash, delta.Base, next)
			}
			if got, err := transcripts.ReadState(filepath.Join(dir, "transcript"), hash); err != nil || !bytes.Equal(got, data) {
				t.Fatalf("after signature %d state %s reads %d bytes (%v), want its %d", i+1, hash, len(got), err, len(data))
			}
		}
		if _, err := transcripts.Verify(filepath.Join(dir, "transcript")); err != nil {
			t.Fatalf("after signature %d: %v", i+1, err)
		}
		if i == 0 {
			// A kill in Rebase after prev's difference was written and
			// before its whole went leaves both: the next Rebase removes
			// the whole (checked after signature 2 above).
			w, _ := statePaths(filepath.Join(dir, "transcript"), prev)
			if err := atomicfile.WriteNew(w, prevData, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		prev, prevData = next, nextData
	}
}

// A state stored as a difference from the state before that differs from
// the new one in more than a quarter of its bytes stays as it is, and the
// state before stays whole for it: nothing is lost.
func TestRebaseKeepsWhatDiffersTooMuch(t *testing.T) {
	dir := t.TempDir()
	tr := create(t, dir)
	defer tr.Close()
	prevData := bigState("", 2*transcripts.MinDeltaState)
	prev, err := tr.PutState(prevData)
	if err != nil {
		t.Fatal(err)
	}
	// A state that changes prev's first bytes, and a new one that changes
	// its last: each a small difference from prev, a large one from the
	// other.
	early := bigState(`{"keyid": "a", "sig": "00"}`, 2*transcripts.MinDeltaState)
	side, err := tr.PutStateAfter(early, prev, prevData)
	if err != nil {
		t.Fatal(err)
	}
	nextData := bytes.Replace(prevData, []byte(`p"}}`), []byte(`q"}}`), 1)
	next, err := tr.PutState(nextData)
	if err != nil {
		t.Fatal(err)
	}
	before := readFile(t, filepath.Join(dir, transcripts.StatesDir, side+transcripts.DeltaSuffix))
	if err := tr.Rebase(next, [][]byte{nextData}, prev, prevData); err != nil {
		t.Fatal(err)
	}
	if !tr.StoredWhole(prev) {
		t.Fatal("the state before was removed while a difference from it remains")
	}
	if got := readFile(t, filepath.Join(dir, transcripts.StatesDir, side+transcripts.DeltaSuffix)); !bytes.Equal(got, before) {
		t.Fatal("a difference that could not be rebased was changed")
	}
	for hash, data := range map[string][]byte{prev: prevData, side: early, next: nextData} {
		if got, err := transcripts.ReadState(dir, hash); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("state %s reads %d bytes (%v), want its %d", hash, len(got), err, len(data))
		}
	}
	// The state before is also stored as a difference from the new one
	// (readers take it whole): the next Rebase finds it so.
	if _, d := statePaths(dir, prev); !exists(d) {
		t.Error("the state before was not stored as a difference from the new one")
	}
}

// Killed in a Rebase after the state before was stored as a difference
// from the new one and before the differences from it were: the next
// Rebase keeps the old whole while a difference that stays names it.
func TestRebaseKeepsAWholeADifferenceNames(t *testing.T) {
	dir := t.TempDir()
	tr := create(t, dir)
	defer tr.Close()
	initData := bigState("", 2*transcripts.MinDeltaState)
	init, err := tr.PutState(initData)
	if err != nil {
		t.Fatal(err)
	}
	oneData := bytes.Join(signedParts(t, initData, `{"keyid": "a", "sig": "00"}`), nil)
	one, err := tr.PutStateAfter(oneData, init, initData)
	if err != nil {
		t.Fatal(err)
	}
	twoData := bytes.Join(signedParts(t, initData, `{"keyid": "a", "sig": "00"}, {"keyid": "b", "sig": "11"}`), nil)
	two, err := tr.PutState(twoData)
	if err != nil {
		t.Fatal(err)
	}
	initWhole, _ := statePaths(dir, init)
	_, oneDelta := statePaths(dir, one)
	oneFromInit := readFile(t, oneDelta)
	if err := tr.Rebase(two, [][]byte{twoData}, init, initData); err != nil {
		t.Fatal(err)
	}
	// What the kill left: init whole beside its difference from two, and
	// one still a difference from init.
	writeFile(t, initWhole, initData)
	writeFile(t, oneDelta, oneFromInit)

	threeData := bytes.Join(signedParts(t, initData, `{"keyid": "a", "sig": "00"}, {"keyid": "b", "sig": "11"}, {"keyid": "c", "sig": "22"}`), nil)
	three, err := tr.PutState(threeData)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Rebase(three, [][]byte{threeData}, two, twoData); err != nil {
		t.Fatal(err)
	}
	if !exists(initWhole) {
		t.Fatal("init's whole went while one's difference names it")
	}
	for hash, data := range map[string][]byte{init: initData, one: oneData, two: twoData, three: threeData} {
		if got, err := transcripts.ReadState(dir, hash); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("state %s reads %d bytes (%v), want its %d", hash, len(got), err, len(data))
		}
	}
}

// DiscardState removes a state no record names, whole or a difference,
// and keeps one a record names.
func TestDiscardStateKeepsWhatARecordNames(t *testing.T) {
	dir := t.TempDir()
	tr := create(t, dir)
	defer tr.Close()
	baseData := bigState("", 2*transcripts.MinDeltaState)
	base, err := tr.PutState(baseData)
	if err != nil {
		t.Fatal(err)
	}
	appendRec(t, tr, transcripts.Record{Kind: transcripts.Note, States: map[string]string{"claimed": base}})
	signed := bytes.Join(signedParts(t, baseData, `{"keyid": "a", "sig": "00"}`), nil)
	diff, err := tr.PutStateAfter(signed, base, baseData)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{base, diff} {
		if err := tr.DiscardState(h); err != nil {
			t.Fatal(err)
		}
	}
	if !tr.StoredWhole(base) {
		t.Error("a state a record names was discarded")
	}
	if _, d := statePaths(dir, diff); exists(d) {
		t.Error("a state no record names was kept")
	}
	if _, err := transcripts.Verify(dir); err != nil {
		t.Fatal(err)
	}
}
