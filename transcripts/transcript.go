package transcripts

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/tuf-ceremony/ceremony/internal/atomicfile"
	"github.com/tuf-ceremony/ceremony/internal/bounded"
	"github.com/tuf-ceremony/ceremony/internal/crashpoint"
)

// Names inside a transcript directory.
const (
	// FileName is the transcript itself, one record per line.
	FileName = "transcript.jsonl"
	// StatesDir holds the metadata states, STATES/<sha256>.json.
	StatesDir = "states"
	// TornDir holds torn records ResumeTorn set aside, TORN/<seq>-<sha256>.partial.
	TornDir = "torn"
)

// MaxStateSize bounds a state, as metafile.MaxSize bounds a metadata file.
const MaxStateSize = 1 << 30

// ErrInUse is what Create, Open and ResumeTorn return (as an *InUseError)
// when another Transcript held the transcript open, in this process or
// another, for all of LockWait.
var ErrInUse = errors.New("the transcript is in use by another ceremony command")

// Test hooks: the benchmarks measure appends without fsync, and the tests
// count syncs. Production code never changes them.
var (
	syncFile = func(f *os.File) error { crashpoint.Hit(crashpoint.FS); return f.Sync() }
	syncDir  = atomicfile.SyncDir
)

// Transcript is an open transcript: the only writer of its directory until
// Close. Its methods are safe for concurrent use; appends are serialized.
type Transcript struct {
	dir  string
	path string

	mu        sync.Mutex
	f         *os.File // O_RDWR|O_APPEND, locked
	records   []Record
	head      string
	last      map[string]string // role -> latest state
	now       func() time.Time
	guard     secretGuard
	dirSynced bool
	// broken is set when a write or a sync failed: what is on disk is then
	// unknown, and nothing more is appended.
	broken error
}

// Create starts a new, empty transcript in dir, creating dir if needed. It
// refuses if dir already holds a transcript.
func Create(dir string) (*Transcript, error) {
	if err := atomicfile.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	p := filepath.Join(dir, FileName)
	f, err := os.OpenFile(p, os.O_RDWR|os.O_APPEND|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("refusing to create transcript %q: it exists (a transcript is never started again): %w", p, fs.ErrExist)
	}
	if err != nil {
		return nil, fmt.Errorf("failed to create transcript: %w", err)
	}
	if err := lock(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("failed to lock transcript %q: %w", p, err)
	}
	if err := syncFile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("failed to sync transcript %q: %w", p, err)
	}
	if err := syncDir(dir); err != nil {
		f.Close()
		return nil, err
	}
	return &Transcript{dir: dir, path: p, f: f, last: map[string]string{}, now: time.Now, dirSynced: true}, nil
}

// Open opens the transcript in dir for appending, after reading it and
// checking every record: encoding, numbering, the chain of hashes, and that
// every state and torn piece it names is present (Verify also hashes them).
//
// It returns a *TornError if the last record is torn, a *ChainError if a
// record does not hold, and an error matching fs.ErrNotExist if dir holds
// no transcript. In each case nothing is written.
func Open(dir string) (*Transcript, error) {
	t, c, err := openChain(dir)
	if err != nil {
		return nil, err
	}
	if c.bad != nil {
		t.f.Close()
		return nil, &ChainError{Path: t.path, Problem: *c.bad}
	}
	if c.torn != nil {
		t.f.Close()
		return nil, &TornError{Path: t.path, Seq: c.torn.seq, Offset: c.torn.offset, Size: len(c.torn.data)}
	}
	pieces, err := orphanPieces(t.dir, t.records)
	if err != nil {
		t.f.Close()
		return nil, err
	}
	if len(pieces) > 0 {
		t.f.Close()
		return nil, &TornError{Path: t.path, Seq: pieces[0].seq, Offset: c.end, Size: pieces[0].size, Kept: filepath.Join(t.dir, pieces[0].name)}
	}
	return t, nil
}

