package rotation

import (
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/plan"
)

// Cause is why a key leaves the metadata.
type Cause string

const (
	// Stolen: an attacker may hold the key.
	Stolen Cause = "stolen"
	// Lost: nobody can use the key any more; no attacker holds it.
	Lost Cause = "lost"
	// Retired: a planned change; the key's holder can still sign.
	Retired Cause = "retired"
)

// Plan is a rotation worked out in full: what the compromised keys reach,
// whether recovery is possible in band, the new metadata, and the steps.
type Plan struct {
	// Emergency: keys were stolen or lost (not a planned rotation).
	Emergency  bool         `json:"emergency"`
	Source     string       `json:"source"`
	Profile    plan.Profile `json:"profile,omitempty"`
	Repository string       `json:"repository,omitempty"`
	// TrustedRootVersion is the root the rotation starts from;
	// RootVersion the one it makes (0 when recovery is out of band).
	TrustedRootVersion int64 `json:"trusted_root_version"`
	RootVersion        int64 `json:"root_version,omitempty"`

	Affected []Affected `json:"affected"`
	Reach    []Reach    `json:"reach"`
	// InBand: a new root signed here recovers. When false, OutOfBand says
	// why, and what to do instead.
	InBand    bool       `json:"in_band"`
	OutOfBand *OutOfBand `json:"out_of_band,omitempty"`
	// Problems stop the rotation until fixed; each says what to do.
	Problems []string `json:"problems,omitempty"`
	// NeedsReplacement: a problem is that a role would be left short of
	// keys, which a replacement key (OLD=NEW) for each leaving key fixes.
	NeedsReplacement bool `json:"-"`
	// Warnings do not stop it, but must be read.
	Warnings []string `json:"warnings,omitempty"`
	Evidence []string `json:"evidence,omitempty"`

	// Changes are the key and threshold changes, role by role.
	Changes []Change `json:"changes,omitempty"`
	// Resign is the offline metadata signed at the ceremony, in signing
	// order (root first).
	Resign []Resign `json:"resign,omitempty"`
	// Online is what the online side re-signs, in order (timestamp last).
	Online      []OnlineWork  `json:"online,omitempty"`
	FastForward []string      `json:"fast_forward,omitempty"`
	Signing     []SigningStep `json:"signing,omitempty"`
	// OfflineSteps and OnlineSteps are the steps for people, in order.
	OfflineSteps []string `json:"offline_steps,omitempty"`
	OnlineSteps  []string `json:"online_steps,omitempty"`

	// Keys are every key the plan names, the replacements included.
	Keys []Key `json:"keys"`

	// NewRoot and NewTargets are the unsigned new metadata (nil when the
	// recovery is out of band or a problem stops it).
	NewRoot    *metadata.RootType               `json:"-"`
	NewTargets map[string]*metadata.TargetsType `json:"-"`
}

// OK reports whether the plan can be carried out as a ceremony.
func (p *Plan) OK() bool { return p.InBand && len(p.Problems) == 0 }

// Affected is a key that leaves, and why.
type Affected struct {
	Key
	Cause Cause `json:"cause"`
	// ReplacedBy is the key that takes its place, nil if none.
	ReplacedBy *Key `json:"replaced_by,omitempty"`
	// Roles are the roles that list it.
	Roles []string `json:"roles"`
}

// OutOfBand is a recovery the keyholders cannot sign their way out of.
type OutOfBand struct {
	// Statement says plainly why, in one paragraph.
	Statement string   `json:"statement"`
	Steps     []string `json:"steps"`
}

// Change is one role's keys before and after.
type Change struct {
	Role string `json:"role"`
	// In is the new metadata that says it ("root v4", "targets v7").
	In           string   `json:"in"`
	Removed      []string `json:"removed,omitempty"`
	Added        []string `json:"added,omitempty"`
	Keys         []string `json:"keys"`
	Threshold    int      `json:"threshold"`
	OldThreshold int      `json:"old_threshold"`
}

// Resign is one metadata file signed at the ceremony.
type Resign struct {
	Role       string    `json:"role"`
	Version    int64     `json:"version"`
	OldVersion int64     `json:"old_version,omitempty"`
	Expires    time.Time `json:"expires"`
	Why        string    `json:"why"`
	// ContentFrom says where the content comes from ("targets v3 of DIR").
	ContentFrom string `json:"content_from,omitempty"`
}

// OnlineWork is metadata the online side signs again.
type OnlineWork struct {
	Role string `json:"role"`
	// MinVersion is the lowest version to publish it at.
	MinVersion int64  `json:"min_version"`
	Why        string `json:"why"`
}

// SigningStep is one threshold to meet at the ceremony.
type SigningStep struct {
	Role      string `json:"role"`
	Version   int64  `json:"version"`
	Rule      string `json:"rule"`
	Threshold int    `json:"threshold"`
	// From names the keys that may sign toward it (stolen and lost keys
	// left out).
	From []string `json:"from"`
	Note string   `json:"note,omitempty"`
}
