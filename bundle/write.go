package bundle

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/tuf-ceremony/ceremony/internal/atomicfile"
)

// epoch is every header's modification time.
var epoch = time.Unix(0, 0)

// Write writes entries as a new bundle file at path and returns the SHA-256
// of its bytes. The same entries, in any order, always give the same bytes.
// Every name must pass CheckName, no two may be equal but for case, and
// MANIFEST.json is reserved; the entries must fit in DefaultLimits, so that
// Read with those limits takes the bundle back. A broken rule is reported as
// a *Violation (wrapped). An existing file is never replaced (the error then
// matches fs.ErrExist); the file is written atomically and fsync'd, with
// mode 0644. Entries holding the same bytes are written once (see the
// package documentation on hard links).
func Write(path string, entries []Entry) (sum [32]byte, err error) {
	data, err := build(entries, DefaultLimits())
	if err != nil {
		return sum, fmt.Errorf("failed to write bundle %q: %w", path, err)
	}
	if err := atomicfile.WriteNew(path, data, 0o644); err != nil {
		return sum, err
	}
	return sha256.Sum256(data), nil
}

// Bytes returns the bytes Write would write for entries, under the same
// rules, without writing them.
func Bytes(entries []Entry) ([]byte, error) {
	data, err := build(entries, DefaultLimits())
	if err != nil {
		return nil, fmt.Errorf("failed to make the bundle: %w", err)
	}
	return data, nil
}

// build returns the bytes of the bundle holding entries, which must fit in
// limits.
func build(entries []Entry, limits Limits) ([]byte, error) {
	p, err := prepare(entries, limits)
	if err != nil {
		return nil, err
	}
	buf := bytes.NewBuffer(make([]byte, 0, tarBound(p.sorted, p.links, p.manifest)))
	if err := p.writeTar(buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// prepared is a bundle checked against the rules and ready to write: its
// entries sorted, and its manifest.
type prepared struct {
	sorted   []Entry
	manifest []byte
	// links[i] names the entry sorted[i] is a hard link to, or is "".
	links []string
}

// prepare checks entries against the rules and limits and makes the
// manifest.
func prepare(entries []Entry, limits Limits) (*prepared, error) {
	sorted := slices.Clone(entries)
	slices.SortFunc(sorted, func(a, b Entry) int { return strings.Compare(a.Name, b.Name) })

	if len(sorted) > limits.MaxEntries {
		return nil, violation("", RuleTooManyEntries, "%d entries; at most %d", len(sorted), limits.MaxEntries)
	}
	m := Manifest{Version: manifestVersion, Entries: make([]ManifestEntry, 0, len(sorted))}
	seen := make(map[string]string, len(sorted))
	var total int64
	for _, e := range sorted {
		if v := nameProblem(e.Name); v != nil {
			return nil, v
		}
		if isManifestName(e.Name) {
			return nil, violation(e.Name, RuleBadName, "the name of the bundle's own manifest")
		}
		if other, ok := seen[foldName(e.Name)]; ok {
			return nil, duplicate(e.Name, other)
		}
		seen[foldName(e.Name)] = e.Name
		size := int64(len(e.Data))
		if size > limits.MaxEntrySize {
			return nil, violation(e.Name, RuleOversize, "%d bytes; at most %d", size, limits.MaxEntrySize)
		}
		total += size
		if total > limits.MaxTotal {
			return nil, violation(e.Name, RuleTotalTooLarge, "the entries up to this one hold %d bytes; at most %d", total, limits.MaxTotal)
		}
	}
	// Hashed once every rule holds.
	describeOnce := describer(sorted)
	for _, e := range sorted {
		m.Entries = append(m.Entries, describeOnce(e))
	}
	links := linksOf(sorted, m.Entries)
	manifest, err := encodeManifest(m)
	if err != nil {
		return nil, err
	}
	if int64(len(manifest)) > limits.MaxEntrySize {
		return nil, violation(ManifestName, RuleOversize, "the manifest is %d bytes; at most %d", len(manifest), limits.MaxEntrySize)
	}
	if total+int64(len(manifest)) > limits.MaxTotal {
		return nil, violation(ManifestName, RuleTotalTooLarge, "the entries and the manifest hold %d bytes; at most %d", total+int64(len(manifest)), limits.MaxTotal)
	}
	return &prepared{sorted: sorted, manifest: manifest, links: links}, nil
}

// writeTar writes the bundle's bytes to w: the manifest, then the entries
// in order, then the end of the archive.
func (p *prepared) writeTar(w io.Writer) error {
	tw := tar.NewWriter(w)
	add := func(name string, data []byte) error {
		if err := tw.WriteHeader(header(name, int64(len(data)))); err != nil {
			return fmt.Errorf("failed to add %q: %w", name, err)
		}
		if _, err := tw.Write(data); err != nil {
			return fmt.Errorf("failed to add %q: %w", name, err)
		}
		return nil
	}
	if err := add(ManifestName, p.manifest); err != nil {
		return err
	}
	for i, e := range p.sorted {
		if p.links[i] != "" {
			if err := tw.WriteHeader(linkHeader(e.Name, p.links[i])); err != nil {
				return fmt.Errorf("failed to add %q: %w", e.Name, err)
			}
			continue
		}
		if err := add(e.Name, e.Data); err != nil {
			return err
		}
	}
	return tw.Close()
}

// header is the one header an entry of a bundle has.
func header(name string, size int64) *tar.Header {
	return &tar.Header{
		Typeflag: tar.TypeReg,
		Name:     name,
		Size:     size,
		Mode:     0o644,
		Uid:      0,
		Gid:      0,
		Uname:    "",
		Gname:    "",
		ModTime:  epoch,
		Format:   tar.FormatPAX,
	}
}

// linkHeader is the one header of an entry written as a hard link to the
// entry called target: no data, target in the ustar link name.
func linkHeader(name, target string) *tar.Header {
	h := header(name, 0)
	h.Typeflag = tar.TypeLink
	h.Linkname = target
	return h
}

func duplicate(name, other string) *Violation {
	if name == other {
		return violation(name, RuleDuplicateName, "the name comes twice")
	}
	return violation(name, RuleDuplicateName, "the same name as %q but for case", other)
}
