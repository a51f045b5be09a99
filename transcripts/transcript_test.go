package transcripts_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tuf-ceremony/ceremony/transcripts"
)

func TestAppendReopenRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "transcript")
	tr := create(t, dir)
	var sealed []transcripts.Record
	for i := range 23 {
		sealed = append(sealed, sample(t, tr, i))
	}
	head := tr.Head()
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}

	data := readFile(t, transcriptPath(dir))
	ls := lines(data)
	if len(ls) != len(sealed) {
		t.Fatalf("%d lines, want %d", len(ls), len(sealed))
	}
	prev := ""
	for i, l := range ls {
		r := sealed[i]
		if r.Seq != int64(i+1) {
			t.Errorf("record %d: seq %d", i+1, r.Seq)
		}
		if r.Prev != prev {
			t.Errorf("record %d: prev %s, want the SHA-256 of line %d, %s", i+1, r.Prev, i, prev)
		}
		if want := t0.Add(time.Duration(i+1) * time.Second).Truncate(time.Microsecond); !r.Time.Equal(want) || r.Time.Location() != time.UTC {
			t.Errorf("record %d: time %v, want %v UTC", i+1, r.Time, want)
		}
		if l[len(l)-1] != '\n' || bytes.Count(l, []byte("\n")) != 1 {
			t.Errorf("line %d is not one line ending in a newline: %q", i+1, l)
		}
		checkSortedCompact(t, l)
		prev = sha(l) // what `sed -n Np transcript.jsonl | sha256sum` prints
	}
	if head != prev {
		t.Errorf("Head() = %s, want the SHA-256 of the last line, %s", head, prev)
	}

	tr = open(t, dir)
	if got := tr.Records(); !reflect.DeepEqual(got, sealed) {
		t.Errorf("records after reopening differ from those Append returned:\n got %+v\nwant %+v", got, sealed)
	}
	if tr.Head() != head {
		t.Errorf("Head() after reopening = %s, want %s", tr.Head(), head)
	}
	next := appendRec(t, tr, transcripts.Record{Kind: transcripts.Seal, Who: "carol"})
	if next.Seq != 24 || next.Prev != head {
		t.Errorf("record appended after reopening: seq %d prev %s, want 24 and %s", next.Seq, next.Prev, head)
	}
	for _, r := range sealed {
		for role, h := range r.States {
			b, err := tr.State(h)
			if err != nil {
				t.Fatalf("State(%s) for %s: %v", h, role, err)
			}
			if sha(b) != h {
				t.Fatalf("State(%s) returned bytes hashing to %s", h, sha(b))
			}
		}
	}
	rep, err := transcripts.Verify(dir, tr.Anchor())
	if err != nil || !rep.OK() || len(rep.Records) != 24 || rep.Head != tr.Head() || rep.Anchors != 1 {
		t.Fatalf("Verify: %v, report %+v", err, rep)
	}
	if rep.States == 0 {
		t.Errorf("Verify checked no states")
	}
}

// checkSortedCompact checks that a line is compact JSON whose object keys
// are sorted at every level: the one encoding a record has.
func checkSortedCompact(t *testing.T, line []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, line[:len(line)-1]); err != nil {
		t.Fatalf("line %q: %v", line, err)
	}
	if !bytes.Equal(buf.Bytes(), line[:len(line)-1]) {
		t.Errorf("line is not compact JSON: %q", line)
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	var walk func() string
	walk = func() string {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		if tok == json.Delim('{') {
			last := ""
			for dec.More() {
				k, _ := dec.Token()
				key := k.(string)
				if last != "" && key <= last {
					t.Errorf("keys %q then %q are not sorted in %q", last, key, line)
				}
				last = key
				walk()
			}
			dec.Token()
		} else if tok == json.Delim('[') {
			for dec.More() {
				walk()
			}
			dec.Token()
		}
		return ""
	}
	walk()
}

