package bundle

import "bytes"

// Entries that hold the same bytes.
//
// A ceremony's signed metadata is also the last state its transcript
// recorded: a claims bundle at PyPI's scale would carry the same 77 MB
// twice. The second and every later entry (in the bundle's order) that
// holds the bytes of an earlier one is written as a hard link to the
// first: a header with no data, which tar(1) extracts as a second name for
// the first entry's file. The manifest lists it as any entry, with its
// size and digests, and Read checks that they are the target's.

// maxLinkName is the longest name a hard link can point to: the ustar link
// name field. A longer one would need a PAX "linkpath" record, which a
// bundle never has; an entry whose first holder has such a name is written
// whole.
const maxLinkName = 100

// linksOf returns, for each of the sorted entries, the name of the first
// entry before it that holds the same bytes (its manifest entry gives the
// same size and digests, and the bytes are equal), or "": when there is
// none, when that name is over maxLinkName bytes, and for an empty entry
// (a link saves nothing there).
func linksOf(sorted []Entry, described []ManifestEntry) []string {
	links := make([]string, len(sorted))
	first := map[[2]string]int{}
	for i, me := range described {
		if me.Size == 0 {
			continue
		}
		key := [2]string{me.SHA256, me.SHA512}
		j, ok := first[key]
		if !ok {
			first[key] = i
			continue
		}
		if len(sorted[j].Name) <= maxLinkName && bytes.Equal(sorted[i].Data, sorted[j].Data) {
			links[i] = sorted[j].Name
		}
	}
	return links
}
