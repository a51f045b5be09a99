package ceremony

// The review of what is signed away from a workspace: a signing payload
// another keyholder carried over, or RSTUF's pending answer. It says what
// Review says for a workspace, from the payload alone, once the payload
// has been anchored in what the keyholder trusts (payload.Anchor).

import (
	"fmt"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/payload"
	"github.com/tuf-ceremony/ceremony/threshold"
)

// ReviewPayload says what signing p means: the role, its version and
// expiry; for root every key and threshold added or removed against the
// root it follows; for a targets role every target and delegation; who
// must sign; and the SHA-256 of the bytes signed, as hex and PGP words.
// Expiry days count from now (zero: the engine's clock).
func (e *Engine) ReviewPayload(a *payload.Anchored, now time.Time) ([]string, error) {
	p := a.File()
	if p == nil {
		return nil, fmt.Errorf("%w: the payload was not anchored in your own trusted metadata", payload.ErrNotTrusted)
	}
	var trusted *metafile.File
	if p.Role == metadata.ROOT && len(p.TrustedRoot) > 0 {
		f, err := metafile.Parse(p.TrustedRoot)
		if err != nil {
			return nil, fmt.Errorf("trusted_root: %w", err)
		}
		trusted = f
	}
	head := fmt.Sprintf("signing payload of %s (%s profile, %s ceremony)", orUnnamed(p.Repository), p.Profile, p.Kind)
	rv := &reviewer{now: e.NowOr(now)}
	return rv.elsewhere(head, p.Role, p.Parsed(), trusted, p.Rules())
}

// ReviewPending says, for each role an RSTUF pending answer asks to sign,
// what ReviewPayload says for a payload.
func (e *Engine) ReviewPending(a *payload.AnchoredPending, now time.Time) ([]string, error) {
	p := a.Pending()
	if p == nil {
		return nil, fmt.Errorf("%w: the answer was not anchored in your own trusted metadata", payload.ErrNotTrusted)
	}
	rv := &reviewer{now: e.NowOr(now)}
	lines := []string{fmt.Sprintf("RSTUF pending signing answer (%q)", p.Message)}
	for _, name := range p.RoleNames() {
		rules, err := p.Rules(name)
		if err != nil {
			return nil, err
		}
		var trusted *metafile.File
		if name == metadata.ROOT {
			trusted = p.TrustedRoot
		}
		more, err := rv.elsewhere("", name, p.Roles[name], trusted, rules)
		if err != nil {
			return nil, err
		}
		lines = append(lines, more...)
	}
	return lines, nil
}

func orUnnamed(repo string) string {
	if repo == "" {
		return "an unnamed repository"
	}
	return repo
}

// elsewhere is the review of role's metadata f signed under rules; trusted
// is the root a root follows (nil for root v1 and other roles).
func (rv *reviewer) elsewhere(head, role string, f *metafile.File, trusted *metafile.File, rules []threshold.Rule) ([]string, error) {
	r, err := rv.reviewOf(role, f, rules)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", role, err)
	}
	if role == metadata.ROOT {
		next, err := f.Root()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", role, err)
		}
		var prev *metadata.RootType
		if trusted != nil {
			if prev, err = trusted.Root(); err != nil {
				return nil, fmt.Errorf("trusted root: %w", err)
			}
			rv.replaces(&r, prev.Version, prev.Expires)
		}
		r.Root = rv.rootReview(next, prev)
	} else {
		t, err := f.Targets()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", role, err)
		}
		r.Targets = rv.targetsReview(t, nil)
	}
	var lines []string
	if head != "" {
		lines = append(lines, head)
	}
	// roleLines gives the hash as PGP words too.
	return append(lines, rv.roleLines(r, rules)...), nil
}
