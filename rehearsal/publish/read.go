package publish

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/tuf-ceremony/ceremony/metafile"
)

// readMetadata reads and parses the published metadata file name in the
// metadata directory dir.
func readMetadata(dir, name string) (*metafile.File, error) {
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return nil, err
	}
	f, err := metafile.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return f, nil
}