// openChain opens and locks the transcript and scans it. The Transcript
// holds the records that hold, whatever the scan found after them.
func openChain(dir string) (*Transcript, *chain, error) {
	p := filepath.Join(dir, FileName)
	f, err := os.OpenFile(p, os.O_RDWR|os.O_APPEND, 0)
	if errors.Is(err, fs.ErrNotExist) {
		if _, statErr := os.Stat(dir); statErr != nil {
			return nil, nil, fmt.Errorf("no transcript in %q: the directory does not exist: %w", dir, fs.ErrNotExist)
		}
		return nil, nil, fmt.Errorf("no transcript in %q (no %s): %w", dir, FileName, fs.ErrNotExist)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("failed to open transcript: %w", err)
	}
	if err := lock(f); err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("failed to lock transcript %q: %w", p, err)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("failed to read transcript %q: %w", p, err)
	}
	t := &Transcript{dir: dir, path: p, f: f, last: map[string]string{}, now: time.Now}
	c := scan(data, checks{
		state: func(hash string) string {
			if err := t.stateStored(hash); err != nil {
				return fmt.Sprintf("state %s is not in %s: %v", hash, StatesDir, err)
			}
			return ""
		},
		piece: func(name, hash string) string {
			if _, h, ok := parseTornName(name); !ok || h != hash {
				return fmt.Sprintf("%q is not the name of a torn piece with hash %s", name, hash)
			}
			if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(name))); err != nil {
				return fmt.Sprintf("torn piece %s is missing: %v", name, err)
			}
			return ""
		},
	})
	t.records, t.head = c.records, c.head()
	for _, r := range t.records {
		t.noteStates(r)
	}
	return t, c, nil
}

// SetClock replaces the clock records are stamped with (tests, rehearsals).
func (t *Transcript) SetClock(now func() time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.now = now
}

// ForbidSecret registers a secret (a PIN, a passphrase, a private key's
// bytes) that no record may hold: Append refuses, before writing anything,
// a record with the secret, its hex or the hex of its SHA-256 in any field.
// The ceremony registers every secret it handles as soon as it has it, so
// a bug can never write one.
//
// The secret's bytes are not kept: only their lengths and a SHA-256 of each
// form keyed with a random key of this Transcript, wiped by Close. Like any
// hash of a short PIN, that digest can be matched by trying every PIN; what
// the guard avoids is a readable copy of the secret living on in memory.
// The caller still owns secret and wipes it when done.
func (t *Transcript) ForbidSecret(secret []byte) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.guard.add(secret)
}

