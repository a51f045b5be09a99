// Package bench_test measures this project's metadata code against the
// libraries it is compared with (go-securesystemslib's cjson, go-tuf v2)
// and against its own old paths (package benchdata keeps them) on a PEP 480
// `claimed` role with 100,000 project delegations. See BENCHMARKS.md and
// scripts/bench.
//
// Every benchmark reports the size of the canonical `claimed` role through
// b.SetBytes, so MB/s is comparable across rows whatever each one reads.
// Building the role (about 125,000 Ed25519 keys) happens once per process,
// outside every timed loop.
package bench_test

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	"github.com/secure-systems-lab/go-securesystemslib/cjson"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/internal/benchdata"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/threshold"
)

type fixture struct {
	*benchdata.Fixture
	// parsed is the signed file as metafile reads it.
	parsed *metafile.File
	// claimed is the signed file as go-tuf reads it.
	claimed *metadata.Metadata[metadata.TargetsType]
	// rule is top-level targets' 1-of-1 rule for `claimed`.
	rule threshold.Rule
	// top is top-level targets as go-tuf metadata (the delegator).
	top *metadata.Metadata[metadata.TargetsType]
	// unsorted is the signed object with every object's members in
	// reverse canonical order (benchdata.Reversed), indented.
	unsorted []byte
}

var (
	fxOnce sync.Once
	fx     *fixture
	fxErr  error
)

// load builds the 100,000-project fixture once per process and checks, at
// full size, that it is what the benchmarks claim to measure: 100,000
// delegations, and canonical bytes that are the same from metafile (from
// the signed object as in the file, and with every object out of order),
// from metafile's old path and from cjson.
func load(b *testing.B) *fixture {
	b.Helper()
	fxOnce.Do(func() { fx, fxErr = build() })
	if fxErr != nil {
		b.Fatal(fxErr)
	}
	return fx
}

func build() (*fixture, error) {
	base, err := benchdata.Build(benchdata.Projects)
	if err != nil {
		return nil, err
	}
	if n := len(base.Role.Delegations.Roles); n != benchdata.Projects {
		return nil, fmt.Errorf("claimed delegates %d projects, want %d", n, benchdata.Projects)
	}
	theirs, err := cjson.EncodeCanonical(base.Role)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(theirs, base.Canonical) {
		return nil, fmt.Errorf("canonical JSON differs: metafile %d bytes, cjson %d bytes", len(base.Canonical), len(theirs))
	}
	old, err := benchdata.OldCanonicalize(base.Signed)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(old, base.Canonical) {
		return nil, fmt.Errorf("canonical JSON differs: metafile %d bytes, the old path %d bytes", len(base.Canonical), len(old))
	}
	unsorted, err := benchdata.Reversed(base.Signed)
	if err != nil {
		return nil, err
	}
	if c, err := metafile.Canonicalize(unsorted); err != nil || !bytes.Equal(c, base.Canonical) {
		return nil, fmt.Errorf("canonical JSON of the reversed object differs (err %v)", err)
	}
	parsed, err := metafile.Parse(base.File)
	if err != nil {
		return nil, err
	}
	claimed, err := metadata.Targets().FromBytes(base.File)
	if err != nil {
		return nil, err
	}
	rule, err := threshold.FromTargets(base.Top, benchdata.ClaimedRole, "targets v1")
	if err != nil {
		return nil, err
	}
	return &fixture{Fixture: base, parsed: parsed, claimed: claimed, rule: rule, top: base.TopMetadata(), unsorted: unsorted}, nil
}

// fresh is a copy of the parsed file without its cached canonical bytes, as
// a workspace hands it to a step: every iteration canonicalizes anew.
func (f *fixture) fresh() *metafile.File {
	return &metafile.File{Signed: f.parsed.Signed, Signatures: f.parsed.Signatures}
}

func start(b *testing.B, f *fixture) {
	b.ReportAllocs()
	b.SetBytes(int64(len(f.Canonical)))
	b.ResetTimer()
}

