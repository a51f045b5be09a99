package bundle

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// ceremonyEntries look like what a pep458 bundle holds.
func ceremonyEntries() []Entry {
	return []Entry{
		{Name: "metadata/1.root.json", Data: []byte(`{"signed":{"_type":"root","version":1},"signatures":[]}`)},
		{Name: "metadata/2.root.json", Data: []byte(`{"signed":{"_type":"root","version":2},"signatures":[]}`)},
		{Name: "metadata/1.targets.json", Data: []byte(`{"signed":{"_type":"targets","version":1},"signatures":[]}`)},
		{Name: "transcript.jsonl", Data: []byte("{\"seq\":1}\n{\"seq\":2}\n")},
		{Name: "attestations/alice.pub.attestation.pem", Data: []byte("-----BEGIN CERTIFICATE-----\n...\n")},
		{Name: "README-online.txt", Data: []byte("Copy metadata/ to the repository.\n")},
		{Name: "empty", Data: nil},
		{Name: "binary", Data: bytes.Repeat([]byte{0, 1, 2, 0xff}, 300)},
	}
}

func writeBundle(t *testing.T, entries []Entry) (string, [32]byte) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ceremony.bundle")
	sum, err := Write(p, entries)
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	return p, sum
}

func TestRoundTrip(t *testing.T) {
	in := ceremonyEntries()
	p, sum := writeBundle(t, in)
	b, err := Read(p, DefaultLimits())
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if b.SHA256 != sum {
		t.Errorf("Read gives SHA-256 %x, Write gave %x", b.SHA256, sum)
	}
	fileBytes, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(fileBytes) != sum {
		t.Error("Write's SHA-256 is not the hash of the file")
	}
	want := slices.Clone(in)
	slices.SortFunc(want, func(a, b Entry) int { return strings.Compare(a.Name, b.Name) })
	defer b.Close()
	entries, err := b.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(want) {
		t.Fatalf("read %d entries, wrote %d", len(entries), len(want))
	}
	for i, e := range entries {
		if e.Name != want[i].Name || !bytes.Equal(e.Data, want[i].Data) {
			t.Errorf("entry %d: got %q (%d bytes), want %q (%d bytes)", i, e.Name, len(e.Data), want[i].Name, len(want[i].Data))
		}
		if m := b.Manifest.Entries[i]; m != describe(want[i]) {
			t.Errorf("manifest entry %d = %+v, want %+v", i, m, describe(want[i]))
		}
		got, ok := b.Get(want[i].Name)
		if !ok || !bytes.Equal(got, want[i].Data) {
			t.Errorf("Get(%q) = %d bytes, %v", want[i].Name, len(got), ok)
		}
	}
	if _, ok := b.Get(ManifestName); ok {
		t.Error("Get returns the manifest; Entries excludes it")
	}
	if _, ok := b.Get("metadata"); ok {
		t.Error("Get found a name that is not an entry")
	}
}

