package transcripts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"strconv"
	"strings"
)

// Problem says which record of a transcript is the first that does not
// hold, and why.
type Problem struct {
	// Seq is the record's number; for a missing record, the number that is
	// missing.
	Seq int64
	// Line is the line of the file it was found on, from 1, and Offset the
	// byte offset where that line starts.
	Line   int
	Offset int64
	Reason string
}

// ChainError is returned by Open, ResumeTorn and Verify when a transcript does
// not hold: a record was changed, removed, moved or inserted, or a state it
// names is missing or changed.
type ChainError struct {
	Path string
	Problem
}

func (e *ChainError) Error() string {
	return fmt.Sprintf("transcript %s: record %d (line %d, offset %d) does not hold: %s; keep the transcript as it is, as evidence, and append nothing to it",
		e.Path, e.Seq, e.Line, e.Offset, e.Reason)
}

// TornError is returned by Open and Verify when the transcript ends in a
// record that was being written when the process was killed or the power
// went: its line has no newline, or is not JSON. The write of that record
// did not complete, so the step it was recording did not count as done.
//
// Nothing repairs a torn transcript by itself: the file is left byte for
// byte as it was. ResumeTorn sets the torn bytes aside as evidence and records
// that it did, so that work can go on.
type TornError struct {
	Path string
	// Seq is the number the torn record would have had.
	Seq int64
	// Offset is where the torn record starts, Size its length in bytes.
	Offset int64
	Size   int
	// Kept, if set, is the file an interrupted ResumeTorn set the torn bytes
	// aside in; the record saying so was not written yet.
	Kept string
}

func (e *TornError) Error() string {
	if e.Kept != "" {
		return fmt.Sprintf("transcript %s: record %d was torn by a crash; its %d bytes are set aside in %s, but the resume that did it was interrupted before recording it; resume again to record it",
			e.Path, e.Seq, e.Size, e.Kept)
	}
	return fmt.Sprintf("transcript %s: record %d is torn: its %d bytes from offset %d are not a whole record (a write cut off by a crash or power cut), so the step it recorded did not complete; the file was left as it is: resume to set the torn bytes aside as evidence and record that, then redo the step",
		e.Path, e.Seq, e.Size, e.Offset)
}

// tail is the torn end of a transcript.
type tail struct {
	seq    int64
	offset int64
	data   []byte
}

// chain is what a scan of the transcript's bytes found: the records that
// hold, in order, then either the end, a torn tail, or the first problem.
type chain struct {
	records []Record
	hashes  []string // hashes[i] is the hash of records[i]'s line
	offsets []int64  // offsets[i] is where records[i]'s line starts
	end     int64    // where the last record that holds ends
	torn    *tail
	bad     *Problem
}

func (c *chain) head() string {
	if len(c.hashes) == 0 {
		return ""
	}
	return c.hashes[len(c.hashes)-1]
}

// checks are the checks of a scan beyond the records' own bytes. Open checks
// that states exist, Verify that they hash right and that the anchors
// match.
type checks struct {
	// anchors maps a record number to its hash, or a prefix of it, as
	// written down outside the transcript.
	anchors map[int64]string
	// state returns why the state with this hash does not hold, or "".
	state func(hash string) string
	// piece returns why a torn piece a resume record names does not hold.
	piece func(name, hash string) string
}

// fail records the first problem, at record seq, and drops the records from
// seq on (seq may be the record before the one being read).
func (c *chain) fail(seq int64, reason string, args ...any) {
	i := int(seq - 1)
	p := &Problem{Seq: seq, Line: i + 1, Reason: fmt.Sprintf(reason, args...)}
	if i < len(c.offsets) {
		p.Offset = c.offsets[i]
		c.records, c.hashes, c.offsets = c.records[:i], c.hashes[:i], c.offsets[:i]
		c.end = p.Offset
	} else {
		p.Offset = c.end
	}
	c.bad = p
}

