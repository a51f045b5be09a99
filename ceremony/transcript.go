package ceremony

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tuf-ceremony/ceremony/internal/crashpoint"
	"github.com/tuf-ceremony/ceremony/internal/hint"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// The transcript is the ceremony's commit log. A step that changes
// metadata stores the new state, appends its record (fsync'd), and only
// then writes the metadata file. So after a kill at any instant a file
// holds either the state its last record names, or the state before a
// recorded signature, which the next command completes from the stored
// state: nothing recorded is lost, and nothing is written unrecorded.

// RecordInit writes the transcript's first record: the plan, the trusted
// root, the unsigned metadata states, and each attestation checked.
func RecordInit(w *workspace.Workspace, plan, trusted []byte, attested []AttestedHolder, keygens []KeygenFound, witnesses []plan.Witness) error {
	tr, err := transcripts.Create(w.TranscriptPath())
	if err != nil {
		return err
	}
	defer tr.Close()
	inputs, err := InitInputs(w, plan)
	if err != nil {
		return err
	}
	rec := transcripts.Record{Kind: transcripts.Init, Inputs: inputs, States: map[string]string{}, Tool: ThisTool(),
		Message: fmt.Sprintf("%s ceremony, profile %s, signing %v", w.State.Kind, w.State.Profile, w.State.Roles)}
	if trusted != nil {
		rec.Inputs[workspace.TrustedRoot] = transcripts.Sum(trusted)
	}
	for _, wit := range witnesses {
		keyJSON, err := keys.MarshalKeyJSON(wit.TUFKey)
		if err != nil {
			return err
		}
		if rec.Inputs[WitnessInput+wit.Name], err = tr.PutState(keyJSON); err != nil {
			return err
		}
	}
	if err := InitStates(tr, w, rec.States); err != nil {
		return err
	}
	crashpoint.Hit("init:before-record")
	if _, err := tr.Append(rec); err != nil {
		return err
	}
	crashpoint.Hit("init:after-record")
	for _, a := range attested {
		if _, err := tr.Append(a.Record()); err != nil {
			return err
		}
	}
	for _, k := range keygens {
		if _, err := tr.Append(keygenRecord(k)); err != nil {
			return err
		}
	}
	return nil
}

// InitInputs are the inputs every init record names by hash: the plan (or
// request) the workspace was made from, and ceremony.json as Create is
// about to write it (its keys, holders, key URIs, attestations and roles).
// Replay refuses a workspace where either changed since.
func InitInputs(w *workspace.Workspace, plan []byte) (map[string]string, error) {
	state, err := w.StateBytes()
	if err != nil {
		return nil, err
	}
	return map[string]string{workspace.PlanFile: transcripts.Sum(plan), workspace.StateFile: transcripts.Sum(state)}, nil
}

// ErrSealed means a workspace was asked to change after its seal.
var ErrSealed = errors.New("the ceremony is sealed")

// refuseSealed refuses what a sealed workspace no longer takes; it closes
// tr when it refuses. The refusal is not recorded: the seal ended the
// transcript, and what follows it (bundle records, a torn record set
// aside) changes nothing a bundle carries, so every bundle written again
// is the same bytes.
func refuseSealed(ws *workspace.Workspace, tr *transcripts.Transcript, what string) error {
	at := tr.SealedAt()
	if at == 0 {
		return nil
	}
	tr.Close()
	return fmt.Errorf("%w: workspace %q was sealed at record %d and takes no more %s; what is still to do needs a new ceremony", ErrSealed, ws.Dir, at, what)
}

// openTranscript opens the workspace's transcript. A torn last record (a
// kill in the middle of an append) is kept aside and recorded by an
// explicit resume, and said in the notices: never dropped in silence.
func openTranscript(w *workspace.Workspace) (*transcripts.Transcript, []string, error) {
	tr, err := transcripts.Open(w.TranscriptPath())
	var torn *transcripts.TornError
	if errors.As(err, &torn) {
		tr, rec, err := transcripts.ResumeTorn(w.TranscriptPath(), "")
		if err != nil {
			return nil, nil, err
		}
		return tr, []string{fmt.Sprintf("the transcript's last record was torn by an interruption (%v); it is kept in %s and the ceremony resumes (record %d)", torn, workspace.TranscriptDir, rec.Seq)}, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("failed to open the transcript of %q: %w", w.Dir, err)
	}
	return tr, nil, nil
}

