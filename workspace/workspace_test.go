package workspace_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/workspace"
)

var created = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func unsigned(t *testing.T, v any) *metafile.File {
	t.Helper()
	f, err := metafile.FromSigned(v)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func rootFile(t *testing.T, version int64) *metafile.File {
	t.Helper()
	r := metadata.Root(created.Add(365 * 24 * time.Hour)).Signed
	r.Version = version
	return unsigned(t, &r)
}

func targetsFile(t *testing.T) *metafile.File {
	t.Helper()
	tg := metadata.Targets(created.Add(365 * 24 * time.Hour)).Signed
	return unsigned(t, &tg)
}

func testState() workspace.State {
	return workspace.State{
		Kind:       workspace.Bootstrap,
		Profile:    "pep458",
		Repository: "test.example",
		Created:    created,
		Roles:      []string{"root", "targets"},
		Keys: []workspace.KeyEntry{
			{KeyID: "aa11", Holder: "alice", Contact: "alice@test.example"},
			{KeyID: "bb22", Holder: "online", Online: true, URI: "test:online"},
		},
	}
}

var planBytes = []byte("profile: pep458 # exact bytes, comments kept\n")

func create(t *testing.T, dir string) *workspace.Workspace {
	t.Helper()
	w, err := workspace.Create(dir, testState(), planBytes, nil, map[string]*metafile.File{"root": rootFile(t, 1), "targets": targetsFile(t)})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

func TestCreateAndOpen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ws")
	w := create(t, dir)

	if got := strings.Join(listDir(t, dir), ","); got != "ceremony.json,metadata,plan.yaml" {
		t.Errorf("workspace holds %s, want ceremony.json, metadata, plan.yaml (no trusted/ for a bootstrap)", got)
	}
	if got := strings.Join(listDir(t, filepath.Join(dir, "metadata")), ","); got != "root.json,targets.json" {
		t.Errorf("metadata/ holds %s", got)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, workspace.PlanFile)); !bytes.Equal(b, planBytes) {
		t.Errorf("plan.yaml is %q, want the plan byte for byte", b)
	}
	// ceremony.json is JSON a person or tool can read, with the format.
	var raw map[string]any
	if err := json.Unmarshal(mustRead(t, filepath.Join(dir, workspace.StateFile)), &raw); err != nil {
		t.Fatalf("ceremony.json: %v", err)
	}
	if raw["format"] != float64(1) || raw["kind"] != "bootstrap" || raw["profile"] != "pep458" {
		t.Errorf("ceremony.json = %v", raw)
	}

	o, err := workspace.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if o.State.Format != 1 || o.State.Kind != workspace.Bootstrap || !o.State.Created.Equal(created) ||
		strings.Join(o.State.Roles, ",") != "root,targets" || len(o.State.Keys) != 2 || o.State.Keys[1] != w.State.Keys[1] {
		t.Errorf("reopened state %+v, created %+v", o.State, w.State)
	}
	if !workspace.IsWorkspace(dir) || workspace.IsWorkspace(t.TempDir()) {
		t.Error("IsWorkspace is wrong")
	}

	// The metadata read back is what was written.
	got, err := o.Metadata("root")
	if err != nil {
		t.Fatal(err)
	}
	// The file is indented; what is signed (the canonical form) is the same.
	gotC, err1 := got.Canonical()
	wantC, err2 := rootFile(t, 1).Canonical()
	if err1 != nil || err2 != nil || !bytes.Equal(gotC, wantC) {
		t.Errorf("root metadata read back differs from what was written (%v, %v)", err1, err2)
	}
	if _, err := o.Metadata("snapshot"); err == nil {
		t.Error("Metadata of a role the workspace does not sign succeeded")
	}
	if tr, err := o.Trusted(); err != nil || tr != nil {
		t.Errorf("Trusted() of a bootstrap = %v, %v; want nil, nil", tr, err)
	}
	if o.Holder("aa11") != "alice" || o.Holder("bb22") != "online" || o.Holder("cc33") != "" {
		t.Error("Holder does not name the keys of State.Keys")
	}
	if !o.HasRole("targets") || o.HasRole("claimed") {
		t.Error("HasRole is wrong")
	}
	if got := o.MetadataPath("targets"); got != filepath.Join(dir, "metadata", "targets.json") {
		t.Errorf("MetadataPath = %s", got)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCreateWithTrustedRoot(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ws")
	trusted := []byte("{\"signatures\": [], \"signed\": {\"_type\": \"root\", \"version\": 1, \"expires\": \"2031-01-01T00:00:00Z\"}}\n")
	st := testState()
	st.Kind, st.Roles, st.TrustedRootVersion = workspace.NextRoot, []string{"root"}, 1
	if _, err := workspace.Create(dir, st, planBytes, trusted, map[string]*metafile.File{"root": rootFile(t, 2)}); err != nil {
		t.Fatal(err)
	}
	if got := mustRead(t, filepath.Join(dir, workspace.TrustedRoot)); !bytes.Equal(got, trusted) {
		t.Errorf("trusted/root.json = %q, want the bytes given", got)
	}
	w, err := workspace.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := w.Trusted()
	if err != nil || tr == nil {
		t.Fatalf("Trusted() = %v, %v", tr, err)
	}
	if h, _ := tr.Header(); h.Version != 1 {
		t.Errorf("trusted root version %d, want 1", h.Version)
	}
}

func TestCreateRefusals(t *testing.T) {
	t.Run("non-empty directory", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "x"), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := workspace.Create(dir, testState(), planBytes, nil, map[string]*metafile.File{"root": rootFile(t, 1), "targets": targetsFile(t)})
		if err == nil || !strings.Contains(err.Error(), "not empty") {
			t.Fatalf("err = %v, want a refusal of a non-empty directory", err)
		}
		if got := listDir(t, dir); strings.Join(got, ",") != "x" {
			t.Errorf("refused Create wrote %v", got)
		}
	})
	t.Run("existing workspace", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "ws")
		create(t, dir)
		before := mustRead(t, filepath.Join(dir, "metadata", "root.json"))
		if _, err := workspace.Create(dir, testState(), []byte("other"), nil, map[string]*metafile.File{"root": rootFile(t, 7), "targets": targetsFile(t)}); err == nil {
			t.Fatal("a workspace was created over another")
		}
		if !bytes.Equal(mustRead(t, filepath.Join(dir, "metadata", "root.json")), before) || !bytes.Equal(mustRead(t, filepath.Join(dir, "plan.yaml")), planBytes) {
			t.Error("the existing workspace was changed")
		}
	})
	t.Run("role without metadata", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "ws")
		_, err := workspace.Create(dir, testState(), planBytes, nil, map[string]*metafile.File{"root": rootFile(t, 1)})
		if err == nil || !strings.Contains(err.Error(), "targets") {
			t.Fatalf("err = %v, want a refusal naming targets", err)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("refused Create left %s (stat: %v)", dir, err)
		}
	})
	t.Run("a file, not a directory", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "file")
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := workspace.Create(p, testState(), planBytes, nil, map[string]*metafile.File{"root": rootFile(t, 1), "targets": targetsFile(t)}); err == nil {
			t.Fatal("Create over a regular file succeeded")
		}
	})
}

