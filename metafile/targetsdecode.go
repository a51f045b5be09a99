package metafile

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// Decoding a targets role without encoding/json.
//
// go-tuf's TargetsType.UnmarshalJSON decodes every object twice, once into
// its struct and once into a map for the fields it does not know, each
// time with encoding/json's reflection and a validity check: 8.7 s and
// 1.4 GB for a claimed role of 100,000 projects. decodeTargets builds the
// same value (reflect.DeepEqual, unknown fields and all) in one walk over
// the bytes, for the documents it can decode exactly: every string free of
// escapes and valid UTF-8, every number an integer, no null, no key twice
// in a struct, no member whose name folds onto a field's name. For
// anything else it says so, and the caller decodes with go-tuf as before,
// which gives go-tuf's value or error. The differential tests and
// FuzzDecodeTargets hold the two to the same value.

// Member names of the structs decodeTargets fills, as go-tuf's json tags
// name them.
var (
	targetsFields     = []string{"_type", "spec_version", "version", "expires", "targets", "delegations"}
	targetFileFields  = []string{"length", "hashes", "custom"}
	delegationsFields = []string{"keys", "roles", "succinct_roles"}
	keyFields         = []string{"keytype", "scheme", "keyval"}
	keyValFields      = []string{"public"}
	delegatedFields   = []string{"name", "keyids", "threshold", "terminating", "path_hash_prefixes", "paths"}
)

// decodeTargets decodes signed as go-tuf's TargetsType.UnmarshalJSON
// would; ok is false when it cannot be sure to, and the caller must use
// go-tuf's decoder.
func decodeTargets(signed []byte) (t *metadata.TargetsType, ok bool) {
	w := &walk{doc: signed}
	t = &metadata.TargetsType{UnrecognizedFields: map[string]any{}}
	var seen uint32
	w.object(func(key []byte) {
		switch string(key) {
		case "keys", "roles", "meta":
			// Root's and snapshot's members, unknown to targets but looked
			// into by checkOneReading: left to it and go-tuf's decoder.
			w.give = true
			return
		}
		switch w.field(&seen, key, targetsFields, t.UnrecognizedFields) {
		case 0:
			t.Type = w.str()
		case 1:
			t.SpecVersion = w.str()
		case 2:
			t.Version = w.integer(64)
		case 3:
			if err := t.Expires.UnmarshalJSON(w.quoted()); err != nil {
				w.give = true
			}
		case 4:
			t.Targets = w.targetFiles()
		case 5:
			t.Delegations = w.delegations()
		}
	})
	if w.i = skipSpace(w.doc, w.i); w.give || w.i != len(w.doc) {
		return nil, false
	}
	for path, f := range t.Targets {
		f.Path = path
	}
	return t, true
}

// field says which of fields key is (its index), marking it seen; -1
// when it is none of them, after decoding the value into unknown as
// encoding/json would. A key seen twice, or one that is not a field but
// that encoding/json would match to one regardless of case, gives up.
func (w *walk) field(seen *uint32, key []byte, fields []string, unknown map[string]any) int {
	for i, f := range fields {
		if string(key) == f {
			if *seen&(1<<i) != 0 {
				w.give = true
			}
			*seen |= 1 << i
			return i
		}
	}
	for _, c := range key {
		if c >= utf8.RuneSelf { // Unicode folding ("ſ", "K"): leave it to encoding/json
			w.give = true
			return -1
		}
	}
	for _, f := range fields {
		if strings.EqualFold(string(key), f) {
			w.give = true
			return -1
		}
	}
	if foldedField(key) != "" {
		// Folds onto another struct's field ("Version" in a target's
		// entry): checkOneReading refuses it wherever TUF has a struct,
		// so it is left to that check.
		w.give = true
		return -1
	}
	name := string(key)
	if _, twice := unknown[name]; twice {
		w.give = true
		return -1
	}
	unknown[name] = w.unknown()
	return -1
}

func (w *walk) targetFiles() map[string]*metadata.TargetFiles {
	files := map[string]*metadata.TargetFiles{}
	w.object(func(path []byte) {
		f := &metadata.TargetFiles{UnrecognizedFields: map[string]any{}}
		var seen uint32
		w.object(func(key []byte) {
			switch w.field(&seen, key, targetFileFields, f.UnrecognizedFields) {
			case 0:
				f.Length = w.integer(64)
			case 1:
				f.Hashes = w.hashes()
			case 2:
				raw := w.raw()
				if len(raw) > 0 && raw[0] == 'n' { // null: encoding/json leaves the pointer nil
					w.give = true
				}
				// go-tuf decodes all of "signed" into map[string]any as
				// well, which refuses a number past float64 (1e400).
				var v any
				if json.Unmarshal(raw, &v) != nil {
					w.give = true
				}
				custom := json.RawMessage(append([]byte(nil), raw...))
				f.Custom = &custom
			}
		})
		if len(f.Hashes) == 0 {
			w.give = true // go-tuf refuses it, with its own error
		}
		files[string(path)] = f // a path given twice: the last one, as encoding/json
	})
	return files
}

func (w *walk) hashes() metadata.Hashes {
	h := metadata.Hashes{}
	w.object(func(alg []byte) {
		var b metadata.HexBytes
		if err := b.UnmarshalJSON(w.quoted()); err != nil {
			w.give = true
		}
		h[string(alg)] = b
	})
	return h
}