// Append seals rec and appends it: it sets rec's Seq, Time and Prev, checks
// it (kind, fields, no secret, every state it names already stored),
// writes its line in one write to the end of the file and fsyncs the file
// (and the directory, the first time), and returns the record as written.
// When Append returns nil, the record is on disk; the step it records may
// count as done.
//
// A failed write or sync leaves the transcript unusable: what reached the
// disk is then unknown, so every later Append fails too; Open the
// transcript again to see where it stands.
func (t *Transcript) Append(rec Record) (Record, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.f == nil {
		return Record{}, fmt.Errorf("transcript %q is closed", t.path)
	}
	if t.broken != nil {
		return Record{}, fmt.Errorf("transcript %q: an earlier append failed (%v); open it again", t.path, t.broken)
	}
	if rec.Seq != 0 || rec.Prev != "" || !rec.Time.IsZero() {
		return Record{}, fmt.Errorf("record to append has seq, time or prev set: the transcript sets them")
	}
	if at := sealedAt(t.records); at > 0 && !AllowedAfterSeal(rec) {
		return Record{}, fmt.Errorf("transcript %q is sealed (record %d): only bundle, refusal and resume records, which change nothing, follow the seal", t.path, at)
	}
	rec.normalize()
	rec.Seq = int64(len(t.records)) + 1
	rec.Prev = t.head
	rec.Time = t.now().UTC().Truncate(time.Microsecond)
	// Secrets first: the other checks quote what they refuse. A secret in
	// free text is replaced there; anywhere else the record is refused.
	rec.Redacted = nil
	t.guard.redactRecord(&rec)
	if err := t.guard.checkRecord(&rec); err != nil {
		return Record{}, fmt.Errorf("refusing record %d (%s): %w", rec.Seq, rec.Kind, err)
	}
	if err := rec.check(); err != nil {
		return Record{}, fmt.Errorf("refusing record %d (%s): %w", rec.Seq, rec.Kind, err)
	}
	for _, role := range sortedKeys(rec.States) {
		if err := t.stateStored(rec.States[role]); err != nil {
			return Record{}, fmt.Errorf("refusing record %d (%s): states[%q]: state %s is not stored (PutState it first): %w", rec.Seq, rec.Kind, role, rec.States[role], err)
		}
	}
	line, err := encode(&rec)
	if err != nil {
		return Record{}, err
	}
	if len(line) > MaxRecordSize {
		return Record{}, fmt.Errorf("refusing record %d (%s): %d bytes, over the limit of %d", rec.Seq, rec.Kind, len(line), MaxRecordSize)
	}
	// One write of the whole line: with O_APPEND it lands at the end even if
	// the file grew, and a crash leaves at most this one record torn.
	crashpoint.Hit(crashpoint.FS)
	if n, err := t.f.Write(line); err != nil || n != len(line) {
		if err == nil {
			err = io.ErrShortWrite
		}
		t.broken = err
		return Record{}, fmt.Errorf("failed to append record %d to %q (the transcript may now end in a torn record): %w", rec.Seq, t.path, err)
	}
	if !t.dirSynced {
		if err := syncDir(t.dir); err != nil {
			t.broken = err
			return Record{}, err
		}
		t.dirSynced = true
	}
	if err := syncFile(t.f); err != nil {
		// After a failed fsync the kernel may have dropped the unwritten
		// pages and a second fsync would report success: never retry.
		t.broken = err
		return Record{}, fmt.Errorf("failed to sync record %d to %q: it may not be on disk: %w", rec.Seq, t.path, err)
	}
	t.records = append(t.records, rec)
	t.head = hashLine(line)
	t.noteStates(rec)
	return rec, nil
}

func (t *Transcript) noteStates(r Record) {
	for role, h := range r.States {
		t.last[role] = h
	}
}

// PutState stores a whole metadata file in the state store and returns its
// SHA-256, the name a record's States give it. The file is written
// atomically and fsync'd, with its directory, before PutState returns, so
// a record appended after it never names a state that a crash could lose.
// Storing the same bytes again is a no-op (after checking the stored copy).
func (t *Transcript) PutState(data []byte) (string, error) {
	return t.putPieces(pieces{data})
}

// putPieces is PutState of the bytes of data.
func (t *Transcript) putPieces(data pieces) (string, error) {
	hash, err := t.admitState(data)
	if err != nil {
		return "", err
	}
	return t.writeState(data, hash)
}

// admitState checks data may be stored (within the size limit, holding
// no private key), makes the state store, and names data by its SHA-256.
func (t *Transcript) admitState(data pieces) (string, error) {
	if size := data.size(); size > MaxStateSize {
		return "", fmt.Errorf("state is %d bytes, over the limit of %d", size, MaxStateSize)
	}
	if err := checkState(data); err != nil {
		return "", err
	}
	if err := atomicfile.MkdirAll(filepath.Join(t.dir, StatesDir), 0o755); err != nil {
		return "", err
	}
	return data.sum(), nil
}

// writeState writes data, which hashes to hash, into the state store.
func (t *Transcript) writeState(data pieces, hash string) (string, error) {
	p := t.statePath(hash)
	err := atomicfile.WriteNewParts(p, data, 0o644)
	if errors.Is(err, fs.ErrExist) {
		err = syncStored(p, hash)
	}
	if err != nil {
		return "", err
	}
	return hash, nil
}

