package audit

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tuf-ceremony/ceremony/internal/bounded"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/threshold"
	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/verify"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// ExpiryWarning is how close to expiry a role draws a warning.
const ExpiryWarning = 30 * 24 * time.Hour

// VerifyWorkspace checks a workspace as a client would check its output:
// every threshold met (a new root by the previous root's and its own),
// every signature present valid, versions following the trusted root, no
// role expired at now (zero: the engine's clock; a warning within 30 days), and key IDs that are the
// SHA-256 of their keys (a warning otherwise). trustedRoot, if given, must
// be byte-identical to the workspace's trusted root.
func VerifyWorkspace(e *ceremony.Engine, dir, trustedRoot string, now time.Time) (*verify.Report, error) {
	at := e.NowOr(now)
	ws, err := workspace.Open(dir)
	if err != nil {
		return nil, err
	}
	k, err := e.KindOf(ws.State.Kind)
	if err != nil {
		return nil, err
	}
	l, err := ceremony.Load(ws)
	if err != nil {
		return nil, err
	}
	rep := &verify.Report{Rehearsal: ws.State.Rehearsal}
	add := func(sev verify.Severity, file, role, check, format string, args ...any) {
		rep.Findings = append(rep.Findings, verify.Finding{Severity: sev, File: file, Role: role, Check: check, Message: fmt.Sprintf(format, args...)})
	}
	rel := func(role string) string { return filepath.Join(workspace.MetadataDir, role+".json") }

	if trustedRoot != "" {
		given, err := bounded.ReadFile(trustedRoot, metafile.MaxSize)
		if err != nil {
			return nil, fmt.Errorf("failed to read trusted root: %w", err)
		}
		if !ws.State.Kind.SignsRoot() {
			if stored, err := ws.TrustedBytes(metadata.ROOT); err != nil || !bytes.Equal(stored, given) {
				add(verify.Error, workspace.TrustedPath(metadata.ROOT), metadata.ROOT, "trusted-root", "differs from %s: this workspace was prepared from another root", trustedRoot)
			}
		} else if l.Trusted == nil {
			add(verify.Error, trustedRoot, metadata.ROOT, "trusted-root", "a bootstrap workspace starts from no trusted root; verify its root v1 without --trusted-root")
		} else if stored, err := os.ReadFile(filepath.Join(dir, workspace.TrustedRoot)); err != nil || !bytes.Equal(stored, given) {
			add(verify.Error, workspace.TrustedRoot, metadata.ROOT, "trusted-root", "differs from %s: this workspace was prepared from another root", trustedRoot)
		}
	}
	if l.Trusted != nil {
		rule, err := threshold.FromRoot(l.TrustedRoot, metadata.ROOT, fmt.Sprintf("trusted root v%d", l.TrustedRoot.Version))
		if err != nil {
			add(verify.Error, workspace.TrustedRoot, metadata.ROOT, "delegation", "%v", err)
		} else if t, err := threshold.Count(rule, l.Trusted); err != nil || !t.Met() {
			add(verify.Error, workspace.TrustedRoot, metadata.ROOT, "threshold", "the trusted root is not signed by its own threshold")
		}
		checkKeyIDs(add, workspace.TrustedRoot, metadata.ROOT, l.TrustedRoot.Keys)
		rep.RootVersion = l.TrustedRoot.Version
	}

	if !ws.State.Kind.SignsRoot() {
		checkGivenChain(add, rep, l)
	}
	checkTranscript(ws, add)

	for _, role := range ws.State.Roles {
		f := l.Files[role]
		h, err := f.Header()
		if err != nil {
			add(verify.Error, rel(role), role, "format", "%v", err)
			continue
		}
		if want := l.ExpectedVersion(role); want != 0 && h.Version != want {
			add(verify.Error, rel(role), role, "version", "version %d, want %d", h.Version, want)
		}
		switch above, err := l.VersionAbove(role); {
		case err != nil:
			add(verify.Error, workspace.TrustedPath(role), role, "parse", "%v", err)
		case h.Version <= above:
			add(verify.Error, rel(role), role, "version", "version %d does not follow the trusted version %d (%s)", h.Version, above, workspace.TrustedPath(role))
		}
		switch {
		case !h.Expires.After(at):
			add(verify.Error, rel(role), role, "expiry", "expired at %s", h.Expires.UTC().Format(time.RFC3339))
		case h.Expires.Sub(at) < ExpiryWarning:
			add(verify.Warning, rel(role), role, "expiry", "expires in %d days, at %s", int(h.Expires.Sub(at).Hours()/24), h.Expires.UTC().Format(time.RFC3339))
		}
		rules, err := l.Rules(role)
		if err != nil {
			add(verify.Error, rel(role), role, "delegation", "%v", err)
			continue
		}
		for _, rule := range rules {
			t, err := threshold.Count(rule, f)
			if err != nil {
				add(verify.Error, rel(role), role, "format", "%v", err)
				continue
			}
			for _, id := range t.Invalid {
				add(verify.Error, rel(role), role, "signature", "the signature by %s does not verify", ceremony.HolderName(ws, id))
			}
			if !t.Met() {
				var missing []string
				for _, id := range t.Missing {
					missing = append(missing, ceremony.HolderName(ws, id))
				}
				add(verify.Error, rel(role), role, "threshold", "%d of %d required signatures from %s, have %d (not signed: %s)",
					rule.Threshold, len(rule.KeyIDs), rule.Delegator, len(t.Signed), strings.Join(missing, ", "))
			}
			rep.Roles = append(rep.Roles, verify.RoleState{Role: role, File: rel(role), Delegator: rule.Delegator,
				Version: h.Version, Expires: h.Expires, Threshold: rule.Threshold, Signed: t.Signed})
		}
		if err := checkRoleKeyIDs(add, rel(role), role, f); err != nil {
			add(verify.Error, rel(role), role, "format", "%v", err)
		}
		if role == metadata.ROOT && rep.OK() {
			rep.RootVersion = h.Version
		}
		if why := k.CheckChange(ws, role); why != "" {
			add(verify.Error, rel(role), role, "delegations", "%s", why)
		}
	}
	return rep, nil
}

