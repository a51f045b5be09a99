package delegated

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// What claims and project workspaces share: the files their init record
// names (every trusted file, and the kind's own: claim requests, review,
// accepted list; target files), and that record.

// RecordInit writes the transcript's first record of a claims or
// project workspace: the request (plan.yaml), every trusted file, every
// other file of the ceremony (claim requests, review, accepted list,
// target files), the unsigned metadata states; then each attestation
// checked.
func RecordInit(w *workspace.Workspace, files []string, request []byte, message string, attested []ceremony.AttestedHolder) error {
	tr, err := transcripts.Create(w.TranscriptPath())
	if err != nil {
		return err
	}
	defer tr.Close()
	inputs, err := delegatedInputs(w, files, nil)
	if err != nil {
		return err
	}
	common, err := ceremony.InitInputs(w, request)
	if err != nil {
		return err
	}
	maps.Copy(inputs, common)
	rec := transcripts.Record{Kind: transcripts.Init, Inputs: inputs, States: map[string]string{}, Message: message, Tool: ceremony.ThisTool()}
	if err := ceremony.InitStates(tr, w, rec.States); err != nil {
		return err
	}
	if _, err := tr.Append(rec); err != nil {
		return err
	}
	for _, a := range attested {
		if _, err := tr.Append(a.Record()); err != nil {
			return err
		}
	}
	return nil
}

// delegatedInputs hashes the files of a claims or project workspace the
// init record names, by their path in the workspace: trusted/ROLE.json,
// and the kind's own (claims/NAME, claims-review.json,
// accepted-projects.json; targets/PATH).
func delegatedInputs(w *workspace.Workspace, files []string, keep Checked) (map[string]string, error) {
	out := map[string]string{}
	for _, role := range w.State.Trusted {
		data, err := w.TrustedBytes(role)
		if err != nil {
			return nil, err
		}
		out[workspace.TrustedPath(role)] = transcripts.Sum(data)
		if keep != nil {
			keep[role] = data
		}
	}
	for _, name := range files {
		data, err := w.ReadFile(name)
		if err != nil {
			return nil, err
		}
		out[name] = transcripts.Sum(data)
	}
	return out, nil
}

// FilesUnder lists the files of the tree under dir in w, in slash form,
// with extra before them, sorted: a claims or project workspace's own
// files.
func FilesUnder(w *workspace.Workspace, tree string, extra ...string) ([]string, error) {
	out := append([]string(nil), extra...)
	dir := filepath.Join(w.Dir, tree)
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		sort.Strings(out)
		return out, nil
	}
	err := ceremony.BundleAddTree(dir, tree, func(name string, _ []byte) { out = append(out, name) })
	sort.Strings(out)
	return out, err
}

// Check checks what a claims or project workspace's init made (f, its
// role's first or current state), with its trusted files as checked
// against the init record (trusted; nil where they were not).
type Check func(ws *workspace.Workspace, f *metafile.File, trusted Checked) string

// Checked are the trusted files of a claims or project workspace as read
// to check them against the init record, by role: what the kind's check
// decodes, so that each is read once and what was checked is what is
// decoded (claimed is 77 MB at 100,000 projects).
type Checked map[string][]byte

// TrustedMetadata is role's trusted metadata, parsed from the bytes
// checked, or read from ws if c holds none for role.
func (c Checked) TrustedMetadata(ws *workspace.Workspace, role string) (*metafile.File, error) {
	if data, ok := c[role]; ok {
		return ws.ParseTrusted(role, data)
	}
	return ws.TrustedMetadata(role)
}

// CheckInit checks a claims or project workspace's trusted
// metadata and own files against the init record, then what init made
// with check.
func CheckInit(k ceremony.Kind, ws *workspace.Workspace, r transcripts.Record, initial func() (*metafile.File, string), check Check) string {
	files, err := k.Files(ws)
	if err != nil {
		return "cannot read the ceremony's files: " + err.Error()
	}
	trusted := Checked{}
	if why := checkInitFiles(ws, r, files, trusted); why != "" {
		return why
	}
	f, why := initial()
	if why != "" {
		return why
	}
	return check(ws, f, trusted)
}

