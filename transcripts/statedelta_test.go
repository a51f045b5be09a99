package transcripts_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/transcripts"
)

// bigState is a metadata file of n bytes or so whose signatures are sigs:
// what a signature changes in a claimed role of PyPI's size.
func bigState(sigs string, n int) []byte {
	return []byte(`{"signatures": [` + sigs + `], "signed": {"_type": "targets", "pad": "` + strings.Repeat("p", n) + `"}}`)
}

func statePaths(dir, hash string) (whole, delta string) {
	return filepath.Join(dir, transcripts.StatesDir, hash+".json"), filepath.Join(dir, transcripts.StatesDir, hash+transcripts.DeltaSuffix)
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func TestStateAfterStoredAsDifference(t *testing.T) {
	dir := t.TempDir()
	tr := create(t, dir)
	defer tr.Close()
	unsigned := bigState("", 2*transcripts.MinDeltaState)
	base, err := tr.PutState(unsigned)
	if err != nil {
		t.Fatal(err)
	}
	signed := bigState(`{"keyid": "a", "sig": "00"}`, 2*transcripts.MinDeltaState)
	one, err := tr.PutStateAfter(signed, base, nil)
	if err != nil {
		t.Fatal(err)
	}
	twice := bigState(`{"keyid": "a", "sig": "00"}, {"keyid": "b", "sig": "11"}`, 2*transcripts.MinDeltaState)
	two, err := tr.PutStateAfter(twice, one, signed) // after a difference: from its whole base
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		hash string
		data []byte
	}{{one, signed}, {two, twice}} {
		whole, delta := statePaths(dir, c.hash)
		if exists(whole) || !exists(delta) {
			t.Fatalf("state %s: whole %v, difference %v; want it stored as a difference", c.hash, exists(whole), exists(delta))
		}
		if fi, _ := os.Stat(delta); fi.Size() > 1024 {
			t.Errorf("the difference of one signature is %d bytes", fi.Size())
		}
		got, err := transcripts.ReadState(dir, c.hash)
		if err != nil || !bytes.Equal(got, c.data) {
			t.Fatalf("ReadState(%s) = %d bytes, %v; want the state's %d bytes", c.hash, len(got), err, len(c.data))
		}
		var d struct{ Base string }
		if err := json.Unmarshal(readFile(t, delta), &d); err != nil || d.Base != base {
			t.Errorf("state %s is a difference from %q, want the whole state %s", c.hash, d.Base, base)
		}
	}
	// Storing a state again finds it, checks it and syncs it.
	if again, err := tr.PutStateAfter(twice, one, nil); err != nil || again != two {
		t.Fatalf("storing the state again: %s, %v", again, err)
	}
	// Records name them as any state; Verify rebuilds and hashes them.
	appendRec(t, tr, transcripts.Record{Kind: transcripts.Note, States: map[string]string{"claimed": two}})
	if _, err := transcripts.Verify(dir); err != nil {
		t.Fatalf("a transcript naming a state stored as a difference does not verify: %v", err)
	}

	// Stored whole: a small state, and one that changes too much.
	small := []byte(`{"signatures": [], "signed": {}}`)
	changed := bigState(`{"keyid": "c", "sig": "22"}`, 2*transcripts.MinDeltaState)
	changed = bytes.ReplaceAll(changed, []byte("p"), []byte("q"))
	for _, data := range [][]byte{small, changed} {
		h, err := tr.PutStateAfter(data, base, nil)
		if err != nil {
			t.Fatal(err)
		}
		if whole, delta := statePaths(dir, h); !exists(whole) || exists(delta) {
			t.Errorf("a state of %d bytes is not stored whole", len(data))
		}
	}
}

