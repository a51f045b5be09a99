package payload

// A payload or an RSTUF pending answer comes from the online side and
// carries, beside what is to be signed, the metadata that says who signs
// it: the root in force, or the delegator. None of that is taken on trust.
// The keyholder gives their own copy (from the last bundle or repository
// they verified), and the payload is signed only if what it carries is that
// copy, or the next root, signed by their root's threshold and its own.

import (
	"errors"
	"fmt"
	"slices"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/rstuf"
	"github.com/tuf-ceremony/ceremony/threshold"
)

// ErrNotTrusted means a payload or pending answer rests on metadata that is
// not what the keyholder trusts.
var ErrNotTrusted = errors.New("not what you trust")

// Anchored is a signing payload checked against the keyholder's own trust
// (File.Anchor): the only kind of payload the review shows and Sign signs.
// A payload read but not anchored is a *File, and nothing signs that; only
// Anchor makes an Anchored that holds one.
type Anchored struct{ file *File }

// File is the payload that was anchored, nil for an Anchored not made by
// Anchor.
func (a *Anchored) File() *File {
	if a == nil {
		return nil
	}
	return a.file
}

// AnchoredPending is an RSTUF pending answer checked against the
// keyholder's own root (AnchorPending): the only kind SignRSTUFPending
// signs; only AnchorPending makes one that holds an answer.
type AnchoredPending struct{ pending *rstuf.Pending }

// Pending is the answer that was anchored, nil for an AnchoredPending not
// made by AnchorPending.
func (a *AnchoredPending) Pending() *rstuf.Pending {
	if a == nil {
		return nil
	}
	return a.pending
}

// errNotAnchored refuses what did not come from Anchor or AnchorPending.
var errNotAnchored = fmt.Errorf("%w: the payload was not anchored in your own trusted metadata", ErrNotTrusted)

// Anchor checks p against mine, the keyholder's own copy of the metadata
// that says who signs p's role: the root in force for a root or targets
// payload, the delegator (targets, claimed) for a delegated role's. A nil
// mine says the payload starts a new repository: root v1, or targets
// delegated by root v1, whose keys the review then shows as all new.
func (p *File) Anchor(mine *metafile.File) (*Anchored, error) {
	if err := p.anchor(mine); err != nil {
		return nil, err
	}
	return &Anchored{file: p}, nil
}

func (p *File) anchor(mine *metafile.File) error {
	carried, field := p.TrustedRoot, "trusted_root"
	if p.Role != metadata.ROOT {
		carried, field = p.DelegatedBy, "delegated_by"
	}
	if mine == nil {
		v, err := rootVersionOf(carried)
		switch {
		case p.Role == metadata.ROOT && p.RoleVersion == 1 && len(carried) == 0:
			return nil
		case p.Role == metadata.TARGETS && err == nil && v == 1:
			return nil
		}
		return fmt.Errorf("%w: %s v%d rests on metadata you already trust: give your own copy of it, from the last bundle or repository you verified: the root in force for root and targets, the delegating role's metadata for others", ErrNotTrusted, p.Role, p.RoleVersion)
	}
	if len(carried) == 0 {
		return fmt.Errorf("%w: %s v%d starts a new repository (it carries no %s), but you trust a repository already", ErrNotTrusted, p.Role, p.RoleVersion, field)
	}
	f, err := metafile.Parse(carried)
	if err != nil {
		return fmt.Errorf("%w: signing payload: %s: %v", ErrMalformed, field, err)
	}
	if p.Role == metadata.ROOT || p.Role == metadata.TARGETS {
		return followsRoot(mine, f, field)
	}
	return sameSigned(mine, f, fmt.Sprintf("%s (%s, which delegates %s)", field, p.Kind.Delegator(p.Role), p.Role))
}

// rootVersionOf is the version of the root metadata data holds.
func rootVersionOf(data []byte) (int64, error) {
	f, err := metafile.Parse(data)
	if err != nil {
		return 0, err
	}
	r, err := f.Root()
	if err != nil {
		return 0, err
	}
	return r.Version, nil
}

