package verify

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/internal/bounded"
	"github.com/tuf-ceremony/ceremony/metafile"
)

// errTooBig means a file is larger than metafile.MaxSize.
var errTooBig = fmt.Errorf("larger than %d bytes", metafile.MaxSize)

// readBounded reads the regular file name below root, refusing anything
// larger than metafile.MaxSize. Opening through an os.Root means no name
// and no symbolic link can lead outside the directory; checking the mode
// first means a FIFO or a device is never opened (opening a FIFO blocks).
func readBounded(root *os.Root, name string) ([]byte, error) {
	return readStatted(root.Stat, root.Open, name)
}

// readFileBounded is readBounded for a path the user named (a trusted root
// kept outside the repository).
func readFileBounded(p string) ([]byte, error) {
	return readStatted(os.Stat, os.Open, p)
}

// readStatted stats name, refuses anything but a regular file of at most
// metafile.MaxSize, then opens and reads it.
func readStatted(stat func(string) (os.FileInfo, error), open func(string) (*os.File, error), name string) ([]byte, error) {
	st, err := stat(name)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file (%s)", st.Mode().Type())
	}
	if st.Size() > metafile.MaxSize {
		return nil, errTooBig
	}
	f, err := open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readAllBounded(f, st.Size())
}

// readAllBounded reads r to its end, which is expected after size bytes
// (the file may have changed since: at most metafile.MaxSize is read).
func readAllBounded(r io.Reader, size int64) ([]byte, error) {
	data, err := bounded.ReadSized(r, size, metafile.MaxSize)
	if errors.Is(err, bounded.ErrTooLarge) {
		return nil, errTooBig
	}
	return data, err
}

// describeReadError turns a read error into a finding's check and message.
func describeReadError(err error) (check, msg string) {
	if errors.Is(err, fs.ErrNotExist) {
		return "missing", "file not found"
	}
	return "read", fmt.Sprintf("failed to read: %v", err)
}

// topLevelRoles may not be delegated: their file names would collide.
var topLevelRoles = map[string]bool{
	metadata.ROOT: true, metadata.TIMESTAMP: true, metadata.SNAPSHOT: true, metadata.TARGETS: true,
}

// roleNameProblem says why a delegated role name must not be turned into a
// file name, or "" if it may. A name with a path separator or ".." could
// name a file outside the metadata directory; an empty name or a control
// character makes no sensible file name.
func roleNameProblem(name string) string {
	switch {
	case name == "":
		return "empty role name"
	case strings.ContainsAny(name, `/\`):
		return "role name contains a path separator"
	case strings.Contains(name, ".."):
		return `role name contains ".."`
	case strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return "role name contains a control character"
	case topLevelRoles[name]:
		return "a top-level role name cannot be delegated"
	}
	return ""
}

// roleFile is the file name of a role's metadata inside metadata/.
func roleFile(role string, version int64, consistent bool) string {
	if consistent {
		return fmt.Sprintf("%d.%s.json", version, role)
	}
	return role + ".json"
}

// newHash returns a hash for a TUF hash algorithm name, or nil.
func newHash(alg string) hash.Hash {
	switch alg {
	case "sha256":
		return sha256.New()
	case "sha224":
		return sha256.New224()
	case "sha384":
		return sha512.New384()
	case "sha512":
		return sha512.New()
	case "sha512_256":
		return sha512.New512_256()
	}
	return nil
}

// lengthHashProblems compares data with the length and hashes a referrer
// gives for it. It returns Error problems and Warning notes separately.
func lengthHashProblems(data []byte, length int64, hashes metadata.Hashes, from string) (errs []problem, warns []problem) {
	if length != 0 && int64(len(data)) != length {
		errs = append(errs, problem{"length", fmt.Sprintf("file is %d bytes, %s says %d", len(data), from, length)})
	}
	algs := make([]string, 0, len(hashes))
	for alg := range hashes {
		algs = append(algs, alg)
	}
	sort.Strings(algs)
	known := 0
	for _, alg := range algs {
		h := newHash(alg)
		if h == nil {
			warns = append(warns, problem{"hashes", fmt.Sprintf("%s gives a %q hash, which is not checked (unknown algorithm)", from, alg)})
			continue
		}
		known++
		h.Write(data)
		if got := h.Sum(nil); hex.EncodeToString(got) != hex.EncodeToString(hashes[alg]) {
			errs = append(errs, problem{"hashes", fmt.Sprintf("%s is %s, %s says %s", alg, hex.EncodeToString(got), from, hex.EncodeToString(hashes[alg]))})
		}
	}
	if len(algs) > 0 && known == 0 {
		warns = append(warns, problem{"hashes", fmt.Sprintf("none of the hashes %s gives can be checked", from)})
	}
	return errs, warns
}

// problem is a finding before it is tied to a file and role.
type problem struct{ check, msg string }

// targetCandidates are the names under targets/ a target file may have:
// with consistent snapshots the hash-prefixed names first (TUF
// specification 5.7.3), then the path itself.
func targetCandidates(p string, hashes metadata.Hashes, consistent bool) []string {
	var out []string
	if consistent {
		dir, base := path.Split(p)
		algs := make([]string, 0, len(hashes))
		for alg := range hashes {
			algs = append(algs, alg)
		}
		sort.Strings(algs)
		for _, alg := range algs {
			out = append(out, dir+hex.EncodeToString(hashes[alg])+"."+base)
		}
	}
	return append(out, p)
}

// checkTargetFile compares a target file under root with its length and
// hashes, streaming it.
func checkTargetFile(root *os.Root, name string, length int64, hashes metadata.Hashes) ([]problem, error) {
	st, err := root.Stat(name)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return []problem{{"target", fmt.Sprintf("targets/%s is not a regular file", name)}}, nil
	}
	f, err := root.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	hs := map[string]hash.Hash{}
	var ws []io.Writer
	for alg := range hashes {
		if h := newHash(alg); h != nil {
			hs[alg] = h
			ws = append(ws, h)
		}
	}
	n, err := io.Copy(io.MultiWriter(append(ws, io.Discard)...), io.LimitReader(f, max(length, 0)+1))
	if err != nil {
		return nil, err
	}
	var probs []problem
	if n != length {
		size := fmt.Sprintf("%d bytes", n)
		if n > length {
			size = "longer"
		}
		probs = append(probs, problem{"target", fmt.Sprintf("targets/%s is %s, the metadata says %d", name, size, length)})
		return probs, nil
	}
	algs := make([]string, 0, len(hs))
	for alg := range hs {
		algs = append(algs, alg)
	}
	sort.Strings(algs)
	for _, alg := range algs {
		if got := hs[alg].Sum(nil); hex.EncodeToString(got) != hex.EncodeToString(hashes[alg]) {
			probs = append(probs, problem{"target", fmt.Sprintf("targets/%s: %s is %s, the metadata says %s", name, alg, hex.EncodeToString(got), hex.EncodeToString(hashes[alg]))})
		}
	}
	return probs, nil
}
