package ceremony

import (
	"fmt"
	"sort"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// Kind is what one kind of ceremony adds to the steps every workspace goes
// through. Sign, seal, bundle, verify and replay are the same for every
// workspace; each looks up the workspace's kind and calls it where the
// kinds differ, and knows no kind by name.
type Kind interface {
	// Names are the workspace kinds it runs.
	Names() []workspace.Kind
	// CheckSigner says why key may not sign in ws although a rule lists it
	// (a key a rotation names as stolen), or nil.
	CheckSigner(ws *workspace.Workspace, key *metadata.Key) error
	// CheckInit checks, as replay does, what init made: init is the init
	// record and initial reads the first state it names, parsed (the
	// replay's own: the check does not change it). "" if it holds.
	CheckInit(ws *workspace.Workspace, init transcripts.Record, initial func() (*metafile.File, string)) string
	// CheckChange checks role's metadata in ws against what this kind of
	// ceremony may change, as verify does; "" if it holds.
	CheckChange(ws *workspace.Workspace, role string) string
	// Files lists the kind's own files in ws (claim requests, target
	// files), slash-separated and sorted: the init record names each by its
	// hash, and the bundle carries each at the same path.
	Files(ws *workspace.Workspace) ([]string, error)
	// IsFile says whether a bundle entry is one of those files.
	IsFile(entry string) bool
	// BundleExtras adds what else the kind's bundle carries (a rotation's
	// plan and incident report).
	BundleExtras(ws *workspace.Workspace, add func(name string, data []byte)) error
	// Readme is the bundle's README.txt: what the online side does with
	// the bundle, in order.
	Readme(l *Loaded, info BundleInfoFile) (string, error)
}

// Engine runs the ceremony steps on workspaces of the kinds it was made
// with. A program makes one and hands it to what runs ceremonies; a
// workspace of a kind it does not know is refused.
type Engine struct {
	keys  *keys.Backends
	kinds map[workspace.Kind]Kind
}

// New returns an Engine that opens keys with backends and runs
// workspaces of the given kinds.
func New(backends *keys.Backends, kinds ...Kind) *Engine {
	e := &Engine{keys: backends, kinds: map[workspace.Kind]Kind{}}
	for _, k := range kinds {
		for _, name := range k.Names() {
			e.kinds[name] = k
		}
	}
	return e
}

// Keys are the key backends the engine opens keys with.
func (e *Engine) Keys() *keys.Backends { return e.keys }

// KindOf is the Kind of a workspace kind.
func (e *Engine) KindOf(k workspace.Kind) (Kind, error) {
	if kind, ok := e.kinds[k]; ok {
		return kind, nil
	}
	return nil, fmt.Errorf("unknown ceremony kind %q", k)
}

// KindFiles lists the own files of ws's kind (Kind.Files).
func (e *Engine) KindFiles(ws *workspace.Workspace) ([]string, error) {
	k, err := e.KindOf(ws.State.Kind)
	if err != nil {
		return nil, err
	}
	return k.Files(ws)
}

// KindNames lists the kinds this package runs, sorted.
func (e *Engine) KindNames() []string {
	var out []string
	for k := range e.kinds {
		out = append(out, string(k))
	}
	sort.Strings(out)
	return out
}
