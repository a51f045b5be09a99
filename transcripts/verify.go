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
	"strconv"
	"strings"
)

// Anchor is a record's hash as written down outside the transcript: read
// aloud and noted by a witness, printed on the ceremony script, carried in
// the bundle. A hash chain shows any change to a record in every record
// after it, but nothing comes after the last record: only an anchor shows
// that the end of a transcript was changed or cut off.
type Anchor struct {
	Seq int64
	// Hash is the record's hash, or a prefix of at least MinAnchorHex hex
	// digits (what fits on paper).
	Hash string
}

// MinAnchorHex is the shortest prefix of a hash an anchor may give: 64 bits.
const MinAnchorHex = 16

// String is SEQ:HASH, as ParseAnchor reads it.
func (a Anchor) String() string { return fmt.Sprintf("%d:%s", a.Seq, a.Hash) }

// ParseAnchor reads SEQ:HASH.
func ParseAnchor(s string) (Anchor, error) {
	num, hash, ok := strings.Cut(s, ":")
	seq, err := strconv.ParseInt(num, 10, 64)
	if !ok || err != nil || seq < 1 {
		return Anchor{}, fmt.Errorf("anchor %q: want SEQ:HASH, such as 12:3f1c0b9e4d7a21c8", s)
	}
	a := Anchor{Seq: seq, Hash: strings.ToLower(hash)}
	if err := a.check(); err != nil {
		return Anchor{}, err
	}
	return a, nil
}

func (a Anchor) check() error {
	if a.Seq < 1 || len(a.Hash) < MinAnchorHex || len(a.Hash) > 2*sha256.Size || !isLowerHex(a.Hash) {
		return fmt.Errorf("anchor %s: want a record number and at least %d lowercase hex digits of its hash", a, MinAnchorHex)
	}
	return nil
}

// Report is what Verify found.
type Report struct {
	// Path is the transcript file.
	Path string
	// Records are the records that hold, in order: all of them when
	// FirstBad is nil.
	Records []Record
	// Head is the hash of the last record that holds.
	Head string
	// States is the number of distinct states checked.
	States int
	// Anchors is the number of anchors matched.
	Anchors int
	// FirstBad is the first record that does not hold, nil if all do.
	FirstBad *Problem
}

// OK reports whether every record holds.
func (r *Report) OK() bool { return r.FirstBad == nil }

// Verify reads the transcript in dir and checks it, read-only and without
// taking its lock: every record's encoding and fields, the numbering from 1
// without gaps, each record's prev against the hash of the record before
// it, every state a record names (present, and hashing to its name), every
// torn piece a resume record names, that no record follows a seal, and
// each anchor given. It also reports a torn last record, and a torn piece
// that no resume record names.
//
// The report names the first record that does not hold. When a record's
// prev does not match, the records around it tell which of the two was
// changed (see scan). Without an anchor for the last record, a change to
// the last record's content cannot be seen, nor can records cut off the
// end: give the head written down at the ceremony.
//
// Verify returns the report and, if a record does not hold, a *ChainError
// or a *TornError; other errors mean the transcript could not be read.
// Verifying while a ceremony command appends may see the record being
// written as torn.
func Verify(dir string, anchors ...Anchor) (*Report, error) {
	return verify(dir, true, anchors)
}

// VerifyLeavingStates is Verify without reading the states the records
// name: for a caller that reads every one of them and checks it against
// its name itself, as a replay does (ceremony.Engine.Replay), so that a
// state of 77 MB is not read and hashed twice. Report.States is 0.
func VerifyLeavingStates(dir string) (*Report, error) {
	return verify(dir, false, nil)
}

