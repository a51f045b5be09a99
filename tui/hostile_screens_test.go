package tui

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/internal/safetext"
	"github.com/tuf-ceremony/ceremony/tui/widget"
)

// hostile is appended to every string a screen is built from: a screen
// clear, conceal, a right-to-left override, an isolate and a C1 control
// introducer, as a hostile repository, bundle, request or record could
// bring them.
const hostile = "\x1b[2J\x1b[8m\u202e\u2066\u009b"

// poison appends hostile to every string reachable from v through exported
// fields, slices, arrays, pointers and maps (keys too), in place; v must be
// a pointer.
func poison(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			poison(v.Elem())
		}
	case reflect.String:
		if v.CanSet() {
			v.SetString(v.String() + hostile)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				poison(v.Field(i))
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			poison(v.Index(i))
		}
	case reflect.Map:
		if v.IsNil() || !v.CanSet() {
			return
		}
		out := reflect.MakeMapWithSize(v.Type(), v.Len())
		for it := v.MapRange(); it.Next(); {
			k := reflect.New(v.Type().Key()).Elem()
			k.Set(it.Key())
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(it.Value())
			poison(k)
			poison(e)
			out.SetMapIndex(k, e)
		}
		v.Set(out)
	}
}

// poisonModel poisons what each screen is drawn from: the workspace's
// status and the person at the device, the device check, the review, the
// outcome of a signing, the bundle, the rotation plan, the claims review,
// the workspaces found, and the status line.
func poisonModel(m *Model) {
	for _, p := range []any{&m.ws, &m.walk.review, &m.walk.notices, m.rotate.plan, m.claims.res} {
		if v := reflect.ValueOf(p); !v.IsNil() {
			poison(v)
		}
	}
	// The status is escaped as it arrives (shownStatus); who is at the
	// device and what they sign are taken from it.
	if st := m.walk.status; st != nil {
		st.Unwritten = append(st.Unwritten, "root: the signature by alice that record 7 holds is not written")
		before := slices.Clone(st.People)
		poison(reflect.ValueOf(st))
		m.walk.status = shownStatus(st)
		m.dash.status = m.walk.status
		// Who is present, who seals and who confirmed the words follow
		// the people's new names and key IDs.
		present, pick, words := map[string]bool{}, map[string]bool{}, map[string]bool{}
		for i, p := range m.walk.status.People {
			present[p.Name] = m.walk.present[before[i].Name]
			pick[p.KeyID] = m.walk.seal.pick[before[i].KeyID]
			words[p.Name] = m.walk.seal.words[before[i].Name]
		}
		m.walk.present, m.walk.seal.pick, m.walk.seal.words = present, pick, words
		for _, p := range m.walk.status.People {
			if p.KeyID == m.walk.person.KeyID {
				m.walk.person = p
			}
		}
	}
	// What a device says, and what a signing reports, are escaped as they
	// arrive; the touch prompt too.
	if c := m.walk.check; c != nil {
		poison(reflect.ValueOf(c))
		m.walk.check = shownCheck(c)
	}
	if m.walk.touch != "" {
		m.walk.touch = safetext.Escape(m.walk.touch + hostile)
	}
	if b := m.walk.bundle; b != nil {
		b.Out += hostile
	}
	// What is typed or pasted into a form, and the rehearsal's devices.
	m.date.input = widget.NewText(m.date.input.String() + hostile)
	m.note = widget.NewText(m.note.String() + hostile)
	for i := range m.form.fields {
		m.form.fields[i].Value = widget.NewText(m.form.fields[i].Value.String() + hostile)
	}
	if r := m.rehearsal; r != nil {
		poison(reflect.ValueOf(r))
	}
	for i := range m.chooser.found {
		m.chooser.found[i].dir += hostile
		m.chooser.found[i].summary += hostile
	}
	if o := m.walk.outcome; o != nil {
		o.person = m.walk.person
		if o.res != nil {
			poison(reflect.ValueOf(o.res))
			o.res = shownSignResult(o.res)
		}
		if o.err != nil {
			o.err = errorString(o.err.Error() + hostile)
		}
	}
}

// TestEveryScreenEscapesHostileText: every screen of the app (each one the
// golden test draws), with hostile text added to every string it is drawn
// from, shows no control or bidi character raw, and shows the hostile text
// escaped somewhere (so the test reaches what the screen draws).
func TestEveryScreenEscapesHostileText(t *testing.T) {
	for name, mk := range goldenCases(t) {
		t.Run(name, func(t *testing.T) {
			m := mk()
			poisonModel(&m)
			got := view(m)
			for _, r := range got {
				if safetext.Unsafe(r) {
					for _, l := range strings.Split(got, "\n") {
						if strings.ContainsFunc(l, safetext.Unsafe) {
							t.Errorf("raw: %q", l)
						}
					}
					t.FailNow()
				}
			}
			if !strings.Contains(strings.Join(strings.Fields(got), ""), `\u001b[2J`) {
				t.Errorf("the %s screen shows none of the hostile text:\n%s", name, got)
			}
		})
	}
}
