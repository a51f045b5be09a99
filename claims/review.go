package claims

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// What a claims ceremony does with an accepted request.
const (
	// ChangeAdd: the project is delegated from claimed to the claim's keys.
	ChangeAdd = "add"
	// ChangeUnchanged: claimed already delegates the project to these keys
	// and threshold (or another request in the directory adds it).
	ChangeUnchanged = "unchanged"
	// ChangeRekey: claimed delegates the project to other keys, and the
	// administrators named it as a rekey: the claim's keys and threshold
	// replace the delegation's (see Rekey).
	ChangeRekey = "rekey"
	// Refused is a verdict's Outcome when the request is refused.
	Refused = "refused"
)

// RequestSuffix is how the files Review reads are named: every *.json file
// in the directory is a claim request ('ceremony claim' suggests
// PROJECT.claim.json); other files and subdirectories are listed as
// ignored.
const RequestSuffix = ".json"

// Verdict is what Review says of one request file.
type Verdict struct {
	// File is the request's path, SHA256 the hex SHA-256 of its bytes
	// ("" if it could not be read).
	File   string
	SHA256 string
	// Project is the project the request names, as written ("" if the
	// file could not be read that far).
	Project string
	// Claim is the verified claim; nil when the request is refused.
	Claim *Claim
	// Reason is why it is refused: one line a maintainer can act on.
	Reason string
	// Flags are what the administrators should look at in an accepted
	// request (a key also used for other projects, a key not attested).
	Flags []string
	// Change is ChangeAdd, ChangeRekey or ChangeUnchanged for an accepted
	// request.
	Change string
	// Previous is, for a rekey, claimed's delegation to the project as it
	// stands: the keys and threshold the claim's replace.
	Previous *metadata.DelegatedRole
	// RekeyReason is, for a rekey, why the administrators change the
	// project's keys (Rekey.Reason).
	RekeyReason string
}

// Outcome is Change, or Refused.
func (v *Verdict) Outcome() string {
	if v.Claim == nil {
		return Refused
	}
	return v.Change
}

// Report is a review of a directory of claim requests.
type Report struct {
	Dir string
	// Verdicts are by file name.
	Verdicts []Verdict
	// Ignored are the directory's entries that are not *.json files.
	Ignored []string
	// Claimed is how many projects the claimed role delegates to now.
	Claimed int
	// Rekeys are the rekeys the review was asked for; RekeyProblems says
	// which of them no request turns into a key change.
	Rekeys []Rekey
}

// Accepted are the claims a claims ceremony adds to claimed (the verdicts
// whose Change is ChangeAdd), sorted by project.
func (r *Report) Accepted() []Claim {
	var out []Claim
	for _, v := range r.Verdicts {
		if v.Claim != nil && v.Change == ChangeAdd {
			out = append(out, *v.Claim)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Project < out[j].Project })
	return out
}

// Count is how many verdicts have the outcome (ChangeAdd, ChangeRekey,
// ChangeUnchanged, Refused).
func (r *Report) Count(outcome string) int {
	n := 0
	for i := range r.Verdicts {
		if r.Verdicts[i].Outcome() == outcome {
			n++
		}
	}
	return n
}

// Review checks every claim request (*.json) in dir against the claimed
// role as it stands (nil: a claimed role that delegates nothing yet) and
// says what a claims ceremony would do with each: add it, nothing
// (unchanged), change a claimed project's keys (rekey), or refuse it and
// why. Beyond what Verify refuses, it refuses every request for a project
// that two requests ask for with different keys or thresholds, and a
// request for a project claimed already by other keys or another
// threshold, unless rekeys names that project: then the request is
// accepted as a rekey, with the reason given. It flags a key that other
// projects also use, keys without attestation, and projects whose legacy
// sdist names overlap (see ProjectPaths). The claimed role is not
// verified here: check the repository first (ceremony verify).
//
// Review errs only when dir or the claimed role cannot be read, or a
// rekey is malformed (CheckRekeys); each request's problem is in its
// verdict.
func Review(dir string, claimed *metadata.TargetsType, opts Options, rekeys ...Rekey) (*Report, error) {
	return review(dir, opts, rekeys, func(*Report) (*claimedIndex, error) { return indexClaimed(claimed) })
}

