package vyubikey

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"
)

// Instruction bytes (NIST SP 800-73-4 and Yubico's PIV extensions).
const (
	insVerify         = 0x20
	insChangeRef      = 0x24
	insResetRetry     = 0x2c
	insGenerate       = 0x47
	insAuthenticate   = 0x87
	insSelect         = 0xa4
	insGetResponse    = 0xc0
	insGetData        = 0xcb
	insPutData        = 0xdb
	insGetMetadata    = 0xf7
	insGetSerial      = 0xf8
	insAttest         = 0xf9
	insSetPINRetries  = 0xfa
	insReset          = 0xfb
	insGetVersion     = 0xfd
	insImportKey      = 0xfe
	insSetManagement  = 0xff
	insReadConfig     = 0x1d // management applet
	insOTPSerial      = 0x01 // OTP applet, with P1 0x10
	otpSerialP1       = 0x10
	selectByName      = 0x04
	getDataP1P2       = 0x3fff
	setManagementP1   = 0xff
	setManagementP2   = 0xff
	setManagementP2T  = 0xfe // the new key needs a touch
	commandBufferSize = 3072 // a YubiKey's APDU buffer (ykpiv's CB_BUF_MAX)
	touchCacheTime    = 15 * time.Second
)

// Status words.
const (
	swOK                   = 0x9000
	swMoreData             = 0x6100 // | bytes left (0 for 256 or more)
	swRetries              = 0x63c0 // | tries left
	swWrongLength          = 0x6700
	swMemoryFailure        = 0x6581
	swLastChainExpected    = 0x6883
	swSecurityNotSatisfied = 0x6982
	swBlocked              = 0x6983
	swConditions           = 0x6985
	swWrongData            = 0x6a80
	swNotFound             = 0x6a82
	swNoMemory             = 0x6a84
	swWrongP1P2            = 0x6a86
	swINSNotSupported      = 0x6d00
	swCLANotSupported      = 0x6e00
)

// Algorithms, policies and key references.
const (
	alg3DES    = 0x03
	algAES128  = 0x08
	algAES192  = 0x0a
	algAES256  = 0x0c
	algP256    = 0x11
	algP384    = 0x14
	algEd25519 = 0xe0
	algPIN     = 0xff // what GET METADATA says of the PIN and PUK

	pinDefault = 0x00
	pinNever   = 0x01
	pinOnce    = 0x02
	pinAlways  = 0x03

	touchDefault = 0x00
	touchNever   = 0x01
	touchAlways  = 0x02
	touchCached  = 0x03

	originGenerated = 0x01
	originImported  = 0x02

	refPIN            = 0x80
	refPUK            = 0x81
	slotManagement    = 0x9b
	slotAuthenticate  = 0x9a
	slotSignature     = 0x9c
	slotKeyManagement = 0x9d
	slotCardAuth      = 0x9e
	slotAttestation   = 0xf9

	objDiscovery   = 0x7e
	objPrintedInfo = 0x5fc109 // Yubico's PIN-protected metadata
	objAttestation = 0x5fff01 // the F9 certificate
)

// Applet identifiers; a SELECT may name a prefix of one (piv-go selects PIV
// by its 5-byte RID and PIX prefix).
var (
	aidPIV        = []byte{0xa0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00}
	aidManagement = []byte{0xa0, 0x00, 0x00, 0x05, 0x27, 0x47, 0x11, 0x17}
	aidOTP        = []byte{0xa0, 0x00, 0x00, 0x05, 0x27, 0x20, 0x01, 0x01}
)

type applet int

const (
	appletNone applet = iota
	appletPIV
	appletManagement
	appletOTP
)

// state is what the card keeps across power cycles.
type state struct {
	pin, puk        []byte // padded to 8 bytes with 0xff
	pinMax, pinLeft int
	pukMax, pukLeft int
	mgmAlg          byte
	mgmKey          []byte
	mgmTouch        bool
	keys            map[byte]*slotKey
	objects         map[uint32][]byte
}

