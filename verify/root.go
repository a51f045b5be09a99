package verify

import (
	"bytes"
	"fmt"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/threshold"
)

// Named is a metadata file and the name findings give it (a path relative
// to the repository directory, such as "metadata/2.root.json").
type Named struct {
	Path string
	File *metafile.File
}

// RootChain walks from a trusted root through newer root versions, as a
// client updates its root (TUF specification 5.3): each root N+1 must have
// version exactly N+1 and be signed by the threshold of root N and by its
// own threshold. The trusted root must meet its own threshold too (clients
// check it when they load it). Trust stops at the first root that fails;
// the roots after it are still checked against their predecessor so that
// every problem is reported, but none of them becomes trusted.
//
// The root that ends up trusted must not have expired at `at` (zero means
// now); intermediate roots may have. RootChain returns the findings and the
// last trusted root (with a nil File if even the trusted root cannot be
// read as root metadata).
func RootChain(trusted Named, next []Named, at time.Time) ([]Finding, Named) {
	if at.IsZero() {
		at = time.Now()
	}
	c := rootChain(trusted, next)
	list := c.findings
	if c.final.File != nil {
		found := findings{file: c.final.Path, role: metadata.ROOT}
		found.checkExpiry(c.root.Expires, at, DefaultExpiryWarning)
		list = append(list, found.list...)
	}
	return list, c.final
}

// chain is the outcome of a root walk.
type chain struct {
	findings []Finding
	final    Named
	root     *metadata.RootType // final's root, or nil
	state    RoleState          // final's own tally
}

func rootChain(trusted Named, next []Named) chain {
	var c chain
	// The trusted root is the trust anchor, handed over out of band: a
	// finding against its own signatures fails the report, but the walk
	// goes on from it, as the person who trusts it asked.
	prev, state, _ := checkRoot(&c.findings, trusted, nil)
	if prev == nil {
		return c
	}
	c.final, c.root, c.state = trusted, prev, state
	broken := false
	for _, n := range next {
		r, state, ok := checkRoot(&c.findings, n, prev)
		if r == nil {
			// Nothing after an unreadable root can be checked.
			break
		}
		if ok && !broken {
			c.final, c.root, c.state = n, r, state
		} else {
			broken = true
		}
		prev = r
	}
	return c
}

// checkRoot checks one root file; previous is the root before it, or nil
// for the trusted root. It returns the decoded root (nil if it cannot be
// decoded), its state and whether every check passed.
func checkRoot(out *[]Finding, n Named, previous *metadata.RootType) (*metadata.RootType, RoleState, bool) {
	found := findings{file: n.Path, role: metadata.ROOT}
	defer func() { *out = append(*out, found.list...) }()
	if n.File == nil {
		found.errorf("parse", "no metadata")
		return nil, RoleState{}, false
	}
	h, err := n.File.Header()
	if err != nil {
		found.errorf("parse", "%v", err)
		return nil, RoleState{}, false
	}
	if !found.checkHeader(h, metadata.ROOT) {
		return nil, RoleState{}, false
	}
	r, err := n.File.Root()
	if err != nil {
		found.errorf("parse", "%v", err)
		return nil, RoleState{}, false
	}
	if previous != nil {
		if err := threshold.CheckNextRoot(previous, r); err != nil {
			found.errorf("version", "%v", err)
		}
	}
	found.checkKeys(r.Keys)
	for _, role := range []string{metadata.TIMESTAMP, metadata.SNAPSHOT, metadata.TARGETS} {
		if _, err := topLevelRule(r, role); err != nil {
			found.errorf("delegation", "%v", err)
		}
	}
	var rules []threshold.Rule
	if previous != nil {
		prevRule, err := topLevelRule(previous, metadata.ROOT)
		if err != nil {
			found.errorf("delegation", "%v", err)
		} else {
			prevRule.Delegator = "previous " + prevRule.Delegator
			rules = append(rules, prevRule)
		}
	}
	own, err := topLevelRule(r, metadata.ROOT)
	if err != nil {
		found.errorf("delegation", "%v", err)
	} else {
		rules = append(rules, own)
	}
	tallies := found.checkSignatures(n.File, rules)
	var state RoleState
	if err == nil {
		state = stateOf(metadata.ROOT, n.Path, h, tallies[len(tallies)-1])
	} else {
		state = stateOf(metadata.ROOT, n.Path, h, nil)
	}
	return r, state, errorsIn(found.list) == 0
}

// sameSigned reports whether two files sign the same canonical bytes.
func sameSigned(a, b *metafile.File) bool {
	ca, err1 := a.Canonical()
	cb, err2 := b.Canonical()
	return err1 == nil && err2 == nil && bytes.Equal(ca, cb)
}

func errorsIn(list []Finding) int {
	n := 0
	for _, f := range list {
		if f.Severity == Error {
			n++
		}
	}
	return n
}

func rootName(v int64) string { return fmt.Sprintf("%d.root.json", v) }