// syncStored checks a state stored before and makes sure it is on disk: the
// process that stored it may have been killed before its fsyncs.
func syncStored(p, hash string) error {
	f, err := os.Open(p)
	if err != nil {
		return fmt.Errorf("failed to open stored state %q: %w", p, err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, io.LimitReader(f, MaxStateSize+1)); err != nil {
		return fmt.Errorf("failed to read stored state %q: %w", p, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != hash {
		return fmt.Errorf("stored state %q hashes to %s: the state store was changed", p, got)
	}
	if err := syncFile(f); err != nil {
		return fmt.Errorf("failed to sync stored state %q: %w", p, err)
	}
	return syncDir(filepath.Dir(p))
}

// State reads a stored state back and checks that it hashes to hash.
func (t *Transcript) State(hash string) ([]byte, error) {
	return readState(t.dir, hash)
}

// ReadState reads the state hash from the transcript directory dir,
// whole or rebuilt from its difference (statedelta.go), and checks that it
// hashes to hash.
func ReadState(dir, hash string) ([]byte, error) { return readState(dir, hash) }

func readState(dir, hash string) ([]byte, error) {
	return readStateFrom(dir, hash, func(hash string) ([]byte, error) { return readWhole(dir, hash) })
}

// readStateFrom is readState, where whole reads a whole stored state and
// checks it against its name (readWhole, or what a caller kept of it):
// the state itself, or the base of its difference.
func readStateFrom(dir, hash string, whole func(hash string) ([]byte, error)) ([]byte, error) {
	data, err := whole(hash)
	if !errors.Is(err, fs.ErrNotExist) {
		return data, err
	}
	d, derr := readDelta(dir, hash)
	if errors.Is(derr, fs.ErrNotExist) {
		return nil, err // neither: the whole state's error
	}
	if derr != nil {
		return nil, derr
	}
	if data, err = rebuild(hash, d, whole); err != nil {
		return nil, err
	}
	if got := Sum(data); got != hash {
		return nil, fmt.Errorf("state %s, rebuilt from its difference, hashes to %s: it was changed after it was stored", hash, got)
	}
	return data, nil
}

// readStateFile reads a file of the state store, at most limit bytes.
func readStateFile(p string, limit int) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("failed to read state: %w", err)
	}
	defer f.Close()
	var size int64
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		size = fi.Size()
	}
	if size > int64(limit) {
		return nil, fmt.Errorf("state %q is over the limit of %d bytes", p, limit)
	}
	data, err := bounded.ReadSized(f, size, int64(limit))
	switch {
	case errors.Is(err, bounded.ErrTooLarge):
		return nil, fmt.Errorf("state %q is over the limit of %d bytes", p, limit)
	case err != nil:
		return nil, fmt.Errorf("failed to read state %q: %w", p, err)
	}
	return data, nil
}

// readWhole reads states/HASH.json, a state stored whole.
func readWhole(dir, hash string) ([]byte, error) {
	if !isSHA256(hash) {
		return nil, fmt.Errorf("%q is not a SHA-256 in lowercase hex", hash)
	}
	p := filepath.Join(dir, StatesDir, hash+".json")
	data, err := readStateFile(p, MaxStateSize)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != hash {
		return nil, fmt.Errorf("state %q hashes to %s: it was changed after it was stored", p, got)
	}
	return data, nil
}

func (t *Transcript) statePath(hash string) string {
	return filepath.Join(t.dir, StatesDir, hash+".json")
}

// stateStored says whether the state is stored, whole or as a difference.
func (t *Transcript) stateStored(hash string) error {
	_, err := os.Stat(t.statePath(hash))
	if errors.Is(err, fs.ErrNotExist) {
		if _, derr := os.Stat(filepath.Join(t.dir, StatesDir, hash+DeltaSuffix)); derr == nil {
			return nil
		}
	}
	return err
}

