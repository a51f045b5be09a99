package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestClaimsCeremonyInTmux drives the real binary in tmux through a PEP
// 480 claims ceremony: a pep480 repository bootstrapped with file keys
// through the CLI (keygen, init, sign); two maintainers' claim requests
// made with 'ceremony claim' (one as made, one changed after signing; a
// third, under a name PEP 503 does not allow, refused by 'ceremony claim'
// itself); then 'ceremony' alone: the chooser, the claims form, the
// review (one project to add, one request refused with its reason) read
// before anything is written, y, the walk-through in which only claimed's
// keyholders are called and sign with their passphrases, the bundle and
// its verification in the app. Afterwards 'ceremony verify BUNDLE' and
// 'ceremony replay WORKSPACE' hold.
func TestClaimsCeremonyInTmux(t *testing.T) {
	bin := buildCeremony(t)
	dir := t.TempDir()
	run := func(args ...string) (string, error) {
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	cli := func(args ...string) string {
		t.Helper()
		out, err := run(args...)
		if err != nil {
			t.Fatalf("ceremony %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	passphrases := map[string]string{"alice": "alice's passphrase 1", "bob": "bob's passphrase 2", "carol": "carol's passphrase 3",
		"dave": "dave's passphrase 4", "online": "online passphrase 5", "maint1": "maintainer one 6", "maint2": "maintainer two 7"}
	if err := os.MkdirAll(filepath.Join(dir, "keys"), 0o755); err != nil {
		t.Fatal(err)
	}
	uri := func(name string) string { return "file:keys/" + name + ".key?pin-source=keys/" + name + ".pass" }
	for name, pass := range passphrases {
		if err := os.WriteFile(filepath.Join(dir, "keys", name+".pass"), []byte(pass), 0o600); err != nil {
			t.Fatal(err)
		}
		typ := "ed25519"
		if name == "bob" || name == "maint1" {
			typ = "ecdsa-p256"
		}
		cli("keygen", "--uri", uri(name), "--type", typ)
	}
	plan := `profile: pep480
repository: claims.example
keyholders:
  - {name: alice, contact: alice@example.org, key: "file:keys/alice.key"}
  - {name: bob,   contact: bob@example.org,   key: "file:keys/bob.key"}
  - {name: carol, contact: carol@example.org, key: "file:keys/carol.key"}
  - {name: dave,  contact: dave@example.org,  key: "file:keys/dave.key"}
roles:
  root:    {keyholders: [alice, bob, dave], threshold: 2}
  targets: {keyholders: [alice, dave], threshold: 1}
  claimed: {keyholders: [alice, bob, carol], threshold: 2}
  bins:    {count: 16}
online:
  - {name: online, key: "file:keys/online.key"}
`
	if err := os.WriteFile(filepath.Join(dir, "plan.yaml"), []byte(plan), 0o644); err != nil {
		t.Fatal(err)
	}
	cli("init", "--plan", "plan.yaml", "--date", today(), "ws")
	for _, name := range []string{"alice", "bob", "carol", "dave"} {
		cli("sign", "--key", uri(name), "ws")
	}

	// The maintainers' claim requests, in claims/ (the form's default).
	if err := os.MkdirAll(filepath.Join(dir, "claims"), 0o755); err != nil {
		t.Fatal(err)
	}
	out := cli("claim", "demo-pkg", "--key", uri("maint1"), "--out", "claims/demo-pkg.claim.json")
	if !strings.Contains(out, "project demo-pkg") || !strings.Contains(out, "threshold 1 of 1") {
		t.Fatalf("ceremony claim demo-pkg: %s", out)
	}
	cli("claim", "other-pkg", "--key", uri("maint2"), "--out", "claims/other-pkg.claim.json")
	other := filepath.Join(dir, "claims", "other-pkg.claim.json")
	data, err := os.ReadFile(other)
	if err != nil {
		t.Fatal(err)
	}
	tampered := strings.Replace(string(data), `"payload": "`, `"payload": "A`, 1)
	if tampered == string(data) {
		t.Fatalf("no payload to tamper with in %s", other)
	}
	if err := os.WriteFile(other, []byte(tampered), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := run("claim", "Bad_Name", "--key", uri("maint2"), "--out", "claims/bad.claim.json"); err == nil || !strings.Contains(out, `write "bad-name"`) {
		t.Fatalf("ceremony claim Bad_Name: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "claims", "bad.claim.json")); !os.IsNotExist(err) {
		t.Fatalf("a refused claim wrote its file: %v", err)
	}

	p := newPane(t, "sh -c 'cd "+dir+" && exec "+bin+" 2>"+filepath.Join(dir, "stderr")+"'")
	p.wait("choose a ceremony", "PEP 480 claims ceremony", "Resume ws", "pep480 bootstrap, every threshold met")
	p.keys("Down", "Down", "Down", "Down", "Enter")
	confirmDateInPane(p)
	p.wait("PEP 480 claims ceremony (take maintainers' claims into claimed)", "> repository, last workspace or bundle: ws█",
		"your own root (trusted root file): -", "claim requests (directory): claims", "new workspace: workspace-claims")
	p.keys("Enter", "Enter", "Enter", "Enter", "Enter")

	// The review, before anything is written.
	p.wait("PEP 480 claims ceremony · the review · nothing is created yet", "2 request(s): 1 to add · 0 unchanged · 1 refused",
		"demo-pkg", "1 of 1    add", "(other-pkg.claim.json)", "refused", "claimed v2 adds 1 project(s)", "y creates workspace-claims")
	ws := filepath.Join(dir, "workspace-claims")
	if _, err := os.Stat(ws); !os.IsNotExist(err) {
		t.Fatalf("the workspace exists before y: %v", err)
	}
	p.keys("End")
	p.wait("Refused: the reason to send each request's maintainers", "other-pkg.claim.json: envelope.payload", "the end: y creates the workspace")
	p.keys("y")

	// The walk-through of the claims workspace.
	p.wait("the plan · claims.example · pep480 claims · workspace-claims", "PEP 480 CLAIMS CEREMONY · signing claimed v2 · adds 1 project(s)",
		"  demo-pkg", "1 request(s) refused", "claimed   v2")
	p.keys("Enter")
	s := p.wait("roll call · who is in the room?", "alice", "bob", "carol")
	if strings.Contains(s, "dave") {
		t.Fatalf("the roll call calls dave, who holds no claimed key:\n%s", s)
	}
	p.keys("a", "Enter")
	var signed []string
	for !strings.Contains(p.screen(), "every threshold is met") {
		s := p.wait("'s turn · to sign: claimed v2")
		name := turnOf(t, s, "'s turn · to sign:")
		p.wait("holds " + name + "'s key")
		p.keys("Enter")
		p.wait("what "+name+" is about to sign", "claims ceremony: 1 project(s) added to claimed", "+ demo-pkg: keys demo-pkg maintainer")
		p.keys("End") // y signs once the review was shown to its end
		p.keys("y")
		p.wait(name + ": type the passphrase")
		p.text(passphrases[name])
		p.keys("Enter")
		p.wait("✓ " + name + " signed claimed")
		signed = append(signed, name)
		p.keys("Enter")
		waitEither(t, p, "'s turn · to sign: claimed v2", "every threshold is met")
	}
	if len(signed) < 2 || strings.Contains(strings.Join(signed, " "), "dave") {
		t.Fatalf("signed by %v, want claimed's keyholders", signed)
	}
	sealWithFileKey(t, p, func(name string) string { return passphrases[name] })
	p.wait("✓ sealed at transcript record", "claimed v2: ", "✓ bundle written: workspace-claims.bundle.tar", "the bundle holds claimed v2", "recently-claimed")
	p.keys("v")
	p.wait("✓ verify", "✓ replay")
	p.keys("q")
	p.wait("EXIT 0")

	// What the app produced holds for the server and an auditor.
	out = cli("verify", "--trusted-root", "ws/metadata/root.json", "workspace-claims.bundle.tar")
	if !strings.Contains(out, "repository verifies") {
		t.Fatalf("ceremony verify: %s", out)
	}
	out = cli("replay", "workspace-claims")
	for _, want := range []string{"OK: the chain holds", "claims ceremony", "adds demo-pkg", "roll call: present: "} {
		if !strings.Contains(out, want) {
			t.Errorf("the replay lacks %q:\n%s", want, out)
		}
	}
	transcript, err := os.ReadFile(filepath.Join(ws, "transcript", "transcript.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	for name, pass := range passphrases {
		if strings.Contains(string(transcript), pass) {
			t.Errorf("%s's passphrase is in the transcript", name)
		}
	}
}

// waitEither returns once the pane shows a or b.
func waitEither(t *testing.T, p *pane, a, b string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		s := p.screen()
		if strings.Contains(s, a) || strings.Contains(s, b) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the screen shows neither %q nor %q after 20s:\n%s", a, b, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
