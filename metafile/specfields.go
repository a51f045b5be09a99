package metafile

import (
	"fmt"
	"slices"
)

// specFields are the members TUF (spec 1.0.31) defines for the "signed" of
// the roles this tool signs offline: root, and targets (top-level,
// claimed, a project's role).
var specFields = map[string][]string{
	"root":    {"_type", "spec_version", "consistent_snapshot", "version", "expires", "keys", "roles"},
	"targets": {"_type", "spec_version", "version", "expires", "targets", "delegations"},
}

// CheckSpecFields refuses a root or targets "signed" holding a member the
// TUF spec does not define: metadata that comes from elsewhere to be signed
// (a payload, an RSTUF pending answer) carries nothing a reader might take
// for something else. Unknown members deeper in (a key's x-rstuf-*
// fields, a target's custom) are kept as they are; other types pass.
func (f *File) CheckSpecFields() error {
	h, err := f.Header()
	if err != nil {
		return err
	}
	allowed, ok := specFields[h.Type]
	if !ok {
		return nil
	}
	members, ok := objectMembers(f.Signed)
	if !ok {
		return fmt.Errorf("signed is not a JSON object")
	}
	for _, m := range members {
		if !slices.Contains(allowed, m.key) {
			return fmt.Errorf("signed.%s: %s metadata has no such field in the TUF spec: refusing to sign what a reader might take for something else", m.key, h.Type)
		}
	}
	return nil
}
