package claims

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// A rekey is how a claimed project's keys change: its maintainers' key was
// stolen or lost, or a maintainer left. The project's maintainers make a
// new claim request with their new keys, as for a first claim; Review
// refuses it, since claimed delegates the project to other keys already,
// unless PyPI's administrators name the project as a rekey (ceremony
// claims init --rekey PROJECT=REASON): then the request is accepted as a
// key change (ChangeRekey). The claims ceremony replaces the project's
// delegation in place, with the new keys and threshold and nothing else
// changed, and records the reason. The project's targets metadata, signed
// by the old keys, stops verifying under the new delegation until its
// maintainers sign it again.

// MaxRekeyReason bounds a rekey's reason: one line for the transcript.
const MaxRekeyReason = 300

// Rekey is the administrators' word that a claimed project's keys change,
// and why.
type Rekey struct {
	// Project is the project's PEP 503 normalized name.
	Project string `json:"project" yaml:"project"`
	// Reason is why ("maintainer key stolen, incident 2026-14"); it may be
	// empty in a review, never in a claims ceremony.
	Reason string `json:"reason" yaml:"reason"`
}

// ParseRekey reads --rekey PROJECT[=REASON].
func ParseRekey(s string) (Rekey, error) {
	project, reason, _ := strings.Cut(s, "=")
	r := Rekey{Project: strings.TrimSpace(project), Reason: strings.TrimSpace(reason)}
	if err := checkRekey(r); err != nil {
		return Rekey{}, err
	}
	return r, nil
}

// CheckRekeys checks the rekeys asked for: each project a normalized name
// (PEP 503), named once, each reason one printable line.
func CheckRekeys(rekeys []Rekey) error {
	seen := map[string]bool{}
	for _, r := range rekeys {
		if err := checkRekey(r); err != nil {
			return err
		}
		if seen[r.Project] {
			return fmt.Errorf("--rekey %s is given twice: name each project once", r.Project)
		}
		seen[r.Project] = true
	}
	return nil
}

func checkRekey(r Rekey) error {
	if err := CheckProject(r.Project); err != nil {
		return fmt.Errorf("--rekey %q: %w", r.Project, err)
	}
	if len(r.Reason) > MaxRekeyReason {
		return fmt.Errorf("--rekey %s: the reason is %d bytes long, over the limit of %d: keep it to one line", r.Project, len(r.Reason), MaxRekeyReason)
	}
	if !utf8.ValidString(r.Reason) || strings.IndexFunc(r.Reason, func(c rune) bool { return !unicode.IsPrint(c) }) >= 0 {
		return fmt.Errorf("--rekey %s: the reason must be one line of printable text", r.Project)
	}
	return nil
}

// Rekeyed are the claims a claims ceremony takes in as key changes (the
// verdicts whose Change is ChangeRekey), sorted by project.
func (r *Report) Rekeyed() []Claim {
	var out []Claim
	for _, v := range r.Verdicts {
		if v.Claim != nil && v.Change == ChangeRekey {
			out = append(out, *v.Claim)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Project < out[j].Project })
	return out
}

// Rekey returns the verdict that rekeys project, nil if none does.
func (r *Report) Rekey(project string) *Verdict {
	for i := range r.Verdicts {
		if v := &r.Verdicts[i]; v.Claim != nil && v.Change == ChangeRekey && v.Claim.Project == project {
			return v
		}
	}
	return nil
}

// RekeyProblems says, for each rekey asked for (Report.Rekeys) that no
// request turns into a key change, why not: one line each, naming the
// project. A claims ceremony refuses to start with any: its transcript
// would record a rekey that did not happen.
func (r *Report) RekeyProblems() []string {
	var out []string
	for _, rk := range r.Rekeys {
		if r.Rekey(rk.Project) != nil {
			continue
		}
		why := fmt.Sprintf("no claim request in %s asks for %q: its maintainers make one with their new keys first (a claim request for %s, signed by each new key)", r.Dir, rk.Project, rk.Project)
		for i := range r.Verdicts {
			v := &r.Verdicts[i]
			if v.Project != rk.Project {
				continue
			}
			switch {
			case v.Claim == nil:
				why = fmt.Sprintf("the claim request for %q (%s) is refused: %s", rk.Project, filepath.Base(v.File), v.Reason)
			case v.Change == ChangeAdd:
				why = fmt.Sprintf("claimed does not delegate %q yet: its request is a first claim, added without --rekey; drop --rekey %s", rk.Project, rk.Project)
			case v.Change == ChangeUnchanged:
				why = fmt.Sprintf("claimed delegates %q to the keys and threshold of its request already: there is no key change; drop --rekey %s", rk.Project, rk.Project)
			}
			break
		}
		out = append(out, "--rekey "+rk.Project+": "+why)
	}
	return out
}

// rekeyFlag is what the review says of a rekey: the reason, the keys and
// threshold before and after, and what the maintainers must do next.
func rekeyFlag(reason string, prev *metadata.DelegatedRole, c *Claim) string {
	old := append([]string(nil), prev.KeyIDs...)
	sort.Strings(old)
	if reason == "" {
		reason = "no reason given"
	}
	return fmt.Sprintf("rekey (%s): claimed delegates %q now to key(s) %s (threshold %d); the request's key(s) %s (threshold %d) replace them, in place; the project's role signed by the old keys stops verifying until its maintainers sign it again with the new keys",
		reason, c.Project, shortList(old), prev.Threshold, shortList(slices.Sorted(maps.Keys(c.Keys))), c.Threshold)
}
