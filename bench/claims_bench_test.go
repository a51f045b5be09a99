package bench_test

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/claims"
	"github.com/tuf-ceremony/ceremony/internal/benchdata"
)

// reviewDate is when the benchmarks' claim requests are signed; a review
// runs an hour later, with 'ceremony claims review's default age limit.
var reviewDate = time.Date(2026, time.March, 1, 12, 0, 0, 0, time.UTC)

func reviewOptions() claims.Options {
	return claims.Options{Now: reviewDate.Add(time.Hour), MaxAge: 90 * 24 * time.Hour}
}

// BenchmarkClaimsReview: 'ceremony claims review DIR --claimed FILE' on
// the signed claimed file of 100,000 delegations, as the command does it
// (without printing the table): read claimed (claims.ReadClaimed, which
// decodes only what a review needs) and review a directory of claim
// requests for new projects against it (claims.Review: read each file,
// verify its DSSE proof of possession, look the project and keys up in
// claimed). Rows:
//
//   - read/ours: claims.ReadClaimed of the file;
//   - read/gotuf: go-tuf's metadata.Targets().FromBytes of the same bytes
//     (the library's way to the same struct: the row to compare with);
//   - review/100, review/1000: claims.Review of 100 and 1,000 requests
//     against the claimed role already read;
//   - command/100, command/1000: the whole command as it runs:
//     claims.ReadClaimedFile (parse, no decoding) and claims.ReviewFile,
//     which decodes the delegations to the projects asked for alone;
//   - decoded/100, decoded/1000: claims.ReadClaimed and claims.Review, the
//     command before it decoded claimed for the requests alone.
//
// The read rows set b.SetBytes to the canonical size, as every benchmark
// here; the review rows report requests/s.
func BenchmarkClaimsReview(b *testing.B) {
	f := load(b)
	dir := b.TempDir()
	path := filepath.Join(dir, benchdata.ClaimedFile)
	if err := os.WriteFile(path, f.File, 0o644); err != nil {
		b.Fatal(err)
	}
	requests := map[int]string{}
	for _, n := range []int{100, 1000} {
		requests[n] = filepath.Join(dir, "requests", strconv.Itoa(n))
		if err := benchdata.WriteRequests(requests[n], n, reviewDate); err != nil {
			b.Fatal(err)
		}
	}
	role, err := claims.ReadClaimed(path)
	if err != nil {
		b.Fatal(err)
	}
	// What the rows measure works: every request is a new project to add.
	for n, d := range requests {
		checkReview(b, d, role, n)
	}

	b.Run("read/ours", func(b *testing.B) {
		start(b, f)
		for b.Loop() {
			t, err := claims.ReadClaimed(path)
			if err != nil {
				b.Fatal(err)
			}
			if len(t.Delegations.Roles) != benchdata.Projects {
				b.Fatalf("%d delegations", len(t.Delegations.Roles))
			}
		}
	})
	b.Run("read/gotuf", func(b *testing.B) {
		start(b, f)
		for b.Loop() {
			data, err := os.ReadFile(path)
			if err != nil {
				b.Fatal(err)
			}
			m, err := metadata.Targets().FromBytes(data)
			if err != nil {
				b.Fatal(err)
			}
			if len(m.Signed.Delegations.Roles) != benchdata.Projects {
				b.Fatalf("%d delegations", len(m.Signed.Delegations.Roles))
			}
		}
	})
	for _, n := range []int{100, 1000} {
		b.Run("review/"+strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := claims.Review(requests[n], role, reviewOptions()); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "requests/s")
		})
	}
	for _, n := range []int{100, 1000} {
		b.Run("command/"+strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				c, err := claims.ReadClaimedFile(path)
				if err != nil {
					b.Fatal(err)
				}
				rep, err := claims.ReviewFile(requests[n], c, reviewOptions())
				if err != nil {
					b.Fatal(err)
				}
				if rep.Count(claims.ChangeAdd) != n || rep.Claimed != benchdata.Projects {
					b.Fatalf("%d of %d added against %d claimed", rep.Count(claims.ChangeAdd), n, rep.Claimed)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "requests/s")
		})
	}
	for _, n := range []int{100, 1000} {
		b.Run("decoded/"+strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				t, err := claims.ReadClaimed(path)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := claims.Review(requests[n], t, reviewOptions()); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "requests/s")
		})
	}
}

// checkReview fails b unless the review of dir adds its n requests to the
// 100,000 projects of claimed.
func checkReview(b *testing.B, dir string, role *metadata.TargetsType, n int) {
	b.Helper()
	rep, err := claims.Review(dir, role, reviewOptions())
	if err != nil {
		b.Fatal(err)
	}
	if rep.Claimed != benchdata.Projects || len(rep.Verdicts) != n || rep.Count(claims.ChangeAdd) != n {
		b.Fatalf("review of %s: claimed %d, %d verdicts, %d to add; want %d, %d, %d", dir, rep.Claimed, len(rep.Verdicts), rep.Count(claims.ChangeAdd), benchdata.Projects, n, n)
	}
}
