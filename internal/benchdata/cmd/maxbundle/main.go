// Command maxbundle writes bundles as large as bundle.DefaultLimits allows,
// each shaped to make 'ceremony verify' and 'ceremony replay' hold or build
// as much as they can, so that scripts/bench can read their peak memory.
//
//	maxbundle -from BUNDLE -shape SHAPE -out FILE
//
// It starts from a real bundle (FROM, e.g. the demo's) and grows it:
//
//	padding     entries no ceremony writes, up to the total limit
//	signatures  metadata/1.root.json whose "signatures" is a list of empty
//	            objects as long as one entry may be, and the same again for
//	            every other metadata entry, up to the total limit
//	keys        metadata/1.root.json whose "keys" holds empty objects under
//	            short names, as long as one entry may be; the rest padding
//	targets     metadata/1.targets.json whose "targets" does the same
//	delegations metadata/1.targets.json whose "delegations" keys do the same
//	records     transcript/transcript.jsonl of tiny records, as long as one
//	            entry may be, the other entries padded up to the total limit
//
// Every bundle passes bundle.Read: what it tests is what comes after.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"strconv"

	"github.com/tuf-ceremony/ceremony/bundle"
)

func main() {
	from := flag.String("from", "", "a real bundle to start from")
	shape := flag.String("shape", "padding", "padding, signatures, keys, targets, delegations or records")
	out := flag.String("out", "", "the bundle to write")
	pad := flag.Bool("pad", true, "pad the bundle up to the total limit (false: the shape's entries alone, the worst ratio of memory to bundle size)")
	flag.Parse()
	if err := run(*from, *shape, *out, *pad); err != nil {
		fmt.Fprintln(os.Stderr, "maxbundle:", err)
		os.Exit(1)
	}
}

// slack leaves room under the limits for the manifest.
const slack = 4 << 20

func run(from, shape, out string, pad bool) error {
	if from == "" || out == "" {
		return fmt.Errorf("-from and -out are needed")
	}
	limits := bundle.DefaultLimits()
	b, err := bundle.Read(from, limits)
	if err != nil {
		return err
	}
	entries, err := b.ReadAll()
	b.Close()
	if err != nil {
		return err
	}
	var used int64
	for _, e := range entries {
		used += int64(len(e.Data))
	}
	perEntry := limits.MaxEntrySize - slack
	replace := func(name string, data []byte) {
		for i := range entries {
			if entries[i].Name == name {
				used += int64(len(data)) - int64(len(entries[i].Data))
				entries[i].Data = data
				return
			}
		}
		entries = append(entries, bundle.Entry{Name: name, Data: data})
		used += int64(len(data))
	}
	switch shape {
	case "padding":
	case "signatures":
		for _, name := range []string{"metadata/1.root.json", "metadata/1.targets.json", "metadata/2.root.json"} {
			if used+perEntry > limits.MaxTotal-slack {
				break
			}
			replace(name, signaturesBomb(perEntry))
		}
	case "keys":
		replace("metadata/1.root.json", membersBomb(perEntry,
			`{"signed":{"_type":"root","spec_version":"1.0.31","version":1,"expires":"2030-01-01T00:00:00Z","consistent_snapshot":true,"roles":{},"keys":{`,
			`}},"signatures":[]}`))
	case "targets":
		replace("metadata/1.targets.json", membersBomb(perEntry,
			`{"signed":{"_type":"targets","spec_version":"1.0.31","version":1,"expires":"2030-01-01T00:00:00Z","targets":{`,
			`}},"signatures":[]}`))
	case "delegations":
		replace("metadata/1.targets.json", membersBomb(perEntry,
			`{"signed":{"_type":"targets","spec_version":"1.0.31","version":1,"expires":"2030-01-01T00:00:00Z","targets":{},"delegations":{"roles":[],"keys":{`,
			`}}},"signatures":[]}`))
	case "records":
		replace("transcript/transcript.jsonl", recordsBomb(perEntry))
	default:
		return fmt.Errorf("unknown shape %q", shape)
	}
	for i := 0; pad && used < limits.MaxTotal-slack; i++ {
		n := min(perEntry, limits.MaxTotal-slack-used)
		// Each its own bytes: entries of the same bytes are written once.
		replace(fmt.Sprintf("padding/%d.bin", i), bytes.Repeat([]byte{'a' + byte(i%26)}, int(n)))
	}
	if _, err := bundle.Write(out, entries); err != nil {
		return err
	}
	fmt.Printf("shape=%s entries=%d bytes=%d\n", shape, len(entries), used)
	return nil
}

// signaturesBomb is a metadata file of n bytes whose signatures are empty
// objects.
func signaturesBomb(n int64) []byte {
	head := []byte(`{"signed":{"_type":"root","spec_version":"1.0.31","version":1,"expires":"2030-01-01T00:00:00Z"},"signatures":[{}`)
	var buf bytes.Buffer
	buf.Grow(int(n))
	buf.Write(head)
	for int64(buf.Len())+4 < n {
		buf.WriteString(",{}")
	}
	buf.WriteString("]}")
	return buf.Bytes()
}

// recordsBomb is a transcript of n bytes of tiny records.
func recordsBomb(n int64) []byte {
	var buf bytes.Buffer
	buf.Grow(int(n))
	line := []byte("{}\n")
	for int64(buf.Len()+len(line)) <= n {
		buf.Write(line)
	}
	return buf.Bytes()
}

// membersBomb is head, then as many members "N":{} as fit in n bytes, then
// tail.
func membersBomb(n int64, head, tail string) []byte {
	var buf bytes.Buffer
	buf.Grow(int(n))
	buf.WriteString(head)
	for i := 0; int64(buf.Len()+len(tail)+24) < n; i++ {
		if i > 0 {
			buf.WriteByte(',')
		}
		fmt.Fprintf(&buf, "%q:{}", strconv.Itoa(i))
	}
	buf.WriteString(tail)
	return buf.Bytes()
}