// An example line, so that the format the package documents is the format
// written.
func TestRecordLineExample(t *testing.T) {
	dir := t.TempDir()
	tr := create(t, dir)
	defer tr.Close()
	tr.SetClock(func() time.Time { return time.Date(2026, 3, 14, 9, 26, 53, 589793000, time.FixedZone("CET", 3600)) })
	h, err := tr.PutState([]byte(`{"signatures":[],"signed":{"_type":"root","version":1}}`))
	if err != nil {
		t.Fatal(err)
	}
	appendRec(t, tr, transcripts.Record{
		Kind: transcripts.Sign, Who: "alice",
		Device:    &transcripts.Device{Kind: transcripts.DeviceYubiKey, Model: "YubiKey 5C NFC", Serial: "19088743", Firmware: "5.7.1"},
		Inputs:    map[string]string{"root": strings.Repeat("ab", 32)},
		States:    map[string]string{"root": h},
		Signature: &transcripts.Signature{Role: "root", KeyID: strings.Repeat("2f", 32), Sig: "3045022100aa"},
	})
	want := `{"device":{"firmware":"5.7.1","kind":"yubikey","model":"YubiKey 5C NFC","serial":"19088743"},` +
		`"inputs":{"root":"` + strings.Repeat("ab", 32) + `"},"kind":"sign","prev":"","seq":1,` +
		`"signature":{"keyid":"` + strings.Repeat("2f", 32) + `","role":"root","sig":"3045022100aa"},` +
		`"states":{"root":"` + h + `"},"time":"2026-03-14T08:26:53.589793Z","who":"alice"}` + "\n"
	if got := string(readFile(t, transcriptPath(dir))); got != want {
		t.Errorf("line:\n got %s\nwant %s", got, want)
	}
}

func TestAppendRefusesBadRecordsAndWritesNothing(t *testing.T) {
	dir := t.TempDir()
	tr := create(t, dir)
	defer tr.Close()
	sample(t, tr, 0)
	before := readFile(t, transcriptPath(dir))
	h := strings.Repeat("0", 64)
	for name, r := range map[string]transcripts.Record{
		"seq set":             {Kind: transcripts.Note, Seq: 7},
		"prev set":            {Kind: transcripts.Note, Prev: h},
		"time set":            {Kind: transcripts.Note, Time: t0},
		"no kind":             {Message: "x"},
		"unknown kind":        {Kind: "sign-all"},
		"input not a hash":    {Kind: transcripts.Note, Inputs: map[string]string{"plan": "abc"}},
		"input in upper case": {Kind: transcripts.Note, Inputs: map[string]string{"plan": strings.ToUpper(sha([]byte("x")))}},
		"empty output name":   {Kind: transcripts.Note, Outputs: map[string]string{"": h}},
		"state not stored":    {Kind: transcripts.Sign, States: map[string]string{"root": sha([]byte("never stored"))}},
		"bad device kind":     {Kind: transcripts.Sign, Device: &transcripts.Device{Kind: "usb"}},
		"signature not hex":   {Kind: transcripts.Sign, Signature: &transcripts.Signature{Role: "root", KeyID: "k", Sig: "MEUCIQ=="}},
		"signature no role":   {Kind: transcripts.Sign, Signature: &transcripts.Signature{KeyID: "k", Sig: "00"}},
		"invalid UTF-8":       {Kind: transcripts.Note, Message: "caf\xe9"},
		"too large":           {Kind: transcripts.Note, Message: strings.Repeat("x", transcripts.MaxRecordSize)},
	} {
		if _, err := tr.Append(r); err == nil {
			t.Errorf("%s: Append succeeded", name)
		}
	}
	if got := readFile(t, transcriptPath(dir)); !bytes.Equal(got, before) {
		t.Errorf("refused appends changed the transcript")
	}
	if r := appendRec(t, tr, transcripts.Record{Kind: transcripts.Note, Message: "ok"}); r.Seq != 2 {
		t.Errorf("next record has seq %d, want 2", r.Seq)
	}
}

func TestNothingAfterSeal(t *testing.T) {
	dir := t.TempDir()
	tr := create(t, dir)
	appendRec(t, tr, transcripts.Record{Kind: transcripts.Init})
	appendRec(t, tr, transcripts.Record{Kind: transcripts.Seal})
	if _, err := tr.Append(transcripts.Record{Kind: transcripts.Note, Message: "late"}); err == nil {
		t.Fatal("Append after a seal succeeded")
	}
	tr.Close()
	// Nor can a record be slipped in after the seal by hand.
	ls := lines(readFile(t, transcriptPath(dir)))
	late := fmt.Sprintf(`{"kind":"note","prev":"%s","seq":3,"time":"2026-03-14T09:27:00Z"}`+"\n", sha(ls[1]))
	writeFile(t, transcriptPath(dir), append(bytes.Join(ls, nil), late...))
	rep, err := transcripts.Verify(dir)
	var ce *transcripts.ChainError
	if !errors.As(err, &ce) || rep.FirstBad.Seq != 3 {
		t.Fatalf("Verify: %v, report %+v; want record 3 not to hold", err, rep)
	}
}