func verify(dir string, checkStates bool, anchors []Anchor) (*Report, error) {
	p := filepath.Join(dir, FileName)
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("failed to read transcript: %w", err)
	}
	byseq := map[int64]string{}
	for _, a := range anchors {
		if err := a.check(); err != nil {
			return nil, err
		}
		if h, ok := byseq[a.Seq]; ok && h != a.Hash {
			return nil, fmt.Errorf("two anchors for record %d: %s and %s", a.Seq, h, a.Hash)
		}
		byseq[a.Seq] = a.Hash
	}
	states := map[string]string{} // hash -> why it does not hold
	c := scan(data, checks{
		anchors: byseq,
		state: func(hash string) string {
			if !checkStates {
				return ""
			}
			why, ok := states[hash]
			if !ok {
				why = checkStateFile(filepath.Join(dir, StatesDir, hash+".json"), hash, func(base string) bool {
					why, checked := states[base]
					return checked && why == ""
				})
				states[hash] = why
			}
			return why
		},
		piece: func(name, hash string) string { return checkPiece(dir, name, hash) },
	})
	rep := &Report{Path: p, Records: c.records, Head: c.head(), States: len(states)}
	for _, a := range anchors {
		if a.Seq <= int64(len(c.records)) {
			rep.Anchors++
		}
	}
	switch {
	case c.bad != nil:
		rep.FirstBad = c.bad
		return rep, &ChainError{Path: p, Problem: *c.bad}
	case c.torn != nil:
		rep.FirstBad = &Problem{Seq: c.torn.seq, Line: int(c.torn.seq), Offset: c.torn.offset,
			Reason: fmt.Sprintf("torn: its %d bytes are not a whole record (a write cut off by a crash)", len(c.torn.data))}
		return rep, &TornError{Path: p, Seq: c.torn.seq, Offset: c.torn.offset, Size: len(c.torn.data)}
	}
	n := int64(len(c.records))
	pieces, err := orphanPieces(dir, c.records)
	if err != nil {
		return rep, err
	}
	if len(pieces) > 0 {
		rep.FirstBad = &Problem{Seq: n + 1, Line: int(n + 1), Offset: c.end,
			Reason: fmt.Sprintf("record %d was torn and set aside in %s, but no resume record names it", pieces[0].seq, pieces[0].name)}
		return rep, &TornError{Path: p, Seq: pieces[0].seq, Offset: c.end, Size: pieces[0].size, Kept: filepath.Join(dir, pieces[0].name)}
	}
	var beyond *Anchor
	for i, a := range anchors {
		if a.Seq > n && (beyond == nil || a.Seq < beyond.Seq) {
			beyond = &anchors[i]
		}
	}
	if beyond != nil {
		rep.FirstBad = &Problem{Seq: n + 1, Line: int(n + 1), Offset: c.end,
			Reason: fmt.Sprintf("the transcript ends at record %d, but the head of record %d was written down (%s): records were cut off the end", n, beyond.Seq, beyond.Hash)}
		return rep, &ChainError{Path: p, Problem: *rep.FirstBad}
	}
	return rep, nil
}

func checkPiece(dir, name, hash string) string {
	if _, h, ok := parseTornName(name); !ok || h != hash {
		return fmt.Sprintf("%q is not the name of a torn piece with hash %s", name, hash)
	}
	data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Sprintf("torn piece %s is missing", name)
	}
	if err != nil {
		return err.Error()
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != hash {
		return fmt.Sprintf("torn piece %s does not hash to its name: it was changed", name)
	}
	return ""
}

// checkStateFile hashes a stored state as it reads it (a state can be tens
// of megabytes) and returns why it does not hold, or "". baseChecked says
// which whole states this verify has checked already: a difference from
// one of them does not hash its base again (sumDelta).
func checkStateFile(p, hash string, baseChecked func(base string) bool) string {
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		dir := filepath.Dir(filepath.Dir(p))
		if _, derr := os.Stat(filepath.Join(dir, StatesDir, hash+DeltaSuffix)); derr != nil {
			return fmt.Sprintf("state %s is not in %s", hash, StatesDir)
		}
		switch got, err := sumDelta(dir, hash, baseChecked); {
		case err != nil:
			return err.Error()
		case got != hash:
			return fmt.Sprintf("state %s, rebuilt from its difference, hashes to %s: it was changed after it was stored", hash, got)
		}
		return ""
	}
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(f, MaxStateSize+1))
	switch {
	case err != nil:
		return fmt.Sprintf("failed to read state %s: %v", hash, err)
	case n > MaxStateSize:
		return fmt.Sprintf("state %s is over the limit of %d bytes", hash, MaxStateSize)
	case hex.EncodeToString(h.Sum(nil)) != hash:
		return fmt.Sprintf("state %s does not hash to its name: it was changed after it was stored", hash)
	}
	return ""
}
