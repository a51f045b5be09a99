package layout

import (
	"os"
	"os/exec"
	"path"
	"runtime"
	"strings"
	"testing"
)

const module = "github.com/tuf-ceremony/ceremony"

// A part is a group of packages with the same place in the layering.
type part string

const (
	// foundation: formats and checks that every other part builds on
	// (keys, metadata files, transcripts, bundles, plans, verification).
	foundation part = "foundation"
	hardware   part = "hardware" // hsm/...: drivers that only drive hardware
	engine     part = "engine"   // ceremony: the steps every ceremony goes through
	audit      part = "audit"    // audit: verify, replay and report, for auditors
	kind       part = "kind"     // ceremony/*: one kind of ceremony, and what kinds share
	registry   part = "registry" // ceremony/kinds: the engine with every kind
	app        part = "app"      // tui
	rehearsal  part = "rehearsal"
	command    part = "command"  // cmd/...
	testutil   part = "testutil" // internal/testutil/...: helpers of tests
	tooling    part = "tooling"  // benchmarks' data makers, this package
)

// partOf places a package by its path in the module.
func partOf(rel string) part {
	first, _, _ := strings.Cut(rel, "/")
	switch {
	case first == "hsm":
		return hardware
	case rel == "ceremony":
		return engine
	case rel == "ceremony/kinds":
		return registry
	case first == "ceremony":
		return kind
	case first == "audit":
		return audit
	case first == "tui":
		return app
	case first == "rehearsal":
		return rehearsal
	case first == "cmd":
		return command
	case strings.HasPrefix(rel, "internal/testutil"):
		return testutil
	case strings.HasPrefix(rel, "internal/benchdata"), rel == "internal/layout", first == "e2e", first == "bench":
		return tooling
	}
	return foundation
}

// mayImport says which parts each part may import: nothing imports
// upward; the engine imports no kind of ceremony (it calls each through
// ceremony.Kind) and no auditor's code; the engine, the kinds and the app
// reach hardware only through keys; nothing that signs a real ceremony
// imports rehearsal or test machinery.
var mayImport = map[part][]part{
	foundation: {foundation},
	hardware:   {foundation, hardware},
	engine:     {foundation},
	audit:      {foundation, engine},
	kind:       {foundation, engine, audit, kind},
	registry:   {foundation, engine, kind},
	app:        {foundation, engine, audit, kind, registry, app},
	rehearsal:  {foundation, hardware, engine, audit, kind, registry, rehearsal},
	command:    {foundation, hardware, engine, audit, kind, registry, app, rehearsal, command},
	testutil:   {foundation, hardware, engine, audit, kind, registry, rehearsal, testutil},
	tooling:    {foundation, hardware, engine, audit, kind, registry, app, rehearsal, testutil, tooling},
}

type pkg struct {
	rel     string
	imports []string
}

// goList lists the module's packages with their direct imports (not those
// of tests), for the given environment.
func goList(t *testing.T, env ...string) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./...")
	cmd.Dir = repoRoot(t)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var list []pkg
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		list = append(list, pkg{rel: strings.TrimPrefix(strings.TrimPrefix(fields[0], module), "/"), imports: fields[1:]})
	}
	return list
}

func TestNoUpwardImports(t *testing.T) {
	list := goList(t)
	if len(list) < 20 {
		t.Fatalf("go list found %d packages, want the whole module", len(list))
	}
	for _, p := range list {
		from := partOf(p.rel)
		for _, imp := range p.imports {
			rel, ok := strings.CutPrefix(imp, module+"/")
			if !ok {
				if imp == "testing" && from != testutil && from != tooling {
					t.Errorf("%s (%s) imports testing: test helpers go under internal/testutil", p.rel, from)
				}
				continue
			}
			to := partOf(rel)
			allowed := false
			for _, a := range mayImport[from] {
				allowed = allowed || a == to
			}
			if !allowed {
				t.Errorf("%s (%s) imports %s (%s): %s packages may import only %v", p.rel, from, rel, to, from, mayImport[from])
			}
		}
	}
}

// TestEngineDeps: what the engine links, directly or not, holds no
// hardware driver, rehearsal or test machinery.
func TestEngineDeps(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", "./ceremony/...", "./audit", "./tui")
	cmd.Dir = repoRoot(t)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		rel, ok := strings.CutPrefix(dep, module+"/")
		if !ok {
			if strings.Contains(dep, "piv-go") || strings.Contains(dep, "pkcs11") {
				t.Errorf("the engine links %s", dep)
			}
			continue
		}
		switch partOf(rel) {
		case hardware, rehearsal, testutil, command:
			t.Errorf("the engine or the app links %s (%s)", rel, partOf(rel))
		}
	}
}

// TestAuditorBuildsWithoutCgo: every package but the hardware drivers and
// rehearsals, and the command (as the auditor's build), builds with
// CGO_ENABLED=0 for linux, darwin and windows.
func TestAuditorBuildsWithoutCgo(t *testing.T) {
	var pkgs []string
	for _, p := range goList(t) {
		switch partOf(p.rel) {
		case foundation, engine, audit, kind, registry, app, command:
			pkgs = append(pkgs, path.Join(module, p.rel))
		}
	}
	for _, goos := range []string{"linux", "darwin", "windows"} {
		build := exec.Command("go", append([]string{"build"}, pkgs...)...)
		build.Dir = repoRoot(t)
		build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+runtime.GOARCH)
		if out, err := build.CombinedOutput(); err != nil {
			t.Errorf("CGO_ENABLED=0 GOOS=%s go build: %v\n%s", goos, err, out)
		}
	}
}
