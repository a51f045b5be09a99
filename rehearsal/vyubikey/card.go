package vyubikey

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// atr is the answer to reset of a YubiKey 5 over USB (CCID), which the card
// gives to vpcd.
var atr, _ = hex.DecodeString("3BFD1300008131FE158073C021C057597562694B657940")

// Factory credentials of a YubiKey, which RESET restores (piv-go's
// DefaultPIN, DefaultPUK and DefaultManagementKey).
const (
	factoryPIN = "123456"
	factoryPUK = "12345678"
)

// factoryManagementKey is used as an AES-192 key by firmware 5.7 and later,
// as a 3DES key before.
var factoryManagementKey = []byte{
	1, 2, 3, 4, 5, 6, 7, 8,
	1, 2, 3, 4, 5, 6, 7, 8,
	1, 2, 3, 4, 5, 6, 7, 8,
}

// Options describe a new card. The zero value is a factory-fresh YubiKey 5
// with firmware 5.7.1, a random serial and an attestation root of its own.
type Options struct {
	// Serial is the device serial number; zero picks a random 8-digit one.
	Serial uint32
	// Version is the firmware version; zero means 5.7.1. It decides what the
	// card speaks as a real one would: GET SERIAL needs 5.0, GET METADATA
	// 5.3, AES management keys 5.4, Ed25519 and an AES-192 factory
	// management key 5.7.
	Version [3]byte
	// FormFactor is the form factor byte of the attestation (piv.Formfactor);
	// zero means 0x01, USB-A keychain.
	FormFactor byte
	// PIN and PUK (6 to 8 bytes); empty means the factory values 123456 and
	// 12345678.
	PIN, PUK string
	// ManagementKey is the current management key: 24 bytes (AES-192 from
	// 5.7 on, 3DES before), or 16 or 32 bytes (AES-128, AES-256; 5.4 and
	// later). Nil means the factory key, piv.DefaultManagementKey.
	ManagementKey []byte
	// PINRetries and PUKRetries are the tries allowed (1 to 255); zero means
	// 3, as from the factory.
	PINRetries, PUKRetries int
	// Attestation is the root that signs the card's F9 certificate. Nil
	// gives the card a root of its own that nobody else trusts, like a
	// counterfeit device.
	Attestation *CA
	// TouchDelay is how long the card "waits for the touch" when a key's
	// touch policy asks for one; zero answers at once.
	TouchDelay time.Duration
	// Touch, when set, is the touch itself: the card calls it when a key's
	// touch policy asks for one (after TouchDelay) and goes on when it
	// returns true. It must return false soon after stop is closed (the
	// card was pulled out); the card then refuses the command.
	Touch func(stop <-chan struct{}) bool
	// Saved, when set, is called with the card's memory (as Save gives
	// it) after each command that may have changed it: a PIN tried, a key
	// made, an object written. An error makes the card answer 6581
	// (memory failure) to that command, whose effect stays in the card.
	Saved func(memory []byte) error
}

// Card is a virtual YubiKey: the PIV applet (with Yubico's extensions), the
// management applet's device info and the OTP applet's serial, served to
// vpcd over TCP. Keys, PIN, PUK, management key and data objects survive
// Disconnect and Connect, as they survive pulling out a real card; what a
// session holds (PIN verified, management key authenticated) does not.
//
// The card handles one command at a time; its methods are safe for
// concurrent use.
type Card struct {
	serial     uint32
	version    [3]byte
	formFactor byte
	touchDelay time.Duration
	touchWait  func(stop <-chan struct{}) bool
	onSave     func([]byte) error
	ca         *CA
	attKey     *ecdsa.PrivateKey
	attCert    *x509.Certificate

	mu   sync.Mutex // guards st and sess
	st   state
	sess session

	touches atomic.Int64

	connMu sync.Mutex // guards the fields below
	conn   net.Conn
	stop   chan struct{} // closed to abandon a touch wait
	done   chan struct{} // closed when serve returns
	closed bool
}

// New makes a card.
func New(opts Options) (*Card, error) {
	c := &Card{
		serial:     opts.Serial,
		version:    opts.Version,
		formFactor: opts.FormFactor,
		touchDelay: opts.TouchDelay,
		touchWait:  opts.Touch,
		onSave:     opts.Saved,
		ca:         opts.Attestation,
	}
	if c.serial == 0 {
		n, err := rand.Int(rand.Reader, big.NewInt(90_000_000))
		if err != nil {
			return nil, err
		}
		c.serial = uint32(n.Int64()) + 10_000_000
	}
	if c.version == [3]byte{} {
		c.version = [3]byte{5, 7, 1}
	}
	if c.formFactor == 0 {
		c.formFactor = 0x01
	}
	pin, err := credential("PIN", opts.PIN, factoryPIN)
	if err != nil {
		return nil, err
	}
	puk, err := credential("PUK", opts.PUK, factoryPUK)
	if err != nil {
		return nil, err
	}
	pinRetries, err := retries("PINRetries", opts.PINRetries)
	if err != nil {
		return nil, err
	}
	pukRetries, err := retries("PUKRetries", opts.PUKRetries)
	if err != nil {
		return nil, err
	}
	mgmKey := opts.ManagementKey
	if mgmKey == nil {
		mgmKey = factoryManagementKey
	}
	mgmAlg, err := c.managementAlgorithm(mgmKey)
	if err != nil {
		return nil, err
	}
	if c.ca == nil {
		if c.ca, err = NewCA(); err != nil {
			return nil, err
		}
	}
	if c.attKey, c.attCert, err = c.ca.issueDevice(c.serial, c.version); err != nil {
		return nil, err
	}
	c.st = state{
		pin: pin, puk: puk,
		pinMax: pinRetries, pinLeft: pinRetries,
		pukMax: pukRetries, pukLeft: pukRetries,
		mgmAlg: mgmAlg, mgmKey: bytes.Clone(mgmKey),
		keys:    map[byte]*slotKey{},
		objects: map[uint32][]byte{},
	}
	c.st.keys[slotAttestation] = &slotKey{alg: algP256, pinPolicy: pinNever, touchPolicy: touchNever, origin: originImported, priv: c.attKey}
	c.st.objects[objAttestation] = certObject(c.attCert.Raw)
	return c, nil
}

