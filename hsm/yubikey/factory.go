package yubikey

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tuf-ceremony/ceremony/hsm/pcsc"
)

// ErrFactoryCredentials means a YubiKey still has a factory PIN, PUK or
// management key: a real ceremony refuses it.
var ErrFactoryCredentials = errors.New("YubiKey still has factory credentials")

// Factory says which credentials a YubiKey still has from the factory, as
// its GET METADATA answers (firmware 5.3 and later). piv-go does not read
// the "default value" flag, so this is asked with raw APDUs, before piv-go
// opens the card.
type Factory struct {
	// Known is false when the device could not say (older firmware).
	Known                   bool
	PIN, PUK, ManagementKey bool
}

// Names lists the factory credentials, for messages.
func (f Factory) Names() []string {
	var out []string
	if f.PIN {
		out = append(out, "PIN")
	}
	if f.PUK {
		out = append(out, "PUK")
	}
	if f.ManagementKey {
		out = append(out, "management key")
	}
	return out
}

var (
	selectPIV   = []byte{0x00, 0xa4, 0x04, 0x00, 0x05, 0xa0, 0x00, 0x00, 0x03, 0x08}
	metadataPIN = []byte{0x00, 0xf7, 0x00, 0x80}
	metadataPUK = []byte{0x00, 0xf7, 0x00, 0x81}
	metadataMgm = []byte{0x00, 0xf7, 0x00, 0x9b}
)

// tagDefault is GET METADATA's "default value" tag (Yubico's PIV
// extensions): 01 when the credential is the factory one.
const tagDefault = 0x05

func readFactory(reader string) (Factory, error) {
	resps, err := pcsc.Transmit(reader, [][]byte{selectPIV, metadataPIN, metadataPUK, metadataMgm})
	if err != nil {
		return Factory{}, err
	}
	if len(resps) != 4 || !ok(resps[0]) {
		return Factory{}, fmt.Errorf("the card in %q has no PIV application", reader)
	}
	var f Factory
	for i, dst := range []*bool{&f.PIN, &f.PUK, &f.ManagementKey} {
		r := resps[i+1]
		if !ok(r) {
			return Factory{}, nil // older firmware: unknown
		}
		v, found := findTag(r[:len(r)-2], tagDefault)
		if !found || len(v) != 1 {
			return Factory{}, nil
		}
		*dst = v[0] == 0x01
	}
	f.Known = true
	return f, nil
}

func ok(resp []byte) bool {
	return len(resp) >= 2 && resp[len(resp)-2] == 0x90 && resp[len(resp)-1] == 0x00
}

// findTag walks simple TLVs (one-byte tags, BER lengths up to 0x82).
func findTag(b []byte, tag byte) ([]byte, bool) {
	for len(b) >= 2 {
		t, n, rest := b[0], int(b[1]), b[2:]
		switch {
		case n == 0x81 && len(rest) >= 1:
			n, rest = int(rest[0]), rest[1:]
		case n == 0x82 && len(rest) >= 2:
			n, rest = int(rest[0])<<8|int(rest[1]), rest[2:]
		case n > 0x80:
			return nil, false
		}
		if n > len(rest) {
			return nil, false
		}
		if t == tag {
			return rest[:n], true
		}
		b = rest[n:]
	}
	return nil, false
}

// refuseFactory is the signing-time check: a real ceremony does not use a
// device whose PIN, PUK or management key anyone could know.
func refuseFactory(d *Device) error {
	if names := d.Factory.Names(); len(names) > 0 {
		return fmt.Errorf("%w: YubiKey %d still has its factory %s; set new ones before the ceremony (at keygen, with new-pin-source, new-puk-source and new-management-key-source in the key URI, or with ykman piv access)",
			ErrFactoryCredentials, d.Serial, strings.Join(names, ", "))
	}
	return nil
}