func (w *walk) delegations() *metadata.Delegations {
	d := &metadata.Delegations{UnrecognizedFields: map[string]any{}}
	var seen uint32
	var keys *keysAside
	w.object(func(key []byte) {
		switch w.field(&seen, key, delegationsFields, d.UnrecognizedFields) {
		case 0:
			if keys != nil { // "keys" twice: field gave up
				return
			}
			keys = w.keysAside()
		case 1:
			d.Roles = []metadata.DelegatedRole{}
			w.array(func() {
				d.Roles = append(d.Roles, w.delegatedRole())
			})
		case 2:
			w.give = true // succinct_roles: go-tuf checks its bit length
		}
	})
	if keys != nil {
		d.Keys = keys.wait(w)
	}
	return d
}

// keysAside decodes a delegations' "keys" on a goroutine of its own,
// beside the walk on through "roles": claimed at 1,000,000 projects holds
// 1,250,000 keys and 1,000,000 roles, and each takes seconds to decode.
// The walk passes over the keys' value to go on; the goroutine walks the
// same bytes, and the walk waits for it before it returns.
type keysAside struct {
	walk *walk
	keys map[string]*metadata.Key
	done chan struct{}
	// panicked is what the goroutine's walk panicked with, raised again
	// by wait on the caller's goroutine (where a verifier recovers it).
	panicked any
}

func (w *walk) keysAside() *keysAside {
	start := w.i
	w.skipValue()
	if w.give {
		return nil
	}
	k := &keysAside{walk: &walk{doc: w.doc[:w.i], i: start}, done: make(chan struct{})}
	go func() {
		defer close(k.done)
		defer func() { k.panicked = recover() }()
		k.keys = k.walk.keys()
	}()
	return k
}

// wait is the keys decoded; w gives up if their walk did, or stopped
// short of their end.
func (k *keysAside) wait(w *walk) map[string]*metadata.Key {
	<-k.done
	if k.panicked != nil {
		panic(k.panicked)
	}
	if k.walk.give || skipSpace(k.walk.doc, k.walk.i) != len(k.walk.doc) {
		w.give = true
	}
	return k.keys
}

func (w *walk) keys() map[string]*metadata.Key {
	// Gathered, then put in a map made at its size: 125,000 keys grow a
	// map a dozen times over.
	type idKey struct {
		id  string
		key *metadata.Key
	}
	var list []idKey
	w.object(func(id []byte) {
		k := &metadata.Key{UnrecognizedFields: map[string]any{}}
		var seen uint32
		w.object(func(key []byte) {
			switch w.field(&seen, key, keyFields, k.UnrecognizedFields) {
			case 0:
				k.Type = w.str()
			case 1:
				k.Scheme = w.str()
			case 2:
				// KeyVal decodes itself only when it is there.
				k.Value.UnrecognizedFields = map[string]any{}
				var seenValue uint32
				w.object(func(key []byte) {
					if w.field(&seenValue, key, keyValFields, k.Value.UnrecognizedFields) == 0 {
						k.Value.PublicKey = w.str()
					}
				})
			}
		})
		list = append(list, idKey{string(id), k})
	})
	keys := make(map[string]*metadata.Key, len(list))
	for _, e := range list {
		keys[e.id] = e.key
	}
	return keys
}

func (w *walk) delegatedRole() metadata.DelegatedRole {
	r := metadata.DelegatedRole{UnrecognizedFields: map[string]any{}}
	var seen uint32
	w.object(func(key []byte) {
		switch w.field(&seen, key, delegatedFields, r.UnrecognizedFields) {
		case 0:
			r.Name = w.str()
		case 1:
			r.KeyIDs = w.strings()
		case 2:
			r.Threshold = int(w.integer(strconv.IntSize))
		case 3:
			r.Terminating = w.boolean()
		case 4:
			r.PathHashPrefixes = w.strings()
		case 5:
			r.Paths = w.strings()
		}
	})
	return r
}

// DecodeDelegations decodes a targets role's "delegations" value, as
// written in a document that Parse checked, into go-tuf's type: the value
// and error of json.Unmarshal, without encoding/json where that is exact.
// null is no delegations (nil).
func DecodeDelegations(raw []byte) (*metadata.Delegations, error) {
	w := &walk{doc: raw}
	if w.next() == 'n' && w.literal("null") {
		if w.i = skipSpace(raw, w.i); w.i == len(raw) {
			return nil, nil
		}
	}
	w = &walk{doc: raw}
	d := w.delegations()
	if w.i = skipSpace(raw, w.i); !w.give && w.i == len(raw) {
		return d, nil
	}
	d = nil
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, err
	}
	return d, nil
}

// Members returns the top-level members of "signed", once it is known to
// be read one way only (no member whose name folds onto a TUF field's):
// for readers that take some members by their exact names.
func (f *File) Members() ([]Member, error) {
	if !sameSlice(f.Signed, f.oneReadingOf) {
		if err := checkOneReading(f.Signed); err != nil {
			return nil, err
		}
		f.oneReadingOf = f.Signed
	}
	if f.checkedSigned(f.Signed) {
		return Members(f.Signed)
	}
	members, ok := objectMembers(f.Signed)
	if !ok {
		return nil, fmt.Errorf("signed is not a JSON object")
	}
	out := make([]Member, len(members))
	for i, m := range members {
		out[i] = Member{Name: m.key, Value: m.value}
	}
	return out, nil
}
