package ceremony_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/internal/testutil/ceremonytest"
	payloadfile "github.com/tuf-ceremony/ceremony/payload"
	"github.com/tuf-ceremony/ceremony/workspace"
)

func signPayload(t *testing.T, f *ceremonytest.Fixture, payload []byte, name string) []byte {
	t.Helper()
	s, err := ceremonytest.SignPayload(payload, f.Signers[name], ceremonytest.Now)
	if err != nil {
		t.Fatalf("%s signs payload: %v", name, err)
	}
	return s
}

func requireReplays(t *testing.T, ws string) {
	t.Helper()
	rep := replay(t, ws)
	if !rep.OK() {
		t.Fatalf("replay of %s: record %d: %s", ws, rep.FirstBad.Seq, rep.FirstBad.Reason)
	}
}

func TestDistributedCeremonyMatchesInRoom(t *testing.T) {
	f, plan := ceremonytest.NewDistributedFixture(t)
	f.Init(plan, "room", "")
	f.Init(plan, "dist", "")
	f.Init(plan, "shuffled", "")
	signers := []string{"alice", "dave", "erin"}
	f.Sign(f.WS("room"), signers...)

	// The payloads travel to the keyholders; the signature files come back.
	rootPayload := ceremonytest.ExportPayload(t, f.WS("dist"), "root")
	targetsPayload := ceremonytest.ExportPayload(t, f.WS("dist"), "targets")
	var files [][]byte
	for _, name := range signers {
		files = append(files, signPayload(t, f, rootPayload, name), signPayload(t, f, targetsPayload, name))
	}

	// Imported in the order the room signed: the same bytes.
	res := ceremonytest.ImportAll(t, f.WS("dist"), files)
	if len(res.Imported) != 6 || len(res.Refused) != 0 || len(res.Duplicates) != 0 {
		t.Fatalf("import: %d imported, %d duplicates, refused %+v", len(res.Imported), len(res.Duplicates), res.Refused)
	}
	if !ceremonytest.GetStatus(t, f.WS("dist")).AllMet() {
		t.Fatal("thresholds not met after importing three keyholders' signatures")
	}
	for _, role := range []string{"root", "targets"} {
		room, dist := ceremonytest.ReadFile(t, ceremonytest.MetaPath(f.WS("room"), role)), ceremonytest.ReadFile(t, ceremonytest.MetaPath(f.WS("dist"), role))
		if !bytes.Equal(room, dist) {
			t.Errorf("%s signed from payloads differs from the room's:\n%s\nroom:\n%s", role, dist, room)
		}
	}
	requireReplays(t, f.WS("dist"))

	// shuffled, one file repeated: thresholds met, the same signatures.
	shuffled := append(append([][]byte(nil), files...), files[3])
	rand.New(rand.NewSource(5)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	res = ceremonytest.ImportAll(t, f.WS("shuffled"), shuffled)
	if len(res.Imported) != 6 || len(res.Duplicates) != 1 || len(res.Refused) != 0 {
		t.Fatalf("shuffled import: %d imported, %d duplicates, refused %+v", len(res.Imported), len(res.Duplicates), res.Refused)
	}
	st := ceremonytest.GetStatus(t, f.WS("shuffled"))
	if !st.AllMet() {
		t.Fatalf("shuffled import: thresholds not met: %+v", st.Roles)
	}
	for _, role := range []string{"root", "targets"} {
		if got, want := sigSet(t, ceremonytest.MetaPath(f.WS("shuffled"), role)), sigSet(t, ceremonytest.MetaPath(f.WS("room"), role)); got != want {
			t.Errorf("%s: shuffled import has signatures\n%s\nthe room's:\n%s", role, got, want)
		}
	}
	requireReplays(t, f.WS("shuffled"))

	// Importing everything again changes nothing.
	before := ceremonytest.SnapshotFiles(t, f.WS("shuffled"))
	res = ceremonytest.ImportAll(t, f.WS("shuffled"), files)
	if len(res.Imported) != 0 || len(res.Duplicates) != 6 {
		t.Fatalf("re-import: %d imported, %d duplicates", len(res.Imported), len(res.Duplicates))
	}
	ceremonytest.RequireUnchanged(t, before, ceremonytest.SnapshotFiles(t, f.WS("shuffled")))
}

func sigSet(t *testing.T, path string) string {
	t.Helper()
	var out []string
	for _, s := range ceremonytest.ParseFile(t, path).Signatures {
		out = append(out, s.KeyID+" "+s.Sig)
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

func TestPayloadDescribesItself(t *testing.T) {
	f, plan := ceremonytest.NewDistributedFixture(t)
	f.Init(plan, "ws", "")
	var p map[string]any
	if err := json.Unmarshal(ceremonytest.ExportPayload(t, f.WS("ws"), "targets"), &p); err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{"type", "version", "repository", "profile", "role", "metadata", "canonical_sha256", "expires", "version_of_role", "authorized", "delegated_by"} {
		if _, ok := p[field]; !ok {
			t.Errorf("payload has no %q", field)
		}
	}
	if p["repository"] != "test.example" || p["role"] != "targets" {
		t.Errorf("payload names repository %v, role %v", p["repository"], p["role"])
	}
	if n := len(p["authorized"].([]any)); n != 3 {
		t.Errorf("targets payload authorizes %d keys, want 3", n)
	}
}

func TestImportRefusals(t *testing.T) {
	f, plan := ceremonytest.NewDistributedFixture(t)
	f.Init(plan, "ws", "")
	ws := f.WS("ws")
	rootPayload := ceremonytest.ExportPayload(t, ws, "root")
	targetsPayload := ceremonytest.ExportPayload(t, ws, "targets")

	// Another ceremony (other expiry): its bytes are not this workspace's.
	other := ceremonytest.DistributedPlan()
	other.RootDays = 100
	f.Init(f.Plan("other.yaml", other), "other", "")
	foreign := signPayload(t, f, ceremonytest.ExportPayload(t, f.WS("other"), "root"), "alice")

	// frank may sign root, not targets: his root signature relabelled.
	var frank map[string]any
	if err := json.Unmarshal(signPayload(t, f, rootPayload, "frank"), &frank); err != nil {
		t.Fatal(err)
	}
	var tp map[string]any
	if err := json.Unmarshal(targetsPayload, &tp); err != nil {
		t.Fatal(err)
	}
	frank["role"], frank["canonical_sha256"] = "targets", tp["canonical_sha256"]
	unauthorized, _ := json.Marshal(frank)

	good := signPayload(t, f, targetsPayload, "alice")
	var alice map[string]any
	if err := json.Unmarshal(good, &alice); err != nil {
		t.Fatal(err)
	}
	sig := []byte(alice["sig"].(string))
	if sig[0] == '0' {
		sig[0] = '1'
	} else {
		sig[0] = '0'
	}
	alice["sig"] = string(sig)
	badSig, _ := json.Marshal(alice)
	alice["sig"] = strings.Repeat("0", 128)
	alice["role"] = "claimed"
	noRole, _ := json.Marshal(alice)

	cases := []struct {
		name string
		data []byte
		want error
	}{
		{"different bytes", foreign, payloadfile.ErrDifferentBytes},
		{"unauthorized key", unauthorized, ceremony.ErrNotAuthorized},
		{"bad signature", badSig, payloadfile.ErrBadSignature},
		{"role not in workspace", noRole, payloadfile.ErrRoleNotInWorkspace},
		{"oversize", bytes.Repeat([]byte(" "), payloadfile.MaxSignatureFileSize+1), payloadfile.ErrTooLarge},
		{"malformed JSON", []byte(`{"type": "ceremony-signature",`), payloadfile.ErrMalformed},
		{"duplicate key", bytes.Replace(good, []byte(`"role"`), []byte(`"sig": "00", "role"`), 1), payloadfile.ErrMalformed},
	}
	var files [][]byte
	for _, c := range cases {
		files = append(files, c.data)
	}
	before := ceremonytest.SnapshotFiles(t, ws)
	res := ceremonytest.ImportAll(t, ws, files)
	if len(res.Imported) != 0 || len(res.Duplicates) != 0 || len(res.Refused) != len(cases) {
		t.Fatalf("import: %d imported, %d duplicates, %d refused: %+v", len(res.Imported), len(res.Duplicates), len(res.Refused), res.Refused)
	}
	for i, r := range res.Refused {
		c := cases[r.File]
		if r.File != i || !errors.Is(r.Err, c.want) {
			t.Errorf("%s: refused with %v, want %v", c.name, r.Err, c.want)
		}
	}
	ceremonytest.RequireUnchanged(t, before, ceremonytest.SnapshotFiles(t, ws))

	// Each refusal is in the transcript; the good file still goes in after.
	tr := ceremonytest.ReadFile(t, filepath.Join(ws, workspace.TranscriptDir, "transcript.jsonl"))
	if n := bytes.Count(tr, []byte(`"kind":"refusal"`)); n != len(cases) {
		t.Errorf("transcript has %d refusals, want %d", n, len(cases))
	}
	res = ceremonytest.ImportAll(t, ws, [][]byte{badSig, good})
	if len(res.Imported) != 1 || len(res.Refused) != 1 {
		t.Fatalf("import of a bad and a good file: %d imported, %d refused", len(res.Imported), len(res.Refused))
	}
	requireReplays(t, ws)
}
