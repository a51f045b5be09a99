package transcripts_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/internal/atomicfile"
	"github.com/tuf-ceremony/ceremony/internal/testutil/fattest"
	"github.com/tuf-ceremony/ceremony/transcripts"
)

// An init's metadata becomes its state by a second name, and keeps its
// bytes when the metadata is replaced by its signed version.
func TestPutStateOfLinksTheFileWritten(t *testing.T) {
	dir := t.TempDir()
	tr := create(t, dir)
	defer tr.Close()
	meta := filepath.Join(dir, "claimed.json")
	unsigned := bigState("", 4096)
	if err := atomicfile.WriteNew(meta, unsigned, 0o644); err != nil {
		t.Fatal(err)
	}
	hash, err := tr.PutStateOf(meta)
	if err != nil {
		t.Fatal(err)
	}
	if hash != transcripts.Sum(unsigned) {
		t.Fatalf("PutStateOf named the state %s, want its SHA-256 %s", hash, transcripts.Sum(unsigned))
	}
	whole, _ := statePaths(dir, hash)
	mfi, err := os.Stat(meta)
	if err != nil {
		t.Fatal(err)
	}
	sfi, err := os.Stat(whole)
	if err != nil {
		t.Fatalf("the state is not stored whole: %v", err)
	}
	if !os.SameFile(mfi, sfi) {
		t.Error("the state was written again, not given as a second name of the metadata")
	}
	again, err := tr.PutStateOf(meta)
	if err != nil || again != hash {
		t.Fatalf("storing the same state again: %s, %v", again, err)
	}
	if err := atomicfile.Replace(meta, bigState(`{"keyid": "a", "sig": "00"}`, 4096), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := transcripts.ReadState(dir, hash)
	if err != nil || !bytes.Equal(got, unsigned) {
		t.Fatalf("after the metadata was replaced, the state reads %d bytes (%v), want the %d it stored", len(got), err, len(unsigned))
	}
}

// A file that is no regular file, or is not there, is refused: nothing is
// stored.
func TestPutStateOfRefusesWhatIsNoFile(t *testing.T) {
	for name, setup := range map[string]func(path string) error{
		"absent":      func(string) error { return nil },
		"a directory": func(path string) error { return os.Mkdir(path, 0o755) },
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			tr := create(t, dir)
			defer tr.Close()
			meta := filepath.Join(dir, "claimed.json")
			if err := setup(meta); err != nil {
				t.Fatal(err)
			}
			if hash, err := tr.PutStateOf(meta); err == nil || !strings.Contains(err.Error(), meta) {
				t.Fatalf("PutStateOf of %s: %s, %v; want an error naming it", name, hash, err)
			}
			if entries, _ := os.ReadDir(filepath.Join(dir, transcripts.StatesDir)); len(entries) != 0 {
				t.Errorf("states/ holds %d files", len(entries))
			}
		})
	}
}

// A private key's marker is found wherever the reads of a megabyte cut
// it, and nothing is stored.
func TestPutStateOfRefusesPrivateKey(t *testing.T) {
	dir := t.TempDir()
	tr := create(t, dir)
	defer tr.Close()
	key := []byte(`"-----BEGIN PRIVATE KEY-----\nMC4CAQAw"`) // the marker once
	meta := filepath.Join(dir, "root.json")
	for _, at := range []int{0, 1<<20 - 20, 1<<20 - 13, 1<<20 - 12, 1 << 20, 3<<20 - 17} {
		data := append(bytes.Repeat([]byte(" "), at), key...)
		if err := os.WriteFile(meta, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := tr.PutStateOf(meta); !errors.Is(err, transcripts.ErrSecret) {
			t.Fatalf("PutStateOf of a private key at byte %d: %v, want ErrSecret", at, err)
		}
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, transcripts.StatesDir)); len(entries) != 0 {
		t.Errorf("states/ holds %d files", len(entries))
	}
}

// On a USB stick's FAT or exFAT, where no hard link can be made, the
// init's metadata is copied into the store: the same bytes, in a file of
// their own, and the metadata replaced after leaves them as they were.
func TestPutStateOfCopiesWithoutHardLinks(t *testing.T) {
	for _, kind := range fattest.Kinds {
		t.Run(kind, func(t *testing.T) {
			dir := filepath.Join(fattest.Mount(t, kind), "ws")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			tr := create(t, dir)
			defer tr.Close()
			meta := filepath.Join(dir, "claimed.json")
			unsigned := bigState("", 3<<20)
			if err := atomicfile.WriteNew(meta, unsigned, 0o644); err != nil {
				t.Fatal(err)
			}
			hash, err := tr.PutStateOf(meta)
			if err != nil || hash != transcripts.Sum(unsigned) {
				t.Fatalf("PutStateOf: %s, %v; want %s", hash, err, transcripts.Sum(unsigned))
			}
			// A signature's state cannot be the staged file by a second
			// name: PutStateStaged says so and stores nothing (sign then
			// stores it as a difference).
			parts := signedParts(t, unsigned, `{"keyid": "a", "sig": "00"}`)
			staged, err := atomicfile.StageParts(meta, parts, 0o644)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tr.PutStateStaged(parts, func() (*atomicfile.Staged, error) { return staged, nil }); !errors.Is(err, atomicfile.ErrNoHardLinks) {
				t.Fatalf("PutStateStaged without hard links: %v, want ErrNoHardLinks", err)
			}
			if tr.StoredWhole(transcripts.Sum(bytes.Join(parts, nil))) {
				t.Fatal("PutStateStaged without hard links stored the state")
			}
			staged.Discard()
			if err := atomicfile.Replace(meta, bigState(`{"keyid": "a", "sig": "00"}`, 3<<20), 0o644); err != nil {
				t.Fatal(err)
			}
			if got, err := transcripts.ReadState(dir, hash); err != nil || !bytes.Equal(got, unsigned) {
				t.Fatalf("the state reads %d bytes (%v), want the %d stored", len(got), err, len(unsigned))
			}
		})
	}
}