// session is what a power cycle, a reset or a SELECT forgets.
type session struct {
	applet      applet
	pinVerified bool
	pinFresh    bool // the command just before was a successful VERIFY
	mgmAuthed   bool
	witness     []byte // management key challenge in progress
	chain       *chain
	pending     []byte // response bytes left for GET RESPONSE
	lastTouch   time.Time
}

// chain collects the data of a command sent in several APDUs (CLA 0x10).
type chain struct {
	ins, p1, p2 byte
	data        []byte
}

func (c *Card) resetSession() { c.sess = session{} }

func (c *Card) atLeast(major, minor, patch byte) bool {
	v := c.version
	if v[0] != major {
		return v[0] > major
	}
	if v[1] != minor {
		return v[1] > minor
	}
	return v[2] >= patch
}

// transmit answers one command APDU with a response APDU.
func (c *Card) transmit(raw []byte, stop <-chan struct{}) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	data, sw := c.process(raw, stop)
	if len(raw) > 1 && changesMemory(raw[1]) && c.onSave != nil {
		if err := c.persist(); err != nil {
			data, sw = nil, swMemoryFailure
		}
	}
	out := make([]byte, len(data)+2)
	copy(out, data)
	out[len(data)], out[len(data)+1] = byte(sw>>8), byte(sw)
	return out
}

// changesMemory says whether a command with this instruction byte may
// change what the card keeps when pulled out.
func changesMemory(ins byte) bool {
	switch ins {
	case insVerify, insChangeRef, insResetRetry, insGenerate, insPutData,
		insSetManagement, insSetPINRetries, insReset, insImportKey:
		return true
	}
	return false
}

// persist hands the card's memory to Options.Saved.
func (c *Card) persist() error {
	b, err := c.saveLocked()
	if err != nil {
		return err
	}
	return c.onSave(b)
}

func (c *Card) process(raw []byte, stop <-chan struct{}) ([]byte, uint16) {
	cmd, err := parseAPDU(raw)
	if err != nil {
		c.sess.chain = nil
		return nil, swWrongLength
	}
	if cmd.cla&^0x10 != 0 {
		return nil, swCLANotSupported
	}
	if cmd.ins == insGetResponse && cmd.cla == 0 {
		if c.sess.pending == nil {
			return nil, swConditions
		}
		return c.nextChunk(c.sess.pending)
	}
	c.sess.pending = nil

	// Command chaining: collect, answer 9000, act on the last part.
	if cmd.cla&0x10 != 0 {
		ch := c.sess.chain
		if ch == nil || ch.ins != cmd.ins || ch.p1 != cmd.p1 || ch.p2 != cmd.p2 {
			ch = &chain{ins: cmd.ins, p1: cmd.p1, p2: cmd.p2}
			c.sess.chain = ch
		}
		if len(ch.data)+len(cmd.data) > commandBufferSize {
			c.sess.chain = nil
			return nil, swWrongLength
		}
		ch.data = append(ch.data, cmd.data...)
		return nil, swOK
	}
	if ch := c.sess.chain; ch != nil {
		c.sess.chain = nil
		if ch.ins != cmd.ins || ch.p1 != cmd.p1 || ch.p2 != cmd.p2 {
			return nil, swLastChainExpected
		}
		cmd.data = append(ch.data, cmd.data...)
		if len(cmd.data) > commandBufferSize {
			return nil, swWrongLength
		}
	}

	// PIN policy "always" asks that the VERIFY come right before the use
	// of the key: any other command in between spends it.
	fresh := c.sess.pinFresh
	c.sess.pinFresh = false

	data, sw := c.dispatch(cmd, fresh, stop)
	if sw != swOK {
		return nil, sw
	}
	return c.nextChunk(data)
}

// nextChunk answers with up to 256 bytes of data and keeps the rest for GET
// RESPONSE, as a YubiKey does with short APDUs.
func (c *Card) nextChunk(data []byte) ([]byte, uint16) {
	const max = 256
	if len(data) <= max {
		c.sess.pending = nil
		return data, swOK
	}
	c.sess.pending = data[max:]
	left := len(c.sess.pending)
	if left > 0xff {
		left = 0
	}
	return data[:max], swMoreData | uint16(left)
}

