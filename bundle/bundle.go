// Package bundle is the container that carries a ceremony's outputs from
// the air-gapped laptop to the online server and to auditors: one file,
// byte for byte reproducible, read back as hostile input.
//
// # Format
//
// A bundle is a POSIX tar archive, as archive/tar writes it with
// tar.FormatPAX: plain ustar headers, and a PAX "path" record only for a
// name ustar cannot hold (longer than 100 bytes and not splittable at a
// slash into a 155-byte prefix and a 100-byte name):
//
//   - The first entry is MANIFEST.json, then every other entry sorted by
//     name (byte order). There are no directory entries, symbolic links or
//     special files: only regular files, named by slash-separated relative
//     paths, and hard links between them.
//   - An entry that holds the bytes of an entry before it is a hard link to
//     the first entry that holds them (type '1', no data, the first's name
//     as its ustar link name), unless that name is longer than the 100
//     bytes a link name holds; an empty entry is never a link. tar(1)
//     extracts it as a second name for the same file. A claims ceremony's
//     signed metadata is also its transcript's last state: its 77 MB are
//     in the file once.
//   - Every header has mode 0644, uid and gid 0, empty user and group
//     names and a modification time of 0 (1970-01-01T00:00:00Z). A bundle
//     carries no time of its own: the ceremony's times are in its
//     transcript and metadata. No PAX record is written but "path".
//   - The archive ends with the two zero blocks of the tar format and
//     nothing after them (no padding to a 10 KiB record as tar(1) adds).
//
// MANIFEST.json lists every other entry, sorted by name, with its size and
// lowercase hex SHA-256 and SHA-512, in exactly the form Write gives it
// (JSON, two-space indent, a final newline):
//
//	{
//	  "version": 1,
//	  "entries": [
//	    {
//	      "name": "metadata/1.root.json",
//	      "size": 1234,
//	      "sha256": "<64 hex digits>",
//	      "sha512": "<128 hex digits>"
//	    }
//	  ]
//	}
//
// The same entries therefore always give the same bytes, and the SHA-256 of
// the file (read aloud as PGP words, see PGPWords) names one bundle.
//
// # Names
//
// Entry names obey the same rules on writing and reading (see CheckName):
// at most 255 bytes of printable ASCII without `\ : * ? " < > |`;
// slash-separated elements, none empty (no leading, doubled or trailing
// slash), none "." or "..", none beginning or ending with a space; no two
// names equal but for ASCII case (they would be one file on macOS and
// Windows). ASCII only means no look-alike letters, no invisible or
// direction-changing characters and no Unicode normalization differences
// between systems. MANIFEST.json is reserved in any case.
//
// # Reading
//
// Read treats a bundle as hostile: every rule broken is reported as a
// *Violation naming the entry and the rule, sizes are checked against
// Limits and against the bytes left in the file before anything is
// allocated, the manifest is checked before any other entry is read, and an
// entry the manifest does not list, or lists with another size, is refused
// before its data is read. A hard link must carry no data and name, in at
// most 100 bytes, a regular entry before it that the manifest gives the
// same size and digests. A PAX record other than "path" is refused (it
// could make a sparse file or carry attributes); the other header fields
// (mode, owners, times) carry no meaning and are not checked.
//
// Entries are hashed as they stream past, not kept: Read returns the
// manifest and where each entry lies in the file, and Bundle.Get reads an
// entry again when it is asked for, checking it against the manifest's
// SHA-256 once more, so that a file changed after it was checked hands out
// nothing (Bundle.Err says which entry changed). ReadUnpacked instead
// writes each entry, as it is hashed, into a private directory, and Get
// reads that copy, checking its size only (unpacked.go).
package bundle

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
)

// ManifestName is the name of the manifest, the first entry of a bundle.
const ManifestName = "MANIFEST.json"

// manifestVersion is the only manifest version this package reads and writes.
const manifestVersion = 1

// Entry is one file in a bundle.
type Entry struct {
	// Name is a slash-separated relative path ("metadata/1.root.json").
	Name string
	Data []byte
	// Hashing, when set, is Data's digests being computed since the
	// caller read them (HashAhead). It is used only if it hashes
	// Data itself, the same slice; otherwise Data is hashed as usual.
	Hashing *Hashing
}

// Manifest is the content of MANIFEST.json.
type Manifest struct {
	Version int `json:"version"`
	// Entries are sorted by name; the manifest does not list itself.
	Entries []ManifestEntry `json:"entries"`
}

// ManifestEntry describes one entry: its size and lowercase hex digests.
type ManifestEntry struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	SHA512 string `json:"sha512"`
}

// describe returns the manifest entry for e.
func describe(e Entry) ManifestEntry {
	s256, s512 := digests(e.Data)
	return ManifestEntry{
		Name:   e.Name,
		Size:   int64(len(e.Data)),
		SHA256: hex.EncodeToString(s256[:]),
		SHA512: hex.EncodeToString(s512[:]),
	}
}

// encodeManifest is the one encoding of a manifest: indented JSON without
// HTML escaping, ending in a newline.
func encodeManifest(m Manifest) ([]byte, error) {
	if m.Entries == nil {
		m.Entries = []ManifestEntry{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
