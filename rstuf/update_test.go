package rstuf_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/rstuf"
)

func TestCheckUpdateOnRSTUFExamples(t *testing.T) {
	v1 := parseTestdataFile(t, "cli/root/v1.json")
	v2 := parseTestdataFile(t, "cli/root/v2.json")
	for _, tc := range []struct {
		file    string
		trusted *metafile.File
		fields  []string
	}{
		// Root v2 signed by v1's two root keys and v2's two: both
		// thresholds met, the online key rotated.
		{"cli/update.json", v1, nil},
		{"api/metadata/update-root-payload.json", v1, nil},
		// One signature, by the key both roots share: 1 of 2 for each.
		{"cli/update_das.json", v1, []string{"metadata.root.signatures"}},
		// The right payload against the wrong trusted root: v2 does not
		// follow itself, and v1's key c6d8bf2e4f48, which signed, is in
		// neither.
		{"cli/update.json", v2, []string{"metadata.root.signed.version", "metadata.root.signatures[0].keyid"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			e := wantProblems(t, rstuf.CheckUpdate(readTestdata(t, tc.file), tc.trusted), tc.fields...)
			if e == nil || tc.file != "cli/update_das.json" {
				return
			}
			var msgs []string
			for _, p := range e.Problems {
				msgs = append(msgs, p.Message)
			}
			all := strings.Join(msgs, "\n")
			for _, want := range []string{"1 valid signature of the 2 that previous root v1 requires", "1 valid signature of the 2 that root v2 requires"} {
				if !strings.Contains(all, want) {
					t.Errorf("problems do not say %q:\n%s", want, all)
				}
			}
		})
	}
	if err := rstuf.CheckUpdate(readTestdata(t, "cli/update.json"), nil); err == nil {
		t.Errorf("CheckUpdate without a trusted root passed")
	}
}