// reconcile completes, from the stored states, each role's signature the
// transcript recorded but an interruption kept out of its file
// (roleFiles). It returns the roles completed, the roles whose file is
// neither state (changed outside the ceremony), and every role's file as
// it now stands, read once: the command goes on with those bytes.
func reconcile(w *workspace.Workspace, tr *transcripts.Transcript) (completed, changed []string, read *roleBytes, err error) {
	read, err = readRoleBytes(w)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, f := range roleFiles(w, read, tr.Records()) {
		switch f.stands {
		case fileUnwritten:
			state, err := tr.State(f.record.States[f.role])
			if err != nil {
				return nil, nil, nil, err
			}
			if err := w.WriteMetadataBytes(f.role, state); err != nil {
				return nil, nil, nil, err
			}
			read.set(f.role, state)
			completed = append(completed, f.role)
		case fileChanged:
			changed = append(changed, f.role)
		}
	}
	return completed, changed, read, nil
}

// guardedPrompter hands every secret it gets to the transcript's guard, so
// no record can ever hold it.
type guardedPrompter struct {
	keys.Prompter
	tr *transcripts.Transcript
}

func (g guardedPrompter) Secret(req keys.SecretRequest) ([]byte, error) {
	b, err := g.Prompter.Secret(req)
	if err == nil {
		if gerr := g.tr.ForbidSecret(b); gerr != nil {
			clear(b)
			return nil, gerr
		}
	}
	return b, err
}

// pinSourceOnce reads uri's pin-source once (keys.OpenPINSource) and
// hands the secret to the transcript's guard.
func pinSourceOnce(tr *transcripts.Transcript, uri string, p keys.Prompter) (openURI string, withSecret keys.Prompter, done func(), err error) {
	openURI, withSecret, secret, done, err := keys.OpenPINSource(uri, p)
	if err != nil || secret == nil {
		return openURI, withSecret, done, err
	}
	if err := tr.ForbidSecret(secret); err != nil {
		done()
		return "", nil, nil, err
	}
	return openURI, withSecret, done, nil
}

// openCompleted opens the transcript of a workspace and completes what an
// interruption left undone: a torn record resumed, a signature the
// transcript records written to its file. The roles changed outside the
// ceremony are left to the caller's own check (the bundle and the seal
// compare every file with the transcript).
func openCompleted(ws *workspace.Workspace) (*opened, error) { return openReconciled(ws, "") }

func completedNotices(roles []string) []string {
	var notices []string
	for _, role := range roles {
		notices = append(notices, fmt.Sprintf("completed the signature of %s that the transcript recorded before an interruption", role))
	}
	return notices
}

// refuseHalfSealed refuses a workspace whose seal envelope was written but
// not recorded (a seal interrupted between the two): its bundle would not
// verify. The next seal redoes it.
func refuseHalfSealed(ws *workspace.Workspace, tr *transcripts.Transcript) error {
	if tr.SealedAt() != 0 {
		return nil
	}
	if _, err := os.Lstat(filepath.Join(ws.TranscriptPath(), SealFile)); err != nil {
		return nil
	}
	return hint.With(fmt.Errorf("the seal of %q was interrupted: %s/%s was written, but its record is not in the transcript; sealing again redoes it", ws.Dir, workspace.TranscriptDir, SealFile),
		"seal --key URI "+ws.Dir)
}

// opened is a workspace's transcript opened for signing: the notices to
// show (a torn record resumed, a signature completed), the roles whose
// recorded signature was written now, and the roles changed outside the
// ceremony, which must not be signed.
type opened struct {
	tr                 *transcripts.Transcript
	notices            []string
	completed, changed []string
	// read are the role files as they stand once reconciled.
	read *roleBytes
}

// openForSigning opens the transcript of a workspace about to take
// signatures, refuses a sealed one, and reconciles the metadata files with
// it.
func openForSigning(ws *workspace.Workspace) (*opened, error) {
	return openReconciled(ws, "signatures")
}

// openReconciled opens the transcript (a torn record resumed), refuses a
// sealed workspace if refused names what a seal stops ("" for nothing),
// and reconciles the metadata files with it.
func openReconciled(ws *workspace.Workspace, refused string) (*opened, error) {
	tr, notices, err := openTranscript(ws)
	if err != nil {
		return nil, err
	}
	if refused != "" {
		if err := refuseSealed(ws, tr, refused); err != nil {
			return nil, err
		}
	}
	completed, changed, read, err := reconcile(ws, tr)
	if err != nil {
		tr.Close()
		return nil, err
	}
	return &opened{tr: tr, notices: append(notices, completedNotices(completed)...), completed: completed, changed: changed, read: read}, nil
}

// InitStates stores each role's metadata, as init just wrote it, as a state
// of the init record. The state is a second name of the metadata file
// where the filesystem has hard links, named by hashing the file as it is
// read back (transcripts.PutStateOf): an init writes claimed's bytes once,
// not twice, and never holds them whole.
func InitStates(tr *transcripts.Transcript, w *workspace.Workspace, states map[string]string) error {
	for _, role := range w.State.Roles {
		var err error
		if states[role], err = tr.PutStateOf(w.MetadataPath(role)); err != nil {
			return err
		}
	}
	return nil
}
