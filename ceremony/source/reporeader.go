package source

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/tuf-ceremony/ceremony/internal/bounded"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// repoReader reads a repository's metadata files below one directory:
// each a regular file within metafile.MaxSize, opened through an os.Root
// so that no name leads out of the metadata directory.
type repoReader struct {
	dir   string
	root  *os.Root
	names map[string]bool
	// trust is what verifying the repository as a client found.
	trust *repoTrust
	// claimedRoles are the delegations of claimed decoded
	// (loadRepositorySource): nil for every one.
	claimedRoles map[string]bool
}

// openRepository opens the metadata directory of the repository at path,
// path/metadata. The caller closes the reader's root.
func openRepository(path string) (*repoReader, error) {
	dir := filepath.Join(path, workspace.MetadataDir)
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("failed to open repository metadata %q: %w", dir, err)
	}
	return &repoReader{dir: dir, root: root, names: map[string]bool{}}, nil
}

// readVerified gives the metadata file name as it verified: as the
// verifier kept it, or read again and compared with what verified.
func (rr *repoReader) readVerified(name string) ([]byte, *metafile.File, error) {
	if k, ok := rr.trust.kept[name]; ok {
		return k.data, k.file, nil
	}
	data, f, err := rr.read(name)
	if err != nil {
		return nil, nil, err
	}
	if !rr.trust.trusts(name, data) {
		return nil, nil, fmt.Errorf("%s changed after it was verified: nothing is taken from the repository; copy it again, and let nothing else write to it", filepath.Join(rr.dir, name))
	}
	return data, f, nil
}

func (rr *repoReader) roleFile(role string, version int64, consistent bool) string {
	if consistent && version > 0 {
		return fmt.Sprintf("%d.%s.json", version, role)
	}
	return role + ".json"
}

// read reads and parses one metadata file, refusing anything but a
// regular file of at most metafile.MaxSize.
func (rr *repoReader) read(name string) ([]byte, *metafile.File, error) {
	full := filepath.Join(rr.dir, name)
	fi, err := rr.root.Lstat(name)
	if err != nil {
		return nil, nil, fmt.Errorf("failed to read %s: %w", full, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("%s is not a regular file: refusing to read it", full)
	}
	if fi.Size() > metafile.MaxSize {
		return nil, nil, fmt.Errorf("%s is %d bytes, over the limit of %d", full, fi.Size(), metafile.MaxSize)
	}
	f, err := rr.root.Open(name)
	if err != nil {
		return nil, nil, fmt.Errorf("failed to read %s: %w", full, err)
	}
	defer f.Close()
	data, err := bounded.ReadSized(f, fi.Size(), metafile.MaxSize)
	if err != nil {
		return nil, nil, fmt.Errorf("failed to read %s: %w", full, err)
	}
	mf, err := metafile.Parse(data)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", full, err)
	}
	return data, mf, nil
}
