package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/rehearsal/publish"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// publishRepo is the scripts' online server:
//
//	publish WS file:KEY?pin-source=FILE REPO
//
// publishes finished workspace WS as a repository directory REPO: its
// root, its offline roles, and timestamp, snapshot and the bins signed by
// the online key.
func publishRepo(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! publish")
	}
	if len(args) != 3 {
		ts.Fatalf("usage: publish WS ONLINE-KEY-URI REPO")
	}
	ws, err := workspace.Open(ts.MkAbs(args[0]))
	ts.Check(err)
	backends := keys.NewBackends()
	planBytes, err := os.ReadFile(filepath.Join(ws.Dir, workspace.PlanFile))
	ts.Check(err)
	p, err := plan.Parse(planBytes, workspace.PlanFile, ws.State.PlanDir, backends)
	ts.Check(err)
	// A file: URI's paths are relative to the script's directory.
	path, query, _ := strings.Cut(strings.TrimPrefix(args[1], "file:"), "?")
	source, _ := strings.CutPrefix(query, "pin-source=")
	online, err := backends.Open("file:"+ts.MkAbs(path)+"?pin-source="+ts.MkAbs(source), nil)
	ts.Check(err)
	if c, ok := online.(keys.Closer); ok {
		defer c.Close()
	}
	r := &publish.Repository{Dir: ts.MkAbs(args[2]), Plan: p, Online: online, Now: time.Now(), Offline: map[string]*metafile.File{}}
	for _, role := range ws.State.Roles {
		data, err := ws.MetadataBytes(role)
		ts.Check(err)
		f, err := metafile.Parse(data)
		ts.Check(err)
		if role == metadata.ROOT {
			r.Roots = append(r.Roots, f)
		} else {
			r.Offline[role] = f
		}
	}
	ts.Check(publish.Write(r))
}

// replaceIn is the scripts' attacker with write access to a repository:
//
//	replace FILE OLD NEW
//
// replaces each OLD in FILE with NEW. It cannot sign.
func replaceIn(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! replace")
	}
	if len(args) != 3 {
		ts.Fatalf("usage: replace FILE OLD NEW")
	}
	path := ts.MkAbs(args[0])
	data, err := os.ReadFile(path)
	ts.Check(err)
	if !bytes.Contains(data, []byte(args[1])) {
		ts.Fatalf("%s does not hold %q", args[0], args[1])
	}
	ts.Check(os.WriteFile(path, bytes.ReplaceAll(data, []byte(args[1]), []byte(args[2])), 0o644))
}
