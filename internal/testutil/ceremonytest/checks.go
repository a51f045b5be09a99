package ceremonytest

import (
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/internal/hint"
	"github.com/tuf-ceremony/ceremony/verify"
)

// GetStatus is the workspace's status; it fails the test on an error.
func GetStatus(t *testing.T, ws string) *ceremony.Status {
	t.Helper()
	st, err := ceremony.GetStatus(ws)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// RoleStatus is role's entry in the status; it fails the test if there is none.
func RoleStatus(t *testing.T, st *ceremony.Status, role string) ceremony.RoleStatus {
	t.Helper()
	for _, r := range st.Roles {
		if r.Role == role {
			return r
		}
	}
	t.Fatalf("status has no role %q (roles: %+v)", role, st.Roles)
	return ceremony.RoleStatus{}
}

// PartyNames are the parties' holders, in order.
func PartyNames(ps []ceremony.Party) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Holder)
	}
	return out
}

// SameSet reports whether a and b hold the same strings, as many times each, in any order.
func SameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	count := map[string]int{}
	for _, s := range a {
		count[s]++
	}
	for _, s := range b {
		count[s]--
	}
	for _, n := range count {
		if n != 0 {
			return false
		}
	}
	return true
}

// Contains reports whether list holds s.
func Contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Findings are the report's findings of severity sev from check.
func Findings(rep *verify.Report, sev verify.Severity, check string) []verify.Finding {
	var out []verify.Finding
	for _, fd := range rep.Findings {
		if fd.Severity == sev && fd.Check == check {
			out = append(out, fd)
		}
	}
	return out
}

// RequireFinding fails the test unless the report has a finding of severity sev
// from check whose file or message holds text.
func RequireFinding(t *testing.T, rep *verify.Report, sev verify.Severity, check, text string) {
	t.Helper()
	for _, f := range rep.Findings {
		if f.Severity == sev && f.Check == check && strings.Contains(f.File+" "+f.Message, text) {
			return
		}
	}
	t.Errorf("no %v %q finding mentioning %q; findings: %+v", sev, check, text, rep.Findings)
}

// Shown is an error as the command line shows it: its message, then the
// commands it carries (package hint), on one line here.
func Shown(err error) string {
	s := err.Error()
	for _, h := range hint.Commands(err) {
		s += "; run 'ceremony " + h + "'"
	}
	return s
}
