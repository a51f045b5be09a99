package vpcsc_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/go-piv/piv-go/v2/piv"

	"github.com/tuf-ceremony/ceremony/rehearsal/vpcsc"
	"github.com/tuf-ceremony/ceremony/rehearsal/vyubikey"
)

func newCard(t *testing.T) *vyubikey.Card {
	t.Helper()
	card, err := vyubikey.New(vyubikey.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { card.Close() })
	return card
}

func serialIn(t *testing.T, reader string) uint32 {
	t.Helper()
	yk, err := piv.Open(reader)
	if err != nil {
		t.Fatalf("piv.Open(%q): %v", reader, err)
	}
	defer yk.Close()
	s, err := yk.Serial()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// One reader, one card: a second card is refused until the first is out;
// Eject and Remove take it out; a process gets one pcscd, so the test runs
// in a process of its own (and so with -count too).
func TestDaemon(t *testing.T) {
	if os.Getenv("VPCSC_TEST_CHILD") != "" {
		daemon(t)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestDaemon$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), "VPCSC_TEST_CHILD=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
}

func daemon(t *testing.T) {
	if err := vpcsc.Check(); err != nil {
		t.Fatalf("vpcsc.Check: %v", err)
	}
	d, err := vpcsc.Start(vpcsc.Options{})
	if err != nil {
		t.Fatalf("Start (run scripts/setup; needs root or user namespaces): %v", err)
	}
	defer d.Stop()
	if w := d.Warning(); w != "" {
		t.Errorf("Warning() = %q without a fallback allowed", w)
	}
	readers := d.Readers()
	if len(readers) != 4 {
		t.Fatalf("%d readers, want 4", len(readers))
	}
	r := readers[0].Name
	a, b := newCard(t), newCard(t)

	if err := d.Insert(a, 0); err != nil {
		t.Fatal(err)
	}
	if d.Card(0) != a || serialIn(t, r) != a.Serial() {
		t.Fatalf("reader 0 after inserting card %d: Card %v", a.Serial(), d.Card(0))
	}
	if err := d.Insert(b, 0); err == nil || !strings.Contains(err.Error(), "still holds") {
		t.Fatalf("Insert into a full reader: got %v", err)
	}

	d.Eject(0) // the next Insert waits for pcscd to see it out
	if d.Card(0) != nil {
		t.Fatal("Card(0) after Eject")
	}
	if err := d.Insert(b, 0); err != nil {
		t.Fatal(err)
	}
	if got := serialIn(t, r); got != b.Serial() {
		t.Fatalf("reader 0 holds card %d, want %d", got, b.Serial())
	}

	if err := d.Remove(0); err != nil {
		t.Fatal(err)
	}
	if yk, err := piv.Open(r); err == nil {
		yk.Close()
		t.Fatal("piv.Open of an emptied reader succeeded")
	}
	if err := d.Remove(7); err == nil {
		t.Error("Remove of reader 7 succeeded")
	}

	if _, err := vpcsc.Start(vpcsc.Options{}); err == nil || !strings.Contains(err.Error(), "once") {
		t.Errorf("a second Start in the process: got %v, want a refusal", err)
	}
}