func TestEmptyBundle(t *testing.T) {
	p, _ := writeBundle(t, nil)
	b, err := Read(p, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if b.Manifest.Version != 1 || b.Manifest.Entries == nil || len(b.Manifest.Entries) != 0 {
		t.Errorf("empty bundle read as %+v", b)
	}
}

// Two runs with the same entries, given in any order, write the same
// bytes; the input slice is left as it was.
func TestWriteIsReproducible(t *testing.T) {
	in := ceremonyEntries()
	reversed := slices.Clone(in)
	slices.Reverse(reversed)
	shuffled := []Entry{in[3], in[0], in[7], in[5], in[1], in[6], in[2], in[4]}
	orig := slices.Clone(in)

	p1, sum1 := writeBundle(t, in)
	p2, sum2 := writeBundle(t, reversed)
	p3, sum3 := writeBundle(t, shuffled)
	b1, _ := os.ReadFile(p1)
	b2, _ := os.ReadFile(p2)
	b3, _ := os.ReadFile(p3)
	if !bytes.Equal(b1, b2) || !bytes.Equal(b1, b3) || sum1 != sum2 || sum1 != sum3 {
		t.Fatalf("the same entries gave different bundles: %x %x %x", sum1, sum2, sum3)
	}
	for i := range in {
		if in[i].Name != orig[i].Name {
			t.Fatal("Write reordered the caller's slice")
		}
	}
	// copies of the data, not the same slices, give the same bytes too.
	copies := make([]Entry, len(in))
	for i, e := range in {
		copies[i] = Entry{Name: strings.Clone(e.Name), Data: bytes.Clone(e.Data)}
	}
	if _, sum4 := writeBundle(t, copies); sum4 != sum1 {
		t.Fatal("copies of the entries gave another bundle")
	}
}

// The exact bytes of a small bundle are pinned: a change in archive/tar or
// in this package that would change every bundle's hash shows here.
func TestWriteGolden(t *testing.T) {
	data, err := build([]Entry{
		{Name: "b.txt", Data: []byte("bee\n")},
		{Name: "a/a.json", Data: []byte("{}\n")},
	}, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	const want = "e6c105a7a9e6ce27d403768e2508a7c7c45c9d67eb36ddc61f93bd1b00ed6c26"
	if got := hex.EncodeToString(sha256Of(data)); got != want {
		t.Errorf("golden bundle SHA-256 = %s, want %s", got, want)
	}
	// The manifest (a header, two data blocks), a/a.json and b.txt (a
	// header and a data block each), the end-of-archive marker.
	if len(data) != 9*blockSize {
		t.Errorf("golden bundle is %d bytes", len(data))
	}
}

func sha256Of(b []byte) []byte { s := sha256.Sum256(b); return s[:] }

// Every header is the one header of the format: regular file, 0644, owner
// 0, no owner names, time 0, no PAX record but for long names; the manifest
// comes first, then the entries sorted; two zero blocks end the file.
func TestWriteHeaders(t *testing.T) {
	// 134 bytes, split by ustar into prefix and name; 138 bytes with a
	// last element too long for ustar, written with a PAX path record.
	split := strings.Repeat("d/", 60) + "long-name.json"
	long := "d/" + strings.Repeat("x", 131) + ".json"
	entries := append(ceremonyEntries(), Entry{Name: split, Data: []byte("s")}, Entry{Name: long, Data: []byte("x")})
	data, err := build(entries, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(bytes.NewReader(data))
	var got []string
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, hdr.Name)
		if hdr.Typeflag != tar.TypeReg || hdr.Mode != 0o644 || hdr.Uid != 0 || hdr.Gid != 0 ||
			hdr.Uname != "" || hdr.Gname != "" || hdr.ModTime.Unix() != 0 || !hdr.AccessTime.IsZero() ||
			!hdr.ChangeTime.IsZero() || hdr.Linkname != "" || hdr.Devmajor != 0 || hdr.Devminor != 0 {
			t.Errorf("header of %q: %+v", hdr.Name, hdr)
		}
		wantPAX := 0
		if hdr.Name == long {
			wantPAX = 1
			if hdr.PAXRecords["path"] != long {
				t.Errorf("long name without its PAX path record: %v", hdr.PAXRecords)
			}
		}
		if len(hdr.PAXRecords) != wantPAX {
			t.Errorf("%q: PAX records %v", hdr.Name, hdr.PAXRecords)
		}
	}
	want := []string{ManifestName}
	for _, e := range entries {
		want = append(want, e.Name)
	}
	slices.Sort(want[1:])
	if !slices.Equal(got, want) {
		t.Errorf("archive order %q, want %q", got, want)
	}
	if !bytes.Equal(data[len(data)-2*blockSize:], make([]byte, 2*blockSize)) || len(data)%blockSize != 0 {
		t.Error("the archive does not end with exactly the two zero blocks")
	}
	b, err := read(bytes.NewReader(data), int64(len(data)), DefaultLimits())
	if err != nil {
		t.Fatalf("a bundle with a long name: %v", err)
	}
	if d, ok := b.Get(long); !ok || string(d) != "x" {
		t.Error("the long name did not come back")
	}
	if d, ok := b.Get(split); !ok || string(d) != "s" {
		t.Error("the split name did not come back")
	}
}

// tar(1), where installed, lists and extracts a bundle as Write made it.
func TestWriteReadableByTar(t *testing.T) {
	tarPath, err := exec.LookPath("tar")
	if err != nil {
		t.Skip("no tar(1)")
	}
	p, _ := writeBundle(t, ceremonyEntries())
	dir := t.TempDir()
	if out, err := exec.Command(tarPath, "-x", "-f", p, "-C", dir).CombinedOutput(); err != nil {
		t.Fatalf("tar -x: %v\n%s", err, out)
	}
	for _, e := range ceremonyEntries() {
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(e.Name)))
		if err != nil || !bytes.Equal(got, e.Data) {
			t.Errorf("tar extracted %q as %d bytes (%v)", e.Name, len(got), err)
		}
	}
}

