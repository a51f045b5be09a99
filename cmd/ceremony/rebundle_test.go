package main

import (
	"bytes"
	"path/filepath"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/tuf-ceremony/ceremony/bundle"
)

// rebundle is the scripts' attacker with the online server:
//
//	rebundle IN OUT ENTRY OLD NEW
//
// rewrites ENTRY of bundle IN, each OLD replaced by NEW, and writes the
// bundle again, its manifest recomputed, as OUT. What the attacker cannot
// do is sign: a change the tool accepts from such a bundle is a defect.
func rebundle(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! rebundle")
	}
	if len(args) != 5 {
		ts.Fatalf("usage: rebundle IN OUT ENTRY OLD NEW")
	}
	in, out, entry, old, repl := ts.MkAbs(args[0]), ts.MkAbs(args[1]), args[2], args[3], args[4]
	b, err := bundle.Read(in, bundle.DefaultLimits())
	ts.Check(err)
	all, err := b.ReadAll()
	ts.Check(err)
	b.Close()
	var entries []bundle.Entry
	found := false
	for _, e := range all {
		if e.Name == entry {
			if !bytes.Contains(e.Data, []byte(old)) {
				ts.Fatalf("%s of %s does not hold %q", entry, filepath.Base(in), old)
			}
			e.Data, found = bytes.ReplaceAll(e.Data, []byte(old), []byte(repl)), true
		}
		entries = append(entries, bundle.Entry{Name: e.Name, Data: e.Data})
	}
	if !found {
		ts.Fatalf("%s holds no entry %s", filepath.Base(in), entry)
	}
	_, err = bundle.Write(out, entries)
	ts.Check(err)
}