func credential(name, v, factory string) ([]byte, error) {
	if v == "" {
		v = factory
	}
	if len(v) < 6 || len(v) > 8 {
		return nil, fmt.Errorf("%s must be 6 to 8 bytes, not %d", name, len(v))
	}
	return padPIN(v), nil
}

func retries(name string, n int) (int, error) {
	if n == 0 {
		return 3, nil
	}
	if n < 1 || n > 255 {
		return 0, fmt.Errorf("%s must be 1 to 255, not %d", name, n)
	}
	return n, nil
}

// managementAlgorithm is the algorithm a management key of this length
// has on this firmware.
func (c *Card) managementAlgorithm(key []byte) (byte, error) {
	aes := c.atLeast(5, 4, 0)
	switch {
	case len(key) == 24 && c.atLeast(5, 7, 0):
		return algAES192, nil
	case len(key) == 24:
		return alg3DES, nil
	case len(key) == 16 && aes:
		return algAES128, nil
	case len(key) == 32 && aes:
		return algAES256, nil
	}
	return 0, fmt.Errorf("a management key of %d bytes is not supported by firmware %d.%d.%d", len(key), c.version[0], c.version[1], c.version[2])
}

// Serial is the card's serial number.
func (c *Card) Serial() uint32 { return c.serial }

// Touches counts the touches the card has asked for so far (a touch wait
// counts when it begins).
func (c *Card) Touches() int { return int(c.touches.Load()) }

// Connect inserts the card into a vpcd reader: it dials vpcd at addr (such
// as 127.0.0.1:35963) and answers it until Disconnect or Close. pcscd
// notices the card on its next poll, within about half a second.
func (c *Card) Connect(addr string) error {
	c.connMu.Lock()
	defer c.connMu.Unlock()
	if c.closed {
		return errors.New("card is closed")
	}
	if c.conn != nil {
		return fmt.Errorf("card is already connected to %s", c.conn.RemoteAddr())
	}
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return fmt.Errorf("failed to connect to vpcd: %w", err)
	}
	c.mu.Lock()
	c.resetSession()
	c.mu.Unlock()
	c.conn = conn
	c.stop = make(chan struct{})
	c.done = make(chan struct{})
	go c.serve(conn, c.stop, c.done)
	return nil
}

// Disconnect pulls the card out of its reader: the connection to vpcd
// closes, and a touch the card waits for is abandoned. The card keeps its
// keys and credentials and can be connected again.
func (c *Card) Disconnect() {
	c.connMu.Lock()
	conn, stop, done := c.conn, c.stop, c.done
	c.conn = nil
	c.connMu.Unlock()
	if conn == nil {
		return
	}
	close(stop)
	conn.Close()
	<-done
	c.mu.Lock()
	c.resetSession()
	c.mu.Unlock()
}

// Close disconnects the card for good.
func (c *Card) Close() error {
	c.connMu.Lock()
	c.closed = true
	c.connMu.Unlock()
	c.Disconnect()
	return nil
}

// serve answers vpcd until the connection ends. Every message either way
// is a 2-byte big-endian length and a payload. A 1-byte payload from vpcd is
// a control byte: 0 power off, 1 power on, 2 reset (none of them answered),
// 4 asks for the ATR. Longer payloads are command APDUs, answered with the
// response APDU.
func (c *Card) serve(conn net.Conn, stop, done chan struct{}) {
	defer close(done)
	defer conn.Close()
	defer func() {
		// vpcd (or pcscd) went away by itself: forget the connection so
		// the card can be connected again.
		c.connMu.Lock()
		if c.conn == conn {
			c.conn = nil
			close(c.stop)
			c.mu.Lock()
			c.resetSession()
			c.mu.Unlock()
		}
		c.connMu.Unlock()
	}()
	var hdr [2]byte
	for {
		quickAck(conn)
		if _, err := io.ReadFull(conn, hdr[:]); err != nil {
			return
		}
		msg := make([]byte, binary.BigEndian.Uint16(hdr[:]))
		quickAck(conn)
		if _, err := io.ReadFull(conn, msg); err != nil {
			return
		}
		var reply []byte
		switch {
		case len(msg) == 1 && msg[0] == 4:
			reply = atr
		case len(msg) == 1:
			// Power off, power on and reset all end the session.
			c.mu.Lock()
			c.resetSession()
			c.mu.Unlock()
			continue
		case len(msg) == 0:
			continue
		default:
			reply = c.transmit(msg, stop)
		}
		out := make([]byte, 2+len(reply))
		binary.BigEndian.PutUint16(out, uint16(len(reply)))
		copy(out[2:], reply)
		if _, err := conn.Write(out); err != nil {
			return
		}
	}
}
