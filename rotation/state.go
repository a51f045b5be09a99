package rotation

import (
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/plan"
)

// SafeVersion bounds the versions this package plans past. A version an
// attacker set at or above it (up to the largest 64-bit integer) cannot be
// exceeded safely: JavaScript clients (tuf-js) read JSON numbers as
// doubles, exact only below 2^53. Past such a version, clients recover
// through the key rotation alone (TUF 5.3.11).
const SafeVersion = int64(1) << 53

// State is the trusted metadata a rotation starts from.
type State struct {
	// Source names where it was read, for messages (a directory).
	Source string
	// Profile is the repository's profile, "" if it is none of ours.
	Profile plan.Profile
	// Repository is its name for people, "" if unknown.
	Repository string
	// Root is the trusted root: the newest, signed by its own threshold.
	Root *metadata.RootType
	// Targets holds the targets metadata at hand by role name: "targets"
	// and the delegated roles read (claimed, unclaimed ...; not the bins).
	Targets map[string]*metadata.TargetsType
	// Current is the version each role has in the state served now
	// (timestamp, snapshot, targets, bins-0 ...).
	Current map[string]int64
	// Seen is, per role, the versions seen anywhere in the source: every
	// versioned file name and every version a snapshot or timestamp lists.
	Seen map[string]Versions
	// Files are the metadata files read, with who signed them: evidence.
	Files []File
	// Names say who holds which key (from plans and workspaces).
	Names []Name
	// LastGood, if set, is the state from before the compromise: the
	// content of re-signed roles is taken from it.
	LastGood *LastGood
}

// LastGood is metadata from before the compromise.
type LastGood struct {
	Source  string
	Targets map[string]*metadata.TargetsType
	// Current is the version of each role in it (snapshot included).
	Current map[string]int64
}

// Versions are the versions of one role seen in a source.
type Versions struct {
	// Max is the highest; MaxSafe the highest below SafeVersion.
	Max     int64 `json:"max"`
	MaxSafe int64 `json:"max_safe"`
}

// See records version v of role.
func (s *State) See(role string, v int64) {
	if s.Seen == nil {
		s.Seen = map[string]Versions{}
	}
	cur := s.Seen[role]
	cur.Max = max(cur.Max, v)
	if v < SafeVersion {
		cur.MaxSafe = max(cur.MaxSafe, v)
	}
	s.Seen[role] = cur
}

// File is one metadata file of the source.
type File struct {
	// Name is the file's name in the source (metadata/3.targets.json).
	Name    string
	Role    string
	Version int64
	// SignedBy are the key IDs of its signatures (not checked here).
	SignedBy []string
}

// Request says what happened and what replaces what.
type Request struct {
	// Stolen are key IDs an attacker may hold (--compromised).
	Stolen []string
	// Lost are key IDs nobody can use any more (--lost): destroyed devices,
	// forgotten PINs. They sign nothing, and no attacker holds them.
	Lost []string
	// Online says the online server was compromised: every online key is
	// stolen.
	Online bool
	// Replace maps a key ID to the key that takes its place in every role
	// that lists it. A key replaced but neither stolen nor lost is retired
	// in a planned rotation: its holder may still sign the previous root.
	Replace map[string]Key
	// OnlineKeyURI is the x-rstuf-online-key-uri of a replacement online
	// key (rstuf profile).
	OnlineKeyURI string
	// ExpiresDays is the expiry period of the new root and the offline
	// roles re-signed; 0 means 365 (PEP 458).
	ExpiresDays int
	// Now is the time expiry periods count from.
	Now time.Time
}

// Emergency reports whether the request is a recovery from a compromise
// or a loss, not a planned rotation.
func (r *Request) Emergency() bool {
	return len(r.Stolen) > 0 || len(r.Lost) > 0 || r.Online
}

// seenFor is the versions of role, or of every bin for a succinct prefix
// ending in "-".
func (s *State) seenFor(role string) Versions {
	if !strings.HasSuffix(role, "-") {
		return s.Seen[role]
	}
	var v Versions
	for name, sv := range s.Seen {
		if strings.HasPrefix(name, role) {
			v.Max, v.MaxSafe = max(v.Max, sv.Max), max(v.MaxSafe, sv.MaxSafe)
		}
	}
	return v
}
