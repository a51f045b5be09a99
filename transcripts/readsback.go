package transcripts

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// readsBack says why the difference d, just stored as the state hash, does
// not give data back from what is on disk, or nil when it does. base is the
// state data follows and baseData its bytes, which hash to base (deltaFrom
// checked them).
//
// It compares bytes rather than hashing the state rebuilt: for a claims
// ceremony's signature, readsBack itself reads claimed's 77 MB once and
// hashes them at most once, where the check it replaces hashed them
// twice. When d's base is base itself, the file must hold
// baseData, byte for byte (so it hashes to its name, as baseData does),
// and d was taken from data and baseData. When base is itself a
// difference, d's base is the whole state base follows: that file must
// hash to its name, and hold data's first d.Prefix and last d.Suffix
// bytes where d takes them from it.
func (d *stateDelta) readsBack(dir, hash string, data pieces, base string, baseData []byte) error {
	stored, err := readDelta(dir, hash)
	if err != nil {
		return err
	}
	if stored.Base != d.Base || stored.Prefix != d.Prefix || stored.Suffix != d.Suffix || !bytes.Equal(stored.Middle, d.Middle) {
		return fmt.Errorf("state %s: its difference does not read back as written", hash)
	}
	f, err := os.Open(filepath.Join(dir, StatesDir, d.Base+".json"))
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	size := fi.Size()
	if err := d.fits(size, hash); err != nil {
		return err
	}
	whole := d.Base == base
	if whole && size != int64(len(baseData)) {
		return fmt.Errorf("state %s: its base %s is %d bytes on disk, not the %d it was made from", hash, d.Base, size, len(baseData))
	}
	sum := sha256.New()
	buf := make([]byte, 1<<20)
	for off := int64(0); off < size; {
		n, err := io.ReadFull(f, buf[:min(int64(len(buf)), size-off)])
		if err != nil {
			return fmt.Errorf("failed to read state %s: %w", d.Base, err)
		}
		chunk := buf[:n]
		if whole {
			if !bytes.Equal(chunk, baseData[off:off+int64(n)]) {
				return fmt.Errorf("state %s: its base %s on disk is not what it was made from", hash, d.Base)
			}
		} else {
			sum.Write(chunk)
			if !sameWhereTaken(chunk, off, size, data, d) {
				return fmt.Errorf("state %s: its base %s on disk does not hold what the difference takes from it", hash, d.Base)
			}
		}
		off += int64(n)
	}
	if !whole {
		if got := hex.EncodeToString(sum.Sum(nil)); got != d.Base {
			return fmt.Errorf("state %s is stored as a difference from %s, which hashes to %s", hash, d.Base, got)
		}
	}
	return nil
}

// sameWhereTaken says whether chunk, the base's bytes from off in a base of
// size bytes, holds data's bytes wherever d takes them from the base: its
// first d.Prefix bytes, and its last d.Suffix.
func sameWhereTaken(chunk []byte, off, size int64, data pieces, d *stateDelta) bool {
	end := off + int64(len(chunk))
	if p := int64(d.Prefix); off < p {
		to := min(end, p)
		if !data.equalAt(int(off), chunk[:to-off]) {
			return false
		}
	}
	if from := size - int64(d.Suffix); end > from {
		at := max(off, from)
		// The base's byte at is data's at its size less (size-at).
		if !data.equalAt(data.size()-int(size-at), chunk[at-off:]) {
			return false
		}
	}
	return true
}
