package claims

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/tuf-ceremony/ceremony/internal/bounded"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/metafile"
)

// ClaimedRole is the name of PEP 480's claimed role.
const ClaimedRole = "claimed"

// FindClaimed returns the claimed role's metadata file in dir, a
// workspace or a repository: DIR/metadata/claimed.json if there is one (a
// workspace, or a repository without consistent snapshots), else the
// version that the repository's snapshot names
// (timestamp.json -> V.snapshot.json -> N.claimed.json).
func FindClaimed(dir string) (string, error) {
	md := filepath.Join(dir, "metadata")
	plain := filepath.Join(md, ClaimedRole+".json")
	if _, err := os.Stat(plain); err == nil {
		return plain, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	ts, err := readMetadata(filepath.Join(md, "timestamp.json"))
	if err != nil {
		return "", fmt.Errorf("%s has neither metadata/%s.json nor a timestamp to find it by: %w", dir, ClaimedRole, err)
	}
	t, err := ts.Timestamp()
	if err != nil {
		return "", fmt.Errorf("%s: %w", filepath.Join(md, "timestamp.json"), err)
	}
	snapMeta := t.Meta["snapshot.json"]
	if snapMeta == nil {
		return "", fmt.Errorf("%s names no snapshot.json", filepath.Join(md, "timestamp.json"))
	}
	snapPath := filepath.Join(md, fmt.Sprintf("%d.snapshot.json", snapMeta.Version))
	sf, err := readMetadata(snapPath)
	if err != nil {
		return "", err
	}
	s, err := sf.Snapshot()
	if err != nil {
		return "", fmt.Errorf("%s: %w", snapPath, err)
	}
	m := s.Meta[ClaimedRole+".json"]
	if m == nil {
		return "", fmt.Errorf("%s names no %s.json: the repository has no claimed role (is it pep480?)", snapPath, ClaimedRole)
	}
	return filepath.Join(md, fmt.Sprintf("%d.%s.json", m.Version, ClaimedRole)), nil
}

// ReadClaimed reads the claimed role's metadata file for a review. Its
// signatures are not checked: verify the repository first. It decodes with
// metafile's decoder (go-tuf's value without go-tuf's decoding: a tenth of
// a second for a claimed role of 100,000 projects, not seven).
func ReadClaimed(path string) (*metadata.TargetsType, error) {
	c, err := ReadClaimedFile(path)
	if err != nil {
		return nil, err
	}
	t, err := c.file.Targets()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// ClaimedFile is the claimed role's metadata file as ReadClaimedFile read
// it: parsed as TUF metadata of type targets, not decoded further, for
// ReviewFile to decode what a review looks up.
type ClaimedFile struct {
	path string
	file *metafile.File
}

// ClaimedFileOf is f, the claimed role's metadata parsed (its type
// checked), for ReviewFile; label names it in errors.
func ClaimedFileOf(label string, f *metafile.File) *ClaimedFile {
	return &ClaimedFile{path: label, file: f}
}

// ReadClaimedFile reads the claimed role's metadata at path as ReadClaimed
// does, decoding its header alone. Its signatures are not checked.
func ReadClaimedFile(path string) (*ClaimedFile, error) {
	data, err := readBounded(path)
	if err != nil {
		return nil, err
	}
	f, err := metafile.ParseOwned(data)
	if err != nil {
		return nil, fmt.Errorf("%s: not TUF metadata: %w", path, err)
	}
	h, err := f.Header()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if h.Type != metadata.TARGETS {
		return nil, fmt.Errorf("%s: signed._type is %q, want %q: give the claimed role's metadata", path, h.Type, metadata.TARGETS)
	}
	return &ClaimedFile{path: path, file: f}, nil
}

func readBounded(path string) ([]byte, error) {
	return bounded.ReadFile(path, metafile.MaxSize)
}

func readMetadata(path string) (*metafile.File, error) {
	data, err := readBounded(path)
	if err != nil {
		return nil, err
	}
	f, err := metafile.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}
