package ceremony_test

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/claims"
	"github.com/tuf-ceremony/ceremony/internal/benchdata"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
)

// BenchmarkClaimsCeremony100k times a claims ceremony over a claimed role
// that delegates to benchdata.Projects projects (PEP 480's scale), step by
// step: claims init from a repository directory (reading and checking
// root, targets and claimed, the review, claimed v2 built and stored),
// one signature, status, bundle, the bundle's verification (claimed
// checked against the requests) and its replay.
//
//	go test -run '^$' -bench ClaimsCeremony100k -benchtime 1x ./ceremony/
func BenchmarkClaimsCeremony100k(b *testing.B) {
	for i := 0; i < b.N; i++ {
		benchClaimsCeremony(b, benchN())
	}
}

func benchClaimsCeremony(b *testing.B, n int) {
	dir := b.TempDir()
	fx, err := benchdata.Build(n)
	if err != nil {
		b.Fatal(err)
	}
	admin := fx.Admin
	now := benchdata.Expires.AddDate(-1, 0, 0)
	sign := func(v any) []byte {
		f, err := metafile.FromSigned(v)
		if err != nil {
			b.Fatal(err)
		}
		msg, err := f.Canonical()
		if err != nil {
			b.Fatal(err)
		}
		sig, err := keys.SignMessage(admin, msg)
		if err != nil {
			b.Fatal(err)
		}
		f.AddSignature(fx.AdminID, hexString(sig))
		out, err := f.Marshal()
		if err != nil {
			b.Fatal(err)
		}
		return out
	}
	root := &metadata.RootType{Type: metadata.ROOT, SpecVersion: benchdata.SpecVersion, Version: 1, Expires: benchdata.Expires, ConsistentSnapshot: true,
		Keys: map[string]*metadata.Key{fx.AdminID: admin.TUFKey()}, Roles: map[string]*metadata.Role{}}
	for _, role := range []string{metadata.ROOT, metadata.TARGETS, metadata.SNAPSHOT, metadata.TIMESTAMP} {
		root.Roles[role] = &metadata.Role{KeyIDs: []string{fx.AdminID}, Threshold: 1}
	}
	repo := filepath.Join(dir, "repo")
	mdir := filepath.Join(repo, "metadata")
	if err := os.MkdirAll(mdir, 0o755); err != nil {
		b.Fatal(err)
	}
	for name, data := range map[string][]byte{"1.root.json": sign(root), "1.targets.json": sign(fx.Top), "1.claimed.json": fx.File} {
		if err := os.WriteFile(filepath.Join(mdir, name), data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	requests := filepath.Join(dir, "requests")
	if err := os.MkdirAll(requests, 0o755); err != nil {
		b.Fatal(err)
	}
	maint, err := keys.GenerateSoftware("memory:maintainer", keys.TypeEd25519)
	if err != nil {
		b.Fatal(err)
	}
	req, err := claims.MakeRequest("newly-claimed", []keys.Signer{maint}, 1, now, nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(requests, "newly-claimed.claim.json"), req, 0o644); err != nil {
		b.Fatal(err)
	}

	ws := filepath.Join(dir, "ws")
	step := func(name string, f func() error) {
		start := time.Now()
		if err := f(); err != nil {
			b.Fatalf("%s: %v", name, err)
		}
		b.ReportMetric(time.Since(start).Seconds(), name+"-s")
	}
	step("init", func() error {
		_, err := ceremony.ClaimsInit(ceremony.ClaimsInitOptions{From: repo, ClaimsDir: requests, Dir: ws, Now: now})
		return err
	})
	step("sign", func() error {
		_, err := ceremony.Sign(ceremony.SignOptions{Dir: ws, Signer: admin, Now: now})
		return err
	})
	step("status", func() error {
		_, err := ceremony.GetStatus(ws)
		return err
	})
	out := filepath.Join(dir, "claims.tar")
	step("bundle", func() error {
		_, err := ceremony.Bundle(ceremony.BundleOptions{Dir: ws, Out: out, Now: now})
		return err
	})
	step("verify", func() error {
		rep, err := ceremony.VerifyBundle(out, "", now)
		if err == nil && !rep.OK() {
			b.Fatalf("verify: %v", rep.Errors())
		}
		return err
	})
	step("replay", func() error {
		rep, err := ceremony.ReplayBundle(out)
		if err == nil && !rep.OK() {
			b.Fatalf("replay: %+v", rep.FirstBad)
		}
		return err
	})
}

func hexString(b []byte) string { return hex.EncodeToString(b) }

// benchN is the project count: benchdata.Projects, or CEREMONY_BENCH_PROJECTS.
func benchN() int {
	if n, err := strconv.Atoi(os.Getenv("CEREMONY_BENCH_PROJECTS")); err == nil && n > 0 {
		return n
	}
	return benchdata.Projects
}
