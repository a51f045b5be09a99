package vyubikey

import (
	"bytes"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/subtle"
	"time"
)

// slotKey is an asymmetric key in a slot.
type slotKey struct {
	alg         byte
	pinPolicy   byte // never pinDefault: resolved when the key is made
	touchPolicy byte // never touchDefault
	origin      byte
	priv        crypto.Signer // *ecdsa.PrivateKey or ed25519.PrivateKey
}

// pubTLVs is the public key as GENERATE and GET METADATA give it: tag 0x86
// holding the uncompressed EC point or the Ed25519 key.
func (k *slotKey) pubTLVs() []byte {
	switch p := k.priv.(type) {
	case *ecdsa.PrivateKey:
		pub, err := p.PublicKey.ECDH()
		if err != nil {
			return nil
		}
		return tlv([]byte{0x86}, pub.Bytes())
	case ed25519.PrivateKey:
		return tlv([]byte{0x86}, p.Public().(ed25519.PublicKey))
	}
	return nil
}

// keySlot says whether a key may be generated or imported into a slot:
// 9a, 9c, 9d, 9e and the retired slots 82-95.
func keySlot(s byte) bool {
	switch s {
	case slotAuthenticate, slotSignature, slotKeyManagement, slotCardAuth:
		return true
	}
	return s >= 0x82 && s <= 0x95
}

// policies resolves the PIN and touch policy bytes of GENERATE and IMPORT,
// where zero means the slot's default (PIN always in 9c, never in 9e, once
// elsewhere; touch never). The Bio policies 04 and 05 are refused: this is
// not a YubiKey Bio.
func (c *Card) policies(slot, pin, touch byte) (byte, byte, bool) {
	switch pin {
	case pinDefault:
		switch slot {
		case slotSignature:
			pin = pinAlways
		case slotCardAuth:
			pin = pinNever
		default:
			pin = pinOnce
		}
	case pinNever, pinOnce, pinAlways:
	default:
		return 0, 0, false
	}
	switch touch {
	case touchDefault:
		touch = touchNever
	case touchNever, touchAlways:
	case touchCached:
		if !c.atLeast(4, 3, 0) {
			return 0, 0, false
		}
	default:
		return 0, 0, false
	}
	return pin, touch, true
}

func (c *Card) algorithmSupported(alg byte) bool {
	switch alg {
	case algP256, algP384:
		return true
	case algEd25519:
		return c.atLeast(5, 7, 0)
	}
	return false // RSA and X25519 are not implemented
}

// generate is GENERATE ASYMMETRIC KEY PAIR (0x47): P2 the slot, data
// AC { 80 alg, AA pin policy, AB touch policy }. It answers 7F49 { 86 point }.
func (c *Card) generate(cmd command) ([]byte, uint16) {
	if !c.sess.mgmAuthed {
		return nil, swSecurityNotSatisfied
	}
	if cmd.p1 != 0 || !keySlot(cmd.p2) {
		return nil, swWrongP1P2
	}
	tmpl, rest, err := readTLV(cmd.data)
	if err != nil || tmpl.tag != 0xac || len(rest) != 0 {
		return nil, swWrongData
	}
	f, err := tlvMap(tmpl.value)
	if err != nil || len(f[0x80]) != 1 || len(f[0xaa]) > 1 || len(f[0xab]) > 1 {
		return nil, swWrongData
	}
	alg := f[0x80][0]
	if !c.algorithmSupported(alg) {
		return nil, swWrongData
	}
	pin, touch, ok := c.policies(cmd.p2, first(f[0xaa]), first(f[0xab]))
	if !ok {
		return nil, swWrongData
	}
	var priv crypto.Signer
	switch alg {
	case algP256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case algP384:
		priv, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case algEd25519:
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	}
	if err != nil {
		return nil, swConditions
	}
	k := &slotKey{alg: alg, pinPolicy: pin, touchPolicy: touch, origin: originGenerated, priv: priv}
	c.st.keys[cmd.p2] = k
	return tlv([]byte{0x7f, 0x49}, k.pubTLVs()), swOK
}

func first(b []byte) byte {
	if len(b) == 0 {
		return 0
	}
	return b[0]
}

// importKey is Yubico's IMPORT ASYMMETRIC KEY (0xFE): P1 the algorithm, P2
// the slot, data 06 { EC private scalar } or 07 { Ed25519 seed }, then the
// policies. Imported keys cannot be attested.
func (c *Card) importKey(cmd command) ([]byte, uint16) {
	if !c.sess.mgmAuthed {
		return nil, swSecurityNotSatisfied
	}
	if !keySlot(cmd.p2) {
		return nil, swWrongP1P2
	}
	if !c.algorithmSupported(cmd.p1) {
		return nil, swWrongData
	}
	f, err := tlvMap(cmd.data)
	if err != nil || len(f[0xaa]) > 1 || len(f[0xab]) > 1 {
		return nil, swWrongData
	}
	pin, touch, ok := c.policies(cmd.p2, first(f[0xaa]), first(f[0xab]))
	if !ok {
		return nil, swWrongData
	}
	var priv crypto.Signer
	switch cmd.p1 {
	case algP256:
		priv, err = ecdsa.ParseRawPrivateKey(elliptic.P256(), f[0x06])
	case algP384:
		priv, err = ecdsa.ParseRawPrivateKey(elliptic.P384(), f[0x06])
	case algEd25519:
		if len(f[0x07]) != ed25519.SeedSize {
			return nil, swWrongData
		}
		priv = ed25519.NewKeyFromSeed(f[0x07])
	}
	if err != nil {
		return nil, swWrongData
	}
	c.st.keys[cmd.p2] = &slotKey{alg: cmd.p1, pinPolicy: pin, touchPolicy: touch, origin: originImported, priv: priv}
	return nil, swOK
}

