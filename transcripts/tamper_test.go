package transcripts_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/transcripts"
)

// tamperFixture is a transcript built once per test, and the anchors noted
// after each append.
type tamperFixture struct {
	dir     string
	data    []byte
	lines   [][]byte
	starts  []int // starts[i] is where line i+1 starts
	anchors []transcripts.Anchor
}

func newTamperFixture(t *testing.T, n int) *tamperFixture {
	t.Helper()
	f := &tamperFixture{dir: filepath.Join(t.TempDir(), "whole")}
	f.anchors = build(t, f.dir, n)
	f.data = readFile(t, transcriptPath(f.dir))
	f.lines = lines(f.data)
	off := 0
	for _, l := range f.lines {
		f.starts = append(f.starts, off)
		off += len(l)
	}
	if _, err := transcripts.Verify(f.dir, f.anchors...); err != nil {
		t.Fatalf("the untouched transcript does not verify: %v", err)
	}
	return f
}

// lineOf is the record (line, from 1) holding byte p.
func (f *tamperFixture) lineOf(p int) int64 {
	for i := len(f.starts) - 1; i >= 0; i-- {
		if p >= f.starts[i] {
			return int64(i + 1)
		}
	}
	return 0
}

// verify writes data as the transcript of a copy of the fixture (states
// shared) and verifies it.
func (f *tamperFixture) verify(t *testing.T, data []byte, anchors ...transcripts.Anchor) (*transcripts.Report, error) {
	t.Helper()
	dir := filepath.Join(filepath.Dir(f.dir), "tampered")
	if _, err := os.Stat(dir); err != nil {
		copyDir(t, f.dir, dir)
	}
	overwrite(t, transcriptPath(dir), data)
	return transcripts.Verify(dir, anchors...)
}

// overwrite writes data over the file at path in place: creating or
// truncating a file costs a hundred times more here, and the tests write
// tens of thousands of damaged copies.
func overwrite(t *testing.T, path string, data []byte) {
	t.Helper()
	fd, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer fd.Close()
	if _, err := fd.WriteAt(data, 0); err != nil {
		t.Fatal(err)
	}
	if fi, err := fd.Stat(); err != nil || fi.Size() != int64(len(data)) {
		if err := fd.Truncate(int64(len(data))); err != nil {
			t.Fatal(err)
		}
	}
}

func firstBad(t *testing.T, what string, rep *transcripts.Report, err error) int64 {
	t.Helper()
	var ce *transcripts.ChainError
	var te *transcripts.TornError
	if !errors.As(err, &ce) && !errors.As(err, &te) {
		t.Fatalf("%s: Verify: %v, want a *ChainError or *TornError", what, err)
	}
	if rep == nil || rep.FirstBad == nil {
		t.Fatalf("%s: Verify failed (%v) without naming a record", what, err)
	}
	return rep.FirstBad.Seq
}

// Flipping any bit pattern of any byte is found and pinned on the record
// holding the byte, given the head noted at the end (what the seal puts in
// the bundle), and given the heads noted after every step.
func TestTamperEveryByte(t *testing.T) {
	f := newTamperFixture(t, 12)
	head := f.anchors[len(f.anchors)-1]
	n := int64(len(f.lines))
	cases := 0
	for p := range f.data {
		for _, mask := range []byte{0x01, 0x04} {
			data := bytes.Clone(f.data)
			data[p] ^= mask
			want := f.lineOf(p)
			for _, anchors := range [][]transcripts.Anchor{{head}, f.anchors} {
				rep, err := f.verify(t, data, anchors...)
				if got := firstBad(t, "byte", rep, err); got != want {
					t.Fatalf("byte %d (line %d) ^ %#x, %d anchors: first bad record %d, want %d: %s",
						p, want, mask, len(anchors), got, want, rep.FirstBad.Reason)
				}
				if len(rep.Records) != int(want-1) {
					t.Fatalf("byte %d ^ %#x: %d records hold, want %d", p, mask, len(rep.Records), want-1)
				}
				cases++
			}
		}
	}
	t.Logf("%d damaged transcripts, %d bytes, %d records", cases, len(f.data), n)
}

