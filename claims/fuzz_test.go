package claims

import (
	"testing"
	"time"
)

// FuzzVerify: no claim request makes Verify panic; one it accepts names a
// project CheckProject takes, keys, and a threshold they can meet.
func FuzzVerify(f *testing.F) {
	for _, seed := range []string{
		`{}`, `{"type":"ceremony-claim-request","version":1,"envelope":{}}`,
		`{"type":"ceremony-claim-request","version":1,"envelope":{"payloadType":"application/vnd.tuf-ceremony.claim+json","payload":"e30=","signatures":[]}}`,
		`{"type":"ceremony-claim-request","version":1,"type":"x"}`, "\x00", `{"envelope":{"payload":"!!"}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Verify(data, "fuzz.claim.json", Options{Now: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			return
		}
		if CheckProject(c.Project) != nil || len(c.Keys) == 0 || c.Threshold < 1 || c.Threshold > len(c.Keys) {
			t.Fatalf("accepted a request it should not: %+v", c)
		}
	})
}