type AddFunc func(sev verify.Severity, file, role, check, format string, args ...any)

func checkRoleKeyIDs(add AddFunc, file, role string, f *metafile.File) error {
	h, err := f.Header()
	if err != nil {
		return err
	}
	switch h.Type {
	case metadata.ROOT:
		r, err := f.Root()
		if err != nil {
			return err
		}
		checkKeyIDs(add, file, role, r.Keys)
	case metadata.TARGETS:
		t, err := f.Targets()
		if err != nil {
			return err
		}
		if t.Delegations != nil {
			checkKeyIDs(add, file, role, t.Delegations.Keys)
		}
	}
	return nil
}

func checkKeyIDs(add AddFunc, file, role string, ks map[string]*metadata.Key) {
	for id, k := range ks {
		if !keys.IDMatches(id, k) {
			core, _ := keys.ID(k)
			add(verify.Warning, file, role, "keyid", "key ID %s is not the SHA-256 of its key (%s); clients that check key IDs will reject it", id, core)
		}
	}
}

// checkTranscript verifies the workspace's transcript and that each
// metadata file is the state it recorded last.
func checkTranscript(ws *workspace.Workspace, add AddFunc) {
	const file = workspace.TranscriptDir
	trep, err := transcripts.Verify(ws.TranscriptPath())
	if err != nil {
		add(verify.Error, file, "", "transcript", "%v", err)
		return
	}
	if !trep.OK() {
		add(verify.Error, file, "", "transcript", "record %d does not hold: %s", trep.FirstBad.Seq, trep.FirstBad.Reason)
		return
	}
	for _, f := range transcripts.TimeFlags(trep.Records) {
		add(verify.Warning, file, "", "time", "%s", f)
	}
	last := map[string]string{}
	pending := map[string]string{}
	for _, r := range trep.Records {
		for role, h := range r.States {
			last[role] = h
		}
		if r.Kind == transcripts.Sign && r.Signature != nil {
			pending[r.Signature.Role] = r.Inputs[r.Signature.Role]
		}
	}
	for _, role := range ws.State.Roles {
		data, err := ws.MetadataBytes(role)
		if err != nil {
			continue
		}
		rel := filepath.Join(workspace.MetadataDir, role+".json")
		switch got := transcripts.Sum(data); {
		case got == last[role]:
		case got == pending[role]:
			add(verify.Warning, rel, role, "transcript", "a signature the transcript records is not written yet (interrupted); the next signing in this workspace completes it")
		default:
			add(verify.Error, rel, role, "transcript", "changed outside the ceremony: it is not the state the transcript recorded")
		}
	}
}
