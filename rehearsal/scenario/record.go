package scenario

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/tuf-ceremony/ceremony/internal/atomicfile"
)

// recordFile keeps, in the lab, the scenario it was set up for, so that a
// rehearsal carried on is the same scenario.
const recordFile = "scenario.json"

type record struct {
	Scenario string `json:"scenario"`
}

// Record writes down, in a new lab, the scenario it is set up for.
func Record(labDir, name string) error {
	if !slices.Contains(Names, name) {
		return fmt.Errorf("unknown scenario %q: want one of bootstrap, root-rotation, emergency, claims", name)
	}
	b, err := json.Marshal(record{Scenario: name})
	if err != nil {
		return err
	}
	return atomicfile.WriteNew(filepath.Join(labDir, recordFile), append(b, '\n'), 0o644)
}

// Recorded is the scenario the lab in labDir was set up for: bootstrap
// when none was written down.
func Recorded(labDir string) (string, error) {
	path := filepath.Join(labDir, recordFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Bootstrap, nil
	} else if err != nil {
		return "", fmt.Errorf("failed to read the lab's scenario: %w", err)
	}
	var r record
	if err := json.Unmarshal(b, &r); err != nil || !slices.Contains(Names, r.Scenario) {
		return "", fmt.Errorf("%s: scenario %q is not one of bootstrap, root-rotation, emergency, claims", path, r.Scenario)
	}
	return r.Scenario, nil
}
