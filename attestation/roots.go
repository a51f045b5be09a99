package attestation

import (
	"crypto/x509"
	_ "embed"
	"fmt"
	"sync"
)

var (
	//go:embed yubico/piv-attestation-ca.pem
	yubicoPIVRoot []byte
	//go:embed yubico/u2f-root-ca.pem
	yubicoU2FRoot []byte
	//go:embed yubico/yubico-ca-1.pem
	yubicoRoot2024 []byte
	//go:embed yubico/yubico-intermediate.pem
	yubicoIntermediates []byte
)

var (
	yubicoOnce                sync.Once
	yubicoRoots, yubicoInters *x509.CertPool
	yubicoErr                 error
)

// yubicoPools are Yubico's attestation roots and intermediates.
func yubicoPools() (roots, intermediates *x509.CertPool, err error) {
	yubicoOnce.Do(func() {
		yubicoRoots, yubicoInters = x509.NewCertPool(), x509.NewCertPool()
		for _, pem := range [][]byte{yubicoPIVRoot, yubicoRoot2024} {
			if !yubicoRoots.AppendCertsFromPEM(pem) {
				yubicoErr = fmt.Errorf("failed to read Yubico's attestation roots")
				return
			}
		}
		// The U2F root allows no intermediate (path length 0), yet the
		// devices it certified put their own attestation certificate
		// between it and the slot: one level is allowed here.
		u2f, err := ParseCertificatePEM(yubicoU2FRoot)
		if err != nil {
			yubicoErr = fmt.Errorf("failed to read Yubico's U2F root: %w", err)
			return
		}
		u2f.MaxPathLen = 1
		yubicoRoots.AddCert(u2f)
		if !yubicoInters.AppendCertsFromPEM(yubicoIntermediates) {
			yubicoErr = fmt.Errorf("failed to read Yubico's attestation intermediates")
		}
	})
	return yubicoRoots, yubicoInters, yubicoErr
}

var (
	//go:embed yubico/yubihsm-root-ca.pem
	yubiHSMRoot []byte
	//go:embed yubico/yubihsm-sub-ca-E45DA5F361B091B30D8F2C6FA040DB6FEF57918E.pem
	yubiHSMSubCA []byte
)

var (
	yubiHSMOnce                 sync.Once
	yubiHSMRoots, yubiHSMInters *x509.CertPool
	yubiHSMErr                  error
)

// yubiHSMPools are Yubico's YubiHSM 2 attestation root and the Sub-CA
// that issued the device certificates of the YubiHSM 2 devices we know
// of (PyPI's of 2020 among them). A device certificate issued by another
// Sub-CA needs that Sub-CA given beside its attestation: the chain still
// ends at this root.
func yubiHSMPools() (roots, intermediates *x509.CertPool, err error) {
	yubiHSMOnce.Do(func() {
		yubiHSMRoots, yubiHSMInters = x509.NewCertPool(), x509.NewCertPool()
		if !yubiHSMRoots.AppendCertsFromPEM(yubiHSMRoot) || !yubiHSMInters.AppendCertsFromPEM(yubiHSMSubCA) {
			yubiHSMErr = fmt.Errorf("failed to read Yubico's YubiHSM attestation root and Sub-CA")
		}
	})
	return yubiHSMRoots, yubiHSMInters, yubiHSMErr
}
