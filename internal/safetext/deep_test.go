package safetext

import (
	"testing"
	"time"
)

type person struct {
	Name  string
	URI   string
	Tags  []string
	By    map[string]*person
	When  time.Time
	inner string
}

func TestEscapeAllCopiesAndEscapes(t *testing.T) {
	when := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	in := &person{Name: "eve\x1b[2J", URI: "file:e\x1b.key", Tags: []string{"a\u202e"}, When: when, inner: "x\x1b",
		By: map[string]*person{"k\x1b": {Name: "bob\u2066"}}}
	out := EscapeAll(in, "URI")
	if out.Name != `eve\u001b[2J` || out.Tags[0] != `a\u202e` || out.By[`k\u001b`] == nil || out.By[`k\u001b`].Name != `bob\u2066` {
		t.Errorf("escaped copy: %+v, by %+v", out, out.By)
	}
	if out.URI != "file:e\x1b.key" || out.inner != "x\x1b" || !out.When.Equal(when) {
		t.Errorf("kept fields changed: %q %q %v", out.URI, out.inner, out.When)
	}
	if in.Name != "eve\x1b[2J" || in.Tags[0] != "a\u202e" || in.By["k\x1b"].Name != "bob\u2066" {
		t.Errorf("EscapeAll changed its input: %+v", in)
	}
	if EscapeAll[*person](nil) != nil {
		t.Error("nil did not stay nil")
	}
}