// followsRoot checks that carried, a root a payload or pending answer says
// is in force, is mine, or the next version: signed by mine's threshold and
// its own.
func followsRoot(mine, carried *metafile.File, field string) error {
	my, err := mine.Root()
	if err != nil {
		return fmt.Errorf("your trusted root: %w", err)
	}
	their, err := carried.Root()
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrMalformed, field, err)
	}
	if sameBytes(mine, carried) {
		return nil
	}
	if their.Version == my.Version {
		return fmt.Errorf("%w: %s is a root v%d other than the one you trust: not your repository's root", ErrNotTrusted, field, their.Version)
	}
	if their.Version != my.Version+1 {
		return fmt.Errorf("%w: %s is root v%d, but you trust root v%d: it is neither your root nor the next", ErrNotTrusted, field, their.Version, my.Version)
	}
	rules, err := threshold.RootRules(their, my)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrMalformed, field, err)
	}
	if r := threshold.Unmet(carried, rules...); r != nil {
		return fmt.Errorf("%w: %s is root v%d, but %s has not signed it (it needs %d of its keys): it does not follow the root you trust", ErrNotTrusted, field, their.Version, r.Delegator, r.Threshold)
	}
	return nil
}

// sameSigned checks that carried, what field names, says what mine says:
// the same signed bytes.
func sameSigned(mine, carried *metafile.File, what string) error {
	if sameBytes(mine, carried) {
		return nil
	}
	mh, _ := mine.Header()
	ch, _ := carried.Header()
	return fmt.Errorf("%w: %s is v%d, and not your copy (v%d): their signed content differs", ErrNotTrusted, what, ch.Version, mh.Version)
}

func sameBytes(a, b *metafile.File) bool {
	ca, err1 := a.Canonical()
	cb, err2 := b.Canonical()
	return err1 == nil && err2 == nil && slices.Equal(ca, cb)
}

// AnchorPending checks an RSTUF pending answer against mine, the
// keyholder's own copy of the root in force (nil: a new repository, whose
// pending root is v1): a pending root must follow it, and the trusted
// targets that delegate a pending delegated role must be signed by its
// targets threshold.
func AnchorPending(p *rstuf.Pending, mine *metafile.File) (*AnchoredPending, error) {
	if err := anchorPending(p, mine); err != nil {
		return nil, err
	}
	return &AnchoredPending{pending: p}, nil
}

func anchorPending(p *rstuf.Pending, mine *metafile.File) error {
	for _, name := range p.RoleNames() {
		h, err := p.Roles[name].Header()
		if err != nil {
			return fmt.Errorf("pending %s: %w", name, err)
		}
		switch {
		case name == metadata.ROOT && h.Version == 1 && mine == nil:
		case mine == nil:
			return fmt.Errorf("%w: pending %s v%d rests on the root in force: give your own copy of it (--trusted-root), from the last bundle or repository you verified", ErrNotTrusted, name, h.Version)
		case name == metadata.ROOT && h.Version == 1:
			return fmt.Errorf("%w: pending root v1 starts a new repository, but you trust a repository already", ErrNotTrusted)
		case name == metadata.ROOT:
			if err := followsRoot(mine, p.TrustedRoot, "trusted_root"); err != nil {
				return err
			}
		default:
			if err := signedByRoot(mine, p.TrustedTargets, metadata.TARGETS, "trusted_targets"); err != nil {
				return err
			}
		}
	}
	return nil
}

// signedByRoot checks that f, role's metadata, meets the threshold root
// gives role.
func signedByRoot(root, f *metafile.File, role, field string) error {
	r, err := root.Root()
	if err != nil {
		return fmt.Errorf("your trusted root: %w", err)
	}
	rule, err := threshold.FromRoot(r, role, fmt.Sprintf("root v%d", r.Version))
	if err != nil {
		return fmt.Errorf("your trusted root: %w", err)
	}
	if threshold.Unmet(f, rule) != nil {
		return fmt.Errorf("%w: %s is not signed by %d of the %s keys of the root you trust (v%d)", ErrNotTrusted, field, rule.Threshold, role, r.Version)
	}
	return nil
}

// Rules are who may sign p's role and how many must, as its metadata says.
func (p *File) Rules() []threshold.Rule { return p.rules }

// Parsed is the metadata p asks to sign, as Read parsed and checked it.
func (p *File) Parsed() *metafile.File { return p.file }
