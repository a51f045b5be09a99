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
	"github.com/tuf-ceremony/ceremony/keys"
	payloadfile "github.com/tuf-ceremony/ceremony/payload"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// distributedPlan is a 3-of-5 root and a 2-of-3 targets whose keyholders
// all have Ed25519 keys: Ed25519 signatures are deterministic, so a
// ceremony signed from payloads can be compared byte for byte with one
// signed in the room.
func distributedPlan() planSpec {
	all := []string{"alice", "dave", "erin", "frank", "gina"}
	return planSpec{keyholders: all, root: all, rootThreshold: 3, targets: []string{"alice", "dave", "erin"}, targetsThreshold: 2}
}

func newDistributedFixture(t *testing.T) (*fixture, string) {
	f := newFixture(t, "alice", "dave", "erin", "frank", "gina")
	return f, f.plan("plan.yaml", distributedPlan())
}

func exportPayload(t *testing.T, ws, role string) []byte {
	t.Helper()
	p, err := ceremony.ExportPayload(ws, role)
	if err != nil {
		t.Fatalf("export %s of %s: %v", role, ws, err)
	}
	return p
}

func signPayload(t *testing.T, f *fixture, payload []byte, name string) []byte {
	t.Helper()
	s, err := payloadfile.SignAt(payload, f.signers[name], testNow)
	if err != nil {
		t.Fatalf("%s signs payload: %v", name, err)
	}
	return s
}

func importAll(t *testing.T, ws string, files [][]byte) *ceremony.ImportResult {
	t.Helper()
	res, err := eng.ImportSignatures(ws, files)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return res
}

func requireReplays(t *testing.T, ws string) {
	t.Helper()
	rep := replay(t, ws)
	if !rep.OK() {
		t.Fatalf("replay of %s: record %d: %s", ws, rep.FirstBad.Seq, rep.FirstBad.Reason)
	}
}

