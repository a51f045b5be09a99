package claims

import (
	"fmt"
	"regexp"
	"strings"
)

// MaxNameLength bounds a project name. PEP 508 sets no limit; the name
// becomes the delegated role's name, and so a metadata file name
// ("VERSION.NAME.json"), which must stay under the usual 255-byte limit.
const MaxNameLength = 200

// separators is PEP 503's run of separators: re.sub(r"[-_.]+", "-", name).
var separators = regexp.MustCompile(`[-_.]+`)

// Normalize returns name as PEP 503 normalizes it (runs of "-", "_" and
// "." become one "-", letters lowercase) after checking that it is a valid
// project name as PyPI and PEP 508 have it: ASCII letters, digits, "-",
// "_" and ".", starting and ending with a letter or digit, at most
// MaxNameLength characters.
func Normalize(name string) (string, error) {
	if name == "" {
		return "", errorf(ErrName, "the project name is empty")
	}
	if len(name) > MaxNameLength {
		return "", errorf(ErrName, "the project name is %d characters long, over the limit of %d", len(name), MaxNameLength)
	}
	for i, r := range name {
		if isAlnum(r) || r == '-' || r == '_' || r == '.' {
			continue
		}
		what := fmt.Sprintf("%q", r)
		switch {
		case r == ' ':
			what = "a space"
		case r == '/':
			what = `"/"`
		case r > 0x7f:
			what = fmt.Sprintf("the non-ASCII character %q", r)
		}
		return "", errorf(ErrName, "project name %q has %s at offset %d; PyPI names are ASCII letters, digits, \"-\", \"_\" and \".\"", name, what, i)
	}
	if !isAlnum(rune(name[0])) || !isAlnum(rune(name[len(name)-1])) {
		return "", errorf(ErrName, "project name %q must start and end with a letter or digit", name)
	}
	return strings.ToLower(separators.ReplaceAllString(name, "-")), nil
}

func isAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

// CheckProject accepts project only if it is a valid name already in its
// normalized form, and not the name of one of the repository's own roles.
// A claim names its project exactly as the delegated role will be named, so
// "Foo_Bar" is refused with the spelling to write instead.
func CheckProject(project string) error {
	n, err := Normalize(project)
	if err != nil {
		return err
	}
	if n != project {
		return errorf(ErrName, "project %q is not normalized (PEP 503): write %q", project, n)
	}
	if role := reservedRole(project); role != "" {
		return errorf(ErrName, "project %q has the name of the repository's %s role, and a delegated role's metadata file would take that role's file name; it cannot be claimed under this name: ask PyPI's administrators", project, role)
	}
	return nil
}

// reservedRole says which of a PEP 480 repository's own roles name is (its
// metadata files are fetched by role name), or "".
func reservedRole(name string) string {
	switch name {
	case "root", "timestamp", "snapshot", "targets", "claimed", "recently-claimed", "unclaimed":
		return name
	}
	if hex, ok := strings.CutPrefix(name, "bins-"); ok && hex != "" && strings.Trim(hex, "0123456789abcdef") == "" {
		return "hash bin " + name
	}
	return ""
}
