package publish_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/bootstrap"
	"github.com/tuf-ceremony/ceremony/ceremony/kinds"
	"github.com/tuf-ceremony/ceremony/internal/testutil/gotufclient"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/rehearsal/demo"
	"github.com/tuf-ceremony/ceremony/rehearsal/publish"
	"github.com/tuf-ceremony/ceremony/verify"
)

// eng runs the ceremony steps in these tests, on workspaces of every kind.
var eng = kinds.Engine(backends)

// backends open the keys of these tests.
var backends = keys.NewBackends()

var testNow = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

var allProfiles = []plan.Profile{plan.ProfileRSTUF, plan.ProfilePEP458, plan.ProfilePEP480}

// demoRepo runs the demo and returns the repository it published.
func demoRepo(t *testing.T, p plan.Profile) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "demo")
	if err := demo.Run(demo.Options{Profile: p, Out: out, Now: testNow}); err != nil {
		t.Fatalf("demo %s: %v", p, err)
	}
	return filepath.Join(out, demo.Repository)
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// canonicalID is the key ID computed without the code under test: SHA-256
// of the canonical JSON (sorted keys, no whitespace, only '"' and '\'
// escaped) of keytype, scheme and keyval.public.
func canonicalID(k *metadata.Key) string {
	esc := func(s string) string {
		return strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `"`, `\"`)
	}
	return sha256Hex([]byte(`{"keytype":"` + esc(k.Type) + `","keyval":{"public":"` + esc(k.Value.PublicKey) + `"},"scheme":"` + esc(k.Scheme) + `"}`))
}

