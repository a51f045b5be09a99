package bundle

// Hashing is the SHA-256 and SHA-512 of one slice of bytes, computed on a
// goroutine of its own from when HashAhead was called. A ceremony's
// largest entries are metadata it reads first and checks for a second
// before it bundles them (claimed at 100,000 projects: 77 MB, whose
// SHA-512 takes a quarter of a second here); hashed ahead, they are
// hashed on the second core while the first checks, not after.
type Hashing struct {
	data    []byte
	done    chan struct{}
	digests digestPair
}

// HashAhead starts hashing data for an Entry of those bytes (its Hashing)
// given to Write or Prepare later. data must not change after. Under a
// megabyte it starts nothing and is nil: small data is hashed when it is
// written, as when no Hashing is given.
func HashAhead(data []byte) *Hashing {
	if len(data) < concurrentFrom {
		return nil
	}
	h := &Hashing{data: data, done: make(chan struct{})}
	go func() {
		defer close(h.done)
		h.digests.s256, h.digests.s512 = digests(data)
	}()
	return h
}

// Of says whether h hashes data: the same slice, not merely equal bytes.
func (h *Hashing) Of(data []byte) bool {
	return h != nil && len(h.data) == len(data) && (len(data) == 0 || &h.data[0] == &data[0])
}

// wait is h's digests, once computed.
func (h *Hashing) wait() *digestPair {
	<-h.done
	return &h.digests
}
