package ceremony

import (
	"time"

	"github.com/tuf-ceremony/ceremony/threshold"
	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// Status is who has signed what in a workspace.
type Status struct {
	Dir        string         `json:"workspace"`
	Kind       workspace.Kind `json:"kind"`
	Profile    string         `json:"profile"`
	Repository string         `json:"repository,omitempty"`
	Warnings   []string       `json:"warnings,omitempty"`
	// DateConfirmed is the room's confirmation of the date before the
	// workspace was made.
	DateConfirmed string `json:"date_confirmed,omitempty"`
	// Unwritten is what the transcript records that the files do not show
	// yet: a recorded signature an interruption kept out of its file, a
	// file changed outside the ceremony, a torn last record.
	Unwritten []string     `json:"unwritten,omitempty"`
	Roles     []RoleStatus `json:"roles"`
	// People are the plan's keyholders and witnesses, in plan order.
	People []Person `json:"people"`
	// Seal is the transcript's seal record, nil before the seal; after it
	// the workspace takes no more signatures or notes.
	Seal *SealStatus `json:"seal,omitempty"`
	// Bundles are the bundles the transcript records, in order.
	Bundles []BundleStatus `json:"bundles,omitempty"`
}

// SealStatus is the seal record: its number and who sealed.
type SealStatus struct {
	Record int64  `json:"record"`
	By     string `json:"by"`
}

// BundleStatus is a bundle record: the bundle's SHA-256 (hex) and what
// the record says (its file name, entries, partial); Who is set on the
// record that its words were copied onto the script: who confirmed.
type BundleStatus struct {
	Record  int64  `json:"record"`
	SHA256  string `json:"sha256"`
	Message string `json:"message"`
	Who     string `json:"who,omitempty"`
}

// sealOf finds the seal record and the bundle records in recs.
func sealOf(recs []transcripts.Record) (*SealStatus, []BundleStatus) {
	var seal *SealStatus
	var bundles []BundleStatus
	for _, r := range recs {
		switch r.Kind {
		case transcripts.Seal:
			seal = &SealStatus{Record: r.Seq, By: r.Who}
		case transcripts.Bundle:
			bundles = append(bundles, BundleStatus{Record: r.Seq, SHA256: r.Outputs["bundle"], Message: r.Message, Who: r.Who})
		}
	}
	return seal, bundles
}

// Person is a keyholder or a witness of the plan.
type Person struct {
	Name    string `json:"name"`
	Contact string `json:"contact,omitempty"`
	KeyID   string `json:"keyid"`
	URI     string `json:"uri,omitempty"`
	// Device says what holds the key, as people say it.
	Device  string `json:"device"`
	Witness bool   `json:"witness,omitempty"`
	// Attested: the workspace keeps a device attestation for the key.
	Attested bool `json:"attested,omitempty"`
}

// RoleStatus is one role's signing progress.
type RoleStatus struct {
	Role    string    `json:"role"`
	Version int64     `json:"version"`
	Expires time.Time `json:"expires"`
	// Thresholds holds one count per rule: for a new root version the
	// previous root's count first, then the new root's.
	Thresholds []Count `json:"thresholds"`
	Met        bool    `json:"met"`
}

// Count is the progress against one rule.
type Count struct {
	Delegator string  `json:"delegator"`
	Threshold int     `json:"threshold"`
	Signed    []Party `json:"signed"`
	Missing   []Party `json:"missing"`
	// Invalid are signatures present that do not verify.
	Invalid []Party `json:"invalid,omitempty"`
	Met     bool    `json:"met"`
}

// Party is a key and who holds it.
type Party struct {
	KeyID  string `json:"keyid"`
	Holder string `json:"holder"`
}

// AllMet reports whether every threshold of every role is met.
func (s *Status) AllMet() bool {
	for _, r := range s.Roles {
		if !r.Met {
			return false
		}
	}
	return true
}

// GetStatus reads a workspace and counts its signatures. The trusted
// metadata of a claims or project workspace is read only as far as the
// counts need it (the rules of claimed are in the trusted targets).
func GetStatus(dir string) (*Status, error) {
	ws, l, err := openLoaded(dir)
	if err != nil {
		return nil, err
	}
	return statusOf(ws, l)
}

// openLoaded opens the workspace dir and loads its metadata; the trusted
// metadata of a claims or project workspace is read when asked for
// (given), or carried as it is (givenBytes).
func openLoaded(dir string) (*workspace.Workspace, *Loaded, error) {
	ws, err := workspace.Open(dir)
	if err != nil {
		return nil, nil, err
	}
	read, err := readRoleBytes(ws)
	if err != nil {
		return nil, nil, err
	}
	l, err := loadRead(ws, read, true)
	if err != nil {
		return nil, nil, err
	}
	return ws, l, nil
}

// statusOf counts the signatures of the workspace ws, loaded as l.
func statusOf(ws *workspace.Workspace, l *Loaded) (*Status, error) {
	s := &Status{Dir: ws.Dir, Kind: ws.State.Kind, Profile: ws.State.Profile, Repository: ws.State.Repository, Warnings: ws.State.Warnings,
		DateConfirmed: ws.State.DateConfirmed}
	for _, role := range ws.State.Roles {
		f := l.Files[role]
		h, err := f.Header()
		if err != nil {
			return nil, err
		}
		rules, err := l.Rules(role)
		if err != nil {
			return nil, err
		}
		rs := RoleStatus{Role: role, Version: h.Version, Expires: h.Expires, Met: true}
		for _, rule := range rules {
			t, err := threshold.Count(rule, f)
			if err != nil {
				return nil, err
			}
			c := Count{Delegator: rule.Delegator, Threshold: rule.Threshold, Met: t.Met(),
				Signed: parties(ws, t.Signed), Missing: parties(ws, t.Missing), Invalid: parties(ws, t.Invalid)}
			rs.Thresholds = append(rs.Thresholds, c)
			rs.Met = rs.Met && c.Met
		}
		s.Roles = append(s.Roles, rs)
	}
	s.People = people(ws)
	recs, err := transcripts.ReadRecords(ws.TranscriptPath())
	s.Unwritten = unwritten(ws, l.read, recs, err)
	s.Seal, s.Bundles = sealOf(recs)
	return s, nil
}

// people lists the workspace's keyholders and witnesses, each once (a
// keyholder of a new root version may hold a key of the previous root too).
func people(ws *workspace.Workspace) []Person {
	out := []Person{}
	seen := map[string]bool{}
	for _, k := range ws.State.Keys {
		if k.Online || k.Project != "" || seen[k.Holder+"\x00"+k.KeyID] {
			continue
		}
		seen[k.Holder+"\x00"+k.KeyID] = true
		out = append(out, Person{Name: k.Holder, Contact: k.Contact, KeyID: k.KeyID, URI: k.URI,
			Device: DeviceName(k.URI), Witness: k.Witness, Attested: k.Attestation != ""})
	}
	return out
}

func parties(ws *workspace.Workspace, ids []string) []Party {
	out := []Party{}
	for _, id := range ids {
		out = append(out, Party{KeyID: id, Holder: HolderName(ws, id)})
	}
	return out
}
