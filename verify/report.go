package verify

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// Severity says whether a finding fails the repository.
type Severity int

const (
	// Error: a client would refuse the repository (or this part of it).
	Error Severity = iota
	// Warning: a client would accept it, but a person should look.
	Warning
)

func (s Severity) String() string {
	if s == Warning {
		return "warning"
	}
	return "error"
}

// MarshalText writes a severity as its String, "error" or "warning", in
// JSON.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Finding is one problem found, tied to the file and role it is about.
type Finding struct {
	Severity Severity `json:"severity"`
	// File is the metadata file, relative to the repository directory
	// ("metadata/2.root.json"), or the path given for a trusted root kept
	// elsewhere.
	File string `json:"file"`
	// Role is the role the file is for (or the delegated role a finding is
	// about, for a refused role name).
	Role string `json:"role,omitempty"`
	// Check names what failed: "threshold", "signature", "version",
	// "expiry", "length", "hashes", "rolename", "missing", "keyid" ...
	Check   string `json:"check"`
	Message string `json:"message"`
	// Delegator is whose delegation of Role the finding is about: "root
	// v3" for the top-level roles, "targets v7" or "claimed v2" for
	// delegated ones, "snapshot v12" for snapshot entries no role
	// delegates; "" for the root chain itself.
	Delegator string `json:"delegator,omitempty"`
}

// String is "FILE: ROLE: CHECK: MESSAGE".
func (f Finding) String() string {
	if f.Role == "" {
		return fmt.Sprintf("%s: %s: %s", f.File, f.Check, f.Message)
	}
	return fmt.Sprintf("%s: %s: %s: %s", f.File, f.Role, f.Check, f.Message)
}

// RoleState is what was found for one role that was read.
type RoleState struct {
	Role string `json:"role"`
	File string `json:"file"`
	// Delegator is whose rule the signatures were counted against: "root v3"
	// for the top-level roles, "targets v7" or "claimed v2" for delegated
	// ones. A root's own rule is counted here; the previous root's rule
	// shows in the findings if it is not met.
	Delegator string    `json:"delegator"`
	Version   int64     `json:"version"`
	Expires   time.Time `json:"expires"`
	Threshold int       `json:"threshold"`
	// Signed are the key IDs of the rule whose signatures verify (one per
	// distinct public key).
	Signed []string `json:"signed"`
	// Bins is the name prefix of the succinct delegation (TAP 15) the role
	// is a hash bin of, or "" for a named role.
	Bins string `json:"bins,omitempty"`
	// SHA256 is the SHA-256 (hex) of the file as it was read and checked
	// ("" for roots), so that a caller reading the file again can tell it
	// is the same.
	SHA256 string `json:"sha256,omitempty"`
	// Data and Parsed are the file's bytes as read and checked, and their
	// parse, when Options.KeepFiles asks for them (nil otherwise): a
	// caller building on what verified takes these bytes, not the file
	// read again. Data must not be changed.
	Data   []byte         `json:"-"`
	Parsed *metafile.File `json:"-"`
}

// Met reports whether the role's signatures meet its threshold.
func (s RoleState) Met() bool { return s.Threshold > 0 && len(s.Signed) >= s.Threshold }

// Report is the outcome of a verification.
type Report struct {
	// Findings are in the order the checks ran: the root chain, timestamp,
	// snapshot, targets, the delegated roles depth by depth in the order
	// they are delegated, then snapshot entries that no role delegates.
	Findings []Finding `json:"findings"`
	// Roles are the roles read, in the same order.
	Roles []RoleState `json:"roles"`
	// RootVersion is the version of the last root the chain trusts (0 if
	// no root could be trusted).
	RootVersion int64 `json:"root_version"`
	// Rehearsal marks a practice ceremony's workspace or bundle: Print
	// says so first, and 'ceremony verify' refuses it unless told.
	Rehearsal bool `json:"rehearsal"`
}

// OK reports whether there is no Error finding.
func (r *Report) OK() bool {
	for _, f := range r.Findings {
		if f.Severity == Error {
			return false
		}
	}
	return true
}