// ReviewFile is Review of the claimed role in claimed (ReadClaimedFile;
// nil: a claimed role that delegates nothing yet), decoding of it the
// delegations to the projects the requests name and the keys those list,
// not the other hundred thousand: it reads each other delegation's name
// and key IDs as JSON, and nothing else of it. What is wrong in a
// delegation no request names, beyond its name and key IDs, is not seen:
// Review does not verify claimed either. An error in claimed names its
// file.
func ReviewFile(dir string, claimed *ClaimedFile, opts Options, rekeys ...Rekey) (*Report, error) {
	return review(dir, opts, rekeys, func(rep *Report) (*claimedIndex, error) {
		if claimed == nil {
			return indexClaimed(nil)
		}
		projects, keyIDs := requested(rep, rekeys)
		idx, err := indexClaimedFile(claimed.file, projects, keyIDs)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", claimed.path, err)
		}
		return idx, nil
	})
}

// requested are the projects the requests and rekeys name and the key IDs
// the verified requests hold: what a review looks up in claimed.
func requested(rep *Report, rekeys []Rekey) (projects, keyIDs map[string]bool) {
	projects, keyIDs = map[string]bool{}, map[string]bool{}
	for _, r := range rekeys {
		projects[r.Project] = true
	}
	for i := range rep.Verdicts {
		if c := rep.Verdicts[i].Claim; c != nil {
			projects[c.Project] = true
			for id := range c.Keys {
				keyIDs[id] = true
			}
		}
	}
	return projects, keyIDs
}

// review reads and verifies each request in dir, then indexes claimed
// (index) and decides.
func review(dir string, opts Options, rekeys []Rekey, index func(*Report) (*claimedIndex, error)) (*Report, error) {
	if err := CheckRekeys(rekeys); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("failed to read the claim requests' directory: %w", err)
	}
	rep := &Report{Dir: dir, Rekeys: rekeys}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, RequestSuffix) {
			if e.IsDir() {
				name += "/"
			}
			rep.Ignored = append(rep.Ignored, name)
			continue
		}
		path := filepath.Join(dir, name)
		v := Verdict{File: path}
		data, err := readRequest(path)
		if err != nil {
			v.Reason = err.Error()
			rep.Verdicts = append(rep.Verdicts, v)
			continue
		}
		sum := sha256.Sum256(data)
		v.SHA256 = hex.EncodeToString(sum[:])
		c, project, err := verify(data, path, opts)
		v.Project = project
		if err != nil {
			v.Reason = Reason(err)
		} else {
			v.Claim, v.Project = c, c.Project
		}
		rep.Verdicts = append(rep.Verdicts, v)
	}
	idx, err := index(rep)
	if err != nil {
		return nil, err
	}
	rep.Claimed = idx.count()
	reasons := make(map[string]string, len(rekeys))
	for _, r := range rekeys {
		reasons[r.Project] = r.Reason
	}
	decide(rep, idx, reasons)
	return rep, nil
}

// readRequest reads a request file: a regular file (not a link), at most
// MaxRequestSize bytes.
// ReadRequest reads a claim request file as the review does: a regular
// file (no link), at most MaxRequestSize bytes.
func ReadRequest(path string) ([]byte, error) { return readRequest(path) }

func readRequest(path string) ([]byte, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file (%s): put the request file itself in the directory", fi.Mode().Type())
	}
	if fi.Size() > MaxRequestSize {
		return nil, fmt.Errorf("the file is %d bytes, over the limit of %d for a claim request", fi.Size(), MaxRequestSize)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxRequestSize+1))
	if err != nil {
		return nil, fmt.Errorf("failed to read: %w", err)
	}
	if len(data) > MaxRequestSize {
		return nil, fmt.Errorf("the file grew over the limit of %d bytes while it was read", MaxRequestSize)
	}
	return data, nil
}

// decide turns the verified requests into changes: conflicts between
// requests, conflicts with claimed (a project named in rekeys may change
// its keys), then the flags.
func decide(rep *Report, idx *claimedIndex, rekeys map[string]string) {
	vs := rep.Verdicts
	// Every verified request, by project and by key, before any refusal:
	// a key reused by a refused request is still worth a flag.
	byProject := map[string][]int{}
	dirByKey := map[string][]string{}
	for i := range vs {
		c := vs[i].Claim
		if c == nil {
			continue
		}
		for id := range c.Keys {
			dirByKey[id] = append(dirByKey[id], c.Project)
		}
		byProject[c.Project] = append(byProject[c.Project], i)
	}
	dirNames := make([]string, 0, len(byProject))
	for p := range byProject {
		dirNames = append(dirNames, p)
	}
	sort.Strings(dirNames)

	for _, project := range dirNames {
		is := byProject[project]
		first := &vs[is[0]]
		if !sameRequests(vs, is) {
			files := make([]string, len(is))
			for j, i := range is {
				files[j] = filepath.Base(vs[i].File)
			}
			for _, i := range is {
				vs[i].Claim = nil
				vs[i].Reason = fmt.Sprintf("project %q is asked for by %d requests with different keys or thresholds (%s): the maintainers must agree on one request; remove the others", project, len(is), strings.Join(files, ", "))
			}
			continue
		}
		decideOne(first, idx, rekeys)
		for _, i := range is[1:] {
			dup := &vs[i]
			if first.Claim == nil {
				dup.Claim = nil
				dup.Reason = fmt.Sprintf("same keys and threshold as %s, which is refused: %s", filepath.Base(first.File), first.Reason)
				continue
			}
			dup.Change = ChangeUnchanged
			dup.Flags = append(dup.Flags, fmt.Sprintf("same project, keys and threshold as %s: nothing more to add; remove the copy", filepath.Base(first.File)))
		}
	}
	for i := range vs {
		if vs[i].Claim != nil && vs[i].Change == ChangeAdd {
			refuseAmbiguous(&vs[i], idx, dirNames)
		}
	}
	for i := range vs {
		if vs[i].Claim != nil {
			flag(&vs[i], idx, dirByKey, dirNames)
		}
	}
}

