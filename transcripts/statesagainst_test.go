package transcripts_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/transcripts"
)

// A store where init's state is whole and each signature a difference
// from it comes out with the last state whole (the caller's very bytes)
// and every other large state a difference from it; a small state and a
// large one unlike the last stay whole. Written out, the files give every
// state back, and StatesAgainst of that store gives the same files.
func TestStatesAgainstTheLastStates(t *testing.T) {
	dir := t.TempDir()
	tr := create(t, dir)
	defer tr.Close()
	size := 2 * transcripts.MinDeltaState
	states := map[string][]byte{}
	put := func(data []byte, base string) string {
		t.Helper()
		h, err := tr.PutStateAfter(data, base, nil)
		if err != nil {
			t.Fatal(err)
		}
		states[h] = data
		return h
	}
	unsigned := put(bigState("", size), "")
	one := put(bigState(`{"keyid": "a", "sig": "00"}`, size), unsigned)
	last := put(bigState(`{"keyid": "a", "sig": "00"}, {"keyid": "b", "sig": "11"}`, size), one)
	small := put([]byte(`{"signed": {"_type": "root"}}`), "")
	unlike := put(bytes.Repeat([]byte("u"), size), "")
	lastData := bytes.Clone(states[last])

	files, err := transcripts.StatesAgainst(dir, map[string][]byte{last: lastData})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		last: ".json", unsigned: transcripts.DeltaSuffix, one: transcripts.DeltaSuffix,
		small: ".json", unlike: ".json",
	}
	if len(files) != len(want) {
		t.Fatalf("%d files, want %d: %v", len(files), len(want), fileNames(files))
	}
	out := t.TempDir()
	for _, f := range files {
		hash := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(f.Name), transcripts.DeltaSuffix), ".json")
		if f.Name != filepath.ToSlash(filepath.Join(transcripts.StatesDir, hash+want[hash])) {
			t.Errorf("state %s stored as %q; want %q", hash, f.Name, hash+want[hash])
		}
		if strings.HasSuffix(f.Name, transcripts.DeltaSuffix) && len(f.Data) > 1024 {
			t.Errorf("%s: a difference of %d bytes", f.Name, len(f.Data))
		}
		p := filepath.Join(out, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if f := files[slices.IndexFunc(files, func(f transcripts.StateFile) bool { return strings.Contains(f.Name, last) })]; &f.Data[0] != &lastData[0] {
		t.Error("the last state is not the caller's bytes")
	}
	for h, data := range states {
		got, err := transcripts.ReadState(out, h)
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("state %s does not come back from the files (%v)", h, err)
		}
	}
	again, err := transcripts.StatesAgainst(out, map[string][]byte{last: lastData})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(files, again, func(a, b transcripts.StateFile) bool { return a.Name == b.Name && bytes.Equal(a.Data, b.Data) }) {
		t.Errorf("the store made gives other files: %v, then %v", fileNames(files), fileNames(again))
	}
}

// A file in the state store that names no state is refused, by its path.
func TestStatesAgainstRefusesAStrangeFile(t *testing.T) {
	dir := t.TempDir()
	tr := create(t, dir)
	defer tr.Close()
	if _, err := tr.PutState([]byte(`{"signed": {}}`)); err != nil {
		t.Fatal(err)
	}
	strange := filepath.Join(dir, transcripts.StatesDir, "notes.txt")
	if err := os.WriteFile(strange, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := transcripts.StatesAgainst(dir, nil)
	if err == nil || !strings.Contains(err.Error(), strange) {
		t.Fatalf("got %v; want a refusal naming %s", err, strange)
	}
}

func fileNames(files []transcripts.StateFile) []string {
	var out []string
	for _, f := range files {
		out = append(out, f.Name)
	}
	return out
}
