package verify

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/metafile"
)

// The root files a repository holds beyond the trusted root.

// versionedRoot is the name of a root file of one version: N.root.json.
var versionedRoot = regexp.MustCompile(`^([1-9][0-9]{0,17})\.root\.json$`)

// rootFiles reads the roots that follow the trusted one, N.root.json for
// N = trusted+1, trusted+2 ... while they exist. A root file beyond a
// missing or unreadable one cannot be reached: that is a finding. So is a
// root file of the trusted version that differs from the trusted root.
func (v *verifier) rootFiles(trustedVersion int64, trusted Named) []Named {
	present := map[int64]bool{}
	// Names only: a PEP 458 repository's directory holds 16,384 bins, and
	// a Root's ReadDir stats each entry.
	if names, err := readDirNames(v.meta); err == nil {
		for _, name := range names {
			if m := versionedRoot.FindStringSubmatch(name); m != nil {
				n, err := strconv.ParseInt(m[1], 10, 64)
				if err == nil {
					present[n] = true
				}
			}
		}
	} else {
		v.add([]Finding{{Severity: Error, File: metadataDir, Role: metadata.ROOT, Check: "read", Message: fmt.Sprintf("failed to list: %v", err)}})
	}
	if same := metadataDir + "/" + rootName(trustedVersion); present[trustedVersion] && trusted.Path != same {
		found := findings{file: same, role: metadata.ROOT}
		if data, err := readBounded(v.meta, rootName(trustedVersion)); err != nil {
			_, msg := describeReadError(err)
			found.errorf("read", "%s", msg)
		} else if f, err := metafile.Parse(data); err != nil {
			found.errorf("parse", "%v", err)
		} else if !sameSigned(f, trusted.File) {
			found.errorf("trusted", "differs from the trusted root %s, which has the same version", trusted.Path)
		}
		v.add(found.list)
	}
	var next []Named
	n := trustedVersion + 1
	for ; present[n]; n++ {
		name := metadataDir + "/" + rootName(n)
		found := findings{file: name, role: metadata.ROOT}
		data, err := readBounded(v.meta, rootName(n))
		if err != nil {
			check, msg := describeReadError(err)
			found.errorf(check, "%s", msg)
			v.add(found.list)
			break
		}
		f, err := metafile.Parse(data)
		if err != nil {
			found.errorf("parse", "%v", err)
			v.add(found.list)
			break
		}
		next = append(next, Named{Path: name, File: f})
	}
	stop := n
	var beyond []int64
	for k := range present {
		if k > stop {
			beyond = append(beyond, k)
		}
	}
	sort.Slice(beyond, func(i, j int) bool { return beyond[i] < beyond[j] })
	for _, k := range beyond {
		why := fmt.Sprintf("metadata/%s is missing", rootName(stop))
		if present[stop] {
			why = fmt.Sprintf("metadata/%s cannot be read", rootName(stop))
		}
		v.add([]Finding{{Severity: Error, File: metadataDir + "/" + rootName(k), Role: metadata.ROOT, Check: "chain",
			Message: fmt.Sprintf("root v%d cannot be reached: %s", k, why)}})
	}
	return next
}

// readDirNames lists the names in root's top directory.
func readDirNames(root *os.Root) ([]string, error) {
	d, err := root.Open(".")
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return d.Readdirnames(-1)
}
