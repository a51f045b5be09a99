package bundle

import (
	"crypto/sha256"
	"crypto/sha512"
	"sync"
)

// concurrentFrom is the size from which an entry's digests are computed on
// two cores at once (digestsAhead); below it a goroutine costs more than it
// saves.
const concurrentFrom = 1 << 20

// digests are data's SHA-256 and SHA-512.
func digests(data []byte) (s256 [sha256.Size]byte, s512 [sha512.Size]byte) {
	return sha256.Sum256(data), sha512.Sum512(data)
}

// digestPair is one slice's two digests.
type digestPair struct {
	s256 [sha256.Size]byte
	s512 [sha512.Size]byte
}

// sameSlice identifies bytes by where they are in memory.
type sameSlice struct {
	at *byte
	n  int
}

// digestsAhead computes the digests of the distinct data of a megabyte or
// more among entries, two hashes at a time on two goroutines, largest
// first: a claims bundle at PyPI's scale has three such entries of 77 MB,
// whose SHA-512s (0.1 s each) and SHA-256s (0.05 s each) then take about
// half as long as one after the other.
func digestsAhead(entries []Entry) map[sameSlice]*digestPair {
	out := map[sameSlice]*digestPair{}
	var tasks []func()
	for _, e := range entries {
		if len(e.Data) < concurrentFrom {
			continue
		}
		key := sameSlice{&e.Data[0], len(e.Data)}
		if out[key] != nil {
			continue
		}
		d, data := &digestPair{}, e.Data
		out[key] = d
		tasks = append(tasks, func() { d.s512 = sha512.Sum512(data) }, func() { d.s256 = sha256.Sum256(data) })
	}
	work := make(chan func())
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for task := range work {
				task()
			}
		}()
	}
	for _, task := range tasks {
		work <- task
	}
	close(work)
	wg.Wait()
	return out
}
