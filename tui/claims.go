package tui

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/claimed"
	"github.com/tuf-ceremony/ceremony/ceremony/delegated"
	"github.com/tuf-ceremony/ceremony/claims"
	"github.com/tuf-ceremony/ceremony/internal/safetext"
	"github.com/tuf-ceremony/ceremony/tui/widget"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// A PEP 480 claims ceremony is asked for in a form (the trusted state, the
// directory of claim requests, the plan, the new workspace), reviewed in a
// tea.Cmd exactly as 'ceremony claims init' reviews it, and shown as a
// table on the claims review screen; only when something is accepted does y
// create the workspace (claimed.Init), which the walk-through then
// signs like any other: claimed's keyholders only, the projects it adds
// named on the plan, review and finish screens.

// claimsDraft is a claims ceremony asked for and, once reviewed, what it
// would do.
type claimsDraft struct {
	// opts is the request, without Dir until the workspace is created;
	// Now is fixed when the review is made, so the workspace holds the very
	// review that was read.
	opts claimed.Options
	readFirst
	reviewing bool

	// res is the review (Review, Accepted, ClaimedVersion); nil until it
	// comes back. Its Workspace is never set: nothing was created.
	res *claimed.Result
	// lines is res as the screen shows it, rendered for a window
	// linesWidth wide (keepClaimsLines); nil when not rendered.
	lines      []string
	linesWidth int
}

// accepted reports whether the review accepted a request to add.
func (d claimsDraft) accepted() bool { return d.res != nil && len(d.res.Accepted) > 0 }

// claimsInfo is what a claims workspace holds beside its metadata: the
// projects it adds (accepted-projects.json) and the review of every
// request (claims-review.json).
type claimsInfo struct {
	accepted *delegated.AcceptedProjects
	review   *claimed.ReviewFile
}

// projects names the projects added, in the accepted file's order.
func (c *claimsInfo) projects() []string {
	var out []string
	for _, p := range c.accepted.Projects {
		out = append(out, safetext.Escape(p.Project))
	}
	return out
}

// count is how many of the review's verdicts have outcome.
func (c *claimsInfo) count(outcome string) int {
	n := 0
	for _, v := range c.review.Verdicts {
		if v.Outcome == outcome {
			n++
		}
	}
	return n
}

// requestsKept is how many claim request files the workspace keeps (every
// request that could be read, refused ones included).
func (c *claimsInfo) requestsKept() int {
	n := 0
	for _, v := range c.review.Verdicts {
		if v.SHA256 != "" {
			n++
		}
	}
	return n
}

// claimsReviewedMsg is the review made for a request.
type claimsReviewedMsg struct {
	opts claimed.Options
	ws   string
	res  *claimed.Result
	err  error
}

// claimsCreatedMsg says the claims workspace was created; res is what
// ClaimsInit found when it created it.
type claimsCreatedMsg struct {
	ws  string
	res *claimed.Result
}

// claimsCreateFailedMsg says the workspace could not be created.
type claimsCreateFailedMsg struct{ err error }

// ReviewClaims runs 'ceremony claims init' in review-only mode: the
// trusted state read and checked, every request reviewed against its
// claimed role, what claimed's next version would add; nothing is written.
// The ceremony's time is fixed here. A workspace directory ws that is
// already in use is refused first, so that nobody reads a review that
// cannot be created.
func ReviewClaims(eng *ceremony.Engine, opts claimed.Options, ws string) tea.Cmd {
	return func() tea.Msg {
		if opts.Now.IsZero() {
			opts.Now = time.Now().UTC().Truncate(time.Second)
		}
		msg := claimsReviewedMsg{opts: opts, ws: ws}
		if msg.err = workspace.CheckNew(ws); msg.err != nil {
			return msg
		}
		opts.Dir, opts.ReviewOnly = "", true
		msg.res, msg.err = claimed.Init(eng, opts)
		msg.opts.Dir, msg.opts.ReviewOnly = "", false
		return msg
	}
}

// CreateClaims runs 'ceremony claims init' with the workspace: the same
// request as reviewed, at the same time.
func CreateClaims(eng *ceremony.Engine, opts claimed.Options, ws string) tea.Cmd {
	return func() tea.Msg {
		opts.Dir = ws
		res, err := claimed.Init(eng, opts)
		if err != nil {
			return claimsCreateFailedMsg{err}
		}
		res.Workspace = nil
		return claimsCreatedMsg{ws: ws, res: res}
	}
}

// LoadClaims reads a claims workspace's accepted projects and review.
func LoadClaims(ws string) tea.Cmd {
	return func() tea.Msg {
		info, err := readClaimsInfo(ws)
		if err != nil {
			return kindLoadedMsg{ws: ws, err: err}
		}
		return kindLoadedMsg{ws: ws, kind: info}
	}
}

