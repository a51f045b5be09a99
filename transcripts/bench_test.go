package transcripts_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tuf-ceremony/ceremony/transcripts"
)

func noSync(*os.File) error  { return nil }
func noSyncDir(string) error { return nil }

// BenchmarkVerify100k verifies a transcript of 100,000 ceremony-like
// records (about 35 MB; one in five an init or a sign naming states, 1,000
// distinct ones), as an auditor replays it: every line decoded, checked,
// re-encoded and hashed, every state read and hashed once.
func BenchmarkVerify100k(b *testing.B) {
	const n = 100_000
	dir := filepath.Join(b.TempDir(), "t")
	restore := transcripts.SetSyncHooks(noSync, noSyncDir) // building only
	tr := create(b, dir)
	reuse := &stateReuse{v: 500, put: map[string]string{}}
	for i := range n {
		sampleStates(b, tr, i, reuse)
	}
	head := tr.Anchor()
	tr.Close()
	restore()
	fi, err := os.Stat(transcriptPath(dir))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(fi.Size())
	b.ResetTimer()
	for b.Loop() {
		rep, err := transcripts.Verify(dir, head)
		if err != nil || len(rep.Records) != n {
			b.Fatalf("Verify: %v", err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkAppend appends sign records (device, inputs, a state stored
// beforehand, a signature; one forbidden secret registered) with the
// production fsync, and without it to show what the fsync costs.
func BenchmarkAppend(b *testing.B) {
	for _, bc := range []struct {
		name string
		sync bool
	}{{"fsync", true}, {"nosync", false}} {
		b.Run(bc.name, func(b *testing.B) {
			if !bc.sync {
				defer transcripts.SetSyncHooks(noSync, noSyncDir)()
			}
			tr := create(b, filepath.Join(b.TempDir(), "t"))
			defer tr.Close()
			if err := tr.ForbidSecret([]byte("483920")); err != nil {
				b.Fatal(err)
			}
			h, err := tr.PutState(state("root", 1))
			if err != nil {
				b.Fatal(err)
			}
			rec := transcripts.Record{
				Kind: transcripts.Sign, Who: "alice",
				Device:    &transcripts.Device{Kind: transcripts.DeviceYubiKey, Model: "YubiKey 5C NFC", Serial: "19088743", Firmware: "5.7.1"},
				Inputs:    map[string]string{"root": h},
				States:    map[string]string{"root": h},
				Signature: &transcripts.Signature{Role: "root", KeyID: h, Sig: h + h},
			}
			for b.Loop() {
				if _, err := tr.Append(rec); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "appends/s")
		})
	}
}
