// Package workspace keeps one ceremony's state in a directory:
//
//	WORKSPACE/
//	  ceremony.json        what this ceremony is: profile, roles being signed, keyholders
//	  plan.yaml            the plan, byte for byte as given
//	  trusted/root.json    the trusted previous root (next-root ceremonies only)
//	  metadata/ROLE.json   the metadata being signed, with the signatures so far
//	  transcript/          the hash-chained record of every step (package transcripts)
//
// Every file is written atomically (temporary file, fsync, rename, fsync of
// the directory), so a workspace survives a kill or power cut at any instant:
// each metadata file holds either the signatures before a step or those after
// it. ceremony.json is written last by Create, which first marks the
// directory as an init in progress (.init-incomplete): a directory with the
// mark and without ceremony.json is an interrupted init, which every command
// refuses and the next Create into it clears and starts over (nothing in it
// was signed: signing needs ceremony.json). A Create that fails clears what
// it wrote.
package workspace

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/internal/atomicfile"
	"github.com/tuf-ceremony/ceremony/internal/hint"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/plan"
)

// File names inside a workspace.
const (
	StateFile   = "ceremony.json"
	PlanFile    = "plan.yaml"
	TrustedRoot = "trusted/root.json"
	MetadataDir = "metadata"
	// TranscriptDir holds the ceremony's transcript (package transcripts).
	TranscriptDir = "transcript"
	// TrustedDir holds trusted metadata: the previous root, and for claims
	// and project ceremonies the delegating roles (TrustedPath).
	TrustedDir = "trusted"
)

// Kind is what a ceremony produces.
type Kind string

const (
	// Bootstrap makes root v1 and the offline roles of a new repository.
	Bootstrap Kind = "bootstrap"
	// NextRoot makes the next version of an existing root.
	NextRoot Kind = "next-root"
	// Rotation makes the next root version and re-signs the offline roles
	// whose keys change, after a compromise or for a planned key change
	// (ceremony/rotate); its plan is RotationFile.
	Rotation Kind = "rotation"
	// Claims makes the next version of PEP 480's claimed role: the
	// administrators take maintainers' claim requests in (ClaimsDir).
	Claims Kind = "claims"
	// Project makes the next version of one claimed project's targets
	// role, signed by its maintainers.
	Project Kind = "project"
)

// SignsRoot reports whether a ceremony of this kind makes a root version.
func (k Kind) SignsRoot() bool { return k != Claims && k != Project }

// Delegator names the role whose metadata says who signs role in a
// ceremony of this kind: root for targets, targets for claimed, claimed for
// a project's role; "" for root, whose rules are its own, and for a role no
// offline ceremony of this kind signs.
func (k Kind) Delegator(role string) string {
	switch {
	case role == metadata.ROOT:
		return ""
	case role == metadata.TARGETS:
		return metadata.ROOT
	case role == plan.RoleClaimed:
		return metadata.TARGETS
	case k == Project:
		return plan.RoleClaimed
	}
	return ""
}

// Files of claims and project workspaces; the transcript's init record
// names each by its SHA-256.
const (
	// ClaimsDir holds the claim requests a claims ceremony takes in, byte
	// for byte as given.
	ClaimsDir = "claims"
	// ClaimsReviewFile is the review of those requests (JSON).
	ClaimsReviewFile = "claims-review.json"
	// AcceptedFile lists the projects the ceremony adds to claimed (JSON):
	// the online server drops them from recently-claimed.
	AcceptedFile = "accepted-projects.json"
	// TargetsDir holds a project ceremony's target files, by target path.
	TargetsDir = "targets"
)

// RotationFile holds a rotation workspace's plan (package rotation, as
// JSON); the transcript's init record names it by its SHA-256.
const RotationFile = "rotation.json"

// IncidentFile is a rotation workspace's incident report (Markdown),
// written at the start and again with every bundle.
const IncidentFile = "incident-report.md"

// State is the content of ceremony.json.
type State struct {
	Format     int       `json:"format"`
	Kind       Kind      `json:"kind"`
	Profile    string    `json:"profile"`
	Repository string    `json:"repository,omitempty"`
	Created    time.Time `json:"created"`
	// Roles are the roles signed in this workspace, in signing order.
	Roles []string `json:"roles"`
	// Keys names every key the plan lists, so status can say who signed.
	Keys []KeyEntry `json:"keys"`
	// TrustedRootVersion is the version of the previous root a new root
	// version follows (trusted/root.json), 0 if none.
	TrustedRootVersion int64 `json:"trusted_root_version,omitempty"`
	// Trusted are the roles whose trusted metadata a claims or project
	// ceremony keeps in trusted/ROLE.json (TrustedPath): what the roles
	// signed here are delegated by and follow.
	Trusted []string `json:"trusted,omitempty"`
	// Warnings from the plan (rehearsal overrides), repeated by status.
	Warnings []string `json:"warnings,omitempty"`
	// Rehearsal marks a practice ceremony: its plan has rehearsal
	// overrides (a virtual attestation root, a root threshold of 1).
	// Verify, replay, report and the bundle's README say REHEARSAL first,
	// and 'ceremony verify' refuses it unless told it is one.
	Rehearsal bool `json:"rehearsal,omitempty"`
	// PlanDir is the directory of the plan file at init, absolute: the
	// plan's relative key paths are resolved against it when it is loaded
	// again (bundle).
	PlanDir string `json:"plan_dir,omitempty"`
	// AttestationRoots, if set, are the PEM roots attestations chain to
	// instead of Yubico's (rehearsals with virtual YubiKeys).
	AttestationRoots string `json:"attestation_roots,omitempty"`
	// DateConfirmed says today's date as the room confirmed it against
	// the machine's clock before the workspace was made
	// (ceremony.ConfirmDate). It is in the state, which the init record
	// covers, so that no interruption leaves a workspace without it.
	DateConfirmed string `json:"date_confirmed,omitempty"`
}