// scan reads a transcript's bytes and checks every record in order: its
// encoding and fields, its number, its link to the record before, the
// states and torn pieces it names, and any anchor for it.
//
// When a record's prev does not match the record before it, either that
// record or this record's prev was changed. The next record tells which: if
// it names this record's hash, this record is intact and the one before was
// changed; if not, this record was. For the last record, an anchor tells.
func scan(data []byte, ck checks) *chain {
	c := &chain{}
	off := 0
	for off < len(data) {
		seq := int64(len(c.records)) + 1
		nl := bytes.IndexByte(data[off:], '\n')
		if nl < 0 {
			c.torn = &tail{seq: seq, offset: int64(off), data: data[off:]}
			return c
		}
		end := off + nl + 1
		line := data[off:end]
		r, reason := parseLine(line)
		if reason != "" {
			// Only the last record can be caught by a crash mid-write (every
			// record before it was fsync'd before the next was written), and
			// a write cut short is never valid JSON.
			if end == len(data) && !json.Valid(line) {
				c.torn = &tail{seq: seq, offset: int64(off), data: line}
				return c
			}
			c.fail(seq, "%s", reason)
			return c
		}
		sum := hashLine(line)
		switch {
		case r.Seq != seq && r.Seq > 0 && r.Prev == c.head():
			// In its place in the chain, under another number.
			c.fail(seq, "seq is %d, want %d: the record's number was changed", r.Seq, seq)
			return c
		case r.Seq > seq:
			c.fail(seq, "record %d is missing or out of place: line %d holds record %d", seq, seq, r.Seq)
			return c
		case r.Seq < 1:
			c.fail(seq, "seq %d is not a record number", r.Seq)
			return c
		case r.Seq < seq:
			reason := fmt.Sprintf("line %d holds record %d again, after record %d: records were repeated or inserted", seq, r.Seq, seq-1)
			if r.Prev == c.prevOf(r.Seq) {
				reason = fmt.Sprintf("record %d appears twice, on lines %d and %d, each following record %d: one of them was inserted", r.Seq, r.Seq, seq, r.Seq-1)
			}
			c.fail(seq, "%s", reason)
			c.bad.Seq = r.Seq
			return c
		}
		if r.Prev != c.head() {
			if seq == 1 {
				c.fail(seq, "prev is %q, want \"\" for the first record", r.Prev)
				return c
			}
			c.failLink(data[end:], seq, sum, r.Prev, ck)
			return c
		}
		if at := sealedAt(c.records); at > 0 && !AllowedAfterSeal(r) {
			c.fail(seq, "record %d follows the seal (record %d): only bundle, refusal and resume records, which change nothing, follow a seal", seq, at)
			return c
		}
		if ck.state != nil {
			for _, role := range sortedKeys(r.States) {
				if why := ck.state(r.States[role]); why != "" {
					c.fail(seq, "states[%q]: %s", role, why)
					return c
				}
			}
		}
		if r.Kind == Resume && ck.piece != nil {
			for _, name := range sortedKeys(r.Inputs) {
				if strings.HasPrefix(name, TornDir+"/") {
					if why := ck.piece(name, r.Inputs[name]); why != "" {
						c.fail(seq, "inputs[%q]: %s", name, why)
						return c
					}
				}
			}
		}
		if a, ok := ck.anchors[seq]; ok && !strings.HasPrefix(sum, a) {
			c.fail(seq, "record %d hashes to %s, not to the %s written down for it: it, or a record before it, was changed (and the records after it chained again)", seq, sum, a)
			return c
		}
		c.records = append(c.records, r)
		c.hashes = append(c.hashes, sum)
		c.offsets = append(c.offsets, int64(off))
		c.end = int64(end)
		off = end
	}
	return c
}

// prevOf is the prev record seq must have: the hash of record seq-1.
func (c *chain) prevOf(seq int64) string {
	if seq <= 1 || int(seq-1) > len(c.hashes) {
		return ""
	}
	return c.hashes[seq-2]
}

// failLink reports a record seq whose prev is not the hash of record seq-1,
// naming the record that was changed where the next record (in rest) or an
// anchor tells which.
func (c *chain) failLink(rest []byte, seq int64, sum, prev string, ck checks) {
	before := c.head()
	confirmed, by := 0, ""
	if nl := bytes.IndexByte(rest, '\n'); nl >= 0 {
		if next, why := parseLine(rest[:nl+1]); why == "" {
			confirmed, by = -1, fmt.Sprintf("record %d", next.Seq)
			if next.Prev == sum {
				confirmed = 1
			}
		}
	} else if len(rest) == 0 {
		if a, ok := ck.anchors[seq]; ok {
			confirmed, by = -1, "the head written down for it"
			if strings.HasPrefix(sum, a) {
				confirmed = 1
			}
		}
	}
	switch confirmed {
	case 1:
		c.fail(seq-1, "record %d hashes to %s, but record %d (itself confirmed by %s) says the record before it hashed to %s: record %d was changed after it was written",
			seq-1, before, seq, by, prev, seq-1)
	case -1:
		c.fail(seq, "prev %s is not the hash %s of record %d, and this record's own hash is not what %s holds: record %d was changed after it was written",
			prev, before, seq-1, by, seq)
	default:
		c.fail(seq-1, "record %d hashes to %s, but record %d says the record before it hashed to %s: record %d was changed, or record %d's prev was; nothing after record %d tells which (check it against the head written down at the ceremony)",
			seq-1, before, seq, prev, seq-1, seq, seq)
	}
}

// tornName is the name of a torn piece in TornDir: the number the torn
// record would have had and the SHA-256 of its bytes.
func tornName(seq int64, hash string) string {
	return fmt.Sprintf("%s/%d-%s.partial", TornDir, seq, hash)
}

// parseTornName reads a name made by tornName.
func parseTornName(name string) (seq int64, hash string, ok bool) {
	dir, base := path.Split(name)
	if dir != TornDir+"/" {
		return 0, "", false
	}
	num, rest, found := strings.Cut(base, "-")
	hash, found2 := strings.CutSuffix(rest, ".partial")
	if !found || !found2 || !isSHA256(hash) {
		return 0, "", false
	}
	seq, err := strconv.ParseInt(num, 10, 64)
	if err != nil || seq < 1 || strconv.FormatInt(seq, 10) != num {
		return 0, "", false
	}
	return seq, hash, true
}
