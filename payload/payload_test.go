package payload_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/internal/testutil/ceremonytest"
	"github.com/tuf-ceremony/ceremony/keys"
	payloadfile "github.com/tuf-ceremony/ceremony/payload"
)

func TestSignPayloadRefusals(t *testing.T) {
	f, plan := ceremonytest.NewDistributedFixture(t)
	f.Init(plan, "ws", "")
	payload := ceremonytest.ExportPayload(t, f.WS("ws"), "targets")
	stranger := f.NewKey("mallory", keys.TypeEd25519)

	if _, err := ceremonytest.SignPayload(payload, f.Signers["frank"], ceremonytest.Now); !errors.Is(err, ceremony.ErrNotAuthorized) {
		t.Errorf("frank (root only) signs targets: %v, want ErrNotAuthorized", err)
	}
	if _, err := ceremonytest.SignPayload(payload, stranger, ceremonytest.Now); !errors.Is(err, ceremony.ErrNotAuthorized) {
		t.Errorf("a key of no keyholder signs: %v, want ErrNotAuthorized", err)
	}
	if _, err := ceremonytest.SignPayload(payload, f.Signers["alice"], ceremonytest.Now.AddDate(2, 0, 0)); !errors.Is(err, payloadfile.ErrExpired) {
		t.Errorf("signing after expiry: %v, want ErrExpired", err)
	}

	// The metadata changed under the hash: refused before signing.
	tampered := bytes.Replace(payload, []byte(`"spec_version": "`), []byte(`"spec_version": "9`), 1)
	if bytes.Equal(tampered, payload) {
		t.Fatal("test did not tamper the payload")
	}
	if _, err := ceremonytest.SignPayload(tampered, f.Signers["alice"], ceremonytest.Now); !errors.Is(err, payloadfile.ErrDifferentBytes) {
		t.Errorf("tampered metadata: %v, want ErrDifferentBytes", err)
	}

	// The list of authorized keys is checked against the metadata.
	var p map[string]json.RawMessage
	if err := json.Unmarshal(payload, &p); err != nil {
		t.Fatal(err)
	}
	p["authorized"] = json.RawMessage(`[{"keyid":"` + f.ID("frank") + `","rules":["root v1"]}]`)
	lying, _ := json.Marshal(p)
	if _, err := ceremonytest.SignPayload(lying, f.Signers["frank"], ceremonytest.Now); !errors.Is(err, payloadfile.ErrMalformed) {
		t.Errorf("payload listing a key its metadata does not: %v, want ErrMalformed", err)
	}

	for name, data := range map[string][]byte{
		"oversize":      bytes.Repeat([]byte(" "), payloadfile.MaxFileSize+1),
		"not JSON":      []byte(`{"type":`),
		"unknown field": bytes.Replace(payload, []byte(`"type"`), []byte(`"extra": 1, "type"`), 1),
		"duplicate key": bytes.Replace(payload, []byte(`"type"`), []byte(`"role": "root", "type"`), 1),
		"trailing data": append(append([]byte(nil), payload...), []byte(`{}`)...),
		"wrong type":    bytes.Replace(payload, []byte(PayloadTypeJSON), []byte(`"ceremony-signature"`), 1),
	} {
		_, err := ceremonytest.SignPayload(data, f.Signers["alice"], ceremonytest.Now)
		want := payloadfile.ErrMalformed
		if name == "oversize" {
			want = payloadfile.ErrTooLarge
		}
		if !errors.Is(err, want) {
			t.Errorf("%s payload: %v, want %v", name, err, want)
		}
	}
}

// PayloadTypeJSON is the payload's type as it is written.
var PayloadTypeJSON = `"` + payloadfile.FileType + `"`

func TestReadPendingRefusesHostileInput(t *testing.T) {
	if _, err := payloadfile.ReadPending(bytes.Repeat([]byte(" "), payloadfile.MaxPendingSize+1), time.Time{}); !errors.Is(err, payloadfile.ErrTooLarge) {
		t.Errorf("oversize pending answer: %v, want ErrTooLarge", err)
	}
	if _, err := payloadfile.ReadPending([]byte(`{"data": {}, "data": {}}`), time.Time{}); !errors.Is(err, payloadfile.ErrMalformed) {
		t.Errorf("duplicate key: %v, want ErrMalformed", err)
	}
	if _, err := payloadfile.ReadPending([]byte(`{"data": null, "message": "nothing"}`), time.Time{}); err == nil {
		t.Error("a pending answer with nothing pending was read")
	}
}