// Without any anchor, the chain alone pins every change before the last
// record; a change to the last record's content cannot be seen (nothing
// follows it), which is why the head is written down.
func TestTamperWithoutAnchor(t *testing.T) {
	f := newTamperFixture(t, 12)
	n := int64(len(f.lines))
	unseen := 0
	for p := range f.data {
		data := bytes.Clone(f.data)
		data[p] ^= 0x01
		want := f.lineOf(p)
		rep, err := f.verify(t, data)
		if want < n {
			if got := firstBad(t, "byte", rep, err); got != want {
				t.Fatalf("byte %d (line %d): first bad record %d, want %d: %s", p, want, got, want, rep.FirstBad.Reason)
			}
			continue
		}
		if err == nil {
			unseen++
			continue
		}
		// The last record's prev changed: record n-1 or record n, and the
		// reason says nothing tells which.
		if got := firstBad(t, "byte", rep, err); got != n && got != n-1 {
			t.Fatalf("byte %d (last line): first bad record %d, want %d or %d", p, got, n-1, n)
		}
	}
	if unseen == 0 {
		t.Error("every change to the last record was seen without an anchor: then the documentation is wrong")
	}
}

func TestDeleteRecord(t *testing.T) {
	f := newTamperFixture(t, 10)
	n := int64(len(f.lines))
	for k := int64(1); k <= n; k++ {
		var data []byte
		for i, l := range f.lines {
			if int64(i+1) != k {
				data = append(data, l...)
			}
		}
		rep, err := f.verify(t, data, f.anchors[n-1])
		if got := firstBad(t, "delete", rep, err); got != k {
			t.Errorf("record %d deleted: first bad record %d, want %d: %s", k, got, k, rep.FirstBad.Reason)
		}
	}
	// Cutting records off the end is seen only against the head.
	data := f.data[:f.starts[n-2]]
	if _, err := f.verify(t, data); err != nil {
		t.Errorf("two records cut off, no anchor: %v (the chain alone cannot see this)", err)
	}
	rep, err := f.verify(t, data, f.anchors[n-1])
	if got := firstBad(t, "cut", rep, err); got != n-1 {
		t.Errorf("two records cut off: first bad record %d, want %d", got, n-1)
	}
}

func TestSwapRecords(t *testing.T) {
	f := newTamperFixture(t, 10)
	n := len(f.lines)
	for k := 1; k < n; k++ {
		ls := append([][]byte(nil), f.lines...)
		ls[k-1], ls[k] = ls[k], ls[k-1]
		rep, err := f.verify(t, bytes.Join(ls, nil))
		if got := firstBad(t, "swap", rep, err); got != int64(k) {
			t.Errorf("records %d and %d swapped: first bad record %d, want %d: %s", k, k+1, got, k, rep.FirstBad.Reason)
		}
	}
}