func TestWriteRefusesToOverwrite(t *testing.T) {
	p := filepath.Join(t.TempDir(), "out.bundle")
	if err := os.WriteFile(p, []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Write(p, ceremonyEntries())
	if !errors.Is(err, fs.ErrExist) {
		t.Fatalf("got %v, want an error matching fs.ErrExist", err)
	}
	if got, _ := os.ReadFile(p); string(got) != "precious" {
		t.Fatal("the existing file was changed")
	}
	ents, _ := os.ReadDir(filepath.Dir(p))
	if len(ents) != 1 {
		t.Errorf("left %d files behind", len(ents)-1)
	}
}

// Write refuses what Read would refuse, with the same rules, and writes
// nothing.
func TestWriteRefusesBadEntries(t *testing.T) {
	ok := Entry{Name: "ok.json", Data: []byte("{}")}
	cases := []struct {
		name    string
		entries []Entry
		rule    Rule
		entry   string
	}{
		{"absolute", []Entry{ok, {Name: "/etc/passwd"}}, RuleAbsolutePath, "/etc/passwd"},
		{"parent", []Entry{ok, {Name: "../x"}}, RuleParentTraversal, "../x"},
		{"parent deep", []Entry{ok, {Name: "a/../../b"}}, RuleParentTraversal, "a/../../b"},
		{"empty", []Entry{ok, {Name: ""}}, RuleBadName, ""},
		{"dot prefix", []Entry{ok, {Name: "./a"}}, RuleBadName, "./a"},
		{"trailing slash", []Entry{ok, {Name: "a/"}}, RuleBadName, "a/"},
		{"doubled slash", []Entry{ok, {Name: "a//b"}}, RuleBadName, "a//b"},
		{"backslash", []Entry{ok, {Name: `a\b`}}, RuleBadName, `a\b`},
		{"colon", []Entry{ok, {Name: "c:x"}}, RuleBadName, "c:x"},
		{"NUL", []Entry{ok, {Name: "a\x00b"}}, RuleBadName, "a\x00b"},
		{"newline", []Entry{ok, {Name: "a\nb"}}, RuleBadName, "a\nb"},
		{"not UTF-8", []Entry{ok, {Name: "a\xc3"}}, RuleBadName, "a\xc3"},
		{"non-ASCII", []Entry{ok, {Name: "\u0430.json"}}, RuleBadName, "\u0430.json"}, // Cyrillic a
		{"trailing space", []Entry{ok, {Name: "a /b"}}, RuleBadName, "a /b"},
		{"too long", []Entry{ok, {Name: strings.Repeat("x", 256)}}, RuleBadName, strings.Repeat("x", 256)},
		{"reserved", []Entry{ok, {Name: ManifestName}}, RuleBadName, ManifestName},
		{"reserved but for case", []Entry{ok, {Name: "Manifest.JSON"}}, RuleBadName, "Manifest.JSON"},
		{"duplicate", []Entry{ok, ok}, RuleDuplicateName, "ok.json"},
		{"duplicate but for case", []Entry{ok, {Name: "OK.json"}}, RuleDuplicateName, "ok.json"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "out.bundle")
			_, err := Write(p, c.entries)
			var v *Violation
			if !errors.As(err, &v) || v.Rule != c.rule || v.Entry != c.entry {
				t.Fatalf("got %v, want %s for %q", err, c.rule, c.entry)
			}
			if !strings.Contains(err.Error(), p) {
				t.Errorf("message %q lacks the path", err)
			}
			if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
				t.Error("a file was written")
			}
		})
	}
}

