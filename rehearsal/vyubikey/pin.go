package vyubikey

import (
	"bytes"
	"crypto/subtle"
)

// padPIN pads a PIN or PUK to 8 bytes with 0xff, as it travels in VERIFY.
func padPIN(s string) []byte {
	b := []byte(s)
	for len(b) < 8 {
		b = append(b, 0xff)
	}
	return b
}

// validNewPIN says whether an 8-byte padded value is a PIN or PUK a YubiKey
// accepts: 6 to 8 bytes, padding only at the end.
func validNewPIN(b []byte) bool {
	if len(b) != 8 {
		return false
	}
	n := bytes.IndexByte(b, 0xff)
	if n == -1 {
		return true
	}
	if n < 6 {
		return false
	}
	for _, x := range b[n:] {
		if x != 0xff {
			return false
		}
	}
	return true
}

// triesLeft is the status word of a failed check: 63Cx, x capped at 15.
func triesLeft(n int) uint16 {
	if n > 15 {
		n = 15
	}
	return swRetries | uint16(n)
}

// check compares a presented PIN or PUK with the stored one and keeps the
// counter: a wrong value spends a try, the right one restores them all.
func check(stored, presented []byte, left *int, max int) uint16 {
	if *left == 0 {
		return swBlocked
	}
	if subtle.ConstantTimeCompare(stored, presented) != 1 {
		*left--
		return triesLeft(*left)
	}
	*left = max
	return swOK
}

// verify is VERIFY (0x20) of the PIN (P2 0x80). Without data it reports:
// 9000 when the PIN is verified in this session, 63Cx with the tries left
// when not, 6983 when blocked. P1 0xFF forgets the verification.
func (c *Card) verify(cmd command) ([]byte, uint16) {
	if cmd.p2 != refPIN || (cmd.p1 != 0 && cmd.p1 != 0xff) {
		return nil, swWrongP1P2
	}
	if cmd.p1 == 0xff {
		if len(cmd.data) != 0 {
			return nil, swWrongData
		}
		c.sess.pinVerified = false
		return nil, swOK
	}
	if len(cmd.data) == 0 {
		switch {
		case c.st.pinLeft == 0:
			return nil, swBlocked
		case c.sess.pinVerified:
			return nil, swOK
		}
		return nil, triesLeft(c.st.pinLeft)
	}
	if len(cmd.data) != 8 {
		return nil, swWrongData
	}
	sw := check(c.st.pin, cmd.data, &c.st.pinLeft, c.st.pinMax)
	c.sess.pinVerified = sw == swOK
	c.sess.pinFresh = sw == swOK
	return nil, sw
}

// changeReference is CHANGE REFERENCE DATA (0x24) of the PIN (P2 0x80) or
// PUK (0x81): the old value then the new, 8 bytes each.
func (c *Card) changeReference(cmd command) ([]byte, uint16) {
	if cmd.p1 != 0 {
		return nil, swWrongP1P2
	}
	var stored *[]byte
	var left *int
	var max int
	switch cmd.p2 {
	case refPIN:
		stored, left, max = &c.st.pin, &c.st.pinLeft, c.st.pinMax
	case refPUK:
		stored, left, max = &c.st.puk, &c.st.pukLeft, c.st.pukMax
	default:
		return nil, swWrongP1P2
	}
	if len(cmd.data) != 16 {
		return nil, swWrongData
	}
	// The old value is checked before the new one's form, so a blocked or
	// wrong reference answers 6983 or 63Cx whatever the new value is:
	// piv-go's Reset blocks the PUK with random values of any length.
	if sw := check(*stored, cmd.data[:8], left, max); sw != swOK {
		if cmd.p2 == refPIN {
			c.sess.pinVerified = false
		}
		return nil, sw
	}
	if !validNewPIN(cmd.data[8:]) {
		return nil, swWrongData
	}
	*stored = bytes.Clone(cmd.data[8:])
	return nil, swOK
}

// resetRetry is RESET RETRY COUNTER (0x2C): the PUK then a new PIN, which
// unblocks the PIN.
func (c *Card) resetRetry(cmd command) ([]byte, uint16) {
	if cmd.p1 != 0 || cmd.p2 != refPIN {
		return nil, swWrongP1P2
	}
	if len(cmd.data) != 16 {
		return nil, swWrongData
	}
	if sw := check(c.st.puk, cmd.data[:8], &c.st.pukLeft, c.st.pukMax); sw != swOK {
		return nil, sw
	}
	if !validNewPIN(cmd.data[8:]) {
		return nil, swWrongData
	}
	c.st.pin = bytes.Clone(cmd.data[8:])
	c.st.pinLeft = c.st.pinMax
	return nil, swOK
}

// setPINRetries is Yubico's SET PIN RETRIES (0xFA): P1 PIN tries, P2 PUK
// tries. It needs the management key and the PIN, and sets PIN and PUK back
// to their factory values.
func (c *Card) setPINRetries(cmd command) ([]byte, uint16) {
	if !c.sess.mgmAuthed || !c.sess.pinVerified {
		return nil, swSecurityNotSatisfied
	}
	if cmd.p1 == 0 || cmd.p2 == 0 {
		return nil, swWrongP1P2
	}
	c.st.pinMax, c.st.pinLeft = int(cmd.p1), int(cmd.p1)
	c.st.pukMax, c.st.pukLeft = int(cmd.p2), int(cmd.p2)
	c.st.pin, c.st.puk = padPIN(factoryPIN), padPIN(factoryPUK)
	return nil, swOK
}

// reset is Yubico's RESET (0xFB), refused unless both PIN and PUK are
// blocked. It wipes keys and data objects and restores the factory PIN,
// PUK, management key and tries. The F9 attestation key and certificate
// survive, as on a YubiKey.
func (c *Card) reset() ([]byte, uint16) {
	if c.st.pinLeft != 0 || c.st.pukLeft != 0 {
		return nil, swConditions
	}
	alg, err := c.managementAlgorithm(factoryManagementKey)
	if err != nil {
		return nil, swConditions
	}
	c.st = state{
		pin: padPIN(factoryPIN), puk: padPIN(factoryPUK),
		pinMax: 3, pinLeft: 3, pukMax: 3, pukLeft: 3,
		mgmAlg: alg, mgmKey: bytes.Clone(factoryManagementKey),
		keys:    map[byte]*slotKey{slotAttestation: c.st.keys[slotAttestation]},
		objects: map[uint32][]byte{objAttestation: c.st.objects[objAttestation]},
	}
	applet := c.sess.applet
	c.resetSession()
	c.sess.applet = applet
	return nil, swOK
}
