package transcripts

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// States as a bundle carries them.
//
// A bundle carries each role's last state as the signed metadata, and
// stores each last state whole, the very bytes of the metadata (which the
// bundle then holds once, see the bundle package's hard links), and every
// other large state that differs little from one of them as that
// difference. A claims bundle at 100,000 projects then holds claimed v2's
// 77 MB once, not twice. A workspace's store is mostly so already (a
// signature's state is the metadata's file by a second name, the states
// before it differences from it: rebase.go), but not always (on FAT, or
// in a workspace an older build signed, the init's state is whole and
// each signature's a difference from it): the files are made from the
// states' bytes, whatever the store.

// StateFile is one file of a state store: its name under the transcript's
// directory ("states/HASH.json" or "states/HASH.delta.json") and its
// bytes.
type StateFile struct {
	Name string
	Data []byte
}

// StatesAgainst returns the files of the state store of the transcript
// at dir, stored against wholes (SHA-256 -> bytes: states the caller
// holds, each hashing to its key). A state in wholes is stored whole,
// with the caller's bytes; any other state of MinDeltaState bytes or more
// as its difference from the first of wholes (by hash, among those of
// MinDeltaState bytes or more) that it differs from in at most a quarter
// of its bytes (as PutStateAfter decides); every other state whole. The files depend on the states' bytes alone, not on
// how dir stores them: StatesAgainst of a store it made gives that store
// back. Every state read from dir is checked against its name.
func StatesAgainst(dir string, wholes map[string][]byte) ([]StateFile, error) {
	statesDir := filepath.Join(dir, StatesDir)
	entries, err := os.ReadDir(statesDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var bases []string
	for h, data := range wholes {
		if len(data) >= MinDeltaState {
			bases = append(bases, h)
		}
	}
	slices.Sort(bases)
	var out []StateFile
	done := map[string]bool{}
	// A large whole state is read and checked once: the differences of a
	// claims ceremony's signatures share one base of 77 MB.
	// A state in wholes is not read at all: a workspace stores the
	// signed claimed whole, as the metadata's file, and the states
	// before it as differences from it (Rebase).
	read := map[string][]byte{}
	whole := func(hash string) ([]byte, error) {
		if data, ok := wholes[hash]; ok {
			return data, nil
		}
		if data, ok := read[hash]; ok {
			return data, nil
		}
		data, err := readWhole(dir, hash)
		if err == nil && len(data) >= MinDeltaState {
			read[hash] = data
		}
		return data, err
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue // a temporary file of a write under way
		}
		hash, ok := StateOfFile(name)
		if !ok || !e.Type().IsRegular() {
			return nil, fmt.Errorf("%s is not a stored state (states/SHA256.json or states/SHA256%s, a regular file): move it out of the transcript's directory", filepath.Join(statesDir, name), DeltaSuffix)
		}
		if done[hash] {
			continue // stored both whole and as a difference: one state
		}
		done[hash] = true
		f, err := stateAgainst(dir, hash, wholes, bases, whole)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// StateOfFile is the state a file of the state store holds, by its name
// ("HASH.json" or "HASH.delta.json"), and false for any other name.
func StateOfFile(name string) (string, bool) {
	hash, ok := strings.CutSuffix(name, DeltaSuffix)
	if !ok {
		hash, ok = strings.CutSuffix(name, ".json")
	}
	return hash, ok && isSHA256(hash)
}

// stateAgainst is the file of the state hash, stored against wholes; see
// StatesAgainst. whole reads a whole stored state (readStateFrom).
func stateAgainst(dir, hash string, wholes map[string][]byte, bases []string, whole func(hash string) ([]byte, error)) (StateFile, error) {
	stored := StateFile{Name: path.Join(StatesDir, hash+".json")}
	if data, ok := wholes[hash]; ok {
		stored.Data = data
		return stored, nil
	}
	data, err := readStateFrom(dir, hash, whole)
	if err != nil {
		return StateFile{}, err
	}
	stored.Data = data
	if len(data) < MinDeltaState {
		return stored, nil
	}
	for _, base := range bases {
		baseData := wholes[base]
		p := commonPrefix(data, baseData)
		d := deltaOrNil(pieces{data}, base, p, commonSuffix(data[p:], baseData[p:]))
		if d == nil {
			continue
		}
		file, err := json.Marshal(d)
		if err != nil {
			return StateFile{}, err
		}
		return StateFile{Name: path.Join(StatesDir, hash+DeltaSuffix), Data: file}, nil
	}
	return stored, nil
}