// KeyEntry ties a key ID to a person (or to the online server).
type KeyEntry struct {
	KeyID   string `json:"keyid"`
	Holder  string `json:"holder"`
	Contact string `json:"contact,omitempty"`
	URI     string `json:"uri,omitempty"`
	Online  bool   `json:"online,omitempty"`
	// Witness marks a key that signs nothing but the seal.
	Witness bool `json:"witness,omitempty"`
	// Project, in a claims ceremony, is the project whose maintainers
	// hold the key: named in reviews, no keyholder of the ceremony.
	Project string `json:"project,omitempty"`
	// Attestation is the key's device attestation (PEM: the slot's
	// certificate, then the device's), checked at init and at every signing.
	Attestation string `json:"attestation,omitempty"`
}

const stateFormat = 1

// Workspace is an open workspace directory.
type Workspace struct {
	Dir   string
	State State
	// created holds, while Create runs its hooks, the files it and they
	// wrote, by path: the init record hashes and stores what was just
	// written (a claimed role of 77 MB, twice) without reading it back.
	// Nil otherwise.
	created *createdFiles
}

// StateBytes are the bytes of ceremony.json as Create writes them. A hook
// of Create (the transcript's init record) hashes them before the file is
// written: replay then refuses a ceremony.json changed since (its key URIs,
// holders, attestations, roles).
func (w *Workspace) StateBytes() ([]byte, error) {
	b, err := json.MarshalIndent(w.State, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

func checkEmpty(dir string) error {
	f, err := os.Open(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("failed to open workspace %q: %w", dir, err)
	}
	defer f.Close()
	names, err := f.Readdirnames(1)
	if err != nil && err != io.EOF {
		return fmt.Errorf("workspace %q is not a directory: %w", dir, err)
	}
	if len(names) > 0 {
		if _, err := os.Lstat(filepath.Join(dir, StateFile)); err == nil {
			// An init killed after its last write, before it said so,
			// leaves a whole workspace: say that, not just "not empty".
			return hint.With(fmt.Errorf("workspace %q exists already (it has its %s): an earlier init finished, even if it was cut off before it said so; its status shows it, or choose a new directory (a workspace is never overwritten)", dir, StateFile), "status "+dir)
		}
		return fmt.Errorf("workspace %q is not empty: choose a new directory (a workspace is never overwritten)", dir)
	}
	return nil
}

// Open opens an existing workspace.
func Open(dir string) (*Workspace, error) {
	data, err := os.ReadFile(filepath.Join(dir, StateFile))
	if errors.Is(err, fs.ErrNotExist) {
		if interruptedInit(dir) {
			return nil, fmt.Errorf("%q holds an interrupted init (no %s): run the same init again, which clears it and starts over", dir, StateFile)
		}
		if _, statErr := os.Stat(filepath.Join(dir, PlanFile)); statErr == nil {
			return nil, fmt.Errorf("%q holds an interrupted init (no %s): remove it and create the workspace again", dir, StateFile)
		}
		return nil, fmt.Errorf("%q is not a ceremony workspace (no %s)", dir, StateFile)
	}
	if err != nil {
		return nil, fmt.Errorf("failed to read workspace %q: %w", dir, err)
	}
	w := &Workspace{Dir: dir}
	if err := json.Unmarshal(data, &w.State); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, StateFile), err)
	}
	if w.State.Format != stateFormat {
		return nil, fmt.Errorf("%s: format %d is not understood by this version (want %d)", filepath.Join(dir, StateFile), w.State.Format, stateFormat)
	}
	if len(w.State.Roles) == 0 {
		return nil, fmt.Errorf("%s: roles: empty", filepath.Join(dir, StateFile))
	}
	for i, role := range w.State.Roles {
		if problem := RoleFileProblem(role); problem != "" {
			return nil, fmt.Errorf("%s: roles[%d]: %q %s: the workspace was not made by this tool, or was changed outside it",
				filepath.Join(dir, StateFile), i, role, problem)
		}
	}
	return w, nil
}

// RehearsalNotice opens what is shown of a practice ceremony (State.
// Rehearsal): verify, replay and report print it first, and its bundle's
// README.txt begins with it.
const RehearsalNotice = "REHEARSAL: a practice ceremony (its plan has rehearsal overrides); never upload its bundle to a real repository"