// Records returns the records, in order. They share maps with the
// Transcript: do not modify them.
func (t *Transcript) Records() []Record {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Record(nil), t.records...)
}

// Head is the hash of the last record's line, "" for an empty transcript.
// Written down outside the transcript (read aloud, on the printed script,
// in the bundle), it is what makes the end of the transcript
// tamper-evident: see Anchor and Verify.
func (t *Transcript) Head() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.head
}

// Anchor is Head with the number of the record it is the hash of.
func (t *Transcript) Anchor() Anchor {
	t.mu.Lock()
	defer t.mu.Unlock()
	return Anchor{Seq: int64(len(t.records)), Hash: t.head}
}

// LastStates maps each role to the latest state a record gave it: what the
// workspace's metadata must hold (see the package documentation on crash
// safety).
func (t *Transcript) LastStates() map[string]string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[string]string, len(t.last))
	for k, v := range t.last {
		out[k] = v
	}
	return out
}

// Dir is the transcript's directory.
func (t *Transcript) Dir() string { return t.dir }

// Close releases the transcript (and its lock) and wipes the secret guard.
func (t *Transcript) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.guard.wipe()
	if t.f == nil {
		return nil
	}
	err := t.f.Close()
	t.f = nil
	return err
}

// orphanPiece is a torn record set aside in TornDir that no resume record
// names yet: a ResumeTorn was interrupted.
type orphanPiece struct {
	name string // TornDir/<seq>-<hash>.partial
	seq  int64
	hash string
	size int
}

func orphanPieces(dir string, records []Record) ([]orphanPiece, error) {
	entries, err := os.ReadDir(filepath.Join(dir, TornDir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("failed to read %q: %w", filepath.Join(dir, TornDir), err)
	}
	named := map[string]bool{}
	for _, r := range records {
		if r.Kind == Resume {
			for name := range r.Inputs {
				named[name] = true
			}
		}
	}
	var out []orphanPiece
	for _, e := range entries {
		name := TornDir + "/" + e.Name()
		seq, hash, ok := parseTornName(name)
		if !ok {
			if e.Name()[0] == '.' {
				continue // an atomicfile temporary file, left by a kill
			}
			return nil, fmt.Errorf("%q is not a torn piece: %s holds only what ResumeTorn sets aside", filepath.Join(dir, name), TornDir)
		}
		if named[name] {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, TornDir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("failed to read torn piece: %w", err)
		}
		if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != hash {
			return nil, fmt.Errorf("torn piece %q does not hash to its name: it was changed", filepath.Join(dir, name))
		}
		out = append(out, orphanPiece{name: name, seq: seq, hash: hash, size: len(data)})
	}
	return out, nil
}

// SealedAt is the sequence number of t's seal record, 0 if it is not
// sealed.
func (t *Transcript) SealedAt() int64 { return sealedAt(t.records) }

// sealedAt is the sequence number of the seal record, 0 if none.
func sealedAt(records []Record) int64 {
	for _, r := range records {
		if r.Kind == Seal {
			return r.Seq
		}
	}
	return 0
}

// AllowedAfterSeal reports whether r may follow a seal: a record that
// changes no state and carries no signature. A bundle record (its output
// is the bundle's hash):
// the bundle holds the sealed transcript, so the record of writing it can
// only come after. A refusal: a signature or note tried after the seal,
// which workspaces made before the tool stopped recording those hold. A
// resume: a record after the seal (a
// bundle's) was torn by an interruption, and is kept aside as any torn
// record is; without it a sealed workspace could never be bundled again.
func AllowedAfterSeal(r Record) bool {
	switch r.Kind {
	case Bundle:
		return len(r.States) == 0 && r.Signature == nil
	case Refusal, Resume:
		return len(r.States) == 0 && len(r.Outputs) == 0 && r.Signature == nil
	}
	return false
}
