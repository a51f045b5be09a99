package transcripts

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/tuf-ceremony/ceremony/internal/atomicfile"
	"github.com/tuf-ceremony/ceremony/internal/crashpoint"
)

// ResumeTorn opens a transcript whose last record is torn (Open returned a
// *TornError) so that work can go on, and says so in the transcript:
//
//  1. the torn bytes are copied, byte for byte, to TORN/<seq>-<sha256>.partial
//     (written atomically and fsync'd);
//  2. the transcript is cut back to its last whole record and fsync'd;
//  3. a Resume record by who is appended: its inputs name each piece set
//     aside ("torn/<seq>-<sha256>.partial" -> SHA-256), its message says
//     what happened.
//
// Each step can be interrupted and ResumeTorn run again: a piece already set
// aside is found and named by the record, so no torn byte is ever dropped
// without a record saying where it went. Verify checks every piece a
// resume record names and reports a piece no record names.
//
// ResumeTorn refuses a transcript that is whole (there is nothing to resume)
// or one whose records do not hold (*ChainError).
func ResumeTorn(dir, who string) (*Transcript, Record, error) {
	t, c, err := openChain(dir)
	if err != nil {
		return nil, Record{}, err
	}
	rec, err := t.resume(c, who)
	if err != nil {
		t.Close()
		return nil, Record{}, err
	}
	return t, rec, nil
}

func (t *Transcript) resume(c *chain, who string) (Record, error) {
	if c.bad != nil {
		return Record{}, &ChainError{Path: t.path, Problem: *c.bad}
	}
	if c.torn != nil {
		sum := sha256.Sum256(c.torn.data)
		name := tornName(c.torn.seq, hex.EncodeToString(sum[:]))
		if err := keepPiece(filepath.Join(t.dir, filepath.FromSlash(name)), c.torn.data); err != nil {
			return Record{}, err
		}
		crashpoint.Hit(crashpoint.FS)
		if err := t.f.Truncate(c.torn.offset); err != nil {
			return Record{}, fmt.Errorf("failed to cut the torn record off %q (it is kept in %s): %w", t.path, name, err)
		}
		if err := syncFile(t.f); err != nil {
			return Record{}, fmt.Errorf("failed to sync %q: %w", t.path, err)
		}
	}
	pieces, err := orphanPieces(t.dir, t.records)
	if err != nil {
		return Record{}, err
	}
	if len(pieces) == 0 {
		return Record{}, fmt.Errorf("transcript %s is whole: there is nothing to resume", t.path)
	}
	rec := Record{Kind: Resume, Who: who, Inputs: map[string]string{}}
	msg := "resumed after a crash:"
	for i, p := range pieces {
		rec.Inputs[p.name] = p.hash
		if i > 0 {
			msg += ";"
		}
		msg += fmt.Sprintf(" record %d was torn (%d bytes, kept as %s), so the step it recorded did not complete", p.seq, p.size, p.name)
	}
	rec.Message = msg
	return t.Append(rec)
}

// keepPiece writes a torn piece, or checks the copy an interrupted ResumeTorn
// wrote (atomically, so it is whole) and makes sure it is on disk.
func keepPiece(p string, data []byte) error {
	if err := atomicfile.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	err := atomicfile.WriteNew(p, data, 0o444)
	if errors.Is(err, fs.ErrExist) {
		sum := sha256.Sum256(data)
		return syncStored(p, hex.EncodeToString(sum[:]))
	}
	if err != nil {
		return fmt.Errorf("failed to set the torn record aside: %w", err)
	}
	return nil
}
