package payload_test

import (
	"testing"
	"time"

	payloadfile "github.com/tuf-ceremony/ceremony/payload"
)

// FuzzReaders: no signing payload, signature file or RSTUF pending answer
// makes its reader panic; a pending answer read is anchored or refused,
// never half-read.
func FuzzReaders(f *testing.F) {
	for _, seed := range []string{
		`{}`, `[]`, `null`, `{"data": {}, "data": {}}`, `{"data": null, "message": "nothing"}`,
		`{"data":{"metadata":{"root":{"signed":{"_type":"root"},"signatures":[]}}},"message":"m"}`,
		`{"type":"ceremony-signing-payload","version":1}`, `{"type":"ceremony-signature","version":1,"keyid":"00"}`,
		"\xff\xfe", `{"a":` + string(make([]byte, 64)) + `}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if p, err := payloadfile.Read(data); err == nil {
			if _, err := p.Anchor(nil); err == nil && p.Role == "" {
				t.Fatalf("a payload with no role anchored: %q", data)
			}
		}
		payloadfile.ReadSignatureFile(data)
		if p, err := payloadfile.ReadPending(data, time.Time{}); err == nil {
			if a, err := payloadfile.AnchorPending(p, nil); (a == nil) == (err == nil) {
				t.Fatalf("AnchorPending: anchored %v, error %v", a != nil, err)
			}
		}
	})
}
