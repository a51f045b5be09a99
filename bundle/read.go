package bundle

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"math"
	"os"
	"sort"
)

// Limits bound what Read accepts. A zero field takes its value from
// DefaultLimits.
type Limits struct {
	// MaxEntries is the most entries a bundle may hold, not counting the
	// manifest.
	MaxEntries int
	// MaxEntrySize is the largest entry, the manifest included, in bytes.
	MaxEntrySize int64
	// MaxTotal is the most bytes all entries may hold together, the
	// manifest included. A hard link counts as the bytes it stands for:
	// what a reader may unpack is bounded, however many names one entry's
	// bytes are given.
	MaxTotal int64
}

// DefaultLimits are above any ceremony's outputs (a PEP 458 bootstrap
// with 16,384 hash bins is some tens of MiB; a claims ceremony at
// 1,000,000 projects carries claimed v1 and v2, 773 MB each, v2 under two
// names): 100,000 entries, 1 GiB per entry, 3 GiB in all. A bundle is
// never held whole (see Bundle), so what bounds memory is the largest
// entry a reader parses, not the total.
func DefaultLimits() Limits {
	return Limits{MaxEntries: 100_000, MaxEntrySize: 1 << 30, MaxTotal: 3 << 30}
}

func (l Limits) resolve() (Limits, error) {
	if l.MaxEntries < 0 || l.MaxEntrySize < 0 || l.MaxTotal < 0 {
		return l, fmt.Errorf("invalid bundle limits %+v: a limit cannot be negative", l)
	}
	d := DefaultLimits()
	if l.MaxEntries == 0 {
		l.MaxEntries = d.MaxEntries
	}
	if l.MaxEntrySize == 0 {
		l.MaxEntrySize = d.MaxEntrySize
	}
	if l.MaxTotal == 0 {
		l.MaxTotal = d.MaxTotal
	}
	return l, nil
}

// maxFileSize is the largest file that can hold a bundle within l: the
// data, and for each entry a header, a PAX header with its "path" record
// (two blocks) and the padding of its data, and the end-of-archive marker.
func (l Limits) maxFileSize() int64 {
	const perEntry = blockSize + 2*blockSize + blockSize - 1
	n := int64(l.MaxEntries) + 1
	if n > (math.MaxInt64-l.MaxTotal-2*blockSize)/perEntry {
		return math.MaxInt64
	}
	return l.MaxTotal + n*perEntry + 2*blockSize
}

const blockSize = 512

// Read reads the bundle file at path and checks it against every rule of
// the format and against limits; see the package documentation. A broken
// rule is reported as a *Violation (wrapped, with the path); the first one
// met ends the reading. The file must be a regular file.
//
// The bundle returned keeps the file open, and Get reads an entry's data
// from it again when asked: a bundle as large as limits allow is never held
// in memory whole. The caller closes it.
func Read(path string, limits Limits) (*Bundle, error) {
	return readOpen(path, limits, "")
}

// readOpen opens the bundle file at path and reads it into unpack (see
// readInto).
func readOpen(path string, limits Limits, unpack string) (*Bundle, error) {
	limits, err := limits.resolve()
	if err != nil {
		return nil, err
	}
	// Check the type before opening: opening a FIFO would block.
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("failed to read bundle: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("failed to read bundle %q: not a regular file (%s)", path, st.Mode().Type())
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("failed to read bundle: %w", err)
	}
	b, err := readFile(f, st, path, limits, unpack)
	if err != nil {
		f.Close()
		return nil, err
	}
	b.close = f.Close
	return b, nil
}

func readFile(f *os.File, st os.FileInfo, path string, limits Limits, unpack string) (*Bundle, error) {
	fst, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("failed to read bundle %q: %w", path, err)
	}
	if !os.SameFile(st, fst) {
		return nil, fmt.Errorf("failed to read bundle %q: the file was replaced while it was opened", path)
	}
	b, err := readInto(f, fst.Size(), limits, unpack)
	if err != nil {
		var v *Violation
		if errors.As(err, &v) {
			return nil, fmt.Errorf("bundle %q: %w", path, err)
		}
		return nil, fmt.Errorf("failed to read bundle %q: %w", path, err)
	}
	b.path = path
	return b, nil
}