// checkInitFiles checks the files of a claims or project workspace against
// the init record: every trusted file and every file of the kind named by
// the hash the record gives, and none the record does not name. The
// trusted files read go into trusted.
func checkInitFiles(ws *workspace.Workspace, r transcripts.Record, files []string, trusted Checked) string {
	want, err := delegatedInputs(ws, files, trusted)
	if err != nil {
		return fmt.Sprintf("cannot read the ceremony's files: %v", err)
	}
	for name, h := range want {
		rec, ok := r.Inputs[name]
		switch {
		case !ok:
			return fmt.Sprintf("the workspace has %s, but the init record names none", name)
		case rec != h:
			return fmt.Sprintf("%s hashes to %s, the init record names %s: it was changed", name, ceremony.AbbrevHash(h), ceremony.AbbrevHash(rec))
		}
	}
	for name := range r.Inputs {
		if name == workspace.PlanFile || name == workspace.StateFile || strings.HasPrefix(name, ceremony.WitnessInput) {
			continue
		}
		if _, ok := want[name]; !ok {
			return fmt.Sprintf("the init record names %s, but the workspace does not hold it", name)
		}
	}
	return ""
}

// ParseTargets decodes a targets metadata file.
func ParseTargets(data []byte) (*metadata.TargetsType, error) {
	f, err := metafile.Parse(data)
	if err != nil {
		return nil, err
	}
	return f.Targets()
}

func SameJSON(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(ja, jb)
}

// Create writes the workspace of a claims or project ceremony in dir: its
// request (plan.yaml), the role it signs (next), the trusted metadata it
// started from (trusted, by role, for each role state.Trusted names), its
// own files (own, by path in the workspace), then the init record that
// names each by its hash, with message and the attestations checked.
func Create(dir string, state workspace.State, request []byte, next *metafile.File, trusted, own map[string][]byte, k ceremony.Kind, message func(*workspace.Workspace) string, attested []ceremony.AttestedHolder) (*workspace.Workspace, error) {
	roles := map[string]*metafile.File{state.Roles[0]: next}
	// The trusted copies are written beside the new metadata: claimed's,
	// at 1,000,000 projects, is 773 MB of each.
	writeTrusted := func(w *workspace.Workspace) error {
		for _, role := range w.State.Trusted {
			if err := w.WriteNewFile(workspace.TrustedPath(role), trusted[role]); err != nil {
				return err
			}
		}
		return nil
	}
	return workspace.CreateAlongside(dir, state, request, nil, roles, writeTrusted, func(w *workspace.Workspace) error {
		names := make([]string, 0, len(own))
		for name := range own {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			if err := w.WriteNewFile(name, own[name]); err != nil {
				return err
			}
		}
		files, err := k.Files(w)
		if err != nil {
			return err
		}
		return RecordInit(w, files, request, message(w), attested)
	})
}

// Base is what the Kinds of a claims and a project ceremony share: they
// refuse no key their rules list, and their bundles carry nothing beyond
// their own files.
type Base struct{}

// CheckSigner refuses no key the rules list.
func (Base) CheckSigner(*workspace.Workspace, *metadata.Key) error { return nil }

// BundleExtras adds nothing: the bundle carries the kind's own files.
func (Base) BundleExtras(*workspace.Workspace, func(string, []byte)) error { return nil }

// CheckChange reads role's metadata in ws and checks it with check; ""
// if it holds.
func CheckChange(ws *workspace.Workspace, role string, check Check) string {
	data, err := ws.MetadataBytes(role)
	if err != nil {
		return err.Error()
	}
	f, err := metafile.ParseOwned(data) // read here, changed by no one
	if err != nil {
		return fmt.Sprintf("%s: %v", ws.MetadataPath(role), err)
	}
	return check(ws, f, nil)
}
