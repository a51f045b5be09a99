package ceremony

import (
	"fmt"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// given is role's trusted metadata (Given), read now if the workspace was
// loaded without it; nil if the workspace keeps none. A file that does not
// read or parse is an error, as it is to Load.
func (l *Loaded) given(role string) (*metafile.File, error) {
	if f := l.Given[role]; f != nil || !l.givenLater || !l.WS.HasTrusted(role) {
		return f, nil
	}
	f, data, err := l.WS.TrustedMetadataRead(role)
	if err != nil {
		return nil, err
	}
	l.Given[role], l.givenData[role] = f, data
	return f, nil
}

// shareGiven makes l take the trusted metadata from has read so far, and
// what l reads from now on, has too: both load the same workspace.
func (l *Loaded) shareGiven(from *Loaded) {
	l.Given, l.givenTargets, l.givenNarrowed, l.givenData = from.Given, from.givenTargets, from.givenNarrowed, from.givenData
}

// givenOnly is a Loaded of l's workspace holding the trusted metadata l
// read, to share (shareGiven), and not l's states: a replay keeps it for
// the bundle made again after it, not claimed's state of its first
// signature (77 MB at 100,000 projects).
func (l *Loaded) givenOnly() *Loaded {
	g := &Loaded{WS: l.WS, givenLater: true}
	g.shareGiven(l)
	return g
}

// givenBytes is role's trusted metadata as the workspace keeps it, to
// carry on (a bundle's entry): the bytes Given was parsed from, or, for a
// workspace loaded without it, the file read now and not parsed. A bundle
// carries the trusted files as they are (77 MB of claimed at 100,000
// projects, which nothing in it decodes); Bundle checks them against the
// init record, Rebuild's caller against the bundle it was read from.
func (l *Loaded) givenBytes(role string) ([]byte, error) {
	if data := l.givenData[role]; data != nil {
		return data, nil
	}
	if !l.givenLater || !l.WS.HasTrusted(role) {
		return nil, fmt.Errorf("workspace %q keeps no trusted %s metadata", l.WS.Dir, role)
	}
	return l.WS.TrustedBytes(role)
}

// versionAbove is the version role must exceed: that of the trusted
// metadata a claims or project workspace keeps of it, 0 if none. Read
// only for it, the file is not kept: a trusted claimed of 100,000
// projects is 77 MB, and signing it needs its version only.
func (l *Loaded) versionAbove(role string) (int64, error) {
	if role == metadata.ROOT {
		return 0, nil
	}
	f := l.Given[role]
	if f == nil && l.givenLater && l.WS.HasTrusted(role) {
		read, _, err := l.WS.TrustedMetadataRead(role)
		if err != nil {
			return 0, err
		}
		f = read
	}
	if f == nil {
		return 0, nil
	}
	h, err := f.Header()
	if err != nil {
		return 0, fmt.Errorf("%s: %w", workspace.TrustedPath(role), err)
	}
	return h.Version, nil
}