// counter counts and hashes what the tar reader consumes, and keeps the
// first error of the underlying reader so that an I/O error is not taken
// for a broken rule.
type counter struct {
	r    io.Reader
	off  int64
	hash hash.Hash
	err  error
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.off += int64(n)
	c.hash.Write(p[:n])
	if err != nil && err != io.EOF && c.err == nil {
		c.err = err
	}
	return n, err
}

// archive is the state of one reading.
type archive struct {
	c        *counter
	tr       *tar.Reader
	size     int64 // of the file
	limits   Limits
	entries  []ManifestEntry   // the manifest's
	manifest map[string]int    // name -> index in entries
	seen     map[string]string // folded name -> name
	total    int64
	entryEnd int64          // offset after the last entry's padded data
	at       []int64        // where each manifest entry's data starts in the file
	regular  map[string]int // name -> index in entries, of each regular entry read
	buf      []byte         // for hashing entries as they are read
	unpack   string         // where each entry is written as it is read (ReadUnpacked), or ""
	file     []int          // the entry whose data each entry's is: itself, or a link's target
}

// read reads a bundle of size bytes from src. Every error but an I/O error
// of src is a *Violation.
func read(src io.ReaderAt, size int64, limits Limits) (*Bundle, error) {
	return readInto(src, size, limits, "")
}

// readInto is read that writes the entries into unpack (ReadUnpacked), or
// nowhere when it is "".
func readInto(src io.ReaderAt, size int64, limits Limits, unpack string) (*Bundle, error) {
	if most := limits.maxFileSize(); size > most {
		return nil, violation("", RuleTotalTooLarge, "the file is %d bytes; with these limits a bundle is at most %d", size, most)
	}
	c := &counter{r: io.NewSectionReader(src, 0, size), hash: sha256.New()}
	a := &archive{c: c, tr: tar.NewReader(c), size: size, limits: limits, seen: map[string]string{}, regular: map[string]int{}, unpack: unpack}

	hdr, err := a.next()
	if err != nil {
		if err == io.EOF {
			if c.off == 0 {
				return nil, violation("", RuleNotTar, "the file is empty")
			}
			if err := a.checkEnd(); err != nil {
				return nil, err
			}
			return nil, violation("", RuleManifestMissing, "the archive is empty")
		}
		return nil, a.headerError(err, "")
	}
	m, err := a.readManifest(hdr)
	if err != nil {
		return nil, err
	}
	last, count := ManifestName, 0
	for {
		hdr, err := a.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, a.headerError(err, last)
		}
		if count == limits.MaxEntries {
			return nil, violation(hdr.Name, RuleTooManyEntries, "more than %d entries", limits.MaxEntries)
		}
		if err := a.readEntry(hdr); err != nil {
			return nil, err
		}
		last = hdr.Name
		count++
	}
	if err := a.checkEnd(); err != nil {
		return nil, err
	}
	for _, me := range m.Entries {
		if got, ok := a.seen[foldName(me.Name)]; !ok || got != me.Name {
			return nil, violation(me.Name, RuleMissingEntry, "the manifest lists it, the archive does not hold it")
		}
	}
	b := &Bundle{Manifest: m, src: src, at: a.at, unpacked: unpack, file: a.file}
	c.hash.Sum(b.SHA256[:0])
	return b, nil
}

// next returns the next header, io.EOF at the end of the archive, or the
// tar reader's error.
func (a *archive) next() (*tar.Header, error) {
	hdr, err := a.tr.Next()
	if errors.Is(err, tar.ErrInsecurePath) && hdr != nil {
		// GODEBUG=tarinsecurepath=0: the name is judged below, by the
		// rules of this format.
		err = nil
	}
	return hdr, err
}

