package transcripts_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tuf-ceremony/ceremony/transcripts"
)

var t0 = time.Date(2026, 3, 14, 9, 26, 53, 589793000, time.UTC)

// clock returns a clock that starts at t0 and moves one second a call.
func clock() func() time.Time {
	now := t0
	return func() time.Time {
		now = now.Add(time.Second)
		return now
	}
}

func sha(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func create(t testing.TB, dir string) *transcripts.Transcript {
	t.Helper()
	tr, err := transcripts.Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	tr.SetClock(clock())
	return tr
}

func open(t testing.TB, dir string) *transcripts.Transcript {
	t.Helper()
	tr, err := transcripts.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	tr.SetClock(clock())
	return tr
}

func appendRec(t testing.TB, tr *transcripts.Transcript, r transcripts.Record) transcripts.Record {
	t.Helper()
	got, err := tr.Append(r)
	if err != nil {
		t.Fatalf("Append(%s): %v", r.Kind, err)
	}
	return got
}

// state is a small metadata file whose content depends on i.
func state(role string, i int) []byte {
	return fmt.Appendf(nil, "{\"signatures\":[{\"keyid\":\"%064x\",\"sig\":\"%x\"}],\"signed\":{\"_type\":%q,\"version\":%d}}", i, i*7919, role, i)
}

var kindCycle = []transcripts.Kind{
	transcripts.Init, transcripts.Keygen, transcripts.Attestation, transcripts.Sign,
	transcripts.Refusal, transcripts.Error, transcripts.Note, transcripts.Bundle,
	transcripts.Resume, transcripts.Sign,
}

// sample makes record i of a ceremony-like transcript, storing the state it
// names. Messages hold what JSON must escape or could escape: quotes, a
// backslash, a newline, HTML characters and non-ASCII text.
func sample(t testing.TB, tr *transcripts.Transcript, i int) transcripts.Record {
	t.Helper()
	return sampleStates(t, tr, i, nil)
}

// sampleStates is sample with the states' versions taken modulo reuse.v,
// each stored once (reuse.put remembers them): a long transcript then does
// not store (and fsync) one state per record.
func sampleStates(t testing.TB, tr *transcripts.Transcript, i int, reuse *stateReuse) transcripts.Record {
	t.Helper()
	put := func(role string, i int) string {
		if reuse != nil {
			i %= reuse.v
			if h, ok := reuse.put[fmt.Sprint(role, i)]; ok {
				return h
			}
		}
		h, err := tr.PutState(state(role, i))
		if err != nil {
			t.Fatal(err)
		}
		if reuse != nil {
			reuse.put[fmt.Sprint(role, i)] = h
		}
		return h
	}
	r := transcripts.Record{
		Kind: kindCycle[i%len(kindCycle)],
		Who:  []string{"alice", "bob", "Zoë \"witness\" <zoe@example.org>"}[i%3],
	}
	switch r.Kind {
	case transcripts.Init:
		r.Inputs = map[string]string{"plan.yaml": sha(fmt.Appendf(nil, "plan %d", i))}
		r.States = map[string]string{}
		for _, role := range []string{"root", "targets"} {
			r.States[role] = put(role, i)
		}
	case transcripts.Sign:
		h := put("root", i)
		r.Device = &transcripts.Device{Kind: transcripts.DeviceYubiKey, Model: "YubiKey 5C NFC", Serial: fmt.Sprint(19088743 + i), Firmware: "5.7.1"}
		r.Inputs = map[string]string{"root": sha(fmt.Appendf(nil, "before %d", i))}
		r.States = map[string]string{"root": h}
		r.Signature = &transcripts.Signature{Role: "root", KeyID: sha(fmt.Appendf(nil, "key %d", i%5)), Sig: strings.Repeat(fmt.Sprintf("%02x", i%256), 70)}
	case transcripts.Keygen:
		r.Device = &transcripts.Device{Kind: transcripts.DevicePKCS11, Model: "SoftHSM v2", Serial: "7c1e9a2b"}
		r.Outputs = map[string]string{"alice.pub": sha(fmt.Appendf(nil, "pub %d", i))}
	case transcripts.Refusal:
		r.Message = "refused: key \"file:keys/erin.key\" may not sign root\nroot v1 allows alice, bob & carol <3"
	case transcripts.Error:
		r.Message = `failed to sign with "pkcs11:token=root-1;object=alice": CKR_DEVICE_REMOVED \ pulled out`
	case transcripts.Note:
		r.Message = "the witness (Zoë) arrived at 10:04; tamper bag #4471 intact ✓"
	case transcripts.Bundle:
		r.Outputs = map[string]string{"bundle.tar": sha(fmt.Appendf(nil, "bundle %d", i))}
	default:
		r.Message = fmt.Sprintf("record %d", i)
	}
	return appendRec(t, tr, r)
}

type stateReuse struct {
	v   int
	put map[string]string
}

// build makes a transcript of n sample records in dir and returns the
// anchors written down after each append (what witnesses would note).
func build(t testing.TB, dir string, n int) []transcripts.Anchor {
	t.Helper()
	tr := create(t, dir)
	defer tr.Close()
	var anchors []transcripts.Anchor
	for i := range n {
		sample(t, tr, i)
		anchors = append(anchors, tr.Anchor())
	}
	return anchors
}

// lines splits a transcript file into its lines, newlines kept.
func lines(data []byte) [][]byte {
	var out [][]byte
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			out = append(out, data)
			break
		}
		out = append(out, data[:i+1])
		data = data[i+1:]
	}
	return out
}

func transcriptPath(dir string) string { return filepath.Join(dir, transcripts.FileName) }

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// writeFile writes a new file at path, replacing any file there.
func writeFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// copyDir copies a transcript directory (files one level deep in states/
// and torn/), so that a test can damage the copy.
func copyDir(t testing.TB, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// waitFor sets LockWait for a test and returns what puts it back.
func waitFor(d time.Duration) func() {
	was := transcripts.LockWait
	transcripts.LockWait = d
	return func() { transcripts.LockWait = was }
}