func TestOpenRefusals(t *testing.T) {
	t.Run("interrupted init", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, workspace.PlanFile), planBytes, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := workspace.Open(dir)
		if err == nil || !strings.Contains(err.Error(), "interrupted init") {
			t.Fatalf("err = %v, want it to say interrupted init", err)
		}
		if workspace.IsWorkspace(dir) {
			t.Error("IsWorkspace is true for an interrupted init")
		}
	})
	t.Run("interrupted after metadata", func(t *testing.T) {
		// Create writes ceremony.json last: without it, a directory with
		// metadata is still an interrupted init.
		dir := filepath.Join(t.TempDir(), "ws")
		create(t, dir)
		if err := os.Remove(filepath.Join(dir, workspace.StateFile)); err != nil {
			t.Fatal(err)
		}
		if _, err := workspace.Open(dir); err == nil || !strings.Contains(err.Error(), "interrupted init") {
			t.Fatalf("err = %v, want interrupted init", err)
		}
	})
	t.Run("not a workspace", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "photo.jpg"), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := workspace.Open(dir)
		if err == nil || !strings.Contains(err.Error(), "not a ceremony workspace") || strings.Contains(err.Error(), "interrupted") {
			t.Fatalf("err = %v, want it to say not a ceremony workspace", err)
		}
	})
	t.Run("missing directory", func(t *testing.T) {
		if _, err := workspace.Open(filepath.Join(t.TempDir(), "nope")); err == nil {
			t.Fatal("Open of a missing directory succeeded")
		}
	})

	writeState := func(t *testing.T, mutate func(m map[string]any)) string {
		t.Helper()
		dir := filepath.Join(t.TempDir(), "ws")
		create(t, dir)
		var m map[string]any
		if err := json.Unmarshal(mustRead(t, filepath.Join(dir, workspace.StateFile)), &m); err != nil {
			t.Fatal(err)
		}
		mutate(m)
		b, _ := json.Marshal(m)
		if err := os.WriteFile(filepath.Join(dir, workspace.StateFile), b, 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	t.Run("unknown format", func(t *testing.T) {
		dir := writeState(t, func(m map[string]any) { m["format"] = 2 })
		_, err := workspace.Open(dir)
		if err == nil || !strings.Contains(err.Error(), "format 2") {
			t.Fatalf("err = %v, want a refusal of format 2", err)
		}
	})
	t.Run("no format", func(t *testing.T) {
		dir := writeState(t, func(m map[string]any) { delete(m, "format") })
		if _, err := workspace.Open(dir); err == nil {
			t.Fatal("a ceremony.json without a format was opened")
		}
	})
	t.Run("no roles", func(t *testing.T) {
		dir := writeState(t, func(m map[string]any) { m["roles"] = []string{} })
		if _, err := workspace.Open(dir); err == nil || !strings.Contains(err.Error(), "roles") {
			t.Fatalf("err = %v, want a refusal of empty roles", err)
		}
	})
	// A role name is a file name in metadata/ and in a bundle: none may
	// lead elsewhere, however ceremony.json came to hold it.
	for _, role := range []string{"../../etc/x", "..", ".hidden", "a/b", `a\b`, "", "rôle", strings.Repeat("r", 201)} {
		t.Run("role "+role, func(t *testing.T) {
			dir := writeState(t, func(m map[string]any) { m["roles"] = []string{"root", role} })
			_, err := workspace.Open(dir)
			if err == nil || !strings.Contains(err.Error(), "roles[1]") || !strings.Contains(err.Error(), "cannot name a file") {
				t.Fatalf("err = %v, want roles[1] refused", err)
			}
		})
	}
	t.Run("role names a file", func(t *testing.T) {
		dir := writeState(t, func(m map[string]any) { m["roles"] = []string{"root", "bins-0f", "demo_pkg.v2"} })
		if _, err := workspace.Open(dir); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("not JSON", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "ws")
		create(t, dir)
		if err := os.WriteFile(filepath.Join(dir, workspace.StateFile), []byte("{"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := workspace.Open(dir); err == nil {
			t.Fatal("a truncated ceremony.json was opened")
		}
	})
}

func TestWriteMetadata(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ws")
	w := create(t, dir)
	f, err := w.Metadata("root")
	if err != nil {
		t.Fatal(err)
	}
	f.AddSignature("aa11", "abcdef")
	if err := w.WriteMetadata("root", f); err != nil {
		t.Fatal(err)
	}
	// No temporary file is left beside it.
	if got := strings.Join(listDir(t, filepath.Join(dir, "metadata")), ","); got != "root.json,targets.json" {
		t.Errorf("metadata/ holds %s after WriteMetadata, want root.json and targets.json only", got)
	}
	want, err := f.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if got := mustRead(t, filepath.Join(dir, "metadata", "root.json")); !bytes.Equal(got, want) {
		t.Errorf("root.json =\n%s\nwant\n%s", got, want)
	}
	back, err := w.Metadata("root")
	if err != nil {
		t.Fatal(err)
	}
	if i := back.SignatureBy("aa11"); i < 0 || back.Signatures[i].Sig != "abcdef" {
		t.Errorf("signatures read back: %+v", back.Signatures)
	}
	backC, err1 := back.Canonical()
	fC, err2 := f.Canonical()
	if err1 != nil || err2 != nil || !bytes.Equal(backC, fC) {
		t.Error("signed changed through a write")
	}

	// A second write replaces the first.
	back.AddSignature("bb22", "0123")
	if err := w.WriteMetadata("root", back); err != nil {
		t.Fatal(err)
	}
	again, err := w.Metadata("root")
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Signatures) != 2 {
		t.Errorf("%d signatures after the second write, want 2", len(again.Signatures))
	}
	if got := strings.Join(listDir(t, filepath.Join(dir, "metadata")), ","); got != "root.json,targets.json" {
		t.Errorf("metadata/ holds %s after two writes", got)
	}
}

func TestMetadataRefusesCorruptFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ws")
	w := create(t, dir)
	p := filepath.Join(dir, "metadata", "targets.json")
	if err := os.WriteFile(p, []byte(`{"signed": {}, "signatures": []}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := w.Metadata("targets")
	if err == nil || !strings.Contains(err.Error(), p) {
		t.Fatalf("err = %v, want a refusal naming %s", err, p)
	}
}

// TestTrustedAndOwnFiles: a claims or project workspace keeps trusted
// metadata under trusted/ROLE.json and its own files, written once, inside
// the workspace only.
func TestTrustedAndOwnFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ws")
	tg := metadata.Targets(created.Add(365 * 24 * time.Hour)).Signed
	tg.Version = 7
	trusted, err := unsigned(t, &tg).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	state := workspace.State{Kind: workspace.Claims, Profile: "pep480", Created: created, Roles: []string{"claimed"}, Trusted: []string{"claimed"}}
	w, err := workspace.Create(dir, state, planBytes, nil, map[string]*metafile.File{"claimed": targetsFile(t)}, func(w *workspace.Workspace) error {
		return w.WriteNewFile(workspace.TrustedPath("claimed"), trusted)
	})
	if err != nil {
		t.Fatal(err)
	}
	if w.State.Kind.SignsRoot() || !workspace.Bootstrap.SignsRoot() {
		t.Error("SignsRoot: a claims workspace signs no root; a bootstrap does")
	}
	o, err := workspace.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	f, err := o.TrustedMetadata("claimed")
	if err != nil {
		t.Fatal(err)
	}
	if h, _ := f.Header(); h.Version != 7 || !bytes.Equal(mustRead(t, filepath.Join(dir, "trusted", "claimed.json")), trusted) {
		t.Errorf("trusted/claimed.json: version %d; want v7 byte for byte", h.Version)
	}
	if _, err := o.TrustedMetadata("targets"); err == nil {
		t.Error("trusted targets read, but the workspace keeps none")
	}
	if err := o.WriteNewFile("claims/a.claim.json", []byte("a")); err != nil {
		t.Fatal(err)
	}
	if b, err := o.ReadFile("claims/a.claim.json"); err != nil || string(b) != "a" {
		t.Errorf("ReadFile: %q, %v", b, err)
	}
	if err := o.WriteNewFile("claims/a.claim.json", []byte("b")); err == nil {
		t.Error("a file of the workspace was overwritten")
	}
	for _, bad := range []string{"../escape", "/abs", `claims\..\..\x`, ""} {
		if err := o.WriteNewFile(bad, []byte("x")); err == nil {
			t.Errorf("WriteNewFile(%q) wrote outside the workspace or without a name", bad)
		}
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "escape")); !os.IsNotExist(err) {
		t.Error("a file was written beside the workspace")
	}
}

// TestCreateClearsWhatItCouldNotFinish: a Create that fails leaves no
// directory it made and nothing in one that was there; an interrupted
// init (the mark, no ceremony.json) is cleared by the next Create and
// refused by Open; a directory with a plan.yaml but no mark (someone's
// own) is never cleared.
func TestCreateClearsWhatItCouldNotFinish(t *testing.T) {
	roles := func() map[string]*metafile.File {
		return map[string]*metafile.File{"root": rootFile(t, 1), "targets": targetsFile(t)}
	}
	fail := func(*workspace.Workspace) error { return errors.New("disk full") }
	base := t.TempDir()

	fresh := filepath.Join(base, "fresh")
	if _, err := workspace.Create(fresh, testState(), planBytes, nil, roles(), fail); err == nil {
		t.Fatal("Create with a failing hook succeeded")
	}
	if _, err := os.Stat(fresh); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a failed Create left the directory it made: %v", err)
	}
	empty := filepath.Join(base, "empty")
	os.Mkdir(empty, 0o755)
	if _, err := workspace.Create(empty, testState(), planBytes, nil, roles(), fail); err == nil {
		t.Fatal("Create with a failing hook succeeded")
	}
	if entries, err := os.ReadDir(empty); err != nil || len(entries) != 0 {
		t.Errorf("a failed Create into an empty directory left %v (%v)", entries, err)
	}

	// What a kill in the middle leaves: the mark and some files.
	killed := filepath.Join(base, "killed")
	os.MkdirAll(filepath.Join(killed, "metadata"), 0o755)
	os.WriteFile(filepath.Join(killed, workspace.InitMark), nil, 0o644)
	os.WriteFile(filepath.Join(killed, "plan.yaml"), []byte("half"), 0o644)
	os.WriteFile(filepath.Join(killed, "metadata", "root.json"), []byte("half"), 0o644)
	if _, err := workspace.Open(killed); err == nil || !strings.Contains(err.Error(), "run the same init again") {
		t.Errorf("Open of an interrupted init: %v", err)
	}
	if err := workspace.CheckNew(killed); err != nil {
		t.Errorf("CheckNew of an interrupted init: %v", err)
	}
	if _, err := workspace.Create(killed, testState(), planBytes, nil, roles()); err != nil {
		t.Fatalf("Create over an interrupted init: %v", err)
	}
	if _, err := workspace.Open(killed); err != nil {
		t.Errorf("Open after Create over an interrupted init: %v", err)
	}
	if _, err := os.Stat(filepath.Join(killed, workspace.InitMark)); err == nil {
		t.Error("the mark is still there after Create finished")
	}

	own := filepath.Join(base, "own")
	os.Mkdir(own, 0o755)
	os.WriteFile(filepath.Join(own, "plan.yaml"), []byte("mine"), 0o644)
	if _, err := workspace.Create(own, testState(), planBytes, nil, roles()); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("Create into a directory holding someone's plan: %v", err)
	}
	if got, _ := os.ReadFile(filepath.Join(own, "plan.yaml")); string(got) != "mine" {
		t.Errorf("their plan.yaml now holds %q", got)
	}
}

// TestCreateHooksReadWhatWasWritten: Create's hooks (the init record)
// read the files just written without reading them back, the very bytes
// on disk; once Create returns, every read is from disk again.
func TestCreateHooksReadWhatWasWritten(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ws")
	var inHook []byte
	w, err := workspace.Create(dir, testState(), planBytes, nil, map[string]*metafile.File{"root": rootFile(t, 1), "targets": targetsFile(t)},
		func(w *workspace.Workspace) error {
			if err := w.WriteNewFile("extra/own.json", []byte(`{"own":1}`)); err != nil {
				return err
			}
			own, err := w.ReadFile("extra/own.json")
			if err != nil || string(own) != `{"own":1}` {
				return fmt.Errorf("own file read in the hook: %q, %v", own, err)
			}
			inHook, err = w.MetadataBytes("targets")
			return err
		})
	if err != nil {
		t.Fatal(err)
	}
	onDisk, err := os.ReadFile(w.MetadataPath("targets"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(inHook, onDisk) {
		t.Fatalf("the hook read %d bytes of targets, the file holds %d", len(inHook), len(onDisk))
	}
	changed := append(bytes.Clone(onDisk[:len(onDisk)-1]), ' ', '\n')
	if err := os.WriteFile(w.MetadataPath("targets"), changed, 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := w.MetadataBytes("targets"); err != nil || !bytes.Equal(got, changed) {
		t.Errorf("after Create, MetadataBytes gave %d bytes (%v), not the file as it is now", len(got), err)
	}
}