// headerError turns an error of tar.Reader.Next into a violation. after is
// the last entry read, "" before the first.
func (a *archive) headerError(err error, after string) error {
	if a.c.err != nil {
		return a.c.err
	}
	where := "at the start of the file"
	if after != "" {
		where = fmt.Sprintf("after entry %q", after)
	}
	switch {
	case after == "" && a.c.off <= blockSize:
		return violation("", RuleNotTar, "no tar header at the start of the file (%v)", err)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return violation("", RuleTruncated, "the file ends inside a header %s", where)
	case after == "":
		return violation("", RuleNotTar, "no valid tar header at the start of the file (%v)", err)
	default:
		return violation("", RuleCorrupt, "invalid header %s (%v)", where, err)
	}
}

// checkEnd checks, once the tar reader has met the end of the archive, that
// the end-of-archive marker (two zero blocks) is whole and is the end of the
// file.
func (a *archive) checkEnd() error {
	switch d := a.c.off - a.entryEnd; {
	case d < 0:
		return violation("", RuleTruncated, "the file ends inside the padding of the last entry")
	case d == 0:
		return violation("", RuleTruncated, "the file ends without the end-of-archive marker")
	case d < 2*blockSize:
		return violation("", RuleTruncated, "the file ends inside the end-of-archive marker")
	}
	var one [1]byte
	n, err := io.ReadFull(a.c, one[:])
	if n > 0 {
		return violation("", RuleTrailingData, "%d bytes follow the end-of-archive marker", max(a.size-a.c.off+1, 1))
	}
	if a.c.err != nil {
		return a.c.err
	}
	if err != io.EOF {
		return err
	}
	return nil
}

// checkHeader applies the rules every entry's header obeys: a regular file
// or a hard link, no PAX record but "path", a good name, not seen before.
func (a *archive) checkHeader(hdr *tar.Header) *Violation {
	if hdr.Typeflag != tar.TypeReg && hdr.Typeflag != tar.TypeLink {
		return violation(hdr.Name, RuleNotRegular, "%s", typeName(hdr))
	}
	keys := make([]string, 0, len(hdr.PAXRecords))
	for k := range hdr.PAXRecords {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k != "path" {
			return violation(hdr.Name, RuleUnsupportedHeader, "PAX record %q; a bundle has none but \"path\"", k)
		}
	}
	if v := nameProblem(hdr.Name); v != nil {
		return v
	}
	if other, ok := a.seen[foldName(hdr.Name)]; ok {
		return duplicate(hdr.Name, other)
	}
	a.seen[foldName(hdr.Name)] = hdr.Name
	return nil
}

func typeName(hdr *tar.Header) string {
	switch hdr.Typeflag {
	case tar.TypeSymlink:
		return fmt.Sprintf("a symbolic link to %q", hdr.Linkname)
	case tar.TypeLink:
		return fmt.Sprintf("a hard link to %q", hdr.Linkname)
	case tar.TypeDir:
		return "a directory"
	case tar.TypeChar:
		return "a character device"
	case tar.TypeBlock:
		return "a block device"
	case tar.TypeFifo:
		return "a FIFO"
	case tar.TypeCont:
		return "a contiguous file"
	case tar.TypeGNUSparse:
		return "a sparse file"
	case tar.TypeXGlobalHeader:
		return "a PAX global header"
	}
	return fmt.Sprintf("an entry of type %q", hdr.Typeflag)
}

// checkSize checks the size of the entry whose header is hdr against the
// limits and the bytes left in the file, before anything is allocated or
// read for it.
func (a *archive) checkSize(hdr *tar.Header) error {
	if hdr.Size > a.limits.MaxEntrySize {
		return violation(hdr.Name, RuleOversize, "%d bytes; at most %d", hdr.Size, a.limits.MaxEntrySize)
	}
	if hdr.Size > a.limits.MaxTotal-a.total {
		return violation(hdr.Name, RuleTotalTooLarge, "the entries up to this one hold %d bytes; at most %d", a.total+hdr.Size, a.limits.MaxTotal)
	}
	if left := a.size - a.c.off; hdr.Size > left {
		return violation(hdr.Name, RuleTruncated, "the header gives %d bytes; the file holds %d more", hdr.Size, max(left, 0))
	}
	return nil
}

