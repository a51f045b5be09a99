package ceremony

import (
	"bytes"

	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// roleBytes are the metadata files of the roles a workspace signs, each
// read once by the command: the bytes compared with the transcript are
// the bytes parsed, counted, signed and bundled. A claimed role of
// 100,000 projects is 77 MB; reading it again for each of those steps
// cost a read, a copy in memory and a SHA-256 each time, and a file
// changed between two readings would have been checked as one and used
// as the other.
type roleBytes struct {
	data map[string][]byte
	// written are the roles the command wrote in pieces (a signature's
	// file: metafile.File.MarshalParts), joined into data only when read
	// again.
	written map[string][][]byte
	sums    map[string]string
}

// readRoleBytes reads the metadata file of every role ws signs.
func readRoleBytes(ws *workspace.Workspace) (*roleBytes, error) {
	r := &roleBytes{data: map[string][]byte{}, written: map[string][][]byte{}, sums: map[string]string{}}
	for _, role := range ws.State.Roles {
		data, err := ws.ReadMetadataBytes(role)
		if err != nil {
			return nil, err
		}
		r.data[role] = data
	}
	return r, nil
}

// set records that role's file now holds data (written by the command).
func (r *roleBytes) set(role string, data []byte) {
	r.data[role] = data
	delete(r.written, role)
	delete(r.sums, role)
}

// setParts records that role's file now holds parts, one after the
// other, whose SHA-256 is sum (written by the command).
func (r *roleBytes) setParts(role string, parts [][]byte, sum string) {
	delete(r.data, role)
	r.written[role] = parts
	r.sums[role] = sum
}

// bytes are role's bytes.
func (r *roleBytes) bytes(role string) []byte {
	if parts, ok := r.written[role]; ok {
		r.data[role] = bytes.Join(parts, nil)
		delete(r.written, role)
	}
	return r.data[role]
}

// sum is the SHA-256 of role's bytes, as the transcript names states.
func (r *roleBytes) sum(role string) string {
	s, ok := r.sums[role]
	if !ok {
		s = transcripts.Sum(r.bytes(role))
		r.sums[role] = s
	}
	return s
}

// roleData is role's metadata as l was loaded from it: the file as read,
// or, for states loaded from elsewhere (replay), the file read now.
func (l *Loaded) roleData(role string) ([]byte, error) {
	if l.read != nil {
		return l.read.bytes(role), nil
	}
	return l.WS.MetadataBytes(role)
}

// roleSum is the SHA-256 of roleData.
func (l *Loaded) roleSum(role string) (string, error) {
	if l.read != nil {
		return l.read.sum(role), nil
	}
	data, err := l.WS.MetadataBytes(role)
	return transcripts.Sum(data), err
}