// Errors returns the Error findings.
func (r *Report) Errors() []Finding { return r.bySeverity(Error) }

// Warnings returns the Warning findings.
func (r *Report) Warnings() []Finding { return r.bySeverity(Warning) }

func (r *Report) bySeverity(s Severity) []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Severity == s {
			out = append(out, f)
		}
	}
	return out
}

// printLimit is how many findings of one check Print shows before it sums
// up the rest (16,384 hash bins can each carry the same warning).
const printLimit = 20

// Print writes a summary: one line per role (the hash bins of one succinct
// delegation on one line), then the warnings and the errors, then a
// verdict. The output is the same for the same report.
func (r *Report) Print(w io.Writer) {
	var b strings.Builder
	if r.Rehearsal {
		b.WriteString(workspace.RehearsalNotice + "\n")
	}
	if r.RootVersion > 0 {
		fmt.Fprintf(&b, "trusted root: v%d\n", r.RootVersion)
	} else {
		b.WriteString("trusted root: none (no root meets its threshold)\n")
	}
	nameWidth := 0
	for _, s := range r.Roles {
		if s.Bins == "" && len(s.Role) > nameWidth {
			nameWidth = len(s.Role)
		}
	}
	var bins []RoleState
	flushBins := func() {
		if len(bins) > 0 {
			b.WriteString(binsLine(bins))
			bins = nil
		}
	}
	for _, s := range r.Roles {
		if s.Bins != "" {
			if len(bins) > 0 && (bins[0].Bins != s.Bins || bins[0].Delegator != s.Delegator) {
				flushBins()
			}
			bins = append(bins, s)
			continue
		}
		flushBins()
		fmt.Fprintf(&b, "  %-*s  v%-4d  expires %s  signatures %d/%d%s  %s\n",
			nameWidth, s.Role, s.Version, s.Expires.UTC().Format(time.RFC3339),
			len(s.Signed), s.Threshold, metMark(s.Met()), s.File)
	}
	flushBins()
	for _, sev := range []Severity{Warning, Error} {
		list := r.bySeverity(sev)
		if len(list) == 0 {
			continue
		}
		fmt.Fprintf(&b, "%ss (%d):\n", sev, len(list))
		shown := map[string]int{}
		hidden := map[string]int{}
		for _, f := range list {
			if shown[f.Check] >= printLimit {
				hidden[f.Check]++
				continue
			}
			shown[f.Check]++
			fmt.Fprintf(&b, "  %s: %s\n", sev, f)
		}
		checks := make([]string, 0, len(hidden))
		for c := range hidden {
			checks = append(checks, c)
		}
		sort.Strings(checks)
		for _, c := range checks {
			fmt.Fprintf(&b, "  %s: ... and %d more %q %ss\n", sev, hidden[c], c, sev)
		}
	}
	if r.OK() {
		b.WriteString("repository verifies\n")
	} else {
		fmt.Fprintf(&b, "repository does NOT verify: %d errors\n", len(r.Errors()))
	}
	io.WriteString(w, b.String())
}

func metMark(met bool) string {
	if met {
		return ""
	}
	return " (NOT MET)"
}

// binsLine sums up the hash bins of one succinct delegation.
func binsLine(bins []RoleState) string {
	minV, maxV := bins[0].Version, bins[0].Version
	earliest := bins[0].Expires
	unmet := 0
	for _, s := range bins {
		minV = min(minV, s.Version)
		maxV = max(maxV, s.Version)
		if s.Expires.Before(earliest) {
			earliest = s.Expires
		}
		if !s.Met() {
			unmet++
		}
	}
	versions := fmt.Sprintf("v%d", minV)
	if maxV != minV {
		versions = fmt.Sprintf("v%d-%d", minV, maxV)
	}
	sigs := "all met"
	if unmet > 0 {
		sigs = fmt.Sprintf("%d NOT MET", unmet)
	}
	return fmt.Sprintf("  %s..%s (%d bins of %s)  %s  earliest expiry %s  signatures: %s\n",
		bins[0].Role, bins[len(bins)-1].Role, len(bins), bins[0].Delegator, versions,
		earliest.UTC().Format(time.RFC3339), sigs)
}
