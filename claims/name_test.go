package claims

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"foo":            "foo",
		"Foo_Bar":        "foo-bar",
		"zope.interface": "zope-interface",
		"A":              "a",
		"a..b":           "a-b",
		"a-_.b":          "a-b",
		"Django2":        "django2",
		"9":              "9",
		"py-2to3":        "py-2to3",
	} {
		got, err := Normalize(in)
		if err != nil || got != want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	long := strings.Repeat("a", MaxNameLength)
	if got, err := Normalize(long); err != nil || got != long {
		t.Errorf("a name of %d characters: %v", MaxNameLength, err)
	}
	for in, want := range map[string]string{
		"":                                   "empty",
		"foo bar":                            "a space",
		" foo":                               "a space",
		"föö":                                "non-ASCII",
		"ｆｏｏ":                                "non-ASCII",
		"..":                                 "start and end",
		"../etc":                             `"/"`,
		"a/b":                                `"/"`,
		"-foo":                               "start and end",
		"foo_":                               "start and end",
		".foo":                               "start and end",
		"foo\n":                              `'\n'`,
		"foo+bar":                            `'+'`,
		strings.Repeat("a", MaxNameLength+1): "over the limit",
	} {
		got, err := Normalize(in)
		if err == nil || !errors.Is(err, ErrName) || !strings.Contains(err.Error(), want) {
			t.Errorf("Normalize(%q) = %q, %v; want an ErrName saying %q", in, got, err, want)
		}
	}
}

func TestCheckProject(t *testing.T) {
	for _, ok := range []string{"foo", "foo-bar", "bins", "bins-x", "rooted", "targets2"} {
		if err := CheckProject(ok); err != nil {
			t.Errorf("CheckProject(%q): %v", ok, err)
		}
	}
	for in, want := range map[string]string{
		"Foo_Bar":          `project "Foo_Bar" is not normalized (PEP 503): write "foo-bar"`,
		"foo.bar":          `write "foo-bar"`,
		"foo--bar":         `write "foo-bar"`,
		"Django":           `write "django"`,
		"foo bar":          "a space",
		"root":             "repository's root role",
		"snapshot":         "repository's snapshot role",
		"recently-claimed": "recently-claimed role",
		"bins-0a":          "hash bin bins-0a",
	} {
		err := CheckProject(in)
		if err == nil || !errors.Is(err, ErrName) || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckProject(%q) = %v; want an ErrName saying %q", in, err, want)
		}
	}
}
