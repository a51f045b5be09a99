package transcripts_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/tuf-ceremony/ceremony/transcripts"
)

// cuts is data in pieces, cut at each offset given (in order; those past
// its end at its end).
func cuts(data []byte, at ...int) [][]byte {
	var out [][]byte
	from := 0
	for _, to := range at {
		to = max(from, min(to, len(data)))
		out = append(out, data[from:to])
		from = to
	}
	return append(out, data[from:])
}

// TestStateAfterPartsAsWhole: a state given in pieces is stored as the
// same bytes given whole are, in the same files (a difference, a whole
// state, one stored before), and a private key cut across two pieces is
// refused as it is in one.
func TestStateAfterPartsAsWhole(t *testing.T) {
	unsigned := bigState("", 2*transcripts.MinDeltaState)
	signed := bigState(`{"keyid": "a", "sig": "00"}`, 2*transcripts.MinDeltaState)
	changed := bytes.ReplaceAll(bigState(`{"keyid": "c", "sig": "22"}`, 2*transcripts.MinDeltaState), []byte("p"), []byte("q"))
	small := []byte(`{"signatures": [], "signed": {}}`)
	stores := func(put func(tr *transcripts.Transcript, base string, data []byte) (string, error)) (string, map[string][]byte) {
		dir := t.TempDir()
		tr := create(t, dir)
		defer tr.Close()
		base, err := tr.PutState(unsigned)
		if err != nil {
			t.Fatal(err)
		}
		for _, data := range [][]byte{signed, changed, small, signed} {
			h, err := put(tr, base, data)
			if err != nil || h != transcripts.Sum(data) {
				t.Fatalf("storing %d bytes: %s, %v; want %s", len(data), h, err, transcripts.Sum(data))
			}
			if got, err := transcripts.ReadState(dir, h); err != nil || !bytes.Equal(got, data) {
				t.Fatalf("state %s reads back as %d bytes, %v", h, len(got), err)
			}
		}
		files := map[string][]byte{}
		entries, err := os.ReadDir(filepath.Join(dir, transcripts.StatesDir))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			files[e.Name()] = readFile(t, filepath.Join(dir, transcripts.StatesDir, e.Name()))
		}
		return dir, files
	}
	_, want := stores(func(tr *transcripts.Transcript, base string, data []byte) (string, error) {
		return tr.PutStateAfter(data, base, unsigned)
	})
	dir, got := stores(func(tr *transcripts.Transcript, base string, data []byte) (string, error) {
		n := len(data)
		return tr.PutStateAfterParts(cuts(data, 0, 5, 20, n/2, n-3, n), base, unsigned)
	})
	if len(got) != len(want) || len(want) != 4 {
		t.Fatalf("stored in pieces: %d files, whole: %d; want 4 each", len(got), len(want))
	}
	for name, data := range want {
		if !bytes.Equal(got[name], data) {
			t.Errorf("%s: stored in pieces as %d bytes, whole as %d", name, len(got[name]), len(data))
		}
	}
	if _, err := transcripts.Verify(dir); err != nil {
		t.Fatal(err)
	}

	tr := open(t, dir)
	defer tr.Close()
	secret := bigState(`{"keyid": "a", "sig": "-----BEGIN PRIVATE KEY-----"}`, 2*transcripts.MinDeltaState)
	at := bytes.Index(secret, []byte("KEY-----")) + 2
	for _, parts := range [][][]byte{{secret}, cuts(secret, at), cuts(secret, at-3, at, at+1)} {
		if _, err := tr.PutStateAfterParts(parts, transcripts.Sum(unsigned), unsigned); !errors.Is(err, transcripts.ErrSecret) {
			t.Errorf("a private key in %d pieces: %v, want it refused", len(parts), err)
		}
	}
}
