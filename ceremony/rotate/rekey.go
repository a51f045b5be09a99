package rotate

import (
	"fmt"
	"sort"
	"strings"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/rotation"
)

// rekeyAdvice says what to do instead of a rotation when every key the
// rotation takes out (p.Affected) is a maintainers' key only: listed by
// no role but projects' roles the claimed role delegates. A rotation
// workspace signs root, targets and claimed under the administrators'
// keys; a claimed project's keys change at a claims ceremony, from a new
// claim request its maintainers make, taken in as a rekey. It returns
// nil when any key the rotation takes out is listed elsewhere; from is
// the rotation's source as given, for the commands it prints.
func rekeyAdvice(s *rotation.State, p *rotation.Plan, from string) []string {
	claimed := s.Targets[plan.RoleClaimed]
	if claimed == nil || claimed.Delegations == nil || len(p.Affected) == 0 {
		return nil
	}
	delegated := map[string]metadata.DelegatedRole{}
	for _, r := range claimed.Delegations.Roles {
		delegated[r.Name] = r
	}
	keysOf := map[string][]string{} // project -> keys leaving, labelled
	causes := map[string][]string{}
	stolen := false
	var projects []string
	for _, a := range p.Affected {
		if len(a.Roles) == 0 {
			return nil
		}
		for _, role := range a.Roles {
			if _, ok := delegated[role]; !ok {
				return nil
			}
			if keysOf[role] == nil {
				projects = append(projects, role)
			}
			keysOf[role] = append(keysOf[role], a.Label())
			cause := string(a.Cause)
			if a.Cause == rotation.Retired {
				cause = "replaced"
			}
			causes[role] = append(causes[role], fmt.Sprintf("maintainer key %s %s", ceremony.AbbrevHash(a.ID), cause))
		}
		stolen = stolen || a.Cause == rotation.Stolen
	}
	sort.Strings(projects)
	var out []string
	var rekeys []string
	for _, project := range projects {
		r := delegated[project]
		out = append(out, fmt.Sprintf("%s: the key(s) leaving (%s) are only its maintainers' keys, for its role %q, which claimed v%d delegates to %d key(s) with threshold %d: a rotation workspace does not change a claimed project's keys, a claims ceremony does; nothing was written",
			project, strings.Join(keysOf[project], ", "), project, claimed.Version, len(r.KeyIDs), r.Threshold))
		rekeys = append(rekeys, fmt.Sprintf("--rekey %s=%q", project, strings.Join(causes[project], ", ")))
	}
	name := "PROJECT"
	if len(projects) == 1 {
		name = projects[0]
	}
	out = append(out,
		fmt.Sprintf("first, the maintainers of %s make a new claim request with their new keys, on their own machines: 'ceremony claim %s --key NEW-KEY-URI [--key URI ...] [--threshold N] --out %s.claim.json', and send it to PyPI's administrators with its SHA-256 read over another channel", strings.Join(projects, ", "), name, name),
		fmt.Sprintf("then PyPI's administrators take it in as a key change at a claims ceremony: 'ceremony claims init --from %s --claims DIR %s --date YYYY-MM-DD WORKSPACE'; claimed's keyholders sign it, and its bundle is published", from, strings.Join(rekeys, " ")))
	last := fmt.Sprintf("then the maintainers sign %s's role again with the new keys: 'ceremony project init %s --from CLAIMS-BUNDLE --target PATH=FILE ... WS', 'ceremony sign', 'ceremony bundle', listing again each file to keep", name, name)
	if stolen {
		last += " (each checked against the last good state: the stolen key may have signed the attacker's files)"
	}
	out = append(out, last+"; until that bundle is published, clients cannot get the project's files")
	return out
}