// Every Append syncs the file after writing the line and before returning,
// and syncs the directory the first time; Create syncs both.
func TestAppendSyncs(t *testing.T) {
	dir := t.TempDir()
	var events []string
	restore := transcripts.SetSyncHooks(
		func(f *os.File) error {
			fi, err := f.Stat()
			if err != nil {
				return err
			}
			events = append(events, fmt.Sprintf("file %d", fi.Size()))
			return transcripts.RealSyncFile(f)
		},
		func(d string) error {
			events = append(events, "dir "+filepath.Base(d))
			return transcripts.RealSyncDir(d)
		})
	defer restore()

	tr, err := transcripts.Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"file 0", "dir " + filepath.Base(dir)}; !reflect.DeepEqual(events, want) {
		t.Errorf("Create synced %q, want %q", events, want)
	}
	events = nil
	for i := range 3 {
		appendRec(t, tr, transcripts.Record{Kind: transcripts.Note, Message: fmt.Sprint(i)})
	}
	tr.Close()
	sizes := []int{}
	size := 0
	for _, l := range lines(readFile(t, transcriptPath(dir))) {
		size += len(l)
		sizes = append(sizes, size)
	}
	want := []string{fmt.Sprintf("file %d", sizes[0]), fmt.Sprintf("file %d", sizes[1]), fmt.Sprintf("file %d", sizes[2])}
	if !reflect.DeepEqual(events, want) {
		t.Errorf("appends synced %q, want %q (one file sync per append, after its line)", events, want)
	}

	events = nil
	tr = open(t, dir)
	appendRec(t, tr, transcripts.Record{Kind: transcripts.Note})
	appendRec(t, tr, transcripts.Record{Kind: transcripts.Note})
	if len(events) != 3 || events[0] != "dir "+filepath.Base(dir) {
		t.Errorf("after Open, two appends synced %q, want the directory once, then the file twice", events)
	}
}

// A failed fsync is never retried: the record may not be on disk, so the
// transcript refuses every later append.
func TestFailedSyncBreaksTranscript(t *testing.T) {
	dir := t.TempDir()
	tr := create(t, dir)
	defer tr.Close()
	appendRec(t, tr, transcripts.Record{Kind: transcripts.Init})
	restore := transcripts.SetSyncHooks(func(*os.File) error { return errors.New("EIO") }, transcripts.RealSyncDir)
	_, err := tr.Append(transcripts.Record{Kind: transcripts.Note})
	restore()
	if err == nil || !strings.Contains(err.Error(), "may not be on disk") {
		t.Fatalf("Append with a failing sync: %v", err)
	}
	if _, err := tr.Append(transcripts.Record{Kind: transcripts.Note}); err == nil {
		t.Fatal("Append after a failed sync succeeded")
	}
}

func TestOpenMissing(t *testing.T) {
	base := t.TempDir()
	missing := filepath.Join(base, "nope")
	if _, err := transcripts.Open(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open of a missing directory: %v, want fs.ErrNotExist", err)
	}
	if _, err := os.Stat(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open created %s", missing)
	}
	if _, err := transcripts.Open(base); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), transcripts.FileName) {
		t.Errorf("Open of a directory without a transcript: %v", err)
	}
	if _, _, err := transcripts.ResumeTorn(missing, "op"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ResumeTorn of a missing directory: %v", err)
	}
	if _, err := transcripts.Verify(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Verify of a missing directory: %v", err)
	}

	// Create makes the directory, and never starts a transcript again.
	tr := create(t, missing)
	appendRec(t, tr, transcripts.Record{Kind: transcripts.Init})
	tr.Close()
	before := readFile(t, transcriptPath(missing))
	if _, err := transcripts.Create(missing); !errors.Is(err, fs.ErrExist) {
		t.Errorf("second Create: %v, want fs.ErrExist", err)
	}
	if !bytes.Equal(readFile(t, transcriptPath(missing)), before) {
		t.Error("second Create changed the transcript")
	}
	// An empty transcript (Create, then a crash) opens.
	empty := filepath.Join(base, "empty")
	create(t, empty).Close()
	tr = open(t, empty)
	if len(tr.Records()) != 0 || tr.Head() != "" {
		t.Errorf("empty transcript: %d records, head %q", len(tr.Records()), tr.Head())
	}
}

