package attestation

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// ParseCertificatePEM reads one PEM certificate.
func ParseCertificatePEM(data []byte) (*x509.Certificate, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("not a PEM certificate")
	}
	return x509.ParseCertificate(block.Bytes)
}

// ParseCertificate reads one certificate, DER or PEM.
func ParseCertificate(data []byte) (*x509.Certificate, error) {
	if block, _ := pem.Decode(data); block != nil {
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("a PEM %q block, not a CERTIFICATE", block.Type)
		}
		data = block.Bytes
	}
	c, err := x509.ParseCertificate(data)
	if err != nil {
		return nil, fmt.Errorf("not a certificate (DER or PEM): %w", err)
	}
	return c, nil
}

// VerifyYubiKeyPEM verifies a YubiKey attestation kept as PEM: the slot's
// certificate, then the device's F9 certificate (other PEM blocks are
// skipped).
func VerifyYubiKeyPEM(data []byte, roots *x509.CertPool, want Expectation) (*YubiKey, error) {
	var certs []*x509.Certificate
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("failed to parse attestation certificate: %w", err)
		}
		certs = append(certs, c)
	}
	if len(certs) != 2 {
		return nil, fmt.Errorf("want 2 PEM certificates (the slot's, then the device's F9), found %d", len(certs))
	}
	return VerifyYubiKey(certs[0], certs[1], roots, want)
}
