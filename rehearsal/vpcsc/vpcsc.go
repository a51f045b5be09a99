// Package vpcsc runs a private pcscd whose readers are vpcd readers (Debian's
// vsmartcard-vpcd), and inserts virtual YubiKeys (rehearsal/vyubikey) into them,
// so that piv-go and everything above it drive a virtual card through the
// same PC/SC stack as a real one. Tests use it through internal/testutil/pcsctest;
// ceremony rehearsals (package rehearsal).
//
//	d, err := vpcsc.Start(vpcsc.Options{})
//	defer d.Stop()
//	card, _ := vyubikey.New(vyubikey.Options{})
//	d.Insert(card, 0) // piv.Open(d.Readers()[0].Name) works now
//
// # One pcscd per process, started first
//
// pcscd always serves /run/pcscd/pcscd.comm (pcsc-lite 1.9.9 has no option
// or environment variable for the daemon's socket), so Start runs it in a
// private mount namespace that mounts a directory of ours on /run/pcscd,
// and points this process's libpcsclite at it with PCSCLITE_CSOCK_NAME,
// which the client library honors. libpcsclite reads that variable once,
// at its first call in the process: Start must come before anything in the
// process talks to PC/SC, and a process gets one private pcscd (a second
// Start is refused). The namespace also hides the USB reader drivers: the
// private pcscd sees the vpcd readers and nothing else, so no real YubiKey
// can be reached, and a system pcscd may keep running.
//
// pcscd runs as root, or in a user namespace where the user is root. Where
// namespaces are forbidden (a container without CAP_SYS_ADMIN), Start
// fails, unless Options.SystemSocketFallback lets it run pcscd on the
// system socket instead, which needs root and no other pcscd, shows USB
// readers, and holds the lock below until Stop.
//
// # Readers and ports
//
// There are four readers, two per copy of the vpcd driver. Each waits for
// its card on its own TCP port, from vpcd's default 35963 on; processes
// that start private pcscds at the same time take turns choosing free
// ports under a file lock (/tmp/ceremony-pcscd.lock), held only while
// starting.
//
// pcscd polls vpcd every 400 ms, so an insertion or a removal takes up to
// about 0.4 s to be seen; Insert and Remove wait on pcscd's own events, not
// on sleeps.
package vpcsc

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-piv/piv-go/v2/piv"

	"github.com/tuf-ceremony/ceremony/hsm/pcsc"
	"github.com/tuf-ceremony/ceremony/rehearsal/vyubikey"
)

// insertTimeout bounds waiting for pcscd to notice a card come or go. It
// takes half a second on an idle machine; on a loaded one (a CI run of
// tests beside others on two cores) 5 s was seen to run out.
const insertTimeout = 15 * time.Second

// Options change how Start runs pcscd.
type Options struct {
	// SystemSocketFallback runs pcscd on the system socket when no private
	// mount namespace can be made (see the package documentation).
	SystemSocketFallback bool
	// NoNamespace skips the namespace: pcscd runs on the system socket (as
	// with SystemSocketFallback).
	NoNamespace bool
	// Debug makes pcscd log every APDU (LogPath) and keeps its directory
	// after Stop.
	Debug bool
}

// Reader is one vpcd reader.
type Reader struct {
	// Name is the reader's name as PC/SC and piv.Cards give it, such as
	// "Virtual YubiKey A 00 00".
	Name string
	// Addr is where vpcd waits for this reader's card (127.0.0.1:PORT).
	Addr string
}

// Daemon is a private pcscd and its vpcd readers. Its methods are safe for
// concurrent use.
type Daemon struct {
	proc    *process
	readers []Reader
	warning string

	mu    sync.Mutex
	cards []*vyubikey.Card // what Insert put in each reader
}

var (
	startMu sync.Mutex // held while starting; guards pcscUsed
	// pcscUsed says that this package has called libpcsclite after
	// setting PCSCLITE_CSOCK_NAME, which libpcsclite has then read for good.
	pcscUsed bool
)

// Start checks what pcscd needs (Check), starts a private pcscd with four
// vpcd readers, points this process's PC/SC at it and waits until pcscd
// lists the readers.
func Start(opts Options) (*Daemon, error) {
	startMu.Lock()
	defer startMu.Unlock()
	if pcscUsed {
		return nil, errors.New("a private pcscd was already started in this process: libpcsclite reads PCSCLITE_CSOCK_NAME once, so a process gets one")
	}
	p, readers, err := startProcess(opts)
	if err != nil {
		return nil, err
	}
	return &Daemon{proc: p, readers: readers, warning: p.warning, cards: make([]*vyubikey.Card, len(readers))}, nil
}

