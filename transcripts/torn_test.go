package transcripts_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/transcripts"
)

// A write cut off at any byte of the last record is reported by Open and
// Verify as that record torn, naming it and where it starts, and the file
// is left exactly as it was.
func TestTornAtEveryOffset(t *testing.T) {
	base := t.TempDir()
	whole := filepath.Join(base, "whole")
	build(t, whole, 12)
	data := readFile(t, transcriptPath(whole))
	ls := lines(data)
	last := ls[len(ls)-1]
	start := len(data) - len(last)
	n := int64(len(ls))

	dir := filepath.Join(base, "cut")
	copyDir(t, whole, dir)
	for cut := start + 1; cut < len(data); cut++ {
		torn := data[:cut]
		overwrite(t, transcriptPath(dir), torn)

		_, err := transcripts.Open(dir)
		var te *transcripts.TornError
		if !errors.As(err, &te) {
			t.Fatalf("cut at %d: Open: %v, want a *TornError", cut, err)
		}
		if te.Seq != n || te.Offset != int64(start) || te.Size != cut-start || te.Kept != "" {
			t.Fatalf("cut at %d: %+v, want seq %d, offset %d, size %d", cut, te, n, start, cut-start)
		}
		for _, want := range []string{"record 12 is torn", "resume"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("cut at %d: %q does not say %q", cut, err, want)
			}
		}
		rep, err := transcripts.Verify(dir)
		if !errors.As(err, &te) || rep.FirstBad == nil || rep.FirstBad.Seq != n || len(rep.Records) != int(n-1) {
			t.Fatalf("cut at %d: Verify: %v, report %+v", cut, err, rep)
		}
		if got := readFile(t, transcriptPath(dir)); !bytes.Equal(got, torn) {
			t.Fatalf("cut at %d: the torn transcript was changed", cut)
		}
		if _, err := os.Stat(filepath.Join(dir, transcripts.TornDir)); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("cut at %d: Open or Verify made %s", cut, transcripts.TornDir)
		}
	}

	// A cut at a record boundary is a transcript whose last append never
	// started: whole, one record shorter (only an anchor shows the loss).
	dir = filepath.Join(base, "boundary")
	copyDir(t, whole, dir)
	writeFile(t, transcriptPath(dir), data[:start])
	if len(open(t, dir).Records()) != int(n-1) {
		t.Error("a cut at a record boundary did not open as the records before it")
	}
}

// A power cut can leave the unsynced end of a file as zeros, newline
// included or not: the last record is torn either way.
func TestTornZeros(t *testing.T) {
	base := t.TempDir()
	whole := filepath.Join(base, "whole")
	build(t, whole, 5)
	data := readFile(t, transcriptPath(whole))
	ls := lines(data)
	start := len(data) - len(ls[len(ls)-1])
	for name, tail := range map[string][]byte{
		"zeros":                 bytes.Repeat([]byte{0}, 300),
		"zeros then newline":    append(bytes.Repeat([]byte{0}, 300), '\n'),
		"zeroed middle":         append(append(append([]byte(nil), ls[len(ls)-1][:40]...), make([]byte, 50)...), ls[len(ls)-1][90:]...),
		"record cut, newline":   append(append([]byte(nil), ls[len(ls)-1][:100]...), '\n'),
		"whole record, no \\n ": ls[len(ls)-1][:len(ls[len(ls)-1])-1],
	} {
		dir := filepath.Join(base, strings.ReplaceAll(name, " ", "-"))
		copyDir(t, whole, dir)
		damaged := append(append([]byte(nil), data[:start]...), tail...)
		writeFile(t, transcriptPath(dir), damaged)
		_, err := transcripts.Open(dir)
		var te *transcripts.TornError
		if !errors.As(err, &te) || te.Seq != 5 || te.Offset != int64(start) {
			t.Errorf("%s: Open: %v, want record 5 torn at %d", name, err, start)
		}
		if !bytes.Equal(readFile(t, transcriptPath(dir)), damaged) {
			t.Errorf("%s: Open changed the file", name)
		}
	}
}

// A damaged record that is not the last is not torn (it was fsync'd before
// the next was written): it is a record that does not hold.
func TestInvalidJSONBeforeTheEndIsNotTorn(t *testing.T) {
	dir := t.TempDir()
	build(t, dir, 5)
	data := readFile(t, transcriptPath(dir))
	ls := lines(data)
	ls[2] = append(bytes.Repeat([]byte{0}, 20), '\n')
	writeFile(t, transcriptPath(dir), bytes.Join(ls, nil))
	_, err := transcripts.Open(dir)
	var ce *transcripts.ChainError
	if !errors.As(err, &ce) || ce.Seq != 3 || ce.Line != 3 {
		t.Fatalf("Open: %v, want record 3 not to hold", err)
	}
}

