package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// TestEmergencyRotationInTmux drives the real binary in tmux through an
// emergency rotation: a pep458 repository bootstrapped with file keys
// through the CLI (keygen, init, sign), then 'ceremony' alone: the
// chooser, the emergency form (carol's root key stolen, her new key in its
// place), the recovery plan read before anything is written, y, the
// walk-through in which the stolen key is never called and alice, bob and
// carol's new key sign with their own passphrases, the bundle and its
// verification in the app. Afterwards the bundle verifies from the old
// trusted root with 'ceremony verify --trusted-root', and the rotation
// workspace's transcript replays.
func TestEmergencyRotationInTmux(t *testing.T) {
	bin := buildCeremony(t)
	dir := t.TempDir()
	cli := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("ceremony %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	passphrases := map[string]string{"alice": "alice's passphrase 1", "bob": "bob's passphrase 2", "carol": "carol's passphrase 3",
		"carol2": "carol's new passphrase 4", "online": "online passphrase 5"}
	if err := os.MkdirAll(filepath.Join(dir, "keys"), 0o755); err != nil {
		t.Fatal(err)
	}
	uri := func(name string) string { return "file:keys/" + name + ".key?pin-source=keys/" + name + ".pass" }
	for name, pass := range passphrases {
		if err := os.WriteFile(filepath.Join(dir, "keys", name+".pass"), []byte(pass), 0o600); err != nil {
			t.Fatal(err)
		}
		typ := "ed25519"
		if name == "bob" {
			typ = "ecdsa-p256"
		}
		cli("keygen", "--uri", uri(name), "--type", typ)
	}
	plan := `profile: pep458
repository: rotation.example
keyholders:
  - {name: alice, contact: alice@example.org, key: "file:keys/alice.key"}
  - {name: bob,   contact: bob@example.org,   key: "file:keys/bob.key"}
  - {name: carol, contact: carol@example.org, key: "file:keys/carol.key"}
roles:
  root:    {keyholders: [alice, bob, carol], threshold: 2}
  targets: {keyholders: [alice, bob], threshold: 1}
  bins:    {count: 16}
online:
  - {name: online, key: "file:keys/online.key"}
`
	if err := os.WriteFile(filepath.Join(dir, "plan.yaml"), []byte(plan), 0o644); err != nil {
		t.Fatal(err)
	}
	cli("init", "--plan", "plan.yaml", "--date", today(), "ws")
	for _, name := range []string{"alice", "bob", "carol"} {
		cli("sign", "--key", uri(name), "ws")
	}

	p := newPane(t, "sh -c 'cd "+dir+" && exec "+bin+" 2>"+filepath.Join(dir, "stderr")+"'")
	p.wait("choose a ceremony", "Resume ws", "every threshold met")
	p.keys("Down", "Down", "Enter")
	confirmDateInPane(p)
	p.wait("Emergency rotation after a compromise", "> repository or last workspace: ws█")
	p.keys("Tab", "Tab")
	p.text("carol")
	p.keys("Tab", "Tab", "Tab")
	p.text("carol=file:keys/carol2.key")
	p.keys("Tab", "Tab", "Tab", "Tab")
	p.wait("> new workspace: workspace-recovery█")
	p.keys("Enter")

	// The plan, before anything is written.
	p.wait("emergency rotation · the recovery plan · nothing is written yet", "Recovery plan for rotation.example (pep458)",
		"- carol (", "stolen, on key file keys/carol.key", "y creates workspace-recovery")
	ws := filepath.Join(dir, "workspace-recovery")
	if _, err := os.Stat(ws); !os.IsNotExist(err) {
		t.Fatalf("the workspace exists before y: %v", err)
	}
	p.keys("NPage")
	p.wait("↑ pgup: more above")
	p.keys("End")
	p.wait("Online steps, in order", "the end: y creates the workspace")
	p.keys("y")

	// The walk-through of the new workspace.
	s := p.wait("the plan · rotation.example · pep458 rotation · workspace-recovery", "EMERGENCY ROTATION · from root v1 · signing root v2",
		"stolen, signs nothing here; replaced by carol")
	if !strings.Contains(s, "carol (compromised key)") {
		t.Fatalf("the plan screen does not name the compromised key:\n%s", s)
	}
	p.keys("Enter")
	s = p.wait("roll call · who is in the room?", "alice", "bob", "carol")
	if strings.Contains(s, "compromised") {
		t.Fatalf("the roll call calls the stolen key:\n%s", s)
	}
	p.keys("a", "Enter")
	passphraseOf := func(name string) string {
		if name == "carol" {
			return passphrases["carol2"] // her new key: the stolen one is never asked for
		}
		return passphrases[name]
	}
	var signed []string
	for len(signed) < 3 {
		// Once every threshold is met the app goes to the seal; c calls
		// the keyholder left (a spare signature).
		waitEither(t, p, "'s turn · to sign: root v2", "the seal · every threshold is met")
		if s := p.screen(); strings.Contains(s, "the seal · every threshold is met") {
			p.wait("1 present keyholder could still sign")
			p.keys("c")
		}
		s := p.wait("'s turn · to sign: root v2")
		name := turnOf(t, s, "'s turn · to sign:")
		p.wait("holds " + name + "'s key")
		if strings.Contains(s, "keys/carol.key") {
			t.Fatalf("the stolen key's turn came:\n%s", s)
		}
		p.keys("Enter")
		p.wait("what "+name+" is about to sign", "root v2 replaces v1")
		p.keys("End") // y signs once the review was shown to its end
		p.keys("y")
		p.wait(name + ": type the passphrase")
		p.text(passphraseOf(name))
		p.keys("Enter")
		p.wait("✓ " + name + " signed root")
		signed = append(signed, name)
		p.keys("Enter")
	}
	sealWithFileKey(t, p, passphraseOf)
	p.wait("✓ sealed at transcript record", "root v2 under previous root v1:", "root v2 under new root v2:")
	p.wait("✓ bundle written: workspace-recovery.bundle.tar", "the bundle holds incident-report.md")
	p.keys("v")
	p.wait("✓ verify", "✓ replay")
	p.keys("q")
	p.wait("EXIT 0")
	if got := strings.Join(signed, " "); !strings.Contains(got, "alice") || !strings.Contains(got, "bob") || !strings.Contains(got, "carol") {
		t.Fatalf("signed by %q, want alice, bob and carol's new key", got)
	}

	// What the app produced holds for the server and an auditor.
	out := cli("verify", "--trusted-root", "ws/metadata/root.json", "workspace-recovery.bundle.tar")
	if !strings.Contains(out, "repository verifies") {
		t.Fatalf("ceremony verify --trusted-root: %s", out)
	}
	out = cli("replay", "workspace-recovery")
	for _, want := range []string{"OK: the chain holds", "emergency rotation ceremony", "roll call: present: "} {
		if !strings.Contains(out, want) {
			t.Errorf("the replay lacks %q:\n%s", want, out)
		}
	}
	b, err := bundle.Read(filepath.Join(dir, "workspace-recovery.bundle.tar"), bundle.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	data, ok := b.Get(workspace.IncidentFile)
	if !ok {
		t.Fatalf("the bundle holds no %s", workspace.IncidentFile)
	}
	report := string(data)
	for _, want := range []string{"## What was compromised", "carol (", "stolen", "alice signed root", "bob signed root"} {
		if !strings.Contains(report, want) {
			t.Errorf("the incident report lacks %q:\n%s", want, report)
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

// turnOf reads whose turn it is from "alice's turn · to sign: root v2".
// sealWithFileKey seals from the seal screen by the sealer marked first,
// whose key is a file opened with the passphrase pass gives.
func sealWithFileKey(t *testing.T, p *pane, pass func(string) string) {
	t.Helper()
	p.wait("the seal · every threshold is met")
	p.keys("Enter")
	sealer := turnOf(t, p.wait("'s turn · to seal the ceremony"), "'s turn · to seal")
	p.wait("holds " + sealer + "'s key")
	p.keys("Enter")
	p.wait("The seal is a signed statement")
	p.keys("End")
	p.keys("y")
	p.wait(sealer + ": type the passphrase")
	p.text(pass(sealer))
	p.keys("Enter")
	p.wait("✓ " + sealer + " signed the seal")
	p.keys("Enter")
}

func turnOf(t *testing.T, screen, after string) string {
	t.Helper()
	for _, line := range strings.Split(screen, "\n") {
		if name, _, ok := strings.Cut(line, after); ok {
			return strings.TrimSpace(name)
		}
	}
	t.Fatalf("no keyholder's turn on the screen:\n%s", screen)
	return ""
}
