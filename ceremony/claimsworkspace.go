package ceremony

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// What claims and project workspaces share: the files their init record
// names (every trusted file, and the kind's own: claim requests, review,
// accepted list; target files), and that record.

// recordDelegatedInit writes the transcript's first record of a claims or
// project workspace: the request (plan.yaml), every trusted file, every
// other file of the ceremony (claim requests, review, accepted list,
// target files), the unsigned metadata states; then each attestation
// checked.
func recordDelegatedInit(w *workspace.Workspace, files []string, request []byte, message string, attested []attestedHolder) error {
	tr, err := transcripts.Create(w.TranscriptPath())
	if err != nil {
		return err
	}
	defer tr.Close()
	inputs, err := delegatedInputs(w, files)
	if err != nil {
		return err
	}
	inputs[workspace.PlanFile] = sum(request)
	rec := transcripts.Record{Kind: transcripts.Init, Inputs: inputs, States: map[string]string{}, Message: message}
	for _, role := range w.State.Roles {
		data, err := w.MetadataBytes(role)
		if err != nil {
			return err
		}
		if rec.States[role], err = tr.PutState(data); err != nil {
			return err
		}
	}
	if _, err := tr.Append(rec); err != nil {
		return err
	}
	for _, a := range attested {
		if _, err := tr.Append(transcripts.Record{Kind: transcripts.Attestation, Who: a.holder,
			Device:  &transcripts.Device{Kind: transcripts.DeviceYubiKey, Serial: fmt.Sprint(a.info.Serial), Firmware: a.info.Firmware, Model: "YubiKey"},
			Inputs:  map[string]string{"attestation": sum([]byte(a.pem))},
			Message: fmt.Sprintf("attestation holds: slot %s, PIN policy %s, touch policy %s", a.info.Slot, a.info.PINPolicy, a.info.TouchPolicy)}); err != nil {
			return err
		}
	}
	return nil
}

// delegatedInputs hashes the files of a claims or project workspace the
// init record names, by their path in the workspace: trusted/ROLE.json,
// and the kind's own (claims/NAME, claims-review.json,
// accepted-projects.json; targets/PATH).
func delegatedInputs(w *workspace.Workspace, files []string) (map[string]string, error) {
	out := map[string]string{}
	for _, role := range w.State.Trusted {
		data, err := w.TrustedBytes(role)
		if err != nil {
			return nil, err
		}
		out[workspace.TrustedPath(role)] = sum(data)
	}
	for _, name := range files {
		data, err := w.ReadFile(name)
		if err != nil {
			return nil, err
		}
		out[name] = sum(data)
	}
	return out, nil
}

// filesUnder lists the files of the tree under dir in w, in slash form,
// with extra before them, sorted: a claims or project workspace's own
// files.
func filesUnder(w *workspace.Workspace, tree string, extra ...string) ([]string, error) {
	out := append([]string(nil), extra...)
	dir := filepath.Join(w.Dir, tree)
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		sort.Strings(out)
		return out, nil
	}
	err := bundleAddTree(dir, tree, func(name string, _ []byte) { out = append(out, name) })
	sort.Strings(out)
	return out, err
}

// checkNewWorkspace refuses, before any work, a workspace directory that is
// not new or empty (workspace.Create checks again).
func checkNewWorkspace(dir string) error {
	if dir == "" {
		return fmt.Errorf("no workspace directory given")
	}
	entries, err := os.ReadDir(dir)
	if err == nil && len(entries) > 0 {
		return fmt.Errorf("workspace %q is not empty: choose a new directory (a workspace is never overwritten)", dir)
	}
	return nil
}
