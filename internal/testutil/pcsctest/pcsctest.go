// Package pcsctest runs virtual YubiKeys (rehearsal/vyubikey) behind a real,
// private pcscd for tests, so that piv-go and everything above it are tested
// through the same PC/SC stack as with a real device.
//
// Use it from TestMain, then Start in each test that needs cards:
//
//	func TestMain(m *testing.M) { pcsctest.Main(m) }
//
//	func TestSign(t *testing.T) {
//		t.Parallel()
//		env := pcsctest.Start(t)
//		card, _ := vyubikey.New(vyubikey.Options{})
//		reader := env.InsertAny(t, card) // piv.Open(reader) works now
//		...
//	}
//
// There are four readers; InsertAny shares them between parallel tests,
// Insert names one. A card is pulled out when the test that inserted it
// ends. pcscd polls vpcd every 400 ms, so an insertion takes up to about
// 0.4 s; the waits are on pcscd's own events, not sleeps.
//
// Start runs one pcscd per test binary (with rehearsal/vpcsc), in a private
// mount namespace: pcscd always serves /run/pcscd/pcscd.comm (pcsc-lite
// 1.9.9 has no option or environment variable for the daemon's socket), so
// the namespace mounts a directory of ours on /run/pcscd, and the process
// points libpcsclite at it with PCSCLITE_CSOCK_NAME, which the client
// library honors. The namespace also hides the USB reader drivers: the
// private pcscd sees the vpcd readers and nothing else, so no test can reach
// a real YubiKey, and a system pcscd may keep running. Test binaries run at
// the same time each have their own pcscd; a file lock
// (/tmp/ceremony-pcscd.lock) serializes only the choice of TCP ports and
// the start.
//
// Call Start before anything in the test binary talks to PC/SC:
// libpcsclite reads PCSCLITE_CSOCK_NAME once. pcscd runs as root, or in a
// user namespace where the user is root. Where namespaces are forbidden (a
// container without CAP_SYS_ADMIN), Start falls back to a pcscd on the
// system socket, holding the lock until Main ends, so test binaries take
// turns; that needs root and no other pcscd, and USB readers stay visible
// (PCSCTEST_NO_NAMESPACE=1 forces this). When pcscd or vpcd is missing or
// pcscd cannot start, Start fails the test and says so; it never skips.
//
// With PCSCTEST_DEBUG=1 in the environment, pcscd logs every APDU to a file
// it names on stderr, and the file stays after the tests.
package pcsctest

import (
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/tuf-ceremony/ceremony/hsm/pcsc"
	"github.com/tuf-ceremony/ceremony/rehearsal/vpcsc"
	"github.com/tuf-ceremony/ceremony/rehearsal/vyubikey"
)

var (
	mu       sync.Mutex // guards the variables below
	mainUsed bool
	started  *Env
	startErr error
)

// Main runs the tests, stops the pcscd that Start started and exits. Call
// it from TestMain.
func Main(m *testing.M) {
	os.Exit(Wrap(m.Run))
}

// Wrap runs run (which runs the tests, perhaps through another harness's
// main) and stops the pcscd that Start started. It is Main for TestMains
// that compose several harnesses.
func Wrap(run func() int) int {
	mu.Lock()
	mainUsed = true
	mu.Unlock()
	code := run()
	mu.Lock()
	if started != nil {
		started.daemon.Stop()
	}
	mu.Unlock()
	return code
}

// Env is the private pcscd of a test binary and its vpcd readers.
type Env struct {
	daemon  *vpcsc.Daemon
	readers []vpcsc.Reader

	mu      sync.Mutex
	freed   *sync.Cond             // signaled when a card leaves cards
	cards   map[int]*vyubikey.Card // what Insert put in each reader
	freedAt map[int]time.Time      // when each reader was last emptied
}

// Start returns the test binary's pcscd, starting it on first use.
func Start(t testing.TB) *Env {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if !mainUsed {
		t.Fatal("pcsctest: call pcsctest.Main(m) from TestMain: it stops the pcscd that Start starts")
	}
	if started == nil && startErr == nil {
		debug := os.Getenv("PCSCTEST_DEBUG") != ""
		d, err := vpcsc.Start(vpcsc.Options{
			SystemSocketFallback: true,
			NoNamespace:          os.Getenv("PCSCTEST_NO_NAMESPACE") != "",
			Debug:                debug,
		})
		if err != nil {
			startErr = err
		} else {
			if w := d.Warning(); w != "" {
				fmt.Fprintf(os.Stderr, "pcsctest: %s\n", w)
			}
			if debug {
				fmt.Fprintf(os.Stderr, "pcsctest: pcscd logs to %s\n", d.LogPath())
			}
			started = &Env{daemon: d, readers: d.Readers(), cards: map[int]*vyubikey.Card{}, freedAt: map[int]time.Time{}}
			started.freed = sync.NewCond(&started.mu)
		}
	}
	if startErr != nil {
		t.Fatalf("pcsctest: failed to start a private pcscd with vpcd readers (run scripts/setup; needs root or user namespaces): %v", startErr)
	}
	return started
}

