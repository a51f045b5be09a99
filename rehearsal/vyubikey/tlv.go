package vyubikey

import (
	"errors"
	"fmt"
)

// BER-TLV as PIV uses it: tags of one or more bytes, definite lengths in
// short form or 0x81/0x82/0x83 long form. Replies are always encoded with
// minimal lengths, because piv-go parses them with encoding/asn1, which
// rejects anything but DER lengths.

var errMalformedTLV = errors.New("malformed TLV")

// tlv encodes one tag (given as its bytes, e.g. 0x7f49 as {0x7f, 0x49}),
// the length of value and value.
func tlv(tag []byte, value ...[]byte) []byte {
	n := 0
	for _, v := range value {
		n += len(v)
	}
	out := append([]byte{}, tag...)
	out = append(out, berLength(n)...)
	for _, v := range value {
		out = append(out, v...)
	}
	return out
}

func berLength(n int) []byte {
	switch {
	case n < 0x80:
		return []byte{byte(n)}
	case n < 0x100:
		return []byte{0x81, byte(n)}
	case n < 0x10000:
		return []byte{0x82, byte(n >> 8), byte(n)}
	default:
		return []byte{0x83, byte(n >> 16), byte(n >> 8), byte(n)}
	}
}

// field is one parsed TLV.
type field struct {
	tag   uint32
	value []byte
}

// readTLV reads one TLV from b and returns it and what follows.
func readTLV(b []byte) (field, []byte, error) {
	if len(b) < 2 {
		return field{}, nil, errMalformedTLV
	}
	tag := uint32(b[0])
	i := 1
	if b[0]&0x1f == 0x1f {
		for {
			if i >= len(b) || i > 3 {
				return field{}, nil, errMalformedTLV
			}
			tag = tag<<8 | uint32(b[i])
			i++
			if b[i-1]&0x80 == 0 {
				break
			}
		}
	}
	if i >= len(b) {
		return field{}, nil, errMalformedTLV
	}
	n := int(b[i])
	i++
	if n > 0x80 {
		k := n & 0x7f
		if k > 3 || i+k > len(b) {
			return field{}, nil, errMalformedTLV
		}
		n = 0
		for _, c := range b[i : i+k] {
			n = n<<8 | int(c)
		}
		i += k
	} else if n == 0x80 {
		return field{}, nil, errMalformedTLV // indefinite length
	}
	if i+n > len(b) {
		return field{}, nil, errMalformedTLV
	}
	return field{tag: tag, value: b[i : i+n]}, b[i+n:], nil
}

// readTLVs splits b into its TLVs.
func readTLVs(b []byte) ([]field, error) {
	var out []field
	for len(b) > 0 {
		f, rest, err := readTLV(b)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
		b = rest
	}
	return out, nil
}

// tlvMap indexes TLVs by tag; a tag given twice is malformed.
func tlvMap(b []byte) (map[uint32][]byte, error) {
	fs, err := readTLVs(b)
	if err != nil {
		return nil, err
	}
	m := make(map[uint32][]byte, len(fs))
	for _, f := range fs {
		if _, dup := m[f.tag]; dup {
			return nil, fmt.Errorf("tag %x given twice", f.tag)
		}
		m[f.tag] = f.value
	}
	return m, nil
}

// command is one command APDU (ISO 7816-4), chaining already undone.
type command struct {
	cla, ins, p1, p2 byte
	data             []byte
}

// parseAPDU reads a command APDU of any of the four cases, with short or
// extended lengths. Le is not needed: replies are as long as they are.
func parseAPDU(b []byte) (command, error) {
	if len(b) < 4 {
		return command{}, errors.New("apdu shorter than 4 bytes")
	}
	c := command{cla: b[0], ins: b[1], p1: b[2], p2: b[3]}
	body := b[4:]
	switch {
	case len(body) <= 1:
		// Case 1, or case 2 with a short Le.
		return c, nil
	case body[0] != 0:
		// Short Lc, then data, then maybe a short Le.
		n := int(body[0])
		if len(body) != 1+n && len(body) != 2+n {
			return command{}, fmt.Errorf("apdu length %d does not match Lc %d", len(b), n)
		}
		c.data = body[1 : 1+n]
		return c, nil
	case len(body) == 3:
		// Case 2 with an extended Le.
		return c, nil
	default:
		// Extended Lc (0x00 hi lo), then data, then maybe an extended Le.
		if len(body) < 3 {
			return command{}, errors.New("truncated extended length")
		}
		n := int(body[1])<<8 | int(body[2])
		if len(body) != 3+n && len(body) != 5+n {
			return command{}, fmt.Errorf("apdu length %d does not match extended Lc %d", len(b), n)
		}
		c.data = body[3 : 3+n]
		return c, nil
	}
}
