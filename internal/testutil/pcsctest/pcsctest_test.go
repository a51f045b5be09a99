package pcsctest_test

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/go-piv/piv-go/v2/piv"

	"github.com/tuf-ceremony/ceremony/internal/testutil/pcsctest"
	"github.com/tuf-ceremony/ceremony/rehearsal/vyubikey"
)

func TestMain(m *testing.M) { pcsctest.Main(m) }

func newCard(t *testing.T) *vyubikey.Card {
	t.Helper()
	card, err := vyubikey.New(vyubikey.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { card.Close() })
	return card
}

// The private pcscd lists the vpcd readers and nothing else: no real
// reader, no system configuration.
func TestReadersArePrivate(t *testing.T) {
	env := pcsctest.Start(t)
	names, err := piv.Cards()
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range env.Readers() {
		want = append(want, env.Reader(i))
	}
	slices.Sort(names)
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Fatalf("piv.Cards() = %q, want %q", names, want)
	}
	if len(want) != 4 {
		t.Fatalf("%d readers, want 4", len(want))
	}
}

func TestInsertRemoveReinsert(t *testing.T) {
	env := pcsctest.Start(t)
	first, second := newCard(t), newCard(t)

	start := time.Now()
	reader := env.Insert(t, first, 1)
	t.Logf("insert took %v", time.Since(start))
	if reader != env.Reader(1) {
		t.Fatalf("Insert returned %q, want %q", reader, env.Reader(1))
	}
	yk, err := piv.Open(reader)
	if err != nil {
		t.Fatal(err)
	}
	if s, err := yk.Serial(); err != nil || s != first.Serial() {
		t.Fatalf("Serial() = %d, %v; want %d", s, err, first.Serial())
	}
	yk.Close()

	start = time.Now()
	env.Remove(t, reader)
	t.Logf("remove took %v", time.Since(start))
	if yk, err := piv.Open(reader); err == nil {
		yk.Close()
		t.Fatal("piv.Open of an empty reader succeeded")
	}

	start = time.Now()
	env.Insert(t, second, 1)
	t.Logf("second insert took %v", time.Since(start))
	yk, err = piv.Open(reader)
	if err != nil {
		t.Fatal(err)
	}
	defer yk.Close()
	if s, err := yk.Serial(); err != nil || s != second.Serial() {
		t.Fatalf("Serial() = %d, %v; want %d", s, err, second.Serial())
	}
}

// Two cards in two readers at once.
func TestTwoReaders(t *testing.T) {
	env := pcsctest.Start(t)
	a, b := newCard(t), newCard(t)
	ra := env.Insert(t, a, 2)
	rb := env.Insert(t, b, 3)
	for _, c := range []struct {
		reader string
		card   *vyubikey.Card
	}{{ra, a}, {rb, b}} {
		yk, err := piv.Open(c.reader)
		if err != nil {
			t.Fatal(err)
		}
		s, err := yk.Serial()
		yk.Close()
		if err != nil || s != c.card.Serial() {
			t.Fatalf("%s: Serial() = %d, %v; want %d", c.reader, s, err, c.card.Serial())
		}
	}
}

func TestTransmit(t *testing.T) {
	env := pcsctest.Start(t)
	reader := env.Insert(t, newCard(t), 0)
	resp := env.Transmit(t, reader,
		[]byte{0x00, 0xa4, 0x04, 0x00, 0x05, 0xa0, 0x00, 0x00, 0x03, 0x08},
		[]byte{0x00, 0xfd, 0x00, 0x00, 0x00})
	if !bytes.HasSuffix(resp[0], []byte{0x90, 0x00}) || resp[0][0] != 0x61 {
		t.Errorf("SELECT PIV = %x", resp[0])
	}
	if !bytes.Equal(resp[1], []byte{5, 7, 1, 0x90, 0x00}) {
		t.Errorf("GET VERSION = %x, want 050701 9000", resp[1])
	}
}