func (c *Card) dispatch(cmd command, fresh bool, stop <-chan struct{}) ([]byte, uint16) {
	if cmd.ins == insSelect {
		return c.selectApplet(cmd)
	}
	switch c.sess.applet {
	case appletPIV:
		return c.piv(cmd, fresh, stop)
	case appletManagement:
		if cmd.ins == insReadConfig {
			return c.readConfig(), swOK
		}
	case appletOTP:
		if cmd.ins == insOTPSerial && cmd.p1 == otpSerialP1 {
			return binary.BigEndian.AppendUint32(nil, c.serial), swOK
		}
	}
	return nil, swINSNotSupported
}

func (c *Card) piv(cmd command, fresh bool, stop <-chan struct{}) ([]byte, uint16) {
	switch cmd.ins {
	case insVerify:
		return c.verify(cmd)
	case insChangeRef:
		return c.changeReference(cmd)
	case insResetRetry:
		return c.resetRetry(cmd)
	case insGenerate:
		return c.generate(cmd)
	case insAuthenticate:
		return c.authenticate(cmd, fresh, stop)
	case insGetData:
		return c.getData(cmd)
	case insPutData:
		return c.putData(cmd)
	case insGetVersion:
		return c.version[:], swOK
	case insGetSerial:
		if !c.atLeast(5, 0, 0) {
			return nil, swINSNotSupported
		}
		return binary.BigEndian.AppendUint32(nil, c.serial), swOK
	case insGetMetadata:
		if !c.atLeast(5, 3, 0) {
			return nil, swINSNotSupported
		}
		return c.metadata(cmd)
	case insAttest:
		if !c.atLeast(4, 3, 0) {
			return nil, swINSNotSupported
		}
		return c.attest(cmd)
	case insSetManagement:
		return c.setManagementKey(cmd)
	case insSetPINRetries:
		return c.setPINRetries(cmd)
	case insReset:
		return c.reset()
	case insImportKey:
		return c.importKey(cmd)
	}
	return nil, swINSNotSupported
}

func (c *Card) selectApplet(cmd command) ([]byte, uint16) {
	// Selecting an applet, even the one already selected, ends what the
	// session held: PIN verified, management key authenticated.
	c.resetSession()
	if cmd.p1 != selectByName {
		return nil, swWrongP1P2
	}
	aid := cmd.data
	switch {
	case len(aid) >= 5 && bytes.HasPrefix(aidPIV, aid):
		c.sess.applet = appletPIV
		// Application property template: the full AID and the RID.
		return tlv([]byte{0x61},
			tlv([]byte{0x4f}, aidPIV[5:]),
			tlv([]byte{0x79}, tlv([]byte{0x4f}, aidPIV[:5]))), swOK
	case len(aid) >= 5 && bytes.HasPrefix(aidManagement, aid):
		c.sess.applet = appletManagement
		v := c.version
		return []byte(fmt.Sprintf("Virtual mgr - FW version %d.%d.%d", v[0], v[1], v[2])), swOK
	case len(aid) >= 5 && bytes.HasPrefix(aidOTP, aid):
		c.sess.applet = appletOTP
		// OTP status: firmware version, program sequence, touch level.
		return []byte{c.version[0], c.version[1], c.version[2], 0, 0, 0}, swOK
	}
	return nil, swNotFound
}

// readConfig is the management applet's device information: a length
// byte, then TLVs (serial, form factor, firmware version).
func (c *Card) readConfig() []byte {
	info := append(tlv([]byte{0x02}, binary.BigEndian.AppendUint32(nil, c.serial)),
		tlv([]byte{0x04}, []byte{c.formFactor})...)
	info = append(info, tlv([]byte{0x05}, c.version[:])...)
	return append([]byte{byte(len(info))}, info...)
}
