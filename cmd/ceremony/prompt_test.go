package main

import (
	"strings"
	"testing"
	"time"

	"github.com/tuf-ceremony/ceremony/internal/testutil/syncbuf"
	"github.com/tuf-ceremony/ceremony/keys"
)

// askRecorder answers a PIN prompt and notes what the screen showed when
// it was asked.
type askRecorder struct {
	screen *syncbuf.Buffer
	seen   []string
}

func (a *askRecorder) Secret(keys.SecretRequest) ([]byte, error) {
	a.seen = append(a.seen, a.screen.String())
	return []byte("123456"), nil
}

func (a *askRecorder) Notify(string) { a.seen = append(a.seen, a.screen.String()) }

// TestPromptTakesTheProgressLineOff: a PIN asked, or "touch the device"
// said, while a long step shows its progress line finds the line erased,
// so that the prompt stands alone; the line comes back after.
func TestPromptTakesTheProgressLineOff(t *testing.T) {
	scr := &syncbuf.Buffer{}
	env := &runEnv{terminal: scr, width: 80}
	rec := &askRecorder{screen: scr}
	p := pausingPrompter{env, rec}
	line := env.step("signing ws", false)
	// drawn waits until the line has been drawn n times.
	drawn := func(n int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for strings.Count(scr.String(), "signing ws: ") < n {
			if time.Now().After(deadline) {
				t.Fatalf("the line was drawn %d times, want %d: %q", strings.Count(scr.String(), "signing ws: "), n, scr.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	drawn(1)
	if _, err := p.Secret(keys.SecretRequest{URI: "yubikey:serial=1", Kind: keys.PIN}); err != nil {
		t.Fatal(err)
	}
	drawn(strings.Count(rec.seen[0], "signing ws: ") + 1) // back after the PIN
	p.Notify("touch the YubiKey")
	drawn(strings.Count(rec.seen[1], "signing ws: ") + 1) // back after the message
	line.Stop()
	if len(rec.seen) != 2 {
		t.Fatalf("asked %d times, want 2", len(rec.seen))
	}
	for i, s := range rec.seen {
		if !strings.Contains(s, "signing ws: ") || !strings.HasSuffix(s, "\r\x1b[K") {
			t.Errorf("prompt %d: the screen was %q, want the line shown and then erased", i, s)
		}
	}
	// Without a step, prompts go straight through.
	bare := pausingPrompter{&runEnv{}, rec}
	if _, err := bare.Secret(keys.SecretRequest{}); err != nil || len(rec.seen) != 3 {
		t.Errorf("a prompt with no progress line: %v, asked %d times", err, len(rec.seen))
	}
}