// Readers lists the readers, in port order.
func (d *Daemon) Readers() []Reader { return append([]Reader(nil), d.readers...) }

// Warning says how the daemon runs differently from what the package
// documentation promises (on the system socket, as a fallback), or is
// empty.
func (d *Daemon) Warning() string { return d.warning }

// LogPath is pcscd's log file.
func (d *Daemon) LogPath() string { return d.proc.logPath() }

func (d *Daemon) reader(i int) (Reader, error) {
	if i < 0 || i >= len(d.readers) {
		return Reader{}, fmt.Errorf("there is no reader %d (there are %d)", i, len(d.readers))
	}
	return d.readers[i], nil
}

// Card is the card Insert put in reader i and that has not been removed
// since, or nil.
func (d *Daemon) Card(i int) *vyubikey.Card {
	d.mu.Lock()
	defer d.mu.Unlock()
	if i < 0 || i >= len(d.cards) {
		return nil
	}
	return d.cards[i]
}

// Insert puts card into reader i and returns once piv-go can open it there
// and reads its serial. It first waits until pcscd has seen the reader
// empty, so that nothing reaches the ghost of the last card. It refuses a
// reader that holds another card. If the card cannot be inserted, it is
// pulled out again.
func (d *Daemon) Insert(card *vyubikey.Card, i int) error {
	r, err := d.reader(i)
	if err != nil {
		return err
	}
	d.mu.Lock()
	if other := d.cards[i]; other != nil && other != card {
		d.mu.Unlock()
		return fmt.Errorf("reader %q still holds card %d: remove it first", r.Name, other.Serial())
	}
	d.cards[i] = card
	d.mu.Unlock()
	if err := insert(card, r); err != nil {
		d.release(i, card)
		return err
	}
	return nil
}

func insert(card *vyubikey.Card, r Reader) error {
	if err := pcsc.WaitPresence(r.Name, false, insertTimeout); err != nil {
		return fmt.Errorf("reader %q did not empty: %w", r.Name, err)
	}
	if err := card.Connect(r.Addr); err != nil {
		return fmt.Errorf("failed to insert card %d into %q: %w", card.Serial(), r.Name, err)
	}
	if err := pcsc.WaitPresence(r.Name, true, insertTimeout); err != nil {
		return fmt.Errorf("pcscd did not see card %d in %q: %w", card.Serial(), r.Name, err)
	}
	// pcscd calls it present once powered; the first open normally works.
	deadline := time.Now().Add(insertTimeout)
	for {
		err := openSerial(r.Name, card.Serial())
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("piv-go cannot open card %d in %q: %w", card.Serial(), r.Name, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func openSerial(reader string, want uint32) error {
	yk, err := piv.Open(reader)
	if err != nil {
		return err
	}
	defer yk.Close()
	got, err := yk.Serial()
	if err != nil {
		return err
	}
	if got != want {
		return fmt.Errorf("reader holds card %d", got)
	}
	return nil
}

// Remove pulls the card out of reader i, if one is there, and waits until
// pcscd sees the reader empty.
func (d *Daemon) Remove(i int) error {
	r, err := d.reader(i)
	if err != nil {
		return err
	}
	d.Eject(i)
	if err := pcsc.WaitPresence(r.Name, false, insertTimeout); err != nil {
		return fmt.Errorf("pcscd still sees a card in %q: %w", r.Name, err)
	}
	return nil
}

// Eject pulls the card out of reader i, if one is there, without waiting
// for pcscd to notice: the next Insert into the reader waits for that.
func (d *Daemon) Eject(i int) {
	if card := d.Card(i); card != nil {
		d.release(i, card)
	}
}

// release pulls card out, and forgets it as the card of reader i if it
// still is.
func (d *Daemon) release(i int, card *vyubikey.Card) {
	card.Disconnect()
	d.mu.Lock()
	if d.cards[i] == card {
		d.cards[i] = nil
	}
	d.mu.Unlock()
}

// Stop pulls out every card Insert put in, ends pcscd and removes its
// directory (kept with Options.Debug). The process's PC/SC still points at
// the socket that is gone: no other pcscd can be started in the process.
func (d *Daemon) Stop() {
	for i := range d.readers {
		d.Eject(i)
	}
	d.proc.stop()
}