// forge encodes a record as Append would (the forger has the source).
func forge(t *testing.T, r transcripts.Record) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestInsertForgedRecord(t *testing.T) {
	f := newTamperFixture(t, 10)
	n := len(f.lines)
	for k := 1; k < n; k++ {
		// A record that claims to be record k+1, chained to record k.
		forged := forge(t, transcripts.Record{Kind: transcripts.Note, Seq: int64(k + 1), Prev: sha(f.lines[k-1]), Time: t0, Message: "all keys verified"})
		ls := append(append(append([][]byte(nil), f.lines[:k]...), forged), f.lines[k:]...)
		rep, err := f.verify(t, bytes.Join(ls, nil))
		if got := firstBad(t, "insert", rep, err); got != int64(k+1) || !strings.Contains(rep.FirstBad.Reason, "appears twice") {
			t.Errorf("forged record %d inserted: first bad record %d, want %d, appearing twice: %s", k+1, got, k+1, rep.FirstBad.Reason)
		}

		// A forger who also numbers and chains every later record again
		// makes a transcript the chain alone accepts; the heads noted at
		// the ceremony do not match from the forged record on.
		var out [][]byte
		prev := ""
		for i, l := range ls {
			var r transcripts.Record
			if err := json.Unmarshal(l, &r); err != nil {
				t.Fatal(err)
			}
			r.Seq, r.Prev = int64(i+1), prev
			line := forge(t, r)
			out = append(out, line)
			prev = sha(line)
		}
		data := bytes.Join(out, nil)
		if _, err := f.verify(t, data); err != nil {
			t.Fatalf("re-chained forgery: %v (expected the chain alone to accept it)", err)
		}
		rep, err = f.verify(t, data, f.anchors...)
		if got := firstBad(t, "re-chained insert", rep, err); got != int64(k+1) {
			t.Errorf("re-chained forgery at %d, every head noted: first bad record %d, want %d: %s", k+1, got, k+1, rep.FirstBad.Reason)
		}
		rep, err = f.verify(t, data, f.anchors[n-1])
		if got := firstBad(t, "re-chained insert", rep, err); got != int64(n) {
			t.Errorf("re-chained forgery at %d, final head noted: first bad record %d, want %d", k+1, got, n)
		}
	}
}

// A state changed or removed after it was stored is pinned on the first
// record naming it.
func TestEditState(t *testing.T) {
	f := newTamperFixture(t, 12)
	first := map[string]int64{}
	for i, l := range f.lines {
		var r transcripts.Record
		if err := json.Unmarshal(l, &r); err != nil {
			t.Fatal(err)
		}
		for _, h := range r.States {
			if _, ok := first[h]; !ok {
				first[h] = int64(i + 1)
			}
		}
	}
	if len(first) < 3 {
		t.Fatalf("fixture names only %d states", len(first))
	}
	for h, want := range first {
		dir := filepath.Join(t.TempDir(), "t")
		copyDir(t, f.dir, dir)
		p := filepath.Join(dir, transcripts.StatesDir, h+".json")
		b := readFile(t, p)
		b[len(b)/2] ^= 0x01
		writeFile(t, p, b)
		rep, err := transcripts.Verify(dir)
		if got := firstBad(t, "state", rep, err); got != want {
			t.Errorf("state %s changed: first bad record %d, want %d", h[:12], got, want)
		}
		os.Remove(p)
		rep, err = transcripts.Verify(dir)
		if got := firstBad(t, "state", rep, err); got != want {
			t.Errorf("state %s removed: first bad record %d, want %d", h[:12], got, want)
		}
		// Open checks that states are there (Verify hashes them).
		_, err = transcripts.Open(dir)
		var ce *transcripts.ChainError
		if !errors.As(err, &ce) || ce.Seq != want {
			t.Errorf("state %s removed: Open: %v", h[:12], err)
		}
	}
}

// Re-encoding a record (the same content, other bytes) is a change.
func TestReencodedRecord(t *testing.T) {
	f := newTamperFixture(t, 6)
	for k := range f.lines {
		var v map[string]any
		if err := json.Unmarshal(f.lines[k], &v); err != nil {
			t.Fatal(err)
		}
		indented, err := json.MarshalIndent(v, "", "")
		if err != nil {
			t.Fatal(err)
		}
		ls := append([][]byte(nil), f.lines...)
		ls[k] = append(bytes.ReplaceAll(indented, []byte("\n"), []byte(" ")), '\n')
		rep, err := f.verify(t, bytes.Join(ls, nil))
		if got := firstBad(t, "re-encoded", rep, err); got != int64(k+1) {
			t.Errorf("record %d re-encoded: first bad record %d: %s", k+1, got, rep.FirstBad.Reason)
		}
	}
}
