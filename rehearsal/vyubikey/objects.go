package vyubikey

// certObject is a certificate as PIV stores it: 70 { DER } 71 { 00, not
// compressed } FE { } (no error detection code).
func certObject(der []byte) []byte {
	out := tlv([]byte{0x70}, der)
	out = append(out, tlv([]byte{0x71}, []byte{0x00})...)
	return append(out, tlv([]byte{0xfe})...)
}

// discovery is the PIV discovery object (7E): the PIV AID and the PIN usage
// policy (PIV PIN only).
var discovery = tlv([]byte{0x7e},
	tlv([]byte{0x4f}, aidPIV),
	tlv([]byte{0x5f, 0x2f}, []byte{0x40, 0x00}))

// objectID reads the tag list of GET DATA and PUT DATA: 5C { id }.
func objectID(f field) (uint32, bool) {
	if f.tag != 0x5c || len(f.value) == 0 || len(f.value) > 3 {
		return 0, false
	}
	var id uint32
	for _, b := range f.value {
		id = id<<8 | uint32(b)
	}
	return id, true
}

// getData is GET DATA (0xCB, P1 P2 3FFF), data 5C { object id }. It answers
// 53 { object }; the discovery object comes as its own 7E template. Yubico's
// PIN-protected metadata (5FC109) needs the PIN verified in the session.
func (c *Card) getData(cmd command) ([]byte, uint16) {
	if uint16(cmd.p1)<<8|uint16(cmd.p2) != getDataP1P2 {
		return nil, swWrongP1P2
	}
	f, rest, err := readTLV(cmd.data)
	if err != nil || len(rest) != 0 {
		return nil, swWrongData
	}
	id, ok := objectID(f)
	if !ok {
		return nil, swWrongData
	}
	if id == objDiscovery {
		return discovery, swOK
	}
	obj, ok := c.st.objects[id]
	if !ok {
		return nil, swNotFound
	}
	if id == objPrintedInfo && !c.sess.pinVerified {
		return nil, swSecurityNotSatisfied
	}
	return tlv([]byte{0x53}, obj), swOK
}

// putData is PUT DATA (0xDB, P1 P2 3FFF), data 5C { object id } 53 { object };
// it needs the management key. An empty object deletes it.
func (c *Card) putData(cmd command) ([]byte, uint16) {
	if uint16(cmd.p1)<<8|uint16(cmd.p2) != getDataP1P2 {
		return nil, swWrongP1P2
	}
	if !c.sess.mgmAuthed {
		return nil, swSecurityNotSatisfied
	}
	fs, err := readTLVs(cmd.data)
	if err != nil || len(fs) != 2 || fs[1].tag != 0x53 {
		return nil, swWrongData
	}
	id, ok := objectID(fs[0])
	if !ok || id>>16 != 0x5f {
		return nil, swWrongData
	}
	if len(fs[1].value) == 0 {
		delete(c.st.objects, id)
		return nil, swOK
	}
	c.st.objects[id] = append([]byte(nil), fs[1].value...)
	return nil, swOK
}