// refuseAmbiguous refuses a new claim whose files cannot be told apart
// from another project's (see ProjectPaths): its name is a claimed or
// requested project's, "-" and a version ("foo-99999" while "foo" is
// claimed: foo-99999-1-py3-none-any.whl is foo's wheel of version 99999,
// build 1, and foo-99999-1.tar.gz foo's sdist of 99999.post1), or a claimed
// or requested project's name is its own, "-" and a version. No order of
// the delegations gives both projects all their own files and no other's.
// When what follows the "-" is no version ("foo-2fa"), listing the longer
// name first is enough, and flag says so instead.
func refuseAmbiguous(v *Verdict, idx *claimedIndex, dirNames []string) {
	project := v.Claim.Project
	shorter, longer := overlaps(project, idx, dirNames)
	for _, s := range shorter {
		rest := project[len(s)+1:]
		if !isVersion(rest) {
			continue
		}
		v.Claim = nil
		v.Reason = fmt.Sprintf("%q is %q, \"-\" and the version %s: its files %s-1-py3-none-any.whl and %s-1.tar.gz are %q's too (version %s, build 1; version %s.post1), so no delegation can give them to one project only; choose another name",
			project, s, rest, project, project, s, rest, rest)
		return
	}
	longer = slices.DeleteFunc(longer, func(l string) bool { return !isVersion(l[len(project)+1:]) })
	if len(longer) > 0 {
		v.Claim = nil
		v.Reason = fmt.Sprintf("%s is claimed or asked for, a name that is %q, \"-\" and a version: %q's own files would be read as its (%s-1.tar.gz), so no delegation can give them to one project only; %q cannot be claimed while %s is",
			nameList(longer), project, project, longer[0], project, nameList(longer))
	}
}

// pep440 is a version as PEP 440 reads it, in any case: epoch, release,
// pre-, post- and dev-release, and the "-N" post-release of legacy names.
var pep440 = regexp.MustCompile(`^(?i)v?([0-9]+!)?[0-9]+(\.[0-9]+)*([-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?[0-9]*)?(-[0-9]+|[-_.]?(post|rev|r)[-_.]?[0-9]*)?([-_.]?dev[-_.]?[0-9]*)?$`)

// isVersion reports whether s is a PEP 440 version, as a client reading a
// file name would take it.
func isVersion(s string) bool { return pep440.MatchString(s) }

// sameRequests reports whether the requests at is ask for the same keys and
// threshold.
func sameRequests(vs []Verdict, is []int) bool {
	a := vs[is[0]].Claim
	for _, i := range is[1:] {
		b := vs[i].Claim
		if a.Threshold != b.Threshold || len(a.Keys) != len(b.Keys) {
			return false
		}
		for id := range a.Keys {
			if _, ok := b.Keys[id]; !ok {
				return false
			}
		}
	}
	return true
}

