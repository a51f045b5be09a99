package bundle

import "fmt"

// Rule names a rule a bundle broke. Its text is what the user reads.
type Rule string

// The rules. Those about the archive as a whole leave Violation.Entry
// empty; the others name the entry.
const (
	// RuleNotTar: the file does not begin with a tar header.
	RuleNotTar Rule = "not a tar file"
	// RuleTruncated: the file ends inside a header or an entry's data, or
	// without the end-of-archive marker.
	RuleTruncated Rule = "truncated"
	// RuleCorrupt: a header after the first is not a valid tar header, or
	// the end-of-archive marker is incomplete.
	RuleCorrupt Rule = "corrupt archive"
	// RuleTrailingData: bytes follow the end-of-archive marker.
	RuleTrailingData Rule = "trailing data"
	// RuleAbsolutePath: a name begins with a slash.
	RuleAbsolutePath Rule = "absolute path"
	// RuleParentTraversal: a name has a ".." element.
	RuleParentTraversal Rule = "parent traversal"
	// RuleNotRegular: an entry is a symbolic link, a directory, a device,
	// a FIFO, a sparse file or any other type than a regular file or a
	// hard link (or the manifest is a hard link).
	RuleNotRegular Rule = "not a regular file"
	// RuleBadLink: a hard link has data, or does not name a regular entry
	// before it that the manifest gives the same size and digests.
	RuleBadLink Rule = "bad hard link"
	// RuleUnsupportedHeader: an entry has PAX records other than "path"
	// (extended attributes, sparse maps, a size record ...).
	RuleUnsupportedHeader Rule = "unsupported header"
	// RuleBadName: a name breaks the naming rules (see CheckName) in
	// another way than the two above.
	RuleBadName Rule = "bad name"
	// RuleDuplicateName: a name comes twice, also when only ASCII case
	// differs.
	RuleDuplicateName Rule = "duplicate name"
	// RuleOversize: an entry is larger than Limits.MaxEntrySize.
	RuleOversize Rule = "oversize entry"
	// RuleTooManyEntries: more entries than Limits.MaxEntries.
	RuleTooManyEntries Rule = "too many entries"
	// RuleTotalTooLarge: the entries together, or the file, are larger
	// than Limits.MaxTotal allows.
	RuleTotalTooLarge Rule = "total too large"
	// RuleManifestMissing: the first entry is not MANIFEST.json.
	RuleManifestMissing Rule = "manifest missing"
	// RuleManifestMalformed: MANIFEST.json is not a manifest in the one
	// form Write makes.
	RuleManifestMalformed Rule = "manifest malformed"
	// RuleManifestMismatch: an entry's size, SHA-256 or SHA-512 is not
	// what the manifest says.
	RuleManifestMismatch Rule = "manifest mismatch"
	// RuleNotInManifest: the archive holds an entry the manifest does not
	// list.
	RuleNotInManifest Rule = "entry not in manifest"
	// RuleMissingEntry: the manifest lists an entry the archive lacks.
	RuleMissingEntry Rule = "manifest entry missing from archive"
)

// Violation is a rule a bundle, or entries given to Write, broke.
type Violation struct {
	// Entry is the name of the entry concerned, as the archive or the
	// caller gave it; empty for the archive as a whole.
	Entry  string
	Rule   Rule
	Detail string
}

func (v *Violation) Error() string {
	if v.Entry == "" {
		return fmt.Sprintf("%s: %s", v.Rule, v.Detail)
	}
	return fmt.Sprintf("entry %q: %s: %s", v.Entry, v.Rule, v.Detail)
}

func violation(entry string, rule Rule, format string, args ...any) *Violation {
	return &Violation{Entry: entry, Rule: rule, Detail: fmt.Sprintf(format, args...)}
}
