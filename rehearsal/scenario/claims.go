package scenario

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/tuf-ceremony/ceremony/claims"
	"github.com/tuf-ceremony/ceremony/internal/atomicfile"
	"github.com/tuf-ceremony/ceremony/keys"
)

// maintainer is a claim request to write: its file, the project, how
// many keys it names and how many must sign.
type maintainer struct {
	file      string
	project   string
	keys      int
	threshold int
}

// maintainers are the claims the scenario writes: two good requests, and
// a second request for the first project from other keys, for the room to
// tell apart by file and hash and to refuse one of.
var maintainers = []maintainer{
	{"sampleproject.claim.json", "sampleproject", 2, 2},
	{"rehearsal-tools.claim.json", "rehearsal-tools", 1, 1},
	{"sampleproject-again.claim.json", "sampleproject", 1, 1},
}

// writeClaims writes the maintainers' claim requests into dir, one file per
// request, each signed by its throwaway keys, which
// exist in memory only. Requests already there are kept.
func writeClaims(dir string, now time.Time) ([]string, error) {
	if err := atomicfile.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var projects []string
	for _, m := range maintainers {
		projects = append(projects, m.project)
		path := filepath.Join(dir, m.file)
		if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
			continue
		}
		var signers []keys.Signer
		for i := range m.keys {
			s, err := keys.GenerateSoftware(fmt.Sprintf("memory:%s-%d", m.project, i+1), keys.TypeEd25519)
			if err != nil {
				return nil, err
			}
			signers = append(signers, s)
		}
		data, err := claims.MakeRequest(m.project, signers, m.threshold, now, nil)
		if err != nil {
			return nil, fmt.Errorf("failed to make the claim request of %s: %w", m.project, err)
		}
		if err := atomicfile.WriteNew(path, data, 0o644); err != nil {
			return nil, err
		}
	}
	return projects, nil
}