// readBody reads the entry's data (hdr.Size bytes, which checkSize has
// checked) into w.
func (a *archive) readBody(hdr *tar.Header, w io.Writer) error {
	if a.buf == nil {
		a.buf = make([]byte, 1<<20)
	}
	if _, err := io.CopyBuffer(w, io.LimitReader(a.tr, hdr.Size), a.buf); err != nil {
		if a.c.err != nil {
			return a.c.err
		}
		return violation(hdr.Name, RuleTruncated, "the file ends inside the entry's data")
	}
	a.total += hdr.Size
	a.entryEnd = a.c.off + (blockSize-hdr.Size%blockSize)%blockSize
	return nil
}

// readManifest reads and checks the first entry, which must be the
// manifest.
func (a *archive) readManifest(hdr *tar.Header) (Manifest, error) {
	if v := a.checkHeader(hdr); v != nil {
		return Manifest{}, v
	}
	if hdr.Name != ManifestName {
		return Manifest{}, violation(hdr.Name, RuleManifestMissing, "the first entry must be %s", ManifestName)
	}
	if hdr.Typeflag != tar.TypeReg {
		return Manifest{}, violation(hdr.Name, RuleNotRegular, "%s; the manifest is a regular file", typeName(hdr))
	}
	if err := a.checkSize(hdr); err != nil {
		return Manifest{}, err
	}
	var data bytes.Buffer
	data.Grow(int(hdr.Size))
	if err := a.readBody(hdr, &data); err != nil {
		return Manifest{}, err
	}
	m, v := parseManifest(data.Bytes(), a.limits)
	if v != nil {
		return Manifest{}, v
	}
	a.entries = m.Entries
	a.manifest = make(map[string]int, len(m.Entries))
	for i, e := range m.Entries {
		a.manifest[e.Name] = i
	}
	a.at = make([]int64, len(m.Entries))
	a.file = make([]int, len(m.Entries))
	for i := range a.file {
		a.file[i] = i
	}
	return m, nil
}

// readEntry reads and checks an entry after the manifest, and notes where
// its data is.
func (a *archive) readEntry(hdr *tar.Header) error {
	if v := a.checkHeader(hdr); v != nil {
		return v
	}
	i, ok := a.manifest[hdr.Name]
	if !ok {
		return violation(hdr.Name, RuleNotInManifest, "the archive holds it, the manifest does not list it")
	}
	if hdr.Typeflag == tar.TypeLink {
		return a.readLink(hdr, i)
	}
	want := a.entries[i]
	// The manifest's sizes are within the limits, so this also refuses,
	// before anything is read, a header that claims too much.
	if hdr.Size != want.Size {
		return violation(hdr.Name, RuleManifestMismatch, "size %d, the manifest says %d", hdr.Size, want.Size)
	}
	if err := a.checkSize(hdr); err != nil {
		return err
	}
	a.at[i] = a.c.off
	d := newTwoDigests(hdr.Size >= concurrentFrom)
	var w io.Writer = d
	var out *unpackedFile
	if a.unpack != "" {
		f, err := os.OpenFile(unpackedPath(a.unpack, i), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return &UnpackError{Entry: hdr.Name, Err: err}
		}
		out = &unpackedFile{f: f, entry: hdr.Name}
		w = io.MultiWriter(d, out)
	}
	err := a.readBody(hdr, w)
	d.stop()
	if out != nil {
		if cerr := out.close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return err
	}
	if got := hex.EncodeToString(d.s256.Sum(nil)); got != want.SHA256 {
		return violation(hdr.Name, RuleManifestMismatch, "sha256 %s, the manifest says %s", got, want.SHA256)
	}
	if got := hex.EncodeToString(d.s512.Sum(nil)); got != want.SHA512 {
		return violation(hdr.Name, RuleManifestMismatch, "sha512 %s, the manifest says %s", got, want.SHA512)
	}
	a.regular[hdr.Name] = i
	return nil
}

