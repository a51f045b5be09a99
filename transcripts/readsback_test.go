package transcripts_test

import (
	"bytes"
	"testing"

	"github.com/tuf-ceremony/ceremony/transcripts"
)

// A base changed on disk after its bytes were read: the difference would
// not give the state back, so the state is stored whole, and reads back.
func TestStateAfterABaseChangedOnDisk(t *testing.T) {
	unsigned := bigState("", 2*transcripts.MinDeltaState)
	once := bigState(`{"keyid": "a", "sig": "00"}`, 2*transcripts.MinDeltaState)
	twice := bigState(`{"keyid": "a", "sig": "00"}, {"keyid": "b", "sig": "11"}`, 2*transcripts.MinDeltaState)
	// change flips a byte of the pad, which every difference takes from
	// the whole base.
	change := func(t *testing.T, dir, hash string) {
		whole, _ := statePaths(dir, hash)
		data := readFile(t, whole)
		data[len(data)/2] = 'q'
		writeFile(t, whole, data)
	}
	t.Run("its base whole", func(t *testing.T) {
		dir, tr, base := storedBase(t, unsigned)
		change(t, dir, base)
		hash, err := tr.PutStateAfter(once, base, unsigned)
		if err != nil {
			t.Fatal(err)
		}
		checkStoredWhole(t, dir, hash, once)
	})
	t.Run("its base a difference", func(t *testing.T) {
		dir, tr, base := storedBase(t, unsigned)
		first, err := tr.PutStateAfter(once, base, unsigned)
		if err != nil {
			t.Fatal(err)
		}
		if _, delta := statePaths(dir, first); !exists(delta) {
			t.Fatal("the first signature's state is not stored as a difference")
		}
		change(t, dir, base)
		hash, err := tr.PutStateAfter(twice, first, once)
		if err != nil {
			t.Fatal(err)
		}
		checkStoredWhole(t, dir, hash, twice)
	})
}

// storedBase is a transcript in a new directory, with data stored whole
// as a state.
func storedBase(t *testing.T, data []byte) (string, *transcripts.Transcript, string) {
	t.Helper()
	dir := t.TempDir()
	tr := create(t, dir)
	t.Cleanup(func() { tr.Close() })
	base, err := tr.PutState(data)
	if err != nil {
		t.Fatal(err)
	}
	return dir, tr, base
}

func checkStoredWhole(t *testing.T, dir, hash string, data []byte) {
	t.Helper()
	whole, delta := statePaths(dir, hash)
	if !exists(whole) || exists(delta) {
		t.Errorf("state %s: whole %v, difference %v; want it stored whole", hash[:12], exists(whole), exists(delta))
	}
	got, err := transcripts.ReadState(dir, hash)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("the state reads back %d bytes (%v), want the %d stored", len(got), err, len(data))
	}
}
