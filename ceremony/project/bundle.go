package project

import (
	_ "embed"
	"fmt"
	"sort"
	"strings"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/audit"
	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/delegated"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/verify"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// A project ceremony's bundle is what the maintainer uploads to PyPI: the
// project's signed targets metadata and the target files it adds
// (targets/PATH), with the trusted metadata it was made against. Its
// verification, like replay, checks that each file added is listed with
// its length and hashes, that every path listed is inside the project's
// delegation, and that nothing listed before is dropped or changed.

//go:embed readme.tmpl
var readmeText string

var readme = ceremony.ReadmeTemplate("readme.tmpl", readmeText)

// projectReadme is a project bundle's README.txt: what the repository's
// operator does with it, in order.
func projectReadme(ws *workspace.Workspace, info ceremony.BundleInfoFile) (string, error) {
	type file struct{ Entry, Path string }
	project := ws.State.Roles[0]
	d := struct {
		Info                                   ceremony.BundleInfoFile
		Repository, Project, Entry, TargetsDir string
		Files                                  []file
	}{Info: info, Repository: ceremony.ReadmeRepository(info), Project: project, Entry: info.Metadata[project], TargetsDir: workspace.TargetsDir}
	files, _ := Kind{}.Files(ws)
	for _, f := range files {
		d.Files = append(d.Files, file{Entry: f, Path: strings.TrimPrefix(f, workspace.TargetsDir+"/")})
	}
	return ceremony.RenderReadme(readme, d)
}

// checkProjectTargets says how next is not a project's role made right
// from prev (nil: none) with the files given (by target path): every
// target inside the delegation, every file given listed with its length
// and hashes, every target listed either one of the files or listed by
// prev unchanged, and nothing prev lists dropped. Each file is read when
// it is checked, one at a time.
func checkProjectTargets(deleg metadata.DelegatedRole, prev, next *metadata.TargetsType, files map[string]readFile) []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if prev != nil && next.Version <= prev.Version {
		bad("%s v%d does not follow v%d", deleg.Name, next.Version, prev.Version)
	}
	paths := make([]string, 0, len(next.Targets))
	for p := range next.Targets {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		tf := next.Targets[p]
		if !delegatedPath(deleg, p) {
			bad("%s v%d lists %q, outside its delegation (%s)", deleg.Name, next.Version, p, strings.Join(deleg.Paths, ", "))
		}
		read, given := files[p]
		switch {
		case given:
			data, err := read()
			if err != nil {
				bad("%s/%s: %v", workspace.TargetsDir, p, err)
				continue
			}
			algs := make([]string, 0, len(tf.Hashes))
			for alg := range tf.Hashes {
				algs = append(algs, alg)
			}
			want, err := targetFileOf(p, data, algs)
			if err != nil || len(algs) == 0 || !delegated.SameJSON(want, tf) {
				bad("%s v%d lists %q with a length or hashes its file (%s/%s) does not have", deleg.Name, next.Version, p, workspace.TargetsDir, p)
			}
			if prev != nil && prev.Targets[p] != nil {
				bad("%s v%d lists %q already: a published file is never replaced", deleg.Name, prev.Version, p)
			}
		case prev == nil || prev.Targets[p] == nil:
			bad("%s v%d lists %q, but the ceremony holds no such file", deleg.Name, next.Version, p)
		case !delegated.SameJSON(prev.Targets[p], tf):
			bad("%s v%d changes %q from v%d", deleg.Name, next.Version, p, prev.Version)
		}
	}
	for p := range files {
		if next.Targets[p] == nil {
			bad("%s/%s is not listed by %s v%d", workspace.TargetsDir, p, deleg.Name, next.Version)
		}
	}
	if prev != nil {
		for p := range prev.Targets {
			if next.Targets[p] == nil {
				bad("%s v%d drops %q, which v%d lists", deleg.Name, next.Version, p, prev.Version)
			}
		}
	}
	return problems
}

// readFile reads one target file of a ceremony.
type readFile func() ([]byte, error)

// findDelegation is claimed's delegation to role.
func findDelegation(claimed *metadata.TargetsType, role string) (metadata.DelegatedRole, bool) {
	if claimed == nil || claimed.Delegations == nil {
		return metadata.DelegatedRole{}, false
	}
	for _, r := range claimed.Delegations.Roles {
		if r.Name == role {
			return r, true
		}
	}
	return metadata.DelegatedRole{}, false
}

// checkProjectWorkspace checks what a project workspace's init made: its
// role's first state from the trusted previous version (if any) and the
// target files kept, the trusted files as checked against the init record
// where they were. It returns why not, or "".
func checkProjectWorkspace(ws *workspace.Workspace, initial *metafile.File, trusted delegated.Checked) string {
	project := ws.State.Roles[0]
	claimedFile, err := trusted.TrustedMetadata(ws, plan.RoleClaimed)
	if err != nil {
		return err.Error()
	}
	claimed, err := claimedFile.TargetsDelegating(project)
	if err != nil {
		return fmt.Sprintf("%s: %v", workspace.TrustedPath(plan.RoleClaimed), err)
	}
	deleg, ok := findDelegation(claimed, project)
	if !ok {
		return fmt.Sprintf("the trusted claimed v%d does not delegate %q", claimed.Version, project)
	}
	var prev *metadata.TargetsType
	if ws.HasTrusted(project) {
		f, err := trusted.TrustedMetadata(ws, project)
		if err != nil {
			return err.Error()
		}
		if prev, err = f.Targets(); err != nil {
			return fmt.Sprintf("%s: %v", workspace.TrustedPath(project), err)
		}
	}
	next, err := initial.Targets()
	if err != nil {
		return fmt.Sprintf("the initial state of %s: %v", project, err)
	}
	names, err := Kind{}.Files(ws)
	if err != nil {
		return err.Error()
	}
	files := map[string]readFile{}
	for _, name := range names {
		files[strings.TrimPrefix(name, workspace.TargetsDir+"/")] = func() ([]byte, error) { return ws.ReadFile(name) }
	}
	if problems := checkProjectTargets(deleg, prev, next, files); len(problems) > 0 {
		return problems[0]
	}
	return ""
}

// checkBundledProject checks what a project bundle adds: the project's
// role against the files it carries and the trusted claimed's delegation.
func checkBundledProject(add audit.AddFunc, b *bundle.Bundle, info ceremony.BundleInfoFile, entry string, claimed, prev, next *metadata.TargetsType, known map[string]bool) {
	var role string
	for role = range info.Metadata {
	}
	files := map[string]readFile{}
	for _, e := range b.Manifest.Entries {
		if (Kind{}).IsFile(e.Name) {
			known[e.Name] = true
			files[strings.TrimPrefix(e.Name, workspace.TargetsDir+"/")] = func() ([]byte, error) {
				data, ok := b.Get(e.Name)
				if !ok {
					return nil, b.Err() // VerifyBundle reports it
				}
				return data, nil
			}
		}
	}
	deleg, ok := findDelegation(claimed, role)
	if !ok {
		add(verify.Error, entry, role, "delegation", "the trusted claimed v%d does not delegate %q", claimed.Version, role)
		return
	}
	for _, problem := range checkProjectTargets(deleg, prev, next, files) {
		add(verify.Error, entry, role, "targets", "%s", problem)
	}
}
