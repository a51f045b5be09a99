package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/internal/testutil/fattest"
)

// TestOutputsOnUSBStick: the files a ceremony carries on a stick are
// written straight to FAT and exFAT (no hard links there): keygen's key
// files, init's workspace, payload export, sign-payload, bundle and claim;
// the bundle verifies where it was written, and none is written twice.
func TestOutputsOnUSBStick(t *testing.T) {
	for _, kind := range fattest.Kinds {
		t.Run(kind, func(t *testing.T) {
			stick := fattest.Mount(t, kind)
			dir := t.TempDir()
			t.Chdir(dir)
			pass := filepath.Join(dir, "pass.txt")
			if err := os.WriteFile(pass, []byte("correct horse battery staple\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := func(want int, args ...string) string {
				t.Helper()
				var stdout, stderr bytes.Buffer
				if got := run(args, &stdout, &stderr); got != want {
					t.Fatalf("ceremony %s: exit %d, want %d\n%s%s", strings.Join(args, " "), got, want, stdout.String(), stderr.String())
				}
				return stdout.String() + stderr.String()
			}
			uri := func(name string) string { return "file:" + filepath.Join(stick, name+".key") + "?pin-source=" + pass }
			for _, k := range []string{"a", "b", "c", "o"} {
				cmd(0, "keygen", "--uri", uri(k))
			}
			plan := "profile: rstuf\nkeyholders:\n"
			for _, k := range []string{"a", "b", "c"} {
				plan += "  - {name: " + k + ", key: \"file:" + filepath.Join(stick, k+".key") + "\"}\n"
			}
			plan += "roles:\n  root: {keyholders: [a, b, c], threshold: 2}\n  bins: {count: 4}\n" +
				"online:\n  - {name: online, key: \"file:" + filepath.Join(stick, "o.key") + "\", uri: \"fn:online\"}\n"
			if err := os.WriteFile(filepath.Join(stick, "plan.yaml"), []byte(plan), 0o644); err != nil {
				t.Fatal(err)
			}
			ws := filepath.Join(stick, "ws")
			cmd(0, "init", "--plan", filepath.Join(stick, "plan.yaml"), "--date", today(), ws)
			payload := filepath.Join(stick, "root.payload")
			cmd(0, "payload", "export", "--role", "root", "--out", payload, ws)
			sig := filepath.Join(stick, "c.sig")
			cmd(0, "sign-payload", "--new-repository", "--yes", "--key", uri("c"), "--out", sig, payload)
			cmd(0, "payload", "import", ws, sig)
			cmd(0, "sign", "--key", uri("a"), ws)
			bundle := filepath.Join(stick, strings.Repeat("b", 236)+".tar")
			cmd(0, "bundle", "--out", bundle, ws)
			cmd(0, "verify", bundle)
			if out := cmd(0, "bundle", "--out", bundle, ws); !strings.Contains(out, "holds this very bundle already") {
				t.Errorf("the same bundle written again to the same name: %s", out)
			}
			if out := cmd(1, "bundle", "--out", payload, ws); !strings.Contains(out, "never overwritten") {
				t.Errorf("a bundle written over another file: %s", out)
			}
			cmd(0, "claim", "tiny", "--key", uri("a"), "--out", filepath.Join(stick, "tiny.claim.json"))
		})
	}
}