// One writer at a time: a second Open, in this process or another, is
// refused while the first is open (flock), and allowed after Close.
func TestSingleWriter(t *testing.T) {
	defer waitFor(100 * time.Millisecond)()
	dir := t.TempDir()
	tr := create(t, dir)
	if _, err := transcripts.Open(dir); !errors.Is(err, transcripts.ErrInUse) {
		t.Errorf("second Open: %v, want ErrInUse", err)
	}
	if _, _, err := transcripts.ResumeTorn(dir, "op"); !errors.Is(err, transcripts.ErrInUse) {
		t.Errorf("ResumeTorn while open: %v, want ErrInUse", err)
	}
	if _, err := transcripts.Verify(dir); err != nil {
		t.Errorf("Verify while open (read-only, no lock): %v", err)
	}
	tr.Close()
	if _, err := tr.Append(transcripts.Record{Kind: transcripts.Note}); err == nil {
		t.Error("Append after Close succeeded")
	}
	open(t, dir)
}

func TestConcurrentAppends(t *testing.T) {
	dir := t.TempDir()
	tr := create(t, dir)
	const writers, each = 8, 40
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				h, err := tr.PutState(state(fmt.Sprint("role-", w), i))
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := tr.Append(transcripts.Record{Kind: transcripts.Sign, Who: fmt.Sprint("writer-", w), Message: fmt.Sprint(i),
					States: map[string]string{fmt.Sprint("role-", w): h}}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	tr.Close()
	rep, err := transcripts.Verify(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Records) != writers*each {
		t.Fatalf("%d records, want %d", len(rep.Records), writers*each)
	}
	next := map[string]int{}
	for _, r := range rep.Records {
		if r.Message != fmt.Sprint(next[r.Who]) {
			t.Fatalf("record %d: %s's append %s, want %d: appends of one writer out of order", r.Seq, r.Who, r.Message, next[r.Who])
		}
		next[r.Who]++
	}
}

func TestStates(t *testing.T) {
	dir := t.TempDir()
	tr := create(t, dir)
	defer tr.Close()
	data := state("root", 1)
	h, err := tr.PutState(data)
	if err != nil {
		t.Fatal(err)
	}
	if h != sha(data) {
		t.Fatalf("PutState returned %s, want the SHA-256 %s", h, sha(data))
	}
	if h2, err := tr.PutState(data); err != nil || h2 != h {
		t.Fatalf("PutState again: %s, %v", h2, err)
	}
	p := filepath.Join(dir, transcripts.StatesDir, h+".json")
	if got := readFile(t, p); !bytes.Equal(got, data) {
		t.Fatalf("%s holds %q", p, got)
	}
	if got, err := tr.State(h); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("State: %q, %v", got, err)
	}
	if _, err := tr.State("../../etc/passwd"); err == nil {
		t.Error("State of a path succeeded")
	}
	if _, err := tr.State(sha([]byte("other"))); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("State of a hash never stored: %v", err)
	}

	os.Chmod(p, 0o644)
	writeFile(t, p, append(data[:len(data):len(data)], ' '))
	if _, err := tr.State(h); err == nil || !strings.Contains(err.Error(), "changed") {
		t.Errorf("State of a changed state: %v", err)
	}
	if _, err := tr.PutState(data); err == nil {
		t.Errorf("PutState over a changed state succeeded")
	}
}