// A difference that does not rebuild its state is refused, with why,
// wherever it is read: tampered, its base gone, reaching past its base.
func TestStateDifferenceTampered(t *testing.T) {
	for name, tamper := range map[string]func(t *testing.T, dir, base, hash string){
		"middle changed": func(t *testing.T, dir, base, hash string) {
			_, delta := statePaths(dir, hash)
			writeFile(t, delta, bytes.Replace(readFile(t, delta), []byte(`"middle":"`), []byte(`"middle":"AA`), 1))
		},
		"base removed": func(t *testing.T, dir, base, hash string) {
			whole, _ := statePaths(dir, base)
			if err := os.Remove(whole); err != nil {
				t.Fatal(err)
			}
		},
		"suffix past the base": func(t *testing.T, dir, base, hash string) {
			_, delta := statePaths(dir, hash)
			var d map[string]any
			if err := json.Unmarshal(readFile(t, delta), &d); err != nil {
				t.Fatal(err)
			}
			d["suffix"] = 1 << 30
			data, _ := json.Marshal(d)
			writeFile(t, delta, data)
		},
		"prefix past any size": func(t *testing.T, dir, base, hash string) {
			_, delta := statePaths(dir, hash)
			var d map[string]any
			if err := json.Unmarshal(readFile(t, delta), &d); err != nil {
				t.Fatal(err)
			}
			d["prefix"] = int64(9223372036854775807)
			data, _ := json.Marshal(d)
			writeFile(t, delta, data)
		},
		"base changed, the difference's bytes kept": func(t *testing.T, dir, base, hash string) {
			// The stretches the difference takes from its base stay as
			// they were; what its middle replaces changes.
			whole, _ := statePaths(dir, base)
			data := readFile(t, whole)
			i := bytes.Index(data, []byte(`[]`))
			data[i+1] = 'X' // the "]" the signature's middle replaces
			writeFile(t, whole, data)
		},
		"an unknown field": func(t *testing.T, dir, base, hash string) {
			_, delta := statePaths(dir, hash)
			writeFile(t, delta, bytes.Replace(readFile(t, delta), []byte(`{`), []byte(`{"extra":1,`), 1))
		},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			tr := create(t, dir)
			base, err := tr.PutState(bigState("", 2*transcripts.MinDeltaState))
			if err != nil {
				t.Fatal(err)
			}
			hash, err := tr.PutStateAfter(bigState(`{"keyid": "a", "sig": "00"}`, 2*transcripts.MinDeltaState), base, nil)
			if err != nil {
				t.Fatal(err)
			}
			appendRec(t, tr, transcripts.Record{Kind: transcripts.Note, States: map[string]string{"claimed": hash}})
			tr.Close()
			tamper(t, dir, base, hash)
			if _, err := transcripts.ReadState(dir, hash); err == nil {
				t.Error("ReadState rebuilt a tampered state")
			}
			if _, err := transcripts.Verify(dir); err == nil || !strings.Contains(err.Error(), hash[:12]) {
				t.Errorf("Verify of a transcript whose state difference was tampered: %v", err)
			}
		})
	}
}

// A base that a record names is checked where that record is; the
// differences after it take it as checked, and a change to it is still
// found, at the first record that names it.
func TestStateDifferencesOfANamedBase(t *testing.T) {
	dir := t.TempDir()
	tr := create(t, dir)
	base, err := tr.PutState(bigState("", 2*transcripts.MinDeltaState))
	if err != nil {
		t.Fatal(err)
	}
	appendRec(t, tr, transcripts.Record{Kind: transcripts.Note, States: map[string]string{"claimed": base}})
	prev, prevData := base, []byte(nil)
	sigs := ""
	for _, id := range []string{"a", "b"} {
		if sigs != "" {
			sigs += ", "
		}
		sigs += `{"keyid": "` + id + `", "sig": "00"}`
		data := bigState(sigs, 2*transcripts.MinDeltaState)
		hash, err := tr.PutStateAfter(data, prev, prevData)
		if err != nil {
			t.Fatal(err)
		}
		if _, delta := statePaths(dir, hash); !exists(delta) {
			t.Fatalf("state after %s's signature is not stored as a difference", id)
		}
		appendRec(t, tr, transcripts.Record{Kind: transcripts.Note, States: map[string]string{"claimed": hash}})
		prev, prevData = hash, data
	}
	tr.Close()
	rep, err := transcripts.Verify(dir)
	if err != nil || rep.States != 3 {
		t.Fatalf("Verify: %v, %d states checked; want it to hold, with 3 states", err, rep.States)
	}
	whole, _ := statePaths(dir, base)
	data := readFile(t, whole)
	data[bytes.Index(data, []byte(`[]`))+1] = 'X'
	writeFile(t, whole, data)
	rep, err = transcripts.Verify(dir)
	if err == nil || rep.FirstBad == nil || rep.FirstBad.Seq != 1 || !strings.Contains(rep.FirstBad.Reason, base[:12]) {
		t.Fatalf("Verify after the base changed: %v; want record 1, which names the base, not to hold", err)
	}
}
