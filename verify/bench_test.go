package verify

import (
	"testing"
	"time"
)

// The PEP 458 scale: 16,384 hash bins of 3 targets each (below two named
// roles, so the walk has three depths).
const pep458Bits = 14

func TestRepository16384Bins(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 16,384 signed bins")
	}
	f := newFixtureBits(t, pep458Bits, 3)
	f.targetFiles = nil // metadata only
	f.write()
	start := time.Now()
	r := f.verify()
	t.Logf("verified %d roles in %s", len(r.Roles), time.Since(start))
	if !r.OK() || len(r.Findings) != 0 {
		t.Fatalf("want no findings, got %d:\n%.2000s", len(r.Findings), findingsText(r))
	}
	bins := 0
	for _, s := range r.Roles {
		if s.Bins == "bins" && s.Met() {
			bins++
		}
	}
	if bins != 1<<pep458Bits {
		t.Errorf("%d bins verified, want %d", bins, 1<<pep458Bits)
	}
}

// go test -run '^$' -bench Repository16384Bins -benchtime 5x ./verify/
func BenchmarkRepository16384Bins(b *testing.B) {
	f := newFixtureBits(b, pep458Bits, 3)
	f.targetFiles = nil // metadata only
	f.write()
	for b.Loop() {
		r, err := Repository(f.dir, Options{At: f.now})
		if err != nil {
			b.Fatal(err)
		}
		if !r.OK() {
			b.Fatalf("repository does not verify:\n%.2000s", findingsText(r))
		}
	}
}
