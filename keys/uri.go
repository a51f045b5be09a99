package keys

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"sort"
	"strings"
	"unicode"
)

// URI names a key. Three schemes are understood:
//
//	file:keys/alice.key?pin-source=alice.pass
//	pkcs11:token=root-1;object=root?module-path=/usr/lib/softhsm/libsofthsm2.so
//	yubikey:serial=19088743;slot-id=9c
//
// pkcs11 URIs follow RFC 7512: path attributes separated by ';', query
// attributes by '&', values percent-encoded. yubikey URIs use the same
// grammar. A secret never sits in a URI: "pin-value" is refused, however
// it is spelled (any case, percent-encoded); use pin-source=FILE for
// scripts, or let the tool prompt.
type URI struct {
	Scheme string
	// Path is the file path of a file: URI.
	Path string
	// Attrs are the path attributes of pkcs11: and yubikey: URIs.
	Attrs map[string]string
	// Query holds query attributes (module-path, pin-source ...).
	Query map[string]string
	raw   string
}

// ParseURI parses a key URI. Errors name the URI and what is wrong with it.
func ParseURI(s string) (*URI, error) {
	if HoldsPIN(s) {
		// Whatever else is wrong with it: no other message may quote it.
		return nil, errPINInURI(s)
	}
	scheme, rest, ok := strings.Cut(s, ":")
	if !ok || scheme == "" {
		return nil, fmt.Errorf("malformed key URI %q: want file:PATH, pkcs11:... or yubikey:...", redact(s))
	}
	u := &URI{Scheme: scheme, Attrs: map[string]string{}, Query: map[string]string{}, raw: s}
	path, query, _ := strings.Cut(rest, "?")
	if query != "" {
		for _, part := range strings.Split(query, "&") {
			if err := u.addAttr(u.Query, part, s); err != nil {
				return nil, err
			}
		}
	}
	switch scheme {
	case "file":
		p, err := url.PathUnescape(path)
		if err != nil || p == "" {
			return nil, fmt.Errorf("malformed key URI %q: want file:PATH", redact(s))
		}
		u.Path = p
	case "pkcs11", "yubikey":
		if path != "" {
			for _, part := range strings.Split(path, ";") {
				if err := u.addAttr(u.Attrs, part, s); err != nil {
					return nil, err
				}
			}
		}
	default:
		return nil, fmt.Errorf("malformed key URI %q: unknown scheme %q (want file, pkcs11 or yubikey)", redact(s), redact(scheme))
	}
	return u, nil
}

// isPINName reports whether an attribute name, as written, names a
// secret: "pin-value" (RFC 7512), "pin", "passphrase" or "password", in
// any case, percent-encoded or not, with any of " -_+." in it or around
// it. A name that does not decode counts as one, so that no message
// quotes what follows it.
func isPINName(raw string) bool {
	name, err := url.PathUnescape(raw)
	if err != nil {
		return true
	}
	folded := strings.Map(func(r rune) rune {
		if strings.ContainsRune(" -_+.", r) {
			return -1
		}
		return unicode.ToLower(r)
	}, name)
	switch folded {
	case "pinvalue", "pin", "passphrase", "password":
		return true
	}
	return false
}

func (u *URI) addAttr(into map[string]string, part, whole string) error {
	if part == "" {
		return nil
	}
	name, value, ok := strings.Cut(part, "=")
	if !ok || name == "" {
		return fmt.Errorf("malformed key URI %q: an attribute is not name=value", redact(whole))
	}
	if isPINName(name) {
		// Refused before the value is unescaped, so that no error (a bad
		// escape, a duplicate) can quote any part of the PIN.
		return errPINInURI(whole)
	}
	v, err := url.PathUnescape(value)
	if err != nil {
		return fmt.Errorf("malformed key URI %q: attribute %q: %w", redact(whole), name, err)
	}
	if _, dup := into[name]; dup {
		return fmt.Errorf("malformed key URI %q: attribute %q given twice", redact(whole), name)
	}
	into[name] = v
	return nil
}

func errPINInURI(s string) error {
	return fmt.Errorf("key URI %q holds a PIN: never put a secret in a URI; use pin-source=FILE or answer the prompt", redact(s))
}

// HoldsPIN reports whether the key URI s carries a PIN (a pin-value
// attribute however spelled), without parsing anything else of it.
func HoldsPIN(s string) bool {
	scheme, rest, _ := strings.Cut(s, ":")
	if scheme == "file" {
		// A file: URI's path is a path, whatever it holds; only its query
		// has attributes.
		_, rest, _ = strings.Cut(rest, "?")
	}
	for _, part := range strings.FieldsFunc(rest, func(r rune) bool { return strings.ContainsRune(";?&", r) }) {
		if name, _, ok := strings.Cut(part, "="); ok && isPINName(name) {
			return true
		}
	}
	return false
}

// Redact is s with the value of every PIN attribute hidden (and of any
// part that is not name=value): the only form of a URI given by a user
// that may reach a message, a record or a file.
func Redact(s string) string { return redact(s) }

// redact hides, in a URI quoted by a message, the value of every
// attribute whose name is a PIN's however spelled (isPINName), and of any
// part that is not name=value.
func redact(s string) string {
	if rest, ok := strings.CutPrefix(s, "file:"); ok {
		// A file: URI's path is a path, ';' and '&' included: only its
		// query has attributes.
		path, query, hasQuery := strings.Cut(rest, "?")
		if !hasQuery {
			return s
		}
		return "file:" + path + "?" + strings.TrimPrefix(redactParts("?"+query), "?")
	}
	return redactParts(s)
}

// redactParts is redact's walk over the parts of s between ':', ';', '?'
// and '&'.
func redactParts(s string) string {
	var b strings.Builder
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && !strings.ContainsRune(":;?&", rune(s[i])) {
			continue
		}
		part := s[start:i]
		if name, _, ok := strings.Cut(part, "="); ok && isPINName(name) {
			part = name + "=REDACTED"
		} else if !ok && start > 0 && s[start-1] != ':' && part != "" {
			part = "REDACTED"
		}
		b.WriteString(part)
		if i < len(s) {
			b.WriteByte(s[i])
		}
		start = i + 1
	}
	return b.String()
}

// String is the URI as given.
func (u *URI) String() string { return u.raw }

// NamesSameKey reports whether u and v name the same key: the same
// scheme, path (a file's) and path attributes (values as decoded), and the
// same module. How a secret is given (pin-source and the like) does not
// matter.
func (u *URI) NamesSameKey(v *URI) bool {
	return u.Scheme == v.Scheme && u.Path == v.Path && maps.Equal(u.Attrs, v.Attrs) && u.Query["module-path"] == v.Query["module-path"]
}

// CheckAttrs refuses attributes a backend does not know, naming them.
func (u *URI) CheckAttrs(path, query []string) error {
	var unknown []string
	for name := range u.Attrs {
		if !slices.Contains(path, name) {
			unknown = append(unknown, name)
		}
	}
	for name := range u.Query {
		if !slices.Contains(query, name) {
			unknown = append(unknown, "?"+name)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("key URI %q: unknown attribute(s) %s", redact(u.raw), strings.Join(unknown, ", "))
	}
	return nil
}