func TestResumeTorn(t *testing.T) {
	dir := t.TempDir()
	anchors := build(t, dir, 6)
	data := readFile(t, transcriptPath(dir))
	ls := lines(data)
	start := len(data) - len(ls[5])
	torn := data[:start+77]
	writeFile(t, transcriptPath(dir), torn)

	tr, rec, err := transcripts.ResumeTorn(dir, "operator")
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	piece := filepath.Join(transcripts.TornDir, "6-"+sha(torn[start:])+".partial")
	if rec.Kind != transcripts.Resume || rec.Seq != 6 || rec.Prev != anchors[4].Hash || rec.Who != "operator" {
		t.Errorf("resume record: %+v", rec)
	}
	if len(rec.Inputs) != 1 || rec.Inputs[filepath.ToSlash(piece)] != sha(torn[start:]) {
		t.Errorf("resume record names %v, want %s", rec.Inputs, piece)
	}
	if !strings.Contains(rec.Message, "record 6 was torn (77 bytes") {
		t.Errorf("resume message: %q", rec.Message)
	}
	if got := readFile(t, filepath.Join(dir, piece)); !bytes.Equal(got, torn[start:]) {
		t.Errorf("torn piece holds %q, want the torn bytes", got)
	}
	if got := readFile(t, transcriptPath(dir)); !bytes.HasPrefix(got, data[:start]) {
		t.Errorf("the whole records were changed")
	}
	appendRec(t, tr, transcripts.Record{Kind: transcripts.Note, Message: "redo of step 6 follows"})
	tr.Close()
	if _, err := transcripts.Verify(dir, anchors[:5]...); err != nil {
		t.Fatalf("Verify after resume: %v", err)
	}
	if _, _, err := transcripts.ResumeTorn(dir, "operator"); err == nil || !strings.Contains(err.Error(), "nothing to resume") {
		t.Errorf("ResumeTorn of a whole transcript: %v", err)
	}

	// The piece is evidence: changed or removed, Verify says so at the
	// resume record.
	p := filepath.Join(dir, piece)
	os.Chmod(p, 0o644)
	writeFile(t, p, []byte("{}"))
	if rep, err := transcripts.Verify(dir); err == nil || rep.FirstBad.Seq != 6 {
		t.Errorf("Verify with a changed torn piece: %v, %+v", err, rep)
	}
	os.Remove(p)
	if rep, err := transcripts.Verify(dir); err == nil || rep.FirstBad.Seq != 6 {
		t.Errorf("Verify with a removed torn piece: %v, %+v", err, rep)
	}
	if _, err := transcripts.Open(dir); err == nil {
		t.Error("Open with a removed torn piece succeeded")
	}
}

// ResumeTorn can be interrupted after any of its steps and run again: no
// torn byte is dropped without a record naming where it went.
func TestResumeInterrupted(t *testing.T) {
	base := t.TempDir()
	whole := filepath.Join(base, "whole")
	build(t, whole, 4)
	data := readFile(t, transcriptPath(whole))
	ls := lines(data)
	start := len(data) - len(ls[3])
	tornBytes := data[start : start+50]
	pieceName := "4-" + sha(tornBytes) + ".partial"

	setAside := func(dir string) {
		os.MkdirAll(filepath.Join(dir, transcripts.TornDir), 0o755)
		writeFile(t, filepath.Join(dir, transcripts.TornDir, pieceName), tornBytes)
	}

	// Killed after setting the piece aside, before cutting the file.
	dir := filepath.Join(base, "after-step-1")
	copyDir(t, whole, dir)
	writeFile(t, transcriptPath(dir), data[:start+50])
	setAside(dir)
	tr, rec, err := transcripts.ResumeTorn(dir, "op")
	if err != nil {
		t.Fatal(err)
	}
	tr.Close()
	if len(rec.Inputs) != 1 || rec.Inputs["torn/"+pieceName] == "" {
		t.Errorf("after step 1: resume names %v", rec.Inputs)
	}
	if _, err := transcripts.Verify(dir); err != nil {
		t.Errorf("after step 1: %v", err)
	}

	// Killed after cutting the file, before the resume record: Open and
	// Verify both report the piece no record names.
	dir = filepath.Join(base, "after-step-2")
	copyDir(t, whole, dir)
	writeFile(t, transcriptPath(dir), data[:start])
	setAside(dir)
	_, err = transcripts.Open(dir)
	var te *transcripts.TornError
	if !errors.As(err, &te) || te.Seq != 4 || !strings.HasSuffix(te.Kept, pieceName) {
		t.Fatalf("after step 2: Open: %v", err)
	}
	if rep, err := transcripts.Verify(dir); !errors.As(err, &te) || rep.FirstBad.Seq != 4 {
		t.Errorf("after step 2: Verify: %v, %+v", err, rep)
	}
	tr, rec, err = transcripts.ResumeTorn(dir, "op")
	if err != nil {
		t.Fatal(err)
	}
	if rec.Seq != 4 || rec.Inputs["torn/"+pieceName] != sha(tornBytes) {
		t.Errorf("after step 2: resume record %+v", rec)
	}

	// Killed while appending the resume record itself: the next ResumeTorn
	// names both pieces.
	tr.Close()
	resumed := readFile(t, transcriptPath(dir))
	rl := lines(resumed)
	resumeStart := len(resumed) - len(rl[len(rl)-1])
	// The first piece is still set aside, and no whole record names it now.
	writeFile(t, transcriptPath(dir), resumed[:resumeStart+30])
	tr, rec, err = transcripts.ResumeTorn(dir, "op")
	if err != nil {
		t.Fatal(err)
	}
	tr.Close()
	if len(rec.Inputs) != 2 {
		t.Errorf("second resume names %v, want the first torn record and the torn resume record", rec.Inputs)
	}
	if _, err := transcripts.Verify(dir); err != nil {
		t.Errorf("after two resumes: %v", err)
	}
}

// A file in torn/ that is not a piece is refused rather than ignored.
func TestStrangerInTornDir(t *testing.T) {
	dir := t.TempDir()
	build(t, dir, 2)
	os.MkdirAll(filepath.Join(dir, transcripts.TornDir), 0o755)
	writeFile(t, filepath.Join(dir, transcripts.TornDir, "notes.txt"), []byte("x"))
	if _, err := transcripts.Open(dir); err == nil {
		t.Error("Open succeeded")
	}
	if _, err := transcripts.Verify(dir); err == nil {
		t.Error("Verify succeeded")
	}
}