// decideOne compares a verified request with claimed; rekeys are the
// projects whose keys may change, with the reason.
func decideOne(v *Verdict, idx *claimedIndex, rekeys map[string]string) {
	c := v.Claim
	reason, rekey := rekeys[c.Project]
	r, ok := idx.byName[c.Project]
	if !ok {
		v.Change = ChangeAdd
		if rekey {
			v.Flags = append(v.Flags, fmt.Sprintf("--rekey names %q, but claimed does not delegate it yet: this request is a first claim, added as any other", c.Project))
		}
		return
	}
	if !idx.sameKeys(r, c) {
		if rekey {
			prev := *r
			prev.KeyIDs = append([]string(nil), r.KeyIDs...)
			v.Change, v.Previous, v.RekeyReason = ChangeRekey, &prev, reason
			v.Flags = append(v.Flags, rekeyFlag(reason, &prev, c))
			if otherPaths(r, c) {
				v.Flags = append(v.Flags, "claimed delegates it with other paths or not terminating: the rekey keeps them as they are and changes only the keys and threshold")
			}
			return
		}
		ids := append([]string(nil), r.KeyIDs...)
		sort.Strings(ids)
		v.Claim = nil
		v.Reason = fmt.Sprintf("project %q is already claimed by key(s) %s (threshold %d); a claimed project's keys change only when PyPI's administrators take the request in as a rekey (its keys stolen or lost, a maintainer leaving): ask them, with this file", c.Project, shortList(ids), r.Threshold)
		return
	}
	v.Change = ChangeUnchanged
	if rekey {
		v.Flags = append(v.Flags, fmt.Sprintf("--rekey names %q, but claimed delegates it to these keys and threshold already: there is no key change", c.Project))
	}
	if otherPaths(r, c) {
		v.Flags = append(v.Flags, "claimed already delegates it to these keys, but with other paths or not terminating: the claims ceremony leaves that delegation as it is")
	}
}

// otherPaths reports whether claimed's delegation r is not the one
// Delegation makes for c: other paths, or not terminating.
func otherPaths(r *metadata.DelegatedRole, c *Claim) bool {
	return !r.Terminating || !equalStrings(r.Paths, ProjectPaths(c.Project)) || len(r.PathHashPrefixes) > 0
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// maxNamed is how many other projects a flag names before "and N more".
const maxNamed = 5

// flag adds what the administrators should look at in an accepted request.
func flag(v *Verdict, idx *claimedIndex, dirByKey map[string][]string, dirNames []string) {
	c := v.Claim
	ids := make([]string, 0, len(c.Keys))
	for id := range c.Keys {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		var others []string
		seen := map[string]bool{c.Project: true}
		for _, list := range [][]string{idx.byKey[id], dirByKey[id]} {
			for _, p := range list {
				if !seen[p] {
					seen[p] = true
					others = append(others, p)
				}
			}
		}
		if len(others) > 0 {
			v.Flags = append(v.Flags, fmt.Sprintf("key %s is also a key of: %s", short(id), nameList(others)))
		}
	}
	var unattested []string
	for _, id := range ids {
		if a := c.Attested[id]; a != nil {
			if a.PINPolicy == "never" {
				v.Flags = append(v.Flags, fmt.Sprintf("key %s (YubiKey %d) signs without a PIN (PIN policy never)", short(id), a.Serial))
			}
			continue
		}
		unattested = append(unattested, id)
	}
	if len(unattested) > 0 {
		v.Flags = append(v.Flags, fmt.Sprintf("no attestation for key(s) %s: nothing shows they are on a YubiKey", shortList(unattested)))
	}
	// Legacy sdist overlaps (ProjectPaths); those that no order of the
	// delegations can settle are refused (refuseAmbiguous).
	shorter, longer := overlaps(c.Project, idx, dirNames)
	if len(longer) > 0 {
		v.Flags = append(v.Flags, fmt.Sprintf("its legacy sdist pattern also matches those of %s: list their delegations before %q in claimed", nameList(longer), c.Project))
	}
	for _, s := range shorter {
		v.Flags = append(v.Flags, fmt.Sprintf("its legacy sdists also match the patterns of %q: list %q before %q in claimed", s, c.Project, s))
	}
}

// overlaps are the claimed or requested projects whose names overlap
// project's as ProjectPaths says: shorter, a name that with "-" and a digit
// begins project's (its patterns match project's legacy sdists); longer,
// the names that are project's, "-" and a digit (project's patterns match
// theirs).
func overlaps(project string, idx *claimedIndex, dirNames []string) (shorter, longer []string) {
	for i := 0; i+1 < len(project); i++ {
		if project[i] != '-' || project[i+1] < '0' || project[i+1] > '9' {
			continue
		}
		s := project[:i]
		claimed := idx.claimed(s)
		j := sort.SearchStrings(dirNames, s)
		if claimed || j < len(dirNames) && dirNames[j] == s {
			shorter = append(shorter, s)
		}
	}
	seen := map[string]bool{}
	for _, list := range [][]string{idx.digitNames(project), digitNamesIn(dirNames, project)} {
		for _, p := range list {
			if !seen[p] {
				seen[p] = true
				longer = append(longer, p)
			}
		}
	}
	return shorter, longer
}

// nameList names up to maxNamed projects, then how many more.
func nameList(names []string) string {
	sort.Strings(names)
	if len(names) <= maxNamed {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:maxNamed], ", "), len(names)-maxNamed)
}
