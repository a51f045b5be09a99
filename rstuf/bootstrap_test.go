package rstuf_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/profiles"
	"github.com/tuf-ceremony/ceremony/rstuf"
)

// bootstrapFixture is a 2-of-3 rstuf root v1 (alice ed25519, bob P-256,
// carol P-384) signed by alice and bob, and its bootstrap payload.
type bootstrapFixture struct {
	*fixture
	planPath string
	wsDir    string
	root     *metafile.File
	payload  []byte
}

func newBootstrap(t *testing.T) *bootstrapFixture {
	t.Helper()
	f := newFixture(t)
	b := &bootstrapFixture{fixture: f}
	b.planPath = f.plan("plan.yaml", distinctPlan("alice", "bob", "carol"))
	b.wsDir, b.root = f.workspace("ws", b.planPath, "", "alice", "bob")
	payload, err := rstuf.Bootstrap(loadPlan(t, b.planPath), b.root, rstuf.DefaultTimeout)
	if err != nil {
		t.Fatal(err)
	}
	b.payload = payload
	return b
}

func TestBootstrapPayloadFieldByField(t *testing.T) {
	b := newBootstrap(t)
	doc := decode(t, b.payload)

	// Exactly the fields RSTUF reads.
	wantMembers(t, obj(t, doc), "payload", "settings", "metadata", "timeout")
	wantMembers(t, obj(t, doc, "settings"), "settings", "roles")
	roles := obj(t, doc, "settings", "roles")
	wantMembers(t, roles, "settings.roles", "root", "timestamp", "snapshot", "targets", "bins")
	for role, days := range map[string]int{"root": 400, "timestamp": 2, "snapshot": 3, "targets": 180} {
		wantMembers(t, obj(t, roles, role), "settings.roles."+role, "expiration")
		wantNumber(t, at(t, roles, role, "expiration"), days, "settings.roles."+role+".expiration")
	}
	wantMembers(t, obj(t, roles, "bins"), "settings.roles.bins", "expiration", "number_of_delegated_bins")
	wantNumber(t, at(t, roles, "bins", "expiration"), 5, "settings.roles.bins.expiration")
	wantNumber(t, at(t, roles, "bins", "number_of_delegated_bins"), 32, "settings.roles.bins.number_of_delegated_bins")
	wantNumber(t, at(t, doc, "timeout"), 300, "timeout")
	wantMembers(t, obj(t, doc, "metadata"), "metadata", "root")
	wantMembers(t, obj(t, doc, "metadata", "root"), "metadata.root", "signatures", "signed")

	// The signed root is in the payload byte for byte.
	if !bytes.Contains(b.payload, b.root.Signed) {
		t.Errorf("the root's signed bytes are not in the payload as they are in the workspace")
	}
	want, err := b.root.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Metadata struct {
			Root struct {
				Signed json.RawMessage `json:"signed"`
			} `json:"root"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(b.payload, &raw); err != nil {
		t.Fatal(err)
	}
	got, err := metafile.Canonicalize(raw.Metadata.Root.Signed)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("canonical metadata.root.signed differs from the root's:\n got %s\nwant %s", got, want)
	}

	// Signatures as given, each valid over those canonical bytes.
	sigs, ok := at(t, doc, "metadata", "root", "signatures").([]any)
	if !ok || len(sigs) != 2 {
		t.Fatalf("metadata.root.signatures is %v, want alice's and bob's", at(t, doc, "metadata", "root", "signatures"))
	}
	for i, name := range []string{"alice", "bob"} {
		s := obj(t, sigs[i])
		wantMembers(t, s, "signature", "keyid", "sig")
		if s["keyid"] != b.id(name) || s["keyid"] != b.root.Signatures[i].KeyID || s["sig"] != b.root.Signatures[i].Sig {
			t.Errorf("signatures[%d] is %v, want %s's as in the root file", i, s, name)
		}
		sig, err := hex.DecodeString(s["sig"].(string))
		if err != nil {
			t.Fatal(err)
		}
		if err := keys.Verify(b.signer(name).TUFKey(), got, sig); err != nil {
			t.Errorf("%s's signature in the payload: %v", name, err)
		}
	}

	// What RSTUF reads from root.
	signed := obj(t, doc, "metadata", "root", "signed")
	if signed["_type"] != "root" {
		t.Errorf("_type is %v", signed["_type"])
	}
	wantNumber(t, signed["version"], 1, "signed.version")
	if e := testNow.AddDate(0, 0, 400).Format("2006-01-02T15:04:05Z"); signed["expires"] != e {
		t.Errorf("signed.expires is %v, want %s (400 days)", signed["expires"], e)
	}
	online := b.id("online")
	for _, role := range []string{"timestamp", "snapshot", "targets"} {
		ids := at(t, signed, "roles", role, "keyids").([]any)
		if len(ids) != 1 || ids[0] != online {
			t.Errorf("roles.%s.keyids is %v, want [the online key %s]", role, ids, online)
		}
		wantNumber(t, at(t, signed, "roles", role, "threshold"), 1, "roles."+role+".threshold")
	}
	wantNumber(t, at(t, signed, "roles", "root", "threshold"), 2, "roles.root.threshold")
	rootIDs := at(t, signed, "roles", "root", "keyids").([]any)
	if len(rootIDs) != 3 {
		t.Errorf("roles.root.keyids is %v, want alice's, bob's and carol's", rootIDs)
	}
	for _, name := range []string{"alice", "bob", "carol", "online"} {
		k := obj(t, signed, "keys", b.id(name))
		if k[rstuf.KeyNameField] != name {
			t.Errorf("keys.%s.%s is %v, want %q", name, rstuf.KeyNameField, k[rstuf.KeyNameField], name)
		}
		wantURI := name == "online"
		if uri, ok := k[rstuf.OnlineKeyURIField]; ok != wantURI || (wantURI && uri != "fn:online-key") {
			t.Errorf("keys.%s.%s is %v (present %v), want it on the online key only, \"fn:online-key\"", name, rstuf.OnlineKeyURIField, uri, ok)
		}
	}
	wantProblems(t, rstuf.CheckBootstrap(b.payload))
}

// The plan refuses a root threshold of 1 for rstuf even in a rehearsal, so
// the root here is built from a plan changed in memory and signed by hand:
// a root that got past the plan some other way is still refused.
func TestBootstrapRefusesThresholdOne(t *testing.T) {
	f := newFixture(t)
	p := loadPlan(t, f.plan("plan.yaml", distinctPlan("alice", "bob")))
	p.Roles.Root.Threshold = 1
	r, err := profiles.Root(p, 1, testNow)
	if err != nil {
		t.Fatal(err)
	}
	root, err := metafile.FromSigned(r)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := root.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	sig, err := keys.SignMessage(f.signer("alice"), msg)
	if err != nil {
		t.Fatal(err)
	}
	root.AddSignature(f.id("alice"), hex.EncodeToString(sig))

	out, err := rstuf.Bootstrap(p, root, rstuf.DefaultTimeout)
	if out != nil {
		t.Errorf("Bootstrap returned a payload with its error")
	}
	e := wantProblems(t, err, "metadata.root.signed.roles.root.threshold")
	if e != nil && !strings.Contains(e.Problems[0].Message, "at least 2") {
		t.Errorf("message %q does not say RSTUF's minimum", e.Problems[0].Message)
	}
}

func TestBootstrapRefusesPartlySignedRoot(t *testing.T) {
	f := newFixture(t)
	path := f.plan("plan.yaml", distinctPlan("alice", "bob", "carol"))
	_, root := f.workspace("ws", path, "", "carol")
	out, err := rstuf.Bootstrap(loadPlan(t, path), root, rstuf.DefaultTimeout)
	if out != nil {
		t.Errorf("Bootstrap returned a payload with its error")
	}
	e := wantProblems(t, err, "metadata.root.signatures")
	if e != nil && !strings.Contains(e.Problems[0].Message, "1 valid signature of the 2") {
		t.Errorf("message %q does not count the signatures", e.Problems[0].Message)
	}
}

func TestBootstrapRefusesWhatThePlanDoesNotSay(t *testing.T) {
	b := newBootstrap(t)
	for _, tc := range []struct {
		name   string
		change func(p *planChange)
		fields []string
		msg    string
	}{
		{"bins not a power of two", func(c *planChange) { c.p.Roles.Bins.Count = 24 }, []string{"settings.roles.bins.number_of_delegated_bins"}, ""},
		{"expiration zero", func(c *planChange) { c.p.Roles.Timestamp.ExpiresDays = 0 }, []string{"settings.roles.timestamp.expiration"}, ""},
		{"another online uri", func(c *planChange) { c.p.Online[0].URI = "awskms:other" }, nil, "x-rstuf-online-key-uri"},
		{"another root threshold", func(c *planChange) { c.p.Roles.Root.Threshold = 3 }, nil, "threshold"},
		{"profile pep458", func(c *planChange) { c.p.Profile = "pep458" }, nil, "profile rstuf"},
		{"timeout zero", func(c *planChange) { c.timeout = 0 }, nil, "timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &planChange{p: loadPlan(t, b.planPath), timeout: rstuf.DefaultTimeout}
			tc.change(c)
			out, err := rstuf.Bootstrap(c.p, b.root, c.timeout)
			if out != nil {
				t.Errorf("Bootstrap returned a payload with its error")
			}
			if tc.fields != nil {
				wantProblems(t, err, tc.fields...)
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error is %v, want one about %s", err, tc.msg)
			}
		})
	}
}

type planChange struct {
	p       *plan.Plan
	timeout int
}

func TestBootstrapRefusesLaterRoot(t *testing.T) {
	b := newBootstrap(t)
	path := b.plan("plan-v2.yaml", distinctPlan("alice", "bob", "dave"))
	_, root2 := b.workspace("ws2", path, rootPath(b.wsDir), "alice", "bob", "dave")
	_, err := rstuf.Bootstrap(loadPlan(t, path), root2, rstuf.DefaultTimeout)
	wantProblems(t, err, "metadata.root.signed.version")
}

func TestCheckBootstrapOnRSTUFExamples(t *testing.T) {
	for _, tc := range []struct {
		file   string
		fields []string
	}{
		// RSTUF's CLI output: rsa online key, ed25519 and ecdsa root keys,
		// 2 of 2 signed, "delegations": null beside bins.
		{"cli/ceremony.json", nil},
		{"api/bootstrap/payload_bins.json", nil},
		// Custom delegations instead of bins.
		{"api/bootstrap/payload_custom_targets.json", nil},
		// Distributed asynchronous signing: 1 of 2 signatures.
		{"cli/ceremony_das.json", []string{"metadata.root.signatures"}},
		{"api/bootstrap/das-payload.json", []string{"metadata.root.signatures"}},
		// PyPI Warehouse's development bootstrap: root threshold 1, and an
		// online key without a name.
		{"warehouse-dev-bootstrap.json", []string{
			"metadata.root.signed.roles.root.threshold",
			"metadata.root.signed.keys.2f685fa7546f1856b123223ab086b3def14c89d24eef18f49c32508c2f60e241.x-rstuf-key-name",
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			e := wantProblems(t, rstuf.CheckBootstrap(readTestdata(t, tc.file)), tc.fields...)
			if e == nil {
				return
			}
			if p, ok := e.Problem("metadata.root.signatures"); ok && !strings.Contains(p.Message, "1 valid signature of the 2 that root v1 requires") {
				t.Errorf("threshold message is %q", p.Message)
			}
			if p, ok := e.Problem("metadata.root.signed.roles.root.threshold"); ok && !strings.Contains(p.Message, "is 1") {
				t.Errorf("threshold message is %q", p.Message)
			}
		})
	}
}

// TestCheckBootstrapCrafted changes one thing in a good payload (signing
// the root again where signed changes, so that only the change is wrong)
// and checks that exactly the rule it breaks refuses it.
func TestCheckBootstrapCrafted(t *testing.T) {
	b := newBootstrap(t)
	alice, carol, online := b.id("alice"), b.id("carol"), b.id("online")
	keyField := func(id, name string) string { return "metadata.root.signed.keys." + id + "." + name }
	later := carol
	if alice > carol {
		later = alice
	}
	delegations := at(t, decode(t, readTestdata(t, "api/bootstrap/payload_custom_targets.json")), "settings", "roles", "delegations")

	for _, tc := range []struct {
		name   string
		change func(doc any)
		resign bool // signed changed: sign it again with alice and bob
		fields []string
	}{
		{"unchanged", func(any) {}, false, nil},
		{"online key missing its URI", func(d any) {
			delete(obj(t, d, "metadata", "root", "signed", "keys", online), rstuf.OnlineKeyURIField)
		}, true, []string{keyField(online, rstuf.OnlineKeyURIField)}},
		{"online key URI empty", func(d any) {
			obj(t, d, "metadata", "root", "signed", "keys", online)[rstuf.OnlineKeyURIField] = ""
		}, true, []string{keyField(online, rstuf.OnlineKeyURIField)}},
		{"snapshot signed by another key", func(d any) {
			obj(t, d, "metadata", "root", "signed", "roles", "snapshot")["keyids"] = []any{carol}
		}, true, []string{"metadata.root.signed.roles.snapshot.keyids[0]"}},
		{"targets signed by a second online key", func(d any) {
			obj(t, d, "metadata", "root", "signed", "keys")[b.id("erin")] = b.keyObject("erin")
			obj(t, d, "metadata", "root", "signed", "roles", "targets")["keyids"] = []any{b.id("erin")}
		}, true, []string{"metadata.root.signed.roles.targets.keyids[0]"}},
		{"snapshot with two keys", func(d any) {
			obj(t, d, "metadata", "root", "signed", "roles", "snapshot")["keyids"] = []any{online, carol}
		}, true, []string{"metadata.root.signed.roles.snapshot.keyids"}},
		{"timestamp threshold 2", func(d any) {
			obj(t, d, "metadata", "root", "signed", "roles", "timestamp")["threshold"] = 2
		}, true, []string{"metadata.root.signed.roles.timestamp.threshold"}},
		{"no timestamp key", func(d any) {
			obj(t, d, "metadata", "root", "signed", "roles", "timestamp")["keyids"] = []any{}
		}, true, []string{"metadata.root.signed.roles.timestamp.keyids", "metadata.root.signed.roles.timestamp.threshold"}},
		{"online key is a root key", func(d any) {
			r := obj(t, d, "metadata", "root", "signed", "roles", "root")
			r["keyids"] = append(r["keyids"].([]any), online)
		}, true, []string{"metadata.root.signed.roles.root.keyids"}},
		{"root threshold 1", func(d any) {
			obj(t, d, "metadata", "root", "signed", "roles", "root")["threshold"] = 1
		}, true, []string{"metadata.root.signed.roles.root.threshold"}},
		{"root threshold above its keys", func(d any) {
			obj(t, d, "metadata", "root", "signed", "roles", "root")["threshold"] = 4
		}, true, []string{"metadata.root.signed.roles.root.threshold", "metadata.root.signatures"}},
		{"root key without a name", func(d any) {
			delete(obj(t, d, "metadata", "root", "signed", "keys", carol), rstuf.KeyNameField)
		}, true, []string{keyField(carol, rstuf.KeyNameField)}},
		{"two keys with one name", func(d any) {
			obj(t, d, "metadata", "root", "signed", "keys", carol)[rstuf.KeyNameField] = "alice"
		}, true, []string{keyField(later, rstuf.KeyNameField)}},
		{"role listing an undefined key", func(d any) {
			r := obj(t, d, "metadata", "root", "signed", "roles", "root")
			r["keyids"] = append(r["keyids"].([]any), strings.Repeat("ab", 32))
		}, true, []string{"metadata.root.signed.roles.root.keyids[3]"}},
		{"unprefixed extra field in signed", func(d any) {
			obj(t, d, "metadata", "root", "signed")["note"] = "hello"
		}, true, []string{"metadata.root.signed.note"}},
		{"extra field without a name part", func(d any) {
			obj(t, d, "metadata", "root", "signed")["x-note"] = "hello"
		}, true, []string{"metadata.root.signed.x-note"}},
		{"x-vendor-name field in signed", func(d any) {
			obj(t, d, "metadata", "root", "signed")["x-acme-note"] = "hello"
		}, true, nil},
		{"root version 2", func(d any) {
			obj(t, d, "metadata", "root", "signed")["version"] = 2
		}, true, []string{"metadata.root.signed.version"}},
		{"expires with fractional seconds", func(d any) {
			obj(t, d, "metadata", "root", "signed")["expires"] = "2031-02-06T03:04:05.5Z"
		}, true, []string{"metadata.root.signed.expires"}},
		{"a fifth top-level role", func(d any) {
			obj(t, d, "metadata", "root", "signed", "roles")["bins"] = map[string]any{"keyids": []any{online}, "threshold": 1}
		}, true, []string{"metadata.root.signed.roles.bins"}},
		{"bins 1", func(d any) { obj(t, d, "settings", "roles", "bins")["number_of_delegated_bins"] = 1 }, false,
			[]string{"settings.roles.bins.number_of_delegated_bins"}},
		{"bins 16385", func(d any) { obj(t, d, "settings", "roles", "bins")["number_of_delegated_bins"] = 16385 }, false,
			[]string{"settings.roles.bins.number_of_delegated_bins"}},
		{"bins 24", func(d any) { obj(t, d, "settings", "roles", "bins")["number_of_delegated_bins"] = 24 }, false,
			[]string{"settings.roles.bins.number_of_delegated_bins"}},
		{"bins 2", func(d any) { obj(t, d, "settings", "roles", "bins")["number_of_delegated_bins"] = 2 }, false, nil},
		{"bins 16384", func(d any) { obj(t, d, "settings", "roles", "bins")["number_of_delegated_bins"] = 16384 }, false, nil},
		{"bins and delegations", func(d any) { obj(t, d, "settings", "roles")["delegations"] = delegations }, false,
			[]string{"settings.roles"}},
		{"neither bins nor delegations", func(d any) { delete(obj(t, d, "settings", "roles"), "bins") }, false,
			[]string{"settings.roles"}},
		{"bins and null delegations", func(d any) { obj(t, d, "settings", "roles")["delegations"] = nil }, false, nil},
		{"expiration zero", func(d any) { obj(t, d, "settings", "roles", "timestamp")["expiration"] = 0 }, false,
			[]string{"settings.roles.timestamp.expiration"}},
		{"expiration negative", func(d any) { obj(t, d, "settings", "roles", "root")["expiration"] = -1 }, false,
			[]string{"settings.roles.root.expiration"}},
		{"expiration fractional", func(d any) { obj(t, d, "settings", "roles", "snapshot")["expiration"] = 1.5 }, false,
			[]string{"settings.roles.snapshot.expiration"}},
		{"expiration a string", func(d any) { obj(t, d, "settings", "roles", "targets")["expiration"] = "365" }, false,
			[]string{"settings.roles.targets.expiration"}},
		{"bins expiration missing", func(d any) { delete(obj(t, d, "settings", "roles", "bins"), "expiration") }, false,
			[]string{"settings.roles.bins.expiration"}},
		{"role missing from settings", func(d any) { delete(obj(t, d, "settings", "roles"), "snapshot") }, false,
			[]string{"settings.roles.snapshot"}},
		{"unknown settings field", func(d any) { obj(t, d, "settings", "roles", "root")["threshold"] = 2 }, false,
			[]string{"settings.roles.root.threshold"}},
		{"timeout zero", func(d any) { obj(t, d)["timeout"] = 0 }, false, []string{"timeout"}},
		{"timeout a string", func(d any) { obj(t, d)["timeout"] = "300" }, false, []string{"timeout"}},
		{"no timeout (RSTUF's default)", func(d any) { delete(obj(t, d), "timeout") }, false, nil},
		{"unknown top-level field", func(d any) { obj(t, d)["dry_run"] = true }, false, []string{"dry_run"}},
		{"more metadata than root", func(d any) { obj(t, d, "metadata")["targets"] = map[string]any{} }, false,
			[]string{"metadata.targets"}},
		{"no root", func(d any) { delete(obj(t, d, "metadata"), "root") }, false, []string{"metadata.root"}},
		{"tampered signature", func(d any) {
			s := obj(t, d, "metadata", "root", "signatures", 0)
			sig, err := hex.DecodeString(s["sig"].(string))
			if err != nil {
				t.Fatal(err)
			}
			sig[len(sig)/2] ^= 0x01
			s["sig"] = hex.EncodeToString(sig)
		}, false, []string{"metadata.root.signatures[0].sig", "metadata.root.signatures"}},
		{"signed changed after signing", func(d any) {
			obj(t, d, "metadata", "root", "signed")["expires"] = "2032-01-01T00:00:00Z"
		}, false, []string{"metadata.root.signatures[0].sig", "metadata.root.signatures[1].sig", "metadata.root.signatures"}},
		{"signature by the online key", func(d any) {
			b.resign(d, "alice", "bob", "online")
		}, false, []string{"metadata.root.signatures[2].keyid"}},
		{"the same key twice", func(d any) {
			r := obj(t, d, "metadata", "root")
			sigs := r["signatures"].([]any)
			r["signatures"] = append(sigs, sigs[0])
		}, false, []string{"metadata.root.signatures[2].keyid"}},
		{"placeholder signature", func(d any) {
			r := obj(t, d, "metadata", "root")
			r["signatures"] = append(r["signatures"].([]any), map[string]any{"keyid": carol, "sig": ""})
		}, false, []string{"metadata.root.signatures[2].sig"}},
		{"no signatures", func(d any) { obj(t, d, "metadata", "root")["signatures"] = []any{} }, false,
			[]string{"metadata.root.signatures"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := decode(t, b.payload)
			tc.change(doc)
			if tc.resign {
				b.resign(doc, "alice", "bob")
			}
			wantProblems(t, rstuf.CheckBootstrap(encode(t, doc)), tc.fields...)
		})
	}
}

func TestCheckBootstrapNotJSON(t *testing.T) {
	wantProblems(t, rstuf.CheckBootstrap([]byte("[1, 2]")), "(payload)")
	wantProblems(t, rstuf.CheckBootstrap([]byte(`{"settings": {}, "metadata": {"root": {"signed": 1}}}`)),
		"settings.roles", "metadata.root")
}
