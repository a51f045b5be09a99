package ceremonytest

import (
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/audit"
	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/payload"
	"github.com/tuf-ceremony/ceremony/verify"
)

// Seal seals workspace ws with the keys of names.
func Seal(t *testing.T, f *Fixture, ws string, names ...string) *ceremony.SealResult {
	t.Helper()
	var signers []keys.Signer
	for _, n := range names {
		signers = append(signers, f.Signers[n])
	}
	res, err := Engine.Seal(ws, signers)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// MakeBundle bundles a workspace as opts say, at Now unless opts says when.
func MakeBundle(t *testing.T, opts ceremony.BundleOptions) *ceremony.BundleResult {
	t.Helper()
	if opts.Now.IsZero() {
		opts.Now = Now
	}
	res, err := Engine.Bundle(opts)
	if err != nil {
		t.Fatalf("bundle %s: %v", opts.Dir, err)
	}
	return res
}

// ReadBundle reads the bundle at path within the default limits; it is
// closed when the test ends.
func ReadBundle(t *testing.T, path string) *bundle.Bundle {
	t.Helper()
	b, err := bundle.Read(path, bundle.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// BundleEntry is the data of the bundle's entry name; it fails the test if
// there is none.
func BundleEntry(t *testing.T, b *bundle.Bundle, name string) []byte {
	t.Helper()
	data, ok := b.Get(name)
	if err := b.Err(); err != nil {
		t.Fatal(err)
	}
	if !ok {
		var names []string
		for _, e := range b.Manifest.Entries {
			names = append(names, e.Name)
		}
		t.Fatalf("bundle lacks %s; it holds %v", name, names)
	}
	return data
}

// BundleEntries reads every entry of b; it fails the test if one cannot
// be read.
func BundleEntries(t *testing.T, b *bundle.Bundle) []bundle.Entry {
	t.Helper()
	entries, err := b.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

// VerifyBundle verifies the bundle at path as the auditor's side does, at Now,
// from trusted (a trusted root) if it is given.
func VerifyBundle(t *testing.T, path, trusted string) *verify.Report {
	t.Helper()
	rep, err := audit.VerifyBundle(Engine, path, trusted, Now)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// RewriteBundle writes b again as out, each entry's data passed through
// change (the manifest is made anew: only what a ceremony checks stands
// between the change and the reader).
func RewriteBundle(t *testing.T, b *bundle.Bundle, out string, change func(name string, data []byte) []byte) string {
	t.Helper()
	entries, err := b.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range entries {
		entries[i].Data = change(e.Name, e.Data)
	}
	if _, err := bundle.Write(out, entries); err != nil {
		t.Fatal(err)
	}
	return out
}

// ExportPayload is the signing payload of role in workspace ws.
func ExportPayload(t *testing.T, ws, role string) []byte {
	t.Helper()
	p, err := Engine.ExportPayload(ws, role, Now)
	if err != nil {
		t.Fatalf("export %s of %s: %v", role, ws, err)
	}
	return p
}

// ImportAll imports the signature files into workspace ws.
func ImportAll(t *testing.T, ws string, files [][]byte) *ceremony.ImportResult {
	t.Helper()
	res, err := Engine.ImportSignatures(ws, files, Now)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return res
}

// SignPayload signs a signing payload as 'ceremony sign-payload' does,
// anchored in the metadata the payload itself carries (its trusted_root or
// delegated_by, taken as the test keyholder's own): Read, Anchor, Sign.
func SignPayload(data []byte, s keys.Signer, now time.Time) ([]byte, error) {
	p, err := payload.Read(data)
	if err != nil {
		return nil, err
	}
	carried := p.DelegatedBy
	if p.Role == metadata.ROOT {
		carried = p.TrustedRoot
	}
	var mine *metafile.File
	if len(carried) > 0 {
		if mine, err = metafile.Parse(carried); err != nil {
			return nil, err
		}
	}
	a, err := p.Anchor(mine)
	if err != nil {
		return nil, err
	}
	return payload.Sign(a, s, now)
}
