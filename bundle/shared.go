package bundle

// describer returns describe, hashing each slice of bytes once: entries
// that hold the very same bytes in memory (a ceremony's signed metadata is
// also the transcript's last state of it, 77 MB each for a claimed role of
// 100,000 projects) get the digests of the first. Entries with equal but
// separate bytes are hashed each.
func describer() func(Entry) ManifestEntry {
	type slice struct {
		at *byte
		n  int
	}
	seen := map[slice]ManifestEntry{}
	return func(e Entry) ManifestEntry {
		if len(e.Data) == 0 {
			return describe(e)
		}
		key := slice{&e.Data[0], len(e.Data)}
		if d, ok := seen[key]; ok {
			d.Name = e.Name
			return d
		}
		d := describe(e)
		seen[key] = d
		return d
	}
}

// tarBound is at least the size of the tar of entries and the manifest:
// per entry its data padded to a 512-byte block, a header block and, for
// a long name, a PAX header and its records (a block each, the name being
// at most 255 bytes), then the two zero blocks that end the archive. The
// archive is built in a buffer of that size, which growing by doubling
// instead copied and cleared about twice the bundle's size.
func tarBound(entries []Entry, manifest []byte) int {
	n := 3*blockSize + padded(len(manifest)) + 2*blockSize
	for _, e := range entries {
		n += 3*blockSize + padded(len(e.Data))
	}
	return n
}

func padded(n int) int { return (n + blockSize - 1) / blockSize * blockSize }