// Readers is how many readers there are (4).
func (e *Env) Readers() int { return len(e.readers) }

// Reader is the PC/SC name of reader i, such as "Virtual YubiKey A 00 00".
func (e *Env) Reader(i int) string { return e.readers[i].Name }

func (e *Env) checkReader(t testing.TB, i int) {
	t.Helper()
	if i < 0 || i >= len(e.readers) {
		t.Fatalf("pcsctest: there is no reader %d (there are %d)", i, len(e.readers))
	}
}

// Insert puts card into reader i and returns once piv-go can open it there,
// returning the reader's name. The card is pulled out (Disconnect) when the
// test ends. A card another test left in the reader is waited out first.
func (e *Env) Insert(t testing.TB, card *vyubikey.Card, i int) string {
	t.Helper()
	e.checkReader(t, i)
	e.mu.Lock()
	if other := e.cards[i]; other != nil && other != card {
		e.mu.Unlock()
		t.Fatalf("pcsctest: reader %d still holds card %d: Remove it first", i, other.Serial())
	}
	e.cards[i] = card
	e.mu.Unlock()
	return e.insert(t, card, i)
}

// InsertAny puts card into a reader that holds no card, waiting for one to
// be free, and returns the reader's name once piv-go can open the card
// there. Parallel tests use it to share the readers. It takes the reader
// emptied longest ago, which pcscd has most likely seen empty already.
func (e *Env) InsertAny(t testing.TB, card *vyubikey.Card) string {
	t.Helper()
	e.mu.Lock()
	i := -1
	for {
		for j := range e.readers {
			if e.cards[j] == nil && (i < 0 || e.freedAt[j].Before(e.freedAt[i])) {
				i = j
			}
		}
		if i >= 0 {
			break
		}
		e.freed.Wait()
	}
	e.cards[i] = card
	e.mu.Unlock()
	return e.insert(t, card, i)
}

func (e *Env) insert(t testing.TB, card *vyubikey.Card, i int) string {
	t.Helper()
	t.Cleanup(func() { e.forget(i, card) })
	if err := e.daemon.Insert(card, i); err != nil {
		t.Fatalf("pcsctest: %v", err)
	}
	return e.readers[i].Name
}

// Remove pulls the card out of the named reader and waits until pcscd sees
// the reader empty.
func (e *Env) Remove(t testing.TB, reader string) {
	t.Helper()
	i := e.index(t, reader)
	err := e.daemon.Remove(i)
	e.mu.Lock()
	if e.cards[i] != nil {
		delete(e.cards, i)
		e.freedAt[i] = time.Now()
		e.freed.Broadcast()
	}
	e.mu.Unlock()
	if err != nil {
		t.Fatalf("pcsctest: %v", err)
	}
}

func (e *Env) index(t testing.TB, reader string) int {
	t.Helper()
	for i, r := range e.readers {
		if r.Name == reader {
			return i
		}
	}
	t.Fatalf("pcsctest: there is no reader %q", reader)
	return -1
}

// forget pulls card out of reader i if it is still there.
func (e *Env) forget(i int, card *vyubikey.Card) {
	card.Disconnect()
	if e.daemon.Card(i) == card {
		e.daemon.Eject(i)
	}
	e.mu.Lock()
	if e.cards[i] == card {
		delete(e.cards, i)
		e.freedAt[i] = time.Now()
		e.freed.Broadcast()
	}
	e.mu.Unlock()
}

// Transmit sends command APDUs as they are to the card in the named reader,
// in one exclusive transaction, and returns the response APDUs (data and
// status word, with 61xx not followed up). It is for what piv-go cannot
// say, such as GET METADATA of the PIN.
func (e *Env) Transmit(t testing.TB, reader string, apdus ...[]byte) [][]byte {
	t.Helper()
	e.index(t, reader)
	out, err := pcsc.Transmit(reader, apdus)
	if err != nil {
		t.Fatalf("pcsctest: %v", err)
	}
	return out
}