// readLink checks a hard link, the entry of manifest index i: it has no
// data and names, in at most maxLinkName bytes, a regular entry read
// before it whose size and digests the manifest gives as the link's, so
// the link's data are that entry's, already checked. It counts in the
// total as those bytes.
func (a *archive) readLink(hdr *tar.Header, i int) error {
	want := a.entries[i]
	j, ok := a.regular[hdr.Linkname]
	switch {
	case hdr.Size != 0:
		return violation(hdr.Name, RuleBadLink, "a hard link whose header gives %d bytes of data; a link has none", hdr.Size)
	case len(hdr.Linkname) > maxLinkName:
		return violation(hdr.Name, RuleBadLink, "a hard link to a name of %d bytes (a GNU long-link header); a bundle's links name at most %d", len(hdr.Linkname), maxLinkName)
	case want.Size > a.limits.MaxTotal-a.total:
		return violation(hdr.Name, RuleTotalTooLarge, "the entries up to this one hold %d bytes; at most %d", a.total+want.Size, a.limits.MaxTotal)
	case !ok:
		return violation(hdr.Name, RuleBadLink, "a hard link to %q, which is not a regular entry before it", hdr.Linkname)
	}
	if target := a.entries[j]; target.Size != want.Size || target.SHA256 != want.SHA256 || target.SHA512 != want.SHA512 {
		return violation(hdr.Name, RuleBadLink, "a hard link to %q, which the manifest gives another size or digests", hdr.Linkname)
	}
	a.at[i], a.file[i] = a.at[j], j
	a.total += want.Size
	a.entryEnd = a.c.off
	return nil
}

// parseManifest checks that data is a manifest in the one form Write makes,
// within limits.
func parseManifest(data []byte, limits Limits) (Manifest, *Violation) {
	malformed := func(format string, args ...any) *Violation {
		return violation(ManifestName, RuleManifestMalformed, format, args...)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return Manifest{}, malformed("not a manifest: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Manifest{}, malformed("data after the manifest's JSON object")
	}
	if m.Version != manifestVersion {
		return Manifest{}, malformed("version %d; this tool reads version %d", m.Version, manifestVersion)
	}
	if len(m.Entries) > limits.MaxEntries {
		return Manifest{}, violation(m.Entries[limits.MaxEntries].Name, RuleTooManyEntries, "the manifest lists %d entries; at most %d", len(m.Entries), limits.MaxEntries)
	}
	total := int64(len(data))
	seen := map[string]string{}
	for i, e := range m.Entries {
		if v := nameProblem(e.Name); v != nil {
			v.Detail += " (a name in the manifest)"
			return Manifest{}, v
		}
		if isManifestName(e.Name) {
			return Manifest{}, malformed("the manifest lists %q, its own name", e.Name)
		}
		if other, ok := seen[foldName(e.Name)]; ok {
			v := duplicate(e.Name, other)
			v.Detail += " in the manifest"
			return Manifest{}, v
		}
		seen[foldName(e.Name)] = e.Name
		if i > 0 && m.Entries[i-1].Name > e.Name {
			return Manifest{}, malformed("entries are not sorted by name: %q comes after %q", e.Name, m.Entries[i-1].Name)
		}
		if e.Size < 0 {
			return Manifest{}, malformed("entry %q has size %d", e.Name, e.Size)
		}
		if !isLowerHex(e.SHA256, sha256.Size) {
			return Manifest{}, malformed("entry %q: sha256 %q is not %d lowercase hex digits", e.Name, e.SHA256, 2*sha256.Size)
		}
		if !isLowerHex(e.SHA512, sha512.Size) {
			return Manifest{}, malformed("entry %q: sha512 %q is not %d lowercase hex digits", e.Name, e.SHA512, 2*sha512.Size)
		}
		if e.Size > limits.MaxEntrySize {
			return Manifest{}, violation(e.Name, RuleOversize, "the manifest gives %d bytes; at most %d", e.Size, limits.MaxEntrySize)
		}
		if e.Size > limits.MaxTotal-total {
			return Manifest{}, violation(e.Name, RuleTotalTooLarge, "the manifest and the entries it lists up to this one hold more than %d bytes", limits.MaxTotal)
		}
		total += e.Size
	}
	canonical, err := encodeManifest(m)
	if err != nil || !bytes.Equal(canonical, data) {
		return Manifest{}, malformed("not in the one form Write gives it (spacing, key order or case, escaping or a repeated key differ)")
	}
	return m, nil
}

func isLowerHex(s string, n int) bool {
	if len(s) != 2*n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	_, err := hex.DecodeString(s)
	return err == nil
}
