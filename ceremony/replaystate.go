package ceremony

import (
	"fmt"

	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// What a replay holds between its steps: each role's current state, read
// and parsed once, and the trusted metadata its steps read.

// replayer walks the records, holding each role's current state.
type replayer struct {
	e     *Engine
	ws    *workspace.Workspace
	trDir string
	rep   *ReplayReport
	cur   map[string]string // role -> state hash
	setBy map[string]int64  // role -> seq of the record that set cur
	init  bool
	// records are the init record, which names the witnesses' keys.
	records []transcripts.Record
	// read are states read, by hash: those a step read, kept until the
	// next step while they are some role's current state (forget). A
	// state is named by its SHA-256 and checked against it when read, so
	// it need not be read again: claimed's init state at PyPI's scale (77
	// MB) is read once, not three times, and the state each signature
	// leaves once, not twice. Nothing changes these bytes.
	read map[string][]byte
	// parsed are states of read, parsed, until a step takes one to change
	// it (files): the init state is parsed once for the replay's check, the
	// kind's and its first signature, which then find its canonical form
	// and hash made already.
	parsed map[string]*metafile.File
}

// state reads a stored state and checks its hash, once (see read).
func (rp *replayer) state(hash string) ([]byte, string) {
	if hash == "" {
		return nil, "no state"
	}
	if data, ok := rp.read[hash]; ok {
		return data, ""
	}
	data, err := transcripts.ReadState(rp.trDir, hash)
	if err != nil {
		return nil, fmt.Sprintf("state %s: %v", AbbrevHash(hash), err)
	}
	if rp.read == nil {
		rp.read = map[string][]byte{}
	}
	rp.read[hash] = data
	return data, ""
}

// file is the state hash parsed, once while no step takes it (see
// parsed). The error is the parser's.
func (rp *replayer) file(hash string) (*metafile.File, string, error) {
	if f, ok := rp.parsed[hash]; ok {
		return f, "", nil
	}
	data, why := rp.state(hash)
	if why != "" {
		return nil, why, nil
	}
	f, err := metafile.ParseOwned(data) // the bytes of read, which nothing changes
	if err != nil {
		return nil, "", err
	}
	if rp.parsed == nil {
		rp.parsed = map[string]*metafile.File{}
	}
	rp.parsed[hash] = f
	return f, "", nil
}

// forget lets go of the states read that are no role's current state
// now: a replay holds one state of each role between steps, not every
// state it has met (77 MB each for claimed at PyPI's scale).
func (rp *replayer) forget() {
	rp.keepOnly(func(h string) bool {
		for _, c := range rp.cur {
			if c == h {
				return true
			}
		}
		return false
	})
}

// keepOnly lets go of the states read and parsed that keep does not name.
func (rp *replayer) keepOnly(keep func(hash string) bool) {
	for h := range rp.read {
		if !keep(h) {
			delete(rp.read, h)
			delete(rp.parsed, h)
		}
	}
}

// files are the current states of every role, parsed and taken: the
// step may change them (a signature added), so none stays in parsed.
func (rp *replayer) files() (map[string]*metafile.File, string) {
	out := map[string]*metafile.File{}
	for role, h := range rp.cur {
		f, why, err := rp.file(h)
		if why != "" {
			return nil, why
		}
		if err != nil {
			return nil, fmt.Sprintf("state %s of %s: %v", AbbrevHash(h), role, err)
		}
		delete(rp.parsed, h)
		out[role] = f
	}
	return out, ""
}

// load is loadFrom over files, taking the trusted metadata the steps
// before read (shareGiven): a replay reads and decodes each trusted file
// once however many steps ask for it (a project's rule is in the trusted
// claimed, 77 MB at PyPI's scale), and the bundle made again after it
// (Rebuild) takes it too.
func (rp *replayer) load(files map[string]*metafile.File) (*Loaded, error) {
	l, err := loadFrom(rp.ws, files)
	if err != nil {
		return nil, err
	}
	if rp.rep.given == nil {
		rp.rep.given, rp.rep.givenDir = l.givenOnly(), rp.ws.Dir
	} else {
		l.shareGiven(rp.rep.given)
	}
	return l, nil
}

// loadFrom is load over given states of the roles rather than the files of
// the workspace (the trusted metadata is still the workspace's, read when
// asked for: a signature of claimed needs targets' rules, not the trusted
// claimed, 77 MB at PyPI's scale).
func loadFrom(ws *workspace.Workspace, files map[string]*metafile.File) (*Loaded, error) {
	l, err := loadStatesGiven(ws, files, func(role string) string { return role + " state" }, false)
	if err != nil {
		return nil, err
	}
	l.givenLater = true
	return l, nil
}
