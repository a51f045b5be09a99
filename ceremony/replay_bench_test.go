package ceremony_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/tuf-ceremony/ceremony/internal/testutil/ceremonytest"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/rehearsal/demo"
	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// BenchmarkReplay100k replays a sealed demo ceremony whose transcript is
// padded to 100,000 records (bundle records after the seal, the only kind
// allowed there), and reports records per second. The records are written
// as the transcript writes them, without an fsync each, to keep the setup
// short; the setup checks that the result replays.
//
//	go test -run '^$' -bench Replay100k -benchtime 3x ./ceremony/
func BenchmarkReplay100k(b *testing.B) {
	out := filepath.Join(b.TempDir(), "demo")
	if err := demo.Run(demo.Options{Profile: plan.ProfilePEP458, Out: out, Now: ceremonytest.Now}); err != nil {
		b.Fatal(err)
	}
	ws := filepath.Join(out, demo.BootstrapWorkspace)
	path := filepath.Join(ws, workspace.TranscriptDir, transcripts.FileName)
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	lines = lines[:len(lines)-1]
	last := lines[len(lines)-1]
	seq := len(lines)
	const total = 100_000
	var buf bytes.Buffer
	buf.Write(data)
	for seq < total {
		seq++
		sum := sha256.Sum256(last)
		line := fmt.Sprintf(`{"kind":"bundle","message":"bundle copy %d written","outputs":{"bundle":"%064x"},"prev":"%s","seq":%d,"time":"2030-01-02T03:04:05Z"}`+"\n",
			seq, seq, hex.EncodeToString(sum[:]), seq)
		buf.WriteString(line)
		last = []byte(line)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	rep, err := ceremonytest.Engine.Replay(ws)
	if err != nil || !rep.OK() || rep.Records != total {
		b.Fatalf("the padded ceremony does not replay: %v %+v (records %d)", err, rep.FirstBad, rep.Records)
	}
	b.SetBytes(int64(buf.Len()))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if rep, err := ceremonytest.Engine.Replay(ws); err != nil || !rep.OK() {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(total)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
