package claims

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
)

// testNow is the clock of the unit tests.
var testNow = time.Date(2026, time.March, 1, 12, 0, 0, 0, time.UTC)

func newSigner(t testing.TB, kt keys.KeyType) keys.Signer {
	t.Helper()
	s, err := keys.GenerateSoftware("memory:"+string(kt), kt)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func keyID(t testing.TB, s keys.Signer) string {
	t.Helper()
	id, err := keys.ID(s.TUFKey())
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func makeRequest(t testing.TB, project string, threshold int, signers ...keys.Signer) []byte {
	t.Helper()
	data, err := MakeRequest(project, signers, threshold, testNow, nil)
	if err != nil {
		t.Fatalf("MakeRequest(%q): %v", project, err)
	}
	return data
}

// statementOf is the statement MakeRequest would sign for the signers.
func statementOf(t testing.TB, project string, threshold int, signers ...keys.Signer) Statement {
	t.Helper()
	st := Statement{Type: StatementType, Project: project, Keys: map[string]*metadata.Key{}, Threshold: threshold, Date: testNow}
	for _, s := range signers {
		st.Keys[keyID(t, s)] = s.TUFKey()
	}
	return st
}

// signRaw signs body (any bytes, as the payload) with each signer under
// the key ID given, bypassing MakeRequest's checks, and returns the file.
func signRaw(t testing.TB, body []byte, atts map[string]Attestation, sigs map[string]keys.Signer) []byte {
	t.Helper()
	env := &dsse.Envelope{PayloadType: PayloadType, Payload: base64.StdEncoding.EncodeToString(body)}
	pae := dsse.PAE(PayloadType, body)
	for id, s := range sigs {
		sig, err := (dsseKey{id: id, signer: s}).Sign(context.Background(), pae)
		if err != nil {
			t.Fatal(err)
		}
		env.Signatures = append(env.Signatures, dsse.Signature{KeyID: id, Sig: base64.StdEncoding.EncodeToString(sig)})
	}
	data, err := json.MarshalIndent(Request{Type: RequestType, Version: RequestVersion, Envelope: env, Attestations: atts}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// signStatement signs st with each signer under its own key ID.
func signStatement(t testing.TB, st Statement, signers ...keys.Signer) []byte {
	t.Helper()
	body, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	sigs := map[string]keys.Signer{}
	for _, s := range signers {
		sigs[keyID(t, s)] = s
	}
	return signRaw(t, body, nil, sigs)
}

// decodeRequest is the request file as a generic JSON object, to edit.
func decodeRequest(t testing.TB, data []byte) (Request, Statement) {
	t.Helper()
	var req Request
	if err := json.Unmarshal(data, &req); err != nil {
		t.Fatal(err)
	}
	body, err := base64.StdEncoding.DecodeString(req.Envelope.Payload)
	if err != nil {
		t.Fatal(err)
	}
	var st Statement
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatal(err)
	}
	return req, st
}

func encodeRequest(t testing.TB, req Request) []byte {
	t.Helper()
	data, err := json.MarshalIndent(req, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// reviewBoth is Review of claimed, and holds ReviewFile of claimed
// written out as a metadata file to what Review makes of that file decoded
// (ReadClaimed): the same report, or the same error, naming the file when
// it is claimed's.
func reviewBoth(t testing.TB, dir string, claimed *metadata.TargetsType, opts Options, rekeys ...Rekey) (*Report, error) {
	t.Helper()
	rep, err := Review(dir, claimed, opts, rekeys...)
	var file *ClaimedFile
	var decoded *metadata.TargetsType
	if claimed != nil {
		f, ferr := metafile.FromSigned(claimed)
		if ferr != nil {
			t.Fatal(ferr)
		}
		data, ferr := f.Marshal()
		if ferr != nil {
			t.Fatal(ferr)
		}
		path := filepath.Join(t.TempDir(), "claimed.json")
		if ferr := os.WriteFile(path, data, 0o600); ferr != nil {
			t.Fatal(ferr)
		}
		if file, ferr = ReadClaimedFile(path); ferr != nil {
			t.Fatal(ferr)
		}
		if decoded, ferr = ReadClaimed(path); ferr != nil {
			t.Fatal(ferr)
		}
	}
	want, wantErr := Review(dir, decoded, opts, rekeys...)
	got, gotErr := ReviewFile(dir, file, opts, rekeys...)
	switch {
	case wantErr != nil || gotErr != nil:
		if wantErr == nil || gotErr == nil || !strings.HasSuffix(gotErr.Error(), wantErr.Error()) {
			t.Errorf("ReviewFile: %v; Review of the file decoded: %v", gotErr, wantErr)
		}
	case !reflect.DeepEqual(got, want):
		t.Errorf("ReviewFile reports\n%+v\nReview of the file decoded\n%+v", got, want)
	}
	return rep, err
}