func TestWriteRefusesWhatTheLimitsRefuse(t *testing.T) {
	small := Limits{MaxEntries: 2, MaxEntrySize: 1000, MaxTotal: 1500}
	x := func(name string, n int) Entry { return Entry{Name: name, Data: make([]byte, n)} }
	cases := []struct {
		name    string
		entries []Entry
		rule    Rule
		entry   string
	}{
		{"too many", []Entry{x("a", 1), x("b", 1), x("c", 1)}, RuleTooManyEntries, ""},
		{"oversize", []Entry{x("a", 1001)}, RuleOversize, "a"},
		{"total", []Entry{x("a", 800), x("b", 800)}, RuleTotalTooLarge, "b"},
		{"total with the manifest", []Entry{x("a", 700), x("b", 700)}, RuleTotalTooLarge, ManifestName},
	}
	for _, c := range cases {
		_, err := build(c.entries, small)
		var v *Violation
		if !errors.As(err, &v) || v.Rule != c.rule || v.Entry != c.entry {
			t.Errorf("%s: got %v, want %s for %q", c.name, err, c.rule, c.entry)
		}
	}
	// At the limits exactly, what build makes, read reads.
	data, err := build([]Entry{x("a", 300), x("b", 300)}, small)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := read(bytes.NewReader(data), int64(len(data)), small); err != nil {
		t.Fatalf("read refuses what build made within the same limits: %v", err)
	}
}

func TestCheckName(t *testing.T) {
	for _, good := range []string{"a", "metadata/1.root.json", "a/b/c", "x-y_z+1@2=3,4~5", "with space/in it", ".hidden", "a..b", "...", strings.Repeat("n", 255)} {
		if err := CheckName(good); err != nil {
			t.Errorf("CheckName(%q) = %v", good, err)
		}
	}
	for _, bad := range []string{"", "/a", "../a", "a/..", "./a", "a/.", "a/", "a//b", `a\b`, "a:b", "a*b", "a?b", `a"b`, "a<b", "a>b", "a|b", "a\tb", "a\x00b", "é", " a", "a ", strings.Repeat("n", 256)} {
		var v *Violation
		if err := CheckName(bad); !errors.As(err, &v) {
			t.Errorf("CheckName(%q) = %v, want a *Violation", bad, err)
		}
	}
	// A nil *Violation must not come back as a non-nil error.
	if err := CheckName("ok"); err != nil {
		t.Fatalf("CheckName returned a typed nil: %#v", err)
	}
}

func TestViolationMessage(t *testing.T) {
	v := &Violation{Entry: "a\x1b[2J", Rule: RuleBadName, Detail: "control character 0x1b at offset 1"}
	if got, want := v.Error(), `entry "a\x1b[2J": bad name: control character 0x1b at offset 1`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	v = &Violation{Rule: RuleTrailingData, Detail: "7 bytes follow the end-of-archive marker"}
	if got, want := v.Error(), "trailing data: 7 bytes follow the end-of-archive marker"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
