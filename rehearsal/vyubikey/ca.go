package vyubikey

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"
)

// Yubico's attestation extensions, as piv-go reads them from a slot's
// attestation certificate.
var (
	oidFirmware   = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 41482, 3, 3} // 3 raw bytes
	oidSerial     = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 41482, 3, 7} // DER INTEGER
	oidPolicy     = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 41482, 3, 8} // PIN, touch policy bytes
	oidFormFactor = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 41482, 3, 9} // 1 raw byte
)

// notAfter is when Yubico's PIV root expires; device and slot certificates
// carry the same date.
var notAfter = time.Date(2052, time.April, 17, 0, 0, 0, 0, time.UTC)

// rootName is the common name of every virtual root.
const rootName = "Virtual Yubico PIV Root CA"

// deviceName is the common name of a card's F9 certificate, as Yubico
// names it; every card shares it, only the key and serial differ.
const deviceName = "Yubico PIV Attestation"

// A CA is a test attestation root in the place of Yubico's PIV root. The
// chain has Yubico's shape: the root signs each card's F9 (device)
// certificate when the card is made, and the card's F9 key signs the
// attestation certificate of each slot key it generates. Verify a virtual
// card's attestation with piv.Verifier{Roots: ca.Pool()}; Yubico's own roots
// reject it, as they should.
//
// A CA is safe for concurrent use by several cards.
type CA struct {
	key  *ecdsa.PrivateKey
	cert *x509.Certificate
}

// NewCA makes a root (ECDSA P-256) named "Virtual Yubico PIV Root CA".
func NewCA() (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("failed to generate root key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{CommonName: rootName},
		NotBefore:             time.Now().Add(-time.Hour).UTC().Truncate(time.Second),
		NotAfter:              notAfter,
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLen:            1,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("failed to make root certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("failed to parse root certificate: %w", err)
	}
	return &CA{key: key, cert: cert}, nil
}

// Cert is the root certificate.
func (ca *CA) Cert() *x509.Certificate { return ca.cert }

// Pool is a pool that holds only the root, for piv.Verifier.Roots.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.cert)
	return p
}

// issueDevice makes a card's F9 attestation key and certificate.
func (ca *CA) issueDevice(serial uint32, version [3]byte) (*ecdsa.PrivateKey, *x509.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("failed to generate attestation key: %w", err)
	}
	serialDER, err := asn1.Marshal(int64(serial))
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{CommonName: deviceName},
		NotBefore:             ca.cert.NotBefore,
		NotAfter:              notAfter,
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLen:            0,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign,
		ExtraExtensions: []pkix.Extension{
			{Id: oidFirmware, Value: version[:]},
			{Id: oidSerial, Value: serialDER},
		},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		return nil, nil, fmt.Errorf("failed to make attestation certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("failed to parse attestation certificate: %w", err)
	}
	return key, cert, nil
}

// attestSlot makes the attestation certificate of a slot's key, signed by
// the card's F9 key. It returns DER.
func attestSlot(signer crypto.Signer, device *x509.Certificate, slot byte, pub crypto.PublicKey, serial uint32, version [3]byte, pinPolicy, touchPolicy, formFactor byte) ([]byte, error) {
	serialDER, err := asn1.Marshal(int64(serial))
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      pkix.Name{CommonName: fmt.Sprintf("YubiKey PIV Attestation %02x", slot)},
		NotBefore:    device.NotBefore,
		NotAfter:     device.NotAfter,
		ExtraExtensions: []pkix.Extension{
			{Id: oidFirmware, Value: version[:]},
			{Id: oidSerial, Value: serialDER},
			{Id: oidPolicy, Value: []byte{pinPolicy, touchPolicy}},
			{Id: oidFormFactor, Value: []byte{formFactor}},
		},
	}
	return x509.CreateCertificate(rand.Reader, tmpl, device, pub, signer)
}

// randomSerial is a positive 127-bit certificate serial number.
func randomSerial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err) // crypto/rand does not fail
	}
	return n.Add(n, big.NewInt(1))
}
