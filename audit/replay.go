package audit

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/threshold"
	"github.com/tuf-ceremony/ceremony/verify"
)

// ReplayBundle replays the ceremony a bundle carries, as an auditor who has
// only the bundle does: it is read as hostile input, unpacked as a
// workspace in a temporary directory, and replayed record by record. Once
// the records hold, the bundle is made again from what they cover and
// compared entry by entry: an entry changed after the bundle was written is
// an error naming it.
func ReplayBundle(e *ceremony.Engine, path string) (*ceremony.ReplayReport, error) {
	// The signed role's signatures are verified when the transcript is
	// replayed and when the bundle is made again.
	threshold.KeepVerified()
	b, err := readUnpacked(path)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	rep, err := replayRead(e, path, b)
	if berr := b.Err(); berr != nil {
		// An entry's copy could not be read again as it was written:
		// that is the cause of whatever followed.
		return nil, berr
	}
	return rep, err
}

func replayRead(e *ceremony.Engine, path string, b *bundle.Bundle) (*ceremony.ReplayReport, error) {
	data, ok := b.Get(ceremony.BundleInfo)
	if !ok {
		return nil, fmt.Errorf("bundle %q: %w", path, ceremony.ErrNotCeremonyBundle)
	}
	var info ceremony.BundleInfoFile
	if err := json.Unmarshal(data, &info); err != nil || info.Format != ceremony.BundleInfoFormat {
		return nil, fmt.Errorf("bundle %q: %s is not a format this version reads", path, ceremony.BundleInfo)
	}
	dir, err := os.MkdirTemp("", "ceremony-replay-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	files := newBundledFiles(b, dir)
	if _, err := unpackTranscript(files, map[string]bool{}); err != nil {
		return nil, err
	}
	if name, err := writeBundledWorkspace(e, files, info); err != nil {
		return nil, fmt.Errorf("bundle %q: %s: %w", path, name, err)
	}
	rep, err := e.ReplayKeeping(dir)
	if err != nil {
		return nil, fmt.Errorf("bundle %q: %s", path, strings.ReplaceAll(err.Error(), dir, "bundle"))
	}
	rep.Dir = path
	if rep.FirstBad != nil {
		rep.FirstBad.Reason = strings.ReplaceAll(rep.FirstBad.Reason, dir, "bundle")
		return rep, nil
	}
	// The records hold; so must every entry they do not cover.
	var changed []string
	verifyRebuilt(e, func(_ verify.Severity, file, _, _, format string, args ...any) {
		changed = append(changed, file+": "+fmt.Sprintf(format, args...))
	}, b, dir, rep)
	if len(changed) > 0 {
		return nil, fmt.Errorf("bundle %q: the records hold, but %s", path, strings.Join(changed, "; "))
	}
	return rep, nil
}
