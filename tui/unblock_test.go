package tui

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/hsm/yubikey"
	"github.com/tuf-ceremony/ceremony/keys"
)

// A YubiKey's blocked PIN: u asks for the PUK and a new PIN twice on the
// PIN screen, each prompt saying which; done, the device is checked again;
// failed, the outcome stays with the reason. A token's blocked PIN has no
// u: its security officer unblocks it.
func TestUnblockInTheApp(t *testing.T) {
	m := outcomeGoldenCases()["signed-blocked"]()
	m.rehearsal = &Rehearsal{Practice: []Practice{{Holder: "alice", Secret: "271828", PUK: "27182818"}}}
	m, cmd := update(t, m, key("u"))
	if cmd == nil || m.screen != screenSigning || !m.walk.unblocking {
		t.Fatalf("u on a blocked YubiKey: screen %s, unblocking %v", m.screen, m.walk.unblocking)
	}
	mustShow(t, m, "alice's YubiKey serial 19088743: unblocking the PIN with the PUK")
	reply := make(chan secretReply, 1)
	for _, c := range []struct {
		req  keys.SecretRequest
		want []string
	}{
		{keys.SecretRequest{Kind: keys.PUK, TriesLeft: -1}, []string{"alice: type the PUK of YubiKey serial 19088743", "practice PUK: 27182818"}},
		{keys.SecretRequest{Kind: keys.PIN, TriesLeft: -1, New: true}, []string{"alice: choose a new PIN for YubiKey serial 19088743", "new PIN: the practice PIN again, 271828"}},
		{keys.SecretRequest{Kind: keys.PIN, TriesLeft: -1, New: true, Again: true}, []string{"alice: type the new PIN of YubiKey serial 19088743 again"}},
	} {
		m, _ = update(t, m, secretRequestMsg{req: c.req, reply: reply})
		mustShow(t, m, c.want...)
		if strings.Contains(view(m), "signature 1 of") {
			t.Errorf("the %v prompt counts signatures:\n%s", c.req.Kind, view(m))
		}
		m = typeText(t, m, "31415926")
		m, cmd = update(t, m, key("enter"))
		cmd()
		if got := <-reply; string(got.secret) != "31415926" || got.err != nil {
			t.Fatalf("the %v prompt answered %q, %v", c.req.Kind, got.secret, got.err)
		}
	}
	failed, _ := update(t, m, unblockDoneMsg{err: fmt.Errorf("%w for YubiKey 19088743: 2 tries left before the PUK is blocked too; the PIN stays blocked", yubikey.ErrWrongPUK)})
	if failed.screen != screenSigned || !failed.statusErr || !strings.Contains(failed.statusLine, "2 tries left before the PUK is blocked") {
		t.Fatalf("a wrong PUK: screen %s, status %q", failed.screen, failed.statusLine)
	}
	mustShow(t, failed, "u unblock with the PUK")
	// The PUK blocked too: u is no longer offered, and the screen says so.
	gone, _ := update(t, m, unblockDoneMsg{err: fmt.Errorf("%w for YubiKey 19088743: %w too", yubikey.ErrWrongPUK, keys.ErrPUKBlocked)})
	if _, cmd := update(t, gone, key("u")); cmd != nil || strings.Contains(view(gone), "u unblock") {
		t.Errorf("u still offered with the PUK blocked:\n%s", view(gone))
	}
	mustShow(t, gone, "The PIN and the PUK are blocked")
	// While a seal is under way the unblock's record would change what it
	// binds: not offered.
	sealing := outcomeGoldenCases()["signed-blocked"]()
	sealing.walk.seal.draft = &ceremony.SealDraft{}
	if _, cmd := update(t, sealing, key("u")); cmd != nil || sealing.canUnblock() {
		t.Error("u offered while a seal is under way")
	}
	done, cmd := update(t, m, unblockDoneMsg{})
	if done.screen != screenDevice || cmd == nil || done.walk.outcome != nil || done.walk.unblocking || !strings.Contains(done.statusLine, "alice's PIN is unblocked") {
		t.Fatalf("unblocked: screen %s, status %q", done.screen, done.statusLine)
	}

	token := outcomeGoldenCases()["signed-blocked"]()
	token.walk.person.URI = "pkcs11:token=carol;object=carol"
	token.walk.outcome.err = fmt.Errorf("token carol: %w", keys.ErrPINBlocked)
	if _, cmd := update(t, token, key("u")); cmd != nil {
		t.Error("u on a blocked token started something")
	}
	mustShow(t, token, "The token's security officer")
	if strings.Contains(view(token), "u unblock") || !errors.Is(token.walk.outcome.err, keys.ErrPINBlocked) {
		t.Errorf("a token's outcome offers u:\n%s", view(token))
	}
}