// TestUpdateOfRSTUFExample rebuilds RSTUF's update payload from the root in
// it: the same root, byte for byte, and a payload RSTUF's rules accept.
func TestUpdateOfRSTUFExample(t *testing.T) {
	example := readTestdata(t, "cli/update.json")
	var in struct {
		Metadata struct {
			Root json.RawMessage `json:"root"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(example, &in); err != nil {
		t.Fatal(err)
	}
	root, err := metafile.Parse(in.Metadata.Root)
	if err != nil {
		t.Fatal(err)
	}
	out, err := rstuf.Update(root)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, root.Signed) || !bytes.Contains(example, root.Signed) {
		t.Errorf("signed is not carried byte for byte")
	}
	wantProblems(t, rstuf.CheckUpdate(out, parseTestdataFile(t, "cli/root/v1.json")))
	// The same document as RSTUF's own, whitespace aside.
	if got, want := canonical(t, out), canonical(t, example); !bytes.Equal(got, want) {
		t.Errorf("payload differs from RSTUF's update.json:\n got %s\nwant %s", got, want)
	}
}

func canonical(t *testing.T, b []byte) []byte {
	t.Helper()
	c, err := metafile.Canonicalize(b)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// rotation is root v1 (alice, bob, carol; 2 of 3; signed by alice and bob)
// and a workspace for root v2 (alice, bob, dave; 2 of 3): carol leaves,
// dave joins.
type rotation struct {
	*bootstrapFixture
	ws2 string
}

func newRotation(t *testing.T, signers ...string) *rotation {
	t.Helper()
	b := newBootstrap(t)
	path := b.plan("plan-v2.yaml", distinctPlan("alice", "bob", "dave"))
	ws2, _ := b.workspace("ws2", path, rootPath(b.wsDir), signers...)
	return &rotation{bootstrapFixture: b, ws2: ws2}
}

func TestUpdateFromCeremony(t *testing.T) {
	r := newRotation(t, "bob", "dave")

	// bob and dave meet v2's threshold but not v1's: Update, which knows
	// only v2, builds the payload; CheckUpdate refuses it.
	root2 := r.fixture.root(r.ws2)
	out, err := rstuf.Update(root2)
	if err != nil {
		t.Fatal(err)
	}
	e := wantProblems(t, rstuf.CheckUpdate(out, r.root), "metadata.root.signatures")
	if e != nil && !strings.Contains(e.Problems[0].Message, "1 valid signature of the 2 that previous root v1 requires") {
		t.Errorf("message is %q", e.Problems[0].Message)
	}

	if _, err := eng.Sign(ceremony.SignOptions{Dir: r.ws2, Signer: r.signer("alice"), Now: testNow}); err != nil {
		t.Fatal(err)
	}
	root2 = r.fixture.root(r.ws2)
	out, err = rstuf.Update(root2)
	if err != nil {
		t.Fatal(err)
	}
	wantProblems(t, rstuf.CheckUpdate(out, r.root))

	doc := decode(t, out)
	wantMembers(t, obj(t, doc), "payload", "metadata")
	wantMembers(t, obj(t, doc, "metadata"), "metadata", "root")
	wantMembers(t, obj(t, doc, "metadata", "root"), "metadata.root", "signatures", "signed")
	if !bytes.Contains(out, root2.Signed) {
		t.Errorf("the root's signed bytes are not in the payload as they are in the workspace")
	}
	var raw struct {
		Metadata struct {
			Root struct {
				Signed json.RawMessage `json:"signed"`
			} `json:"root"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(out, &raw); err != nil {
		t.Fatal(err)
	}
	want, err := root2.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	if got := canonical(t, raw.Metadata.Root.Signed); !bytes.Equal(got, want) {
		t.Errorf("canonical metadata.root.signed differs from the root's")
	}
	sigs := at(t, doc, "metadata", "root", "signatures").([]any)
	if len(sigs) != len(root2.Signatures) {
		t.Fatalf("%d signatures, want the root's %d", len(sigs), len(root2.Signatures))
	}
	for i, s := range root2.Signatures {
		got := obj(t, sigs[i])
		if got["keyid"] != s.KeyID || got["sig"] != s.Sig {
			t.Errorf("signatures[%d] is %v, want %s %s", i, got, s.KeyID, s.Sig)
		}
	}
	wantNumber(t, at(t, doc, "metadata", "root", "signed", "version"), 2, "signed.version")

	// Against the wrong trusted root: v2 itself.
	wantProblems(t, rstuf.CheckUpdate(out, root2), "metadata.root.signed.version")
}

func TestUpdateRefusesRootV1(t *testing.T) {
	b := newBootstrap(t)
	out, err := rstuf.Update(b.root)
	if out != nil {
		t.Errorf("Update returned a payload with its error")
	}
	wantProblems(t, err, "metadata.root.signed.version")
}

// RSTUF's API reads an update's root into models that keep only the fields
// they know: another field in a key or a role would be dropped and the
// signatures broken, so it is refused here.
func TestCheckUpdateCrafted(t *testing.T) {
	r := newRotation(t, "alice", "bob", "dave")
	out, err := rstuf.Update(r.fixture.root(r.ws2))
	if err != nil {
		t.Fatal(err)
	}
	alice, online := r.id("alice"), r.id("online")
	for _, tc := range []struct {
		name   string
		change func(doc any)
		fields []string
	}{
		{"unchanged", func(any) {}, nil},
		{"extra field in a key", func(d any) {
			obj(t, d, "metadata", "root", "signed", "keys", alice)["x-acme-serial"] = "19088743"
		}, []string{"metadata.root.signed.keys." + alice + ".x-acme-serial"}},
		{"extra field in keyval", func(d any) {
			obj(t, d, "metadata", "root", "signed", "keys", alice, "keyval")["private"] = "no"
		}, []string{"metadata.root.signed.keys." + alice + ".keyval.private"}},
		{"extra field in a role", func(d any) {
			obj(t, d, "metadata", "root", "signed", "roles", "root")["x-acme-note"] = "hello"
		}, []string{"metadata.root.signed.roles.root.x-acme-note"}},
		{"new online key without its URI", func(d any) {
			delete(obj(t, d, "metadata", "root", "signed", "keys", online), rstuf.OnlineKeyURIField)
		}, []string{"metadata.root.signed.keys." + online + "." + rstuf.OnlineKeyURIField}},
		{"root threshold 1", func(d any) {
			obj(t, d, "metadata", "root", "signed", "roles", "root")["threshold"] = 1
		}, []string{"metadata.root.signed.roles.root.threshold"}},
		{"version 3", func(d any) {
			obj(t, d, "metadata", "root", "signed")["version"] = 3
		}, []string{"metadata.root.signed.version"}},
		{"more than root", func(d any) {
			obj(t, d, "metadata")["targets"] = map[string]any{}
		}, []string{"metadata.targets"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := decode(t, out)
			tc.change(doc)
			r.resign(doc, "alice", "bob", "dave")
			wantProblems(t, rstuf.CheckUpdate(encode(t, doc), r.root), tc.fields...)
		})
	}
}
