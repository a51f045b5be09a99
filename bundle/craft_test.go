package bundle

import (
	"archive/tar"
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Archives made by hand, entry by entry, to break one rule at a time.

// raw is one entry of a hand-made archive: any header, any data.
type raw struct {
	hdr  tar.Header
	data []byte
}

// file is a regular file with the header Write gives it.
func file(name, data string) raw {
	return raw{hdr: *header(name, int64(len(data))), data: []byte(data)}
}

// special is a header-only entry of another type.
func special(name string, typ byte, link string) raw {
	return raw{hdr: tar.Header{Typeflag: typ, Name: name, Linkname: link, Mode: 0o644, ModTime: epoch}}
}

// manifestOf is an honest manifest of the regular files among entries.
func manifestOf(tb testing.TB, entries ...raw) raw {
	tb.Helper()
	m := Manifest{Version: manifestVersion}
	for _, e := range entries {
		if e.hdr.Typeflag == tar.TypeReg {
			m.Entries = append(m.Entries, describe(Entry{Name: e.hdr.Name, Data: e.data}))
		}
	}
	return manifestEntry(tb, m)
}

// as is a regular file called name holding e's data.
func as(name string, e raw) raw { return file(name, string(e.data)) }

// manifestAs is the manifest of entries, sorted by name: hard links are
// listed by what they stand for, a regular file called as the link.
func manifestAs(tb testing.TB, entries ...raw) raw {
	tb.Helper()
	m := Manifest{Version: manifestVersion}
	for _, e := range entries {
		m.Entries = append(m.Entries, describe(Entry{Name: e.hdr.Name, Data: e.data}))
	}
	slices.SortFunc(m.Entries, func(x, y ManifestEntry) int { return strings.Compare(x.Name, y.Name) })
	return manifestEntry(tb, m)
}

// manifestEntry is MANIFEST.json holding m in the canonical form.
func manifestEntry(tb testing.TB, m Manifest) raw {
	tb.Helper()
	b, err := encodeManifest(m)
	if err != nil {
		tb.Fatal(err)
	}
	return file(ManifestName, string(b))
}

// tarOf writes entries, in the order given, with archive/tar.
func tarOf(tb testing.TB, entries ...raw) []byte {
	tb.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		hdr := e.hdr
		if err := tw.WriteHeader(&hdr); err != nil {
			tb.Fatalf("test archive: header %q: %v", hdr.Name, err)
		}
		if _, err := tw.Write(e.data); err != nil {
			tb.Fatalf("test archive: data %q: %v", hdr.Name, err)
		}
	}
	if err := tw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// honest is an archive of the files given, led by their honest manifest.
func honest(tb testing.TB, files ...raw) []byte {
	tb.Helper()
	return tarOf(tb, append([]raw{manifestOf(tb, files...)}, files...)...)
}

// headerOffset is the offset of the header block naming name (in its
// ustar name field).
func headerOffset(tb testing.TB, b []byte, name string) int {
	tb.Helper()
	for off := 0; off+blockSize <= len(b); off += blockSize {
		field := b[off : off+100]
		if i := bytes.IndexByte(field, 0); i >= 0 {
			field = field[:i]
		}
		if string(field) == name && string(b[off+257:off+262]) == "ustar" {
			return off
		}
	}
	tb.Fatalf("no header for %q", name)
	return 0
}

// patchHeader edits the header block at off with edit and recomputes its
// checksum, for headers archive/tar will not write.
func patchHeader(b []byte, off int, edit func(blk []byte)) []byte {
	b = bytes.Clone(b)
	blk := b[off : off+blockSize]
	edit(blk)
	copy(blk[148:156], "        ")
	var sum int64
	for _, c := range blk {
		sum += int64(c)
	}
	copy(blk[148:156], fmt.Sprintf("%06s\x00 ", strconv.FormatInt(sum, 8)))
	return b
}

// patchSize rewrites the size field of the header at off.
func patchSize(tb testing.TB, b []byte, off int, size int64) []byte {
	tb.Helper()
	field := fmt.Sprintf("%011o\x00", size)
	if len(field) != 12 {
		tb.Fatalf("size %d does not fit a ustar size field", size)
	}
	return patchHeader(b, off, func(blk []byte) { copy(blk[124:136], field) })
}

// renamed is data with the ustar name of the header naming from set to
// to (no longer than from).
func renamed(tb testing.TB, data []byte, from, to string) []byte {
	tb.Helper()
	off := headerOffset(tb, data, from)
	return patchHeader(data, off, func(blk []byte) {
		clear(blk[:100])
		copy(blk[:100], to)
	})
}

// smallLimits are what the fuzz target and several cases read with.
var smallLimits = Limits{MaxEntries: 8, MaxEntrySize: 4096, MaxTotal: 16384}

// hostileCase is an archive that breaks one rule.
type hostileCase struct {
	name   string
	data   []byte
	limits Limits // zero: DefaultLimits
	rule   Rule
	entry  string
	detail string // a part of the detail
}

// hostileCases are every rule broken, each alone, in every way the tests
// know. The fuzz target starts from them too.
func hostileCases(tb testing.TB) []hostileCase {
	tb.Helper()
	a := file("a.json", "{}\n")
	b := file("b/c.txt", "hello\n")
	good := honest(tb, a, b)
	end := len(good) - 2*blockSize
	aOff := headerOffset(tb, good, "a.json")
	manifest := manifestOf(tb, a, b)

	// The manifest lists only a.json: the name is judged from the
	// entry's header, before the manifest is consulted.
	withName := func(name string) []byte {
		return tarOf(tb, manifestOf(tb, a), a, file(name, "x"))
	}
	notRegular := func(e raw) []byte {
		return tarOf(tb, manifestOf(tb, a), a, e)
	}
	wrongManifest := func(edit func(m *Manifest)) []byte {
		m := Manifest{Version: manifestVersion, Entries: []ManifestEntry{
			describe(Entry{Name: "a.json", Data: a.data}),
			describe(Entry{Name: "b/c.txt", Data: b.data}),
		}}
		edit(&m)
		return tarOf(tb, manifestEntry(tb, m), a, b)
	}
	manifestText := func(text string) []byte {
		return tarOf(tb, file(ManifestName, text), a)
	}
	canonical := string(manifest.data)
	many := func(n int) []raw {
		var out []raw
		for i := range n {
			out = append(out, file(fmt.Sprintf("f%02d", i), "x"))
		}
		return out
	}
	linked := tarOf(tb, manifestAs(tb, a, as("hard", a)), a, special("hard", tar.TypeLink, "a.json"))
	long := file(strings.Repeat("l", maxLinkName+1), "{}\n")
	big := file("big", strings.Repeat("b", 4000))
	gnuLink := special("hard", tar.TypeLink, long.hdr.Name)
	gnuLink.hdr.Format = tar.FormatGNU
	xattr := file("a.json", "{}\n")
	xattr.hdr.PAXRecords = map[string]string{"SCHILY.xattr.user.evil": "1"}
	comment := file("a.json", "{}\n")
	comment.hdr.PAXRecords = map[string]string{"comment": "hi"}

	return []hostileCase{
		// Names.
		{name: "absolute path", data: withName("/etc/passwd"), rule: RuleAbsolutePath, entry: "/etc/passwd"},
		{name: "double-slash absolute path", data: withName("//x"), rule: RuleAbsolutePath, entry: "//x"},
		{name: "parent", data: withName("../x"), rule: RuleParentTraversal, entry: "../x"},
		{name: "parent deep", data: withName("a/../../b"), rule: RuleParentTraversal, entry: "a/../../b"},
		{name: "parent last", data: withName("a/.."), rule: RuleParentTraversal, entry: "a/.."},
		{name: "dot prefix", data: withName("./a"), rule: RuleBadName, entry: "./a", detail: `"."`},
		{name: "dot element", data: withName("a/./b"), rule: RuleBadName, entry: "a/./b", detail: `"."`},
		{name: "trailing slash", data: renamed(tb, withName("a_"), "a_", "a/"), rule: RuleBadName, entry: "a/", detail: "trailing slash"},
		{name: "doubled slash", data: withName("a//b"), rule: RuleBadName, entry: "a//b", detail: "doubled"},
		{name: "backslash", data: withName(`a\b`), rule: RuleBadName, entry: `a\b`, detail: `'\\'`},
		{name: "backslash traversal", data: withName(`..\x`), rule: RuleBadName, entry: `..\x`, detail: `'\\'`},
		{name: "drive letter", data: withName("C:/x"), rule: RuleBadName, entry: "C:/x", detail: "':'"},
		{name: "control character", data: withName("a\x01b"), rule: RuleBadName, entry: "a\x01b", detail: "control character 0x01"},
		{name: "escape sequence", data: withName("a\x1b[2Jb"), rule: RuleBadName, entry: "a\x1b[2Jb", detail: "control character 0x1b"},
		{name: "DEL", data: withName("a\x7fb"), rule: RuleBadName, entry: "a\x7fb", detail: "control character 0x7f"},
		{name: "not UTF-8", data: withName("a\xffb"), rule: RuleBadName, entry: "a\xffb", detail: "non-ASCII byte 0xff"},
		{name: "non-ASCII", data: withName("caf\u00e9"), rule: RuleBadName, entry: "caf\u00e9", detail: "non-ASCII"},
		{name: "right-to-left override", data: withName("a\u202etxt.exe"), rule: RuleBadName, entry: "a\u202etxt.exe", detail: "non-ASCII"},
		{name: "leading space", data: withName(" a"), rule: RuleBadName, entry: " a", detail: "space"},
		{name: "empty name", data: withName(""), rule: RuleBadName, entry: "", detail: "empty name"},
		{name: "name too long", data: withName(string(bytes.Repeat([]byte("n"), MaxNameLen+1))), rule: RuleBadName, entry: string(bytes.Repeat([]byte("n"), MaxNameLen+1)), detail: "256 bytes"},

		// Entry types.
		{name: "symlink", data: notRegular(special("link", tar.TypeSymlink, "/etc/passwd")), rule: RuleNotRegular, entry: "link", detail: `symbolic link to "/etc/passwd"`},
		{name: "hard link not in the manifest", data: notRegular(special("hard", tar.TypeLink, "a.json")), rule: RuleNotInManifest, entry: "hard"},
		{name: "hard link to an entry after it", data: tarOf(tb, manifestAs(tb, a, as("hard", a)), special("hard", tar.TypeLink, "a.json"), a), rule: RuleBadLink, entry: "hard", detail: `not a regular entry before it`},
		{name: "hard link to a name not held", data: tarOf(tb, manifestAs(tb, a, as("hard", a)), a, special("hard", tar.TypeLink, "b.json")), rule: RuleBadLink, entry: "hard", detail: `"b.json"`},
		{name: "hard link to the manifest", data: tarOf(tb, manifestAs(tb, a, as("hard", manifest)), a, special("hard", tar.TypeLink, ManifestName)), rule: RuleBadLink, entry: "hard"},
		{name: "hard link to a hard link", data: tarOf(tb, manifestAs(tb, a, as("h1", a), as("h2", a)), a, special("h1", tar.TypeLink, "a.json"), special("h2", tar.TypeLink, "h1")), rule: RuleBadLink, entry: "h2", detail: `"h1"`},
		{name: "hard link to other bytes", data: tarOf(tb, manifestAs(tb, a, b, as("hard", b)), a, b, special("hard", tar.TypeLink, "a.json")), rule: RuleBadLink, entry: "hard", detail: "another size or digests"},
		{name: "hard link with data", data: patchSize(tb, linked, headerOffset(tb, linked, "hard"), 3), rule: RuleBadLink, entry: "hard", detail: "3 bytes of data"},
		{name: "hard link as the manifest", data: tarOf(tb, special(ManifestName, tar.TypeLink, "a.json"), a), rule: RuleNotRegular, entry: ManifestName, detail: "hard link"},
		{name: "hard links past the total", data: tarOf(tb, manifestAs(tb, big, as("h1", big), as("h2", big), as("h3", big), as("h4", big)), big,
			special("h1", tar.TypeLink, "big"), special("h2", tar.TypeLink, "big"), special("h3", tar.TypeLink, "big"), special("h4", tar.TypeLink, "big")),
			limits: smallLimits, rule: RuleTotalTooLarge, entry: "h3", detail: "more than 16384 bytes"},
		{name: "hard link by a GNU long link", data: tarOf(tb, manifestAs(tb, long, as("hard", long)), long, gnuLink), rule: RuleBadLink, entry: "hard", detail: "GNU long-link"},
		{name: "hard link by a PAX linkpath", data: tarOf(tb, manifestAs(tb, long, as("hard", long)), long, special("hard", tar.TypeLink, long.hdr.Name)), rule: RuleUnsupportedHeader, entry: "hard", detail: `"linkpath"`},
		{name: "directory", data: notRegular(special("dir/", tar.TypeDir, "")), rule: RuleNotRegular, entry: "dir/", detail: "directory"},
		{name: "character device", data: notRegular(special("tty", tar.TypeChar, "")), rule: RuleNotRegular, entry: "tty", detail: "character device"},
		{name: "block device", data: notRegular(special("sda", tar.TypeBlock, "")), rule: RuleNotRegular, entry: "sda", detail: "block device"},
		{name: "fifo", data: notRegular(special("fifo", tar.TypeFifo, "")), rule: RuleNotRegular, entry: "fifo", detail: "FIFO"},
		{name: "contiguous file", data: notRegular(special("cont", tar.TypeCont, "")), rule: RuleNotRegular, entry: "cont", detail: "contiguous"},
		{name: "symlink as the manifest", data: tarOf(tb, special(ManifestName, tar.TypeSymlink, "/etc/passwd")), rule: RuleNotRegular, entry: ManifestName},
		{name: "xattr record", data: tarOf(tb, manifestOf(tb, a), xattr), rule: RuleUnsupportedHeader, entry: "a.json", detail: "SCHILY.xattr.user.evil"},
		{name: "comment record", data: tarOf(tb, manifestOf(tb, a), comment), rule: RuleUnsupportedHeader, entry: "a.json", detail: `"comment"`},

		// Duplicates.
		{name: "duplicate", data: tarOf(tb, manifestOf(tb, a), a, a), rule: RuleDuplicateName, entry: "a.json", detail: "twice"},
		{name: "duplicate but for case", data: tarOf(tb, manifestOf(tb, a), a, file("A.json", "{}\n")), rule: RuleDuplicateName, entry: "A.json", detail: `as "a.json" but for case`},
		{name: "second manifest", data: tarOf(tb, manifest, a, b, manifest), rule: RuleDuplicateName, entry: ManifestName},
		{name: "manifest but for case", data: tarOf(tb, manifest, a, b, file("manifest.json", "x")), rule: RuleDuplicateName, entry: "manifest.json"},

		// Limits.
		{name: "oversize entry", data: honest(tb, file("big", string(make([]byte, 4097)))), limits: smallLimits, rule: RuleOversize, entry: "big", detail: "4097 bytes; at most 4096"},
		{name: "oversize manifest", data: honest(tb, many(60)...), limits: Limits{MaxEntries: 100, MaxEntrySize: 1024, MaxTotal: 1 << 20}, rule: RuleOversize, entry: ManifestName},
		{name: "too many entries (manifest)", data: honest(tb, many(9)...), limits: smallLimits, rule: RuleTooManyEntries, entry: "f08", detail: "lists 9 entries; at most 8"},
		{name: "too many entries (archive)", data: tarOf(tb, append([]raw{manifestOf(tb, many(8)...)}, many(9)...)...), limits: smallLimits, rule: RuleTooManyEntries, entry: "f08", detail: "more than 8"},
		{name: "total too large", data: honest(tb, file("x1", string(make([]byte, 4000))), file("x2", string(make([]byte, 4000))), file("x3", string(make([]byte, 4000))), file("x4", string(make([]byte, 4000)))), limits: smallLimits, rule: RuleTotalTooLarge, entry: "x4"},
		{name: "file too large", data: append(bytes.Clone(good), make([]byte, 40000)...), limits: smallLimits, rule: RuleTotalTooLarge, entry: "", detail: "with these limits"},

		// The manifest.
		{name: "manifest missing", data: tarOf(tb, a, b), rule: RuleManifestMissing, entry: "a.json", detail: "first entry must be MANIFEST.json"},
		{name: "manifest not first", data: tarOf(tb, a, manifestOf(tb, a)), rule: RuleManifestMissing, entry: "a.json"},
		{name: "empty archive", data: make([]byte, 2*blockSize), rule: RuleManifestMissing, entry: "", detail: "empty"},
		{name: "manifest not JSON", data: manifestText("not json"), rule: RuleManifestMalformed, entry: ManifestName, detail: "not a manifest"},
		{name: "manifest unknown field", data: manifestText(`{"version": 1, "entries": [], "extra": true}`), rule: RuleManifestMalformed, entry: ManifestName, detail: "unknown field"},
		{name: "manifest trailing JSON", data: manifestText(canonical + "{}"), rule: RuleManifestMalformed, entry: ManifestName, detail: "data after"},
		{name: "manifest version", data: manifestText(`{"version": 2, "entries": []}`), rule: RuleManifestMalformed, entry: ManifestName, detail: "version 2"},
		{name: "manifest compact", data: tarOf(tb, file(ManifestName, string(bytes.Join(bytes.Fields([]byte(canonical)), nil))), a, b), rule: RuleManifestMalformed, entry: ManifestName, detail: "one form"},
		{name: "manifest repeated key", data: tarOf(tb, file(ManifestName, `{"version": 1, "version": 1, `+canonical[len("{\n  \"version\": 1,\n"):]), a, b), rule: RuleManifestMalformed, entry: ManifestName, detail: "one form"},
		{name: "manifest key case", data: tarOf(tb, file(ManifestName, strings.Replace(canonical, `"version"`, `"Version"`, 1)), a, b), rule: RuleManifestMalformed, entry: ManifestName, detail: "one form"},
		{name: "manifest null entries", data: tarOf(tb, file(ManifestName, "{\n  \"version\": 1,\n  \"entries\": null\n}\n")), rule: RuleManifestMalformed, entry: ManifestName, detail: "one form"},
		{name: "manifest unsorted", data: wrongManifest(func(m *Manifest) { m.Entries[0], m.Entries[1] = m.Entries[1], m.Entries[0] }), rule: RuleManifestMalformed, entry: ManifestName, detail: "not sorted"},
		{name: "manifest uppercase hex", data: wrongManifest(func(m *Manifest) { m.Entries[0].SHA256 = strings.ToUpper(m.Entries[0].SHA256) }), rule: RuleManifestMalformed, entry: ManifestName, detail: "lowercase hex"},
		{name: "manifest short sha512", data: wrongManifest(func(m *Manifest) { m.Entries[0].SHA512 = m.Entries[0].SHA512[:64] }), rule: RuleManifestMalformed, entry: ManifestName, detail: "sha512"},
		{name: "manifest negative size", data: wrongManifest(func(m *Manifest) { m.Entries[0].Size = -1 }), rule: RuleManifestMalformed, entry: ManifestName, detail: "size -1"},
		{name: "manifest lists itself", data: wrongManifest(func(m *Manifest) {
			m.Entries = append([]ManifestEntry{describe(Entry{Name: ManifestName})}, m.Entries...)
		}), rule: RuleManifestMalformed, entry: ManifestName, detail: "its own name"},
		{name: "manifest lists a name twice", data: wrongManifest(func(m *Manifest) { m.Entries[1] = m.Entries[0] }), rule: RuleDuplicateName, entry: "a.json", detail: "in the manifest"},
		{name: "manifest lists a traversal", data: wrongManifest(func(m *Manifest) { m.Entries[0].Name = "../a.json" }), rule: RuleParentTraversal, entry: "../a.json", detail: "in the manifest"},
		{name: "manifest sha256 mismatch", data: wrongManifest(func(m *Manifest) { m.Entries[0] = describeAs("a.json", "{}\r\n", 3) }), rule: RuleManifestMismatch, entry: "a.json", detail: "sha256"},
		{name: "manifest sha512 mismatch", data: wrongManifest(func(m *Manifest) {
			m.Entries[1].SHA512 = describe(Entry{Data: []byte("other")}).SHA512
		}), rule: RuleManifestMismatch, entry: "b/c.txt", detail: "sha512"},
		{name: "manifest size mismatch", data: wrongManifest(func(m *Manifest) { m.Entries[0].Size = 4 }), rule: RuleManifestMismatch, entry: "a.json", detail: "size 3, the manifest says 4"},
		{name: "header claims 8 GiB", data: patchSize(tb, good, aOff, 1<<33-1), rule: RuleManifestMismatch, entry: "a.json", detail: "size 8589934591"},
		{name: "manifest lists an entry not in the archive", data: tarOf(tb, manifestOf(tb, a, b), a), rule: RuleMissingEntry, entry: "b/c.txt"},
		{name: "archive holds an entry not in the manifest", data: tarOf(tb, manifestOf(tb, a), a, b), rule: RuleNotInManifest, entry: "b/c.txt"},
		{name: "entry in the manifest but for case", data: tarOf(tb, manifestOf(tb, a), file("A.json", "{}\n")), rule: RuleNotInManifest, entry: "A.json"},

		// The archive as a whole.
		{name: "trailing garbage", data: append(bytes.Clone(good), "garbage"...), rule: RuleTrailingData, detail: "7 bytes"},
		{name: "trailing zero blocks", data: append(bytes.Clone(good), make([]byte, 8*blockSize)...), rule: RuleTrailingData, detail: "4096 bytes"},
		{name: "truncated in data", data: good[:aOff+blockSize+1], rule: RuleTruncated, entry: "a.json"},
		{name: "truncated in a header", data: good[:aOff+100], rule: RuleTruncated, detail: `inside a header after entry "MANIFEST.json"`},
		{name: "truncated in padding", data: good[:end-100], rule: RuleTruncated, detail: "padding"},
		{name: "no end marker", data: good[:end], rule: RuleTruncated, detail: "without the end-of-archive marker"},
		{name: "half an end marker", data: good[:end+blockSize], rule: RuleTruncated, detail: "inside the end-of-archive marker"},
		{name: "zero block then data", data: append(append(bytes.Clone(good[:end+blockSize]), good[:blockSize]...), make([]byte, blockSize)...), rule: RuleCorrupt},
		{name: "corrupt checksum", data: corruptChecksum(good, aOff), rule: RuleCorrupt, detail: `after entry "MANIFEST.json"`},
		{name: "manifest header claims more than the file", data: patchSize(tb, good, 0, 400<<20), rule: RuleTruncated, entry: ManifestName, detail: "the header gives 419430400 bytes"},
		{name: "empty file", data: nil, rule: RuleNotTar, detail: "empty"},
		{name: "text file", data: []byte("this is not a tar file\n"), rule: RuleNotTar},
		{name: "random block", data: bytes.Repeat([]byte{0x5a}, 3*blockSize), rule: RuleNotTar},
		{name: "gzip", data: []byte("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + string(make([]byte, 600))), rule: RuleNotTar},
	}
}

func describeAs(name, data string, size int64) ManifestEntry {
	e := describe(Entry{Name: name, Data: []byte(data)})
	e.Size = size
	return e
}

func corruptChecksum(b []byte, off int) []byte {
	b = bytes.Clone(b)
	b[off+148] ^= 0x01
	return b
}