func TestDistributedCeremonyMatchesInRoom(t *testing.T) {
	f, plan := newDistributedFixture(t)
	f.init(plan, "room", "")
	f.init(plan, "dist", "")
	f.init(plan, "shuffled", "")
	signers := []string{"alice", "dave", "erin"}
	f.sign(f.ws("room"), signers...)

	// The payloads travel to the keyholders; the signature files come back.
	rootPayload := exportPayload(t, f.ws("dist"), "root")
	targetsPayload := exportPayload(t, f.ws("dist"), "targets")
	var files [][]byte
	for _, name := range signers {
		files = append(files, signPayload(t, f, rootPayload, name), signPayload(t, f, targetsPayload, name))
	}

	// Imported in the order the room signed: the same bytes.
	res := importAll(t, f.ws("dist"), files)
	if len(res.Imported) != 6 || len(res.Refused) != 0 || len(res.Duplicates) != 0 {
		t.Fatalf("import: %d imported, %d duplicates, refused %+v", len(res.Imported), len(res.Duplicates), res.Refused)
	}
	if !getStatus(t, f.ws("dist")).AllMet() {
		t.Fatal("thresholds not met after importing three keyholders' signatures")
	}
	for _, role := range []string{"root", "targets"} {
		room, dist := readFile(t, metaPath(f.ws("room"), role)), readFile(t, metaPath(f.ws("dist"), role))
		if !bytes.Equal(room, dist) {
			t.Errorf("%s signed from payloads differs from the room's:\n%s\nroom:\n%s", role, dist, room)
		}
	}
	requireReplays(t, f.ws("dist"))

	// shuffled, one file repeated: thresholds met, the same signatures.
	shuffled := append(append([][]byte(nil), files...), files[3])
	rand.New(rand.NewSource(5)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	res = importAll(t, f.ws("shuffled"), shuffled)
	if len(res.Imported) != 6 || len(res.Duplicates) != 1 || len(res.Refused) != 0 {
		t.Fatalf("shuffled import: %d imported, %d duplicates, refused %+v", len(res.Imported), len(res.Duplicates), res.Refused)
	}
	st := getStatus(t, f.ws("shuffled"))
	if !st.AllMet() {
		t.Fatalf("shuffled import: thresholds not met: %+v", st.Roles)
	}
	for _, role := range []string{"root", "targets"} {
		if got, want := sigSet(t, metaPath(f.ws("shuffled"), role)), sigSet(t, metaPath(f.ws("room"), role)); got != want {
			t.Errorf("%s: shuffled import has signatures\n%s\nthe room's:\n%s", role, got, want)
		}
	}
	requireReplays(t, f.ws("shuffled"))

	// Importing everything again changes nothing.
	before := snapshotFiles(t, f.ws("shuffled"))
	res = importAll(t, f.ws("shuffled"), files)
	if len(res.Imported) != 0 || len(res.Duplicates) != 6 {
		t.Fatalf("re-import: %d imported, %d duplicates", len(res.Imported), len(res.Duplicates))
	}
	requireUnchanged(t, before, snapshotFiles(t, f.ws("shuffled")))
}

func sigSet(t *testing.T, path string) string {
	t.Helper()
	var out []string
	for _, s := range parseFile(t, path).Signatures {
		out = append(out, s.KeyID+" "+s.Sig)
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

func TestPayloadDescribesItself(t *testing.T) {
	f, plan := newDistributedFixture(t)
	f.init(plan, "ws", "")
	var p map[string]any
	if err := json.Unmarshal(exportPayload(t, f.ws("ws"), "targets"), &p); err != nil {
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

func TestSignPayloadRefusals(t *testing.T) {
	f, plan := newDistributedFixture(t)
	f.init(plan, "ws", "")
	payload := exportPayload(t, f.ws("ws"), "targets")
	stranger := f.newKey("mallory", keys.TypeEd25519)

	if _, err := payloadfile.SignAt(payload, f.signers["frank"], testNow); !errors.Is(err, ceremony.ErrNotAuthorized) {
		t.Errorf("frank (root only) signs targets: %v, want ErrNotAuthorized", err)
	}
	if _, err := payloadfile.SignAt(payload, stranger, testNow); !errors.Is(err, ceremony.ErrNotAuthorized) {
		t.Errorf("a key of no keyholder signs: %v, want ErrNotAuthorized", err)
	}
	if _, err := payloadfile.SignAt(payload, f.signers["alice"], testNow.AddDate(2, 0, 0)); !errors.Is(err, payloadfile.ErrExpired) {
		t.Errorf("signing after expiry: %v, want ErrExpired", err)
	}

	// The metadata changed under the hash: refused before signing.
	tampered := bytes.Replace(payload, []byte(`"spec_version": "`), []byte(`"spec_version": "9`), 1)
	if bytes.Equal(tampered, payload) {
		t.Fatal("test did not tamper the payload")
	}
	if _, err := payloadfile.SignAt(tampered, f.signers["alice"], testNow); !errors.Is(err, payloadfile.ErrDifferentBytes) {
		t.Errorf("tampered metadata: %v, want ErrDifferentBytes", err)
	}

	// The list of authorized keys is checked against the metadata.
	var p map[string]json.RawMessage
	if err := json.Unmarshal(payload, &p); err != nil {
		t.Fatal(err)
	}
	p["authorized"] = json.RawMessage(`[{"keyid":"` + f.id("frank") + `","rules":["root v1"]}]`)
	lying, _ := json.Marshal(p)
	if _, err := payloadfile.SignAt(lying, f.signers["frank"], testNow); !errors.Is(err, payloadfile.ErrMalformed) {
		t.Errorf("payload listing a key its metadata does not: %v, want ErrMalformed", err)
	}

	for name, data := range map[string][]byte{
		"oversize":      bytes.Repeat([]byte(" "), payloadfile.MaxFileSize+1),
		"not JSON":      []byte(`{"type":`),
		"unknown field": bytes.Replace(payload, []byte(`"type"`), []byte(`"extra": 1, "type"`), 1),
		"duplicate key": bytes.Replace(payload, []byte(`"type"`), []byte(`"role": "root", "type"`), 1),
		"trailing data": append(append([]byte(nil), payload...), []byte(`{}`)...),
		"wrong type":    bytes.Replace(payload, []byte(PayloadTypeJSON), []byte(`"ceremony-signature"`), 1),
	} {
		_, err := payloadfile.SignAt(data, f.signers["alice"], testNow)
		want := payloadfile.ErrMalformed
		if name == "oversize" {
			want = payloadfile.ErrTooLarge
		}
		if !errors.Is(err, want) {
			t.Errorf("%s payload: %v, want %v", name, err, want)
		}
	}
}

// PayloadTypeJSON is the payload's type as it is written.
var PayloadTypeJSON = `"` + payloadfile.FileType + `"`

func TestImportRefusals(t *testing.T) {
	f, plan := newDistributedFixture(t)
	f.init(plan, "ws", "")
	ws := f.ws("ws")
	rootPayload := exportPayload(t, ws, "root")
	targetsPayload := exportPayload(t, ws, "targets")

	// Another ceremony (other expiry): its bytes are not this workspace's.
	other := distributedPlan()
	other.rootDays = 100
	f.init(f.plan("other.yaml", other), "other", "")
	foreign := signPayload(t, f, exportPayload(t, f.ws("other"), "root"), "alice")

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
	before := snapshotFiles(t, ws)
	res := importAll(t, ws, files)
	if len(res.Imported) != 0 || len(res.Duplicates) != 0 || len(res.Refused) != len(cases) {
		t.Fatalf("import: %d imported, %d duplicates, %d refused: %+v", len(res.Imported), len(res.Duplicates), len(res.Refused), res.Refused)
	}
	for i, r := range res.Refused {
		c := cases[r.File]
		if r.File != i || !errors.Is(r.Err, c.want) {
			t.Errorf("%s: refused with %v, want %v", c.name, r.Err, c.want)
		}
	}
	requireUnchanged(t, before, snapshotFiles(t, ws))

	// Each refusal is in the transcript; the good file still goes in after.
	tr := readFile(t, filepath.Join(ws, workspace.TranscriptDir, "transcript.jsonl"))
	if n := bytes.Count(tr, []byte(`"kind":"refusal"`)); n != len(cases) {
		t.Errorf("transcript has %d refusals, want %d", n, len(cases))
	}
	res = importAll(t, ws, [][]byte{badSig, good})
	if len(res.Imported) != 1 || len(res.Refused) != 1 {
		t.Fatalf("import of a bad and a good file: %d imported, %d refused", len(res.Imported), len(res.Refused))
	}
	requireReplays(t, ws)
}

func TestSignRSTUFPendingRefusesHostileInput(t *testing.T) {
	f, _ := newDistributedFixture(t)
	if _, err := payloadfile.SignRSTUFPending(bytes.Repeat([]byte(" "), payloadfile.MaxPendingSize+1), f.signers["alice"]); !errors.Is(err, payloadfile.ErrTooLarge) {
		t.Errorf("oversize pending answer: %v, want ErrTooLarge", err)
	}
	if _, err := payloadfile.SignRSTUFPending([]byte(`{"data": {}, "data": {}}`), f.signers["alice"]); !errors.Is(err, payloadfile.ErrMalformed) {
		t.Errorf("duplicate key: %v, want ErrMalformed", err)
	}
	if _, err := payloadfile.SignRSTUFPending([]byte(`{"data": null, "message": "nothing"}`), f.signers["alice"]); err == nil {
		t.Error("a pending answer with nothing pending was signed")
	}
}