// binFor is the TAP 15 bin of a target path: the first bitLength bits of
// the SHA-256 of the path, in hex, zero-padded to the width of the last
// bin's number.
func binFor(path string, bitLength int) string {
	sum := sha256.Sum256([]byte(path))
	n := binary.BigEndian.Uint32(sum[:4]) >> (32 - bitLength)
	width := len(strconv.FormatInt(int64(1)<<bitLength-1, 16))
	return fmt.Sprintf("bins-%0*x", width, n)
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parse(t *testing.T, path string) *metafile.File {
	t.Helper()
	f, err := metafile.Parse(readFile(t, path))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return f
}

func metadataFiles(t *testing.T, repo string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(repo, "metadata"))
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

func onlineKey(t *testing.T, repo string) *metadata.Key {
	t.Helper()
	k, err := keys.ParseKeyJSON(readFile(t, filepath.Join(repo, "..", "keys", "online.pub")))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestDemoKeyIDs: every key any file of the repository lists is listed
// under its own key ID (ours are always the SHA-256 of the canonical key,
// vendor fields left out).
func TestDemoKeyIDs(t *testing.T) {
	for _, p := range allProfiles {
		t.Run(string(p), func(t *testing.T) {
			repo := demoRepo(t, p)
			seen := 0
			for _, name := range metadataFiles(t, repo) {
				f := parse(t, filepath.Join(repo, "metadata", name))
				h, err := f.Header()
				if err != nil {
					t.Fatal(err)
				}
				var ks map[string]*metadata.Key
				switch h.Type {
				case metadata.ROOT:
					r, err := f.Root()
					if err != nil {
						t.Fatal(err)
					}
					ks = r.Keys
				case metadata.TARGETS:
					tg, err := f.Targets()
					if err != nil {
						t.Fatal(err)
					}
					if tg.Delegations != nil {
						ks = tg.Delegations.Keys
					}
				}
				for id, k := range ks {
					seen++
					if want := canonicalID(k); id != want {
						t.Errorf("%s: key listed under %s, its key ID is %s", name, id[:12], want[:12])
					}
					if kid, err := keys.ID(k); err != nil || kid != id {
						t.Errorf("%s: keys.ID of the key listed under %s is %s (%v)", name, id[:12], kid, err)
					}
				}
			}
			if seen == 0 {
				t.Fatal("no keys found in the repository")
			}
		})
	}
}

// versionedName matches V.ROLE.json.
var versionedName = regexp.MustCompile(`^([0-9]+)\.(.+)\.json$`)

func TestDemoSnapshotListsEveryRole(t *testing.T) {
	var bins []string
	for i := 0; i < 16; i++ {
		bins = append(bins, fmt.Sprintf("bins-%x", i))
	}
	wantRoles := map[plan.Profile][]string{
		plan.ProfileRSTUF:  append([]string{"targets"}, bins...),
		plan.ProfilePEP458: append([]string{"targets"}, bins...),
		plan.ProfilePEP480: append([]string{"targets", "claimed", "recently-claimed", "unclaimed"}, bins...),
	}
	for _, p := range allProfiles {
		t.Run(string(p), func(t *testing.T) {
			repo := demoRepo(t, p)
			// The role files present, V.ROLE.json, other than root and snapshot.
			files := map[string]int64{}
			for _, name := range metadataFiles(t, repo) {
				m := versionedName.FindStringSubmatch(name)
				if m == nil || m[2] == "root" || m[2] == "snapshot" {
					continue
				}
				v, _ := strconv.ParseInt(m[1], 10, 64)
				files[m[2]+".json"] = v
				h, err := parse(t, filepath.Join(repo, "metadata", name)).Header()
				if err != nil {
					t.Fatal(err)
				}
				if h.Version != v {
					t.Errorf("%s holds version %d", name, h.Version)
				}
			}
			var want []string
			for _, r := range wantRoles[p] {
				want = append(want, r+".json")
			}
			var got []string
			for name := range files {
				got = append(got, name)
			}
			sort.Strings(want)
			sort.Strings(got)
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("role files %v, want %v", got, want)
			}

			snap, err := parse(t, filepath.Join(repo, "metadata", "1.snapshot.json")).Snapshot()
			if err != nil {
				t.Fatal(err)
			}
			if len(snap.Meta) != len(files) {
				t.Errorf("snapshot lists %d files, the repository has %d role files", len(snap.Meta), len(files))
			}
			for name, v := range files {
				mf := snap.Meta[name]
				if mf == nil {
					t.Errorf("snapshot does not list %s", name)
					continue
				}
				if mf.Version != v {
					t.Errorf("snapshot lists %s at version %d, the file is version %d", name, mf.Version, v)
				}
			}
		})
	}
}

func TestDemoTimestampCoversSnapshotBytes(t *testing.T) {
	for _, p := range allProfiles {
		t.Run(string(p), func(t *testing.T) {
			repo := demoRepo(t, p)
			snapBytes := readFile(t, filepath.Join(repo, "metadata", "1.snapshot.json"))
			ts, err := parse(t, filepath.Join(repo, "metadata", "timestamp.json")).Timestamp()
			if err != nil {
				t.Fatal(err)
			}
			if len(ts.Meta) != 1 {
				t.Errorf("timestamp lists %d files, want snapshot.json only", len(ts.Meta))
			}
			m := ts.Meta["snapshot.json"]
			if m == nil {
				t.Fatal("timestamp does not list snapshot.json")
			}
			if m.Version != 1 || m.Length != int64(len(snapBytes)) {
				t.Errorf("timestamp: snapshot v%d length %d; the file is v1, %d bytes", m.Version, m.Length, len(snapBytes))
			}
			if got := hex.EncodeToString(m.Hashes["sha256"]); got != sha256Hex(snapBytes) {
				t.Errorf("timestamp: snapshot sha256 %s, the file's is %s", got, sha256Hex(snapBytes))
			}
			// Both online files are signed by the online key, once.
			online := onlineKey(t, repo)
			for _, name := range []string{"timestamp.json", "1.snapshot.json"} {
				f := parse(t, filepath.Join(repo, "metadata", name))
				msg, err := f.Canonical()
				if err != nil {
					t.Fatal(err)
				}
				if len(f.Signatures) != 1 || f.Signatures[0].KeyID != canonicalID(online) {
					t.Fatalf("%s signatures %+v, want one by the online key", name, f.Signatures)
				}
				sig, _ := hex.DecodeString(f.Signatures[0].Sig)
				if err := keys.Verify(online, msg, sig); err != nil {
					t.Errorf("%s: the online signature does not verify: %v", name, err)
				}
			}
		})
	}
}

func TestDemoTargetLayout(t *testing.T) {
	for _, p := range allProfiles {
		t.Run(string(p), func(t *testing.T) {
			repo := demoRepo(t, p)
			entries, err := os.ReadDir(filepath.Join(repo, "targets", "packages"))
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 1 {
				t.Fatalf("targets/packages holds %d files, want 1", len(entries))
			}
			data := readFile(t, filepath.Join(repo, "targets", "packages", entries[0].Name()))
			if want := sha256Hex(data) + ".ceremony-demo-1.0.tar.gz"; entries[0].Name() != want {
				t.Errorf("target file is %s, want %s (the SHA-256 of its content, then its name)", entries[0].Name(), want)
			}

			// The bin the target path hashes to lists it; the others are empty.
			bin := binFor(demo.Target, 4)
			for i := 0; i < 16; i++ {
				name := fmt.Sprintf("bins-%x", i)
				tg, err := parse(t, filepath.Join(repo, "metadata", "1."+name+".json")).Targets()
				if err != nil {
					t.Fatal(err)
				}
				if name != bin {
					if len(tg.Targets) != 0 {
						t.Errorf("%s lists %d targets, want none", name, len(tg.Targets))
					}
					continue
				}
				tf := tg.Targets[demo.Target]
				if tf == nil || len(tg.Targets) != 1 {
					t.Fatalf("%s (the bin of %s) lists %v", name, demo.Target, tg.Targets)
				}
				if tf.Length != int64(len(data)) || hex.EncodeToString(tf.Hashes["sha256"]) != sha256Hex(data) {
					t.Errorf("%s: length %d sha256 %x; the file has %d bytes, sha256 %s", name, tf.Length, tf.Hashes["sha256"], len(data), sha256Hex(data))
				}
			}
		})
	}
}

// ceremonyRepo runs a small ceremony of its own (init, sign) for profile
// and returns what to publish, with an online key the test holds.
func ceremonyRepo(t *testing.T, profile plan.Profile, consistent bool, targets []publish.Target) *publish.Repository {
	t.Helper()
	dir := t.TempDir()
	signers := map[string]keys.Signer{}
	var holders strings.Builder
	for _, name := range []string{"alice", "bob", "carol", "online"} {
		s, err := keys.GenerateSoftware("memory:"+name, keys.TypeEd25519)
		if err != nil {
			t.Fatal(err)
		}
		signers[name] = s
		b, _ := keys.MarshalKeyJSON(s.TUFKey())
		if err := os.WriteFile(filepath.Join(dir, name+".pub"), b, 0o644); err != nil {
			t.Fatal(err)
		}
		if name != "online" {
			fmt.Fprintf(&holders, "  - {name: %s, public_key: %s.pub}\n", name, name)
		}
	}
	y := fmt.Sprintf("profile: %s\nconsistent_snapshot: %v\nkeyholders:\n%sroles:\n  root: {keyholders: [alice, bob, carol], threshold: 2}\n", profile, consistent, holders.String())
	switch profile {
	case plan.ProfileRSTUF:
		y += "  targets: {expires_days: 7}\n"
	default:
		y += "  targets: {keyholders: [alice, bob], threshold: 1}\n"
	}
	if profile == plan.ProfilePEP480 {
		y += "  claimed: {keyholders: [bob, carol], threshold: 1}\n"
	}
	y += "  bins: {count: 256}\nonline:\n  - {name: online, public_key: online.pub, uri: \"test:online\"}\n"
	planPath := filepath.Join(dir, "plan.yaml")
	if err := os.WriteFile(planPath, []byte(y), 0o644); err != nil {
		t.Fatal(err)
	}
	wsDir := filepath.Join(dir, "ws")
	ws, err := bootstrap.Init(eng, bootstrap.Options{Plan: planPath, Dir: wsDir, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"alice", "bob", "carol"} {
		if _, err := eng.Sign(ceremony.SignOptions{Dir: wsDir, Signer: signers[name], Now: testNow}); err != nil {
			t.Fatal(err)
		}
	}
	p, err := plan.Load(planPath, keys.NewBackends())
	if err != nil {
		t.Fatal(err)
	}
	r := &publish.Repository{Dir: filepath.Join(dir, "repo"), Plan: p, Online: signers["online"], Targets: targets, Now: testNow,
		Offline: map[string]*metafile.File{}}
	root, err := ws.Metadata("root")
	if err != nil {
		t.Fatal(err)
	}
	r.Roots = []*metafile.File{root}
	for _, role := range ws.State.Roles[1:] {
		if r.Offline[role], err = ws.Metadata(role); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

var someTargets = []publish.Target{
	{Path: "packages/a-1.0.tar.gz", Data: []byte("a\n")},
	{Path: "packages/sub/b-2.0.whl", Data: []byte("bee\n")},
	{Path: "c.txt", Data: []byte("sea\n")},
}

func TestPublishWithoutConsistentSnapshots(t *testing.T) {
	r := ceremonyRepo(t, plan.ProfilePEP458, false, someTargets)
	if err := publish.Write(r); err != nil {
		t.Fatal(err)
	}
	names := metadataFiles(t, r.Dir)
	want := []string{"1.root.json", "root.json", "snapshot.json", "targets.json", "timestamp.json"}
	for i := 0; i < 256; i++ {
		want = append(want, fmt.Sprintf("bins-%02x.json", i))
	}
	sort.Strings(want)
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Errorf("metadata files (%d) are not the unprefixed role files (%d): %v", len(names), len(want), names)
	}
	if !bytes.Equal(readFile(t, filepath.Join(r.Dir, "metadata", "1.root.json")), readFile(t, filepath.Join(r.Dir, "metadata", "root.json"))) {
		t.Error("root.json is not the newest root, 1.root.json")
	}
	for _, tg := range someTargets {
		if got := readFile(t, filepath.Join(r.Dir, "targets", filepath.FromSlash(tg.Path))); !bytes.Equal(got, tg.Data) {
			t.Errorf("targets/%s = %q, want %q", tg.Path, got, tg.Data)
		}
	}
	// A real client takes it.
	res, err := gotufclient.Refresh(t, r.Dir, filepath.Join(r.Dir, "metadata", "1.root.json"), "packages/sub/b-2.0.whl")
	if err != nil {
		t.Fatalf("go-tuf refused the repository: %v", err)
	}
	if string(res.Target) != "bee\n" {
		t.Errorf("go-tuf downloaded %q", res.Target)
	}
}

func TestPublishTargetsInTheirBins(t *testing.T) {
	for _, p := range allProfiles {
		t.Run(string(p), func(t *testing.T) {
			r := ceremonyRepo(t, p, true, someTargets)
			if err := publish.Write(r); err != nil {
				t.Fatal(err)
			}
			want := map[string][]string{}
			for _, tg := range someTargets {
				bin := binFor(tg.Path, 8)
				want[bin] = append(want[bin], tg.Path)
				dir, base := filepath.Split(filepath.FromSlash(tg.Path))
				file := filepath.Join(r.Dir, "targets", dir, sha256Hex(tg.Data)+"."+base)
				if got, err := os.ReadFile(file); err != nil || !bytes.Equal(got, tg.Data) {
					t.Errorf("target %s: %s holds %q (%v)", tg.Path, file, got, err)
				}
			}
			for i := 0; i < 256; i++ {
				name := fmt.Sprintf("bins-%02x", i)
				tgs, err := parse(t, filepath.Join(r.Dir, "metadata", "1."+name+".json")).Targets()
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for path := range tgs.Targets {
					got = append(got, path)
				}
				sort.Strings(got)
				sort.Strings(want[name])
				if strings.Join(got, ",") != strings.Join(want[name], ",") {
					t.Errorf("%s lists %v, want %v", name, got, want[name])
				}
			}
			rep, err := verify.Repository(r.Dir, verify.Options{At: testNow})
			if err != nil || !rep.OK() {
				t.Fatalf("verify refused the repository: %v %v", err, rep.Errors())
			}
			if p == plan.ProfilePEP480 {
				// go-tuf v2.4.2 matches path_hash_prefixes against the
				// base64url SHA-256 of the path instead of the hex digest
				// the specification calls for (fixed upstream by
				// theupdateframework/go-tuf#783, not yet released), so it
				// does not find most targets under pep480's claimed /
				// recently-claimed / unclaimed delegations (prefixes 0-f).
				// The metadata is right; verify.Repository above checks it.
				return
			}
			for _, tg := range someTargets {
				res, err := gotufclient.Refresh(t, r.Dir, filepath.Join(r.Dir, "metadata", "1.root.json"), tg.Path)
				if err != nil {
					t.Fatalf("go-tuf: %s: %v", tg.Path, err)
				}
				if !bytes.Equal(res.Target, tg.Data) {
					t.Errorf("go-tuf downloaded %q for %s", res.Target, tg.Path)
				}
			}
		})
	}
}

func snapshotTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		out[rel] = readFile(t, path)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPublishNeverOverwrites(t *testing.T) {
	r := ceremonyRepo(t, plan.ProfilePEP458, true, someTargets)
	if err := publish.Write(r); err != nil {
		t.Fatal(err)
	}
	before := snapshotTree(t, r.Dir)

	// The same repository a day later: every online file would differ.
	again := *r
	again.Now = r.Now.Add(24 * time.Hour)
	if err := publish.Write(&again); err == nil {
		t.Fatal("a second publish into the same directory succeeded")
	}
	after := snapshotTree(t, r.Dir)
	if len(after) != len(before) {
		t.Errorf("%d files before the refused publish, %d after", len(before), len(after))
	}
	for name, b := range before {
		if !bytes.Equal(after[name], b) {
			t.Errorf("%s changed in a refused publish", name)
		}
	}
}

func TestPublishRefusesNoRoot(t *testing.T) {
	r := ceremonyRepo(t, plan.ProfilePEP458, true, nil)
	r.Roots = nil
	if err := publish.Write(r); err == nil {
		t.Fatal("publishing without a root succeeded")
	}
	if _, err := os.Stat(r.Dir); !os.IsNotExist(err) {
		t.Errorf("a refused publish created %s", r.Dir)
	}
}

// The offline roles are published byte for byte as signed in the workspace.
func TestPublishKeepsOfflineBytes(t *testing.T) {
	r := ceremonyRepo(t, plan.ProfilePEP480, true, nil)
	if err := publish.Write(r); err != nil {
		t.Fatal(err)
	}
	for role, f := range r.Offline {
		want, err := f.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if got := readFile(t, filepath.Join(r.Dir, "metadata", "1."+role+".json")); !bytes.Equal(got, want) {
			t.Errorf("1.%s.json differs from the signed workspace file", role)
		}
	}
	root, _ := r.Roots[0].Marshal()
	if got := readFile(t, filepath.Join(r.Dir, "metadata", "1.root.json")); !bytes.Equal(got, root) {
		t.Error("1.root.json differs from the signed root")
	}
}
