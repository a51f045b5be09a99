package sbom

import (
	"bytes"
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The bill of materials of the ceremony binary, built as a release builds
// it, lists every module 'go version -m' lists for it, with its version
// and sum, the standard library, the stamped version and the binary's
// SHA-256; the same binary gives the same bytes.
func TestFromFileListsWhatGoVersionLists(t *testing.T) {
	exe := filepath.Join(t.TempDir(), "ceremony")
	build := exec.Command("go", "build", "-trimpath", "-o", exe,
		"-ldflags", "-s -w -buildid= -X github.com/tuf-ceremony/ceremony/internal/buildinfo.Version=v0.0.0-sbomtest", "../../cmd/ceremony")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := FromFile(exe, "v0.0.0-sbomtest")
	if err != nil {
		t.Fatal(err)
	}
	again, err := FromFile(exe, "v0.0.0-sbomtest")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, again) {
		t.Fatal("two documents of the same binary differ")
	}
	var doc Document
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if doc.BOMFormat != "CycloneDX" || doc.SpecVersion != "1.5" || doc.Version != 1 {
		t.Errorf("header %q %q %d", doc.BOMFormat, doc.SpecVersion, doc.Version)
	}
	if v := doc.Metadata.Component.Version; v != "v0.0.0-sbomtest" {
		t.Errorf("the binary's version %q, want the stamped one", v)
	}
	if h := doc.Metadata.Component.Hashes; len(h) != 1 || h[0].Alg != "SHA-256" || h[0].Content != hex.EncodeToString(sum[:]) {
		t.Errorf("the binary's hashes %+v, want its SHA-256", h)
	}
	if !strings.HasPrefix(doc.SerialNumber, "urn:uuid:"+hex.EncodeToString(sum[:4])) || len(doc.SerialNumber) != len("urn:uuid:")+36 {
		t.Errorf("serial number %q is not made from the binary's SHA-256", doc.SerialNumber)
	}
	listed := map[string]Component{}
	for _, c := range doc.Components {
		listed[c.PURL] = c
	}
	gv, err := exec.Command("go", "version", "-m", exe).Output()
	if err != nil {
		t.Fatalf("go version -m: %v", err)
	}
	deps := 0
	for _, line := range strings.Split(string(gv), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || f[0] != "dep" {
			continue
		}
		deps++
		c, ok := listed[purl(f[1], f[2])]
		if !ok {
			t.Errorf("go version -m lists %s %s; the bill of materials does not", f[1], f[2])
			continue
		}
		if len(f) >= 4 && (len(c.Properties) == 0 || c.Properties[0].Value != f[3]) {
			t.Errorf("%s: sum %+v, go version -m says %s", f[1], c.Properties, f[3])
		}
	}
	if deps == 0 || len(doc.Components) != deps+1 {
		t.Errorf("%d components for %d modules go version -m lists (and the standard library)", len(doc.Components), deps)
	}
	if len(doc.Dependencies) != 1 || len(doc.Dependencies[0].DependsOn) != len(doc.Components) {
		t.Errorf("dependencies %+v", doc.Dependencies)
	}
}

// Without a version given, the module's names the binary; a path element
// that purl would misread is escaped.
func TestFromBuildInfoVersion(t *testing.T) {
	info := &buildinfo.BuildInfo{GoVersion: "go1.26.0", Path: "github.com/tuf-ceremony/ceremony/cmd/ceremony"}
	info.Main.Path, info.Main.Version = "github.com/tuf-ceremony/ceremony", "(devel)"
	if c := FromBuildInfo("ceremony", "", [32]byte{}, info).Metadata.Component; c.Version != "(devel)" || c.PURL != "pkg:golang/github.com/tuf-ceremony/ceremony@%28devel%29" {
		t.Errorf("the binary's component %+v", c)
	}
	if c := FromBuildInfo("ceremony-v1.2.3-linux-amd64", "v1.2.3", [32]byte{}, info).Metadata.Component; c.Version != "v1.2.3" || c.PURL != "pkg:golang/github.com/tuf-ceremony/ceremony@v1.2.3" || c.Name != "ceremony-v1.2.3-linux-amd64" {
		t.Errorf("the binary's component %+v", c)
	}
	if got := purl("example.com/a b", "v1.0.0+incompatible"); got != "pkg:golang/example.com/a%20b@v1.0.0%2Bincompatible" {
		t.Errorf("purl %q", got)
	}
}