func TestLastStates(t *testing.T) {
	dir := t.TempDir()
	tr := create(t, dir)
	put := func(b []byte) string {
		h, err := tr.PutState(b)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	r1, t1, r2 := put(state("root", 1)), put(state("targets", 1)), put(state("root", 2))
	appendRec(t, tr, transcripts.Record{Kind: transcripts.Init, States: map[string]string{"root": r1, "targets": t1}})
	appendRec(t, tr, transcripts.Record{Kind: transcripts.Sign, States: map[string]string{"root": r2}})
	appendRec(t, tr, transcripts.Record{Kind: transcripts.Note, Message: "no states"})
	want := map[string]string{"root": r2, "targets": t1}
	if got := tr.LastStates(); !reflect.DeepEqual(got, want) {
		t.Errorf("LastStates = %v, want %v", got, want)
	}
	tr.Close()
	if got := open(t, dir).LastStates(); !reflect.DeepEqual(got, want) {
		t.Errorf("LastStates after reopening = %v, want %v", got, want)
	}
}

func TestParseAnchor(t *testing.T) {
	h := sha([]byte("x"))
	for _, c := range []struct {
		in string
		ok bool
	}{
		{"12:" + h, true},
		{"12:" + strings.ToUpper(h[:16]), true},
		{"12:" + h[:15], false},
		{"0:" + h, false},
		{h, false},
		{"12:" + h + "00", false},
		{"12:" + h[:20] + "zz", false},
	} {
		a, err := transcripts.ParseAnchor(c.in)
		if (err == nil) != c.ok {
			t.Errorf("ParseAnchor(%q) = %v, %v", c.in, a, err)
		}
		if err == nil {
			if b, err := transcripts.ParseAnchor(a.String()); err != nil || b != a {
				t.Errorf("ParseAnchor(%q.String()) = %v, %v", a, b, err)
			}
		}
	}
}

// Only bundle records that change nothing follow a seal: the bundle holds
// the sealed transcript, so the record of writing it comes after.
func TestOnlyBundlesAndRefusalsAfterSeal(t *testing.T) {
	dir := t.TempDir()
	tr := create(t, dir)
	appendRec(t, tr, transcripts.Record{Kind: transcripts.Init})
	appendRec(t, tr, transcripts.Record{Kind: transcripts.Seal})
	appendRec(t, tr, transcripts.Record{Kind: transcripts.Bundle, Outputs: map[string]string{"bundle": strings.Repeat("ab", 32)}})
	appendRec(t, tr, transcripts.Record{Kind: transcripts.Bundle, Message: "a second copy"})
	// A refusal after the seal is evidence like any other, and changes
	// nothing.
	appendRec(t, tr, transcripts.Record{Kind: transcripts.Refusal, Message: "a signature tried after the seal"})
	if tr.SealedAt() != 2 {
		t.Errorf("SealedAt = %d, want 2", tr.SealedAt())
	}
	for _, rec := range []transcripts.Record{
		{Kind: transcripts.Note, Message: "late"},
		{Kind: transcripts.Seal},
		{Kind: transcripts.Sign, Signature: &transcripts.Signature{Role: "root", KeyID: "ab", Sig: "cd"}},
		{Kind: transcripts.Bundle, States: map[string]string{"root": strings.Repeat("cd", 32)}},
		{Kind: transcripts.Refusal, Outputs: map[string]string{"x": strings.Repeat("ef", 32)}},
		{Kind: transcripts.Refusal, States: map[string]string{"root": strings.Repeat("cd", 32)}},
	} {
		if _, err := tr.Append(rec); err == nil {
			t.Errorf("a %s record changing something was appended after the seal", rec.Kind)
		}
	}
	tr.Close()
	rep, err := transcripts.Verify(dir)
	if err != nil || !rep.OK() || len(rep.Records) != 5 {
		t.Fatalf("Verify: %v, %+v", err, rep)
	}
}

// A claims ceremony's init record names every request it took in: 10,000
// of them fit in one record.
func TestRecordOfTenThousandInputs(t *testing.T) {
	tr := create(t, t.TempDir())
	defer tr.Close()
	inputs := map[string]string{}
	for i := range 10_000 {
		inputs[fmt.Sprintf("claims/project-%06d.claim.json", i)] = sha([]byte(fmt.Sprint(i)))
	}
	rec := appendRec(t, tr, transcripts.Record{Kind: transcripts.Note, Inputs: inputs})
	if len(rec.Inputs) != 10_000 {
		t.Errorf("the record names %d inputs, want 10,000", len(rec.Inputs))
	}
}

// VerifyLeavingStates checks the chain as Verify does and leaves the states
// to its caller: a state changed on disk is Verify's finding, not its.
func TestVerifyLeavingStates(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "transcript")
	tr := create(t, dir)
	state, err := tr.PutState([]byte(`{"signed": {"version": 1}}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"alice", "bob"} {
		if _, err := tr.Append(transcripts.Record{Kind: transcripts.Init, Who: who, States: map[string]string{"root": state}}); err != nil {
			t.Fatal(err)
		}
	}
	tr.Close()
	p := filepath.Join(dir, transcripts.StatesDir, state+".json")
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(`{"signed": {"version": 2}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if rep, err := transcripts.Verify(dir); err == nil || rep.OK() {
		t.Fatal("Verify takes a state that does not hash to its name")
	}
	rep, err := transcripts.VerifyLeavingStates(dir)
	if err != nil || !rep.OK() || len(rep.Records) != 2 || rep.States != 0 {
		t.Fatalf("VerifyLeavingStates of a chain that holds: %+v, %v", rep, err)
	}
	// The chain itself is still checked: the first record changed.
	data, err := os.ReadFile(filepath.Join(dir, transcripts.FileName))
	if err != nil {
		t.Fatal(err)
	}
	edited := bytes.Replace(data, []byte(`"alice"`), []byte(`"carol"`), 1)
	if bytes.Equal(edited, data) {
		t.Fatal("test premise: the first record did not change")
	}
	if err := os.WriteFile(filepath.Join(dir, transcripts.FileName), edited, 0o644); err != nil {
		t.Fatal(err)
	}
	if rep, err := transcripts.VerifyLeavingStates(dir); err == nil || rep.OK() {
		t.Fatal("VerifyLeavingStates takes a record changed")
	}
}
