package bundle

import "encoding/hex"

// describer returns describe for the entries, hashing each slice of
// bytes once: entries that hold the very same bytes in memory (a
// ceremony's signed metadata is also the transcript's last state of it,
// 77 MB each for a claimed role of 100,000 projects) get the digests of
// the first. Entries with equal but separate bytes are hashed each. The
// large ones are hashed before it returns, on two cores (digestsAhead).
func describer(entries []Entry) func(Entry) ManifestEntry {
	seen := digestsAhead(entries)
	return func(e Entry) ManifestEntry {
		if len(e.Data) == 0 {
			return describe(e)
		}
		key := sameSlice{&e.Data[0], len(e.Data)}
		d := seen[key]
		if d == nil {
			d = &digestPair{}
			d.s256, d.s512 = digests(e.Data)
			seen[key] = d
		}
		return ManifestEntry{Name: e.Name, Size: int64(len(e.Data)), SHA256: hex.EncodeToString(d.s256[:]), SHA512: hex.EncodeToString(d.s512[:])}
	}
}

// tarBound is at least the size of the tar of entries and the manifest:
// per entry its data padded to a 512-byte block, a header block and, for
// a long name, a PAX header and its records (a block each, the name being
// at most 255 bytes), then the two zero blocks that end the archive. The
// archive is built in a buffer of that size, which growing by doubling
// instead copied and cleared about twice the bundle's size.
func tarBound(entries []Entry, links []string, manifest []byte) int {
	n := 3*blockSize + padded(len(manifest)) + 2*blockSize
	for i, e := range entries {
		n += 3 * blockSize
		if links[i] == "" {
			n += padded(len(e.Data)) // a hard link has no data
		}
	}
	return n
}

func padded(n int) int { return (n + blockSize - 1) / blockSize * blockSize }