// maxRoleName is the longest role name a workspace holds, so that
// ROLE.json and a bundle's VERSION.ROLE.json stay within a file name.
const maxRoleName = 200

// IsWorkspace reports whether dir looks like a workspace.
func IsWorkspace(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, StateFile))
	return err == nil
}

func (w *Workspace) metadataPath(role string) string {
	return filepath.Join(w.Dir, MetadataDir, role+".json")
}

// MetadataPath is the file holding role's metadata, for messages.
func (w *Workspace) MetadataPath(role string) string { return w.metadataPath(role) }

// WriteMetadata replaces role's metadata atomically.
func (w *Workspace) WriteMetadata(role string, f *metafile.File) error {
	b, err := f.Marshal()
	if err != nil {
		return err
	}
	return w.WriteMetadataBytes(role, b)
}

// StageMetadataParts writes parts, one after the other, beside role's
// metadata file, to replace it once what must come first is done
// (atomicfile.Staged): a signature's file, whose largest part is the
// "signed" of the file read (metafile.File.MarshalParts). Unlike
// WriteMetadataBytes it keeps nothing for Create's hooks: it is for a
// signature, after init.
func (w *Workspace) StageMetadataParts(role string, parts [][]byte) (*atomicfile.Staged, error) {
	return atomicfile.StageParts(w.metadataPath(role), parts, 0o644)
}

// WriteMetadataBytes replaces role's metadata file with data atomically.
func (w *Workspace) WriteMetadataBytes(role string, data []byte) error {
	if err := atomicfile.Replace(w.metadataPath(role), data, 0o644); err != nil {
		return err
	}
	w.wrote(w.metadataPath(role), data)
	return nil
}

// TranscriptPath is the directory of the workspace's transcript.
func (w *Workspace) TranscriptPath() string { return filepath.Join(w.Dir, TranscriptDir) }

// Trusted reads trusted/root.json, or returns nil if the ceremony has none.
func (w *Workspace) Trusted() (*metafile.File, error) {
	if w.State.TrustedRootVersion == 0 {
		return nil, nil
	}
	return readMetadata(filepath.Join(w.Dir, TrustedRoot))
}

// WriteNewFile writes a file of the workspace that must not exist yet (a
// trusted role, a claim request, a target file), making its directories;
// rel is in slash form and stays inside the workspace.
func (w *Workspace) WriteNewFile(rel string, data []byte) error {
	p, err := w.path(rel)
	if err != nil {
		return err
	}
	if err := atomicfile.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	if err := atomicfile.WriteNew(p, data, 0o644); err != nil {
		return err
	}
	w.wrote(p, data)
	return nil
}

// ReadFile reads a file of the workspace; rel is in slash form.
func (w *Workspace) ReadFile(rel string) ([]byte, error) {
	p, err := w.path(rel)
	if err != nil {
		return nil, err
	}
	return w.readFile(p)
}

// readFile reads the file at p: as Create's hooks wrote it, while they
// run (the caller must not change those bytes), or from disk.
func (w *Workspace) readFile(p string) ([]byte, error) {
	if c := w.created; c != nil {
		c.mu.Lock()
		b, ok := c.files[p]
		c.mu.Unlock()
		if ok {
			return b, nil
		}
	}
	return os.ReadFile(p)
}

func (w *Workspace) path(rel string) (string, error) {
	if !filepath.IsLocal(filepath.FromSlash(rel)) || strings.Contains(rel, `\`) {
		return "", fmt.Errorf("%q is not a file name inside workspace %q", rel, w.Dir)
	}
	return filepath.Join(w.Dir, filepath.FromSlash(rel)), nil
}

// TrustedPath is the file of role's trusted metadata, relative to the
// workspace, in slash form (trusted/ROLE.json).
func TrustedPath(role string) string { return TrustedDir + "/" + role + ".json" }

// HasTrusted reports whether the workspace keeps trusted metadata of role
// (State.Trusted).
func (w *Workspace) HasTrusted(role string) bool {
	for _, r := range w.State.Trusted {
		if r == role {
			return true
		}
	}
	return false
}

// HasRole reports whether role is signed in this workspace.
func (w *Workspace) HasRole(role string) bool {
	for _, r := range w.State.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// Holder names the person or server behind a key ID, or "" if unknown.
func (w *Workspace) Holder(keyID string) string {
	for _, k := range w.State.Keys {
		if k.KeyID == keyID {
			return k.Holder
		}
	}
	return ""
}

// RoleFileProblem says why role cannot name its metadata file, or "". A
// role name read from ceremony.json or bundle-info.json must stay in the
// metadata directory and in a bundle (bundle.NameElement leaves it as it
// is): at most maxRoleName of letters, digits, '.', '-' and '_', not
// starting or ending with '.', so that no read or write it names leads
// elsewhere.
func RoleFileProblem(role string) string {
	if role == "" || len(role) > maxRoleName || bundle.NameElement(role) != role {
		return fmt.Sprintf("cannot name a file in %s/ (at most %d of letters, digits, '.', '-' and '_', not starting or ending with '.')", MetadataDir, maxRoleName)
	}
	return ""
}