// BenchmarkCanonicalize: the canonical JSON of `claimed`, from the "signed"
// object as it sits in the signed file (ours: indented JSON bytes, members
// in canonical order as every file this project writes), from the same
// object with every object's members reversed (unsorted: ours at its
// worst), by metafile's old path (old: generic tree + cjson, on the same
// bytes as ours) and from go-tuf's struct (cjson).
func BenchmarkCanonicalize(b *testing.B) {
	f := load(b)
	b.Run("ours", func(b *testing.B) {
		start(b, f)
		for b.Loop() {
			if _, err := metafile.Canonicalize(f.Signed); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("unsorted", func(b *testing.B) {
		start(b, f)
		for b.Loop() {
			if _, err := metafile.Canonicalize(f.unsorted); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("old", func(b *testing.B) {
		start(b, f)
		for b.Loop() {
			if _, err := benchdata.OldCanonicalize(f.Signed); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cjson", func(b *testing.B) {
		start(b, f)
		for b.Loop() {
			if _, err := cjson.EncodeCanonical(f.Role); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkParse: reading the signed `claimed` file into go-tuf's struct:
// metafile.Parse and Targets (ours), the same as they were before they
// read the envelope and header themselves (old), go-tuf's FromBytes.
func BenchmarkParse(b *testing.B) {
	f := load(b)
	b.Run("ours", func(b *testing.B) {
		start(b, f)
		for b.Loop() {
			m, err := metafile.Parse(f.File)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := m.Targets(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("old", func(b *testing.B) {
		start(b, f)
		for b.Loop() {
			if _, err := benchdata.OldParseTargets(f.File); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("gotuf", func(b *testing.B) {
		start(b, f)
		for b.Loop() {
			if _, err := metadata.Targets().FromBytes(f.File); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSign: one Ed25519 signature over `claimed`, canonicalization
// included. Ours signs through keys.SignMessage (which also verifies the
// signature it made); go-tuf through Metadata.Sign with a sigstore signer.
func BenchmarkSign(b *testing.B) {
	f := load(b)
	b.Run("ours", func(b *testing.B) {
		start(b, f)
		for b.Loop() {
			msg, err := f.fresh().Canonical()
			if err != nil {
				b.Fatal(err)
			}
			if _, err := keys.SignMessage(f.Admin, msg); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("gotuf", func(b *testing.B) {
		signer, err := signature.LoadED25519Signer(benchdata.AdminPrivateKey())
		if err != nil {
			b.Fatal(err)
		}
		m := &metadata.Metadata[metadata.TargetsType]{Signed: f.claimed.Signed}
		start(b, f)
		for b.Loop() {
			m.Signatures = nil
			if _, err := m.Sign(signer); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkVerify: checking the signed `claimed` role against top-level
// targets' 1-of-1 rule, canonicalization included.
func BenchmarkVerify(b *testing.B) {
	f := load(b)
	b.Run("ours", func(b *testing.B) {
		start(b, f)
		for b.Loop() {
			t, err := threshold.Count(f.rule, f.fresh())
			if err != nil {
				b.Fatal(err)
			}
			if !t.Met() {
				b.Fatalf("rule not met: %+v", t)
			}
		}
	})
	b.Run("gotuf", func(b *testing.B) {
		start(b, f)
		for b.Loop() {
			if err := f.top.VerifyDelegate(benchdata.ClaimedRole, f.claimed); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkDelegation: one project's delegation (its keys and threshold),
// from claimed as read: what a project's ceremony needs of it. Ours
// decodes claimed narrowed to that delegation (File.TargetsDelegating);
// "whole" decodes all of it with our decoder (File.Targets), go-tuf with
// its own (FromBytes); both then find the project's.
func BenchmarkDelegation(b *testing.B) {
	f := load(b)
	project := benchdata.ProjectName(benchdata.Projects / 2)
	for _, c := range []struct {
		name   string
		decode func([]byte) (*metadata.TargetsType, error)
	}{
		{"ours", func(data []byte) (*metadata.TargetsType, error) {
			m, err := metafile.Parse(data)
			if err != nil {
				return nil, err
			}
			return m.TargetsDelegating(project)
		}},
		{"whole", func(data []byte) (*metadata.TargetsType, error) {
			m, err := metafile.Parse(data)
			if err != nil {
				return nil, err
			}
			return m.Targets()
		}},
		{"gotuf", func(data []byte) (*metadata.TargetsType, error) {
			md, err := metadata.Targets().FromBytes(data)
			if err != nil {
				return nil, err
			}
			return &md.Signed, nil
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			start(b, f)
			for b.Loop() {
				t, err := c.decode(f.File)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := threshold.FromTargets(t, project, "claimed v1"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