// authenticate is GENERAL AUTHENTICATE (0x87): P1 the algorithm, P2 the
// key reference, data 7C { ... }. For the management key (9B) it is the
// two-step mutual authentication piv-go does; for a slot key it signs
// (81 { digest or Ed25519 message }) or agrees a key (85 { peer point }).
func (c *Card) authenticate(cmd command, fresh bool, stop <-chan struct{}) ([]byte, uint16) {
	tmpl, rest, err := readTLV(cmd.data)
	if err != nil || tmpl.tag != 0x7c || len(rest) != 0 {
		return nil, swWrongData
	}
	f, err := tlvMap(tmpl.value)
	if err != nil {
		return nil, swWrongData
	}
	if cmd.p2 == slotManagement {
		return c.authenticateManagement(cmd.p1, f, stop)
	}
	k := c.st.keys[cmd.p2]
	if k == nil {
		return nil, swNotFound
	}
	if cmd.p1 != k.alg {
		return nil, swWrongData
	}
	resp, ok := f[0x82]
	if !ok || len(resp) != 0 {
		return nil, swWrongData
	}
	msg, sign := f[0x81]
	peer, agree := f[0x85]
	if sign == agree {
		return nil, swWrongData
	}
	switch k.pinPolicy {
	case pinOnce:
		if !c.sess.pinVerified {
			return nil, swSecurityNotSatisfied
		}
	case pinAlways:
		if !fresh {
			return nil, swSecurityNotSatisfied
		}
	}
	var out []byte
	switch p := k.priv.(type) {
	case *ecdsa.PrivateKey:
		size := (p.Curve.Params().BitSize + 7) / 8
		if sign && len(msg) > size || agree && len(peer) != 1+2*size {
			return nil, swWrongData
		}
		if !c.touch(k.touchPolicy, stop) {
			return nil, swConditions
		}
		if sign {
			out, err = ecdsa.SignASN1(rand.Reader, p, msg)
		} else {
			out, err = agreeECDH(p, peer)
		}
	case ed25519.PrivateKey:
		if agree {
			return nil, swWrongData
		}
		if !c.touch(k.touchPolicy, stop) {
			return nil, swConditions
		}
		out = ed25519.Sign(p, msg)
	}
	if err != nil {
		return nil, swWrongData
	}
	return tlv([]byte{0x7c}, tlv([]byte{0x82}, out)), swOK
}

func agreeECDH(p *ecdsa.PrivateKey, peer []byte) ([]byte, error) {
	priv, err := p.ECDH()
	if err != nil {
		return nil, err
	}
	pub, err := priv.Curve().NewPublicKey(peer)
	if err != nil {
		return nil, err
	}
	return priv.ECDH(pub)
}

// authenticateManagement runs the management key's challenge-response:
// 7C { 80 (empty) } asks for a witness, which the card answers encrypted;
// 7C { 80 witness, 81 challenge } proves the host decrypted it, and the card
// answers 7C { 82 encrypted challenge } to prove itself.
func (c *Card) authenticateManagement(alg byte, f map[uint32][]byte, stop <-chan struct{}) ([]byte, uint16) {
	if alg != c.st.mgmAlg {
		return nil, swWrongData
	}
	block, err := newBlock(alg, c.st.mgmKey)
	if err != nil {
		return nil, swConditions
	}
	n := block.BlockSize()
	witness, hasWitness := f[0x80]
	challenge, hasChallenge := f[0x81]
	switch {
	case hasWitness && len(witness) == 0 && !hasChallenge:
		w := make([]byte, n)
		rand.Read(w)
		c.sess.witness = w
		c.sess.mgmAuthed = false
		enc := make([]byte, n)
		block.Encrypt(enc, w)
		return tlv([]byte{0x7c}, tlv([]byte{0x80}, enc)), swOK
	case hasWitness && hasChallenge:
		expected := c.sess.witness
		c.sess.witness = nil
		if expected == nil || len(witness) != n || len(challenge) != n ||
			subtle.ConstantTimeCompare(expected, witness) != 1 {
			c.sess.mgmAuthed = false
			return nil, swSecurityNotSatisfied
		}
		if c.st.mgmTouch && !c.touch(touchAlways, stop) {
			return nil, swConditions
		}
		c.sess.mgmAuthed = true
		enc := make([]byte, n)
		block.Encrypt(enc, challenge)
		return tlv([]byte{0x7c}, tlv([]byte{0x82}, enc)), swOK
	}
	return nil, swWrongData
}

