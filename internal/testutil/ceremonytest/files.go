package ceremonytest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// ReadFile is the file's content; it fails the test on an error.
func ReadFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// WriteFile writes the file, mode 0644.
func WriteFile(path string, b []byte) error { return os.WriteFile(path, b, 0o644) }

// MetaPath is the path of role's metadata in workspace ws.
func MetaPath(ws, role string) string {
	return filepath.Join(ws, workspace.MetadataDir, role+".json")
}

// TranscriptDir is the transcript directory of workspace ws.
func TranscriptDir(ws string) string { return filepath.Join(ws, workspace.TranscriptDir) }

// ParseFile parses the metadata file at path.
func ParseFile(t *testing.T, path string) *metafile.File {
	t.Helper()
	f, err := metafile.Parse(ReadFile(t, path))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return f
}

// SetSigned rewrites one field of role's "signed" object in a workspace
// (the signatures are kept as they are) and returns the file's new bytes.
func SetSigned(t *testing.T, wsDir, role, field string, value any) []byte {
	t.Helper()
	ws, err := workspace.Open(wsDir)
	if err != nil {
		t.Fatal(err)
	}
	f, err := ws.Metadata(role)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(f.Signed))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	m[field] = value
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := ws.WriteMetadata(role, &metafile.File{Signed: b, Signatures: f.Signatures}); err != nil {
		t.Fatal(err)
	}
	return ReadFile(t, MetaPath(wsDir, role))
}

// SnapshotFiles reads every file under dir, by relative path, but the
// transcript: a refusal appends its record there (ceremony/transcript_test.go).
func SnapshotFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if fi.IsDir() && fi.Name() == workspace.TranscriptDir {
			return filepath.SkipDir
		}
		if fi.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(dir, path)
		out[rel] = ReadFile(t, path)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// RequireUnchanged fails the test if a file of before is gone or changed in
// after, or after holds a file before does not: what a refused step leaves.
func RequireUnchanged(t *testing.T, before, after map[string][]byte) {
	t.Helper()
	for name, b := range before {
		if a, ok := after[name]; !ok {
			t.Errorf("%s was removed", name)
		} else if !bytes.Equal(a, b) {
			t.Errorf("%s changed after a refusal:\n%s", name, a)
		}
	}
	for name := range after {
		if _, ok := before[name]; !ok {
			t.Errorf("%s was created by a refused step", name)
		}
	}
}

// SHA256Hex is the SHA-256 of b, in hex.
func SHA256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// FlipHex changes the first hex digit of s, keeping it hex.
func FlipHex(s string) string {
	c := byte('0')
	if s[0] == '0' {
		c = '1'
	}
	return string(c) + s[1:]
}
