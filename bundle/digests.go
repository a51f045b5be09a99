package bundle

import (
	"crypto/sha256"
	"crypto/sha512"
	"hash"
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
// half as long as one after the other. Those whose Hashing hashes them
// (HashAhead) are not hashed again: their digests are waited for.
func digestsAhead(entries []Entry) map[sameSlice]*digestPair {
	out := map[sameSlice]*digestPair{}
	var tasks, hashedAhead []func()
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
		if h := e.Hashing; h.Of(data) {
			hashedAhead = append(hashedAhead, func() { *d = *h.wait() })
			continue
		}
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
	for _, wait := range hashedAhead {
		wait()
	}
	return out
}

// twoDigests hashes what is written to it with SHA-256 and SHA-512; when
// concurrent, the SHA-512 of each chunk is computed on a second goroutine
// while the SHA-256 is computed on the writer's, so that reading a large
// entry takes about as long as its SHA-512 alone. A Write returns once
// both have taken the chunk: the caller may reuse it. stop ends the second
// goroutine.
type twoDigests struct {
	s256, s512 hash.Hash
	chunks     chan []byte
	done       chan struct{}
}

func newTwoDigests(concurrent bool) *twoDigests {
	d := &twoDigests{s256: sha256.New(), s512: sha512.New()}
	if concurrent {
		d.chunks, d.done = make(chan []byte), make(chan struct{})
		go func() {
			for p := range d.chunks {
				d.s512.Write(p)
				d.done <- struct{}{}
			}
		}()
	}
	return d
}

func (d *twoDigests) Write(p []byte) (int, error) {
	if d.chunks == nil {
		d.s256.Write(p)
		d.s512.Write(p)
		return len(p), nil
	}
	d.chunks <- p
	d.s256.Write(p)
	<-d.done
	return len(p), nil
}

func (d *twoDigests) stop() {
	if d.chunks != nil {
		close(d.chunks)
		d.chunks = nil
	}
}
