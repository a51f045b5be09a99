package ceremony

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// ReplayBundle replays the ceremony a bundle carries, as an auditor who has
// only the bundle does: it is read as hostile input, unpacked as a
// workspace in a temporary directory, and replayed record by record.
func (e *Engine) ReplayBundle(path string) (*ReplayReport, error) {
	b, err := bundle.Read(path, bundle.DefaultLimits())
	if err != nil {
		return nil, err
	}
	data, ok := b.Get(BundleInfo)
	if !ok {
		return nil, fmt.Errorf("bundle %q: %w", path, errNotCeremonyBundle)
	}
	var info BundleInfoFile
	if err := json.Unmarshal(data, &info); err != nil || info.Format != bundleInfoFormat {
		return nil, fmt.Errorf("bundle %q: %s is not a format this version reads", path, BundleInfo)
	}
	dir, err := os.MkdirTemp("", "ceremony-replay-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	prefix := BundleTranscript + "/"
	for _, e := range b.Entries {
		if !strings.HasPrefix(e.Name, prefix) {
			continue
		}
		// Names passed bundle.CheckName: relative, no "..", printable ASCII.
		p := filepath.Join(dir, workspace.TranscriptDir, filepath.FromSlash(strings.TrimPrefix(e.Name, prefix)))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return nil, err
		}
		if err := os.WriteFile(p, e.Data, 0o600); err != nil {
			return nil, err
		}
	}
	if name, err := e.writeBundledWorkspace(b, info, dir); err != nil {
		return nil, fmt.Errorf("bundle %q: %s: %w", path, name, err)
	}
	rep, err := e.Replay(dir)
	if err != nil {
		return nil, fmt.Errorf("bundle %q: %s", path, strings.ReplaceAll(err.Error(), dir, "bundle"))
	}
	rep.Dir = path
	if rep.FirstBad != nil {
		rep.FirstBad.Reason = strings.ReplaceAll(rep.FirstBad.Reason, dir, "bundle")
	}
	return rep, nil
}
