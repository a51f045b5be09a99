package workspace

// Making a workspace: Create and what it leaves while it runs.

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/tuf-ceremony/ceremony/internal/atomicfile"
	"github.com/tuf-ceremony/ceremony/internal/crashpoint"
	"github.com/tuf-ceremony/ceremony/metafile"
)

// Create makes a new workspace in dir, which must not exist or be empty.
// roles maps role names (State.Roles) to their unsigned metadata. Each hook
// runs after the metadata is written and before ceremony.json, which marks
// the workspace as made: a hook's work (the transcript's init record) is
// part of init, and an init killed before the end is refused as such.
func Create(dir string, state State, plan []byte, trusted []byte, roles map[string]*metafile.File, hooks ...func(*Workspace) error) (w *Workspace, err error) {
	return CreateAlongside(dir, state, plan, trusted, roles, nil, hooks...)
}

// CreateAlongside is Create, running alongside (when not nil) on a
// goroutine of its own while the roles' metadata is made and written: a
// hook that writes files no metadata depends on (a claims ceremony's
// trusted copy of claimed, 77 MB at 100,000 projects, written beside the
// 77 MB of claimed's next version). The hooks run once both are done.
func CreateAlongside(dir string, state State, plan []byte, trusted []byte, roles map[string]*metafile.File, alongside func(*Workspace) error, hooks ...func(*Workspace) error) (w *Workspace, err error) {
	existed, err := prepareDir(dir)
	if err != nil {
		return nil, err
	}
	// Only what this Create marked as its own is cleared when it fails: a
	// mark it could not make may be another init's, running at once.
	marked := false
	defer func() {
		if err != nil && marked {
			if cerr := clearInit(dir, existed); cerr != nil {
				err = fmt.Errorf("%w (and clearing the unfinished workspace failed: %v: remove %s)", err, cerr, dir)
			}
		}
	}()
	state.Format = stateFormat
	for _, role := range state.Roles {
		if roles[role] == nil {
			return nil, fmt.Errorf("no metadata for role %q", role)
		}
	}
	if err := atomicfile.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := markInit(dir); err != nil {
		return nil, err
	}
	marked = true
	if err := atomicfile.MkdirAll(filepath.Join(dir, MetadataDir), 0o755); err != nil {
		return nil, err
	}
	if err := atomicfile.WriteNew(filepath.Join(dir, PlanFile), plan, 0o644); err != nil {
		return nil, err
	}
	if trusted != nil {
		if err := atomicfile.MkdirAll(filepath.Join(dir, filepath.Dir(TrustedRoot)), 0o755); err != nil {
			return nil, err
		}
		if err := atomicfile.WriteNew(filepath.Join(dir, TrustedRoot), trusted, 0o644); err != nil {
			return nil, err
		}
	}
	w = &Workspace{Dir: dir, State: state, created: &createdFiles{files: map[string][]byte{}}}
	besideErr := make(chan error, 1)
	if alongside != nil {
		go func() { besideErr <- alongside(w) }()
	} else {
		besideErr <- nil
	}
	metaErr := w.writeRoles(roles)
	if err := cmp.Or(metaErr, <-besideErr); err != nil {
		return nil, err
	}
	for _, hook := range hooks {
		if err := hook(w); err != nil {
			return nil, err
		}
	}
	w.created = nil
	b, err := w.StateBytes()
	if err != nil {
		return nil, err
	}
	if err := atomicfile.WriteNew(filepath.Join(dir, StateFile), b, 0o644); err != nil {
		return nil, err
	}
	// ceremony.json is the commit: the mark is only tidied away now.
	crashpoint.Hit(crashpoint.FS)
	if err := os.Remove(filepath.Join(dir, InitMark)); err == nil {
		atomicfile.SyncDir(dir)
	}
	return w, nil
}

// CheckNew refuses, before any work, a directory Create would refuse: one
// that is neither absent, nor empty, nor an interrupted init.
func CheckNew(dir string) error {
	if dir == "" {
		return fmt.Errorf("no workspace directory given")
	}
	if interruptedInit(dir) {
		return nil
	}
	return checkEmpty(dir)
}

// InitMark marks a directory whose Create has not finished.
const InitMark = ".init-incomplete"

// markInit puts the mark in dir: an empty file made in one step (no
// temporary file, which a kill could leave unmarked), then the directory
// synced.
func markInit(dir string) error {
	crashpoint.Hit(crashpoint.FS)
	f, err := os.OpenFile(filepath.Join(dir, InitMark), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("failed to mark %q as an init in progress: %w", dir, err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	return atomicfile.SyncDir(dir)
}

// interruptedInit reports whether dir holds an init that did not finish:
// the mark, and no ceremony.json.
func interruptedInit(dir string) bool {
	if _, err := os.Lstat(filepath.Join(dir, StateFile)); err == nil {
		return false
	}
	fi, err := os.Lstat(filepath.Join(dir, InitMark))
	return err == nil && fi.Mode().IsRegular()
}

// prepareDir makes dir ready for Create: absent, empty, or an interrupted
// init, which it clears. existed says whether dir was there.
func prepareDir(dir string) (existed bool, err error) {
	if interruptedInit(dir) {
		return true, clearInit(dir, true)
	}
	if err := checkEmpty(dir); err != nil {
		return false, err
	}
	_, statErr := os.Lstat(dir)
	return statErr == nil, nil
}

// clearInit removes what an unfinished Create wrote into dir: every entry,
// the mark last (a kill while clearing leaves a directory the next Create
// still knows), and dir itself unless it existed before. A directory with
// a ceremony.json is a finished workspace, never an unfinished init, and is
// never cleared.
func clearInit(dir string, existed bool) error {
	if _, err := os.Lstat(filepath.Join(dir, StateFile)); err == nil {
		return fmt.Errorf("%q holds a finished workspace (its %s), which this init did not write: it is left as it is", dir, StateFile)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	// The mark goes last, so that a kill while clearing leaves a
	// directory the next Create still knows as an interrupted init.
	for _, e := range entries {
		if e.Name() != InitMark {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	if err := os.Remove(filepath.Join(dir, InitMark)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if !existed {
		if err := os.Remove(dir); err != nil {
			return err
		}
		return atomicfile.SyncDir(filepath.Dir(dir))
	}
	return atomicfile.SyncDir(dir)
}

// createdFiles are the files Create and its hooks wrote, by path; a hook
// that runs alongside the metadata's writing adds to them from another
// goroutine.
type createdFiles struct {
	mu    sync.Mutex
	files map[string][]byte
}

// writeRoles writes each role's metadata, as it is made (claimed at
// 100,000 projects is 77 MB), without holding it whole: Create's hooks
// read it from its file (the init's state: transcripts.PutStateOf).
func (w *Workspace) writeRoles(roles map[string]*metafile.File) error {
	for _, role := range w.State.Roles {
		if err := atomicfile.WriteNewFrom(w.metadataPath(role), 0o644, roles[role].MarshalWriting); err != nil {
			return err
		}
	}
	return nil
}

// wrote keeps data as the file at p while Create's hooks run (created).
func (w *Workspace) wrote(p string, data []byte) {
	if c := w.created; c != nil {
		c.mu.Lock()
		c.files[p] = data
		c.mu.Unlock()
	}
}
