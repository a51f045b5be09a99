package claims

import (
	"crypto/x509"
	"encoding/pem"
	"time"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// A claim request file (what 'ceremony claim' writes, what Review reads):
//
//	{"type": "ceremony-claim-request",
//	 "version": 1,
//	 "envelope": {"payloadType": "application/vnd.tuf-ceremony.claim+json",
//	              "payload": "<base64 of the Statement's JSON>",
//	              "signatures": [{"keyid": "<key ID>", "sig": "<base64>"}, ...]},
//	 "attestations": {"<key ID>": {"serial": 19088743,
//	                               "slot_certificate": "-----BEGIN CERTIFICATE-----...",
//	                               "device_certificate": "-----BEGIN CERTIFICATE-----..."}}}
//
// The envelope is DSSE; its payload a Statement:
//
//	{"_type": "https://tuf-ceremony.dev/claim/v1",
//	 "project": "foo-bar",
//	 "keys": {"<key ID>": {"keytype": ..., "scheme": ..., "keyval": {"public": ...}}, ...},
//	 "threshold": 1,
//	 "date": "2026-03-01T12:00:00Z"}
//
// Every key of the statement signs the DSSE pre-authentication encoding
// (PAE) of the payload as TUF signs a message (keys.SignMessage: Ed25519
// over the bytes, ECDSA P-256 over their SHA-256, P-384 over their
// SHA-384, DER signatures), under its key ID, the SHA-256 of its canonical
// key. Attestations (YubiKey keys only; optional) are outside the signed
// payload: each proves itself, chaining to Yubico's PIV root and naming
// the very key listed under its key ID; serial is the device the
// maintainer says the key is on, checked against the attestation.
//
// Reading is strict: at most MaxRequestSize bytes, no unknown fields, no
// key twice in one JSON object (parsers disagree on which one counts),
// nothing after the object, in the file and in the payload alike.
const (
	RequestType    = "ceremony-claim-request"
	RequestVersion = 1
	PayloadType    = "application/vnd.tuf-ceremony.claim+json"
	StatementType  = "https://tuf-ceremony.dev/claim/v1"
	// MaxRequestSize bounds a request file: 16 keys with their
	// attestations take about 40 KB.
	MaxRequestSize = 256 << 10
	// MaxKeys bounds the keys of one claim.
	MaxKeys = 16
)

// Request is a claim request file.
type Request struct {
	Type         string                 `json:"type"`
	Version      int                    `json:"version"`
	Envelope     *dsse.Envelope         `json:"envelope"`
	Attestations map[string]Attestation `json:"attestations,omitempty"`
}

// Statement is what the maintainers' keys sign.
type Statement struct {
	Type      string                   `json:"_type"`
	Project   string                   `json:"project"`
	Keys      map[string]*metadata.Key `json:"keys"`
	Threshold int                      `json:"threshold"`
	Date      time.Time                `json:"date"`
}

// Attestation is a YubiKey's attestation of the key in one of its PIV
// slots: the slot's certificate, made by the device, and the device's own
// (F9) certificate, made by Yubico; both PEM.
type Attestation struct {
	Serial            uint32 `json:"serial"`
	SlotCertificate   string `json:"slot_certificate"`
	DeviceCertificate string `json:"device_certificate"`
}

// NewAttestation is the attestation entry for a slot certificate and the
// device certificate read from YubiKey serial.
func NewAttestation(serial uint32, slot, device *x509.Certificate) Attestation {
	return Attestation{
		Serial:            serial,
		SlotCertificate:   string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: slot.Raw})),
		DeviceCertificate: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: device.Raw})),
	}
}