func newBlock(alg byte, key []byte) (cipher.Block, error) {
	if alg == alg3DES {
		return des.NewTripleDESCipher(key)
	}
	return aes.NewCipher(key)
}

// touch waits for the touch a policy asks for, counting it. A touch counts
// for 15 seconds under the cached policy. It gives up, false, when the card
// is pulled out while it waits.
func (c *Card) touch(policy byte, stop <-chan struct{}) bool {
	if policy == touchNever {
		return true
	}
	if policy == touchCached && !c.sess.lastTouch.IsZero() && time.Since(c.sess.lastTouch) < touchCacheTime {
		return true
	}
	c.touches.Add(1)
	if c.touchDelay > 0 {
		t := time.NewTimer(c.touchDelay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-stop:
			return false
		}
	}
	if c.touchWait != nil && !c.touchWait(stop) {
		return false
	}
	c.sess.lastTouch = time.Now()
	return true
}

// setManagementKey is Yubico's SET MANAGEMENT KEY (0xFF): P2 0xFF, or 0xFE
// for a key that needs a touch; data: algorithm, 9B, length, key.
func (c *Card) setManagementKey(cmd command) ([]byte, uint16) {
	if !c.sess.mgmAuthed {
		return nil, swSecurityNotSatisfied
	}
	if cmd.p1 != setManagementP1 || (cmd.p2 != setManagementP2 && cmd.p2 != setManagementP2T) {
		return nil, swWrongP1P2
	}
	d := cmd.data
	if len(d) < 3 || d[1] != slotManagement || int(d[2]) != len(d)-3 {
		return nil, swWrongData
	}
	alg, key := d[0], d[3:]
	if !c.managementKeyFits(alg, key) {
		return nil, swWrongData
	}
	c.st.mgmAlg, c.st.mgmKey, c.st.mgmTouch = alg, bytes.Clone(key), cmd.p2 == setManagementP2T
	return nil, swOK
}

// managementKeyFits says whether key is a management key of algorithm alg
// that this firmware takes (AES from 5.4).
func (c *Card) managementKeyFits(alg byte, key []byte) bool {
	want := map[byte]int{alg3DES: 24, algAES128: 16, algAES192: 24, algAES256: 32}
	n, ok := want[alg]
	return ok && n == len(key) && (alg == alg3DES || c.atLeast(5, 4, 0))
}

// metadata is Yubico's GET METADATA (0xF7) for P2: the PIN (80) and PUK
// (81) give algorithm FF, "default value" and tries (total, left); the
// management key (9B) its algorithm, policy and "default value"; a key slot
// its algorithm, policies, origin and public key. An empty slot is 6A82.
func (c *Card) metadata(cmd command) ([]byte, uint16) {
	if cmd.p1 != 0 {
		return nil, swWrongP1P2
	}
	b := func(v ...byte) []byte { return v }
	isDefault := func(d bool) byte {
		if d {
			return 1
		}
		return 0
	}
	switch cmd.p2 {
	case refPIN, refPUK:
		stored, factory, max, left := c.st.pin, factoryPIN, c.st.pinMax, c.st.pinLeft
		if cmd.p2 == refPUK {
			stored, factory, max, left = c.st.puk, factoryPUK, c.st.pukMax, c.st.pukLeft
		}
		out := tlv(b(0x01), b(algPIN))
		out = append(out, tlv(b(0x05), b(isDefault(bytes.Equal(stored, padPIN(factory)))))...)
		return append(out, tlv(b(0x06), b(byte(max), byte(left)))...), swOK
	case slotManagement:
		touch := byte(touchNever)
		if c.st.mgmTouch {
			touch = touchAlways
		}
		out := tlv(b(0x01), b(c.st.mgmAlg))
		out = append(out, tlv(b(0x02), b(0x00, touch))...)
		return append(out, tlv(b(0x05), b(isDefault(bytes.Equal(c.st.mgmKey, factoryManagementKey))))...), swOK
	}
	k := c.st.keys[cmd.p2]
	if k == nil {
		return nil, swNotFound
	}
	out := tlv(b(0x01), b(k.alg))
	out = append(out, tlv(b(0x02), b(k.pinPolicy, k.touchPolicy))...)
	out = append(out, tlv(b(0x03), b(k.origin))...)
	return append(out, tlv(b(0x04), k.pubTLVs())...), swOK
}

// attest is Yubico's ATTEST (0xF9): P1 the slot. It answers the DER of a
// certificate for the slot's key, signed by the F9 key. Empty slots and
// imported keys are 6A80, which piv-go reads as "not found".
func (c *Card) attest(cmd command) ([]byte, uint16) {
	if cmd.p2 != 0 {
		return nil, swWrongP1P2
	}
	k := c.st.keys[cmd.p1]
	if k == nil || cmd.p1 == slotAttestation || k.origin != originGenerated {
		return nil, swWrongData
	}
	der, err := attestSlot(c.attKey, c.attCert, cmd.p1, k.priv.Public(), c.serial, c.version, k.pinPolicy, k.touchPolicy, c.formFactor)
	if err != nil {
		return nil, swConditions
	}
	return der, swOK
}