// readClaimsInfo reads accepted-projects.json and claims-review.json,
// strictly: unknown fields and other file types are refused. Replay and
// verify check them against the transcript and the requests; this only
// shows them.
func readClaimsInfo(ws string) (*claimsInfo, error) {
	w, err := workspace.Open(ws)
	if err != nil {
		return nil, err
	}
	if w.State.Kind != workspace.Claims {
		return nil, fmt.Errorf("workspace %s is a %s workspace, not a claims ceremony's", ws, w.State.Kind)
	}
	info := &claimsInfo{accepted: &delegated.AcceptedProjects{}, review: &claimed.ReviewFile{}}
	for _, f := range []struct {
		name, typ string
		into      any
		got       func() string
	}{
		{workspace.AcceptedFile, delegated.AcceptedType, info.accepted, func() string { return info.accepted.Type }},
		{workspace.ClaimsReviewFile, delegated.ClaimsReviewType, info.review, func() string { return info.review.Type }},
	} {
		path := filepath.Join(ws, f.name)
		data, err := w.ReadFile(f.name)
		if err != nil {
			return nil, fmt.Errorf("failed to read %s: %w", path, err)
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(f.into); err != nil {
			return nil, fmt.Errorf("%s: %w: the workspace is damaged; 'ceremony replay %s' says where", path, err, ws)
		}
		if f.got() != f.typ {
			return nil, fmt.Errorf("%s: type %q, want %q: the workspace is damaged; 'ceremony replay %s' says where", path, f.got(), f.typ, ws)
		}
	}
	return info, nil
}

// The claims form's fields, by position.
const (
	clFrom = iota
	clTrustedRoot
	clRequests
	clPlan
	clWorkspace
)

// claimsChoice is the administrators' claims ceremony.
func claimsChoice(from, requests, ws string) choice {
	return choice{
		title:   "PEP 480 claims ceremony (take maintainers' claims into claimed)",
		creates: true,
		what:    "review the claim requests, then sign claimed's next version adding them",
		fields: []widget.Field{
			{Label: "repository, last workspace or bundle", Value: widget.NewText(from)},
			{Label: "your own root (trusted root file)", Optional: true},
			{Label: "claim requests (directory)", Value: widget.NewText(requests)},
			{Label: "plan (names claimed's keyholders)", Optional: true},
			{Label: "new workspace", Value: widget.NewText(ws)},
		},
		notes: []string{
			"The trusted state: the repository directory (holding metadata/), the last",
			"finished workspace, or the bundle the server published from: root, targets",
			"and claimed are checked there first, from your own root if you give it",
			"(your copy of the root in force). Each *.json file in the requests",
			"directory is one claim request ('ceremony claim' wrote it). The plan names",
			"claimed's keyholders (default: the last workspace's). Enter reviews the",
			"requests; nothing is written before y.",
		},
		submit: func(m Model, v []string) (Model, tea.Cmd) {
			opts := claimed.Options{From: v[clFrom], TrustedRoot: v[clTrustedRoot], ClaimsDir: v[clRequests], Plan: v[clPlan], MaxAge: claims.DefaultMaxAge}
			m.claims = claimsDraft{opts: opts, readFirst: readFirst{ws: v[clWorkspace]}, reviewing: true}
			m.setInfo("reviewing the claim requests in %s against %s (nothing is written)...", opts.ClaimsDir, opts.From)
			return m, ReviewClaims(m.engine, opts, v[clWorkspace])
		},
	}
}

// claimsReviewed shows the review, or the form's error.
func (m Model) claimsReviewed(msg claimsReviewedMsg) (tea.Model, tea.Cmd) {
	if m.screen != screenForm || !m.claims.reviewing {
		return m, nil // the form was left meanwhile
	}
	m.claims.reviewing = false
	noneAccepted := errors.Is(msg.err, claimed.ErrNoClaimsAccepted)
	switch {
	case msg.err != nil && !noneAccepted:
		m.setError("%v", msg.err)
		return m, nil
	case msg.res == nil || msg.res.Review == nil:
		m.setError("no review came back")
		return m, nil
	case len(msg.res.Review.Verdicts) == 0:
		m.setError("no claim requests (*%s files) in %s: put the files 'ceremony claim' wrote there", claims.RequestSuffix, msg.opts.ClaimsDir)
		return m, nil
	}
	m.claims = claimsDraft{opts: msg.opts, readFirst: readFirst{ws: msg.ws}, res: msg.res}
	m.clearStatus()
	m.open(screenClaimsReview)
	return m.keepClaimsLines(), nil
}

// updateClaimsReview: the review scrolls; y creates the workspace when a
// request is accepted; esc goes back to the form.
func (m Model) updateClaimsReview(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	refusal := ""
	if !m.claims.accepted() {
		refusal = "no claim request is accepted: there is nothing to add to claimed; esc goes back"
	}
	next, r, cmd := m.updateReadFirst(msg, m.claims.readFirst, len(m.claimsLines()), m.claimsRoom(), refusal, func() tea.Cmd {
		opts := m.claims.opts
		opts.DateConfirmed = m.date.confirmed
		return CreateClaims(m.engine, opts, m.claims.ws)
	})
	next.claims.readFirst = r
	return next, cmd
}

// claimsCreated opens the new workspace's walk-through at its plan. If the
// requests changed between the review and y, the workspace holds what
// ClaimsInit found when it created it: the status line says so.
func (m Model) claimsCreated(msg claimsCreatedMsg) (tea.Model, tea.Cmd) {
	m.claims.creating = false
	m.ws = msg.ws
	m.walk = newWalk()
	m.walk.loading = true
	m.open(screenPlan)
	if was, now := acceptedNames(m.claims.res), acceptedNames(msg.res); !slices.Equal(was, now) {
		m.setError("the requests changed after the review: %s adds %s, not %s; read its plan and review before signing",
			msg.ws, orDash(strings.Join(now, ", ")), orDash(strings.Join(was, ", ")))
	} else {
		m.setInfo("created the claims workspace %s", msg.ws)
	}
	return m, LoadStatus(m.ws)
}

func acceptedNames(res *claimed.Result) []string {
	if res == nil {
		return nil
	}
	var out []string
	for _, c := range res.Accepted {
		out = append(out, c.Project)
	}
	return out
}
