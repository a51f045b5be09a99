package bundle

import (
	"strings"
)

// NameElement makes s (a keyholder's name) usable as one element of an
// entry name: every character outside ASCII letters, digits, "-", "_" and "." is
// "_", leading and trailing dots go, and nothing left is "_".
func NameElement(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x80 && (r == '-' || r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	if w := strings.Trim(b.String(), "."); w != "" {
		return w
	}
	return "_"
}

// MaxNameLen is the longest entry name, in bytes.
const MaxNameLen = 255

// forbiddenChars are printable ASCII characters no name may hold: the
// Windows path separator and drive or stream marker, and the characters
// Windows refuses in file names.
const forbiddenChars = `\:*?"<>|`

// CheckName returns nil if name may name a bundle entry, or a *Violation
// with RuleAbsolutePath, RuleParentTraversal or RuleBadName saying why not.
// Write and Read apply it to every name; the package documentation gives
// the rules. It does not know about other names: duplicates and the
// reserved MANIFEST.json are checked by Write and Read.
func CheckName(name string) error {
	if v := nameProblem(name); v != nil {
		return v
	}
	return nil
}

func nameProblem(name string) *Violation {
	bad := func(format string, args ...any) *Violation {
		return violation(name, RuleBadName, format, args...)
	}
	switch {
	case name == "":
		return bad("empty name")
	case strings.HasPrefix(name, "/"):
		return violation(name, RuleAbsolutePath, "a name must be a relative path")
	}
	for _, elem := range strings.Split(name, "/") {
		if elem == ".." {
			return violation(name, RuleParentTraversal, `a name must not have a ".." element`)
		}
	}
	if len(name) > MaxNameLen {
		return bad("%d bytes long; at most %d", len(name), MaxNameLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == 0:
			return bad("NUL byte at offset %d", i)
		case c < 0x20 || c == 0x7f:
			return bad("control character 0x%02x at offset %d", c, i)
		case c >= 0x80:
			return bad("non-ASCII byte 0x%02x at offset %d; names are printable ASCII", c, i)
		case strings.IndexByte(forbiddenChars, c) >= 0:
			return bad("%q at offset %d; names must not hold any of %s", c, i, forbiddenChars)
		}
	}
	for _, elem := range strings.Split(name, "/") {
		switch {
		case elem == "":
			return bad("empty path element (a doubled or trailing slash)")
		case elem == ".":
			return bad(`a "." path element`)
		case strings.HasPrefix(elem, " ") || strings.HasSuffix(elem, " "):
			return bad("path element %q begins or ends with a space", elem)
		}
	}
	return nil
}

// foldName is the key under which names that differ only in ASCII case
// collide. Names are ASCII (nameProblem), so this is exact.
func foldName(name string) string {
	return strings.ToLower(name)
}

// isManifestName reports whether name is MANIFEST.json in any case.
func isManifestName(name string) bool {
	return foldName(name) == foldName(ManifestName)
}
