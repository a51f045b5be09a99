package transcripts_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/tuf-ceremony/ceremony/internal/atomicfile"
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
	hash, err := tr.PutStateOf(unsigned, meta)
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
	again, err := tr.PutStateOf(unsigned, meta)
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

// A file that is not data (another size, or not there) is not linked:
// data is written, and the store holds what the hash names.
func TestPutStateOfWritesWhatTheFileIsNot(t *testing.T) {
	for name, setup := range map[string]func(path string) error{
		"another size": func(path string) error { return os.WriteFile(path, []byte(`{"signed": {}}`), 0o644) },
		"absent":       func(string) error { return nil },
		"a directory":  func(path string) error { return os.Mkdir(path, 0o755) },
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			tr := create(t, dir)
			defer tr.Close()
			meta := filepath.Join(dir, "claimed.json")
			if err := setup(meta); err != nil {
				t.Fatal(err)
			}
			data := bigState("", 4096)
			hash, err := tr.PutStateOf(data, meta)
			if err != nil {
				t.Fatal(err)
			}
			whole, _ := statePaths(dir, hash)
			sfi, err := os.Stat(whole)
			if err != nil {
				t.Fatal(err)
			}
			if mfi, err := os.Stat(meta); err == nil && os.SameFile(mfi, sfi) {
				t.Error("the state is a second name of a file that does not hold it")
			}
			got, err := transcripts.ReadState(dir, hash)
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("the state reads %d bytes (%v), want the %d stored", len(got), err, len(data))
			}
		})
	}
}

func TestPutStateOfRefusesPrivateKey(t *testing.T) {
	dir := t.TempDir()
	tr := create(t, dir)
	defer tr.Close()
	data := []byte(`{"signed":{"keys":{"k":{"keyval":{"private":"-----BEGIN PRIVATE KEY-----\nMC4CAQAw\n-----END PRIVATE KEY-----"}}}}}`)
	meta := filepath.Join(dir, "root.json")
	if err := os.WriteFile(meta, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.PutStateOf(data, meta); !errors.Is(err, transcripts.ErrSecret) {
		t.Fatalf("PutStateOf: %v, want ErrSecret", err)
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, transcripts.StatesDir)); len(entries) != 0 {
		t.Errorf("states/ holds %d files", len(entries))
	}
}
